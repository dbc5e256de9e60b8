"""The page of designated rounds: who may see and change it, CSRF, audit, open rounds refused,
the predecessor form; and the report and results pages saying which rounds gave each verdict."""

from __future__ import annotations

from datetime import datetime

import pytest
from bs4 import BeautifulSoup
from conftest import IN_SHIPPED_PLAN, csrf_token_of, give_shipped_plan, log_in, shipped_plan, PASSWORD
from sqlalchemy import select

from survey_app.db import get_session
from survey_app.models import Ambito, AuditEvent, Comune, RoundDesignation
from survey_app.rounds.operations import open_round

MEASURED = "persona-al-centro.outcome-3"  # measured by questionnaire persona-al-centro


def words(response) -> str:
    return " ".join(BeautifulSoup(response.get_data(as_text=True), "html.parser").get_text(" ").split())


def closed_round(app, kind: str, opens: datetime, closes: datetime, label: str, **options) -> int:
    with app.app_context():
        session = get_session()
        round_ = open_round(session, "persona-al-centro", kind, opens_at=opens, closes_at=closes,
                            status="closed", label=label, actor="test", **options)
        session.commit()
        return round_.id


@pytest.fixture
def rounds(app, make_round):
    """A closed ex ante, a closed in itinere and a closed ex post of the shipped plan, and an open round."""
    from reports.helpers import add_responses

    ids = {
        "ex_ante": closed_round(app, "ex-ante", datetime(2022, 1, 10), datetime(2022, 2, 10), "Ex ante Kq1"),
        "in_itinere": closed_round(app, "in-itinere", datetime(2022, 9, 1), datetime(2022, 10, 1), "Intermedia Kq2"),
        "ex_post": closed_round(app, "ex-post", datetime(2023, 10, 1), datetime(2023, 11, 1), "Ex post Kq3"),
        "open": make_round("persona-al-centro", "in-itinere", label="Aperta Kq4").id,
    }
    add_responses(app, ids["ex_ante"], 6, value=3)
    add_responses(app, ids["ex_post"], 7, value=5)
    add_responses(app, ids["open"], 2)
    with app.app_context():
        ids["plan"] = shipped_plan(get_session()).id
    return ids


def page(rounds) -> str:
    return f"/piani/{rounds['plan']}/designazioni"


def post(client, rounds, **data):
    if "csrf_token" not in data:
        data["csrf_token"] = csrf_token_of(client, page(rounds))
    data.setdefault("indicator", MEASURED)
    return client.post(page(rounds), data=data)


def explicit(app, plan_id) -> tuple | None:
    with app.app_context():
        row = get_session().get(RoundDesignation, (plan_id, MEASURED))
        return (row.before_round_id, row.after_round_id) if row else None


def designation_events(app) -> list[AuditEvent]:
    with app.app_context():
        return list(get_session().scalars(select(AuditEvent).where(AuditEvent.action == "plan.designation")
                                          .order_by(AuditEvent.id)))


def test_the_page_shows_the_default_rounds_and_only_closed_rounds_to_choose(app, as_role, rounds):
    response = as_role("evaluator").get(page(rounds))
    assert response.status_code == 200
    text = words(response)
    assert "Rilevazioni designate" in text
    card = BeautifulSoup(response.get_data(as_text=True), "html.parser").find(id=MEASURED)
    summary = " ".join(card.find(class_="designation").get_text(" ").split())
    assert "Prima: Ex ante Kq1" in summary and "n = 6" in summary
    assert "Dopo: Ex post Kq3" in summary and "n = 7" in summary and "(predefinite)" in summary
    options = {o["value"]: o.get_text() for o in card.find("select", attrs={"name": "after"}).find_all("option")}
    assert set(options) == {str(rounds["ex_ante"]), str(rounds["in_itinere"]), str(rounds["ex_post"])}
    assert "Aperta Kq4" not in card.get_text()  # an open round is never offered
    assert as_role("admin").get(page(rounds)).status_code == 200


def test_an_evaluator_changes_the_designation_and_back_with_the_audit_log(app, as_role, rounds):
    evaluator = as_role("evaluator")
    response = post(evaluator, rounds, action="save", before=str(rounds["in_itinere"]), after=str(rounds["ex_post"]))
    assert response.status_code == 303 and f"#{MEASURED}" in response.headers["Location"]
    assert explicit(app, rounds["plan"]) == (rounds["in_itinere"], rounds["ex_post"])
    shown = words(evaluator.get(page(rounds)))
    assert "Prima: Intermedia Kq2" in shown and "(scelte da un valutatore)" in shown
    [event] = designation_events(app)
    assert event.actor == "valutatore@altosebino.example"
    assert event.detail["indicator"] == MEASURED
    assert event.detail["old"] == {"origin": "default"}
    assert event.detail["new"] == {"origin": "explicit", "before": rounds["in_itinere"], "after": rounds["ex_post"]}

    post(evaluator, rounds, action="save", before="none", after=str(rounds["in_itinere"]))
    assert explicit(app, rounds["plan"]) == (None, rounds["in_itinere"])
    assert designation_events(app)[-1].detail["old"]["before"] == rounds["in_itinere"]

    response = post(evaluator, rounds, action="default")
    assert response.status_code == 303 and explicit(app, rounds["plan"]) is None
    last = designation_events(app)[-1]
    assert last.detail["old"] == {"origin": "explicit", "before": None, "after": rounds["in_itinere"]}
    assert last.detail["new"] == {"origin": "default"}
    assert "(predefinite)" in words(evaluator.get(page(rounds)))


