"""Editing what was recorded: a session's details (never its text), a theme's name, description
and parent (never under itself), deleting a theme nobody uses. Each edit is audited by the
names of the fields it changed; bad input changes nothing; operators get 403, other Ambiti's
staff 404."""

from __future__ import annotations

import dataclasses
import html
from datetime import date, timedelta

import pytest
from bs4 import BeautifulSoup
from conftest import IN_SHIPPED_PLAN, give_shipped_plan
from sqlalchemy import func, select

from survey_app.db import get_session
from survey_app.models import Ambito, AuditEvent, Comune, Plan
from survey_app.models.qualitative import Passage, QualitativeSession, Theme
from survey_app.qualitative import operations
from survey_app.qualitative.queries import objective_themes

from .helpers import TRANSCRIPT, coded_session, plan_and_objective, post, session_form


def details_form(**changes) -> dict:
    """The fields of the session-details form (the new-session form without kind and material)."""
    data = session_form(**changes)
    for name in ("kind", "material", "notes"):
        data.pop(name, None)
    return data


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _events(app, action: str) -> list[AuditEvent]:
    with app.app_context():
        return list(get_session().scalars(select(AuditEvent).where(AuditEvent.action == action)
                                          .order_by(AuditEvent.id)))


def _snapshot(app, session_id: int) -> dict:
    with app.app_context():
        row = get_session().get(QualitativeSession, session_id)
        return {name: getattr(row, name) for name in (*operations.SESSION_DETAIL_FIELDS, "kind", "text", "material")}


def _themes(app, plan_id: int, objective_id: str) -> dict[str, tuple]:
    with app.app_context():
        return {t.name: (t.id, t.description, t.parent_id) for t in get_session().scalars(
            select(Theme).where(Theme.plan_id == plan_id, Theme.objective_id == objective_id))}


@pytest.fixture
def coded(app, make_round):
    round_ = make_round("persona-al-centro", kind="ex-post")
    plan_id, objective_id = plan_and_objective(app, round_.id)
    values = coded_session(app, plan_id, objective_id)
    return {**values, "plan_id": plan_id, "objective_id": objective_id,
            "session_url": f"/qualitativa/incontri/{values['session_id']}",
            "objective_url": f"/qualitativa/piani/{plan_id}/obiettivi/{objective_id}"}


# --- a session's details ------------------------------------------------------------------------


