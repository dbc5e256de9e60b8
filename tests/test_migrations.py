"""Migrations that move or reinterpret data: a database built at the previous head, with data,
is upgraded and nothing is lost or changed.

The previous head is read from each revision's script (its ``down_revision``), so the test
follows the chain as it is. The rows are written with plain SQL, the way the previous
schema stores them: the models describe the latest schema only.
"""

from __future__ import annotations

import sqlite3

import pytest
from alembic.script import ScriptDirectory
from conftest import POSTGRES_URL
from test_postgres_reset import scratch_database_url as scratch_postgres  # noqa: F401 (a fixture)

from survey_app.db import alembic_config, upgrade_database


def previous_head(revision: str) -> str:
    """Return the revision *revision* upgrades from, as its script says."""
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    down = script.get_revision(revision).down_revision
    assert isinstance(down, str), f"{revision} should have exactly one parent"
    return down


def database_before(tmp_path, revision: str):
    """Return the path and URL of a new SQLite database built at the revision before *revision*."""
    path = tmp_path / "old.sqlite3"
    url = f"sqlite:///{path}"
    upgrade_database(url, previous_head(revision))
    return path, url


def raw(path) -> sqlite3.Connection:
    # foreign keys are not enforced on a plain connection: parents of the rows are not needed
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA foreign_keys = OFF")
    return connection


RESPONSES = [(1, 7, "00000000-0000-4000-8000-000000000001", "a" * 64, "2026-05-04 10:00:00", "self", "it"),
             (2, 7, "00000000-0000-4000-8000-000000000002", "b" * 64, "2026-05-04 11:00:00", "paper", "it")]
INSERT_RESPONSES = ("INSERT INTO responses (id, round_id, submission_id, payload_hash, submitted_hour, "
                    "channel, language) VALUES (?, ?, ?, ?, ?, ?, ?)")
SELECT_RESPONSES = ("SELECT id, round_id, submission_id, payload_hash, submitted_hour, channel, language "
                    "FROM responses ORDER BY id")
ANSWERS = [(1, "q1", 4), (1, "q2", None), (1, "q3", 7), (2, "q1", None), (2, "q2", 1)]


def test_0007_keeps_every_answer_and_every_stored_non_so_stays_non_so(tmp_path):
    path, url = database_before(tmp_path, "0007_missing")
    with raw(path) as connection:
        connection.executemany(INSERT_RESPONSES, RESPONSES)
        connection.executemany("INSERT INTO answers (response_id, item_id, value) VALUES (?, ?, ?)", ANSWERS)
    upgrade_database(url, "0007_missing")
    with raw(path) as connection:
        rows = connection.execute("SELECT response_id, item_id, value, not_answered FROM answers "
                                  "ORDER BY response_id, item_id").fetchall()
        assert rows == [(*answer, 0) for answer in ANSWERS]  # None rows: "non so", not "not answered"
        assert connection.execute(SELECT_RESPONSES).fetchall() == RESPONSES
        connection.execute("INSERT INTO answers (response_id, item_id, value, not_answered) VALUES (2, 'q3', NULL, 1)")
        with pytest.raises(sqlite3.IntegrityError):  # a not-answered item cannot carry a point
            connection.execute("INSERT INTO answers (response_id, item_id, value, not_answered) "
                               "VALUES (2, 'q4', 3, 1)")
        with pytest.raises(sqlite3.IntegrityError):  # the constraints of the rebuilt table are kept
            connection.execute("INSERT INTO answers (response_id, item_id, value) VALUES (2, 'q5', 9)")
    upgrade_database(url, "head")


def every_row(connection) -> dict[str, list[tuple]]:
    """Return every row of every table but Alembic's, in a stable order."""
    tables = [name for (name,) in connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "AND name != 'alembic_version' ORDER BY name")]
    return {table: sorted(connection.execute(f'SELECT * FROM "{table}"').fetchall(), key=repr) for table in tables}


