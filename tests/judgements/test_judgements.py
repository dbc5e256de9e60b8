"""The evaluator's judgement: the data's reading as a suggestion, saving with history, reasons against
the data, stale edits, and who may write it."""

from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup
from conftest import csrf_token_of, shipped_plan
from sqlalchemy import select

from survey_app.db import get_session
from survey_app.judgements.operations import (
    JudgementConflict,
    JudgementInput,
    JudgementRefused,
    save_judgement,
)
from survey_app.judgements.reading import indicator_reading, objective_reading
from survey_app.models import AuditEvent, Judgement, JudgementRevision

PAGE = "/rapporti/giudizi/obiettivo?id=persona-al-centro"


def test_the_data_reading_of_indicators_and_objectives():
    assert indicator_reading("met") == "reached" and indicator_reading("not_met") == "not_reached"
    assert indicator_reading("no_data") == indicator_reading("not_measurable") == "not_assessable"
    assert objective_reading(["met", "met", "no_data"]) == "reached"
    assert objective_reading(["met", "not_met"]) == "partly_reached"
    assert objective_reading(["not_met", "not_measurable"]) == "not_reached"
    assert objective_reading(["no_data"]) == objective_reading([]) == "not_assessable"


def test_saving_keeps_every_version_and_refuses_a_verdict_against_the_data_without_reasons(session):
    plan = shipped_plan(session)
    with pytest.raises(JudgementRefused) as refused:
        save_judgement(session, plan, "persona-al-centro", "", JudgementInput("reached"),
                       suggested="partly_reached", user="test")
    assert set(refused.value.problems) == {"reasons"}
    first = save_judgement(session, plan, "persona-al-centro", "", JudgementInput(
        "partly_reached", strengths="La rete tra servizi.", recommendations="Più ore di sportello."),
        suggested="partly_reached", user="test")
    assert first.version == 1 and first.state == "to_review"
    # the same text again is no new version
    same = save_judgement(session, plan, "persona-al-centro", "", JudgementInput(
        "partly_reached", strengths="La rete tra servizi.", recommendations="Più ore di sportello.",
        edited_version=1), suggested="partly_reached", user="test")
    assert same.version == 1
    second = save_judgement(session, plan, "persona-al-centro", "", JudgementInput(
        "reached", reasons="I colloqui mostrano che l'obiettivo è raggiunto.", strengths="La rete tra servizi.",
        recommendations="Più ore di sportello.", state="approved", edited_version=1),
        suggested="partly_reached", user="test")
    assert second.version == 2 and second.state == "approved"
    revisions = session.scalars(select(JudgementRevision).order_by(JudgementRevision.version)).all()
    assert [r.version for r in revisions] == [1, 2]
    assert revisions[0].values["status"] == "partly_reached"
    assert revisions[1].changed == ["status", "reasons", "state"]
    with pytest.raises(JudgementConflict):
        save_judgement(session, plan, "persona-al-centro", "", JudgementInput(
            "not_reached", reasons="altro", edited_version=1), suggested="partly_reached", user="test")
    assert session.scalar(select(Judgement.version)) == 2
    actions = session.scalars(select(AuditEvent.action).where(AuditEvent.action == "judgement.save")).all()
    assert len(actions) == 2


def form_of(html: str, prefix: str) -> dict:
    """The fields of the judgement form *prefix* (``obiettivo``, ``indicatore1``...) as the page sends them."""
    soup = BeautifulSoup(html, "html.parser")
    target = soup.find("input", attrs={"name": f"{prefix}-target"})
    form = target.find_parent("form")
    data = {}
    for element in form.find_all(["input", "textarea"]):
        if element.get("type") == "radio":
            if element.has_attr("checked"):
                data[element["name"]] = element["value"]
        else:
            data[element["name"]] = element.get("value", element.string or "")
    return data


def test_an_evaluator_writes_the_judgement_of_an_objective_and_of_an_indicator(app, as_role):
    client = as_role("evaluator")
    page = client.get(PAGE)
    assert page.status_code == 200, page.get_data(as_text=True)[:500]
    html = page.get_data(as_text=True)
    assert "Lettura dei dati" in html and "suggerito dai dati" in html
    data = form_of(html, "obiettivo")
    suggested = re.search(r"Lettura dei dati: <strong>([^<]+)</strong>", html).group(1)
    assert suggested in ("Non valutabile", "Raggiunto", "Parzialmente raggiunto", "Non raggiunto")
    against = "reached" if suggested != "Raggiunto" else "not_reached"
    data.update({"obiettivo-status": against, "obiettivo-strengths": "Il lavoro di rete.",
                 "obiettivo-recommendations": "Aprire uno sportello a Sovere.\nFormare i volontari."})
    refused = client.post(PAGE, data=data)
    assert refused.status_code == 422
    assert "Il giudizio è diverso da quello che suggeriscono i dati: scrivi le ragioni." in refused.get_data(
        as_text=True)
    with app.app_context():
        assert get_session().scalar(select(Judgement)) is None
    data["obiettivo-reasons"] = "I focus group dicono altro."
    saved = client.post(PAGE, data=data)
    assert saved.status_code == 303 and saved.headers["Location"].endswith("#obiettivo")
    indicator = form_of(client.get(PAGE).get_data(as_text=True), "indicatore1")
    indicator.update({"indicatore1-status": "not_assessable", "indicatore1-reasons": "Troppo poche risposte."})
    assert client.post(PAGE, data=indicator).status_code == 303
    with app.app_context():
        rows = {j.indicator_id: j for j in get_session().scalars(select(Judgement))}
        assert rows[""].status == against and rows[""].recommendations.startswith("Aprire uno sportello")
        assert rows[""].updated_by.email == "valutatore@altosebino.example"
        assert len(rows) == 2 and next(k for k in rows if k).startswith("persona-al-centro.")
    # a stale page: the other tab still says version 0
    stale = client.post(PAGE, data={**data, "obiettivo-status": "not_reached",
                                    "obiettivo-reasons": "Il mio testo, scritto in un'altra scheda."})
    assert stale.status_code == 409
    html = stale.get_data(as_text=True)
    assert "ha salvato questo giudizio (versione 1) mentre lo modificavi" in html
    assert "Il mio testo, scritto in un&#39;altra scheda." in html  # nothing the evaluator wrote is lost
    with app.app_context():
        assert get_session().scalar(select(Judgement.status).where(Judgement.indicator_id == "")) == against
    again = form_of(html, "obiettivo")
    assert again["obiettivo-edited_version"] == "1" and again["obiettivo-status"] == "not_reached"
    assert client.post(PAGE, data=again).status_code == 303
    with app.app_context():
        assert get_session().scalar(select(Judgement.version).where(Judgement.indicator_id == "")) == 2
    listing = client.get("/rapporti/giudizi").get_data(as_text=True)
    assert "da scrivere" in listing and "Da rivedere" in listing


def test_who_may_write_judgements(app, as_role):
    assert as_role("operator").get(PAGE).status_code == 403
    assert as_role("admin").get(PAGE).status_code == 200
    client = as_role("evaluator")
    assert client.get("/rapporti/giudizi/obiettivo?id=nessuno").status_code == 404
    token = csrf_token_of(client, "/rapporti/giudizi")
    assert client.post(PAGE, data={"csrf_token": token, "obiettivo-target": "altro"}).status_code == 400