def test_session_details_are_edited_and_the_text_stays(app, as_role, coded):
    evaluator = as_role("evaluator")
    page = evaluator.get(coded["session_url"])
    soup = BeautifulSoup(page.get_data(as_text=True), "html.parser")
    form = soup.find("form", action=lambda a: a and f"/incontri/{coded['session_id']}/dati" in a)
    assert form is not None and form["action"].endswith("#modifica")
    assert soup.find(id="modifica").get_text() == "Modifica i dati dell'incontro"
    # filled with what was recorded
    assert form.find("input", id="title")["value"] == "Intervista al coordinatore"
    assert form.find("input", id="held_on")["value"] == "2023-10-12"
    assert form.find("input", attrs={"name": "consent", "value": "yes"}).has_attr("checked")
    assert "Il testo non si può modificare" in soup.get_text() and "registralo di nuovo" in soup.get_text()
    before = _snapshot(app, coded["session_id"])

    response = post(evaluator, f"{coded['session_url']}/dati", details_form(
        title="Intervista alla coordinatrice", held_on="2023-11-03", timing="in-itinere",
        facilitator="Responsabile dell'Ufficio di Piano", participants="2",
        participant_roles=["administrators", "operators"], consent="yes", consent_method="written"),
        coded["session_url"])
    assert response.status_code == 303 and response.headers["Location"].endswith(coded["session_url"])
    after = _snapshot(app, coded["session_id"])
    assert (after["title"], after["held_on"], after["timing"], after["facilitator"], after["participants"],
            after["participant_roles"], after["consent"], after["consent_method"]) == (
        "Intervista alla coordinatrice", date(2023, 11, 3), "in-itinere", "Responsabile dell'Ufficio di Piano", 2,
        ["operators", "administrators"], True, "written")
    assert (after["kind"], after["material"], after["text"]) == (before["kind"], before["material"], before["text"])
    with app.app_context():
        passage = get_session().get(Passage, coded["passage_id"])
        assert after["text"][passage.start_offset:passage.end_offset] == passage.text == TRANSCRIPT[1]

    [event] = _events(app, "qualitative.session_update")
    assert event.detail["changed"] == ["title", "held_on", "timing", "facilitator", "participants",
                                       "participant_roles", "consent_method"]
    assert event.target_id == str(coded["session_id"]) and event.user_id is not None
    assert "consent" not in event.detail
    assert not any(word in str(event.detail) for word in ("caregiver", "Maria", "sportello", "coordinatrice"))
    assert "Dati dell'incontro aggiornati." in _text(evaluator.get(coded["session_url"]))

    # the same values again: nothing to write, nothing audited
    again = post(evaluator, f"{coded['session_url']}/dati", details_form(
        title="Intervista alla coordinatrice", held_on="2023-11-03", timing="in-itinere",
        facilitator="Responsabile dell'Ufficio di Piano", participants="2",
        participant_roles=["operators", "administrators"], consent="yes", consent_method="written"),
        coded["session_url"], follow_redirects=True)
    assert "Nessuna modifica ai dati dell'incontro." in _text(again)
    assert len(_events(app, "qualitative.session_update")) == 1


def test_consent_withdrawn_takes_the_quotes_out_of_reports(app, as_role, coded):
    evaluator = as_role("evaluator")
    plan_id, objective_id = coded["plan_id"], coded["objective_id"]
    assert post(evaluator, f"/qualitativa/passaggi/{coded['passage_id']}/pubblica",
                {"published_text": "All'inizio non sapevo a chi rivolgermi."}, coded["session_url"]).status_code == 303
    with app.app_context():
        [theme] = objective_themes(get_session(), plan_id, objective_id)
        assert [q.text for q in theme.quotes] == ["All'inizio non sapevo a chi rivolgermi."]

    withdrawn = post(evaluator, f"{coded['session_url']}/dati",
                     details_form(participant_roles=["operators"], consent="no", consent_method=""),
                     coded["session_url"], follow_redirects=True)
    page = _text(withdrawn)
    assert "la citazione pubblicata di questo incontro non compare più nei rapporti" in page
    assert "I rapporti non la citano: l'incontro è senza consenso" in page
    with app.app_context():
        session = get_session()
        row = session.get(QualitativeSession, coded["session_id"])
        assert (row.consent, row.consent_method) == (False, None)
        # the published text is kept, but objective_themes leaves it out (it reads the consent)
        assert session.get(Passage, coded["passage_id"]).published_text is not None
        [theme] = objective_themes(session, plan_id, objective_id)
        assert (theme.n_sessions, theme.quotes) == (1, ())
    event = _events(app, "qualitative.session_update")[-1]
    assert "consent" in event.detail["changed"] and event.detail["consent"] is False
    # publishing again is refused while consent is missing
    refused = post(evaluator, f"/qualitativa/passaggi/{coded['passage_id']}/pubblica",
                   {"published_text": "Un altro testo."}, coded["session_url"], follow_redirects=True)
    assert "Senza il consenso" in _text(refused)
    # consent recorded again (it was a mistake): the quote comes back
    assert post(evaluator, f"{coded['session_url']}/dati",
                details_form(participant_roles=["operators"], consent="yes", consent_method="oral_recorded"),
                coded["session_url"]).status_code == 303
    with app.app_context():
        [theme] = objective_themes(get_session(), plan_id, objective_id)
        assert [q.text for q in theme.quotes] == ["All'inizio non sapevo a chi rivolgermi."]