def test_0009_setaside_adds_its_table_and_changes_no_stored_row(tmp_path):
    path, url = database_before(tmp_path, "0009_setaside")
    with raw(path) as connection:
        connection.executemany(INSERT_RESPONSES, RESPONSES)
        connection.executemany("INSERT INTO answers (response_id, item_id, value, not_answered) VALUES (?, ?, ?, ?)",
                               [(*answer, 0) for answer in ANSWERS] + [(2, "q3", None, 1)])
        before = every_row(connection)
    assert len(before["responses"]) == 2 and len(before["answers"]) == 6
    upgrade_database(url, "0009_setaside")
    with raw(path) as connection:
        after = every_row(connection)
        assert after.pop("set_asides") == []  # nothing is set aside by the upgrade
        assert after == before  # every other table: the same rows, unchanged
        with pytest.raises(sqlite3.IntegrityError):  # a set-aside covers a window, a point or both
            connection.execute("INSERT INTO set_asides (round_id, reason, created_by, created_at) "
                               "VALUES (7, 'x', 'a', '2026-05-04 10:00:00')")
        with pytest.raises(sqlite3.IntegrityError):  # a window ends after it starts
            connection.execute("INSERT INTO set_asides (round_id, window_start, window_end, reason, created_by, "
                               "created_at) VALUES (7, '2026-05-04 11:00:00', '2026-05-04 10:00:00', 'x', 'a', "
                               "'2026-05-04 12:00:00')")
    upgrade_database(url, "head")


ROUNDS = [(7, 1, 1, "ex-ante", "open", None, "2027-06-30 22:00:00", "tokenOfRoundSevenAbcdE", "2026-05-01 08:00:00"),
          (8, 1, 1, "ex-post", "closed", "2026-01-01 23:00:00", None, "tokenOfRoundEightAbcdE", "2026-05-02 08:00:00")]
POINTS = [(3, 7, "CDD Lovere — bacheca", "tokenOfPointThreeAbcdE", "2026-05-03 08:00:00")]


def test_0009_keeps_rounds_points_and_responses_and_gives_each_a_short_code(tmp_path):
    from survey_app.rounds import shortcodes

    path, url = database_before(tmp_path, "0009_shortcode")
    with raw(path) as connection:
        connection.executemany("INSERT INTO rounds (id, ambito_id, questionnaire_version_id, kind, status, opens_at, "
                               "closes_at, public_token, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", ROUNDS)
        connection.executemany("INSERT INTO distribution_points (id, round_id, label, public_token, created_at) "
                               "VALUES (?, ?, ?, ?, ?)", POINTS)
        connection.executemany(INSERT_RESPONSES, RESPONSES)
    upgrade_database(url, "0009_shortcode")
    with raw(path) as connection:
        rounds = connection.execute("SELECT id, ambito_id, questionnaire_version_id, kind, status, opens_at, "
                                    "closes_at, public_token, created_at, short_code FROM rounds ORDER BY id").fetchall()
        points = connection.execute("SELECT id, round_id, label, public_token, created_at, short_code "
                                    "FROM distribution_points ORDER BY id").fetchall()
        assert [row[:-1] for row in rounds] == ROUNDS  # closing times keep their meaning: not touched
        assert [row[:-1] for row in points] == POINTS
        codes = [row[-1] for row in rounds + points]
        assert all(shortcodes.normalise(code) == code for code in codes) and len(set(codes)) == 3
        assert connection.execute(SELECT_RESPONSES).fetchall() == RESPONSES
        with pytest.raises(sqlite3.IntegrityError):  # unique, and never missing
            connection.execute("UPDATE rounds SET short_code = ? WHERE id = 8", (codes[0],))
        with pytest.raises(sqlite3.IntegrityError):
            connection.execute("INSERT INTO distribution_points (id, round_id, label, public_token, created_at) "
                               "VALUES (4, 7, 'x', 'tokenOfPointFourAbcdEf', '2026-05-03 08:00:00')")
    upgrade_database(url, "head")


