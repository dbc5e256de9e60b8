"""Alembic environment: migrates the database given by the app (or SURVEY_DATABASE_URL)."""

import os

from alembic import context
from sqlalchemy import engine_from_config, make_url, pool

from survey_app.models import Base

config = context.config
target_metadata = Base.metadata


def database_url() -> str:
    url = config.attributes.get("database_url") or os.environ.get("SURVEY_DATABASE_URL")
    if not url:
        raise SystemExit("No database URL: run 'flask --app survey_app db upgrade' or set SURVEY_DATABASE_URL.")
    return url


def run_migrations() -> None:
    url = database_url()
    # SQLite cannot ALTER most constraints: batch mode rebuilds the table instead
    is_sqlite = make_url(url).get_backend_name() == "sqlite"
    connectable = engine_from_config({"sqlalchemy.url": url}, prefix="sqlalchemy.", poolclass=pool.NullPool)
    with connectable.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=is_sqlite,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()


run_migrations()
