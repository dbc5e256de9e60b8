"""Anti-automation for the anonymous form, without login and without storing anything personal.

Layers (none is enough alone, together they stop the cheap attacks):

- a honeypot field people never see (``website``): a filled one is refused;
- one rendered form, one response: the form carries a stamp signed with the app's secret key
  that binds the submission id the server issued to the time the form was shown. The id is
  never the client's choice, so replaying a form under made-up ids stores nothing new, and
  the stamp expires (``FORM_MAX_AGE_SECONDS``, a day by default: long enough for a slow person);
- a minimum completion time, read from the same stamp: a submission faster than a person could
  read the statements is shown back to be checked and sent again (a person does it in a second;
  a script must wait);
- per-address rate limits (:mod:`survey_app.limits`: memory or Redis, never the database),
  generous because a whole audience may share one venue's Wi-Fi;
- a soft warning when a browser has already answered the round (carers answer for several
  people, so it never blocks); and, on the link it answered through, the thank-you page again
  instead of a form that the browser may fill in with the answers just sent (see
  :data:`SENT_COOKIE`);
- an alert in the audit log when a round receives a burst of submissions.
"""

from __future__ import annotations

import logging
import secrets
import time
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeSerializer
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

#: a new salt for the stamps binding an id (the earlier ones carried only a time): a page
#: rendered before the change is read as expired, shown again with its answers and a new stamp
STAMP_SALT = "questionnaire-form"
#: cookie listing the rounds this browser answered (ids only), for the soft warning
ANSWERED_COOKIE = "risposto"
#: cookie scoped to the path of the link a questionnaire was sent through: a random marker
#: (nothing about the person or the answers). Going back to the form after the thank-you page
#: shows "already sent" with a link to a new, empty form; the link carries the marker, which
#: changes with every response, so going back to that form after sending it says the same.
SENT_COOKIE = "inviato"
#: submissions per minute to one round that raise an alert to its operators
BURST_LIMIT = "30/minute"


@dataclass(frozen=True)
class FormStamp:
    """What a rendered form's signed stamp says: the id the server issued and when."""

    submission_id: str
    issued_at: int

    def age(self) -> float:
        return time.time() - self.issued_at


def issue_stamp(secret_key: str, submission_id: str) -> str:
    """Return the signed stamp of a form rendered now with *submission_id*."""
    return URLSafeSerializer(secret_key, salt=STAMP_SALT).dumps([submission_id, int(time.time())])


def read_stamp(secret_key: str, stamp: str | None, max_age: float) -> FormStamp | None:
    """Return what *stamp* says, or ``None`` if it is missing, forged, malformed or older than *max_age*."""
    if not stamp or len(stamp) > 200:
        return None
    try:
        submission_id, issued_at = URLSafeSerializer(secret_key, salt=STAMP_SALT).loads(stamp)
    except (BadSignature, TypeError, ValueError):
        return None
    if not isinstance(submission_id, str) or not isinstance(issued_at, int):
        return None
    found = FormStamp(submission_id, issued_at)
    return found if found.age() <= max_age else None


def minimum_seconds(item_count: int, configured: float) -> float:
    """Return the minimum plausible time for *item_count* statements (``configured`` is the floor)."""
    return 0.0 if configured <= 0 else max(configured, item_count * 1.0)


def answered_rounds(cookie_value: str | None) -> set[str]:
    """Return the round ids listed in the answered-rounds cookie."""
    return {part for part in (cookie_value or "").split(".") if part.isdigit()}


def with_answered_round(cookie_value: str | None, round_id: int) -> str:
    """Return the cookie value with *round_id* added (the last 50 rounds are kept)."""
    rounds = [r for r in (cookie_value or "").split(".") if r.isdigit() and r != str(round_id)]
    return ".".join((rounds + [str(round_id)])[-50:])


def sent_marker(current: str | None, stored_now: bool) -> str:
    """Return the :data:`SENT_COOKIE` value after a submission: new when a response was stored,
    the current one for a retry of a response already stored."""
    return current if current and not stored_now else secrets.token_urlsafe(9)


logger = logging.getLogger(__name__)


class BurstDetector:
    """Count submissions per round in a moving window; tell when a round exceeds :data:`BURST_LIMIT`.

    Counters live where the rate limits do (memory, or Redis shared by every process), under
    the installation's key prefix. A failing store only silences the alert: the answer has
    already been stored when this runs, so it must never turn into an error.
    """

    def __init__(self, storage_uri: str, key_prefix: str = "survey_app", **storage_options):
        self.limiter = MovingWindowRateLimiter(storage_from_string(storage_uri, **storage_options))
        self.limit = parse(BURST_LIMIT)
        self.quiet_period = parse("1/10minutes")
        self.key_prefix = key_prefix

    def is_burst(self, round_id: int) -> bool:
        """Count one submission; return ``True`` exactly when the round goes over the limit."""
        try:
            if self.limiter.hit(self.limit, self.key_prefix, "burst", str(round_id)):
                return False
            # over the limit: alert once, then stay quiet for ten minutes
            return self.limiter.hit(self.quiet_period, self.key_prefix, "burst-alerted", str(round_id))
        except Exception:  # noqa: BLE001 - any store failure: skip the alert, keep the response
            logger.warning("burst detector store unavailable; no alert for round %s", round_id, exc_info=True)
            return False


def init_app(app) -> None:
    """Create the app's burst detector once, before requests (not lazily inside threads)."""
    app.extensions["burst_detector"] = BurstDetector(
        app.config["RATELIMIT_STORAGE_URI"], app.config.get("RATELIMIT_KEY_PREFIX", "survey_app"),
        **app.config.get("RATELIMIT_STORAGE_OPTIONS", {}),
    )
