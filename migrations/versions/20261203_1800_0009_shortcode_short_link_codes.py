"""short link codes of rounds and distribution points

Revision ID: 0009_shortcode
Revises: 0009_setaside
Create Date: 2026-12-03 18:00:00

Posters print a short address (``esempio.it/r/k7m4-px9q``) besides the QR code: every round
and distribution point gets a short code of an alphabet without look-alikes. Existing rows get
one here; their long tokens stay as they are and keep working.
"""

import secrets

from alembic import op
import sqlalchemy as sa


revision = '0009_shortcode'
down_revision = '0009_setaside'
branch_labels = None
depends_on = None

#: survey_app.rounds.shortcodes at the time of this revision (copied: a revision never changes)
ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
LENGTH = 8
TABLES = ('rounds', 'distribution_points')


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('short_code', sa.String(length=16), nullable=True))
    connection = op.get_bind()
    used: set[str] = set()
    for table in TABLES:
        ids = connection.execute(sa.text(f"SELECT id FROM {table} ORDER BY id")).scalars().all()
        for row_id in ids:
            code = _new_code(used)
            connection.execute(sa.text(f"UPDATE {table} SET short_code = :code WHERE id = :id"),
                               {"code": code, "id": row_id})
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('short_code', existing_type=sa.String(length=16), nullable=False)
            batch_op.create_unique_constraint(op.f(f'uq_{table}_short_code'), ['short_code'])


def _new_code(used: set[str]) -> str:
    while True:
        code = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
        if code not in used:
            used.add(code)
            return code


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(f'uq_{table}_short_code'), type_='unique')
            batch_op.drop_column('short_code')
