"""Operators set aside the responses of a suspicious burst (a window of hours, a point): the
analysis leaves them out, the raw exports keep them marked, cached results recompute, and
everything is audited and reversible."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

from bs4 import BeautifulSoup
from conftest import csrf_token_of
from sqlalchemy import select

from survey_app.db import get_session
from survey_app.localtime import to_local
from survey_app.models import Answer, AuditEvent, Response, Round, SetAside
from survey_app.results import snapshots
from survey_app.results.queries import data_counts, load_rounds
from survey_app.rounds.operations import add_point

QUIET = datetime(2026, 5, 4, 8)  # UTC hours
BURST = datetime(2026, 5, 5, 14)


def add_response(session, round_id: int, hour: datetime, point_id: int | None = None, value: int = 4) -> None:
    response = Response(round_id=round_id, submission_id=str(__import__("uuid").uuid4()), payload_hash="0" * 64,
                        submitted_hour=hour, channel="self", language="it", distribution_point_id=point_id)
    questionnaire = session.get(Round, round_id).questionnaire_version.questionnaire
    response.answers = [Answer(item_id=item.id, value=value) for item in questionnaire.items]
    session.add(response)


def local_field(moment: datetime) -> str:
    return to_local(moment).strftime("%Y-%m-%dT%H:%M")


def test_a_burst_set_aside_leaves_the_analysis_stays_marked_in_exports_and_comes_back(app, as_role, make_round):
    round_ = make_round("persona-al-centro")
    with app.app_context():
        session = get_session()
        point = add_point(session, session.get(Round, round_.id), "Bacheca", actor="test")
        session.flush()
        for day in range(6):
            add_response(session, round_.id, QUIET + timedelta(days=day, hours=day), value=2)
        for _ in range(8):
            add_response(session, round_.id, BURST, point.id, value=5)
        add_response(session, round_.id, BURST + timedelta(hours=1), point.id, value=5)  # after the window
        session.commit()
        job = snapshots.Job.round(round_.id)
        before = snapshots.result_for(session, job)
        assert before.payload["n"] == 15
        fingerprint_before = snapshots.current_fingerprint(session, job)[0]

    operator = as_role("operator")
    path = f"/gestione/rilevazioni/{round_.id}/messe-da-parte"
    page = operator.get(path).get_data(as_text=True)
    assert "Ore con più risposte" in page and to_local(BURST).strftime("%H:%M") in page
    # a window of one local hour, typed with minutes: it covers that whole hour
    response = operator.post(path, data={
        "window_start": local_field(BURST + timedelta(minutes=10)), "window_end": local_field(BURST + timedelta(minutes=40)),
        "reason": "8 risposte in pochi secondi, allarme di afflusso", "csrf_token": csrf_token_of(operator, path)})
    assert response.status_code == 303, response.get_data(as_text=True)
    page = operator.get(path).get_data(as_text=True)
    assert "Messe da parte 8 risposte" in page and "Risposte escluse dall'analisi ora: 8." in page

    with app.app_context():
        session = get_session()
        assert len(load_rounds(session, [round_.id]).responses) == 7
        assert data_counts(session, [round_.id])[round_.id][0] == 7
        marked = load_rounds(session, [round_.id], set_aside="mark").responses
        assert len(marked) == 15 and marked["set_aside"].sum() == 8
        assert snapshots.current_fingerprint(session, job)[0] != fingerprint_before
        after = snapshots.result_for(session, job)
        assert after.payload["n"] == 7  # recomputed without the burst, not the cached 15
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "responses.set_aside")).one()
        assert event.detail["reason"].startswith("8 risposte") and event.actor.startswith("operatrice")
        set_aside_id = session.scalar(select(SetAside.id))

    evaluator = as_role("evaluator")
    wide = list(csv.DictReader(io.StringIO(evaluator.get(f"/risultati/rilevazioni/{round_.id}/risposte-per-questionario.csv")
                                           .data.decode("utf-8-sig")), delimiter=";"))
    assert len(wide) == 15 and sorted(row["messa_da_parte"] for row in wide) == ["0"] * 7 + ["1"] * 8
    assert "messa_da_parte" in evaluator.get(f"/risultati/rilevazioni/{round_.id}/codebook.csv").data.decode("utf-8-sig")

    # reversible: revoking brings them back, and the results again
    assert evaluator.post(f"{path}/riammetti", data={"set_aside_id": set_aside_id,
                                                       "csrf_token": csrf_token_of(evaluator, "/accesso")}).status_code == 403
    response = operator.post(f"{path}/riammetti", data={"set_aside_id": set_aside_id,
                                                         "csrf_token": csrf_token_of(operator, path)})
    assert response.status_code == 303
    with app.app_context():
        session = get_session()
        assert len(load_rounds(session, [round_.id]).responses) == 15
        assert snapshots.result_for(session, job).payload["n"] == 15
        # the same responses as at first, but a set-aside came and went: its state is in the fingerprint
        assert snapshots.current_fingerprint(session, job)[0] != fingerprint_before
        row = session.get(SetAside, set_aside_id)
        assert row.revoked_at is not None and row.revoked_by.startswith("operatrice")
        assert {"responses.set_aside", "responses.set_aside_revoked"} <= set(
            session.scalars(select(AuditEvent.action)))
    assert "riammessa da operatrice" in operator.get(path).get_data(as_text=True)


def test_a_point_is_set_aside_whatever_the_hour(app, as_role, make_round):
    round_ = make_round("persona-al-centro")
    with app.app_context():
        session = get_session()
        point = add_point(session, session.get(Round, round_.id), "Volantino", actor="test")
        session.flush()
        for hours in range(3):
            add_response(session, round_.id, BURST + timedelta(hours=hours), point.id)
        add_response(session, round_.id, BURST)
        session.commit()
        point_id = point.id
    operator = as_role("operator")
    path = f"/gestione/rilevazioni/{round_.id}/messe-da-parte"
    assert operator.post(path, data={"point": str(point_id), "reason": "volantino copiato in rete",
                                     "csrf_token": csrf_token_of(operator, path)}).status_code == 303
    with app.app_context():
        assert load_rounds(get_session(), [round_.id]).responses["point"].isna().all()


def test_a_set_aside_needs_a_reason_and_something_to_cover(app, as_role, make_round):
    round_ = make_round("persona-al-centro")
    operator = as_role("operator")
    path = f"/gestione/rilevazioni/{round_.id}/messe-da-parte"
    token = csrf_token_of(operator, path)
    no_reason = operator.post(path, data={"window_start": local_field(BURST), "window_end": local_field(BURST),
                                          "reason": "  ", "csrf_token": token})
    assert no_reason.status_code == 400 and "Scrivi il motivo" in no_reason.get_data(as_text=True)
    nothing = operator.post(path, data={"reason": "prova", "csrf_token": token})
    assert nothing.status_code == 400 and "Indica un intervallo di ore" in nothing.get_data(as_text=True)
    backwards = operator.post(path, data={"window_start": local_field(BURST), "reason": "prova", "csrf_token": token,
                                          "window_end": local_field(BURST - timedelta(hours=2))})
    assert backwards.status_code == 400 and "deve venire dopo" in backwards.get_data(as_text=True)
    soup = BeautifulSoup(backwards.get_data(as_text=True), "html.parser")
    assert soup.find("textarea", attrs={"name": "reason"}).get_text().strip() == "prova"  # nothing typed is lost
    with app.app_context():
        assert get_session().scalars(select(SetAside)).all() == []
