"""One statement per screen on a 360 x 640 phone: what a respondent sees on every step.

- the navigation (Indietro / Avanti, or "Invia le risposte" on the last step) is in view
  without scrolling on every step: the title and the instructions are shown once, not per step;
- one counter, never two that disagree ("Domanda 1 di 10" beside "Passo 1 di 14");
- "Avanti" on an unanswered optional question shows a gentle prompt (focused, so a screen
  reader reads it) and a second "Avanti" goes on; on a required statement it says so and stays;
- axe-core finds nothing on any step, nor with the prompt shown.

Screenshots: ``test-artifacts/browser/<test>/``.
"""

from __future__ import annotations

import re

from .helpers import PHONE, answer_step, axe_violations, describe_violations, shoot, visible_step

try:
    from playwright.sync_api import expect
except ImportError:  # the whole package is skipped (conftest), with the reason
    expect = None

VIEWPORT = PHONE["viewport"]
COUNTER = re.compile(r"\b\d+ di \d+\b")
OPTIONAL_PROMPT = "Non hai scelto una risposta. Puoi sceglierla ora o andare avanti."
REQUIRED_PROMPT = "Non hai scelto una risposta. Questa domanda chiede una risposta per andare avanti."


def _open_form(page, token: str) -> None:
    page.goto(f"/r/{token}/questionario")
    expect(page.locator("[data-next]")).to_be_visible()


def _step_count(page) -> int:
    return page.locator("form [data-step]").count()


def _in_view(page, locator) -> bool:
    """Tell whether *locator*'s box lies wholly inside the viewport as the page is now."""
    box = locator.bounding_box()
    return (box is not None and box["y"] >= 0 and box["y"] + box["height"] <= VIEWPORT["height"]
            and box["x"] >= 0 and box["x"] + box["width"] <= VIEWPORT["width"])


def _visible_counters(page) -> list[str]:
    """Return the visible texts that read like a counter ("Domanda 3 di 14"), one per element
    (the element whose own text it is)."""
    texts = page.evaluate("""() => [...document.querySelectorAll('main *')]
        .filter(el => el.checkVisibility())
        .map(el => [...el.childNodes].filter(n => n.nodeType === 3).map(n => n.textContent).join('').trim())""")
    return [t for t in texts if COUNTER.search(t)]


def _next(page):
    page.locator("[data-next]").tap()


def _advance_to_optional_radio(page) -> int:
    """Answer the statements until the first optional choice question (the service); return its index."""
    steps = page.locator("form [data-step]")
    for index in range(steps.count()):
        step = visible_step(page)
        if step.get_attribute("data-required") is None and step.locator("input[type=radio]").count():
            return index
        answer_step(step, touch=True)
        _next(page)
    raise AssertionError("no optional choice question in the questionnaire")


def test_navigation_is_in_view_on_every_step(phone, site, artifacts):
    page = phone
    _open_form(page, site.token)
    total = _step_count(page)
    for index in range(total):
        last = index == total - 1
        button = page.get_by_role("button", name="Invia le risposte") if last else page.locator("[data-next]")
        assert _in_view(page, button), f"step {index + 1}: the button is out of view at 360 x 640"
        assert _in_view(page, visible_step(page).locator("legend, label.field").first), f"step {index + 1}"
        if index:
            assert _in_view(page, page.locator("[data-prev]")), f"step {index + 1}: Indietro out of view"
            # the title and the instructions are not repeated on every step
            expect(page.get_by_role("heading", level=1)).not_to_be_in_viewport()
            expect(page.locator(".intro")).to_be_hidden()
        else:
            expect(page.locator(".intro")).to_be_visible()
            shoot(page, artifacts, "01-first-step", full_page=False)
        if index == 1:
            shoot(page, artifacts, "02-second-step", full_page=False)
        if not last:
            answer_step(visible_step(page), touch=True)
            _next(page)
    shoot(page, artifacts, "03-last-step", full_page=False)


