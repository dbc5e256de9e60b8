"""Reliability scenarios against the real server: nothing lost, nothing doubled, nothing leaked.

Each scenario serves the production app (``survey_app:create_app()``, anti-bot time and rate
limits ON) with gunicorn and the repository's ``gunicorn.conf.py`` on 127.0.0.1, on a fresh
SQLite database, and drives simulated respondents: each loads the form, "reads" it for
``THINK_SECONDS`` (longer than the minimum answering time), posts it, and on a connection error
or a 5xx retries the SAME post (same submission id) with backoff, as the page's script does.

1. ``burst``: ``--respondents`` (300) over ``--minutes`` (5), ``--burst`` (50) of them within
   the first 10 seconds. Pass: every respondent acknowledged (303 to the thank-you page), 0
   non-2xx/3xx answers on first tries, stored rows == acknowledged, p50/p95 of GET and POST.
2. ``burst+analysis``: the same while an evaluator exports a 20,000-response round as XLSX and
   SPSS in a loop (the heaviest work an evaluator can start). Pass: respondents' POST p95 at
   most 2x the quiet figure, no timeouts.
3. ``sigkill``: a worker is killed with SIGKILL four times during the load. Pass: every
   acknowledged submission stored, none twice.
4. ``db-locked``: another process holds SQLite's write lock for 30 s (the database unavailable
   to writers, longer than the busy timeout). Pass: the server answers 503, never a thank-you,
   while it lasts; after it, every retried submission is stored once, without restarting.
5. ``privacy``: after all of the above, the database file, the app's log and the access log are
   searched for the client address, user agent and round tokens. Pass: none found.

Usage: ``.venv/bin/python benchmarks/reliability.py [--quick] [--only burst,sigkill]``.
``--quick`` scales everything down (60 respondents in 1 minute) to check the script itself.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

import servers
from bench_submit import Client, Respondent, form_fields

THINK_SECONDS = 12.0
USER_AGENT = "ReliabilityProbe/1.0 (test phone)"
#: the respondents' address: a loopback address the server itself never prints
CLIENT_ADDRESS = "127.0.0.2"
MAX_RETRIES = 30


def _percentile(values: list[float], percent: int) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(percent / 100 * (len(ordered) - 1)))]


class Probe(Client):
    """A respondent's phone: one person through its own connection, with a user agent the logs
    must not keep, from its own loopback address (no proxy in front)."""

    def __init__(self, base: str, source_address: tuple[str, int]):
        super().__init__(base, source_address=source_address, headers={"User-Agent": USER_AGENT})
        self.person = Respondent(None)

    def request(self, method, path, body=None):  # noqa: D102 - Client's, for its one person
        return super().request(method, path, self.person, body)


def respondent(base: str, token: str, start_delay: float, think: float) -> dict:
    """Answer once, retrying the same post until acknowledged; return what happened."""
    time.sleep(start_delay)
    form_path, thanks = f"/r/{token}/questionario", f"/r/{token}/grazie"
    result = {"get_ms": None, "post_ms": None, "first_try_errors": [], "statuses": [], "acknowledged": None}
    client = Probe(base, source_address=(CLIENT_ADDRESS, 0))
    for attempt in range(MAX_RETRIES):
        try:
            began = time.perf_counter()
            status, _headers, page = client.request("GET", form_path)
            if status == 200:
                result["get_ms"] = (time.perf_counter() - began) * 1000
                break
            result["statuses"].append(status)
        except OSError as exc:
            result["statuses"].append(type(exc).__name__)
        time.sleep(min(2 ** attempt, 15))
    else:
        return result
    fields = form_fields(page)
    time.sleep(think)
    body = urlencode(fields)
    for attempt in range(MAX_RETRIES):
        try:
            began = time.perf_counter()
            status, headers, page = client.request("POST", form_path, body)
            elapsed = (time.perf_counter() - began) * 1000
        except OSError as exc:
            status, elapsed = type(exc).__name__, None
        result["statuses"].append(status)
        if status == 303 and (headers.get("Location") or "").endswith(thanks):
            result["post_ms"] = result["post_ms"] or elapsed
            result["acknowledged"] = fields["submission_id"]
            return result
        if attempt == 0:
            result["first_try_errors"].append(status)
        if status == 503 or not isinstance(status, int) or status >= 500:
            time.sleep(min(2 ** attempt, 15))  # the server or the network is down: retry later
            continue
        result["failed_with"] = f"{status}: {page[:200]!r}"
        return result
    return result


def load(base: str, token: str, respondents: int, minutes: float, burst: int, think: float) -> list[dict]:
    """Run the respondents: *burst* of them within 10 s, the rest spread over *minutes*."""
    rng = random.Random(7)
    delays = [rng.uniform(0, 10) for _ in range(burst)]
    delays += [rng.uniform(10, max(10.0, minutes * 60 - think)) for _ in range(respondents - burst)]
    with concurrent.futures.ThreadPoolExecutor(max_workers=min(respondents, 400)) as pool:
        return list(pool.map(lambda d: respondent(base, token, d, think), delays))


def summary(results: list[dict], stored: set[str]) -> dict:
    acknowledged = [r["acknowledged"] for r in results if r["acknowledged"]]
    return {
        "respondents": len(results),
        "acknowledged": len(acknowledged),
        "stored": len(stored),
        "lost": len(set(acknowledged) - stored),
        "duplicated": len(acknowledged) - len(set(acknowledged)),
        "first_try_errors": sum(1 for r in results if r["first_try_errors"]),
        "statuses": sorted({str(s) for r in results for s in r["statuses"]}),
        "get_p50_ms": _percentile([r["get_ms"] for r in results if r["get_ms"]], 50),
        "get_p95_ms": _percentile([r["get_ms"] for r in results if r["get_ms"]], 95),
        "post_p50_ms": _percentile([r["post_ms"] for r in results if r["post_ms"]], 50),
        "post_p95_ms": _percentile([r["post_ms"] for r in results if r["post_ms"]], 95),
        "failed": [r.get("failed_with") for r in results if r.get("failed_with")][:3],
    }


def stored_submissions(database: Path, round_token: str) -> set[str]:
    connection = sqlite3.connect(database)
    try:
        return {row[0] for row in connection.execute(
            "SELECT submission_id FROM responses JOIN rounds ON rounds.id = responses.round_id "
            "WHERE rounds.public_token = ?", (round_token,))}
    finally:
        connection.close()


def worker_pids(master: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == master:
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


def fill_big_round(database_url: str, env: dict, responses: int) -> int:
    """Open a closed round with *responses* synthetic answers for the evaluator's exports."""
    script = (
        "import random, sys\n"
        "from datetime import datetime, timedelta\n"
        "from sqlalchemy.orm import Session\n"
        "from survey_app.db import create_db_engine\n"
        "from survey_app.demo import synthetic_submission\n"
        "from survey_app.respond.submission import response_from_submission\n"
        "from survey_app.rounds.operations import open_round\n"
        "engine = create_db_engine(sys.argv[1])\n"
        "with Session(engine) as s:\n"
        "    r = open_round(s, 'persona-al-centro', 'ex-post', opens_at=datetime(2023,9,1),\n"
        "                   closes_at=datetime(2023,12,1), status='closed')\n"
        "    q = r.questionnaire_version.questionnaire\n"
        "    comuni = {c.code: c.id for c in r.ambito.comuni}\n"
        "    rng = random.Random(1)\n"
        "    for _ in range(int(sys.argv[2])):\n"
        "        s.add(response_from_submission(r.id, synthetic_submission(rng, q, comuni, 0.2), datetime(2023,10,1)))\n"
        "    s.commit(); print(r.id)\n"
    )
    out = subprocess.run([sys.executable, "-c", script, database_url, str(responses)], env=env,
                         capture_output=True, text=True, check=True, cwd=servers.ROOT)
    return int(out.stdout.strip().splitlines()[-1])


