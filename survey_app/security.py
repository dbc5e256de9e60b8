"""HTTP hardening applied to every response: security headers and the Content-Security-Policy.

The policy allows no inline script anywhere. Printable documents (posters, cards, paper
questionnaires) carry their CSS in a ``<style>`` element so they print as self-contained
files; views mark them with :func:`allow_inline_styles`, which relaxes only ``style-src``.
"""

from __future__ import annotations

from flask import Flask, g, request

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
#: one year, as OWASP ASVS 3.4.1 asks
HSTS_MAX_AGE = 31_536_000


def allow_inline_styles() -> None:
    """Let this response use ``<style>`` elements and ``style`` attributes (printable documents)."""
    g.inline_styles_allowed = True


def set_security_headers(response):
    policy = CONTENT_SECURITY_POLICY
    if g.get("inline_styles_allowed"):
        policy = policy.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
    response.headers.setdefault("Content-Security-Policy", policy)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()")
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", f"max-age={HSTS_MAX_AGE}; includeSubDomains")
    if request.endpoint and not request.endpoint.startswith(("core.", "static")):
        # staff pages show personal and sensitive data, respondents' pages their answers and a
        # panel card's code: never keep them in a cache (a shared phone, a proxy)
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def init_app(app: Flask) -> None:
    app.after_request(set_security_headers)
