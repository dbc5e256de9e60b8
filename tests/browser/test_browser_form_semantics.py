"""What axe cannot judge alone: the form's structure, errors, languages and the footer's links.

- every Likert statement is a ``fieldset`` whose ``legend`` holds the statement, and every radio
  button has a visible label of its own;
- errors are listed at the top in an alert that gets the focus, each linked to its field, and each
  field points to its message (``aria-describedby``); the title says there is something to fix;
- pages carry their language: Italian by default, English from the browser, the Arabic
  questionnaire right to left with the interface text marked as Italian and left to right;
- every page's footer links to the accessibility statement and to the feedback form, which works.
"""

from __future__ import annotations

import re

from .helpers import PHONE, shoot

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
    page.evaluate("() => document.querySelector('form[data-draft-key]').requestSubmit()")
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
