"""``flask --app survey_app report``, the background hook in ``results refresh``, the in-process runner."""

from __future__ import annotations

from conftest import shipped_plan

import subprocess
import sys
import time

import pytest
from conftest import csrf_token_of
from sqlalchemy import select

from survey_app import create_app, job_queue
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


@pytest.fixture
def in_process_jobs(app_config):
    """The embedded default: no worker command, the web process runs the jobs itself."""
    app_config["JOB_WORKER"] = "in-process"


def test_genera_makes_the_report_without_a_worker_command(in_process_jobs, app, as_role, make_round, fill):
    round_ = make_round("persona-al-centro")
    fill(round_.id, 6)
    evaluator = as_role("evaluator")
    page = "/rapporti/obiettivo?id=persona-al-centro"
    try:
        response = evaluator.post("/rapporti/obiettivo/genera?id=persona-al-centro",
                                  data={"csrf_token": csrf_token_of(evaluator, page)})
        assert response.status_code == 303
        deadline = time.monotonic() + 120
        # the address without a plan redirects to the plan in force (old links keep working)
        while evaluator.get("/rapporti/obiettivo.pdf?id=persona-al-centro", follow_redirects=True).status_code != 200:
            assert time.monotonic() < deadline, "the report stayed queued"
            time.sleep(0.2)
        assert evaluator.get("/rapporti/obiettivo.docx?id=persona-al-centro", follow_redirects=True).status_code == 200
    finally:
        job_queue.stop(app)


def test_only_production_waits_for_the_worker_command(monkeypatch, tmp_path):
    monkeypatch.delenv("SURVEY_JOB_WORKER", raising=False)
    monkeypatch.delenv("SURVEY_ENV", raising=False)
    settings = {"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "SECRET_KEY": "x"}
    assert "survey_jobs" in create_app(settings).extensions  # make run: nothing else to start
    monkeypatch.setenv("SURVEY_ENV", "production")
    assert "survey_jobs" not in create_app(settings).extensions
    monkeypatch.setenv("SURVEY_JOB_WORKER", "in-process")  # one host on SQLite, say
    assert "survey_jobs" in create_app(settings).extensions
    with pytest.raises(ValueError, match="JOB_WORKER"):
        create_app({**settings, "JOB_WORKER": "cron"})