def evaluator_exports(env: dict, round_id: int, stop: threading.Event, work: Path) -> int:
    """Export the big round as XLSX and SPSS in a loop until *stop*; return how many exports ran."""
    count = 0
    while not stop.is_set():
        for fmt in ("xlsx", "sav"):
            servers.flask("results", "export", str(round_id), "--format", fmt,
                          "--output", str(work / f"export.{fmt}"), env=env)
            count += 1
            if stop.is_set():
                break
    return count


def run(args) -> dict:
    work = Path(tempfile.mkdtemp(prefix="survey-reliability-"))
    database = work / "survey.sqlite3"
    url = f"sqlite:///{database}"
    env = {**servers.base_environment(), "SURVEY_DATABASE_URL": url, "SECRET_KEY": "reliability-" + "x" * 40,
           "SURVEY_PUBLIC_URL": "https://survey.bench.test", "SURVEY_ENV": "production",
           "GUNICORN_WORKERS": "3"}
    scale = dict(respondents=args.respondents, minutes=args.minutes, burst=args.burst, think=args.think)
    results: dict[str, dict] = {}
    only = set(args.only.split(",")) if args.only else None
    servers.survey_database(url, env)  # migrate and load the questionnaires
    with servers.gunicorn("survey_app:create_app()", env, work) as base:
        master = base.pid

        def scenario(name, action=None):
            if only and name not in only:
                return
            token = servers.flask("rounds", "open", "persona-al-centro", "--kind", "in-itinere", "--follow-up",
                                  env=env).strip().splitlines()[-1].rsplit("/", 1)[1]
            helper = threading.Thread(target=action, args=(master,)) if action else None
            if helper:
                helper.start()
            outcome = load(base, token, **scale)
            if helper:
                helper.join()
            results[name] = summary(outcome, stored_submissions(database, token))
            print(f"{name}: {results[name]}", flush=True)

        scenario("burst")

        if not only or "burst+analysis" in only:
            big_round = fill_big_round(url, env, args.big_round)
            stop = threading.Event()
            exports = {}

            def exporting(_master):
                exports["count"] = evaluator_exports(env, big_round, stop, work)

            exporter = threading.Thread(target=exporting, args=(master,))
            exporter.start()
            scenario("burst+analysis")
            stop.set()
            exporter.join()
            if "burst+analysis" in results:
                results["burst+analysis"]["evaluator_exports"] = exports.get("count", 0)

        def kill_workers(master_pid):
            span = scale["minutes"] * 60
            for moment in (0.15, 0.35, 0.55, 0.75):
                time.sleep(max(0.0, moment * span - (time.monotonic() - started)))
                pids = worker_pids(master_pid)
                if pids:
                    os.kill(random.choice(pids), signal.SIGKILL)

        started = time.monotonic()
        scenario("sigkill", kill_workers)

        def lock_database(_master):
            time.sleep(min(10.0, scale["minutes"] * 60 / 4))
            blocker = sqlite3.connect(database, isolation_level=None)
            blocker.execute("BEGIN EXCLUSIVE")
            time.sleep(args.outage)
            blocker.execute("ROLLBACK")
            blocker.close()

        scenario("db-locked", lock_database)

    if not only or "privacy" in only:
        needles = {"client address": CLIENT_ADDRESS, "user agent": USER_AGENT}
        haystacks = [database, *work.glob("*.log")]
        found = {}
        for path in haystacks:
            data = path.read_bytes()
            for label, needle in needles.items():
                if needle.encode() in data:
                    found.setdefault(label, []).append(path.name)
        tokens = [row[0] for row in sqlite3.connect(database).execute("SELECT public_token FROM rounds")]
        for path in work.glob("*.log"):
            text = path.read_text(errors="replace")
            if any(token in text for token in tokens):
                found.setdefault("round token", []).append(path.name)
        results["privacy"] = {"files_searched": [p.name for p in haystacks], "found": found}
        print(f"privacy: {results['privacy']}", flush=True)
    return results


