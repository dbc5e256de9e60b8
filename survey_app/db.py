"""Database access: the engine and session of an app, SQLite settings, migrations.

Domain code receives a :class:`sqlalchemy.orm.Session` as an argument; only views and CLI
commands call :func:`get_session`, which gives one session per app context and closes it
at teardown (as ``flaskr``'s ``get_db``).
"""

from __future__ import annotations

from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask, current_app, g
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.routing import IntegerConverter

MIGRATIONS_DIR = Path(__file__).resolve().parents[1] / "migrations"


def create_db_engine(url: str, *, sqlite_busy_timeout_ms: int = 10_000) -> Engine:
    """Create an engine for *url*, with the durability settings each backend needs.

    SQLite runs in WAL mode with ``synchronous=FULL`` (an acknowledged answer survives a
    power cut) and a busy timeout; PostgreSQL connections are checked before use, so a
    restarted server is survived without restarting the app.
    """
    engine_url = sa.make_url(url)
    if engine_url.get_backend_name() == "sqlite":
        engine = sa.create_engine(engine_url, connect_args={"timeout": sqlite_busy_timeout_ms / 1000})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute(f"PRAGMA busy_timeout={int(sqlite_busy_timeout_ms)}")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    return sa.create_engine(engine_url, pool_pre_ping=True, pool_size=5, max_overflow=5)


def get_engine(app: Flask | None = None) -> Engine:
    """Return the engine of *app* (the current app by default)."""
    return (app or current_app).extensions["survey_db"]["engine"]


def get_session() -> Session:
    """Return the session of the current app context, opening it on first use."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["survey_db"]["sessionmaker"]()
    return g.db_session


def close_session(_exc: BaseException | None = None) -> None:
    """Close the app context's session, rolling back anything left uncommitted."""
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


def database_is_reachable(engine: Engine) -> bool:
    """Tell whether a trivial query succeeds on *engine*."""
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
        return True
    except sa.exc.SQLAlchemyError:
        return False


def alembic_config(url: str):
    """Return an Alembic configuration for the project's migrations on *url*."""
    # imported here: Alembic is needed by the commands, not by the web app at start
    from alembic.config import Config as AlembicConfig

    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["database_url"] = url
    return config


def upgrade_database(url: str, revision: str = "head") -> None:
    """Apply the migrations up to *revision* on the database at *url*."""
    from alembic import command as alembic_command

    alembic_command.upgrade(alembic_config(url), revision)


@click.group("db")
def db_cli() -> None:
    """Database schema commands."""


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def upgrade_command(revision: str) -> None:
    """Apply the schema migrations (to REVISION, by default the latest)."""
    upgrade_database(current_app.config["DATABASE_URL"], revision)
    click.echo(f"Database at revision {revision}.")


@db_cli.command("current")
def current_command() -> None:
    """Print the schema revision of the database."""
    from alembic import command as alembic_command

    alembic_command.current(alembic_config(current_app.config["DATABASE_URL"]))


class IdConverter(IntegerConverter):
    """``<int:...>`` in routes: ids are the databases' integers, so a larger number matches no
    route (404) rather than failing in the driver (SQLite: OverflowError; PostgreSQL: an error
    that reads as the database being down)."""

    def __init__(self, map, *args, **kwargs):  # noqa: A002 - Werkzeug's name
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def init_app(app: Flask) -> None:
    """Create the app's engine and session factory and register teardown and CLI commands."""
    # before any blueprint adds its routes
    app.url_map.converters["int"] = IdConverter
    engine = create_db_engine(
        app.config["DATABASE_URL"], sqlite_busy_timeout_ms=app.config["SQLITE_BUSY_TIMEOUT_MS"]
    )
    app.extensions["survey_db"] = {
        "engine": engine,
        "sessionmaker": sessionmaker(bind=engine, expire_on_commit=False),
    }
    app.teardown_appcontext(close_session)
    app.cli.add_command(db_cli)