@pytest.mark.parametrize(("changes", "message"), [
    ({"title": "  "}, "Scrivi un titolo."),
    ({"facilitator": ""}, "Scrivi chi ha condotto l'incontro."),
    ({"held_on": (date.today() + timedelta(days=2)).isoformat()}, "non può essere nel futuro"),
    ({"held_on": "12/10/2023"}, "Data dell'incontro"),
    ({"participants": "0"}, "Numero di partecipanti"),
    ({"participant_roles": []}, "almeno un ruolo"),
    ({"participant_roles": ["carers", "names"]}, "Ruoli dei partecipanti"),
    ({"consent": "yes", "consent_method": ""}, "come è stato raccolto il consenso"),
    ({"consent": "no", "consent_method": "written"}, "solo se il consenso è stato raccolto"),
    ({"timing": "domani"}, "Momento della valutazione"),
])
def test_bad_session_details_change_nothing(app, as_role, coded, changes, message):
    evaluator = as_role("evaluator")
    before = _snapshot(app, coded["session_id"])
    response = post(evaluator, f"{coded['session_url']}/dati", details_form(**changes), coded["session_url"])
    assert response.status_code == 400
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert soup.title.text.startswith("Da correggere")
    alert = soup.find(id="modifica-errori")
    assert alert is not None and message in alert.get_text(" "), alert
    assert _snapshot(app, coded["session_id"]) == before
    assert _events(app, "qualitative.session_update") == []


def test_the_edit_form_is_not_filled_by_another_form(app, as_role, coded):
    """A coding form sent back with errors shows the session's own details in the edit form."""
    response = post(as_role("evaluator"), f"{coded['session_url']}/passaggi",
                    {"excerpt": "parole che non ci sono", "themes": [str(coded["theme_id"])], "title": "x"},
                    coded["session_url"])
    assert response.status_code == 400
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert soup.find("input", id="title")["value"] == "Intervista al coordinatore"
    assert soup.find(id="modifica-errori") is None


def test_update_session_operation_checks_again(app, coded):
    with app.app_context():
        session = get_session()
        row = session.get(QualitativeSession, coded["session_id"])
        details = operations.SessionDetails(
            title="Intervista", held_on=date(2023, 10, 12), timing="ex-post", facilitator="Coordinatrice",
            participants=1, participant_roles=("operators",), consent=True, consent_method=None)
        with pytest.raises(operations.QualitativeError, match="come è stato raccolto"):
            operations.update_session(session, row, details, actor="test")
        with pytest.raises(operations.QualitativeError, match="da 1 a"):
            operations.update_session(session, row, dataclasses.replace(
                details, consent_method="written", participants=5000), actor="test")
        session.rollback()
        assert session.get(QualitativeSession, coded["session_id"]).title == "Intervista al coordinatore"


# --- themes -----------------------------------------------------------------------------------


def _codebook(app, plan_id: int, objective_id: str) -> dict[str, int]:
    """Accesso (coded by the session), under it Orari and under that Sportello; Attese unused."""
    with app.app_context():
        session = get_session()
        plan = session.get(Plan, plan_id)
        access = session.scalar(select(Theme).where(Theme.plan_id == plan_id, Theme.name == "Accesso"))
        hours = operations.add_theme(session, plan, objective_id, name="Orari", parent_id=access.id, actor="test")
        desk = operations.add_theme(session, plan, objective_id, name="Sportello", parent_id=hours.id,
                                    actor="test")
        waiting = operations.add_theme(session, plan, objective_id, name="Attese", description="Tempi",
                                       actor="test")
        session.commit()
        return {"Accesso": access.id, "Orari": hours.id, "Sportello": desk.id, "Attese": waiting.id}


