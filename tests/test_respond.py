"""Answering on a phone: the public pages, validation, idempotency, expiry, closed rounds."""

from __future__ import annotations

import json
import re
import sqlite3
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from conftest import parse_form
from sqlalchemy import func, select

from survey_app.db import get_session
from survey_app.models import Answer, Response, Round, utcnow
from survey_app.questionnaires.definition import DEFAULT_DIRECTORY, Questionnaire

EXAMPLE = Questionnaire(json.loads((DEFAULT_DIRECTORY / "persona-al-centro.json").read_text(encoding="utf-8")))


def count_responses(app, round_id=None) -> int:
    with app.app_context():
        query = select(func.count()).select_from(Response)
        if round_id is not None:
            query = query.where(Response.round_id == round_id)
        return get_session().scalar(query)


def test_landing_shows_who_privacy_and_time(client, make_round):
    round_ = make_round()
    html = client.get(f"/r/{round_.token}").get_data(as_text=True)
    soup = BeautifulSoup(html, "html.parser")
    assert soup.html["lang"] == "it"
    assert "Ambito Alto Sebino – Ufficio di Piano" in soup.find("header").text
    assert "Informativa sulla privacy" in html and "Il questionario è anonimo" in html
    assert "circa 4 minuti" in html
    assert soup.find("a", href=f"/r/{round_.token}/questionario")


def test_unknown_token_is_a_plain_404(client):
    response = client.get("/r/AAAAAAAAAAAAAAAAAAAAAA")
    assert response.status_code == 404
    assert "Pagina non trovata" in response.get_data(as_text=True)


def test_form_is_accessible_fieldsets_with_labelled_radios(respondent, make_round):
    form = respondent.load_form(make_round().token)
    soup = BeautifulSoup(form.html, "html.parser")
    item_sets = [f for f in soup.find_all("fieldset") if f.get("id", "").startswith("q_")]
    assert len(item_sets) == len(form.item_fields) == len(EXAMPLE.items)
    for fieldset in item_sets:
        legend = fieldset.find("legend")
        assert legend and legend.text.strip()
        radios = fieldset.find_all("input", type="radio")
        assert len(radios) == 6  # 5 points + "non so"
        for radio in radios:
            label = soup.find("label", attrs={"for": radio["id"]})
            assert label is not None and label.text.strip()
    assert all(script.get("src") for script in soup.find_all("script")), "no inline script"
    assert soup.find("form")["action"].endswith("/questionario"), "a plain form: it works without JavaScript"
    assert soup.find("meta", attrs={"name": "viewport"})


