"""The app factory, configuration, health check and database settings."""

from __future__ import annotations

import sqlalchemy as sa

from survey_app import create_app
from survey_app.config import instance_secret_key, settings_from_environment
from survey_app.db import get_engine


def test_environment_settings(monkeypatch, tmp_path):
    monkeypatch.setenv("SURVEY_DATABASE_URL", "postgresql+psycopg://db.example/survey")
    monkeypatch.setenv("PORT", "8123")
    monkeypatch.delenv("SURVEY_PUBLIC_URL", raising=False)
    settings = settings_from_environment(tmp_path)
    assert settings["DATABASE_URL"] == "postgresql+psycopg://db.example/survey"
    # links printed by the CLI and QR codes must point where the app listens
    assert settings["PUBLIC_URL"] == "http://127.0.0.1:8123"
    monkeypatch.setenv("SURVEY_PUBLIC_URL", "https://questionari.altosebino.example/")
    assert settings_from_environment(tmp_path)["PUBLIC_URL"] == "https://questionari.altosebino.example"


def test_default_database_is_sqlite_in_instance(monkeypatch, tmp_path):
    monkeypatch.delenv("SURVEY_DATABASE_URL", raising=False)
    assert settings_from_environment(tmp_path)["DATABASE_URL"] == f"sqlite:///{tmp_path}/survey_app.sqlite3"


def test_secret_key_generated_once_and_kept(tmp_path):
    first = instance_secret_key(tmp_path)
    assert len(first) == 64
    assert instance_secret_key(tmp_path) == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_config_override_wins(app):
    assert app.config["PUBLIC_URL"] == "http://survey.test"
    assert app.testing


def test_healthz_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_healthz_503_when_database_unreachable(tmp_path):
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/missing-dir/x.sqlite3", "SECRET_KEY": "x"})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["status"] == "unavailable"


def test_sqlite_durability_settings(app):
    engine = get_engine(app)
    if engine.dialect.name != "sqlite":
        return
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == app.config["SQLITE_BUSY_TIMEOUT_MS"]
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_schema_matches_models(app):
    """The migrations produce exactly the tables and columns of the models."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from survey_app.models import Base

    with get_engine(app).connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []


def test_no_ip_or_user_agent_columns(app):
    inspector = sa.inspect(get_engine(app))
    for table in ("responses", "answers"):
        columns = {c["name"] for c in inspector.get_columns(table)}
        assert not columns & {"ip", "ip_address", "remote_addr", "user_agent", "created_at"}, columns
