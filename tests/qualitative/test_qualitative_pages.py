"""The issue's path: an evaluator records a focus group from a DOCX transcript, codes three
passages with two themes and two reviewed free comments, publishes one redacted quote, and
:func:`objective_themes` gives the themes with their counts and only that quote. Operators
read; other Ambiti's staff get 404 on every page and file."""

from __future__ import annotations

import html
import re

import pytest
from bs4 import BeautifulSoup
from conftest import IN_SHIPPED_PLAN, give_shipped_plan
from sqlalchemy import select

from survey_app.db import get_session
from survey_app.models import Ambito, AuditEvent, Comune, Plan, Response, Round
from survey_app.models.qualitative import Passage, QualitativeSession, Theme
from survey_app.qualitative.queries import objective_themes
from survey_app.reports.comments import review_comment
from tests.reports.helpers import add_responses

from .helpers import (
    TRANSCRIPT,
    coded_session,
    docx_bytes,
    pdf_bytes,
    plan_and_objective,
    post,
    session_form,
)

COMMENTS = ["Lo sportello di Lovere è sempre chiuso il pomeriggio, non riesco mai ad andarci.",
            "Mia madre ha aspettato tre mesi la visita: la signora Rossi dell'ufficio lo sa bene."]
REDACTED = "Mia madre ha aspettato tre mesi la visita."


def _reviewed_comments(app, round_id: int) -> list[int]:
    add_responses(app, round_id, 6, comments=COMMENTS)
    with app.app_context():
        session = get_session()
        round_ = session.get(Round, round_id)
        ids = [session.scalar(select(Response.id).where(Response.round_id == round_id, Response.comment == text))
               for text in COMMENTS]
        review_comment(session, round_, ids[0], "approved", redacted_text=None, actor="test")
        review_comment(session, round_, ids[1], "redacted", redacted_text=REDACTED, actor="test")
        session.commit()
    return ids


def _theme_ids(app, plan_id, objective_id) -> dict[str, int]:
    with app.app_context():
        return {t.name: t.id for t in get_session().scalars(
            select(Theme).where(Theme.plan_id == plan_id, Theme.objective_id == objective_id))}