def test_a_theme_is_renamed_described_and_moved(app, as_role, coded):
    ids = _codebook(app, coded["plan_id"], coded["objective_id"])
    evaluator = as_role("evaluator")
    page = evaluator.get(coded["objective_url"]).get_data(as_text=True)
    soup = BeautifulSoup(page, "html.parser")
    editor = soup.find("details", id=f"tema-{ids['Orari']}-modifica")
    assert editor is not None and not editor.has_attr("open")
    assert editor.find("input", attrs={"name": "name"})["value"] == "Orari"
    # the theme itself and its sub-themes are not offered as its parent
    offered = [o.get_text().strip() for o in editor.find("select", attrs={"name": "parent"}).find_all("option")]
    assert "Orari" not in offered and "Sportello" not in offered and "Accesso" in offered
    # a used theme shows why it cannot be deleted; an unused one has the button
    assert "Elimina il tema «Orari»" not in editor.get_text() and "sotto-temi: 1" in editor.get_text()
    assert "Elimina il tema «Attese»" in soup.find("details", id=f"tema-{ids['Attese']}-modifica").get_text()

    url = f"/qualitativa/temi/{ids['Attese']}"
    response = post(evaluator, url, {"name": "Tempi di attesa", "description": "Dalla domanda alla visita",
                                     "parent": str(ids["Accesso"])}, coded["objective_url"])
    assert response.status_code == 303 and response.headers["Location"].endswith("#codebook")
    themes = _themes(app, coded["plan_id"], coded["objective_id"])
    assert themes["Tempi di attesa"] == (ids["Attese"], "Dalla domanda alla visita", ids["Accesso"])
    assert "Attese" not in themes
    [event] = _events(app, "qualitative.theme_update")
    assert event.detail["changed"] == ["name", "description", "parent_id"]
    assert (event.detail["name"], event.detail["previous_name"], event.detail["parent"]) == (
        "Tempi di attesa", "Attese", ids["Accesso"])
    assert event.ambito_id is not None

    # only the case of its own name, and back to the top: allowed
    assert post(evaluator, url, {"name": "tempi di attesa", "description": "Dalla domanda alla visita",
                                 "parent": ""}, coded["objective_url"]).status_code == 303
    assert _themes(app, coded["plan_id"], coded["objective_id"])["tempi di attesa"][2] is None
    # the coded passage keeps its renamed theme
    assert post(evaluator, f"/qualitativa/temi/{ids['Accesso']}", {"name": "Accesso ai servizi"},
                coded["objective_url"]).status_code == 303
    with app.app_context():
        assert [t.name for t in get_session().get(Passage, coded["passage_id"]).themes] == ["Accesso ai servizi"]


@pytest.mark.parametrize(("changes", "message"), [
    ({"name": ""}, "Scrivi il nome del tema."),
    ({"name": "x" * 121}, ""),  # WTForms' own message
    ({"name": "ACCESSO"}, "Nel codebook c'è già un tema «ACCESSO»."),
    ({"description": "x" * 2001}, ""),
    ({"parent": "Orari"}, "non può stare sotto sé stesso né sotto un suo sotto-tema"),
    ({"parent": "Sportello"}, "non può stare sotto sé stesso né sotto un suo sotto-tema"),
    ({"parent": "999999"}, ""),
])
def test_bad_theme_edits_change_nothing(app, as_role, coded, changes, message):
    ids = _codebook(app, coded["plan_id"], coded["objective_id"])
    before = _themes(app, coded["plan_id"], coded["objective_id"])
    data = {"name": "Orari", "description": "", "parent": str(ids["Accesso"]), **changes}
    if data["parent"] in ids:
        data["parent"] = str(ids[data["parent"]])
    response = post(as_role("evaluator"), f"/qualitativa/temi/{ids['Orari']}", data, coded["objective_url"])
    assert response.status_code == 400
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert soup.title.text.startswith("Da correggere")
    editor = soup.find("details", id=f"tema-{ids['Orari']}-modifica")
    # the error in the list at the top of the form, which links to the field, and next to the field
    [field] = changes
    [link] = editor.find(attrs={"role": "alert"}).find_all("a")
    assert link["href"] == f"#tema-{ids['Orari']}-{field}" and message in link.get_text()
    assert message in editor.find(id=f"tema-{ids['Orari']}-{field}-error").get_text()
    # what was sent is shown again; the form to add a theme is not filled with it
    assert editor.find("input", attrs={"name": "name"})["value"] == data["name"]
    assert soup.find("input", id="name").get("value", "") == ""
    assert _themes(app, coded["plan_id"], coded["objective_id"]) == before
    assert _events(app, "qualitative.theme_update") == []


