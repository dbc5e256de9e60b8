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

from survey_app.db import alembic_config, upgrade_database


def previous_head(revision: str) -> str:
    """Return the revision *revision* upgrades from, as its script says."""
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    down = script.get_revision(revision).down_revision
    assert isinstance(down, str), f"{revision} should have exactly one parent"
    return down


def raw(path) -> sqlite3.Connection:
    # foreign keys are not enforced on a plain connection: parents of the rows are not needed
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA foreign_keys = OFF")
    return connection


RESPONSES = [(1, 7, "00000000-0000-4000-8000-000000000001", "a" * 64, "2026-05-04 10:00:00", "self", "it"),
             (2, 7, "00000000-0000-4000-8000-000000000002", "b" * 64, "2026-05-04 11:00:00", "paper", "it")]
ANSWERS = [(1, "q1", 4), (1, "q2", None), (1, "q3", 7), (2, "q1", None), (2, "q2", 1)]


def test_0007_keeps_every_answer_and_every_stored_non_so_stays_non_so(tmp_path):
    path = tmp_path / "old.sqlite3"
    url = f"sqlite:///{path}"
    upgrade_database(url, previous_head("0007_missing"))
    with raw(path) as connection:
        connection.executemany("INSERT INTO responses (id, round_id, submission_id, payload_hash, submitted_hour, "
                               "channel, language) VALUES (?, ?, ?, ?, ?, ?, ?)", RESPONSES)
        connection.executemany("INSERT INTO answers (response_id, item_id, value) VALUES (?, ?, ?)", ANSWERS)
    upgrade_database(url, "0007_missing")
    with raw(path) as connection:
        rows = connection.execute("SELECT response_id, item_id, value, not_answered FROM answers "
                                  "ORDER BY response_id, item_id").fetchall()
        assert rows == [(*answer, 0) for answer in ANSWERS]  # None rows: "non so", not "not answered"
        assert connection.execute("SELECT id, round_id, submission_id, payload_hash, submitted_hour, channel, "
                                  "language FROM responses ORDER BY id").fetchall() == RESPONSES
        connection.execute("INSERT INTO answers (response_id, item_id, value, not_answered) VALUES (2, 'q3', NULL, 1)")
        with pytest.raises(sqlite3.IntegrityError):  # a not-answered item cannot carry a point
            connection.execute("INSERT INTO answers (response_id, item_id, value, not_answered) "
                               "VALUES (2, 'q4', 3, 1)")
        with pytest.raises(sqlite3.IntegrityError):  # the constraints of the rebuilt table are kept
            connection.execute("INSERT INTO answers (response_id, item_id, value) VALUES (2, 'q5', 9)")
    upgrade_database(url, "head")
