"""Rate limits (Flask-Limiter): counters live in memory or Redis with an expiry, never in the database.

``RATELIMIT_STORAGE_URI`` selects the store (``memory://`` by default; ``redis://...``, set by
``SURVEY_REDIS_URL``, when several processes or hosts must share counters). With Redis, an
outage of Redis never fails a request: counting falls back to memory until Redis is back.
"""

from __future__ import annotations

import hashlib

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

limiter = Limiter(key_func=get_remote_address)


def email_key(email: str) -> str:
    """Key of the counters of one typed e-mail (hashed, so the store never holds addresses)."""
    return "login:" + hashlib.sha256(email.strip().lower().encode("utf-8")).hexdigest()[:32]


def retry_after_seconds(error) -> int | None:
    """Return how long to wait after *error*, a 429 raised by one of the limits, or ``None``.

    The length of the limit's window: the counters it breached are gone by then at the latest.
    """
    limit = getattr(getattr(error, "limit", None), "limit", None)
    return int(limit.get_expiry()) if limit is not None else None


def init_app(app) -> None:
    # ``SURVEY_REDIS_URL`` sets the store (survey_app.config); memory:// counts per process
    app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    # No X-RateLimit-* headers: browsers ignore them, and computing them reads the store once
    # more on every request (a Redis round trip with Redis, issue 17). A refusal still says
    # when to come back: see :func:`retry_after_seconds`.
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", False)
    # one Redis may serve several installations (or a Redis database shared with other uses)
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "survey_app")
    if app.config["RATELIMIT_STORAGE_URI"].startswith(("redis://", "rediss://", "redis+")):
        # a Redis that stops answering must not hang requests: give up within a second...
        app.config.setdefault("RATELIMIT_STORAGE_OPTIONS",
                              {"socket_timeout": 1, "socket_connect_timeout": 1})
        # ...and meanwhile count in this process's memory instead of failing the request;
        # Flask-Limiter goes back to Redis by itself once it answers again
        app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
        app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
    limiter.init_app(app)
