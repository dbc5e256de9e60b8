"""Guessing a password is slowed down per account, never turned into a lock-out of its owner;
the limit per address stays."""

from __future__ import annotations

import re
import time

from conftest import PASSWORD, csrf_token_of, log_in

from survey_app.accounts import throttle


def _attempt(app, email, password, address, client=None):
    client = client or app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client.post("/accesso", data={"email": email, "password": password, "csrf_token": csrf_token_of(client)})


def _wait_asked(response) -> int:
    # the page says how long; Retry-After may be longer (Flask-Limiter's per-address window)
    seconds = int(re.search(r"riprova tra (\d+) secondi", response.get_data(as_text=True)).group(1))
    assert int(response.headers["Retry-After"]) >= seconds
    return seconds


def _fail_until_counted(app, email, failures, first_address=1):
    """Make *failures* wrong attempts count, each from its own address, waiting out any delay."""
    for i in range(failures):
        address = f"192.0.2.{first_address + i}"
        while (response := _attempt(app, email, f"wrong guess number {i}", address)).status_code == 429:
            time.sleep(_wait_asked(response) + 0.05)
        assert response.status_code == 401


def test_delay_doubles_and_is_bounded():
    delays = [throttle.delay_after(n) for n in range(1, 30)]
    assert delays[:throttle.FREE_FAILURES] == [0] * throttle.FREE_FAILURES
    assert delays[throttle.FREE_FAILURES:throttle.FREE_FAILURES + 4] == [1, 2, 4, 8]
    assert max(delays) == throttle.MAX_DELAY <= 60
    assert delays == sorted(delays)


def test_failures_from_many_addresses_slow_the_account_down(app, staff):
    _fail_until_counted(app, staff.operator, throttle.FREE_FAILURES + 1)
    # the next try, even the right password from a new address, waits (without the password checked)
    response = _attempt(app, staff.operator, PASSWORD, "198.51.100.1")
    assert response.status_code == 429 and _wait_asked(response) >= 1
    time.sleep(_wait_asked(response) + 0.05)
    assert _attempt(app, staff.operator, PASSWORD, "198.51.100.1").status_code == 303


def test_an_unknown_email_is_slowed_down_the_same_way(app, staff):
    _fail_until_counted(app, "nessuno@altosebino.example", throttle.FREE_FAILURES + 1)
    assert _attempt(app, "nessuno@altosebino.example", PASSWORD, "198.51.100.2").status_code == 429


def test_ten_failures_do_not_lock_the_owner_out(app, staff, monkeypatch):
    monkeypatch.setattr(throttle, "MAX_DELAY", 1)  # the same rule, waited out quickly
    _fail_until_counted(app, staff.operator, 12)
    time.sleep(1.05)
    assert _attempt(app, staff.operator, PASSWORD, "198.51.100.3").status_code == 303


def test_a_browser_that_logged_in_before_is_never_slowed_down(app, staff):
    usual = app.test_client()
    assert _attempt(app, staff.operator, PASSWORD, "203.0.113.7", client=usual).status_code == 303
    usual.post("/esci", data={"csrf_token": csrf_token_of(usual, "/gestione/")})
    _fail_until_counted(app, staff.operator, throttle.FREE_FAILURES + 2)
    assert _attempt(app, staff.operator, PASSWORD, "198.51.100.4").status_code == 429  # a new browser waits
    assert _attempt(app, staff.operator, PASSWORD, "203.0.113.7", client=usual).status_code == 303


def test_device_cookie_of_another_user_or_forged_does_not_count(app, staff):
    with app.test_request_context():
        assert not throttle.is_known_device("forged", 1)
        assert not throttle.is_known_device(throttle.device_cookie_value(2), 1)
        assert throttle.is_known_device(throttle.device_cookie_value(1), 1)


def test_failures_from_one_address_are_still_limited(app, staff):
    client = app.test_client()
    statuses = [log_in(client, f"persona{i}@altosebino.example", "wrong password here").status_code
                for i in range(11)]
    assert statuses[:10] == [401] * 10 and statuses[10] == 429
    # even the right password waits at that address: the attacker cannot tell
    assert log_in(client, staff.operator).status_code == 429
