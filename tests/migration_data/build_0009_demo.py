"""Build the database the plans migration test upgrades: run with the code at revision
``0009_shortcode`` (the head before ``0010_plans``), never with today's.

    git worktree add /tmp/at-0009 <commit at 0009_shortcode>
    PYTHONPATH=/tmp/at-0009 python tests/migration_data/build_0009_demo.py tests/migration_data

It makes two Ambiti with the demo's rounds and answers (``demo create``), semestral values
typed for a few indicators, reviewed comments and a user, then writes
``demo-0009.sqlite3.gz`` and ``demo-0009-results.json.gz``: the row count of every table and
each Ambito's final report as that code computed it (``projection.py``), which the test
compares with what today's code computes on the upgraded copy.
"""

from __future__ import annotations

import gzip
import json
import shutil
import sqlite3
import sys
import tempfile
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).parent))
from projection import final_report_projection  # noqa: E402

from survey_app import create_app  # noqa: E402
from survey_app.accounts.operations import create_user  # noqa: E402
from survey_app.db import create_db_engine, get_engine, get_session, upgrade_database  # noqa: E402
from survey_app.demo import create_demo  # noqa: E402
from survey_app.indicators.importing import ValueRow  # noqa: E402
from survey_app.indicators.operations import record_value  # noqa: E402
from survey_app.models import Ambito, Comune, Response, Round  # noqa: E402
from survey_app.questionnaires.definition import DEFAULT_DIRECTORY  # noqa: E402
from survey_app.questionnaires.operations import load_directory  # noqa: E402
from survey_app.reports import build  # noqa: E402
from survey_app.reports.comments import review_comment  # noqa: E402

REVISION = "0009_shortcode"
#: semestral values typed in each Ambito (indicator, semester, comune, kind, value)
VALUES = (
    ("persona-al-centro.output-1", "2022-H1", None, "number", 120),
    ("persona-al-centro.output-1", "2022-H2", None, "number", 134),
    ("persona-al-centro.output-3", "2022-H1", None, "number", 10),
    ("persona-al-centro.output-3", "2023-H1", None, "number", 8),
)
COMMENTS = (
    ("Operatrici gentili e disponibili", "approved", None),
    ("Mia madre Maria Bianchi di Fonteno", "redacted", "Una familiare di una persona seguita"),
    ("Commento escluso dalla revisione", "rejected", None),
    ("Servizio utile, orari da allungare", "approved", None),
)


def build_database(path: Path) -> dict:
    url = f"sqlite:///{path}"
    upgrade_database(url, REVISION)
    engine = create_db_engine(url)
    with sa.orm.Session(engine) as session:
        load_directory(session, DEFAULT_DIRECTORY)
    engine.dispose()
    app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "migration-data",
                      "PUBLIC_URL": "http://survey.test", "MIN_COMPLETION_SECONDS": 0})
    with app.app_context():
        session = get_session()
        session.add(Ambito(code="basso-sebino", name="Basso Sebino",
                           comuni=[Comune(code="sarnico", name="Sarnico"), Comune(code="predore", name="Predore")]))
        session.flush()
        create_demo(session, seed=9)
        for ambito in session.scalars(select(Ambito).order_by(Ambito.code)):
            for indicator_id, semester, comune, kind, value in VALUES:
                record_value(session, ambito, ValueRow(indicator_id, semester, comune, kind, value),
                             actor="migration-data")
            create_user(session, f"valutatrice@{ambito.code}.example", "evaluator",
                        "correct horse battery staple", ambito=ambito, actor="migration-data")
            _review_comments(session, ambito)
        session.commit()
        final_reports = {  # computing them stores result snapshots, which the counts include
            ambito.code: final_report_projection(build.final_data(session, ambito, build.payload_source(session)))
            for ambito in session.scalars(select(Ambito).order_by(Ambito.code))
        }
        session.commit()
        results = {"counts": table_counts(session), "final_reports": final_reports}
    get_engine(app).dispose()
    return results


def _review_comments(session, ambito) -> None:
    """Comments on the first responses of the Ambito's closed ex post round of persona-al-centro."""
    round_ = session.scalars(
        select(Round).join(Round.questionnaire_version)
        .where(Round.ambito_id == ambito.id, Round.kind == "ex-post", Round.status == "closed")
        .order_by(Round.id)
    ).first()
    responses = session.scalars(select(Response).where(Response.round_id == round_.id)
                                .order_by(Response.id).limit(len(COMMENTS) + 1)).all()
    for response, (text, _status, _redacted) in zip(responses, COMMENTS):
        response.comment = text
    responses[len(COMMENTS)].comment = "Un commento che nessuno ha ancora letto"
    session.flush()
    for response, (_text, status, redacted) in zip(responses, COMMENTS):
        review_comment(session, round_, response.id, status, redacted_text=redacted, actor="migration-data")


def table_counts(session) -> dict[str, int]:
    inspector = sa.inspect(session.connection())
    return {table: session.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()
            for table in sorted(inspector.get_table_names())}


def main(out: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "demo.sqlite3"
        results = build_database(path)
        with sqlite3.connect(path) as connection:  # one file, no WAL beside it
            connection.execute("PRAGMA journal_mode=DELETE")
            connection.execute("VACUUM")
        with open(path, "rb") as source, gzip.GzipFile(out / "demo-0009.sqlite3.gz", "wb", mtime=0) as target:
            shutil.copyfileobj(source, target)
    text = json.dumps(results, ensure_ascii=False, sort_keys=True, indent=1)
    with gzip.GzipFile(out / "demo-0009-results.json.gz", "wb", mtime=0) as f:
        f.write(text.encode("utf-8"))
    print("counts:", json.dumps(results["counts"]))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
