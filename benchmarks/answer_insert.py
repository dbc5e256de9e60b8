"""Why a submission's answers are stored with one cached ``executemany`` INSERT.

Times three ways of inserting one submission's answers (18 rows) through SQLAlchemy Core, each
on a connection of the app's own engine (``create_db_engine``: WAL and ``synchronous=FULL`` on
SQLite), rolled back after each so every run inserts into the same table:

- ``executemany``: one prebuilt ``insert(answers)`` run with a list of rows (what
  ``survey_app.respond.submission.insert_submission`` does);
- ``VALUES list``: ``insert(answers).values([...])``, one statement with a row of VALUES per
  answer, built for each submission;
- ``cached VALUES``: the same statement built once with named bind parameters, reused.

Prints the CPU time per submission (the least of three runs of ``--runs``).
Usage: ``.venv/bin/python benchmarks/answer_insert.py [--backends sqlite,postgresql] [--runs 300]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from functools import cache
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))

import servers

COLUMNS = ("response_id", "item_id", "value", "not_answered")
ANSWERS = 18


def measure(url: str, runs: int) -> dict[str, float]:
    """Return microseconds of CPU per submission for each way, on the database at *url*."""
    from survey_app.db import create_db_engine
    from survey_app.models import Answer, Response, Round

    servers.survey_database(url, servers.base_environment())
    engine = create_db_engine(url)
    answers = Answer.__table__
    with engine.begin() as connection:
        round_id = connection.execute(sa.select(Round.__table__.c.id)).scalar()
        response_id = connection.execute(sa.insert(Response.__table__).returning(Response.__table__.c.id), {
            "round_id": round_id, "submission_id": "0" * 36, "payload_hash": "0" * 64,
            "submitted_hour": dt.datetime(2026, 1, 1), "channel": "self", "language": "it"}).scalar()
    rows = [{"response_id": response_id, "item_id": f"item_{n}", "value": 3, "not_answered": False}
            for n in range(ANSWERS)]
    executemany = sa.insert(answers)

    @cache
    def cached_values(count: int):
        return sa.insert(answers).values([{c: sa.bindparam(f"{c}_{i}") for c in COLUMNS} for i in range(count)])

    ways = {
        "executemany": lambda c: c.execute(executemany, rows),
        "VALUES list": lambda c: c.execute(sa.insert(answers).values(rows)),
        "cached VALUES": lambda c: c.execute(cached_values(len(rows)), {
            f"{column}_{i}": value for i, row in enumerate(rows) for column, value in row.items()}),
    }
    figures = {}
    for name, insert in ways.items():
        best = float("inf")
        for _ in range(3):
            began = time.process_time()
            for _ in range(runs):
                with engine.connect() as connection:
                    insert(connection)
                    connection.rollback()
            best = min(best, time.process_time() - began)
        figures[name] = best / runs * 1e6
    engine.dispose()
    return figures


def main(argv: list[str] | None = None) -> None:
    arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    arguments.add_argument("--backends", default="sqlite,postgresql")
    arguments.add_argument("--runs", type=int, default=300)
    args = arguments.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="answer-insert-") as tmp:
        for backend in args.backends.split(","):
            if backend == "sqlite":
                url = f"sqlite:///{Path(tmp) / 'app.sqlite3'}"
            elif reason := servers.postgres_available():
                print(f"{backend}: skipped ({reason})")
                continue
            else:
                url = servers.recreate_postgres_database(servers.DEFAULT_POSTGRES_URL)
            figures = measure(url, args.runs)
            print(f"{backend}: " + ", ".join(f"{name} {us:.0f} us" for name, us in figures.items())
                  + f" of CPU per submission of {ANSWERS} answers")


if __name__ == "__main__":
    main()
