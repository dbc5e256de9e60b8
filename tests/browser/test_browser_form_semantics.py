"""What axe cannot judge alone: the form's structure, errors, languages and the footer's links.

- every Likert statement is a ``fieldset`` whose ``legend`` holds the statement, and every radio
  button has a visible label of its own;
- errors are listed at the top in an alert that gets the focus, each linked to its field, and each
  field points to its message (``aria-describedby``); the title says there is something to fix;
- pages carry their language: Italian by default, English from the browser, the Arabic
  questionnaire right to left with the interface text marked as Italian and left to right;
- every page's footer links to the accessibility statement and to the feedback form, which works;
- at 200% zoom no word is cut in the middle (statements, answers, the comparison's "Lettura"),
  unless it is wider than its box alone.
"""

from __future__ import annotations

import re

import pytest

from .helpers import PHONE, log_in, shoot

try:
    from playwright.sync_api import expect
except ImportError:  # the whole package is skipped (conftest), with the reason
    expect = None


def test_every_statement_is_a_fieldset_with_labelled_radios(new_context, site):
    page = new_context(java_script_enabled=False).new_page()
    page.goto(f"/r/{site.token}/questionario")
    groups = page.evaluate("""() => [...document.querySelectorAll('input[name^=q_]')].reduce((acc, input) => {
        const fieldset = input.closest('fieldset');
        const legend = fieldset && fieldset.querySelector(':scope > legend');
        const label = input.labels && input.labels[0];
        const box = label && label.getBoundingClientRect();
        (acc[input.name] = acc[input.name] || []).push({
            legend: legend ? legend.textContent.trim() : null,
            label: label ? label.textContent.trim() : null,
            visible: !!box && box.width > 40 && box.height >= 44,
        });
        return acc;
    }, {})""")
    assert len(groups) == 10
    statements = page.locator("fieldset.item legend")
    expect(statements.first).to_contain_text("È stato facile chiedere aiuto al servizio sociale.")
    for name, radios in groups.items():
        assert all(r["legend"] for r in radios), f"{name}: not in a fieldset with a legend"
        assert len({r["legend"] for r in radios}) == 1
        assert all(r["label"] and r["visible"] for r in radios), f"{name}: a radio without a visible label"
        # five points of agreement and "don't know"
        assert [r["label"] for r in radios][-1].startswith("Non so")


def test_errors_are_linked_to_their_fields_and_announced(phone, site, artifacts):
    page = phone
    page.goto(f"/r/{site.token}/questionario")
    # the stepper does not send a form with required statements unanswered (test_browser_stepper):
    # post it as a browser without the stepper would (form.submit() skips the page's handlers)
    page.evaluate("() => document.querySelector('form[data-draft-key]').submit()")
    notice = page.locator("#notice")
    expect(notice).to_be_visible()
    expect(notice).to_have_attribute("role", "alert")
    expect(notice).to_be_focused()
    expect(page).to_have_title(re.compile(r"^Da correggere: "))
    shoot(page, artifacts, "01-errors")
    links = notice.locator("a[href^='#']")
    assert links.count() == 10
    for i in range(links.count()):
        target = links.nth(i).get_attribute("href")[1:]
        field = page.locator(f"[id='{target}']")
        expect(field).to_have_count(1)
        message = page.locator(f"[id='{field.get_attribute('aria-describedby')}']")
        expect(message).to_have_text(re.compile("Scegli una risposta"))
    # an error's link shows its statement, even when it is on another screen
    links.nth(4).tap()
    expect(page.locator("fieldset[id='q_staff_explain']")).to_be_visible()
    expect(page.locator("fieldset[id='q_staff_explain'] legend")).to_be_focused()
    shoot(page, artifacts, "02-error-link-followed")


