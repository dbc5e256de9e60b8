"""Backups taken while answers arrive, a restore drill, and the retention purge."""

from __future__ import annotations

import shutil
import subprocess
import threading
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from conftest import Respondent
from sqlalchemy import func, select

from survey_app.db import get_session
from survey_app.maintenance.backup import libpq_url, sqlite_integrity
from survey_app.maintenance.retention import parse_cutoff
from survey_app.models import Answer, AuditEvent, Response, Round, RoundSummary, utcnow
from survey_app.rounds.operations import set_status


def _submit_many(app, token, count, errors):
    respondent = Respondent(app.test_client())
    for _ in range(count):
        response = respondent.submit(token, respondent.load_form(token).answers("4"))
        if response.status_code != 303:
            errors.append(response.status_code)


def _table_counts(connection) -> dict[str, int]:
    return {table: connection.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar()
            for table in ("rounds", "responses", "answers", "questionnaire_versions", "indicators")}


def test_backup_while_answers_arrive_then_restore(app, runner, make_round, database_url, tmp_path):
    round_ = make_round()
    errors: list[int] = []
    writer = threading.Thread(target=_submit_many, args=(app, round_.token, 40, errors))
    writer.start()
    suffix = ".sqlite3" if database_url.startswith("sqlite") else ".dump"
    output = tmp_path / f"backup{suffix}"
    result = runner.invoke(args=["backup", "--output", str(output)])
    writer.join()
    assert result.exit_code == 0, result.output
    assert errors == []  # the backup never blocked a respondent into an error
    live_engine = sa.create_engine(database_url)
    with live_engine.connect() as live:
        live_counts = _table_counts(live)
    live_engine.dispose()
    assert live_counts["responses"] == 40

    if database_url.startswith("sqlite"):
        assert sqlite_integrity(output) == ["ok"]
        restored_url = f"sqlite:///{output}"
    else:
        if shutil.which("pg_restore") is None:
            pytest.skip("pg_restore is not installed")
        url = sa.make_url(database_url)
        admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(sa.text("DROP DATABASE IF EXISTS survey_restore_drill"))
            connection.execute(sa.text("CREATE DATABASE survey_restore_drill"))
        restored = url.set(database="survey_restore_drill")
        subprocess.run(["pg_restore", "--no-owner", "--dbname", libpq_url(restored), str(output)], check=True)
        restored_url = restored
    engine = sa.create_engine(restored_url)
    with engine.connect() as copy:
        copy_counts = _table_counts(copy)
        answers_per_response = copy.execute(sa.text(
            "SELECT count(*) FROM responses r WHERE (SELECT count(*) FROM answers a WHERE a.response_id = r.id) = 0"
        )).scalar()
    engine.dispose()
    # a consistent snapshot: whole responses only, and never more than the live database
    assert answers_per_response == 0
    assert copy_counts["responses"] <= live_counts["responses"]
    assert copy_counts["answers"] == copy_counts["responses"] * 10
    for table in ("rounds", "questionnaire_versions", "indicators"):
        assert copy_counts[table] == live_counts[table]
    if not database_url.startswith("sqlite"):
        with admin.connect() as connection:
            connection.execute(sa.text("DROP DATABASE survey_restore_drill"))
        admin.dispose()


@pytest.mark.parametrize(("text", "days"), [("730d", 730), ("24m", 720), ("2y", 730)])
def test_parse_retention_periods(text, days):
    now = datetime(2026, 1, 1)
    assert parse_cutoff(text, now) == now - timedelta(days=days)


def test_parse_retention_date_and_errors():
    assert parse_cutoff("2024-12-31") == datetime(2024, 12, 31)
    with pytest.raises(ValueError, match="neither a period"):
        parse_cutoff("two years")


def test_purge_deletes_raw_answers_and_keeps_totals(app, runner, make_round, respondent):
    old = make_round("persona-al-centro", "in-itinere")
    recent = make_round("persona-al-centro", "ex-post")
    for value in ("2", "4", "4"):
        respondent.submit(old.token, respondent.load_form(old.token).answers(value, comment="nome e cognome"))
    respondent.submit(recent.token, respondent.load_form(recent.token).answers("5"))
    with app.app_context():
        session = get_session()
        old_round = session.get(Round, old.id)
        set_status(session, old_round, "closed", actor="test")
        old_round.closes_at = utcnow() - timedelta(days=800)
        old_round.opens_at = utcnow() - timedelta(days=900)
        session.commit()

    dry = runner.invoke(args=["purge", "--older-than", "730d", "--dry-run"])
    assert "Would delete 3 responses of 1 rounds" in dry.output
    result = runner.invoke(args=["purge", "--older-than", "730d"])
    assert result.exit_code == 0, result.output
    assert "Deleted 3 responses of 1 rounds" in result.output
    with app.app_context():
        session = get_session()
        assert session.scalar(select(func.count()).select_from(Response).where(Response.round_id == old.id)) == 0
        assert session.scalar(select(func.count()).select_from(Response).where(Response.round_id == recent.id)) == 1
        assert session.scalar(select(func.count()).select_from(Answer)) == 10
        summary = session.get(RoundSummary, old.id)
        assert summary.responses == 3
        assert summary.counts["items"]["access_easy"] == {"2": 1, "4": 2}
        assert summary.counts["by_channel"] == {"self": 3}
        assert "nome e cognome" not in str(summary.counts)
        assert session.scalar(select(AuditEvent).where(AuditEvent.action == "responses.purge")).detail == {"responses": 3}


def test_purge_never_touches_open_rounds(app, runner, make_round, respondent):
    round_ = make_round()
    respondent.submit(round_.token, respondent.load_form(round_.token).answers("4"))
    result = runner.invoke(args=["purge", "--older-than", "2999-01-01"])
    assert "Deleted 0 responses of 0 rounds" in result.output


def test_bad_period_is_a_clear_error(runner):
    result = runner.invoke(args=["purge", "--older-than", "soon"])
    assert result.exit_code == 2 and "neither a period" in result.output
