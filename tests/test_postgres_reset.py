"""The PostgreSQL test database is reset whatever an earlier run left in it.

CI runs on a machine whose ``test`` database other checkouts also use: a table of a
later schema (with a foreign key to one of ours) once made the reset fail and the
whole run with it.
"""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from conftest import POSTGRES_URL, reset_postgres_schema
from survey_app.db import upgrade_database

pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason="needs SURVEY_TEST_DATABASE_URL (PostgreSQL)")


@pytest.fixture
def scratch_database_url():
    """A database of its own, so resetting it never touches the session's ``test``."""
    name = f"survey_reset_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    yield url
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


def test_reset_drops_tables_this_checkout_does_not_know(scratch_database_url):
    upgrade_database(scratch_database_url)
    engine = sa.create_engine(scratch_database_url)
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "CREATE TABLE round_designations_of_another_branch ("
                " id integer PRIMARY KEY, round_id integer REFERENCES rounds (id))"
            )
        )
    engine.dispose()

    reset_postgres_schema(scratch_database_url)
    upgrade_database(scratch_database_url)

    engine = sa.create_engine(scratch_database_url)
    tables = set(sa.inspect(engine).get_table_names())
    engine.dispose()
    assert "rounds" in tables
    assert "round_designations_of_another_branch" not in tables