def test_languages_italian_english_and_arabic_right_to_left(new_context, site, artifacts):
    page = new_context(**PHONE).new_page()
    page.goto(f"/r/{site.token}/questionario")
    expect(page.locator("html")).to_have_attribute("lang", "it")
    english = new_context(**PHONE, locale="en-GB").new_page()
    english.goto(f"/r/{site.token}")
    expect(english.locator("html")).to_have_attribute("lang", "en")
    expect(english.get_by_role("link", name="Start the questionnaire")).to_be_visible()
    english.get_by_role("link", name="Start the questionnaire").tap()
    expect(english.get_by_role("button", name="Next")).to_be_visible()
    expect(english.locator("fieldset.item legend").first).to_contain_text("It was easy to ask social services for help.")
    shoot(english, artifacts, "01-english")
    # the visible switch: back to Italian, and the choice is remembered
    english.get_by_role("navigation", name="Language").get_by_role("link", name="Italiano").tap()
    expect(english.locator("html")).to_have_attribute("lang", "it")
    english.goto(f"/r/{site.token}")
    expect(english.locator("html")).to_have_attribute("lang", "it")

    arabic = new_context(**PHONE, locale="ar").new_page()
    arabic.goto(f"/r/{site.arabic_token}")
    html = arabic.locator("html")
    expect(html).to_have_attribute("lang", "ar")
    expect(html).to_have_attribute("dir", "rtl")
    expect(arabic.get_by_role("heading", level=1)).to_have_text("مكتب خدمات المواطنين الأجانب")
    shoot(arabic, artifacts, "02-arabic-landing")
    arabic.locator("a.btn").tap()
    expect(arabic.locator("fieldset.item legend").first).to_contain_text("شرح لي الموظفون الأمور بوضوح.")
    # the text from the interface (no Arabic catalog) is marked as such, left to right
    number = arabic.locator(".qnum").first
    expect(number).to_have_attribute("lang", "it")
    expect(number).to_have_attribute("dir", "ltr")
    expect(arabic.locator(".stepper")).to_have_attribute("lang", "it")
    # right to left: the statement starts at the right edge, and nothing scrolls sideways
    box = arabic.locator("fieldset.item legend").first.bounding_box()
    choices = arabic.locator("fieldset.item .choices").first.bounding_box()
    assert abs((box["x"] + box["width"]) - (choices["x"] + choices["width"])) < 2
    assert arabic.evaluate("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    shoot(arabic, artifacts, "03-arabic-statement")


def test_every_footer_links_to_the_statement_and_the_feedback_form(new_context, staff_page, site,
                                                                   artifacts):
    anonymous = new_context().new_page()
    operator = staff_page("operator")
    for page, path in [(anonymous, "/"), (anonymous, f"/r/{site.token}"), (anonymous, f"/r/{site.token}/grazie"),
                       (anonymous, "/accesso"), (anonymous, "/pagina-che-non-esiste"),
                       (operator, "/gestione/"), (operator, f"/risultati/rilevazioni/{site.closed_round_id}")]:
        page.goto(path)
        footer = page.locator("footer")
        expect(footer.get_by_role("link", name="Dichiarazione di accessibilità")).to_have_attribute(
            "href", "/accessibilita")
        expect(footer.get_by_role("link", name="Segnala un problema di accessibilità")).to_be_visible()
    # the statement follows AgID's model
    anonymous.goto("/accessibilita")
    headings = anonymous.locator("main h2").all_text_contents()
    for section in ("Stato di conformità", "Contenuti non accessibili", "Redazione della dichiarazione",
                    "Meccanismo di feedback e informazioni di contatto", "Procedura di attuazione"):
        assert section in headings
    # a report from a questionnaire's page reaches the admins' audit log, with the page
    anonymous.goto(f"/r/{site.token}")
    anonymous.locator("footer").get_by_role("link", name="Segnala un problema di accessibilità").click()
    expect(anonymous.get_by_label("In quale pagina? (facoltativo)")).to_have_value(f"/r/{site.token}")
    anonymous.get_by_label("Che cosa non funziona?").fill("I pulsanti sono troppo vicini.")
    anonymous.get_by_label("Come possiamo risponderti? (facoltativo)").fill("035 000000")
    anonymous.get_by_role("button", name="Invia la segnalazione").click()
    expect(anonymous.get_by_role("heading", level=1)).to_have_text("Grazie della segnalazione")
    shoot(anonymous, artifacts, "01-feedback-sent")
    admin = staff_page("admin")
    admin.goto("/amministrazione/registro?azione=accessibility.")
    expect(admin.locator("tbody")).to_contain_text("I pulsanti sono troppo vicini.")
    shoot(admin, artifacts, "02-audit-log")


#: the words of these elements that lie on more than one line, and would fit on one alone
SPLIT_WORDS = """(selector) => {
    const split = [];
    for (const box of document.querySelectorAll(selector)) {
        const walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            for (const word of node.data.matchAll(/[\\p{L}\\p{N}'’]{4,}/gu)) {
                const range = document.createRange();
                range.setStart(node, word.index);
                range.setEnd(node, word.index + word[0].length);
                const lines = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
                if (lines.size < 2) continue;
                const probe = document.createElement("span");
                probe.style.whiteSpace = "nowrap";
                probe.textContent = word[0];
                node.parentElement.appendChild(probe);
                const fits = probe.getBoundingClientRect().width <= node.parentElement.getBoundingClientRect().width;
                probe.remove();
                if (fits) split.push(word[0]);
            }
        }
    }
    return split;
}"""


@pytest.mark.parametrize("who, path, selector", [
    ("respondent", "/r/{token}/questionario", "main legend, main label, main p"),
    ("evaluator", "/risultati/confronto?prima={earlier}&dopo={closed}", "main td, main th, main p"),
], ids=["form", "comparison"])
def test_no_word_is_cut_in_the_middle_at_200_percent_zoom(who, path, selector, new_context, site, artifacts):
    # a 1280 px window at 200% lays out in 640 CSS pixels; the phone's 360 px at 200%, in 180
    for width in (640, 180):
        page = new_context(viewport={"width": width, "height": 800}, device_scale_factor=2).new_page()
        if who == "evaluator":
            log_in(page, "evaluator")
        page.goto(path.format(token=site.token, earlier=site.earlier_round_id, closed=site.closed_round_id))
        split = page.evaluate(SPLIT_WORDS, selector)
        shoot(page, artifacts, f"{who}-{width}")
        assert not split, f"words cut in the middle at {width} CSS px: {split[:10]}"
