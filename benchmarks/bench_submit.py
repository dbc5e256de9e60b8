"""Submission throughput and latency through the full submit path, against a bare baseline.

For each backend (SQLite, and PostgreSQL + Redis when they answer on 127.0.0.1) the survey
app and a bare Flask app (``bare_app.py``: one INSERT of a UNIQUE id) are served one after the
other by gunicorn with the repository's ``gunicorn.conf.py`` on 127.0.0.1, in production mode
with nothing turned off (``bench_wsgi.py``: CSRF, validation, idempotency, ``synchronous=FULL``,
the anti-bot checks, the per-address rate limits), and loaded in two ways:

- **closed loop** (how many people the server can take): ``--clients`` (20) clients, each
  sending its next respondent as soon as the last is answered, for ``--seconds`` after a warm-up;
- **open loop** (what a room of people meets): respondents arrive at ``--rate`` (20) per second,
  each GETs the form, waits the minimum answering time the app asks of a person, and POSTs;
  latencies count from when each request was due.

A respondent is a fresh cookie jar with an address of its own, forwarded by the trusted proxy
(``X-Forwarded-For``, ``SURVEY_PROXY_COUNT=1``), as people behind nginx: ``GET
/r/<token>/questionario`` (the form, its CSRF token, submission id and signed start time), then
``POST`` of every hidden field and every ``q_<item>`` answered "4", expecting ``303`` to
``/r/<token>/grazie`` (not followed). In the closed loop a respondent posts at once, with the
stamp its form would carry had it been shown the minimum answering time earlier
(:func:`back_dated`: the benchmark holds the app's key), so the server checks it exactly as for
a person. Clients keep their HTTP connections alive, as a reverse proxy's upstream connections
do, and send ``X-Forwarded-Proto: https`` (Secure cookies, HSTS). Clients run on the same two
cores as the servers: the ratio to the bare baseline, measured the same way in the same run, is
the figure to compare across machines.

Throughput counts completed submissions (GET + POST) per second; latencies are of the POST
(the submit) and of the GET, p50, p95 (and p99 in the open loop); the server's CPU time per
submission (master and workers, from /proc) is the figure least disturbed by other load on a
shared machine. Any answer other than the expected one is counted as a failure and its first
occurrence printed. ``profile_submit.py`` shows where the app's time goes, by library.

Usage: ``.venv/bin/python benchmarks/bench_submit.py [--backends sqlite,postgresql] [--seconds 15]
[--mode both|closed|open] [--rate 20]``
"""

from __future__ import annotations

import argparse
import concurrent.futures
import html
import http.client
import json
import queue
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

import servers

CLIENTS = 20
SECONDS = 15.0
WARMUP_SECONDS = 3.0
#: bound on submissions per client and per run, whatever the speed
MAX_PER_CLIENT = 5_000
TARGET_RATIO = 0.5
TARGET_P95_MS = 100.0
#: respondents per closed-loop client get addresses of their own in a block this large
ADDRESSES_PER_CLIENT = 10_000
#: the open loop: arrivals per second, connections to the server, seconds before counting
OPEN_LOOP_RATE = 20.0
OPEN_LOOP_WORKERS = 64
OPEN_LOOP_WARMUP_SECONDS = 2.0
#: open-loop addresses start here, apart from the closed loop's
OPEN_LOOP_FIRST_ADDRESS = 1 << 23
#: a person posts a little after the minimum answering time, never exactly at it
THINK_MARGIN_SECONDS = 0.5
INPUT_TAG = re.compile(r"<input\b[^>]*>", re.IGNORECASE)
ATTRIBUTE = re.compile(r'([a-zA-Z_:][\w:.-]*)\s*=\s*"([^"]*)"')


def form_fields(page: str) -> dict:
    """Return what a browser posts for *page*'s form: hidden fields and every item answered 4."""
    data = {}
    for tag in INPUT_TAG.findall(page):
        attributes = {k.lower(): html.unescape(v) for k, v in ATTRIBUTE.findall(tag)}
        name, kind = attributes.get("name"), attributes.get("type", "text").lower()
        if not name:
            continue
        if kind == "hidden":
            data[name] = attributes.get("value", "")
        elif kind == "radio" and name.startswith("q_"):
            data[name] = "4"
    return data


def address_of(number: int) -> str:
    """Return the forwarded address of respondent *number*: one of its own in 10.0.0.0/8."""
    return f"10.{number >> 16 & 255}.{number >> 8 & 255}.{number & 255}"


