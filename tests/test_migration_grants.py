"""Migration 0011_grants: a database with Ambiti, users and their audit trail, built at the
previous head, is upgraded; every row is kept and evaluators can then be granted Ambiti."""

from __future__ import annotations

import sqlite3

import pytest
from alembic.script import ScriptDirectory

from survey_app.db import alembic_config, upgrade_database

AMBITI = [(1, "alto-sebino", "Alto Sebino"), (2, "basso-sebino", "Basso Sebino")]
USERS = [(1, None, "capo@example.org", "$argon2id$x", "admin", 1, "2026-01-02 03:04:05", None),
         (2, 1, "valuta@example.org", "$argon2id$y", "evaluator", 1, "2026-01-02 03:04:06",
          "2026-02-03 04:05:06"),
         (3, 2, "opera@example.org", "$argon2id$z", "operator", 0, "2026-01-02 03:04:07", None)]
USER_COLUMNS = "id, ambito_id, email, password_hash, role, is_active, created_at, last_login_at"


def _previous_head() -> str:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    down = script.get_revision("0011_grants").down_revision
    assert isinstance(down, str)
    return down


def _raw(path) -> sqlite3.Connection:
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA foreign_keys = ON")
    return connection


def test_0010_keeps_users_and_adds_grants(tmp_path):
    path = tmp_path / "old.sqlite3"
    url = f"sqlite:///{path}"
    upgrade_database(url, _previous_head())
    with _raw(path) as connection:
        connection.executemany("INSERT INTO ambiti (id, code, name) VALUES (?, ?, ?)", AMBITI)
        connection.executemany(f"INSERT INTO users ({USER_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", USERS)
        before = connection.execute("SELECT * FROM audit_events ORDER BY id").fetchall()
    upgrade_database(url, "0011_grants")
    with _raw(path) as connection:
        assert connection.execute("SELECT id, code, name FROM ambiti ORDER BY id").fetchall() == AMBITI
        assert connection.execute(f"SELECT {USER_COLUMNS} FROM users ORDER BY id").fetchall() == USERS
        assert connection.execute("SELECT * FROM audit_events ORDER BY id").fetchall() == before
        connection.execute("INSERT INTO user_ambito_grants (user_id, ambito_id, created_at) "
                           "VALUES (2, 2, '2026-03-01 00:00:00')")
        with pytest.raises(sqlite3.IntegrityError):  # one grant per user and Ambito
            connection.execute("INSERT INTO user_ambito_grants (user_id, ambito_id, created_at) "
                               "VALUES (2, 2, '2026-03-02 00:00:00')")
        with pytest.raises(sqlite3.IntegrityError):  # only Ambiti that exist
            connection.execute("INSERT INTO user_ambito_grants (user_id, ambito_id, created_at) "
                               "VALUES (2, 9, '2026-03-02 00:00:00')")
        connection.execute("DELETE FROM users WHERE id = 2")  # a deleted user's grants go too
        assert connection.execute("SELECT count(*) FROM user_ambito_grants").fetchone() == (0,)
    from alembic import command

    command.downgrade(alembic_config(url), _previous_head())  # and back: the table goes, nothing else
    with _raw(path) as connection:
        tables = {r[0] for r in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert "user_ambito_grants" not in tables
        assert connection.execute("SELECT count(*) FROM users").fetchone() == (2,)
