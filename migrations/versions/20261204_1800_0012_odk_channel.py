"""odk channel: responses collected offline with ODK Collect or KoboToolbox and imported

The CHECK constraint on ``responses.channel`` gains ``odk``; no row is touched. On SQLite the
table is rebuilt (batch mode), with every row, index and other constraint as it was.

Revision ID: 0012_odk_channel
Revises: 0011_grants
Create Date: 2026-12-04 18:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0012_odk_channel'
down_revision = '0011_grants'
branch_labels = None
depends_on = None

# written out rather than read from the models: a revision keeps the schema of its own day
OLD_CHANNELS = "channel IN ('self', 'assisted', 'paper')"
NEW_CHANNELS = "channel IN ('self', 'assisted', 'paper', 'odk')"


def _set_channels(condition: str) -> None:
    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_responses_channel'), type_='check')
        batch_op.create_check_constraint(op.f('ck_responses_channel'), condition)


def upgrade() -> None:
    _set_channels(NEW_CHANNELS)


def downgrade() -> None:
    # imported answers have no place in the old schema, and deleting them would lose data
    # nobody may have a copy of: the downgrade is refused while any exists
    imported = op.get_bind().execute(sa.text("SELECT count(*) FROM responses WHERE channel = 'odk'")).scalar()
    if imported:
        raise RuntimeError(f"{imported} responses have channel 'odk' (imported from ODK/KoboToolbox): "
                           "export or delete them before downgrading below 0012_odk_channel")
    _set_channels(OLD_CHANNELS)
