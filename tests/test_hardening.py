"""Web hardening and bad input: headers, CSP, escaping, anti-automation, fuzzed submissions."""

from __future__ import annotations

import secrets

import pytest
from bs4 import BeautifulSoup
from conftest import Respondent, csrf_token_of, parse_form
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from survey_app.db import get_session
from survey_app.models import AuditEvent, Response


def stored(app) -> int:
    with app.app_context():
        return get_session().scalar(select(func.count()).select_from(Response))


@pytest.mark.parametrize("path", ["/", "/healthz", "/accesso", "/r/unknown-token", "/static/survey.css"])
def test_security_headers_everywhere(client, path):
    response = client.get(path)
    policy = response.headers["Content-Security-Policy"]
    for directive in ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "script-src 'self'"):
        assert directive in policy
    assert "unsafe-inline" not in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP: HSTS would be ignored
    response.close()


def test_hsts_over_https(app):
    response = app.test_client().get("/", base_url="https://questionari.example")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_respondent_pages_have_no_inline_script_or_style(respondent, make_round):
    round_ = make_round()
    for html in (respondent.client.get(f"/r/{round_.token}").get_data(as_text=True),
                 respondent.load_form(round_.token).html):
        soup = BeautifulSoup(html, "html.parser")
        assert all(script.get("src") for script in soup.find_all("script")) and not soup.find("style")
        assert not soup.select("[style]")
        assert not [tag for tag in soup.find_all(True) if any(a.startswith("on") for a in tag.attrs)]


def test_staff_pages_are_not_cached(as_role):
    assert as_role("operator").get("/gestione/").headers["Cache-Control"] == "no-store"


def test_respondent_pages_are_not_cached(app, respondent, make_round):
    """A shared phone or a proxy must not keep a page with someone's answers or card code."""
    round_ = make_round()
    form = respondent.load_form(round_.token)
    client = respondent.client
    pages = [client.get(f"/r/{round_.token}"), client.get(f"/r/{round_.token}/questionario"),
             respondent.submit(round_.token, form.answers("4", q_access_easy="9")),  # shown back with answers
             respondent.submit(round_.token, form.answers("4")), client.get(f"/r/{round_.token}/grazie"),
             client.get("/c/7KQ2-M9XD-4HTB-RW"), client.get("/r/AAAAAAAAAAAAAAAAAAAAAA")]
    assert [page.status_code for page in pages] == [200, 200, 400, 303, 200, 404, 404]
    assert {page.headers.get("Cache-Control") for page in pages} == {"no-store"}


XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_xss_in_round_label_and_point_label_is_escaped(app, as_role):
    operator = as_role("operator")
    path = "/gestione/rilevazioni/nuova/persona-al-centro"
    created = operator.post(path, data={"kind": "in-itinere", "label": XSS, "follow_up": "y", "csrf_token": csrf_token_of(operator, path)})
    detail = created.headers["Location"]
    operator.post(f"{detail}/punti", data={"label": XSS, "csrf_token": csrf_token_of(operator, detail)})
    for page in (operator.get(detail), operator.get("/gestione/")):
        html = page.get_data(as_text=True)
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "&lt;script&gt;" in html
    point_id = BeautifulSoup(operator.get(detail).get_data(as_text=True), "html.parser").find(
        "a", string="QR SVG")["href"].split("/")[3]
    poster = operator.get(f"/gestione/punti/{point_id}/manifesto").get_data(as_text=True)
    assert "<script>alert" not in poster and "&lt;script&gt;" in poster


def test_honeypot_refuses_bots(app, respondent, make_round):
    round_ = make_round()
    form = respondent.load_form(round_.token)
    response = respondent.submit(round_.token, form.answers("4", website="http://spam.example"))
    assert response.status_code == 400
    assert stored(app) == 0
    assert respondent.submit(round_.token, form.answers("4")).status_code == 303


