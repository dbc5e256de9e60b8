"""An interrupted answering session completes without answering again (respond.js).

A reload or a closed tab mid-way restores the answers kept in the phone and goes back to the
first statement still unanswered; a phone offline at the moment of sending keeps retrying and
sends when it is back online; an answer lost on the way back (stored, but the phone never heard)
is sent again with the same submission id and stored once; a busy server (503) is retried.
Going back after the thank-you page, with or without JavaScript, says the answers were already
sent (the browser may have filled in the form again) and offers an empty form for another person.
"""

from __future__ import annotations

import re

import pytest

from .helpers import (
    LIKERT_INDEX,
    PHONE,
    answer_one_per_screen,
    answer_whole_form,
    responses_with_id,
    shoot,
    stored_response,
    submission_id,
    visible_step,
)

try:
    from playwright.sync_api import expect
except ImportError:  # the whole package is skipped (conftest), with the reason
    expect = None

THANKS = re.compile(r".*/r/[^/]+/grazie$")


def _checked(page) -> dict[str, str]:
    return page.evaluate("""() => Object.fromEntries([...document.querySelectorAll('input[type=radio]:checked')]
                                                    .map(e => [e.name, e.value]))""")


def _open_form(page, token: str) -> None:
    page.goto(f"/r/{token}/questionario")
    expect(page.locator("[data-next]")).to_be_visible()


def _finish(page) -> None:
    answer_one_per_screen(page, touch=True)
    page.get_by_role("button", name="Invia le risposte").tap()


def test_reload_and_closed_tab_lose_nothing(new_context, site, live_server, artifacts):
    context = new_context(**PHONE)
    page = context.new_page()
    _open_form(page, site.token)
    sid = submission_id(page)
    answer_one_per_screen(page, touch=True, stop_after=3)
    before = _checked(page)
    assert len(before) == 3
    page.reload()
    expect(page.locator("[data-next]")).to_be_visible()
    assert _checked(page) == before, "a reload lost answers"
    assert submission_id(page) == sid, "a reload changed the submission id"
    # back at the first statement still unanswered: the fourth
    expect(visible_step(page).locator(".qnum")).to_have_text("Domanda 4 di 10")
    shoot(page, artifacts, "01-after-reload")
    answer_one_per_screen(page, touch=True, stop_after=2)
    answered = _checked(page)
    page.close()  # the tab is closed...
    page = context.new_page()  # ...and the link opened again
    _open_form(page, site.token)
    assert _checked(page) == answered
    assert submission_id(page) == sid
    expect(visible_step(page).locator(".qnum")).to_have_text("Domanda 6 di 10")
    shoot(page, artifacts, "02-after-closed-tab")
    _finish(page)
    page.wait_for_url(THANKS)
    answers = stored_response(live_server, sid)
    assert answers is not None and len(answers) == 10
    assert set(answers.values()) == {LIKERT_INDEX + 1}


def test_offline_at_submit_sends_when_back_online(new_context, site, live_server, artifacts):
    context = new_context(**PHONE)
    page = context.new_page()
    _open_form(page, site.token)
    sid = submission_id(page)
    answer_one_per_screen(page, touch=True)
    context.set_offline(True)
    page.get_by_role("button", name="Invia le risposte").tap()
    expect(page.locator("#send-status")).to_contain_text("le risposte sono salvate su questo telefono")
    shoot(page, artifacts, "01-offline")
    page.wait_for_timeout(2500)  # at least one automatic retry, still offline
    assert responses_with_id(live_server, sid) == 0
    assert page.evaluate(f"() => localStorage.getItem('draft:{site.token}')") is not None
    context.set_offline(False)
    page.wait_for_url(THANKS, timeout=20_000)
    shoot(page, artifacts, "02-thanks")
    assert responses_with_id(live_server, sid) == 1
    assert len(stored_response(live_server, sid)) == 10


