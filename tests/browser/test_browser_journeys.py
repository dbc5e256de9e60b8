"""The journeys of the people who use the site, in Chromium, with screenshots of the key screens.

- an operator logs in, creates a round, adds a distribution point and opens its QR code and poster;
- a respondent on a 360 x 640 phone opens the round's link, answers by tapping, one statement per
  screen, sends and sees the thank-you page; then the same without JavaScript, by keyboard only,
  at 200% zoom and on a 320 px wide screen (never scrolling sideways);
- an evaluator opens a round's results and downloads a file.

Screenshots: ``test-artifacts/browser/<test>/``.
"""

from __future__ import annotations

import re

import pytest

from .helpers import (
    LIKERT_INDEX,
    PHONE,
    answer_one_per_screen,
    answer_whole_form,
    horizontal_overflow,
    log_in,
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


def _expect_all_answers_stored(live_server, sid: str, item_count: int) -> dict:
    answers = stored_response(live_server, sid)
    assert answers is not None, f"submission {sid} was not stored"
    assert len(answers) == item_count
    assert set(answers.values()) == {LIKERT_INDEX + 1}
    return answers


def _item_count(page) -> int:
    return page.evaluate("() => new Set([...document.querySelectorAll('input[name^=q_]')].map(e => e.name)).size")


def test_operator_creates_round_and_opens_its_qr_code(new_context, artifacts):
    page = new_context().new_page()
    log_in(page, "operator")
    shoot(page, artifacts, "01-dashboard")
    page.get_by_role("link", name="Nuova rilevazione").click()
    page.locator("section.card", has_text="Il sostegno del servizio sociale per te").get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Nuova rilevazione")
    page.get_by_label("Nome della rilevazione (facoltativo)").fill("Prova dal browser")
    page.get_by_label("Momento della rilevazione").select_option("ex-post")
    page.get_by_label("Persone che pensate di raggiungere").fill("40")
    # the site has only the 2021-2023 plan and today is after it: the operator marks a follow-up
    page.get_by_label("Follow-up di un Piano concluso (dopo la fine del suo periodo)").check()
    shoot(page, artifacts, "02-new-round")
    page.get_by_role("button", name="Crea e apri la rilevazione").click()
    expect(page.get_by_role("status")).to_contain_text("Rilevazione creata e aperta")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Prova dal browser")
    page.get_by_label("Nome del punto di distribuzione").fill("Sportello di Lovere")
    page.get_by_role("button", name="Aggiungi punto").click()
    point = page.locator(".points li", has_text="Sportello di Lovere")
    expect(point).to_be_visible()
    shoot(page, artifacts, "03-round-with-point")
    link = point.get_by_role("link").first.get_attribute("href")
    point.get_by_role("link", name="QR SVG").click()
    page.wait_for_load_state()
    assert page.evaluate("() => document.documentElement.localName") == "svg"
    shoot(page, artifacts, "04-qr-svg", full_page=False)  # an SVG document has no page to scroll
    page.go_back()
    page.locator(".points li", has_text="Sportello di Lovere").get_by_role("link", name="Manifesto A4").click()
    # the poster prints the short address, to be typed by hand; typed in, it leads to the same questionnaire
    short_address = page.locator(".poster .url.short").inner_text().strip()
    assert "/r/" in short_address and len(short_address) < len(link.removeprefix("http://"))
    shoot(page, artifacts, "05-poster")
    page.goto(f"http://{short_address}")
    landing_by_short_address = page.locator("h1").inner_text()
    page.goto(link)
    assert page.locator("h1").inner_text() == landing_by_short_address
    page.go_back()
    page.go_back()


def test_respondent_answers_on_a_phone_by_tapping(phone, site, live_server, artifacts):
    page = phone
    page.goto(f"/r/{site.token}")
    shoot(page, artifacts, "01-landing")
    page.get_by_role("link", name="Inizia il questionario").tap()
    expect(page.locator("[data-next]")).to_be_visible()
    # one statement per screen
    assert page.locator("form [data-step]:not([hidden])").count() == 1
    sid, items = submission_id(page), _item_count(page)
    answer_one_per_screen(page, touch=True, shots=(artifacts, "02"))
    assert horizontal_overflow(page) == 0
    thanks_requests = []
    page.on("response", lambda r: thanks_requests.append(r.request.resource_type) if "/grazie" in r.url else None)
    page.get_by_role("button", name="Invia le risposte").tap()
    page.wait_for_url(THANKS)
    expect(page.get_by_role("heading", level=1)).to_have_text("Grazie!")
    # the thank-you page travels once: the script does not follow the redirect itself before the
    # browser loads it (on a 400 ms mountain line, a round trip and 11 kB saved)
    assert thanks_requests == ["document"], thanks_requests
    shoot(page, artifacts, "03-thanks")
    _expect_all_answers_stored(live_server, sid, items)
    # the draft kept in the phone is gone once the answers are stored
    assert page.evaluate(f"() => localStorage.getItem('draft:{site.token}')") is None


def test_respondent_without_javascript(new_context, site, live_server, artifacts):
    page = new_context(**PHONE, java_script_enabled=False).new_page()
    page.goto(f"/r/{site.token}")
    page.get_by_role("link", name="Inizia il questionario").tap()
    # a plain form: every statement on the page, no stepper
    assert page.locator("[data-next]").count() == 0
    assert page.locator("form [data-step][hidden]").count() == 0
    sid, items = submission_id(page), _item_count(page)
    shoot(page, artifacts, "01-plain-form")
    answer_whole_form(page, touch=True)
    assert horizontal_overflow(page) == 0
    page.get_by_role("button", name="Invia le risposte").tap()
    page.wait_for_url(THANKS)
    expect(page.get_by_role("heading", level=1)).to_have_text("Grazie!")
    shoot(page, artifacts, "02-thanks")
    _expect_all_answers_stored(live_server, sid, items)


def _focus_is_visible(page) -> bool:
    """Tell whether the focused element shows a focus indicator of 2 px or more (on itself or,
    for a radio button, on its answer's box)."""
    return page.evaluate("""() => {
        const el = document.activeElement;
        if (!el || el === document.body || !el.matches(':focus-visible')) return false;
        const box = el.closest('label.choice') || el;
        const style = getComputedStyle(box);
        return style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
    }""")


def _tab_to(page, predicate: str, limit: int = 25) -> None:
    """Press Tab until the focused element matches the JavaScript *predicate* (on ``el``)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"() => {{ const el = document.activeElement; return !!({predicate}); }}"):
            assert _focus_is_visible(page), page.evaluate("() => document.activeElement.outerHTML.slice(0, 200)")
            return
    raise AssertionError(f"Tab never reached an element where {predicate}")


def test_respondent_by_keyboard_only(new_context, site, live_server, artifacts):
    """Tab, Space and arrows only, on a narrow window (one statement per screen), focus always visible."""
    page = new_context(viewport={"width": 360, "height": 640}).new_page()
    page.goto(f"/r/{site.token}")
    _tab_to(page, "el.textContent.trim() === 'Inizia il questionario'")
    shoot(page, artifacts, "01-landing-focused")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/questionario$"))
    expect(page.locator("[data-next]")).to_be_visible()
    sid, items = submission_id(page), _item_count(page)
    screens = 0
    while True:
        step = visible_step(page)
        if step.locator("input[type=radio]").count():
            _tab_to(page, "el.type === 'radio'")
            page.keyboard.press("Space")
            if step.locator(".choices.scale").count():
                for _ in range(LIKERT_INDEX):
                    page.keyboard.press("ArrowDown")
            assert step.locator("input[type=radio]:checked").count() == 1
        elif step.locator("select").count():
            _tab_to(page, "el.localName === 'select'")
            page.keyboard.press("ArrowDown")
            assert step.locator("select").input_value() != ""
        elif step.locator("textarea").count():
            _tab_to(page, "el.localName === 'textarea'")
            page.keyboard.type("Tutto bene.")
        screens += 1
        if screens == 2:
            shoot(page, artifacts, "02-second-statement-focused")
        if not page.locator("[data-next]").is_visible():
            break
        _tab_to(page, "el.hasAttribute('data-next')")
        page.keyboard.press("Space")
        # the next statement gets the focus, so a screen reader reads it
        assert page.evaluate("() => document.activeElement.localName") in ("legend", "label", "h2")
    _tab_to(page, "el.type === 'submit'")
    shoot(page, artifacts, "03-send-focused")
    page.keyboard.press("Enter")
    page.wait_for_url(THANKS)
    shoot(page, artifacts, "04-thanks")
    _expect_all_answers_stored(live_server, sid, items)


@pytest.mark.parametrize("name, options", [
    # a 1280 x 800 laptop at 200% zoom lays out in 640 x 400 CSS pixels
    ("zoom-200", {"viewport": {"width": 640, "height": 400}, "device_scale_factor": 2}),
    ("width-320", {**PHONE, "viewport": {"width": 320, "height": 568}}),
])
def test_respondent_at_200_percent_zoom_and_320_px(name, options, new_context, site, live_server, artifacts):
    page = new_context(**options).new_page()
    touch = options.get("has_touch", False)
    page.goto(f"/r/{site.token}")
    assert horizontal_overflow(page) == 0, "the landing page scrolls sideways"
    shoot(page, artifacts, "01-landing")
    link = page.get_by_role("link", name="Inizia il questionario")
    link.tap() if touch else link.click()
    sid, items = submission_id(page), _item_count(page)
    screens = 0
    while True:
        assert horizontal_overflow(page) == 0, f"statement {screens + 1} scrolls sideways"
        answer_one_per_screen(page, touch=touch, stop_after=1)
        screens += 1
        if screens == 1:
            shoot(page, artifacts, "02-first-statement")
        next_button = page.locator("[data-next]")
        if not next_button.is_visible():
            break
        next_button.tap() if touch else next_button.click()
    send = page.get_by_role("button", name="Invia le risposte")
    send.tap() if touch else send.click()
    page.wait_for_url(THANKS)
    assert horizontal_overflow(page) == 0
    shoot(page, artifacts, "03-thanks")
    _expect_all_answers_stored(live_server, sid, items)
    # the whole form, as without JavaScript, fits too; and so do the other public pages
    for path in (f"/r/{site.token}/questionario?lang=en", "/", "/accessibilita", "/accessibilita/segnalazione",
                 "/accesso", f"/r/{site.arabic_token}?lang=ar"):
        page.goto(path)
        assert horizontal_overflow(page) == 0, f"{path} scrolls sideways"
    plain = new_context(**options, java_script_enabled=False).new_page()
    plain.goto(f"/r/{site.token}/questionario")
    assert horizontal_overflow(plain) == 0, "the plain form scrolls sideways"
    shoot(plain, artifacts, "04-plain-form")


def test_evaluator_opens_results_and_downloads_a_file(new_context, site, artifacts):
    page = new_context(accept_downloads=True).new_page()
    log_in(page, "evaluator")
    page.get_by_role("navigation", name="Menu principale").get_by_role("link", name="Risultati").click()
    shoot(page, artifacts, "01-results")
    page.goto(f"/risultati/rilevazioni/{site.closed_round_id}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Risultati")
    shoot(page, artifacts, "02-round-results")
    with page.expect_download() as info:
        page.get_by_role("link", name="risposte.csv").click()
    download = info.value
    target = artifacts / download.suggested_filename
    download.save_as(target)
    content = target.read_bytes().decode("utf-8-sig")
    header = content.splitlines()[0]
    assert "access_easy" in content or "item" in header, header
    assert len(content.splitlines()) > 50