def test_one_counter_on_every_step(phone, site):
    page = phone
    _open_form(page, site.token)
    total = _step_count(page)
    for index in range(total):
        counters = _visible_counters(page)
        assert len(counters) == 1, f"step {index + 1}: counters {counters}"
        assert f"{index + 1} di {total}" in counters[0]
        if index < total - 1:
            answer_step(visible_step(page), touch=True)
            _next(page)
    # the counter is announced when it changes
    expect(page.locator("#step-number").locator("xpath=ancestor-or-self::*[@aria-live]")).to_have_count(1)


def test_skipping_an_optional_question_asks_gently_then_goes_on(phone, site, artifacts):
    page = phone
    _open_form(page, site.token)
    index = _advance_to_optional_radio(page)
    step = visible_step(page)
    legend = step.locator("legend").text_content()
    _next(page)
    prompt = page.locator("#step-prompt")
    expect(prompt).to_have_text(OPTIONAL_PROMPT)
    expect(prompt).to_be_focused()
    assert _in_view(page, prompt) and _in_view(page, page.locator("[data-next]"))
    expect(visible_step(page).locator("legend")).to_have_text(legend)  # still on the same question
    assert _visible_counters(page) == [f"Domanda {index + 1} di {_step_count(page)}"]
    shoot(page, artifacts, "01-skip-prompt", full_page=False)
    _next(page)  # a second "Avanti": skipped, as the questionnaire allows
    expect(visible_step(page).locator("legend, label.field").first).not_to_have_text(legend)
    expect(prompt).to_be_hidden()
    assert f"{index + 2} di" in _visible_counters(page)[0]


def test_choosing_after_the_prompt_clears_it(phone, site):
    page = phone
    _open_form(page, site.token)
    _advance_to_optional_radio(page)
    _next(page)
    expect(page.locator("#step-prompt")).to_be_visible()
    answer_step(visible_step(page), touch=True)
    expect(page.locator("#step-prompt")).to_be_hidden()


def test_a_required_statement_cannot_be_skipped(phone, site, artifacts):
    page = phone
    _open_form(page, site.token)
    step = visible_step(page)
    assert step.get_attribute("data-required") is not None
    legend = step.locator("legend").text_content()
    for _ in range(2):  # asking twice does not let it through either
        _next(page)
        prompt = page.locator("#step-prompt")
        expect(prompt).to_contain_text(REQUIRED_PROMPT)
        expect(prompt).to_be_focused()
        expect(visible_step(page).locator("legend")).to_have_text(legend)
        assert "1 di" in _visible_counters(page)[0]
    expect(step).to_have_attribute("aria-describedby", re.compile(r"\bstep-prompt\b"))
    assert _in_view(page, page.locator("[data-next]"))
    shoot(page, artifacts, "01-required-prompt", full_page=False)
    answer_step(step, touch=True)
    expect(page.locator("#step-prompt")).to_be_hidden()
    _next(page)
    expect(visible_step(page).locator("legend")).not_to_have_text(legend)
    page.locator("[data-prev]").tap()  # back: no prompt
    expect(page.locator("#step-prompt")).to_be_hidden()


def test_axe_finds_nothing_on_any_step(new_context, site):
    page = new_context(**PHONE, bypass_csp=True).new_page()
    _open_form(page, site.token)
    total = _step_count(page)
    found = []
    for index in range(total):
        step = visible_step(page)
        if index < total - 1:
            _next(page)  # unanswered: the prompt (required or optional) is shown
            expect(page.locator("#step-prompt")).to_be_visible()
            found += [f"step {index + 1} with the prompt:\n{describe_violations(v)}"
                      for v in [axe_violations(page)] if v]
            if step.get_attribute("data-required") is None:
                _next(page)
                continue
            answer_step(step, touch=True)
        found += [f"step {index + 1}:\n{describe_violations(v)}" for v in [axe_violations(page)] if v]
        if index < total - 1:
            _next(page)
    assert not found, "\n".join(found)
