"""responses set aside from the analysis

Revision ID: 0009_setaside
Revises: 0007_missing
Create Date: 2026-12-03 17:30:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0009_setaside'
down_revision = '0007_missing'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('set_asides',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('window_start', sa.DateTime(), nullable=True),
    sa.Column('window_end', sa.DateTime(), nullable=True),
    sa.Column('distribution_point_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_by', sa.String(length=254), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.Column('revoked_by', sa.String(length=254), nullable=True),
    sa.CheckConstraint('(window_start IS NULL) = (window_end IS NULL)', name=op.f('ck_set_asides_window_complete')),
    sa.CheckConstraint('window_end IS NULL OR window_end > window_start', name=op.f('ck_set_asides_window_order')),
    sa.CheckConstraint('window_start IS NOT NULL OR distribution_point_id IS NOT NULL', name=op.f('ck_set_asides_covers_something')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_set_asides_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['distribution_point_id'], ['distribution_points.id'], name=op.f('fk_set_asides_distribution_point_id_distribution_points')),
    sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_set_asides_round_id_rounds')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_set_asides'))
    )
    with op.batch_alter_table('set_asides', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_set_asides_round_id'), ['round_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('set_asides', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_set_asides_round_id'))
    op.drop_table('set_asides')