def test_valid_submission_is_stored_then_thanked(app, client, respondent, make_round):
    round_ = make_round()
    form = respondent.load_form(round_.token)
    data = form.answers("4", q_staff_listen="5", q_life_better="na", role="carer", comment="Bene così")
    comune_id = BeautifulSoup(form.html, "html.parser").find("select").find_all("option")[3]["value"]
    data["comune"] = comune_id
    data["service"] = "sad"
    response = respondent.submit(round_.token, data)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/r/{round_.token}/grazie")
    assert "Abbiamo ricevuto e salvato" in client.get(response.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        stored = get_session().scalar(select(Response))
        assert stored.submission_id == form.submission_id
        assert stored.submitted_hour.minute == stored.submitted_hour.second == 0
        assert (stored.comune_id, stored.service, stored.respondent_role) == (int(comune_id), "sad", "carer")
        assert stored.channel == "self" and stored.comment == "Bene così"
        values = {a.item_id: a.value for a in stored.answers}
        assert values["staff_listen"] == 5 and values["access_easy"] == 4
        assert values["life_better"] is None  # "non so" is missing data, never a midpoint
        assert len(values) == len(EXAMPLE.items)


def test_missing_answers_show_errors_and_keep_the_others(app, respondent, make_round):
    round_ = make_round()
    form = respondent.load_form(round_.token)
    data = form.answers("2")
    del data["q_staff_respect"]
    response = respondent.submit(round_.token, data)
    assert response.status_code == 400
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    fieldset = soup.find("fieldset", id="q_staff_respect")
    error = fieldset.find(class_="field-error")
    assert error.text.strip().endswith("Scegli una risposta.")
    assert fieldset["aria-describedby"] == error["id"]
    assert soup.find(id="notice").find("a", href="#q_staff_respect")
    # every other answer is still selected
    for name in form.item_fields:
        if name != "q_staff_respect":
            assert soup.find("input", attrs={"name": name, "value": "2"}).has_attr("checked"), name
    assert count_responses(app) == 0


@pytest.mark.parametrize("bad_value", ["0", "6", "-1", "abc", "4.5", ""])
def test_out_of_range_values_are_rejected(app, respondent, make_round, bad_value):
    round_ = make_round()
    form = respondent.load_form(round_.token)
    response = respondent.submit(round_.token, form.answers("3", q_access_easy=bad_value))
    assert response.status_code == 400
    assert count_responses(app) == 0


def test_same_submission_twice_is_stored_once(app, respondent, make_round):
    round_ = make_round()
    data = respondent.load_form(round_.token).answers("5")
    first = respondent.submit(round_.token, data)
    again = respondent.submit(round_.token, data)
    assert first.status_code == again.status_code == 303
    assert first.headers["Location"] == again.headers["Location"]
    assert count_responses(app) == 1


def test_same_id_with_other_answers_is_a_conflict(app, respondent, make_round):
    round_ = make_round()
    form = respondent.load_form(round_.token)
    respondent.submit(round_.token, form.answers("5"))
    response = respondent.submit(round_.token, form.answers("1"))
    assert response.status_code == 409
    assert "già state inviate" in response.get_data(as_text=True)
    assert count_responses(app) == 1
    with app.app_context():
        assert {a.value for a in get_session().scalars(select(Answer))} == {5}


def test_twenty_threads_posting_one_submission_store_one_row(app, make_round):
    round_ = make_round()
    client = app.test_client()
    form = parse_form(client.get(f"/r/{round_.token}/questionario").get_data(as_text=True))
    data = form.answers("3")
    cookie = client.get_cookie("session")
    statuses, barrier = [], threading.Barrier(20)

    def post():
        thread_client = app.test_client()
        thread_client.set_cookie(cookie.key, cookie.value)
        barrier.wait()
        statuses.append(thread_client.post(f"/r/{round_.token}/questionario", data=data).status_code)

    threads = [threading.Thread(target=post) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [303] * 20
    assert count_responses(app) == 1


def test_a_new_form_gets_a_new_submission_id(respondent, make_round):
    round_ = make_round()
    assert respondent.load_form(round_.token).submission_id != respondent.load_form(round_.token).submission_id


def test_expired_csrf_token_keeps_answers_and_gives_a_fresh_token(app, client, respondent, make_round):
    round_ = make_round()
    form = respondent.load_form(round_.token)
    data = form.answers("4", q_access_easy="1")
    # the session (and with it the CSRF secret) is gone, as after a long pause on an old phone
    client.delete_cookie("session")
    response = respondent.submit(round_.token, data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Le tue risposte sono ancora qui" in html
    again = parse_form(html)
    assert again.submission_id == form.submission_id
    assert again.csrf_token and again.csrf_token != form.csrf_token
    soup = BeautifulSoup(html, "html.parser")
    assert soup.find("input", attrs={"name": "q_access_easy", "value": "1"}).has_attr("checked")
    assert count_responses(app) == 0
    resend = {**data, "csrf_token": again.csrf_token}
    assert respondent.submit(round_.token, resend).status_code == 303
    assert count_responses(app) == 1


def test_csrf_time_limit_expiry_keeps_answers(app, respondent, make_round, monkeypatch):
    import time

    from itsdangerous.timed import TimestampSigner

    round_ = make_round()
    form = respondent.load_form(round_.token)
    later = int(time.time()) + app.config["WTF_CSRF_TIME_LIMIT"] + 60
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: later)
    response = respondent.submit(round_.token, form.answers("4"))
    assert response.status_code == 400
    again = parse_form(response.get_data(as_text=True))
    assert respondent.submit(round_.token, form.answers("4", csrf_token=again.csrf_token)).status_code == 303
    assert count_responses(app) == 1


@pytest.mark.parametrize(("status", "opens_in", "message"), [
    ("closed", None, "Questo questionario è chiuso"),
    ("paused", None, "è sospeso"),
    ("draft", None, "non è ancora aperto"),
    ("open", timedelta(days=2), "non è ancora aperto"),
])
def test_unavailable_rounds_say_so_and_accept_nothing(app, client, respondent, make_round, status, opens_in, message):
    round_ = make_round()
    form = respondent.load_form(round_.token)
    with app.app_context():
        session = get_session()
        stored = session.get(Round, round_.id)
        stored.status = status
        if opens_in:
            stored.opens_at = utcnow() + opens_in
        session.commit()
    landing = client.get(f"/r/{round_.token}")
    assert message in landing.get_data(as_text=True)
    response = respondent.submit(round_.token, form.answers("4"))
    assert response.status_code == 409
    assert message in response.get_data(as_text=True)
    assert count_responses(app) == 0


def test_round_past_its_closing_time_is_closed(app, client, make_round):
    round_ = make_round(closes_at=utcnow() + timedelta(seconds=60))
    with app.app_context():
        session = get_session()
        session.get(Round, round_.id).closes_at = utcnow() - timedelta(seconds=1)
        session.commit()
    assert "è chiuso" in client.get(f"/r/{round_.token}").get_data(as_text=True)


def test_scoped_round_does_not_ask_its_comune_or_service(app, respondent, make_round):
    round_ = make_round(comune="Lovere", service="sad")
    form = respondent.load_form(round_.token)
    soup = BeautifulSoup(form.html, "html.parser")
    assert soup.find("select", attrs={"name": "comune"}) is None
    assert soup.find("input", attrs={"name": "service"}) is None
    assert respondent.submit(round_.token, form.answers("4")).status_code == 303
    with app.app_context():
        stored = get_session().scalar(select(Response))
        assert stored.comune.name == "Lovere" and stored.service == "sad"


class HeldWriteLock:
    """Another process holding the write lock on the responses for longer than the app waits."""

    def __init__(self, database_url: str):
        self.database_url = database_url

    def __enter__(self):
        if self.database_url.startswith("sqlite"):
            self.connection = sqlite3.connect(self.database_url.removeprefix("sqlite:///"), isolation_level=None)
            self.connection.execute("BEGIN EXCLUSIVE")
        else:
            import psycopg

            self.connection = psycopg.connect(self.database_url.replace("postgresql+psycopg", "postgresql"))
            self.connection.execute("LOCK TABLE responses IN EXCLUSIVE MODE")
        return self

    def __exit__(self, *exc):
        self.connection.rollback()
        self.connection.close()


def test_database_unavailable_gives_503_and_keeps_answers(app_config, make_round, database_url):
    from conftest import Respondent
    from sqlalchemy import event

    from survey_app import create_app

    app_config["SQLITE_BUSY_TIMEOUT_MS"] = 200
    app = create_app(app_config)
    engine = app.extensions["survey_db"]["engine"]
    if engine.dialect.name == "postgresql":
        def short_lock_wait(dbapi_connection, _record):
            # SET is transactional in PostgreSQL: commit it, or the pool's reset undoes it
            dbapi_connection.execute("SET lock_timeout = '200ms'")
            dbapi_connection.commit()

        event.listen(engine, "connect", short_lock_wait)
    round_ = make_round()
    respondent = Respondent(app.test_client())
    form = respondent.load_form(round_.token)
    with HeldWriteLock(database_url):
        response = respondent.submit(round_.token, form.answers("4", q_access_easy="2"))
    assert response.status_code == 503
    assert response.headers["Retry-After"]
    html = response.get_data(as_text=True)
    assert "Non sono andate perse" in html and "Abbiamo ricevuto e salvato" not in html
    soup = BeautifulSoup(html, "html.parser")
    assert soup.find("input", attrs={"name": "q_access_easy", "value": "2"}).has_attr("checked")
    assert parse_form(html).submission_id == form.submission_id
    assert count_responses(app) == 0
    # the lock is gone: the same submission now goes through, once
    assert respondent.submit(round_.token, form.answers("4", q_access_easy="2")).status_code == 303
    assert count_responses(app) == 1
    engine.dispose()


def test_english_on_request(respondent, make_round):
    form = respondent.load_form(make_round().token, lang="en")
    soup = BeautifulSoup(form.html, "html.parser")
    assert soup.html["lang"] == "en"
    assert "Strongly agree" in form.html and "It was easy to ask social services for help." in form.html
    assert "Send answers" in form.html or "Invia le risposte" not in form.html


def _without_per_page_values(html: str) -> str:
    """Blank what differs on every page load: CSRF token, submission id, start time."""
    return re.sub(r'(name="(csrf_token|submission_id|started)" type="hidden" value=")[^"]*"', r'\1"', html)


ARABIC_QUESTIONNAIRE = Path(__file__).parent / "browser" / "fixtures" / "prova-arabo.json"


@pytest.mark.parametrize("questionnaire_id, query", [
    ("persona-al-centro", {}), ("persona-al-centro", {"lang": "en"}), ("prova-arabo", {"lang": "ar"}),
])
def test_reused_questions_are_exactly_what_a_full_render_gives(app, respondent, make_round, monkeypatch,
                                                               questionnaire_id, query):
    """An unanswered form's page and questions are rendered once and reused (respond/rendering.py).

    The reused page must be the page a full render gives, in every language (Arabic: right to
    left, with the interface in Italian), and the second load (from the cache) the same as the
    first but for the per-request values.
    """
    from survey_app.plan.catalog import load_catalog
    from survey_app.questionnaires.definition import read_definition_file
    from survey_app.questionnaires.operations import load_definitions
    from survey_app.respond import views

    if questionnaire_id == "prova-arabo":
        with app.app_context():
            catalog = load_catalog(DEFAULT_DIRECTORY / "objectives.json")
            load_definitions(get_session(), [read_definition_file(ARABIC_QUESTIONNAIRE, catalog)])
            get_session().commit()
    token = make_round(questionnaire_id).token
    first = respondent.load_form(token, **query).html
    second = respondent.load_form(token, **query).html
    monkeypatch.setattr(views, "fresh_questions_html", lambda *args: None)
    monkeypatch.setattr(views, "fresh_form_page", lambda key, form, render: render())
    full = respondent.load_form(token, **query).html
    assert _without_per_page_values(first) == _without_per_page_values(second) == _without_per_page_values(full)
    assert full.count('type="radio"') > 15
    assert f'<html lang="{query.get("lang", "it")}"' in full


def test_a_form_with_answers_or_errors_is_never_served_from_the_reused_questions(respondent, make_round):
    token = make_round("persona-al-centro").token
    respondent.load_form(token)  # fills the cache for this form
    form = respondent.load_form(token)
    answers = form.answers("4")
    del answers[form.item_fields[0]]
    answers[form.item_fields[1]] = "2"
    page = respondent.submit(token, answers).get_data(as_text=True)
    soup = BeautifulSoup(page, "html.parser")
    assert soup.find("input", {"name": form.item_fields[1], "value": "2"}).has_attr("checked")
    assert soup.find("fieldset", id=form.item_fields[0])["aria-describedby"] == f"{form.item_fields[0]}-error"
    # and the next fresh form shows nothing checked and no error
    fresh = BeautifulSoup(respondent.load_form(token).html, "html.parser")
    assert not fresh.select("input[checked]") and not fresh.select(".field-error")


def test_a_reused_form_page_gets_this_requests_token_id_and_start_time(app, client, respondent, make_round):
    token = make_round("persona-al-centro").token
    first, second = respondent.load_form(token), respondent.load_form(token)
    assert first.submission_id != second.submission_id and second.started
    assert second.html.count(second.submission_id) == 1 and second.html.count(second.csrf_token) == 1
    # the token of the reused page is this session's: the answers are accepted
    assert respondent.submit(token, second.answers("3")).status_code == 303
    other = app.test_client()  # another phone, another session: its own token works too
    page = parse_form(other.get(f"/r/{token}/questionario").get_data(as_text=True))
    assert page.csrf_token and page.csrf_token != second.csrf_token
    assert other.post(f"/r/{token}/questionario", data=page.answers("5")).status_code == 303
    assert count_responses(app) == 2


def test_a_kept_form_page_is_served_without_building_the_form(app, respondent, make_round, monkeypatch):
    """Once an unanswered form's page is kept, showing it again builds no form (issue 17): the
    page gets this request's CSRF token, id and stamp, and its answers are accepted."""
    from survey_app.respond.round_form import RoundForm

    token = make_round("persona-al-centro").token
    first = respondent.load_form(token)
    built = []
    original_build = RoundForm.build
    monkeypatch.setattr(RoundForm, "build", lambda self, *args, **kwargs: built.append(args)
                        or original_build(self, *args, **kwargs))
    second = respondent.load_form(token)
    assert built == []  # the GET: served from the kept page
    assert _without_per_page_values(first.html) == _without_per_page_values(second.html)
    assert second.submission_id != first.submission_id and second.csrf_token and second.started
    assert respondent.submit(token, second.answers("3")).status_code == 303
    assert len(built) == 1  # the POST builds the form it validates
    assert count_responses(app) == 1


def test_other_query_parameters_are_never_baked_into_a_reused_page(respondent, make_round):
    token = make_round("persona-al-centro").token
    with_extra = respondent.load_form(token, lang="en", fonte="manifesto").html
    assert "fonte=manifesto" in with_extra  # the language links keep the page's parameters
    plain = respondent.load_form(token, lang="en").html
    assert "fonte=manifesto" not in plain
    assert "fonte=manifesto" not in respondent.load_form(token, lang="en").html


def test_back_after_thanks_shows_already_sent_and_resending_stores_nothing(app, client, respondent, make_round):
    """Back after "Grazie" re-fetches the form: the browser that sent it meets the thank-you
    content and a link to a new, empty form for another person; the old answers store nothing."""
    import uuid

    round_ = make_round()
    other_round = make_round()
    form = respondent.load_form(round_.token)
    data = form.answers("4", q_access_easy="2")
    assert respondent.submit(round_.token, data).status_code == 303
    again = client.get(f"/r/{round_.token}/questionario")
    assert again.status_code == 200
    soup = BeautifulSoup(again.get_data(as_text=True), "html.parser")
    assert soup.find("h1").text.strip() == "Hai già inviato le risposte"
    assert "Abbiamo ricevuto e salvato le tue risposte" in soup.text
    assert not soup.find("input", attrs={"name": "submission_id"})
    new_link = soup.find("a", string=re.compile("Compila un nuovo questionario per un'altra persona"))
    assert new_link["href"].startswith(f"/r/{round_.token}/questionario?nuovo=")
    # the old page's answers, sent again (as they were, or under a made-up id): nothing new
    assert respondent.submit(round_.token, data).status_code == 303
    assert respondent.submit(round_.token, {**data, "submission_id": str(uuid.uuid4())}).status_code == 303
    assert count_responses(app) == 1
    # another person: an empty form with a new id
    second = parse_form(client.get(new_link["href"]).get_data(as_text=True))
    assert second.submission_id and second.submission_id != form.submission_id
    assert "checked" not in second.html
    assert respondent.submit(round_.token, second.answers("3")).status_code == 303
    assert count_responses(app) == 2
    # back to that form after its thank-you page: already sent again, not a third form
    back = client.get(new_link["href"]).get_data(as_text=True)
    assert "Hai già inviato le risposte" in back and 'name="submission_id"' not in back
    assert 'name="submission_id"' in client.get(f"/r/{other_round.token}/questionario").get_data(as_text=True)
    assert "Compila un nuovo questionario per un'altra persona" in client.get(
        f"/r/{round_.token}/grazie").get_data(as_text=True)
