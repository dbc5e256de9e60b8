"""Submission throughput and latency through the full submit path, against a bare baseline.

For each backend (SQLite, and PostgreSQL + Redis when they answer on 127.0.0.1) the survey
app and a bare Flask app (``bare_app.py``: one INSERT of a UNIQUE id) are served one after the
other by gunicorn with the repository's ``gunicorn.conf.py`` on 127.0.0.1, and loaded by
``--clients`` simulated respondents (20) for ``--seconds`` each after a short warm-up.

A respondent is a fresh cookie jar: ``GET /r/<token>/questionario`` (the form, its CSRF token,
submission id and signed start time), then ``POST`` of every hidden field and every ``q_<item>``
answered "4", expecting ``303`` to ``/r/<token>/grazie`` (not followed). Clients keep their
HTTP connection alive, as a reverse proxy's upstream connections do, and send
``X-Forwarded-Proto: https`` so the app runs as in production (``SURVEY_ENV=production``,
Secure cookies, HSTS). Clients run in ``--processes`` processes of threads, on the same two
cores as the servers: the ratio to the bare baseline, measured the same way in the same run,
is the figure to compare across machines.

Throughput counts completed submissions (GET + POST) per second; latencies are of the POST
(the submit) and of the GET, p50 and p95; the server's CPU time per submission (master and
workers, from /proc) is the figure least disturbed by other load on a shared machine. Any answer other than the expected one is counted
as a failure and its first occurrence printed.

Usage: ``.venv/bin/python benchmarks/bench_submit.py [--backends sqlite,postgresql] [--seconds 15]``
"""

from __future__ import annotations

import argparse
import concurrent.futures
import html
import http.client
import json
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
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


class Client:
    """One keep-alive HTTP connection with a cookie jar, as one phone behind the proxy."""

    def __init__(self, base: str, source_address: tuple[str, int] | None = None):
        parts = urlsplit(servers.require_loopback(base))
        self.host, self.port = parts.hostname, parts.port
        #: the loopback address the phone connects from (e.g. 127.0.0.2, to find it in logs)
        self.source_address = source_address
        self.connection = self._connect()
        self.cookies: dict[str, str] = {}

    def _connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(self.host, self.port, timeout=60, source_address=self.source_address)

    def request(self, method: str, path: str, body: str | None = None):
        headers = {"Host": "survey.bench.test", "X-Forwarded-Proto": "https",
                   "Accept-Language": "it", "Referer": "https://survey.bench.test" + path}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
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
            self.cookies[name.strip()] = value.strip()
        return response.status, response.headers, payload.decode("utf-8", "replace")


def respondent(base: str, form_path: str, thanks_path: str, start_at: float, measure_from: float,
               stop_at: float) -> dict:
    """Submit questionnaires until *stop_at*; return latencies of those started after *measure_from*."""
    client = Client(base)
    get_ms, post_ms, failures, first_failure, done = [], [], 0, None, 0
    while time.perf_counter() < start_at:
        time.sleep(0.001)
    while done < MAX_PER_CLIENT and (began := time.perf_counter()) < stop_at:
        client.cookies = {}  # a new respondent
        status, _headers, page = client.request("GET", form_path)
        loaded = time.perf_counter()
        if status != 200:
            failures += 1
            first_failure = first_failure or f"GET {status}: {page[:200]!r}"
            continue
        status, headers, page = client.request("POST", form_path, urlencode(form_fields(page)))
        posted = time.perf_counter()
        if status != 303 or not (headers.get("Location") or "").endswith(thanks_path):
            failures += 1
            first_failure = first_failure or f"POST {status}: {page[:300]!r}"
            continue
        done += 1
        if began >= measure_from:
            get_ms.append((loaded - began) * 1000)
            post_ms.append((posted - loaded) * 1000)
    return {"get_ms": get_ms, "post_ms": post_ms, "failures": failures, "first_failure": first_failure}


