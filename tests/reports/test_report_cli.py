"""``flask --app survey_app report`` and the background hook in ``results refresh``."""

from __future__ import annotations

from conftest import shipped_plan

import subprocess
import sys

from sqlalchemy import select

from survey_app.db import get_session
from survey_app.models import Ambito, AuditEvent
from survey_app.reports import jobs


def test_report_of_one_objective_to_standard_output(app, runner, make_round, fill):
    round_ = make_round("persona-al-centro")
    fill(round_.id, 6)
    result = runner.invoke(
        args=["report", "--objective", "persona-al-centro", "--format", "html", "--output", "-"]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("<!doctype html>")  # progress goes to standard error
    assert "8.2 · La persona al centro quale parte di una comunità prossima" in result.stdout
    with app.app_context():
        session = get_session()
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "report.export"))
        assert (
            event.actor == "cli"
            and event.detail["format"] == "html"
            and event.ambito_id is not None
        )
        # stored: the page offers the same files without making them again
        spec = jobs.ReportSpec.of(shipped_plan(session), "persona-al-centro")
        assert jobs.status(session, spec).current


def test_unknown_objective_or_ambito(app, runner, tmp_path):
    result = runner.invoke(
        args=["report", "--objective", "nessuno", "--output", str(tmp_path / "x.pdf")]
    )
    assert result.exit_code == 2 and "unknown objective 'nessuno'" in result.output
    result = runner.invoke(
        args=["report", "--ambito", "altrove", "--output", str(tmp_path / "x.pdf")]
    )
    assert result.exit_code == 2 and "unknown Ambito 'altrove'" in result.output
    assert not (tmp_path / "x.pdf").exists()


def test_results_refresh_makes_the_requested_reports(app, runner, make_round, fill):
    round_ = make_round("persona-al-centro")
    fill(round_.id, 5)
    with app.app_context():
        session = get_session()
        spec = jobs.ReportSpec.of(shipped_plan(session), "persona-al-centro")
        jobs.request(session, spec)
    result = runner.invoke(args=["results", "refresh"])
    assert result.exit_code == 0, result.output
    assert "1 reports generated." in result.output
    assert "0 reports generated." in runner.invoke(args=["results", "refresh"]).output


def test_the_web_app_starts_without_the_report_libraries():
    code = (
        "import sys; from survey_app import create_app; "
        "create_app({'DATABASE_URL': 'sqlite://', 'SECRET_KEY': 'x'}); "
        "heavy = ('pandas', 'scipy', 'docx', 'weasyprint'); "
        "sys.exit(any(m in sys.modules for m in heavy))"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