def test_answer_lost_on_the_way_back_is_stored_once(new_context, site, live_server, artifacts):
    """The server stores the answers but the phone never gets the reply: the retry, with the same
    submission id, is recognised, and the person sees the thank-you page."""
    page = new_context(**PHONE).new_page()
    _open_form(page, site.token)
    sid = submission_id(page)
    posts = []

    def lose_first_reply(route):
        posts.append(route.request.post_data)
        if len(posts) == 1:
            route.fetch(max_redirects=0)  # reaches the server, which stores it...
            route.abort("connectionreset")  # ...and the reply is lost
        else:
            route.continue_()

    page.route(re.compile(r".*/questionario$"), lambda route: lose_first_reply(route)
               if route.request.method == "POST" else route.continue_())
    answer_one_per_screen(page, touch=True)
    page.get_by_role("button", name="Invia le risposte").tap()
    page.wait_for_url(THANKS, timeout=20_000)
    shoot(page, artifacts, "01-thanks")
    assert len(posts) == 2 and posts[0] == posts[1], "the retry must send the same submission"
    assert responses_with_id(live_server, sid) == 1
    assert len(stored_response(live_server, sid)) == 10


def test_busy_server_is_retried(new_context, site, live_server):
    page = new_context(**PHONE).new_page()
    _open_form(page, site.token)
    sid = submission_id(page)
    busy = {"left": 1}

    def handle(route):
        if route.request.method == "POST" and busy["left"]:
            busy["left"] -= 1
            route.fulfill(status=503, headers={"Retry-After": "30"}, body="busy")
        else:
            route.continue_()

    page.route(re.compile(r".*/questionario$"), handle)
    answer_one_per_screen(page, touch=True)
    page.get_by_role("button", name="Invia le risposte").tap()
    expect(page.locator("#send-status")).to_contain_text("Riprovo tra")
    page.wait_for_url(THANKS, timeout=20_000)
    assert responses_with_id(live_server, sid) == 1


def test_double_tap_sends_once(new_context, site, live_server):
    page = new_context(**PHONE).new_page()
    _open_form(page, site.token)
    sid = submission_id(page)
    posts = []
    page.on("request", lambda request: posts.append(1) if request.method == "POST" else None)
    answer_one_per_screen(page, touch=True)
    page.evaluate("() => { const f = document.querySelector('form[data-draft-key]'); f.requestSubmit(); f.requestSubmit(); }")
    page.wait_for_url(THANKS)
    assert len(posts) == 1
    assert responses_with_id(live_server, sid) == 1


def _responses_of_round(live_server, round_id: int) -> int:
    from sqlalchemy import func, select

    from survey_app.models import Response

    with live_server.session() as db:
        return db.scalar(select(func.count()).select_from(Response).where(Response.round_id == round_id))


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_back_after_thanks_says_already_sent_and_stores_nothing_new(javascript, new_context, site, live_server,
                                                                     artifacts):
    page = new_context(**PHONE, java_script_enabled=javascript).new_page()
    page.goto(f"/r/{site.token}/questionario")
    sid = submission_id(page)
    (answer_one_per_screen if javascript else answer_whole_form)(page, touch=True)
    page.get_by_role("button", name="Invia le risposte").tap()
    page.wait_for_url(THANKS)
    assert responses_with_id(live_server, sid) == 1
    stored = _responses_of_round(live_server, site.round_id)
    page.go_back()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hai già inviato le risposte")
    expect(page.locator("main")).to_contain_text("Abbiamo ricevuto e salvato le tue risposte")
    assert page.locator("input[name=submission_id]").count() == 0
    shoot(page, artifacts, "01-already-sent")
    page.get_by_role("link", name="Compila un nuovo questionario per un'altra persona").tap()
    expect(page.locator("input[name=submission_id]")).to_be_attached()
    assert submission_id(page) not in ("", sid)
    assert page.locator("input:checked").count() == 0, "the new form is not empty"
    assert _responses_of_round(live_server, site.round_id) == stored
