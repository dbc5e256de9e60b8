"""Operators set aside the responses of a suspicious burst (a window of hours, a point): the
analysis leaves them out, the raw exports keep them marked, cached results recompute, and
everything is audited and reversible."""

from __future__ import annotations

import csv
import io
import uuid
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
    response = Response(round_id=round_id, submission_id=str(uuid.uuid4()), payload_hash="0" * 64,
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


def test_the_round_page_shows_the_burst_alerts_and_what_is_set_aside_and_why(app, as_role, make_round):
    from survey_app import audit

    round_ = make_round("persona-al-centro")
    with app.app_context():
        session = get_session()
        for _ in range(6):
            add_response(session, round_.id, BURST)
        add_response(session, round_.id, QUIET)
        audit.record(session, "sistema", "round.burst_alert", session.get(Round, round_.id), limit=30)
        session.commit()
    operator = as_role("operator")
    detail = f"/gestione/rilevazioni/{round_.id}"
    page = operator.get(detail).get_data(as_text=True)
    assert "Allarme di afflusso" in page and "Risposte escluse dall'analisi ora: 0." in page
    path = f"{detail}/messe-da-parte"
    assert f'href="{path}"' in page
    assert operator.post(path, data={"window_start": local_field(BURST), "window_end": local_field(BURST),
                                     "reason": "raffica dal link generale",
                                     "csrf_token": csrf_token_of(operator, path)}).status_code == 303
    page = operator.get(detail).get_data(as_text=True)
    assert "Risposte escluse dall'analisi ora: 6." in page and "«raffica dal link generale»" in page
    # evaluators read how many and why, but neither see the form nor may set aside
    evaluator = as_role("evaluator")
    page = evaluator.get(detail).get_data(as_text=True)
    assert "Risposte escluse dall'analisi ora: 6." in page and f'href="{path}"' not in page
    assert evaluator.get(path).status_code == 403
    assert evaluator.post(path, data={"point": "", "reason": "x",
                                      "csrf_token": csrf_token_of(evaluator, "/accesso")}).status_code == 403


def test_another_ambitos_operator_can_neither_see_nor_set_aside_nor_restore(app, as_role, make_round):
    from conftest import PASSWORD, log_in

    from survey_app.accounts.operations import create_user
    from survey_app.models import Ambito, Comune
    from survey_app.set_asides import operations

    round_ = make_round("persona-al-centro")
    with app.app_context():
        session = get_session()
        for _ in range(3):
            add_response(session, round_.id, BURST)
        row = operations.set_aside(session, session.get(Round, round_.id), reason="prova",
                                   window=(BURST, BURST + timedelta(hours=1)), actor="test")
        other = Ambito(code="basso-sebino", name="Basso Sebino", comuni=[Comune(code="sarnico", name="Sarnico")])
        session.add(other)
        session.flush()
        for role in ("operator", "admin"):
            create_user(session, f"{role}@bassosebino.example", role, PASSWORD, ambito=other, actor="test")
        session.commit()
        set_aside_id = row.id
    path = f"/gestione/rilevazioni/{round_.id}/messe-da-parte"
    for role in ("operator", "admin"):
        stranger = app.test_client()
        assert log_in(stranger, f"{role}@bassosebino.example").status_code == 303
        token = csrf_token_of(stranger, "/gestione/")
        assert stranger.get(path).status_code == 404
        assert stranger.post(path, data={"window_start": local_field(QUIET), "window_end": local_field(QUIET),
                                         "reason": "x", "csrf_token": token}).status_code == 404
        assert stranger.post(f"{path}/riammetti", data={"set_aside_id": set_aside_id,
                                                         "csrf_token": token}).status_code == 404
    with app.app_context():
        session = get_session()
        assert [r.revoked_at for r in session.scalars(select(SetAside))] == [None]  # untouched, still one
        assert data_counts(session, [round_.id])[round_.id][0] == 0
    # the round's own admin may restore it
    admin = as_role("admin")
    assert admin.post(f"{path}/riammetti", data={"set_aside_id": set_aside_id,
                                                  "csrf_token": csrf_token_of(admin, path)}).status_code == 303
    with app.app_context():
        assert data_counts(get_session(), [round_.id])[round_.id][0] == 3


def test_a_comparison_snapshot_is_recomputed_without_the_set_aside_responses(app, make_round):
    from survey_app.set_asides import operations

    before, after = make_round("persona-al-centro", "ex-ante"), make_round("persona-al-centro", "ex-post")
    with app.app_context():
        session = get_session()
        for round_, value in ((before, 2), (after, 4)):
            for day in range(6):
                add_response(session, round_.id, QUIET + timedelta(days=day), value=value)
        for _ in range(10):
            add_response(session, after.id, BURST, value=1)
        session.commit()
        job = snapshots.Job.comparison(before.id, after.id)
        assert snapshots.result_for(session, job).payload["n_after"] == 16
        operations.set_aside(session, session.get(Round, after.id), reason="raffica",
                             window=(BURST, BURST + timedelta(hours=1)), actor="test")
        session.commit()
        assert snapshots.result_for(session, job).payload["n_after"] == 6  # not the cached 16
        assert data_counts(session, [after.id])[after.id][0] == 6


def test_a_reports_comments_leave_out_the_set_aside_responses(app, make_round):
    from survey_app.reports import comments
    from survey_app.set_asides import operations

    round_ = make_round("persona-al-centro")
    with app.app_context():
        session = get_session()
        for day in range(6):
            add_response(session, round_.id, QUIET + timedelta(days=day))
        add_response(session, round_.id, BURST)
        session.flush()
        burst_comment = session.scalar(select(Response).where(Response.submitted_hour == BURST))
        quiet_comment = session.scalar(select(Response).where(Response.submitted_hour == QUIET))
        burst_comment.comment, quiet_comment.comment = "Tutto pessimo, pessimo.", "Orari comodi."
        session.flush()
        round_row = session.get(Round, round_.id)
        for response in (burst_comment, quiet_comment):
            comments.review_comment(session, round_row, response.id, "approved", redacted_text=None, actor="test")
        session.commit()
        assert comments.published_comments(session, [round_.id])[round_.id] == ["Orari comodi.",
                                                                               "Tutto pessimo, pessimo."]
        operations.set_aside(session, round_row, reason="raffica", window=(BURST, BURST + timedelta(hours=1)),
                             actor="test")
        session.commit()
        assert comments.published_comments(session, [round_.id])[round_.id] == ["Orari comodi."]
