"""Configuration: defaults, environment variables and the instance folder.

Settings come, by increasing priority, from the defaults here, the environment
(``SURVEY_DATABASE_URL``, ``SECRET_KEY``, ``SURVEY_PUBLIC_URL``, ``PORT``, ``SURVEY_ENV``,
``SURVEY_REDIS_URL``, ``SURVEY_PROXY_COUNT``, ``SURVEY_JOB_WORKER``) and the ``config`` mapping given to
:func:`survey_app.create_app`.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

SECRET_KEY_FILE = "secret_key"


def default_database_url(instance_path: str | Path) -> str:
    """Return the URL of the embedded SQLite database inside the instance folder."""
    return f"sqlite:///{Path(instance_path) / 'survey_app.sqlite3'}"


def instance_secret_key(instance_path: str | Path) -> str:
    """Return the secret key kept in the instance folder, creating it on first use.

    The key is generated once so sessions and CSRF tokens survive restarts; the file is
    readable by its owner only.
    """
    path = Path(instance_path) / SECRET_KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return path.read_text().strip()


def settings_from_environment(instance_path: str | Path) -> dict:
    """Return the settings read from the environment, with their defaults."""
    port = os.environ.get("PORT", "5000")
    settings = {
        "DATABASE_URL": os.environ.get("SURVEY_DATABASE_URL") or default_database_url(instance_path),
        "SECRET_KEY": os.environ.get("SECRET_KEY") or None,
        # the base of every link and QR code given to respondents: it must be reachable by them
        "PUBLIC_URL": (os.environ.get("SURVEY_PUBLIC_URL") or f"http://127.0.0.1:{port}").rstrip("/"),
        # "production": HTTPS-only cookies (behind a TLS-terminating reverse proxy)
        "SURVEY_ENV": (os.environ.get("SURVEY_ENV") or "development").strip().lower(),
        # reverse proxies in front of the app whose X-Forwarded-For/-Proto are trusted (0: none)
        "PROXY_COUNT": int(os.environ.get("SURVEY_PROXY_COUNT") or 0),
    }
    redis_url = os.environ.get("SURVEY_REDIS_URL")
    if redis_url:
        # shared by every process and host: rate-limit counters and the burst detector
        settings["RATELIMIT_STORAGE_URI"] = redis_url
    if settings["SURVEY_ENV"] == "production":
        settings.update(PRODUCTION)
    if os.environ.get("SURVEY_JOB_WORKER"):
        settings["JOB_WORKER"] = os.environ["SURVEY_JOB_WORKER"].strip().lower()
    return settings


#: what ``SURVEY_ENV=production`` changes: the site is served over HTTPS by a reverse proxy
PRODUCTION = {
    "SESSION_COOKIE_SECURE": True,
    # the __Host- prefix makes browsers refuse the cookie unless Secure, Path=/ and host-only
    "SESSION_COOKIE_NAME": "__Host-session",
    "REMEMBER_COOKIE_SECURE": True,
    "REMEMBER_COOKIE_HTTPONLY": True,
    "PREFERRED_URL_SCHEME": "https",
    "WTF_CSRF_SSL_STRICT": True,
    # results and reports are made by the `results worker` command (see survey_app.job_queue)
    "JOB_WORKER": "external",
}


#: values of SECRET_KEY from examples and tutorials (deploy/survey_app.env.example says
#: "change-me"): anybody can read them, and sign a session cookie with them
EXAMPLE_SECRET_KEYS = frozenset({
    "change-me", "changeme", "change_me", "change-this", "changethis", "replace-me", "replaceme",
    "secret", "secret-key", "secret_key", "secretkey", "your-secret-key", "your_secret_key",
    "mysecret", "mysecretkey", "dev", "development", "test", "testing", "default", "password",
    "survey_app", "survey-app", "x", "s",
})
#: a key anyone may not guess: ``secrets.token_hex(32)`` gives 64 characters
MIN_SECRET_KEY_LENGTH = 32


def secret_key_problem(key: str | None) -> str | None:
    """Return why *key* cannot sign sessions and CSRF tokens in production, or ``None``."""
    if not key:
        return ("SECRET_KEY is not set: every instance must sign sessions and CSRF tokens "
                "with the same key (the generated instance/secret_key is per host)")
    how = "generate one with: python3 -c 'import secrets; print(secrets.token_hex(32))'"
    if key.strip().lower() in EXAMPLE_SECRET_KEYS:
        return f"SECRET_KEY is an example value ({key.strip()!r}) that anyone can read: {how}"
    if len(key) < MIN_SECRET_KEY_LENGTH or len(set(key)) < 10:
        return (f"SECRET_KEY is too short or too simple to stay secret (at least {MIN_SECRET_KEY_LENGTH} "
                f"random characters): {how}")
    return None


def production_problems(settings: dict) -> list[str]:
    """Return why *settings* (as from :func:`settings_from_environment`) are unfit to serve
    the public in production; empty when they are fit. ``gunicorn.conf.py`` refuses to start
    on any of them when ``SURVEY_ENV=production``."""
    problems = []
    if key_problem := secret_key_problem(settings.get("SECRET_KEY")):
        problems.append(key_problem)
    if not str(settings.get("PUBLIC_URL", "")).startswith("https://"):
        problems.append("SURVEY_PUBLIC_URL must be the public https:// address (links and QR codes)")
    return problems


DEFAULTS = {
    # SQLite waits this long for another writer before giving up (milliseconds)
    "SQLITE_BUSY_TIMEOUT_MS": 10_000,
    # a questionnaire POST is a few kilobytes; anything near this is abuse
    "MAX_CONTENT_LENGTH": 256 * 1024,
    "MAX_FORM_PARTS": 500,
    # a person needs at least this long (and a second per statement) to answer; 0 disables the check
    "MIN_COMPLETION_SECONDS": 5,
    # a rendered form is good for one response until then (a slow person may take hours; an
    # expired form is shown again with its answers and a new stamp, never thrown away)
    "FORM_MAX_AGE_SECONDS": 24 * 3600,
    # questionnaires sent from one address: generous, as a whole audience may share a venue's
    # Wi-Fi (a refused one is shown back with its answers)
    "SUBMIT_RATE_LIMIT": "120 per minute",
    # respondents may take their time; an expired token never loses answers (the form is
    # re-rendered), so this only bounds how long a token can be replayed
    "WTF_CSRF_TIME_LIMIT": 12 * 3600,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "BABEL_DEFAULT_LOCALE": "it",
    # times are stored in UTC and shown in the district's time zone
    "BABEL_DEFAULT_TIMEZONE": "Europe/Rome",
    "LANGUAGES": ["it", "en"],
    "QUESTIONNAIRE_DIR": str(Path(__file__).resolve().parents[1] / "questionnaires"),
}
