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


def init_app(app) -> None:
    # ``SURVEY_REDIS_URL`` sets the store (survey_app.config); memory:// counts per process
    app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
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