def test_focus_group_coded_and_quoted(app, as_role, make_round):
    round_ = make_round("persona-al-centro", kind="ex-post")
    plan_id, objective_id = plan_and_objective(app, round_.id)
    response_ids = _reviewed_comments(app, round_.id)
    evaluator = as_role("evaluator")
    objective_url = f"/qualitativa/piani/{plan_id}/obiettivi/{objective_id}"

    # the codebook: two themes, the second under the first
    assert post(evaluator, f"{objective_url}/temi", {"name": "Accesso ai servizi", "description": "Sapere a chi "
                                                     "rivolgersi, orari"}, objective_url).status_code == 303
    themes = _theme_ids(app, plan_id, objective_id)
    assert post(evaluator, f"{objective_url}/temi", {"name": "Tempi di attesa", "parent": str(
        themes["Accesso ai servizi"])}, objective_url).status_code == 303
    themes = _theme_ids(app, plan_id, objective_id)
    access, waiting = themes["Accesso ai servizi"], themes["Tempi di attesa"]
    duplicate = post(evaluator, f"{objective_url}/temi", {"name": "tempi di attesa"}, objective_url)
    assert duplicate.status_code == 400 and "c'è già un tema" in html.unescape(duplicate.get_data(as_text=True))

    # the focus group, from a DOCX transcript
    new_url = f"{objective_url}/incontri/nuovo"
    response = post(evaluator, new_url, {**session_form(material="transcript", notes=None),
                                         "transcript": (_file(docx_bytes(TRANSCRIPT)), "focus-group.docx")},
                    content_type="multipart/form-data")
    assert response.status_code == 303, response.get_data(as_text=True)
    session_url = response.headers["Location"]
    with app.app_context():
        row = get_session().scalar(select(QualitativeSession))
        assert (row.kind, row.material, row.source_format, row.source_filename) == (
            "focus_group", "transcript", "docx", "focus-group.docx")
        assert row.text.split("\n\n") == TRANSCRIPT
        assert row.participant_roles == ["carers", "operators"] and row.consent_method == "written"
        session_id = row.id
    page = evaluator.get(session_url).get_data(as_text=True)
    assert "i tempi di attesa per la prima visita" in page and 'id="coding-form"' in page

    # three passages: an excerpt copied with other line breaks, paragraphs, an excerpt within paragraphs
    code_url = f"/qualitativa/incontri/{session_id}/passaggi"
    first = "all'inizio non sapevo a chi rivolgermi,\npoi l'assistente sociale   Maria mi ha richiamata"
    assert post(evaluator, code_url, {"excerpt": first, "themes": [str(access)]}, session_url).status_code == 303
    assert post(evaluator, code_url, {"first_paragraph": "3", "last_paragraph": "3", "themes": [str(waiting)]},
                session_url).status_code == 303
    ambiguous = post(evaluator, code_url, {"excerpt": "d'accordo.", "themes": [str(access)]}, session_url)
    assert ambiguous.status_code == 400 and "compare 2 volte" in ambiguous.get_data(as_text=True)
    missing = post(evaluator, code_url, {"excerpt": "parole che non ci sono", "themes": [str(access)]}, session_url)
    assert missing.status_code == 400 and "non si trova nel testo" in missing.get_data(as_text=True)
    assert post(evaluator, code_url, {"excerpt": "gli orari dello sportello non vanno bene", "first_paragraph": "6",
                                      "themes": [str(access), str(waiting)]}, session_url).status_code == 303
    with app.app_context():
        passages = get_session().scalars(select(Passage).where(Passage.session_id == session_id)
                                         .order_by(Passage.start_offset)).all()
        text = get_session().get(QualitativeSession, session_id).text
        assert [p.text for p in passages] == [
            "all'inizio non sapevo a chi rivolgermi, poi l'assistente sociale Maria mi ha richiamata",
            TRANSCRIPT[2], "gli orari dello sportello non vanno bene"]
        assert all(text[p.start_offset:p.end_offset] == p.text for p in passages)
        assert [[t.name for t in p.themes] for p in passages] == [
            ["Accesso ai servizi"], ["Tempi di attesa"], ["Accesso ai servizi", "Tempi di attesa"]]
        first_passage = passages[0].id

    # two reviewed free comments; the redacted one is coded on its redacted text
    comments_url = f"{objective_url}/commenti"
    comments_page = evaluator.get(comments_url).get_data(as_text=True)
    assert REDACTED in comments_page and "la signora Rossi" not in comments_page
    assert post(evaluator, comments_url, {"response_id": str(response_ids[0]), "themes": [str(access)]}
                ).status_code == 303
    assert post(evaluator, comments_url, {"response_id": str(response_ids[1]), "excerpt": "aspettato tre mesi",
                                          "themes": [str(waiting)]}).status_code == 303
    with app.app_context():
        coded = get_session().scalars(select(Passage).where(Passage.response_id.is_not(None))
                                      .order_by(Passage.response_id)).all()
        assert [p.text for p in coded] == [COMMENTS[0], "aspettato tre mesi"]

    # publish the first passage with a redacted text: the original is kept
    quote = "All'inizio non sapevo a chi rivolgermi, poi l'assistente sociale [nome] mi ha richiamata il giorno stesso."
    assert post(evaluator, f"/qualitativa/passaggi/{first_passage}/pubblica", {"published_text": quote},
                session_url).status_code == 303
    with app.app_context():
        session = get_session()
        passage = session.get(Passage, first_passage)
        assert passage.published_text == quote and "Maria" in passage.text
        events = {e.action: e for e in session.scalars(select(AuditEvent).where(
            AuditEvent.action.startswith("qualitative.")))}
        assert events["qualitative.publish"].detail["published_text"] == quote
        assert events["qualitative.publish"].detail["edited"] is True
        assert {"qualitative.session", "qualitative.theme", "qualitative.code"} <= set(events)
        assert all("Maria" not in str(e.detail) for e in events.values() if e.action != "qualitative.publish")

        summaries = {t.name: t for t in objective_themes(session, plan_id, objective_id)}
    assert set(summaries) == {"Accesso ai servizi", "Tempi di attesa"}
    assert (summaries["Accesso ai servizi"].n_sessions, summaries["Accesso ai servizi"].n_comments) == (1, 1)
    assert (summaries["Tempi di attesa"].n_sessions, summaries["Tempi di attesa"].n_comments) == (1, 1)
    assert summaries["Tempi di attesa"].parent == "Accesso ai servizi"
    assert summaries["Accesso ai servizi"].description == "Sapere a chi rivolgersi, orari"
    quotes = [q for t in summaries.values() for q in t.quotes]
    assert len(quotes) == 1
    assert (quotes[0].text, quotes[0].source_kind, quotes[0].timing) == (quote, "focus_group", "in-itinere")
    assert quotes[0].source_date.isoformat() == "2023-10-12"

    # the themes page: counts and the passages behind each, for staff
    themes_page = evaluator.get(f"{objective_url}/temi").get_data(as_text=True)
    assert "aspettato tre mesi" in themes_page and "citazione pubblicata" in themes_page
    # an operator reads, but has no coding or publishing form
    operator = as_role("operator")
    page = operator.get(session_url).get_data(as_text=True)
    assert "i tempi di attesa" in page and 'id="coding-form"' not in page and "/pubblica" not in page
    assert post(operator, code_url, {"excerpt": "d'accordo", "themes": [str(access)]}, session_url).status_code == 403
    assert "Valutazione qualitativa" in operator.get("/qualitativa/").get_data(as_text=True)


