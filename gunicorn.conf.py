"""gunicorn settings for survey_app in production: ``gunicorn -c gunicorn.conf.py``.

Every setting can be changed through the environment (see README, "Production"):

| variable | default | meaning |
| --- | --- | --- |
| ``GUNICORN_BIND`` | ``127.0.0.1:8000`` | address to listen on: loopback behind a reverse proxy on the same host, a private address when the proxy is elsewhere |
| ``GUNICORN_WORKERS`` (or ``WEB_CONCURRENCY``) | ``min(2 * cores + 1, 8)`` | processes; each holds the app (about 100 MB, more once evaluator pages load pandas) |
| ``GUNICORN_THREADS`` | ``2`` | threads per process (gthread worker); one database connection each at most |
| ``GUNICORN_TIMEOUT`` | ``60`` | seconds a silent worker lives before it is restarted |
| ``GUNICORN_GRACEFUL_TIMEOUT`` | ``30`` | seconds running requests get to finish on restart or stop |
| ``GUNICORN_PRELOAD`` | ``0`` | ``1`` loads the app once before forking (see below) |
| ``FORWARDED_ALLOW_IPS`` | ``127.0.0.1,::1`` | proxies whose ``X-Forwarded-Proto`` is trusted (gunicorn's own variable) |
| ``GUNICORN_ACCESS_LOG`` | ``-`` (standard output) | a file, or ``off`` |

Workers: ``2 * cores + 1`` is gunicorn's rule of thumb for processes that wait on I/O; it is
capped at 8 because each process holds a copy of the app and, on PostgreSQL, up to
``GUNICORN_THREADS`` connections: instances x workers x threads must stay below the server's
``max_connections`` (100 by default) with room for migrations and the evaluators' tools.
Threads: rendering and validating a questionnaire is CPU work that holds Python's GIL, so
threads only help while a request waits (on PostgreSQL over the network, on Redis); 2 is the
default, more pays only when the database is on another host. On a small host, fewer workers
than the rule (``GUNICORN_WORKERS=<cores>``) can cut tail latency under saturation: measure
with ``benchmarks/bench_submit.py --workers N --threads M``.

Preloading (``GUNICORN_PRELOAD=1``): the app is imported once in the master and the workers
are forked from it, so they start at once and share the imported code's memory; but a
``kill -HUP`` then no longer loads new code (a full restart is needed), and anything opened
while loading is shared by every worker. The database pool is therefore discarded in each
new worker (``post_fork`` below). Off by default: a deployment reloads code with ``HUP``.

Privacy: the access log never holds an IP address, a user agent, a referrer, a query string
or a panel code (``/c/<code>`` is logged as ``/c/-``), and respondent pages are logged with
the hour only, as responses are stored (``PrivacyLogger`` enforces this whatever
``access_log_format`` says, with the rules of ``survey_app/access_log.py``, which the
development server of ``make run`` uses too).
"""

from __future__ import annotations

import os
import sys

from gunicorn.glogging import Logger

wsgi_app = "survey_app:create_app()"


def _int_env(*names: str, default: int) -> int:
    for name in names:
        value = os.environ.get(name, "").strip()
        if value:
            return int(value)
    return default


def default_workers(cores: int | None = None) -> int:
    """Return ``2 * cores + 1`` capped at 8 (see the module docstring)."""
    cores = cores or os.cpu_count() or 1
    return min(2 * cores + 1, 8)


bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",")
workers = _int_env("GUNICORN_WORKERS", "WEB_CONCURRENCY", default=default_workers())
threads = _int_env("GUNICORN_THREADS", default=2)
# gthread: a thread per request, and keep-alive connections with the reverse proxy
worker_class = "gthread"
timeout = _int_env("GUNICORN_TIMEOUT", default=60)
graceful_timeout = _int_env("GUNICORN_GRACEFUL_TIMEOUT", default=30)
keepalive = 5
# recycle workers now and then (with jitter, so not all at once) against slow memory growth
max_requests = 5000
max_requests_jitter = 500
preload_app = os.environ.get("GUNICORN_PRELOAD", "0") == "1"
# the reverse proxy (nginx) terminates TLS and says so with X-Forwarded-Proto; only trusted
# from these addresses. X-Forwarded-For is read by the app itself (SURVEY_PROXY_COUNT).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# refuse absurd request lines and headers early (a questionnaire POST is a few kB of body)
limit_request_line = 4094
limit_request_fields = 100
# the process title in ps/top
proc_name = "survey_app"
# gunicorn >= 24 opens a control socket at one fixed path per user, which several instances on
# a host would share; signals (HUP, TERM, TTIN/TTOU) do the same job
control_socket_disable = True

_access_log = os.environ.get("GUNICORN_ACCESS_LOG", "-")
accesslog = None if _access_log.lower() in ("off", "none", "") else _access_log
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# time, request (path without query string), status, bytes, duration in milliseconds, pid.
# Deliberately no %(h)s (client address), %(a)s (user agent), %(f)s (referrer), %(q)s or %(r)s
# (query string), %(u)s: see PrivacyLogger.
access_log_format = '%(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms %(p)s'

#: atoms PrivacyLogger lets through; any other (address, headers, environ) is logged as "-"
SAFE_ATOMS = frozenset({"t", "m", "U", "H", "s", "b", "B", "T", "D", "M", "L", "p"})


class PrivacyLogger(Logger):
    """gunicorn's logger with every access-log field that could identify a person removed
    (the rules live in survey_app.access_log, which the development server uses too)."""

    def atoms(self, resp, req, environ, request_time):
        from survey_app.access_log import RESPONDENT_PATH, log_time, redact_path

        atoms = super().atoms(resp, req, environ, request_time)
        path = redact_path(atoms.get("U") or "")
        safe = {key: value for key, value in atoms.items() if key in SAFE_ATOMS}
        safe["U"] = path
        safe["r"] = f"{atoms.get('m')} {path} {atoms.get('H')}"
        if RESPONDENT_PATH.match(path):
            safe["t"] = log_time(path)
        return safe


logger_class = PrivacyLogger


def on_starting(server):
    """Refuse to start a production server with settings that would break or leak."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from survey_app import config

    settings = config.settings_from_environment(os.path.join(os.path.dirname(__file__), "instance"))
    if settings["SURVEY_ENV"] != "production":
        server.log.warning("SURVEY_ENV is not 'production': cookies are not marked Secure")
        return
    problems = config.production_problems(settings)
    for problem in problems:
        server.log.error("configuration: %s", problem)
    if problems:
        raise SystemExit("survey_app: refusing to start in production, see the errors above")
    if settings.get("RATELIMIT_STORAGE_URI", "memory://").startswith("memory://") and server.cfg.workers > 1:
        server.log.warning("SURVEY_REDIS_URL is not set: each of the %d workers keeps its own "
                           "rate-limit counters", server.cfg.workers)


def post_worker_init(worker):
    """Exempt the loaded app from garbage collection passes.

    Python's cyclic garbage collector walks every tracked object of the older generations;
    a loaded app holds hundreds of thousands (SQLAlchemy, Jinja, Babel), and walking them cost
    about a tenth of each submission's CPU time (benchmarks/bench_submit.py). Objects created
    by requests are still collected as usual.
    """
    import gc

    gc.collect()
    gc.freeze()


def post_fork(server, worker):
    """With ``preload_app``, drop the database connections inherited from the master."""
    if not server.cfg.preload_app:
        return
    app = server.app.wsgi()
    engine = getattr(app, "extensions", {}).get("survey_db", {}).get("engine")
    if engine is not None:
        # close=False: leave the parent's connections alone, just forget them in this worker
        engine.dispose(close=False)