def back_dated(stamp: str, secret_key: str, seconds: float) -> str:
    """Return the form's signed stamp as the server would have issued it *seconds* earlier.

    The closed-loop run measures how many people the server can take, so its respondents post
    at once; a person takes at least the minimum answering time. The benchmark holds the app's
    key, so it signs the stamp a person's form would carry instead of waiting: the server's
    check (signature, age, minimum) does exactly the work it does for a person.
    """
    from itsdangerous import URLSafeSerializer

    from survey_app.respond import antibot

    serializer = URLSafeSerializer(secret_key, salt=antibot.STAMP_SALT)
    submission_id, issued_at = serializer.loads(stamp)
    return serializer.dumps([submission_id, issued_at - int(seconds) - 1])


class Client:
    """One keep-alive HTTP connection from the reverse proxy to the server.

    Several respondents travel through it one after the other, each with its own cookie jar
    and its own address in ``X-Forwarded-For``, as behind nginx (``SURVEY_PROXY_COUNT=1``).
    """

    def __init__(self, base: str, source_address: tuple[str, int] | None = None,
                 headers: dict[str, str] | None = None):
        parts = urlsplit(servers.require_loopback(base))
        self.host, self.port = parts.hostname, parts.port
        #: the loopback address the proxy connects from (e.g. 127.0.0.2, to find it in logs)
        self.source_address = source_address
        #: headers sent with every request (a phone's user agent, say)
        self.headers = headers or {}
        self.connection = self._connect()

    def _connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(self.host, self.port, timeout=60, source_address=self.source_address)

    def request(self, method: str, path: str, respondent: Respondent, body: str | None = None):
        headers = {"Host": "survey.bench.test", "X-Forwarded-Proto": "https",
                   "Accept-Language": "it", "Referer": "https://survey.bench.test" + path, **self.headers}
        if respondent.address:
            headers["X-Forwarded-For"] = respondent.address
        if respondent.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in respondent.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in (1, 2):
            try:
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                payload = response.read()
                break
            except (http.client.HTTPException, ConnectionError):
                # the server closed an idle keep-alive connection: reconnect once (a retried
                # POST is safe: the submission id makes it idempotent)
                self.connection.close()
                self.connection = self._connect()
                if attempt == 2:
                    raise
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, value = header.split(";", 1)[0].partition("=")
            respondent.cookies[name.strip()] = value.strip()
        return response.status, response.headers, payload.decode("utf-8", "replace")


class Respondent:
    """One person: an address (``None``: the connection's own), a cookie jar, the form they were given."""

    def __init__(self, number: int | None):
        self.address = None if number is None else address_of(number)
        self.cookies: dict[str, str] = {}
        self.fields: dict[str, str] = {}


@dataclass
class Target:
    """What the respondents load: the form's path, where a stored submission is sent, and
    (for the survey app) the key and minimum answering time its stamps are checked with."""

    base: str
    form_path: str
    thanks_path: str
    secret_key: str | None = None
    minimum_seconds: float = 0.0

    def open_form(self, client: Client, respondent: Respondent) -> str | None:
        """GET the form into *respondent*; return what went wrong, or ``None``."""
        status, _headers, page = client.request("GET", self.form_path, respondent)
        if status != 200:
            return f"GET {status}: {page[:200]!r}"
        respondent.fields = form_fields(page)
        return None

    def submit(self, client: Client, respondent: Respondent) -> str | None:
        """POST *respondent*'s answers; return what went wrong, or ``None``."""
        status, headers, page = client.request("POST", self.form_path, respondent,
                                               urlencode(respondent.fields))
        if status != 303 or not (headers.get("Location") or "").endswith(self.thanks_path):
            return f"POST {status}: {page[:300]!r}"
        return None


def respondent(target: Target, first_number: int, start_at: float, measure_from: float,
               stop_at: float) -> dict:
    """Submit questionnaires until *stop_at*, each from a new respondent, each at once.

    Return the latencies of those started after *measure_from*.
    """
    client = Client(target.base)
    get_ms, post_ms, failures, first_failure, done = [], [], 0, None, 0
    while time.perf_counter() < start_at:
        time.sleep(0.001)
    while done < MAX_PER_CLIENT and (began := time.perf_counter()) < stop_at:
        person = Respondent(first_number + done + failures)
        if problem := target.open_form(client, person):
            failures += 1
            first_failure = first_failure or problem
            continue
        if target.secret_key and "started" in person.fields:
            person.fields["started"] = back_dated(person.fields["started"], target.secret_key,
                                                  target.minimum_seconds)
        loaded = time.perf_counter()
        if problem := target.submit(client, person):
            failures += 1
            first_failure = first_failure or problem
            continue
        posted = time.perf_counter()
        done += 1
        if began >= measure_from:
            get_ms.append((loaded - began) * 1000)
            post_ms.append((posted - loaded) * 1000)
    return {"get_ms": get_ms, "post_ms": post_ms, "failures": failures, "first_failure": first_failure}


