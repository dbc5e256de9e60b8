"""Results are computed outside the request for large rounds, and reused until data change."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from survey_app.db import get_session
from survey_app.models.results import ResultSnapshot
from survey_app.results import snapshots
from survey_app.results.snapshots import Job


@pytest.fixture
def app_config(app_config):
    # every round counts as large: nothing is computed inside a request
    return app_config | {"RESULTS_INLINE_MAX_RESPONSES": 0}


def _rows(app):
    with app.app_context():
        return {r.key: (r.status, r.fingerprint is not None)
                for r in get_session().scalars(sa.select(ResultSnapshot))}


def test_large_round_is_computed_by_the_worker(app, as_role, runner, make_round, fill):
    round_ = make_round("persona-al-centro")
    fill(round_.id, 6)
    client = as_role("evaluator")
    page = client.get(f"/risultati/rilevazioni/{round_.id}").get_data(as_text=True)
    assert "Calcolo in corso" in page and "Aggiorna" in page
    assert "6 rispondenti" not in page
    assert _rows(app)[f"round:{round_.id}"] == ("pending", False)
    # a download needing the statistics waits too, and is not logged as served
    assert client.get(f"/risultati/rilevazioni/{round_.id}/risultati.xlsx").status_code == 409
    # raw downloads need no analysis
    assert client.get(f"/risultati/rilevazioni/{round_.id}/risposte.csv").status_code == 200

    result = runner.invoke(args=["results", "worker", "--once"])
    assert result.exit_code == 0, result.output
    assert _rows(app)[f"round:{round_.id}"] == ("ready", True)
    page = client.get(f"/risultati/rilevazioni/{round_.id}").get_data(as_text=True)
    assert "6 rispondenti" in page and "Calcolo in corso" not in page

    fill(round_.id, 2, seed=9)  # new data: the old result is shown while the new one is computed
    page = client.get(f"/risultati/rilevazioni/{round_.id}").get_data(as_text=True)
    assert "ricalcolo" in page and "6 rispondenti" in page
    assert runner.invoke(args=["results", "refresh"]).exit_code == 0
    assert "8 rispondenti" in client.get(f"/risultati/rilevazioni/{round_.id}").get_data(as_text=True)


def test_refresh_precomputes_changed_rounds_only(app, runner, make_round, fill):
    first, second = make_round("persona-al-centro"), make_round("nuova-domiciliarita")
    fill(first.id, 5)
    result = runner.invoke(args=["results", "refresh"])
    assert result.exit_code == 0, result.output
    assert "2 changed results computed" in result.output
    again = runner.invoke(args=["results", "refresh"])
    assert "0 changed results computed" in again.output
    fill(second.id, 5)
    assert "1 changed results computed" in runner.invoke(args=["results", "refresh"]).output


def test_a_claimed_job_is_computed_once(app, make_round, fill):
    round_ = make_round("persona-al-centro")
    fill(round_.id, 5)
    with app.app_context():
        session = get_session()
        result = snapshots.result_for(session, Job.round(round_.id), inline_max_responses=0)
        assert result.state == "pending"
        assert snapshots.claim(session, result.snapshot_id, "pending")
        assert not snapshots.claim(session, result.snapshot_id, "pending")  # taken already
        assert snapshots.run_pending(session) == 0  # running, not stalled
        row = session.get(ResultSnapshot, result.snapshot_id)
        row.started_at = row.started_at - snapshots.RUNNING_TIMEOUT * 2  # its worker died
        session.commit()
        assert snapshots.run_pending(session) == 1
        assert snapshots.result_for(session, Job.round(round_.id), inline_max_responses=0).ready


def test_a_failed_computation_is_shown_and_retried(app, as_role, make_round, fill, monkeypatch):
    round_ = make_round("persona-al-centro")
    fill(round_.id, 5)

    def broken(*_args, **_kwargs):
        raise RuntimeError("analisi rotta")

    monkeypatch.setattr("survey_app.results.compute.round_payload", broken)
    with app.app_context():
        snapshots.result_for(get_session(), Job.round(round_.id), inline_max_responses=0)
        assert snapshots.run_pending(get_session()) == 1
    client = as_role("evaluator")
    page = client.get(f"/risultati/rilevazioni/{round_.id}").get_data(as_text=True)
    assert "non è riuscito" in page and "analisi rotta" in page and "riprova=1" in page
    monkeypatch.undo()
    page = client.get(f"/risultati/rilevazioni/{round_.id}?riprova=1").get_data(as_text=True)
    assert "Calcolo in corso" in page
    with app.app_context():
        assert snapshots.run_pending(get_session()) == 1
    assert "5 rispondenti" in client.get(f"/risultati/rilevazioni/{round_.id}").get_data(as_text=True)
