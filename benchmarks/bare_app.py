"""The physical reference of the submit benchmark: the least a Flask app can do per submission.

``GET /form`` renders a tiny form with a fresh UUID; ``POST /form`` inserts one row (the UUID,
UNIQUE, and the posted body) and answers 303 to ``/thanks``, as the survey app does. On SQLite
(``BARE_DATABASE`` is a file path) the database runs in WAL mode with ``synchronous=FULL`` like
the app's; on PostgreSQL (``BARE_DATABASE`` is a ``postgresql://`` URL) commits are durable
(the default ``synchronous_commit=on``). One connection per thread, opened once.
Served by gunicorn with the repository's gunicorn.conf.py, exactly like the app.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import uuid

from flask import Flask, Response, redirect, request

DATABASE = os.environ.get("BARE_DATABASE", "/tmp/bare.sqlite3")
IS_POSTGRES = DATABASE.startswith("postgresql")
_local = threading.local()

app = Flask(__name__)


def _connection():
    connection = getattr(_local, "connection", None)
    if connection is None:
        if IS_POSTGRES:
            import psycopg

            # autocommit: each INSERT is one durable transaction, as each submission is in the app
            connection = psycopg.connect(DATABASE.replace("postgresql+psycopg://", "postgresql://"),
                                         autocommit=True)
        else:
            connection = sqlite3.connect(DATABASE, timeout=10, isolation_level=None)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=FULL")
            connection.execute("PRAGMA busy_timeout=10000")
        _local.connection = connection
    return connection


def create_table() -> None:
    """Create the one table (run once, before serving)."""
    connection = _connection()
    connection.execute("CREATE TABLE IF NOT EXISTS bare_submissions "
                       "(id VARCHAR(36) PRIMARY KEY, body TEXT NOT NULL)")


@app.get("/healthz")
def healthz():
    return {"status": "ok"}


@app.get("/form")
def form():
    return Response(
        '<form method="post"><input name="submission_id" type="hidden" '
        f'value="{uuid.uuid4()}"><input name="q_1" type="radio" value="4"></form>',
        mimetype="text/html")


@app.post("/form")
def submit():
    submission_id = str(uuid.UUID(request.form["submission_id"]))
    body = request.get_data(as_text=True)
    connection = _connection()
    if IS_POSTGRES:
        connection.execute("INSERT INTO bare_submissions (id, body) VALUES (%s, %s) "
                           "ON CONFLICT (id) DO NOTHING", (submission_id, body))
    else:
        connection.execute("INSERT OR IGNORE INTO bare_submissions (id, body) VALUES (?, ?)",
                           (submission_id, body))
    return redirect("/thanks", code=303)


@app.get("/thanks")
def thanks():
    return "ok"


if __name__ == "__main__":
    create_table()