def test_a_theme_cannot_be_its_own_ancestor(app, coded):
    ids = _codebook(app, coded["plan_id"], coded["objective_id"])
    with app.app_context():
        session = get_session()
        plan = session.get(Plan, coded["plan_id"])
        access = session.get(Theme, ids["Accesso"])
        for parent in ("Accesso", "Orari", "Sportello"):
            with pytest.raises(operations.QualitativeError, match="sotto sé stesso"):
                operations.update_theme(session, plan, access, name="Accesso", parent_id=ids[parent], actor="test")
        # a sibling may become the parent; a grandchild may move to the top
        assert operations.update_theme(session, plan, access, name="Accesso", parent_id=ids["Attese"],
                                       actor="test") == ["parent_id"]
        desk = session.get(Theme, ids["Sportello"])
        assert operations.update_theme(session, plan, desk, name="Sportello", actor="test") == ["parent_id"]
        # and Attese cannot now go under Accesso, its child
        with pytest.raises(operations.QualitativeError, match="sotto sé stesso"):
            operations.update_theme(session, plan, session.get(Theme, ids["Attese"]), name="Attese",
                                    description="Tempi", parent_id=ids["Accesso"], actor="test")
        session.rollback()


def test_only_an_unused_theme_is_deleted(app, as_role, coded):
    ids = _codebook(app, coded["plan_id"], coded["objective_id"])
    evaluator = as_role("evaluator")
    # coded in one passage, and with a sub-theme
    refused = post(evaluator, f"/qualitativa/temi/{ids['Accesso']}/elimina", {}, coded["objective_url"],
                   follow_redirects=True)
    page = _text(refused)
    assert "Il tema «Accesso» è usato da 1 passaggio codificato: toglilo prima dal passaggio." in page
    assert "Il tema «Accesso» ha 1 sotto-tema" in page
    # coded in two passages
    with app.app_context():
        session = get_session()
        row = session.get(QualitativeSession, coded["session_id"])
        operations.code_session_passage(session, row, theme_ids=[ids["Attese"]], first_paragraph=3, actor="test")
        operations.code_session_passage(session, row, theme_ids=[ids["Attese"]], first_paragraph=6, actor="test")
        session.commit()
    refused = post(evaluator, f"/qualitativa/temi/{ids['Attese']}/elimina", {}, coded["objective_url"],
                   follow_redirects=True)
    assert "è usato da 2 passaggi codificati: toglilo prima da ciascun passaggio." in _text(refused)
    assert len(_themes(app, coded["plan_id"], coded["objective_id"])) == 4
    assert _events(app, "qualitative.theme_delete") == []

    # Sportello: no passage, no sub-theme
    response = post(evaluator, f"/qualitativa/temi/{ids['Sportello']}/elimina", {}, coded["objective_url"])
    assert response.status_code == 303 and response.headers["Location"].endswith("#codebook")
    assert "Sportello" not in _themes(app, coded["plan_id"], coded["objective_id"])
    [event] = _events(app, "qualitative.theme_delete")
    assert (event.target_id, event.detail["name"], event.detail["parent"]) == (
        str(ids["Sportello"]), "Sportello", ids["Orari"])
    assert "eliminato dal codebook" in _text(evaluator.get(coded["objective_url"]))
    # Orari has no sub-theme left now
    assert post(evaluator, f"/qualitativa/temi/{ids['Orari']}/elimina", {},
                coded["objective_url"]).status_code == 303
    assert set(_themes(app, coded["plan_id"], coded["objective_id"])) == {"Accesso", "Attese"}
    # without the CSRF token: refused
    assert evaluator.post(f"/qualitativa/temi/{ids['Attese']}/elimina").status_code == 400