def test_withdrawn_quote_and_rejected_comment_leave_the_report(app, as_role, make_round):
    round_ = make_round("persona-al-centro", kind="ex-post")
    plan_id, objective_id = plan_and_objective(app, round_.id)
    response_ids = _reviewed_comments(app, round_.id)
    coded = coded_session(app, plan_id, objective_id)
    evaluator = as_role("evaluator")
    objective_url = f"/qualitativa/piani/{plan_id}/obiettivi/{objective_id}"
    assert post(evaluator, f"{objective_url}/commenti", {"response_id": str(response_ids[0]),
                                                         "themes": [str(coded["theme_id"])]}).status_code == 303
    with app.app_context():
        session = get_session()
        comment_passage = session.scalar(select(Passage.id).where(Passage.response_id == response_ids[0]))
    publish = f"/qualitativa/passaggi/{comment_passage}/pubblica"
    assert post(evaluator, publish, {"published_text": "Lo sportello è chiuso il pomeriggio."},
                f"{objective_url}/commenti").status_code == 303
    with app.app_context():
        session = get_session()
        [theme] = objective_themes(session, plan_id, objective_id)
        assert (theme.n_sessions, theme.n_comments) == (1, 1)
        assert [(q.text, q.source_kind, q.source_date) for q in theme.quotes] == [
            ("Lo sportello è chiuso il pomeriggio.", "comment", None)]
        # the comment's review becomes "rejected": it counts no more and is never quoted
        review_comment(session, session.get(Round, round_.id), response_ids[0], "rejected", redacted_text=None,
                       actor="test")
        session.commit()
        [theme] = objective_themes(session, plan_id, objective_id)
        assert (theme.n_sessions, theme.n_comments, theme.quotes) == (1, 0, ())
    # a session without consent: its passages cannot be published
    without = coded_session(app, plan_id, objective_id, consent=False, title="Intervista senza consenso")
    refused = post(evaluator, f"/qualitativa/passaggi/{without['passage_id']}/pubblica",
                   {"published_text": "qualcosa"}, f"/qualitativa/incontri/{without['session_id']}",
                   follow_redirects=True)
    assert "Senza il consenso" in refused.get_data(as_text=True)
    # withdrawing a quote (empty text) takes it out of the report again
    assert post(evaluator, f"/qualitativa/passaggi/{coded['passage_id']}/pubblica", {"published_text": "Citata."},
                f"/qualitativa/incontri/{coded['session_id']}").status_code == 303
    with app.app_context():
        assert [q.text for t in objective_themes(get_session(), plan_id, objective_id) for q in t.quotes] == ["Citata."]
    assert post(evaluator, f"/qualitativa/passaggi/{coded['passage_id']}/pubblica", {"published_text": ""},
                f"/qualitativa/incontri/{coded['session_id']}").status_code == 303
    with app.app_context():
        assert [q for t in objective_themes(get_session(), plan_id, objective_id) for q in t.quotes] == []


def test_pdf_transcript_and_typed_notes(app, as_role, make_round):
    round_ = make_round("persona-al-centro")
    plan_id, objective_id = plan_and_objective(app, round_.id)
    evaluator = as_role("evaluator")
    new_url = f"/qualitativa/piani/{plan_id}/obiettivi/{objective_id}/incontri/nuovo"
    response = post(evaluator, new_url, {**session_form(kind="interview", material="transcript", notes=None),
                                         "transcript": (_file(pdf_bytes(TRANSCRIPT)), "intervista.pdf")},
                    content_type="multipart/form-data")
    assert response.status_code == 303, response.get_data(as_text=True)
    response = post(evaluator, new_url, session_form(kind="workshop", consent="no", consent_method=""))
    assert response.status_code == 303, response.get_data(as_text=True)
    with app.app_context():
        pdf, notes = get_session().scalars(select(QualitativeSession).order_by(QualitativeSession.id)).all()
    assert pdf.source_format == "pdf" and "tempi di attesa per la prima visita" in " ".join(pdf.text.split())
    assert notes.material == "notes" and notes.text == "\n".join(TRANSCRIPT) and not notes.consent
    assert evaluator.get(f"/qualitativa/incontri/{notes.id}/testo.txt").get_data(as_text=True) == notes.text


def test_session_form_errors_are_listed(app, as_role, make_round):
    round_ = make_round("persona-al-centro")
    plan_id, objective_id = plan_and_objective(app, round_.id)
    evaluator = as_role("evaluator")
    new_url = f"/qualitativa/piani/{plan_id}/obiettivi/{objective_id}/incontri/nuovo"
    response = post(evaluator, new_url, session_form(participant_roles=[], consent="yes", consent_method="",
                                                     notes="", participants="0"))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    soup = BeautifulSoup(html, "html.parser")
    assert soup.title.text.startswith("Da correggere")
    alert = soup.find(attrs={"role": "alert"}).get_text(" ")
    for message in ("almeno un ruolo", "come è stato raccolto il consenso", "Scrivi gli appunti"):
        assert message in alert, message
    with app.app_context():
        assert get_session().scalar(select(QualitativeSession)) is None