def client_process(target: Target, first_client: int, threads: int, start_at_wall: float,
                   warmup: float, seconds: float) -> list[dict]:
    """Run *threads* respondents in this process, all starting at the same wall-clock time."""
    offset = time.perf_counter() - time.time()
    start_at = start_at_wall + offset
    results: list[dict] = []
    workers = [threading.Thread(target=lambda n=n: results.append(respondent(
        target, (first_client + n) * ADDRESSES_PER_CLIENT, start_at, start_at + warmup,
        start_at + warmup + seconds))) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return results


def load(target: Target, clients: int, processes: int, seconds: float, warmup: float = WARMUP_SECONDS) -> dict:
    """Load the server with *clients* closed-loop respondents; return throughput, latencies, failures."""
    per_process = [clients // processes + (1 if i < clients % processes else 0) for i in range(processes)]
    start_at_wall = time.time() + 1.5  # leave the client processes time to start
    cpu = getattr(target.base, "cpu_seconds", None)
    with concurrent.futures.ProcessPoolExecutor(processes) as pool:
        futures = [pool.submit(client_process, _picklable(target), sum(per_process[:i]), n, start_at_wall,
                               warmup, seconds) for i, n in enumerate(per_process) if n]
        # server CPU over the measured window only (after the warm-up)
        time.sleep(max(0.0, start_at_wall + warmup - time.time()))
        cpu_start = cpu() if cpu else float("nan")
        time.sleep(max(0.0, start_at_wall + warmup + seconds - time.time()))
        cpu_used = (cpu() - cpu_start) if cpu else float("nan")
        results = [r for future in futures for r in future.result()]
    post = sorted(x for r in results for x in r["post_ms"])
    get = sorted(x for r in results for x in r["get_ms"])
    failures = sum(r["failures"] for r in results)
    return {
        "submissions": len(post),
        "per_second": len(post) / seconds,
        "post_p50_ms": _percentile(post, 50), "post_p95_ms": _percentile(post, 95),
        "get_p50_ms": _percentile(get, 50), "get_p95_ms": _percentile(get, 95),
        # CPU the server spent per submission: the figure least disturbed by other load
        "server_cpu_ms": cpu_used * 1000 / max(len(post), 1),
        "failures": failures,
        "first_failure": next((r["first_failure"] for r in results if r["first_failure"]), None),
    }


def _picklable(target: Target) -> Target:
    # the Server's cpu_seconds stays in this process; client processes need its URL only
    return Target(str(target.base), target.form_path, target.thanks_path, target.secret_key,
                  target.minimum_seconds)


def open_loop(target: Target, rate: float, seconds: float, workers: int = OPEN_LOOP_WORKERS) -> dict:
    """Respondents arrive at *rate* per second for *seconds*, each answers for the minimum time.

    Every arrival GETs the form when it is due, waits the minimum answering time the app asks
    of a person (so nothing is back-dated) and POSTs. Requests go through a pool of *workers*
    keep-alive connections, as through a reverse proxy; each latency counts from when the
    request was due, so a queue in front of a busy server (or the pool) counts too.
    Only POSTs due after the first *think* seconds plus a warm-up are counted, when arrivals
    and submissions both run at the rate.
    """
    think = target.minimum_seconds + THINK_MARGIN_SECONDS
    began = time.perf_counter() + 0.5
    arrivals = int(rate * (seconds + OPEN_LOOP_WARMUP_SECONDS))
    due: queue.PriorityQueue = queue.PriorityQueue()
    for number in range(arrivals):
        due.put((began + number / rate, number, "GET", Respondent(OPEN_LOOP_FIRST_ADDRESS + number)))
    measure_from = began + think + OPEN_LOOP_WARMUP_SECONDS
    post_ms: list[float] = []
    get_ms: list[float] = []
    failures: list[str] = []
    remaining = threading.Semaphore(0)
    lock = threading.Lock()

    def work() -> None:
        client = Client(str(target.base))
        while True:
            when, number, method, person = due.get()
            if method == "STOP":
                return
            time.sleep(max(0.0, when - time.perf_counter()))
            problem = (target.open_form if method == "GET" else target.submit)(client, person)
            finished = time.perf_counter()
            with lock:
                if problem:
                    failures.append(problem)
                elif method == "GET":
                    if when >= began + OPEN_LOOP_WARMUP_SECONDS:
                        get_ms.append((finished - when) * 1000)
                    due.put((finished + think, number, "POST", person))
                    continue
                elif when >= measure_from:
                    post_ms.append((finished - when) * 1000)
            remaining.release()

    # a worker must not sit on an early POST while a GET falls due: each takes the earliest
    # due item and sleeps until then; the pool is large enough that one always waits
    pool = [threading.Thread(target=work, daemon=True) for _ in range(workers)]
    for thread in pool:
        thread.start()
    for _ in range(arrivals):
        remaining.acquire()
    for _ in pool:
        due.put((float("inf"), -1, "STOP", None))
    for thread in pool:
        thread.join()
    post_ms.sort()
    get_ms.sort()
    return {
        "rate": rate, "think_seconds": think, "posts": len(post_ms),
        "post_p50_ms": _percentile(post_ms, 50), "post_p95_ms": _percentile(post_ms, 95),
        "post_p99_ms": _percentile(post_ms, 99),
        "get_p50_ms": _percentile(get_ms, 50), "get_p95_ms": _percentile(get_ms, 95),
        "failures": len(failures), "first_failure": failures[0] if failures else None,
    }


def _percentile(values: list[float], percent: int) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[percent - 1]


def serve_app_environment(backend: str, work: Path, env: dict, postgres_url: str = servers.DEFAULT_POSTGRES_URL,
                          redis_url: str = servers.DEFAULT_REDIS_URL) -> tuple[dict, str]:
    """Create the app's database on *backend* with one open round; return the environment the
    app is served with (production, behind one trusted proxy, a key of its own) and the
    round's public token. Shared by this benchmark, ``spy_submit.py`` and ``profile_submit.py``.
    """
    app_env = {**env, "SURVEY_ENV": "production", "SECRET_KEY": secrets.token_hex(32),
               "SURVEY_PUBLIC_URL": "https://survey.bench.test", "SURVEY_PROXY_COUNT": "1"}
    if backend == "sqlite":
        url = f"sqlite:///{work / 'app.sqlite3'}"
    else:
        url = servers.recreate_postgres_database(postgres_url)
        app_env["SURVEY_REDIS_URL"] = redis_url
    app_env["SURVEY_DATABASE_URL"] = url
    return app_env, servers.survey_database(url, env)


def app_target(base: str, token: str, app_env: dict) -> Target:
    """Return the served app's round as a :class:`Target`, with the minimum answering time it asks."""
    target = Target(base, f"/r/{token}/questionario", f"/r/{token}/grazie", app_env["SECRET_KEY"])
    target.minimum_seconds = minimum_answering_seconds(target)
    return target


def run_backend(backend: str, args, work: Path) -> dict:
    """Measure the app and the bare baseline on one backend; return both figures."""
    env = servers.base_environment()
    if args.workers:
        env["GUNICORN_WORKERS"] = str(args.workers)
    if args.threads:
        env["GUNICORN_THREADS"] = str(args.threads)
    app_env, token = serve_app_environment(backend, work, env, args.postgres_url, args.redis_url)
    # the bare app writes to a file of its own on SQLite, to the same database on PostgreSQL
    bare_database = str(work / "bare.sqlite3") if backend == "sqlite" else app_env["SURVEY_DATABASE_URL"]
    figures = {}
    with servers.gunicorn("bench_wsgi:app", app_env, work) as base:
        app = app_target(base, token, app_env)
        if args.mode in ("both", "closed"):
            figures["app"] = load(app, args.clients, args.processes, args.seconds)
        if args.mode in ("both", "open"):
            figures["app_open"] = open_loop(app, args.rate, args.seconds)
    bare_env = {**env, "BARE_DATABASE": bare_database}

    subprocess.run([sys.executable, str(servers.BENCH_DIR / "bare_app.py")], env=bare_env, check=True)
    with servers.gunicorn("bare_app:app", bare_env, work) as base:
        # the bare app checks no stamp: its respondents wait as long as the app's (open loop)
        bare = Target(base, "/form", "/thanks", minimum_seconds=app.minimum_seconds)
        if args.mode in ("both", "closed"):
            figures["bare"] = load(bare, args.clients, args.processes, args.seconds)
        if args.mode in ("both", "open"):
            figures["bare_open"] = open_loop(bare, args.rate, args.seconds)
    return figures


def minimum_answering_seconds(target: Target) -> float:
    """Return the minimum answering time the app asks of a person for the target's form."""
    from survey_app.config import DEFAULTS
    from survey_app.respond import antibot

    client, person = Client(str(target.base)), Respondent(OPEN_LOOP_FIRST_ADDRESS - 1)
    if problem := target.open_form(client, person):
        raise RuntimeError(problem)
    statements = sum(1 for name in person.fields if name.startswith("q_"))
    return antibot.minimum_seconds(statements, DEFAULTS["MIN_COMPLETION_SECONDS"])


def measure(backends: list[str], args) -> dict:
    """Run the benchmark on *backends*; a backend whose services are unreachable gets a reason."""
    results = {}
    with tempfile.TemporaryDirectory(prefix="bench-submit-") as tmp:
        for backend in backends:
            if backend == "postgresql":
                reason = servers.postgres_available(args.postgres_url) or servers.redis_available(args.redis_url)
                if reason:
                    results[backend] = {"skipped": reason}
                    continue
            work = Path(tmp) / backend
            work.mkdir()
            results[backend] = run_backend(backend, args, work)
    return results


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--clients", type=int, default=CLIENTS)
    parser.add_argument("--processes", type=int, default=2, help="client processes (threads split among them)")
    parser.add_argument("--seconds", type=float, default=SECONDS, help="measured seconds per server")
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: gunicorn.conf.py's)")
    parser.add_argument("--threads", type=int, help="gunicorn threads (default: gunicorn.conf.py's)")
    parser.add_argument("--postgres-url", default=servers.DEFAULT_POSTGRES_URL)
    parser.add_argument("--redis-url", default=servers.DEFAULT_REDIS_URL)
    parser.add_argument("--mode", choices=("both", "closed", "open"), default="both",
                        help="closed: clients as fast as they can; open: arrivals at --rate")
    parser.add_argument("--rate", type=float, default=OPEN_LOOP_RATE, help="open loop: arrivals per second")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    return parser


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    results = measure(args.backends.split(","), args)
    if args.json:
        print(json.dumps(results))
        return
    print(f"closed loop: {args.clients} concurrent clients; open loop: {args.rate:g} arrivals/s; "
          f"{args.seconds:.0f} s measured per server")
    print(f"{'backend':<11} {'server':<10} {'subm/s':>8} {'POST p50':>9} {'POST p95':>9} {'POST p99':>9} "
          f"{'GET p50':>8} {'GET p95':>8} {'CPU/subm':>9} {'failed':>7}")
    for backend, figures in results.items():
        if "skipped" in figures:
            print(f"{backend:<11} skipped: {figures['skipped']}")
            continue
        for server in ("app", "bare", "app_open", "bare_open"):
            if server not in figures:
                continue
            f = figures[server]
            rate = f.get("per_second", f.get("rate"))
            cpu = f"{f['server_cpu_ms']:>7.1f}ms" if "server_cpu_ms" in f else f"{'':>9}"
            p99 = f"{f['post_p99_ms']:>7.1f}ms" if "post_p99_ms" in f else f"{'':>9}"
            print(f"{backend:<11} {server:<10} {rate:>8.1f} {f['post_p50_ms']:>7.1f}ms "
                  f"{f['post_p95_ms']:>7.1f}ms {p99} {f['get_p50_ms']:>6.1f}ms {f['get_p95_ms']:>6.1f}ms "
                  f"{cpu} {f['failures']:>7}")
            if f["first_failure"]:
                print(f"    first failure: {f['first_failure']}")
        if "app" in figures:
            ratio = figures["app"]["per_second"] / max(figures["bare"]["per_second"], 1e-9)
            print(f"{backend:<11} closed loop: ratio app/bare {ratio:.2f} (target >= {TARGET_RATIO})")
        if "app_open" in figures:
            print(f"{backend:<11} open loop: app POST p95 {figures['app_open']['post_p95_ms']:.0f} ms "
                  f"(target < {TARGET_P95_MS:.0f})")


if __name__ == "__main__":
    main()