def test_too_fast_submission_is_shown_back_then_accepted(app, respondent, make_round, monkeypatch):
    import time as time_module

    app.config["MIN_COMPLETION_SECONDS"] = 5
    round_ = make_round()
    form = respondent.load_form(round_.token)
    response = respondent.submit(round_.token, form.answers("4", q_access_easy="2"))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Hai risposto molto in fretta" in html
    assert BeautifulSoup(html, "html.parser").find("input", attrs={"name": "q_access_easy", "value": "2"}).has_attr("checked")
    assert stored(app) == 0
    later = time_module.time() + 60
    monkeypatch.setattr("survey_app.respond.antibot.time.time", lambda: later)
    assert respondent.submit(round_.token, form.answers("4", q_access_easy="2")).status_code == 303
    assert stored(app) == 1


def test_forged_start_time_counts_from_now(app, respondent, make_round):
    app.config["MIN_COMPLETION_SECONDS"] = 5
    round_ = make_round()
    form = respondent.load_form(round_.token)
    response = respondent.submit(round_.token, form.answers("4", started="forged"))
    assert response.status_code == 400 and stored(app) == 0


@pytest.mark.parametrize(("change", "status"), [
    ({"q_not_an_item": "3"}, 400),
    ({"surname": "Rossi"}, 400),
    ({"comment": "ciao\x00"}, 400),
    ({"submission_id": "not-a-uuid"}, 400),
    ({"submission_id": "00000000-0000-0000-0000-000000000000' OR 1=1 --"}, 400),
    ({"q_access_easy": "5' OR '1'='1"}, 400),
    ({"q_access_easy": "٣"}, 400),
])
def test_bad_fields_are_refused_whole(app, respondent, make_round, change, status):
    round_ = make_round()
    form = respondent.load_form(round_.token)
    response = respondent.submit(round_.token, form.answers("4", **change))
    assert response.status_code == status
    assert stored(app) == 0
    assert respondent.submit(round_.token, form.answers("4")).status_code == 303


def test_repeated_field_is_refused(app, respondent, make_round):
    round_ = make_round()
    form = respondent.load_form(round_.token)
    from werkzeug.datastructures import MultiDict

    data = MultiDict(list(form.answers("4").items()) + [("q_access_easy", "1")])
    response = respondent.client.post(f"/r/{round_.token}/questionario", data=data)
    assert response.status_code == 400
    assert "sent 2 times" in response.get_data(as_text=True)
    assert stored(app) == 0


def test_too_many_fields_and_huge_bodies(app, respondent, make_round):
    round_ = make_round()
    form = respondent.load_form(round_.token)
    many = form.answers("4")
    many.update({f"x{i}": "1" for i in range(1001)})
    assert respondent.submit(round_.token, many).status_code in (400, 413)  # urlencoded: 400; multipart: 413
    huge = form.answers("4", comment="a" * 2_000_000)
    response = respondent.submit(round_.token, huge)
    assert response.status_code == 413
    assert "troppo grande" in response.get_data(as_text=True).lower()
    assert stored(app) == 0
    assert respondent.submit(round_.token, form.answers("4")).status_code == 303


def test_broken_encoding_is_not_a_server_error(app, respondent, make_round):
    round_ = make_round()
    form = respondent.load_form(round_.token)
    body = "&".join(f"{k}={v}" for k, v in form.answers("4").items()).encode() + b"&comment=%FF%FE%C3%28"
    response = respondent.client.post(f"/r/{round_.token}/questionario", data=body,
                                      content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400 and stored(app) == 0


def test_emoji_comment_is_kept(app, respondent, make_round):
    round_ = make_round()
    form = respondent.load_form(round_.token)
    assert respondent.submit(round_.token, form.answers("4", comment="Grazie 🙏🏽 مرحبا")).status_code == 303
    with app.app_context():
        assert get_session().scalar(select(Response.comment)) == "Grazie 🙏🏽 مرحبا"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(st.one_of(st.text(max_size=12), st.integers(-10, 20).map(str)), min_size=10, max_size=10))
def test_fuzzed_likert_values_never_break_the_server(app, make_round, values):
    round_ = make_round()
    respondent = Respondent(app.test_client())
    form = respondent.load_form(round_.token)
    data = form.answers("4")
    for name, value in zip(form.item_fields, values, strict=True):
        data[name] = value
    valid = all(v in {"1", "2", "3", "4", "5", "na"} for v in values)
    before = stored(app)
    response = respondent.submit(round_.token, data)
    assert response.status_code == (303 if valid else 400)
    assert stored(app) == before + (1 if valid else 0)


