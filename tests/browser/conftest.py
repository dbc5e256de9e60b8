"""Fixtures of the browser tests: Debian's Chromium driven by Playwright against the real app.

One Chromium and one live server (``site.py``) serve the whole package; each test opens its own
browser contexts (fresh cookies and storage) with the viewport it needs. Screenshots of the
journeys' key screens go to ``test-artifacts/browser/<test>/``; a failing test also leaves a
``failure-*.png`` of each page it had open.

Without Chromium (``/usr/bin/chromium``, or ``SURVEY_CHROMIUM``) or Playwright the tests are
skipped with the reason; ``SURVEY_BROWSER_TESTS=required`` (``.ci/run`` sets it) turns that,
and a missing axe-core, into failures.
"""

from __future__ import annotations

import contextlib
import re
import shutil
from pathlib import Path

import pytest

from .helpers import (
    ARTIFACTS,
    CHROMIUM,
    HERE,
    LAUNCH_ARGS,
    PHONE,
    REQUIRED,
    log_in,
    skip_or_fail,
    unavailable_reason,
)
from .site import LiveServer, build_database


def pytest_collection_modifyitems(config, items):
    reason = unavailable_reason()
    if reason is None or REQUIRED:
        return  # when required, the fixtures fail with the reason instead
    skip = pytest.mark.skip(reason=f"browser tests: {reason}")
    for item in items:
        if HERE in Path(item.path).parents:
            item.add_marker(skip)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.browser_test_failed = report.failed
    return report


@pytest.fixture(scope="package")
def playwright_driver():
    reason = unavailable_reason()
    if reason:
        skip_or_fail(f"browser tests: {reason}")
    from playwright.sync_api import sync_playwright

    driver = sync_playwright().start()
    yield driver
    driver.stop()


@pytest.fixture(scope="package")
def browser(playwright_driver):
    """Debian's Chromium, headless, one for the whole package."""
    chromium = playwright_driver.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
    yield chromium
    chromium.close()


@pytest.fixture(scope="package")
def site_database(tmp_path_factory):
    """A migrated SQLite database filled by :func:`site.build_database`: ``(url, data)``."""
    url = f"sqlite:///{tmp_path_factory.mktemp('browser-site') / 'site.sqlite3'}"
    return url, build_database(url)


@pytest.fixture(scope="package")
def live_server(site_database, playwright_driver):
    server = LiveServer(site_database[0]).start()
    yield server
    server.stop()


@pytest.fixture
def site(site_database):
    """Ids and tokens of the rounds, point, panel and users of the live site."""
    return site_database[1]


@pytest.fixture
def artifacts(request) -> Path:
    """This test's folder for screenshots and downloads (emptied first)."""
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name).strip("-")
    folder = ARTIFACTS / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


@pytest.fixture
def new_context(request, browser, live_server, artifacts):
    """Open browser contexts on the live site: ``new_context(**PHONE, java_script_enabled=False)``.

    An Italian desktop browser by default; every context is closed after the test.
    """
    contexts = []

    def factory(**options):
        options.setdefault("locale", "it-IT")
        options.setdefault("viewport", {"width": 1280, "height": 900})
        context = browser.new_context(base_url=live_server.url, **options)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context

    yield factory
    failed = getattr(request.node, "browser_test_failed", False)
    for n, context in enumerate(contexts):
        for m, page in enumerate(context.pages if failed else []):
            with contextlib.suppress(Exception):  # a page that cannot be captured must not hide the failure
                page.screenshot(path=str(artifacts / f"failure-{n}-{m}.png"), full_page=True)
        context.close()


@pytest.fixture
def phone(new_context):
    """A page on a 360 x 640 touch phone, with JavaScript."""
    return new_context(**PHONE).new_page()


@pytest.fixture(scope="package")
def staff_states():
    """Logged-in storage states by role, one login per role for the package."""
    return {}


@pytest.fixture
def staff_page(new_context, staff_states):
    """Return a page of a context logged in as *role*: ``staff_page("operator", bypass_csp=True)``."""

    def factory(role: str, **options):
        if role not in staff_states:
            page = new_context().new_page()
            log_in(page, role)
            staff_states[role] = page.context.storage_state()
        return new_context(storage_state=staff_states[role], **options).new_page()

    return factory