def client_process(base: str, form_path: str, thanks_path: str, threads: int, start_at_wall: float,
                   warmup: float, seconds: float) -> list[dict]:
    """Run *threads* respondents in this process, all starting at the same wall-clock time."""
    offset = time.perf_counter() - time.time()
    start_at = start_at_wall + offset
    results: list[dict] = []
    workers = [threading.Thread(target=lambda: results.append(respondent(
        base, form_path, thanks_path, start_at, start_at + warmup, start_at + warmup + seconds)))
        for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return results


def load(base: str, form_path: str, thanks_path: str, clients: int, processes: int,
         seconds: float, warmup: float = WARMUP_SECONDS) -> dict:
    """Load *base* with *clients* respondents; return throughput, latencies and failures."""
    per_process = [clients // processes + (1 if i < clients % processes else 0) for i in range(processes)]
    start_at_wall = time.time() + 1.5  # leave the client processes time to start
    cpu = getattr(base, "cpu_seconds", None)
    with concurrent.futures.ProcessPoolExecutor(processes) as pool:
        futures = [pool.submit(client_process, str(base), form_path, thanks_path, n, start_at_wall,
                               warmup, seconds) for n in per_process if n]
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


def _percentile(values: list[float], percent: int) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[percent - 1]


def run_backend(backend: str, args, work: Path) -> dict:
    """Measure the app and the bare baseline on one backend; return both figures."""
    env = servers.base_environment()
    if args.workers:
        env["GUNICORN_WORKERS"] = str(args.workers)
    if args.threads:
        env["GUNICORN_THREADS"] = str(args.threads)
    app_env = {**env, "SURVEY_ENV": "production", "SECRET_KEY": "benchmark-only-secret",
               "SURVEY_PUBLIC_URL": "https://survey.bench.test", "SURVEY_PROXY_COUNT": "1"}
    if backend == "sqlite":
        app_url = f"sqlite:///{work / 'app.sqlite3'}"
        bare_database = str(work / "bare.sqlite3")
    else:
        app_url = servers.recreate_postgres_database(args.postgres_url)
        bare_database = app_url
        app_env["SURVEY_REDIS_URL"] = args.redis_url
    token = servers.survey_database(app_url, env)
    app_env["SURVEY_DATABASE_URL"] = app_url
    figures = {}
    with servers.gunicorn("bench_wsgi:app", app_env, work) as base:
        figures["app"] = load(base, f"/r/{token}/questionario", f"/r/{token}/grazie",
                              args.clients, args.processes, args.seconds)
    bare_env = {**env, "BARE_DATABASE": bare_database}

    subprocess.run([sys.executable, str(servers.BENCH_DIR / "bare_app.py")], env=bare_env, check=True)
    with servers.gunicorn("bare_app:app", bare_env, work) as base:
        figures["bare"] = load(base, "/form", "/thanks", args.clients, args.processes, args.seconds)
    return figures


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
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    return parser


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    results = measure(args.backends.split(","), args)
    if args.json:
        print(json.dumps(results))
        return
    print(f"{args.clients} concurrent clients, {args.seconds:.0f} s measured per server")
    print(f"{'backend':<11} {'server':<5} {'subm/s':>8} {'POST p50':>9} {'POST p95':>9} "
          f"{'GET p50':>8} {'GET p95':>8} {'CPU/subm':>9} {'failed':>7}")
    for backend, figures in results.items():
        if "skipped" in figures:
            print(f"{backend:<11} skipped: {figures['skipped']}")
            continue
        for server in ("app", "bare"):
            f = figures[server]
            print(f"{backend:<11} {server:<5} {f['per_second']:>8.1f} {f['post_p50_ms']:>7.1f}ms "
                  f"{f['post_p95_ms']:>7.1f}ms {f['get_p50_ms']:>6.1f}ms {f['get_p95_ms']:>6.1f}ms "
                  f"{f['server_cpu_ms']:>7.1f}ms {f['failures']:>7}")
            if f["first_failure"]:
                print(f"    first failure: {f['first_failure']}")
        ratio = figures["app"]["per_second"] / max(figures["bare"]["per_second"], 1e-9)
        print(f"{backend:<11} ratio app/bare {ratio:.2f} (target >= {TARGET_RATIO}); "
              f"app POST p95 {figures['app']['post_p95_ms']:.0f} ms (target < {TARGET_P95_MS:.0f})")


if __name__ == "__main__":
    main()