def test_0012_odk_channel_keeps_every_row_and_accepts_the_odk_channel(tmp_path):
    path, url = database_before(tmp_path, "0012_odk_channel")
    with raw(path) as connection:
        connection.executemany(INSERT_RESPONSES, RESPONSES + [
            (3, 8, "00000000-0000-4000-8000-000000000003", "c" * 64, "2026-05-05 09:00:00", "assisted", "en")])
        connection.executemany("INSERT INTO answers (response_id, item_id, value, not_answered) VALUES (?, ?, ?, ?)",
                               [(*answer, 0) for answer in ANSWERS] + [(2, "q3", None, 1), (3, "q1", 5, 0)])
        connection.execute("UPDATE responses SET comment = 'Grazie di tutto', service = 'sad', "
                           "respondent_role = 'carer' WHERE id = 2")
        with pytest.raises(sqlite3.IntegrityError):  # not a channel before the revision
            connection.execute(INSERT_RESPONSES, (4, 7, "00000000-0000-4000-8000-000000000004", "d" * 64,
                                                  "2026-05-05 10:00:00", "odk", "it"))
        before = every_row(connection)
    assert len(before["responses"]) == 3 and len(before["answers"]) == 7
    upgrade_database(url, "0012_odk_channel")
    with raw(path) as connection:
        assert every_row(connection) == before  # the table was rebuilt: every row of every table as it was
        connection.execute(INSERT_RESPONSES, (4, 7, "00000000-0000-4000-8000-000000000004", "d" * 64,
                                              "2026-05-05 10:00:00", "odk", "it"))
        with pytest.raises(sqlite3.IntegrityError):  # the constraint still refuses other channels
            connection.execute(INSERT_RESPONSES, (5, 7, "00000000-0000-4000-8000-000000000005", "e" * 64,
                                                  "2026-05-05 10:00:00", "email", "it"))
        with pytest.raises(sqlite3.IntegrityError):  # and the rebuilt table keeps its other constraints
            connection.execute(INSERT_RESPONSES, (6, 7, "00000000-0000-4000-8000-000000000004", "f" * 64,
                                                  "2026-05-05 10:00:00", "odk", "it"))
        indexes = {name for (name,) in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'responses' AND sql IS NOT NULL")}
        assert {"ix_responses_round_id", "ix_responses_submitted_hour"} <= indexes
    from alembic import command

    with pytest.raises(RuntimeError, match="channel 'odk'"):  # a downgrade would lose the imported answers
        command.downgrade(alembic_config(url), "0011_grants")
    with raw(path) as connection:
        assert len(every_row(connection)["responses"]) == 4
        connection.execute("DELETE FROM responses WHERE id = 4")
    command.downgrade(alembic_config(url), "0011_grants")
    with raw(path) as connection:
        assert every_row(connection) == before
    upgrade_database(url, "head")


@pytest.mark.postgres
@pytest.mark.skipif(not POSTGRES_URL, reason="needs SURVEY_TEST_DATABASE_URL (PostgreSQL)")
def test_0012_odk_channel_on_postgresql_keeps_every_row(scratch_postgres):  # noqa: F811 (the fixture)
    import sqlalchemy as sa

    url = scratch_postgres  # a database of its own, built at the previous head
    upgrade_database(url, previous_head("0012_odk_channel"))
    engine = sa.create_engine(url)
    columns = "id, round_id, submission_id, payload_hash, submitted_hour, channel, language"
    with engine.begin() as connection:
        # the parents the foreign keys want, as plain rows of the previous schema
        connection.execute(sa.text("INSERT INTO ambiti (id, code, name) VALUES (1, 'alto-sebino', 'Alto Sebino')"))
        connection.execute(sa.text("SET session_replication_role = replica"))  # skip the other parents' checks
        for row in RESPONSES:
            connection.execute(sa.text(f"INSERT INTO responses ({columns}) VALUES "
                                       "(:id, :round, :sid, :hash, :hour, :channel, :language)"),
                               dict(zip(("id", "round", "sid", "hash", "hour", "channel", "language"), row)))
        for response_id, item_id, value in ANSWERS:
            connection.execute(sa.text("INSERT INTO answers (response_id, item_id, value, not_answered) "
                                       "VALUES (:r, :i, :v, false)"), {"r": response_id, "i": item_id, "v": value})
        connection.execute(sa.text("SET session_replication_role = DEFAULT"))

    def rows():
        with engine.connect() as connection:
            return (connection.execute(sa.text(f"SELECT {columns} FROM responses ORDER BY id")).all(),
                    connection.execute(sa.text("SELECT * FROM answers ORDER BY response_id, item_id")).all())

    before = rows()
    assert len(before[0]) == 2 and len(before[1]) == len(ANSWERS)
    upgrade_database(url, "0012_odk_channel")
    assert rows() == before
    with engine.begin() as connection:
        connection.execute(sa.text("SET session_replication_role = replica"))
        connection.execute(sa.text(f"INSERT INTO responses ({columns}) VALUES (3, 7, "
                                   "'00000000-0000-4000-8000-000000000003', 'c', now(), 'odk', 'it')"))
    with pytest.raises(sa.exc.IntegrityError, match="ck_responses_channel"), engine.begin() as connection:
        connection.execute(sa.text("SET session_replication_role = replica"))
        connection.execute(sa.text(f"INSERT INTO responses ({columns}) VALUES (4, 7, "
                                   "'00000000-0000-4000-8000-000000000004', 'd', now(), 'email', 'it')"))
    engine.dispose()
    upgrade_database(url, "head")