# --- who may -----------------------------------------------------------------------------------


def test_operators_read_but_get_403_on_every_edit(app, as_role, coded):
    ids = _codebook(app, coded["plan_id"], coded["objective_id"])
    operator = as_role("operator")
    session_page = operator.get(coded["session_url"]).get_data(as_text=True)
    assert "Modifica i dati dell" not in session_page and f"/incontri/{coded['session_id']}/dati" not in session_page
    objective_page = operator.get(coded["objective_url"]).get_data(as_text=True)
    assert "Modifica o elimina" not in objective_page and "/qualitativa/temi/" not in objective_page
    before = (_snapshot(app, coded["session_id"]), _themes(app, coded["plan_id"], coded["objective_id"]))
    for url, data in ((f"{coded['session_url']}/dati", details_form(title="Altro")),
                      (f"/qualitativa/temi/{ids['Attese']}", {"name": "Altro"}),
                      (f"/qualitativa/temi/{ids['Attese']}/elimina", {})):
        assert post(operator, url, data, "/qualitativa/").status_code == 403, url
    assert (_snapshot(app, coded["session_id"]), _themes(app, coded["plan_id"], coded["objective_id"])) == before
    with app.app_context():
        assert get_session().scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action.in_(
            ["qualitative.session_update", "qualitative.theme_update", "qualitative.theme_delete"]))) == 0


@pytest.fixture
def foreign(app, make_round):
    """A coded session and an unused theme in Basso Sebino's plan."""
    with app.app_context():
        session = get_session()
        session.add(Ambito(code="basso-sebino", name="Basso Sebino", comuni=[Comune(code="sarnico", name="Sarnico")]))
        session.flush()
        give_shipped_plan(session, session.scalar(select(Ambito).where(Ambito.code == "basso-sebino")))
        session.commit()
    round_ = make_round("persona-al-centro", kind="ex-post", ambito_code="basso-sebino", opens_at=IN_SHIPPED_PLAN)
    plan_id, objective_id = plan_and_objective(app, round_.id)
    values = coded_session(app, plan_id, objective_id)
    with app.app_context():
        session = get_session()
        unused = operations.add_theme(session, session.get(Plan, plan_id), objective_id, name="Orari", actor="test")
        session.commit()
        values["unused_theme_id"] = unused.id
    return {**values, "plan_id": plan_id, "objective_id": objective_id}


def test_other_ambiti_staff_get_404(app, as_role, foreign):
    before = (_snapshot(app, foreign["session_id"]), _themes(app, foreign["plan_id"], foreign["objective_id"]))
    for role in ("evaluator", "admin"):
        client = as_role(role)
        for url, data in ((f"/qualitativa/incontri/{foreign['session_id']}/dati", details_form(title="Altro")),
                          (f"/qualitativa/temi/{foreign['theme_id']}", {"name": "Altro"}),
                          (f"/qualitativa/temi/{foreign['unused_theme_id']}", {"name": "Altro"}),
                          (f"/qualitativa/temi/{foreign['unused_theme_id']}/elimina", {})):
            assert post(client, url, data, "/qualitativa/").status_code == 404, (role, url)
        assert post(client, "/qualitativa/temi/999999", {"name": "Altro"}, "/qualitativa/").status_code == 404
    assert (_snapshot(app, foreign["session_id"]), _themes(app, foreign["plan_id"], foreign["objective_id"])) == before
    with app.app_context():
        assert get_session().scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action.in_(
            ["qualitative.session_update", "qualitative.theme_update", "qualitative.theme_delete"]))) == 0
