"""Slowing down password guessing on one account without letting anyone lock its owner out.

Locking an account after N failures lets anybody who knows an operator's e-mail keep them out.
Instead (NIST SP 800-63B rev. 4, 3.2.2, "rate limiting"), failures for one typed e-mail are
counted across all addresses and, past :data:`FREE_FAILURES`, each failure makes the next
attempt for that e-mail wait twice as long as the last: 1, 2, 4... seconds, never more than
:data:`MAX_DELAY`. Meanwhile the login answers 429 without checking the password. Unknown
e-mails are counted the same way, so the answer never tells whether an account exists.

Two things keep the owner in:

* the wait is short (at most :data:`MAX_DELAY`), so even from a new browser a correct password
  gets through soon after an attack stops; and
* a browser that logged in to the account before carries a signed *device cookie*
  (OWASP's "device cookies" against online guessing) and is not slowed down at all, however many
  failures others cause. A stolen device cookie only skips this delay: the password is still
  checked, and the per-address limit (``LOGIN_LIMITS`` in accounts.views) still applies.

Counters live in the rate limiter's store (memory or Redis, with an expiry), never in the
database. If the store fails, the delay is skipped rather than refusing every login.
"""

from __future__ import annotations

import logging
import math
import time

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

from survey_app.limits import email_key, limiter

log = logging.getLogger(__name__)

#: failures of one e-mail, from any address, that cost nothing
FREE_FAILURES = 5
#: the longest wait between two attempts for one e-mail, in seconds
MAX_DELAY = 60
#: failures are forgotten this long after the first of a series (seconds)
FAILURE_WINDOW = 3600
DEVICE_COOKIE = "survey_device"
#: a browser stays known this long after its last login
DEVICE_COOKIE_MAX_AGE = 180 * 24 * 3600


def _key(email: str, kind: str) -> str:
    return f"{current_app.config.get('RATELIMIT_KEY_PREFIX', 'survey_app')}:{email_key(email)}:{kind}"


def delay_after(failures: int) -> int:
    """Return the seconds the next attempt waits after *failures* consecutive failures."""
    if failures <= FREE_FAILURES:
        return 0
    return min(2 ** (failures - FREE_FAILURES - 1), MAX_DELAY)


def seconds_to_wait(email: str) -> int:
    """Return how long an attempt for *email* from an unknown browser must still wait (0: none)."""
    try:
        storage = limiter.storage
        if not storage.get(_key(email, "wait")):
            return 0
        return max(1, math.ceil(storage.get_expiry(_key(email, "wait")) - time.time()))
    except Exception:  # the store is down: never refuse logins because of it
        log.warning("login throttle: rate-limit store unavailable, delay skipped", exc_info=True)
        return 0


def record_failure(email: str) -> None:
    """Count a failed attempt for *email* and start the wait it causes, if any."""
    try:
        storage = limiter.storage
        failures = storage.incr(_key(email, "failures"), FAILURE_WINDOW)
        delay = delay_after(failures)
        if delay:
            storage.clear(_key(email, "wait"))
            storage.incr(_key(email, "wait"), delay)
    except Exception:
        log.warning("login throttle: rate-limit store unavailable, failure not counted", exc_info=True)


def record_success(email: str) -> None:
    """Forget the failures of *email*: its owner is in."""
    try:
        limiter.storage.clear(_key(email, "failures"))
        limiter.storage.clear(_key(email, "wait"))
    except Exception:
        log.warning("login throttle: rate-limit store unavailable", exc_info=True)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="survey_app.known-device")


def device_cookie_value(user_id: int) -> str:
    """Return the signed value telling that this browser logged in as *user_id*."""
    return _serializer().dumps({"u": user_id})


def is_known_device(cookie: str | None, user_id: int | None) -> bool:
    """Tell whether *cookie* is a valid device cookie of *user_id*."""
    if not cookie or user_id is None:
        return False
    try:
        data = _serializer().loads(cookie, max_age=DEVICE_COOKIE_MAX_AGE)
    except BadSignature:
        return False
    return isinstance(data, dict) and data.get("u") == user_id


def set_device_cookie(response, user_id: int) -> None:
    """Mark the browser of *response* as known for *user_id* (sent only to the login page)."""
    response.set_cookie(
        DEVICE_COOKIE, device_cookie_value(user_id), max_age=DEVICE_COOKIE_MAX_AGE, path="/accesso",
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")), httponly=True, samesite="Lax",
    )
