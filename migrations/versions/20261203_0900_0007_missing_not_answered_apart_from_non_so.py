"""not answered kept apart from "non so"

Revision ID: 0007_missing
Revises: 0006
Create Date: 2026-12-03 09:00:00

An answer row without a value was always "non so / non applicabile"; a new flag marks the
items left without any answer (a blank box on paper, an optional item skipped online).
Every existing row keeps its meaning: the flag is false for all of them.
"""

from alembic import op
import sqlalchemy as sa


revision = '0007_missing'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('answers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('not_answered', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_check_constraint(op.f('ck_answers_not_answered_has_no_value'),
                                         'NOT not_answered OR value IS NULL')


def downgrade() -> None:
    # a not-answered row has no place in the old schema: dropping it keeps "non so" meaning "non so"
    op.execute(sa.text("DELETE FROM answers WHERE not_answered"))
    with op.batch_alter_table('answers', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_answers_not_answered_has_no_value'), type_='check')
        batch_op.drop_column('not_answered')
