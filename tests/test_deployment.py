"""Production deployment: gunicorn settings, production configuration, Redis, ``make serve``.

The Redis tests talk to ``SURVEY_TEST_REDIS_URL`` (default ``redis://127.0.0.1:6379/15``) and
are skipped, saying why, when it does not answer. Nothing here measures time.
"""

from __future__ import annotations

import os
import re
import runpy
import sqlite3
import subprocess
import uuid
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import csrf_token_of

from survey_app import config as settings
from survey_app import create_app

ROOT = Path(__file__).resolve().parents[1]
GUNICORN_CONF = ROOT / "gunicorn.conf.py"
REDIS_URL = os.environ.get("SURVEY_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
#: gunicorn atoms that would log who made a request
IDENTIFYING_ATOMS = ("%(h)s", "%(a)s", "%(f)s", "%(u)s", "%(q)s", "%(r)s", "}i)s", "}e)s")
SURVEY_VARIABLES = ("SURVEY_ENV", "SURVEY_REDIS_URL", "SURVEY_PROXY_COUNT", "SURVEY_PUBLIC_URL",
                    "SURVEY_DATABASE_URL", "SECRET_KEY", "GUNICORN_WORKERS", "WEB_CONCURRENCY",
                    "GUNICORN_THREADS", "GUNICORN_BIND", "GUNICORN_PRELOAD", "FORWARDED_ALLOW_IPS",
                    "GUNICORN_ACCESS_LOG")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    """Each test starts without the deployment variables a developer may have exported."""
    for name in SURVEY_VARIABLES:
        monkeypatch.delenv(name, raising=False)


def gunicorn_settings(**environment) -> tuple[dict, object]:
    """Load gunicorn.conf.py as gunicorn does (every value through gunicorn's validators)."""
    from gunicorn.config import Config

    saved = {k: os.environ.get(k) for k in environment}
    os.environ.update(environment)
    try:
        module = runpy.run_path(str(GUNICORN_CONF))
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    cfg = Config()
    for name, value in module.items():
        if name in cfg.settings and not name.startswith("_"):
            cfg.set(name.lower(), value)
    return module, cfg


@pytest.fixture
def database(tmp_path, sqlite_template) -> str:
    path = tmp_path / "deploy.sqlite3"
    with sqlite3.connect(sqlite_template) as source, sqlite3.connect(path) as target:
        source.backup(target)
    return f"sqlite:///{path}"


# -- gunicorn.conf.py ---------------------------------------------------------------------------

def test_gunicorn_config_loads_with_sensible_defaults():
    module, cfg = gunicorn_settings()
    assert cfg.worker_class_str == "gthread"
    assert cfg.workers == module["default_workers"]()
    assert 1 <= cfg.workers <= 8
    assert cfg.threads >= 1
    assert cfg.timeout >= 30 and cfg.graceful_timeout > 0
    assert cfg.bind == ["127.0.0.1:8000"]  # never a public address by default
    assert cfg.forwarded_allow_ips == ["127.0.0.1", "::1"]
    assert cfg.preload_app is False
    assert cfg.wsgi_app == "survey_app:create_app()"


def test_workers_rule_and_environment_overrides():
    module, _ = gunicorn_settings()
    assert module["default_workers"](1) == 3
    assert module["default_workers"](2) == 5
    assert module["default_workers"](64) == 8  # capped
    _, cfg = gunicorn_settings(GUNICORN_WORKERS="3", GUNICORN_THREADS="6", GUNICORN_BIND="10.0.0.5:9000",
                               GUNICORN_PRELOAD="1", FORWARDED_ALLOW_IPS="10.0.0.2")
    assert (cfg.workers, cfg.threads, cfg.bind, cfg.preload_app) == (3, 6, ["10.0.0.5:9000"], True)
    assert cfg.forwarded_allow_ips == ["10.0.0.2"]
    _, cfg = gunicorn_settings(WEB_CONCURRENCY="4")
    assert cfg.workers == 4


def test_workers_freeze_the_loaded_app_out_of_garbage_collection():
    import gc

    _, cfg = gunicorn_settings()
    assert gc.get_freeze_count() == 0
    try:
        cfg.post_worker_init(SimpleNamespace())
        assert gc.get_freeze_count() > 10_000  # the app's modules and objects
        assert gc.isenabled()  # objects made by requests are still collected
    finally:
        gc.unfreeze()


def test_access_log_format_has_no_address_or_user_agent():
    _, cfg = gunicorn_settings()
    log_format = cfg.access_log_format
    for atom in IDENTIFYING_ATOMS:
        assert atom not in log_format, atom
    assert "%(s)s" in log_format and "%(U)s" in log_format


def _access_line(log_format: str, path: str, query: str = "") -> str:
    """Format one access-log line for a request from a known address with the PrivacyLogger."""
    from datetime import timedelta

    module, cfg = gunicorn_settings()
    cfg.set("access_log_format", log_format)
    logger = module["PrivacyLogger"](cfg)
    environ = {"REMOTE_ADDR": "203.0.113.7", "HTTP_USER_AGENT": "Mozilla/5.0 (Phone; Secret)",
               "HTTP_REFERER": "https://elsewhere.example/page", "REQUEST_METHOD": "GET",
               "RAW_URI": path + (f"?{query}" if query else ""), "PATH_INFO": path,
               "QUERY_STRING": query, "SERVER_PROTOCOL": "HTTP/1.1",
               "HTTP_X_FORWARDED_FOR": "198.51.100.9"}
    request = SimpleNamespace(headers=[("USER-AGENT", environ["HTTP_USER_AGENT"]),
                                       ("X-FORWARDED-FOR", environ["HTTP_X_FORWARDED_FOR"])])
    response = SimpleNamespace(status="200 OK", sent=1234, headers=[("Content-Type", "text/html")])
    atoms = logger.atoms(response, request, environ, timedelta(milliseconds=12))
    return log_format % logger.atoms_wrapper_class(atoms)


@pytest.mark.parametrize("log_format", [
    None,  # the configured format
    '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"',  # gunicorn's default
    '%({x-forwarded-for}i)s %({user-agent}i)s %({remote_addr}e)s %(q)s',
])
def test_privacy_logger_never_writes_addresses_agents_or_panel_codes(log_format):
    log_format = log_format or gunicorn_settings()[1].access_log_format
    line = _access_line(log_format, "/c/ABCDEFGHJKMNP", "lang=en&code=XYZ")
    for secret in ("203.0.113.7", "198.51.100.9", "Mozilla", "elsewhere.example", "ABCDEFGHJKMNP", "XYZ"):
        assert secret not in line, (secret, line)
    assert "/c/-" in line or "/c/" not in log_format


def test_respondent_requests_are_logged_with_the_hour_only():
    log_format = gunicorn_settings()[1].access_log_format
    respondent = _access_line(log_format, "/r/SomeToken/questionario")
    staff = _access_line(log_format, "/gestione/")
    assert re.search(r":\d\d:00:00 ", respondent), respondent
    assert "200" in staff and "/gestione/" in staff


def test_gunicorn_refuses_a_production_start_without_secret_key(monkeypatch):
    module, _ = gunicorn_settings()
    errors = []
    server = SimpleNamespace(log=SimpleNamespace(error=lambda *a: errors.append(a[0] % a[1:]),
                                                 warning=lambda *a: None),
                             cfg=SimpleNamespace(workers=2))
    monkeypatch.setenv("SURVEY_ENV", "production")
    monkeypatch.setenv("SURVEY_PUBLIC_URL", "http://questionari.example.it")
    with pytest.raises(SystemExit):
        module["on_starting"](server)
    assert any("SECRET_KEY" in e for e in errors) and any("https://" in e for e in errors)
    monkeypatch.setenv("SECRET_KEY", "change-me")  # deploy/survey_app.env.example's value
    monkeypatch.setenv("SURVEY_PUBLIC_URL", "https://questionari.example.it")
    errors.clear()
    with pytest.raises(SystemExit):
        module["on_starting"](server)
    assert len(errors) == 1 and "example value ('change-me')" in errors[0] and "token_hex" in errors[0]
    monkeypatch.setenv("SECRET_KEY", GOOD_SECRET_KEY)
    module["on_starting"](server)  # no exception


# -- production configuration --------------------------------------------------------------------

def test_development_is_the_default(database):
    app = create_app({"DATABASE_URL": database, "SECRET_KEY": "x"})
    assert app.config["SURVEY_ENV"] == "development"
    assert not app.config.get("SESSION_COOKIE_SECURE")
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"
    assert app.config["PROXY_COUNT"] == 0


def test_production_makes_cookies_https_only(monkeypatch, database):
    monkeypatch.setenv("SURVEY_ENV", "production")
    app = create_app({"DATABASE_URL": database, "SECRET_KEY": "x"})
    for key, value in settings.PRODUCTION.items():
        assert app.config[key] == value, key
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    assert app.config["PREFERRED_URL_SCHEME"] == "https"
    response = app.test_client().get("/accesso", base_url="https://questionari.example.it")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-session=")
    assert "Secure" in cookie and "HttpOnly" in cookie and "Path=/" in cookie and "Domain" not in cookie
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


GOOD_SECRET_KEY = "9f2c4e7a1b8d3f60c5e2a9d4b7f1e3c8a6d0b2f4e9c7a5d3b1f8e6c4a2d0b9f7"


def test_production_problems():
    good = {"SECRET_KEY": GOOD_SECRET_KEY, "PUBLIC_URL": "https://questionari.example.it",
            "DATABASE_URL": "postgresql+psycopg://u@db/survey"}
    assert settings.production_problems(good) == []
    assert len(settings.production_problems({**good, "SECRET_KEY": None})) == 1
    assert len(settings.production_problems({**good, "PUBLIC_URL": "http://127.0.0.1:5000"})) == 1


def test_production_refuses_example_and_weak_secret_keys():
    example = re.search(r"^SECRET_KEY=(.*)$", (ROOT / "deploy" / "survey_app.env.example").read_text(), re.M)
    for weak in (example.group(1), "Change-Me ", "secret", "test-secret", "a-long-shared-secret", "a" * 64):
        problems = settings.production_problems({"SECRET_KEY": weak, "PUBLIC_URL": "https://q.example.it"})
        assert len(problems) == 1 and "SECRET_KEY" in problems[0], weak


def test_environment_settings(monkeypatch, tmp_path):
    monkeypatch.setenv("SURVEY_REDIS_URL", "redis://cache.internal:6379/2")
    monkeypatch.setenv("SURVEY_PROXY_COUNT", "1")
    monkeypatch.setenv("SURVEY_ENV", " Production ")
    values = settings.settings_from_environment(tmp_path)
    assert values["RATELIMIT_STORAGE_URI"] == "redis://cache.internal:6379/2"
    assert values["PROXY_COUNT"] == 1
    assert values["SURVEY_ENV"] == "production"
    assert values["SESSION_COOKIE_SECURE"] is True


def test_proxy_fix_behind_the_reverse_proxy(database):
    from werkzeug.middleware.proxy_fix import ProxyFix

    app = create_app({"DATABASE_URL": database, "SECRET_KEY": "x", "PROXY_COUNT": 1})
    if not isinstance(app.wsgi_app, ProxyFix):
        pytest.skip("create_app does not apply PROXY_COUNT (SURVEY_PROXY_COUNT) yet")
    seen = {}

    @app.get("/_whoami")
    def whoami():
        from flask import request

        seen.update(addr=request.remote_addr, secure=request.is_secure)
        return "ok"

    client = app.test_client()
    response = client.get("/_whoami", headers={"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"})
    assert response.status_code == 200
    assert seen == {"addr": "203.0.113.7", "secure": True}
    plain = create_app({"DATABASE_URL": database, "SECRET_KEY": "x"})
    assert not isinstance(plain.wsgi_app, ProxyFix)  # no proxy configured: headers not trusted


# -- Redis ----------------------------------------------------------------------------------------

@pytest.fixture
def redis_client():
    """The test Redis; skips, saying why, if it does not answer. Yields (client, forget):
    ``forget(text)`` deletes, after the test, the keys containing *text*."""
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1, socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.skip(f"Redis does not answer at {REDIS_URL} ({type(exc).__name__}); "
                    "set SURVEY_TEST_REDIS_URL or start Redis to run this test")
    forgotten: list[str] = []
    yield client, forgotten.append
    for text in forgotten:
        keys = list(client.scan_iter(match=f"*{text}*", count=1000))
        if keys:
            client.delete(*keys)
    client.close()


def _failed_login(app, email: str, address: str = "127.0.0.1"):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client.post("/accesso", data={"email": email, "password": "wrong password 123",
                                         "csrf_token": csrf_token_of(client)})


def test_limiter_uses_redis_when_configured(monkeypatch, database, redis_client):
    from limits.storage import RedisStorage

    from survey_app.limits import email_key as email_key_of
    from survey_app.limits import limiter

    redis, forget = redis_client
    monkeypatch.setenv("SURVEY_REDIS_URL", REDIS_URL)
    config = {"DATABASE_URL": database, "SECRET_KEY": "x"}
    first = create_app(config)
    assert first.config["RATELIMIT_STORAGE_URI"] == REDIS_URL
    assert isinstance(limiter.storage, RedisStorage)
    # an address and an e-mail of this test alone (TEST-NET-2), so reruns start from zero
    address = f"198.51.100.{uuid.uuid4().int % 250 + 1}"
    email = f"{uuid.uuid4().hex}@example.org"
    email_key = email_key_of(email)
    forget(f"/{address}/")
    forget(email_key)
    for i in range(10):  # ten e-mails from one address: the per-address limit
        forget(email_key_of(f"{i}{email}"))
        assert _failed_login(first, f"{i}{email}", address).status_code in (200, 401)  # refused, not limited
    # another process (a new app, a new storage connection) sees the same counters
    second = create_app(config)
    assert _failed_login(second, email, address).status_code == 429
    # and the per-account delay: failures from six addresses in one process slow the next in another
    for i in range(6):
        other = f"198.51.{uuid.uuid4().int % 250 + 1}.{i + 1}"
        forget(f"/{other}/")
        assert _failed_login(first, email, other).status_code == 401
    assert list(redis.scan_iter(match=f"*{email_key}*"))
    assert _failed_login(second, email, "203.0.113.99").status_code == 429


def test_requests_survive_a_redis_outage(monkeypatch, database):
    pytest.importorskip("redis")
    # nothing listens on port 1: every Redis call fails at once
    monkeypatch.setenv("SURVEY_REDIS_URL", "redis://127.0.0.1:1/0")
    app = create_app({"DATABASE_URL": database, "SECRET_KEY": "x"})
    assert app.config["RATELIMIT_IN_MEMORY_FALLBACK_ENABLED"] is True
    client = app.test_client()
    assert client.get("/accesso").status_code == 200
    for _ in range(11):  # counted in memory meanwhile: the limit still holds
        response = _failed_login(app, "someone@example.org")
    assert response.status_code == 429


# -- make serve -----------------------------------------------------------------------------------

def _make(*args: str, **environment) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in SURVEY_VARIABLES}
    env.update(environment)
    return subprocess.run(["make", "--no-print-directory", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60, check=False)


PRODUCTION_ENVIRONMENT = {"SURVEY_DATABASE_URL": "postgresql+psycopg://survey@127.0.0.1/survey",
                          "SURVEY_REDIS_URL": "redis://127.0.0.1:6379/0", "SECRET_KEY": "s",
                          "SURVEY_PUBLIC_URL": "https://questionari.example.it"}


def test_make_serve_migrates_loads_and_runs_gunicorn_in_production():
    result = _make("-n", "serve", **PRODUCTION_ENVIRONMENT)
    assert result.returncode == 0, result.stderr
    steps = result.stdout
    upgrade, load = steps.index("db upgrade"), steps.index("questionnaires load")
    serve = steps.index("SURVEY_ENV=production")
    assert upgrade < load < serve
    assert "gunicorn -c gunicorn.conf.py" in steps[serve:]


@pytest.mark.parametrize("missing, message", [
    ("SURVEY_DATABASE_URL", "PostgreSQL"), ("SURVEY_REDIS_URL", "SURVEY_REDIS_URL"),
    ("SECRET_KEY", "SECRET_KEY"), ("SURVEY_PUBLIC_URL", "https://"),
])
def test_make_serve_refuses_an_incomplete_environment(missing, message):
    environment = {k: v for k, v in PRODUCTION_ENVIRONMENT.items() if k != missing}
    result = _make("production-environment", **environment)
    assert result.returncode != 0
    assert message in result.stderr


def test_make_serve_refuses_sqlite():
    result = _make("production-environment", **{**PRODUCTION_ENVIRONMENT,
                                                "SURVEY_DATABASE_URL": "sqlite:///instance/x.sqlite3"})
    assert result.returncode != 0 and "SQLite" in result.stderr


def test_nginx_lets_every_staff_upload_through_at_the_apps_own_limit(app):
    """Each page taking a file gets, behind the shipped nginx, at least the size the app accepts."""
    import re
    from pathlib import Path

    from survey_app.indicators.views import IMPORT_MAX_BYTES
    from survey_app.plans.fileformat import MAX_FILE_BYTES as PLAN_BYTES
    from survey_app.questionnaires.views import MAX_FILE_BYTES as QUESTIONNAIRE_BYTES
    from survey_app.rounds.views import OFFLINE_IMPORT_MAX_BYTES

    conf = (Path(__file__).parents[1] / "deploy" / "nginx" / "survey_app.conf").read_text(encoding="utf-8")
    block = re.search(r"location ~ (\S+) \{(.*?)\n    \}", conf, re.S)
    pattern, body = re.compile(block.group(1)), block.group(2)
    limit = int(re.search(r"client_max_body_size (\d+)m;", body).group(1)) * 1024 * 1024
    assert limit >= max(IMPORT_MAX_BYTES, PLAN_BYTES, QUESTIONNAIRE_BYTES, OFFLINE_IMPORT_MAX_BYTES) + 64 * 1024
    for path in ("/amministrazione/piani", "/gestione/questionari", "/gestione/questionari/persona-al-centro",
                 "/indicatori/importa", "/gestione/rilevazioni/12/importa-offline"):
        assert pattern.match(path), path
    for path in ("/r/abc/questionario", "/gestione/rilevazioni/12", "/gestione/questionari/bozze/3/pubblica"):
        assert not pattern.match(path), path
    with app.test_request_context():
        from flask import url_for

        assert url_for("indicators.import_file") == "/indicatori/importa"
        assert url_for("manage.import_offline", round_id=12) == "/gestione/rilevazioni/12/importa-offline"
        assert url_for("plans.index") == "/amministrazione/piani"
        assert url_for("questionnaires.detail", questionnaire_id="persona-al-centro") == \
            "/gestione/questionari/persona-al-centro"
