"""questionnaire_drafts: questionnaires uploaded on the staff page, previewed before they are published

A new table ``questionnaire_drafts``; nothing else changes, so no row of any other table is
touched.

Revision ID: 0013_questionnaire_drafts
Revises: 0012_odk_channel
Create Date: 2026-12-04 19:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0013_questionnaire_drafts'
down_revision = '0012_odk_channel'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'questionnaire_drafts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('questionnaire_id', sa.String(length=64), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('definition', sa.JSON(), nullable=False),
        sa.Column('plan_id', sa.Integer(), nullable=True),
        sa.Column('filename', sa.String(length=200), nullable=False),
        sa.Column('file_format', sa.String(length=12), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'],
                                name=op.f('fk_questionnaire_drafts_created_by_id_users'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['plan_id'], ['plans.id'],
                                name=op.f('fk_questionnaire_drafts_plan_id_plans'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_questionnaire_drafts')),
    )
    with op.batch_alter_table('questionnaire_drafts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_questionnaire_drafts_plan_id'), ['plan_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_questionnaire_drafts_questionnaire_id'), ['questionnaire_id'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('questionnaire_drafts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_questionnaire_drafts_questionnaire_id'))
        batch_op.drop_index(batch_op.f('ix_questionnaire_drafts_plan_id'))
    op.drop_table('questionnaire_drafts')