def test_guessed_tokens_get_a_plain_404_then_are_throttled(client):
    statuses = [client.get(f"/r/{secrets.token_urlsafe(16)}").status_code for _ in range(40)]
    assert set(statuses[:30]) == {404}
    assert set(statuses[30:]) == {429}


def test_second_answer_from_the_same_phone_gets_a_soft_warning(app, respondent, make_round):
    round_ = make_round()
    assert "già stato inviato" not in respondent.load_form(round_.token).html
    respondent.submit(round_.token, respondent.load_form(round_.token).answers("4"))
    thanks = BeautifulSoup(respondent.client.get(f"/r/{round_.token}/grazie").get_data(as_text=True), "html.parser")
    new_form = thanks.find("a", string="Compila un nuovo questionario per un'altra persona")["href"]
    again = parse_form(respondent.client.get(new_form).get_data(as_text=True))
    assert "Da questo telefono è già stato inviato un questionario" in again.html
    assert respondent.submit(round_.token, again.answers("3")).status_code == 303  # warned, not blocked
    assert stored(app) == 2


def test_burst_of_submissions_alerts_operators(app, make_round):
    round_ = make_round()
    for _ in range(32):
        respondent = Respondent(app.test_client())
        assert respondent.submit(round_.token, respondent.load_form(round_.token).answers("4")).status_code == 303
    with app.app_context():
        alerts = get_session().scalars(select(AuditEvent).where(AuditEvent.action == "round.burst_alert")).all()
    assert len(alerts) == 1 and alerts[0].target_id == str(round_.id)


def test_one_rendered_form_stores_one_response_however_many_ids_are_made_up(app, respondent, make_round):
    """Answer stuffing: a form loaded once and posted 50 times, each with a fresh random id."""
    import uuid

    round_ = make_round()
    form = respondent.load_form(round_.token)
    statuses = [respondent.submit(round_.token, form.answers("4", submission_id=str(uuid.uuid4()))).status_code
                for _ in range(50)]
    assert stored(app) == 1
    # the first stores the response under the id the server issued; the others are retries of it
    assert statuses == [303] * 50
    with app.app_context():
        assert get_session().scalar(select(Response.submission_id)) == form.submission_id
    # other answers from the same form under yet another id: refused, nothing new
    other = respondent.submit(round_.token, form.answers("1", submission_id=str(uuid.uuid4())))
    assert other.status_code == 409 and stored(app) == 1
    # the same form's own retry still gets its thank-you page
    assert respondent.submit(round_.token, form.answers("4")).status_code == 303
    assert stored(app) == 1


def test_a_made_up_id_is_replaced_by_the_one_issued(app, respondent, make_round):
    import uuid

    round_ = make_round()
    form = respondent.load_form(round_.token)
    assert respondent.submit(round_.token, form.answers("4", submission_id=str(uuid.uuid4()))).status_code == 303
    with app.app_context():
        assert get_session().scalar(select(Response.submission_id)) == form.submission_id
    # a made-up id on another phone's form: that form's response, once
    other = Respondent(app.test_client())
    second = other.load_form(round_.token)
    for _ in range(3):
        assert other.submit(round_.token, second.answers("2", submission_id=str(uuid.uuid4()))).status_code == 303
    assert stored(app) == 2


def test_a_stamp_signed_for_another_id_or_time_is_refused(app, respondent, make_round):
    from survey_app.respond import antibot

    round_ = make_round()
    form = respondent.load_form(round_.token)
    forged = antibot.issue_stamp("another-secret", form.submission_id)
    response = respondent.submit(round_.token, form.answers("4", started=forged))
    assert response.status_code == 400 and stored(app) == 0


def test_an_expired_form_keeps_its_answers_under_a_new_stamp(app, respondent, make_round, monkeypatch):
    import time as time_module

    round_ = make_round()
    form = respondent.load_form(round_.token)
    later = time_module.time() + app.config["FORM_MAX_AGE_SECONDS"] + 60
    monkeypatch.setattr("survey_app.respond.antibot.time.time", lambda: later)
    response = respondent.submit(round_.token, form.answers("4", q_access_easy="2"))
    assert response.status_code == 400 and stored(app) == 0
    html = response.get_data(as_text=True)
    assert "la pagina era scaduta" in html
    assert BeautifulSoup(html, "html.parser").find("input", attrs={"name": "q_access_easy", "value": "2"}).has_attr("checked")
    again = parse_form(html)
    assert again.submission_id != form.submission_id and again.started != form.started
    assert respondent.submit(round_.token, again.answers("4", q_access_easy="2")).status_code == 303
    assert stored(app) == 1
    # the expired form itself, sent again, still stores nothing
    assert respondent.submit(round_.token, form.answers("4")).status_code == 400 and stored(app) == 1