def table(results: dict) -> str:
    rows = ["| scenario | respondents | acknowledged | stored | lost | duplicated | first-try errors | "
            "GET p50/p95 ms | POST p50/p95 ms | statuses seen |",
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for name, r in results.items():
        if name == "privacy":
            continue
        rows.append(f"| {name} | {r['respondents']} | {r['acknowledged']} | {r['stored']} | {r['lost']} | "
                    f"{r['duplicated']} | {r['first_try_errors']} | {r['get_p50_ms']:.0f} / {r['get_p95_ms']:.0f} | "
                    f"{r['post_p50_ms']:.0f} / {r['post_p95_ms']:.0f} | {', '.join(r['statuses'])} |")
    if "evaluator_exports" in results.get("burst+analysis", {}):
        rows.append("")
        rows.append(f"evaluator exports (XLSX, SPSS) completed during burst+analysis: "
                    f"{results['burst+analysis']['evaluator_exports']}")
    if "privacy" in results:
        found = results["privacy"]["found"]
        rows.append("")
        rows.append(f"privacy: searched {', '.join(results['privacy']['files_searched'])}: "
                    + ("nothing found" if not found else f"FOUND {found}"))
    return "\n".join(rows)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--respondents", type=int, default=300)
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--burst", type=int, default=50)
    parser.add_argument("--think", type=float, default=THINK_SECONDS)
    parser.add_argument("--outage", type=float, default=30.0, help="seconds the write lock is held")
    parser.add_argument("--big-round", type=int, default=20_000, help="responses the evaluator exports")
    parser.add_argument("--only", help="comma-separated scenarios: burst, burst+analysis, sigkill, db-locked, privacy")
    parser.add_argument("--quick", action="store_true", help="60 respondents in 1 minute, 2,000-response export")
    args = parser.parse_args(argv)
    if args.quick:
        args.respondents, args.minutes, args.burst, args.big_round, args.outage = 60, 1.0, 20, 2_000, 15.0
    results = run(args)
    print()
    print(table(results))
    broken = [name for name, r in results.items() if name != "privacy" and (r["lost"] or r["duplicated"]
              or r["acknowledged"] != r["respondents"] or r["stored"] != r["acknowledged"])]
    if "privacy" in results and results["privacy"]["found"]:
        broken.append("privacy")
    if "burst" in results and "burst+analysis" in results:
        ratio = results["burst+analysis"]["post_p95_ms"] / results["burst"]["post_p95_ms"]
        print(f"POST p95 with evaluator exports / quiet: {ratio:.2f}x (target <= 2x)")
    print("FAILED: " + ", ".join(broken) if broken else "all scenarios passed")
    sys.exit(1 if broken else 0)


if __name__ == "__main__":
    main()
