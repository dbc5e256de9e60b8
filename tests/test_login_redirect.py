"""Where a login leads: each role's own home, or the ``next=`` page only when it is one of ours."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from conftest import PASSWORD, csrf_token_of, log_in
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from survey_app.accounts.views import local_redirect_target


def _log_in_with_next(client, email: str, raw_next: str):
    # raw_next goes into the URL as typed: "%09" reaches the app as a tab
    return client.post(f"/accesso?next={raw_next}",
                       data={"email": email, "password": PASSWORD, "csrf_token": csrf_token_of(client)})


@pytest.mark.parametrize("raw_next", [
    "/%09/evil.example",          # a tab, which browsers drop: "//evil.example"
    "/%0a/evil.example",          # newlines gave a 500
    "/%0d%0a/evil.example",
    "%0a//evil.example",
    "//evil.example/x",
    "/%5Cevil.example",           # "/\\evil.example", read as "//evil.example"
    "%5C%5Cevil.example",
    "https://evil.example/gestione/",
    "https:/evil.example",
    "javascript:alert(1)",
    "/%00",
    "/non-esiste",                # not a page of the app
    "/esci",                      # a POST-only endpoint
    "/gestione",                  # a redirect, not a page
    "/[",                         # urlsplit's ValueError
])
def test_login_never_leads_off_site(client, staff, raw_next):
    response = _log_in_with_next(client, staff.operator, raw_next)
    assert response.status_code == 303
    assert response.headers["Location"] == "/gestione/"


def test_login_keeps_a_page_of_the_app_with_its_query(client, staff):
    response = _log_in_with_next(client, staff.operator, "/gestione/%3Fambito%3Dalto-sebino")
    assert response.headers["Location"] == "/gestione/?ambito=alto-sebino"


@pytest.mark.parametrize(("role", "home"), [("operator", "/gestione/"), ("admin", "/gestione/"),
                                            ("evaluator", "/risultati/")])
def test_each_role_lands_on_its_own_home(client, staff, role, home):
    response = log_in(client, getattr(staff, role))
    assert response.status_code == 303 and response.headers["Location"] == home


_PIECES = st.sampled_from(["/", "//", "\\", "\t", "\n", "\r", "\x00", " ", "%09", "%2F", "@", ":", "?", "#",
                           "http:", "https://", "evil.example", "gestione", "risultati", "..", ".", "r", "x"])
_TARGETS = st.one_of(st.text(max_size=40), st.lists(_PIECES, max_size=8).map("".join))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(target=_TARGETS)
@example(target="/\t/evil.example")
@example(target="/\\/evil.example")
def test_redirect_target_is_always_a_page_of_the_app(app, target):
    with app.test_request_context("/accesso"):
        result = local_redirect_target(target, "/fallback")
        if result == "/fallback":
            return
        parts = urlsplit(result)
        assert not parts.scheme and not parts.netloc
        assert not any(ord(c) < 0x21 or c == "\\" for c in result)
        adapter = app.url_map.bind("localhost")
        adapter.match(parts.path, method="GET")  # raises when not one of our pages