@pytest.mark.parametrize("change", [
    {"comune": " "}, {"comune": "\t"}, {"role": " "}, {"service": " "}, {"q_access_easy": " "},
    {"comune": "99999999999999999999999"},
])
def test_spaces_or_oversized_values_in_a_choice_are_a_400_with_the_answers(app, respondent, make_round, change):
    """A choice of spaces used to pass as "left out" and then fail (500), reach the database
    (503, retried for ever by the page's script) or be stored as it was."""
    round_ = make_round()
    form = respondent.load_form(round_.token)
    response = respondent.submit(round_.token, form.answers("4", q_staff_listen="2", **change))
    assert response.status_code == 400
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    name = next(iter(change))
    assert soup.find(id=f"{name}-error").text.strip()
    assert soup.find("input", attrs={"name": "q_staff_listen", "value": "2"}).has_attr("checked")
    assert stored(app) == 0


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", "multipart/form-data"])
def test_undecodable_bytes_in_a_comment_are_a_400_with_the_answers(app, respondent, make_round, content_type):
    round_ = make_round()
    form = respondent.load_form(round_.token)
    fields = form.answers("4", q_staff_listen="2")
    if content_type.startswith("multipart"):
        boundary = "xXx"
        body = b"".join(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
                        for k, v in fields.items())
        body += f'--{boundary}\r\nContent-Disposition: form-data; name="comment"\r\n\r\n'.encode()
        body += b"\xff\xfe\x80abc\r\n" + f"--{boundary}--\r\n".encode()
        content_type += f"; boundary={boundary}"
    else:
        body = "&".join(f"{k}={v}" for k, v in fields.items()).encode() + b"&comment=%FF%FE%80abc"
    response = respondent.client.post(f"/r/{round_.token}/questionario", data=body, content_type=content_type)
    assert response.status_code == 400
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert "caratteri che non riusciamo a leggere" in soup.find(id="comment-error").text
    assert soup.find("input", attrs={"name": "q_staff_listen", "value": "2"}).has_attr("checked")
    assert stored(app) == 0
    # a comment with a per cent sign typed in is the person's text, kept as it is
    assert respondent.submit(round_.token, form.answers("4", comment="sconto del 50%FF")).status_code == 303
    with app.app_context():
        assert get_session().scalar(select(Response.comment)) == "sconto del 50%FF"


def test_oversized_ids_in_addresses_are_not_found(as_role):
    admin = as_role("admin")
    for path in ("/gestione/rilevazioni/99999999999999999999", "/gestione/rilevazioni/99999999999999999999/inserimento",
                 "/gestione/punti/99999999999999999999/manifesto", "/risultati/rilevazioni/99999999999999999999"):
        assert admin.get(path).status_code == 404, path


def test_guessing_from_an_address_never_refuses_its_submissions_nor_their_thanks(app, make_round):
    """30 bad links from a venue's shared address used to refuse everyone on it, submissions included."""
    round_ = make_round()
    person = Respondent(app.test_client())  # same address as the guesser (all test clients are)
    form = person.load_form(round_.token)
    guesser = app.test_client()
    assert {guesser.get(f"/r/{secrets.token_urlsafe(16)}").status_code for _ in range(31)} == {404, 429}
    response = person.submit(round_.token, form.answers("4"))
    assert response.status_code == 303
    assert person.client.get(response.headers["Location"]).status_code == 200
    assert stored(app) == 1
    # the guesser's own page after a "submission" is still refused: the exemption is the sender's
    refused = guesser.get(f"/r/{round_.token}/grazie")
    assert refused.status_code == 429
    # it says when to come back: the limit's window (30 per minute), counters no longer read
    # on every request just to send X-RateLimit-* headers nobody's browser uses
    assert refused.headers["Retry-After"] == "60"
    landing = person.client.get(f"/r/{round_.token}")
    assert not [name for name in landing.headers.keys() if name.lower().startswith("x-ratelimit")]


