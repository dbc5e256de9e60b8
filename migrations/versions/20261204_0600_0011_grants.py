"""grants: Ambiti an evaluator may see besides their own (results side by side across Ambiti)

A new table ``user_ambito_grants(user_id, ambito_id)``; nothing else changes, so no row of
any other table is touched.

Revision ID: 0011_grants
Revises: 0010_plans
Create Date: 2026-12-03 18:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0011_grants'
down_revision = '0010_plans'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'user_ambito_grants',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('ambito_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['ambito_id'], ['ambiti.id'],
                                name=op.f('fk_user_ambito_grants_ambito_id_ambiti'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_user_ambito_grants_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', 'ambito_id', name=op.f('pk_user_ambito_grants')),
    )
    with op.batch_alter_table('user_ambito_grants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_ambito_grants_ambito_id'), ['ambito_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('user_ambito_grants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_ambito_grants_ambito_id'))
    op.drop_table('user_ambito_grants')
