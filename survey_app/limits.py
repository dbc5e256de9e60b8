"""Rate limits (Flask-Limiter): counters live in memory or Redis with an expiry, never in the database.

``RATELIMIT_STORAGE_URI`` selects the store (``memory://`` by default; ``redis://...`` when
several processes must share counters).
"""

from __future__ import annotations

import hashlib

from flask import request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

limiter = Limiter(key_func=get_remote_address)


def submitted_email_key() -> str:
    """Key login attempts by the e-mail typed (hashed, so the store never holds addresses)."""
    email = (request.form.get("email") or "").strip().lower()
    return "login:" + hashlib.sha256(email.encode("utf-8")).hexdigest()[:32]


def init_app(app) -> None:
    app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    limiter.init_app(app)