def _breaking_the_database(app):
    """Make every statement fail as when the database server is gone (a context manager)."""
    import contextlib

    from sqlalchemy import event

    engine = app.extensions["survey_db"]["engine"]

    def down(*_args, **_kwargs):
        raise engine.dialect.loaded_dbapi.OperationalError("the database is unreachable")

    @contextlib.contextmanager
    def broken():
        event.listen(engine, "before_cursor_execute", down)
        try:
            yield
        finally:
            event.remove(engine, "before_cursor_execute", down)

    return broken()


def _answers_shown(html: str, answers: dict) -> bool:
    soup = BeautifulSoup(html, "html.parser")
    return all(soup.find("input", attrs={"name": name, "value": value}).has_attr("checked")
               for name, value in answers.items())


def test_full_database_outage_shows_the_form_with_every_answer(app, respondent, make_round):
    """Without JavaScript: the round lookup itself fails; the form comes back from what this
    process kept of it, with every answer, and the same page sent later is stored once."""
    round_ = make_round()
    form = respondent.load_form(round_.token)
    data = form.answers("4", q_access_easy="2", role="carer", comment="Grazie a tutti")
    with _breaking_the_database(app):
        response = respondent.submit(round_.token, data)
    assert response.status_code == 503 and response.headers["Retry-After"]
    html = response.get_data(as_text=True)
    assert "Non sono andate perse" in html
    assert _answers_shown(html, {"q_access_easy": "2", "q_staff_listen": "4", "role": "carer"})
    assert "Grazie a tutti" in html
    again = parse_form(html)
    assert again.submission_id == form.submission_id and again.started == form.started
    assert stored(app) == 0
    assert respondent.submit(round_.token, {**data, "csrf_token": again.csrf_token}).status_code == 303
    assert stored(app) == 1


def test_outage_in_a_process_that_never_showed_the_form_still_keeps_every_answer(app, respondent, make_round):
    from survey_app.respond import round_form

    round_ = make_round()
    form = respondent.load_form(round_.token)
    data = form.answers("4", q_access_easy="2", comment="<b>ciao</b>")
    round_form._BY_LINK._values.clear()  # as in another worker, or after a restart
    with _breaking_the_database(app):
        response = respondent.submit(round_.token, data)
    assert response.status_code == 503
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    resend = soup.find("form")
    assert resend["action"] == f"/r/{round_.token}/questionario"
    kept = {field["name"]: field["value"] for field in resend.find_all("input", type="hidden")}
    assert kept == data
    assert respondent.submit(round_.token, kept).status_code == 303
    assert stored(app) == 1


def test_a_submission_over_the_rate_limit_comes_back_with_every_answer(app, respondent, make_round):
    app.config["SUBMIT_RATE_LIMIT"] = "2 per minute"
    round_ = make_round()
    others = [Respondent(app.test_client()) for _ in range(2)]
    for other in others:
        assert other.submit(round_.token, other.load_form(round_.token).answers("3")).status_code == 303
    form = respondent.load_form(round_.token)
    response = respondent.submit(round_.token, form.answers("4", q_access_easy="2"))
    assert response.status_code == 429 and response.headers["Retry-After"]
    html = response.get_data(as_text=True)
    assert "Non sono andate perse" in html and _answers_shown(html, {"q_access_easy": "2", "q_staff_listen": "4"})
    assert parse_form(html).submission_id == form.submission_id
    assert stored(app) == 2


def test_shared_css_never_breaks_words_anywhere():
    """Prose wraps at word boundaries or hyphenates (Italian), on respondent and staff pages alike."""
    import re
    from pathlib import Path

    css = (Path(__file__).parents[1] / "survey_app" / "static" / "survey.css").read_text(encoding="utf-8")
    rules = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    assert not re.search(r"overflow-wrap\s*:\s*anywhere|word-break\s*:\s*break-(all|word)", rules)
    body = re.search(r"(?:^|})\s*body\s*{([^}]*)}", rules).group(1)
    assert re.search(r"(?<!-)hyphens\s*:\s*auto", body) and re.search(r"overflow-wrap\s*:\s*break-word", body)