def test_an_open_round_or_a_reversed_pair_is_refused(app, as_role, rounds):
    evaluator = as_role("evaluator")
    response = post(evaluator, rounds, action="save", before=str(rounds["ex_ante"]), after=str(rounds["open"]))
    assert response.status_code == 303
    assert "solo rilevazioni chiuse" in words(evaluator.get(response.headers["Location"]))
    post(evaluator, rounds, action="save", before=str(rounds["ex_post"]), after=str(rounds["ex_ante"]))
    post(evaluator, rounds, action="save", before=str(rounds["ex_post"]), after=str(rounds["ex_post"]))
    post(evaluator, rounds, action="save", before="none", after="")
    assert explicit(app, rounds["plan"]) is None and designation_events(app) == []


def test_changes_need_the_csrf_token(app, as_role, rounds):
    response = as_role("evaluator").post(page(rounds), data={"indicator": MEASURED, "action": "save",
                                                              "after": str(rounds["ex_post"])})
    assert response.status_code == 400
    assert explicit(app, rounds["plan"]) is None


def test_who_may_use_the_page(app, as_role, rounds):
    operator = as_role("operator")
    assert operator.get(page(rounds)).status_code == 403
    token = csrf_token_of(operator, "/indicatori/")
    assert post(operator, rounds, csrf_token=token, action="save", after=str(rounds["ex_post"])).status_code == 403
    anonymous = app.test_client()
    assert anonymous.get(page(rounds)).status_code in (302, 303)
    assert as_role("evaluator").get("/piani/999999/designazioni").status_code == 404


def test_staff_of_another_ambito_get_404(app, as_role, rounds):
    from survey_app.accounts.operations import create_user

    with app.app_context():
        session = get_session()
        other = Ambito(code="basso-sebino", name="Basso Sebino", comuni=[Comune(code="sarnico", name="Sarnico")])
        session.add(other)
        session.flush()
        foreign_plan = give_shipped_plan(session, other).id
        create_user(session, "valutatore@bassosebino.example", "evaluator", PASSWORD, ambito=other, actor="test")
        session.commit()
    foreign = app.test_client()
    assert log_in(foreign, "valutatore@bassosebino.example").status_code == 303
    assert foreign.get(page(rounds)).status_code == 404
    token = csrf_token_of(foreign, f"/piani/{foreign_plan}/designazioni")
    response = foreign.post(page(rounds), data={"csrf_token": token, "indicator": MEASURED, "action": "save",
                                               "after": str(rounds["ex_post"])})
    assert response.status_code == 404 and explicit(app, rounds["plan"]) is None
    # nor may a round of another Ambito's plan be designated in one's own
    response = foreign.post(f"/piani/{foreign_plan}/designazioni", data={
        "csrf_token": token, "indicator": MEASURED, "action": "save", "after": str(rounds["ex_post"])})
    assert response.status_code == 303
    with app.app_context():
        assert get_session().get(RoundDesignation, (foreign_plan, MEASURED)) is None


def test_the_report_and_the_results_pages_say_which_rounds_gave_the_verdict(app, as_role, rounds):
    evaluator = as_role("evaluator")
    report = words(evaluator.get(f"/rapporti/obiettivo?id=persona-al-centro&piano={rounds['plan']}"))
    assert "Prima: Ex ante Kq1" in report and "Dopo: Ex post Kq3" in report
    assert "rilevazioni predefinite" in report
    indicators = words(evaluator.get(f"/indicatori/obiettivo?id=persona-al-centro&piano={rounds['plan']}"))
    assert "Prima: Ex ante Kq1" in indicators and "Dopo: Ex post Kq3" in indicators
    results = words(evaluator.get("/risultati/questionari/persona-al-centro"))
    assert "Prima: Ex ante Kq1" in results and "Dopo: Ex post Kq3" in results
    post(evaluator, rounds, action="save", before=str(rounds["in_itinere"]), after=str(rounds["ex_post"]))
    report = words(evaluator.get(f"/rapporti/obiettivo?id=persona-al-centro&piano={rounds['plan']}"))
    assert "Prima: Intermedia Kq2" in report and "scelte da un valutatore" in report
