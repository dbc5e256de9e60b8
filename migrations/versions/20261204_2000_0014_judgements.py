"""judgements: the evaluator's judgement of each objective and indicator of a plan, with its history

Two new tables, ``judgements`` and ``judgement_revisions``; nothing else changes, so no row of
any other table is touched.

Revision ID: 0014_judgements
Revises: 0013_questionnaire_drafts
Create Date: 2026-12-04 20:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0014_judgements'
down_revision = '0013_questionnaire_drafts'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'judgements',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('plan_id', sa.Integer(), nullable=False),
        sa.Column('objective_id', sa.String(length=100), nullable=False),
        sa.Column('indicator_id', sa.String(length=140), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('suggested_status', sa.String(length=16), nullable=True),
        sa.Column('reasons', sa.Text(), nullable=False),
        sa.Column('strengths', sa.Text(), nullable=False),
        sa.Column('weaknesses', sa.Text(), nullable=False),
        sa.Column('recommendations', sa.Text(), nullable=False),
        sa.Column('state', sa.String(length=10), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint("state IN ('to_review', 'approved')", name=op.f('ck_judgements_state')),
        sa.CheckConstraint("status IN ('reached', 'partly_reached', 'not_reached', 'not_assessable')",
                           name=op.f('ck_judgements_status')),
        sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_judgements_plan_id_plans'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_judgements_updated_by_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_judgements')),
        sa.UniqueConstraint('plan_id', 'objective_id', 'indicator_id',
                            name=op.f('uq_judgements_plan_id')),
    )
    with op.batch_alter_table('judgements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_judgements_plan_id'), ['plan_id'], unique=False)
    op.create_table(
        'judgement_revisions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('judgement_id', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('values', sa.JSON(), nullable=False),
        sa.Column('changed', sa.JSON(), nullable=False),
        sa.Column('saved_by_id', sa.Integer(), nullable=True),
        sa.Column('saved_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['judgement_id'], ['judgements.id'],
                                name=op.f('fk_judgement_revisions_judgement_id_judgements'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['saved_by_id'], ['users.id'], name=op.f('fk_judgement_revisions_saved_by_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_judgement_revisions')),
        sa.UniqueConstraint('judgement_id', 'version', name=op.f('uq_judgement_revisions_judgement_id')),
    )
    with op.batch_alter_table('judgement_revisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_judgement_revisions_judgement_id'), ['judgement_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('judgement_revisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_judgement_revisions_judgement_id'))
    op.drop_table('judgement_revisions')
    with op.batch_alter_table('judgements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_judgements_plan_id'))
    op.drop_table('judgements')
