"""Consistent online backups while submissions continue, and checking a backup.

SQLite is copied with its online backup API (never ``cp`` of a live WAL database: the copy
could miss the last transactions or be torn); PostgreSQL with ``pg_dump`` in custom format.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

import sqlalchemy as sa


class BackupError(RuntimeError):
    """The backup could not be made or is not sound."""


def backup_sqlite(database_path: str | Path, output: str | Path, *, pages_per_step: int = 1024) -> None:
    """Copy a live SQLite database to *output* page by page, letting writers in between steps.

    :raise BackupError: if the copy fails its integrity check.
    """
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(f"file:{database_path}?mode=ro", uri=True)
    target = sqlite3.connect(output)
    try:
        source.backup(target, pages=pages_per_step)
        target.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file
    finally:
        source.close()
        target.close()
    problems = sqlite_integrity(output)
    if problems != ["ok"]:
        raise BackupError(f"the copy failed its integrity check: {problems[:5]}")


def sqlite_integrity(path: str | Path) -> list[str]:
    """Return the result of ``PRAGMA integrity_check`` on the database at *path* (``["ok"]`` when sound)."""
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return [row[0] for row in connection.execute("PRAGMA integrity_check")]
    finally:
        connection.close()


def libpq_url(url: sa.URL) -> str:
    """Return a ``postgresql://`` URL that ``pg_dump`` and ``pg_restore`` understand."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def backup_postgresql(url: sa.URL, output: str | Path) -> None:
    """Dump a PostgreSQL database to *output* with ``pg_dump --format=custom`` (consistent snapshot)."""
    if shutil.which("pg_dump") is None:
        raise BackupError("pg_dump is not installed (Debian: apt-get install postgresql-client)")
    completed = subprocess.run(
        ["pg_dump", "--format=custom", "--no-owner", "--file", str(output), libpq_url(url)],
        capture_output=True, text=True, check=False,
    )
    if completed.returncode != 0:
        raise BackupError(f"pg_dump failed: {completed.stderr.strip()[:500]}")


def backup_database(database_url: str, output: str | Path) -> str:
    """Back up the database at *database_url* to *output*; return the method used."""
    url = sa.make_url(database_url)
    if url.get_backend_name() == "sqlite":
        if not url.database or url.database == ":memory:":
            raise BackupError("an in-memory database cannot be backed up")
        backup_sqlite(url.database, output)
        return "sqlite-online-backup"
    if url.get_backend_name() == "postgresql":
        backup_postgresql(url, output)
        return "pg_dump"
    raise BackupError(f"no backup method for {url.get_backend_name()}")
