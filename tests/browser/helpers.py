"""What the browser tests share besides fixtures: where things are, logging in, axe, screenshots."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from .site import EMAILS, PASSWORD

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CHROMIUM = Path(os.environ.get("SURVEY_CHROMIUM", "/usr/bin/chromium"))
AXE = HERE / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "test-artifacts" / "browser"
#: set by .ci/run: a missing Chromium, Playwright or axe-core fails instead of skipping
REQUIRED = os.environ.get("SURVEY_BROWSER_TESTS", "").lower() == "required"
#: what a CI container needs, and nothing that talks to outside services
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run"]
#: a small, older phone
PHONE = {"viewport": {"width": 360, "height": 640}, "device_scale_factor": 2, "is_mobile": True,
         "has_touch": True}
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def unavailable_reason() -> str | None:
    """Return why the browser tests cannot run here, or ``None`` when they can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return ("Playwright for Python is not installed (make test installs it with the test extra: "
                "pip install -e '.[test]')")
    if not CHROMIUM.exists():
        return (f"Chromium not found at {CHROMIUM}: install Debian's package with "
                "'apt-get install -y chromium' (.ci/run does), or set SURVEY_CHROMIUM")
    return None


def skip_or_fail(reason: str):
    """Skip with *reason*, or fail when the browser tests are required (CI)."""
    (pytest.fail if REQUIRED else pytest.skip)(reason)


def log_in(page, role: str) -> None:
    """Log *page* in through the login form as the site's user of *role*."""
    page.goto("/accesso")
    page.get_by_label("E-mail").fill(EMAILS[role])
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Accedi").click()
    page.wait_for_url(re.compile(r".*/(gestione|risultati|amministrazione|indicatori)/.*"))


def shoot(page, folder: Path, name: str, *, full_page: bool = True) -> None:
    """Save a screenshot of *page* (the whole page by default) as ``folder/name.png``."""
    page.screenshot(path=str(folder / f"{name}.png"), full_page=full_page)


def axe_violations(page) -> list[dict]:
    """Run axe-core on *page* at WCAG 2.1 A and AA; return its violations.

    axe is injected as a script element, which the app's CSP (``script-src 'self'``) refuses:
    the page's context must be opened with ``bypass_csp=True`` (only the axe tests do).
    """
    if not AXE.exists():
        skip_or_fail(f"axe-core is not installed ({AXE}): run 'npm ci --prefix tests/browser'")
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    return page.evaluate(
        """async (tags) => {
            const result = await axe.run(document, {runOnly: {type: "tag", values: tags},
                                                    resultTypes: ["violations"]});
            return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => ({target: n.target.join(" "), summary: n.failureSummary}))}));
        }""",
        AXE_TAGS,
    )


def describe_violations(violations: list[dict]) -> str:
    """Return axe's violations as readable lines (rule, impact, first nodes and why)."""
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:5]:
            summary = " ".join((node["summary"] or "").split())
            lines.append(f"    {node['target']}: {summary[:300]}")
    return "\n".join(lines)


def horizontal_overflow(page) -> int:
    """Return by how many CSS pixels the page is wider than its viewport (0: no sideways scroll)."""
    return page.evaluate(
        "() => Math.max(0, document.documentElement.scrollWidth - document.documentElement.clientWidth)")


def stored_response(live_server, submission_id: str) -> dict | None:
    """Return the stored answers of *submission_id* (item id → value), or ``None`` if not stored."""
    from sqlalchemy import select

    from survey_app.models import Response

    with live_server.session() as db:
        response = db.scalar(select(Response).where(Response.submission_id == submission_id))
        if response is None:
            return None
        return {answer.item_id: answer.value for answer in response.answers}


def responses_with_id(live_server, submission_id: str) -> int:
    """Return how many responses carry *submission_id* (0 or 1: it is unique)."""
    from sqlalchemy import func, select

    from survey_app.models import Response

    with live_server.session() as db:
        return db.scalar(select(func.count()).select_from(Response).where(Response.submission_id == submission_id))


#: the Likert answer the journeys give: "Abbastanza d'accordo" (value 4 of 5)
LIKERT_INDEX = 3


def visible_step(page):
    """Return the statement (or question) the stepper shows now."""
    return page.locator("form [data-step]:not([hidden])")


def answer_step(step, *, touch: bool, likert_index: int = LIKERT_INDEX) -> None:
    """Answer one statement or question by tapping (or clicking) like a person."""
    def press(locator):
        locator.tap() if touch else locator.click()

    if step.locator("input[type=radio]").count():
        labels = step.locator("label.choice")
        index = likert_index if step.locator(".choices.scale").count() else 0
        press(labels.nth(min(index, labels.count() - 1)))
    elif step.locator("select").count():
        step.locator("select").select_option(index=1)
    elif step.locator("textarea").count():
        step.locator("textarea").fill("Tutto bene, grazie.")


def answer_one_per_screen(page, *, touch: bool = True, shots=None, stop_after: int | None = None) -> int:
    """Answer the stepper's screens in order (all, or the first *stop_after*); return how many.

    With *shots* ``(folder, prefix)``, the first screen and the last are photographed.
    """
    answered = 0
    while True:
        step = visible_step(page)
        answer_step(step, touch=touch)
        answered += 1
        next_button = page.locator("[data-next]")
        if shots and answered == 1:
            shoot(page, shots[0], f"{shots[1]}-first-statement")
        if stop_after is not None and answered >= stop_after:
            return answered
        if not next_button.is_visible():
            if shots:
                shoot(page, shots[0], f"{shots[1]}-last-question")
            return answered
        next_button.tap() if touch else next_button.click()


def answer_whole_form(page, *, touch: bool = True) -> None:
    """Answer every statement and question of the plain form (no stepper)."""
    steps = page.locator("form [data-step]")
    for i in range(steps.count()):
        answer_step(steps.nth(i), touch=touch)


def submission_id(page) -> str:
    return page.locator("input[name=submission_id]").input_value()