def _file(data: bytes):
    import io

    return io.BytesIO(data)


# --- another Ambito ------------------------------------------------------------------------------


@pytest.fixture
def foreign(app, make_round):
    """A coded session and a coded comment in Basso Sebino's plan."""
    from survey_app.qualitative import operations

    with app.app_context():
        session = get_session()
        session.add(Ambito(code="basso-sebino", name="Basso Sebino", comuni=[Comune(code="sarnico", name="Sarnico")]))
        session.flush()
        plan = give_shipped_plan(session, session.scalar(select(Ambito).where(Ambito.code == "basso-sebino")))
        session.commit()
        plan_id = plan.id
    round_ = make_round("persona-al-centro", kind="ex-post", ambito_code="basso-sebino", opens_at=IN_SHIPPED_PLAN)
    _plan_id, objective_id = plan_and_objective(app, round_.id)
    assert _plan_id == plan_id
    response_ids = _reviewed_comments(app, round_.id)
    values = coded_session(app, plan_id, objective_id)
    with app.app_context():
        session = get_session()
        passage = operations.code_comment(session, session.get(Plan, plan_id), objective_id, response_ids[0],
                                          theme_ids=[values["theme_id"]], actor="test")
        session.commit()
        values["comment_passage_id"] = passage.id
    return {**values, "plan_id": plan_id, "objective_id": objective_id}


def test_other_ambiti_get_404_on_every_page_and_file(app, as_role, foreign):
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("qualitative.") and r.arguments]
    assert len(rules) >= 12
    with app.app_context():
        before = {e.id for e in get_session().scalars(select(AuditEvent))}
    for role in ("operator", "evaluator", "admin"):
        client = as_role(role)
        token = _token(client)
        for rule in rules:
            permission = app.view_functions[rule.endpoint].required_permission
            from survey_app.accounts.permissions import PERMISSIONS

            if role not in PERMISSIONS[permission]:
                continue
            for values in ({**foreign, "passage_id": foreign["passage_id"]},
                           {**foreign, "passage_id": foreign["comment_passage_id"]}):
                url = _url(app, rule, values)
                for method in sorted(rule.methods & {"GET", "POST"}):
                    response = (client.get(url) if method == "GET" else
                                client.post(url, data={"csrf_token": token, "published_text": "x", "theme_id": "1",
                                                       "confirm": "yes", "name": "Nuovo", "response_id": "1",
                                                       "excerpt": "x", "themes": "1"}))
                    assert response.status_code == 404, f"{method} {url} as {role}: {response.status_code}"
        # the index shows the own plan only
        assert "Basso" not in client.get("/qualitativa/").get_data(as_text=True)
    with app.app_context():
        session = get_session()
        assert session.get(QualitativeSession, foreign["session_id"]) is not None
        assert session.get(Passage, foreign["passage_id"]).published_text is None
        assert not [e for e in session.scalars(select(AuditEvent)) if e.id not in before
                    and e.action.startswith("qualitative.")]
    # anonymous visitors (respondents) are sent to the login
    anonymous = app.test_client().get(f"/qualitativa/incontri/{foreign['session_id']}")
    assert anonymous.status_code == 302 and "/accesso" in anonymous.headers["Location"]


def test_an_admin_of_every_ambito_sees_both(app, foreign, staff):
    from conftest import PASSWORD, log_in

    from survey_app.accounts.operations import create_user

    with app.app_context():
        session = get_session()
        create_user(session, "regia@distretto.example", "admin", PASSWORD, all_ambiti=True, actor="test")
        session.commit()
    client = app.test_client()
    assert log_in(client, "regia@distretto.example").status_code == 303
    assert client.get(f"/qualitativa/incontri/{foreign['session_id']}").status_code == 200
    assert "Intervista al coordinatore" in client.get(
        f"/qualitativa/piani/{foreign['plan_id']}/obiettivi/{foreign['objective_id']}?ambito=basso-sebino"
    ).get_data(as_text=True)


def _token(client) -> str:
    from conftest import csrf_token_of

    return csrf_token_of(client, "/qualitativa/")


def _url(app, rule, values) -> str:
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **{arg: values[arg] for arg in rule.arguments})


def test_nav_links_to_the_qualitative_index(as_role):
    for role in ("operator", "evaluator", "admin"):
        html = as_role(role).get("/qualitativa/").get_data(as_text=True)
        assert re.search(r'<a href="/qualitativa/">Valutazione qualitativa</a>', html), role

