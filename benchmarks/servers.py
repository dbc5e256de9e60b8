"""Helpers shared by the benchmarks: loopback-only servers, databases and the survey CLI.

Every server a benchmark starts is a gunicorn run with the repository's ``gunicorn.conf.py``
on 127.0.0.1, in its own process group, and is stopped by its process id when the benchmark
ends. Databases are a temporary SQLite file or a separate PostgreSQL database
(``survey_bench`` by default: the tests' ``test`` database is never touched).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
BENCH_DIR = ROOT / "benchmarks"
BIN = Path(sys.executable).parent
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/survey_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/15"
LOOPBACK = ("127.0.0.1", "localhost", "::1", "[::1]")


def require_loopback(url: str) -> str:
    """Return *url* if its host is on this machine's loopback interface; raise otherwise."""
    host = urlsplit(url).hostname or ""
    if host not in LOOPBACK and not host.startswith("127."):
        raise SystemExit(f"benchmarks only talk to 127.0.0.1, not to {host!r} ({url})")
    return url


def free_port() -> int:
    """Return a TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def postgres_available(url: str = DEFAULT_POSTGRES_URL) -> str | None:
    """Return ``None`` if the PostgreSQL server of *url* answers, else the reason it does not."""
    import sqlalchemy as sa

    require_loopback(url)
    engine = sa.create_engine(sa.make_url(url).set(database="postgres"))
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
        return None
    except sa.exc.SQLAlchemyError as exc:
        return f"PostgreSQL unreachable ({type(exc.__cause__ or exc).__name__})"
    finally:
        engine.dispose()


def recreate_postgres_database(url: str = DEFAULT_POSTGRES_URL) -> str:
    """Drop and create the database of *url* (never the tests' ``test`` database); return *url*."""
    import sqlalchemy as sa

    require_loopback(url)
    name = sa.make_url(url).database
    if not name or name in ("test", "postgres", "template0", "template1"):
        raise SystemExit(f"refusing to recreate the PostgreSQL database {name!r}")
    engine = sa.create_engine(sa.make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return url


def redis_available(url: str = DEFAULT_REDIS_URL) -> str | None:
    """Return ``None`` if Redis answers at *url*, else the reason it does not."""
    require_loopback(url)
    try:
        import redis
    except ImportError:
        return "the redis package is not installed"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping()
        return None
    except redis.RedisError as exc:
        return f"Redis unreachable ({type(exc).__name__})"


def flask(*args: str, env: dict) -> str:
    """Run ``flask --app survey_app ARGS`` and return its standard output."""
    result = subprocess.run([str(BIN / "flask"), "--app", "survey_app", *args], env=env, cwd=ROOT,
                            capture_output=True, text=True, timeout=300, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args)} failed:\n{result.stderr[-2000:]}")
    return result.stdout


def survey_database(url: str, env: dict, questionnaire: str = "persona-al-centro") -> str:
    """Migrate *url*, load the questionnaires, open a round and return its public token."""
    env = {**env, "SURVEY_DATABASE_URL": url}
    flask("db", "upgrade", env=env)
    flask("questionnaires", "load", env=env)
    # the shipped plan (2021-2023) is closed: a round opened today is its follow-up
    link = flask("rounds", "open", questionnaire, "--kind", "in-itinere", "--follow-up", env=env).strip().splitlines()[-1]
    return link.rstrip("/").rsplit("/", 1)[-1]


def base_environment() -> dict:
    """The environment of a benchmark's servers and commands: this one without survey settings."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SURVEY_", "GUNICORN_", "WEB_CONCURRENCY", "FORWARDED_ALLOW_IPS"))}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


class Server(str):
    """The base URL of a server this module started (a ``str``), with its master's ``pid``."""

    pid: int

    def __new__(cls, url: str, pid: int):
        self = super().__new__(cls, url)
        self.pid = pid
        return self

    def cpu_seconds(self) -> float:
        """Return the CPU time (user + system) used so far by the master and its workers,
        including workers that ended meanwhile (gunicorn recycles them after ``max_requests``;
        the master has reaped them, so their time is in its children's counters)."""
        tick = os.sysconf("SC_CLK_TCK")
        total = 0.0
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # ended meanwhile
            if int(entry.name) == self.pid:
                total += sum(int(field) for field in fields[11:15]) / tick
            elif int(fields[1]) == self.pid:
                total += (int(fields[11]) + int(fields[12])) / tick
        return total


@contextlib.contextmanager
def gunicorn(app: str, env: dict, log_dir: Path, *, ready_path: str = "/healthz",
             startup_timeout: float = 60.0):
    """Serve *app* (``module:callable`` in benchmarks/, or ``survey_app:create_app()``) with
    the repository's gunicorn.conf.py on a free loopback port; yield a :class:`Server`."""
    port = free_port()
    env = {**env, "GUNICORN_BIND": f"127.0.0.1:{port}",
           "GUNICORN_ACCESS_LOG": str(log_dir / f"access-{port}.log")}
    log = open(log_dir / f"gunicorn-{port}.log", "w")  # noqa: SIM115 (open as long as the server)
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py"), "--pythonpath", str(BENCH_DIR), app],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + startup_timeout
        while True:
            if process.poll() is not None:
                log.flush()
                raise RuntimeError(f"gunicorn {app} exited:\n{(log_dir / f'gunicorn-{port}.log').read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(base + ready_path, timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn {app} not ready after {startup_timeout:.0f} s")
            time.sleep(0.2)
        yield Server(base, process.pid)
    finally:
        stop(process)
        log.close()


def stop(process: subprocess.Popen, timeout: float = 20.0) -> None:
    """Stop a gunicorn master this module started (and so its workers), by its process id."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        # the process group is the one created for this server at start (start_new_session)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


def machine_description() -> str:
    """Return one line describing this machine: CPU model, cores, memory."""
    cpu = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f", {int(line.split()[1]) / 1024 / 1024:.0f} GiB RAM"
    return f"{cpu}, {os.cpu_count()} cores{memory}, Python {sys.version.split()[0]}"
