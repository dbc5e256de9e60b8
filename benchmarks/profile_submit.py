"""Where a submission's CPU time goes, by library: the profile behind issue 17's submit figures.

Builds the benchmark's database (migrated, questionnaires loaded, one open round), creates the
app as ``bench_wsgi`` serves it (production settings, rate limits and the anti-bot checks on),
and runs ``--submissions`` respondents through Flask's test client in this process: each a new
cookie jar and a new forwarded address, ``GET`` of the form and ``POST`` of every answer, the
form's stamp back-dated past the minimum answering time (as ``bench_submit.py`` does).

Only the server's side is measured: the app is wrapped in a WSGI middleware that counts the
process's CPU time (``time.process_time``) inside it, so the test client's own work is left
out. The profiled run (``cProfile`` on CPU time, inside the same middleware) is summed per
*owner* of the code that spent it: the top-level package of each function's file
(``sqlalchemy``, ``wtforms``, ``survey_app``...; the standard library as ``stdlib``); a
function written in C (a ``sqlite3`` commit, ``isinstance``) is charged to the owners of its
callers, in proportion to the time each call took. The shares add up to the whole; the
profiler inflates code that makes many small calls, so read shares, not milliseconds.

Usage: ``.venv/bin/python benchmarks/profile_submit.py [--backend sqlite|postgresql] [--submissions 500]
[--top 25] [--sort cumulative] [--callers PATTERN]``
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import sysconfig
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

import servers
from bench_submit import back_dated, form_fields, serve_app_environment

STDLIB = sysconfig.get_paths()["stdlib"]


def owner(filename: str) -> str | None:
    """Return who owns the code in *filename* (``None`` for a function written in C)."""
    if filename.startswith(("~", "<")):
        return None
    if "site-packages" in filename:
        top = filename.split("site-packages" + os.sep, 1)[1].split(os.sep, 1)[0]
        return top.removesuffix(".py")
    if str(servers.ROOT / "survey_app") in filename:
        return "survey_app"
    if filename.startswith(STDLIB):
        return "stdlib"
    return "other"


def by_owner(stats: pstats.Stats) -> dict[str, float]:
    """Sum self time per owner; a C function's time goes to its callers' owners."""
    totals: dict[str, float] = defaultdict(float)
    for (filename, _line, _name), (_cc, _nc, self_time, _cum, callers) in stats.stats.items():
        mine = owner(filename)
        if mine is not None:
            totals[mine] += self_time
            continue
        # time per caller, as cProfile recorded it for the calls from that caller
        shares = {caller: entry[2] for caller, entry in callers.items()}
        whole = sum(shares.values())
        if not whole:
            totals["C, called from nowhere measured"] += self_time
            continue
        for (caller_file, _l, _n), share in shares.items():
            totals[owner(caller_file) or "C, called from C"] += self_time * share / whole
    return dict(totals)


class ServerSide:
    """WSGI middleware: the CPU time spent inside the app, and a profile of it when on."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app
        self.cpu_seconds = 0.0
        self.profile: cProfile.Profile | None = None

    def __call__(self, environ, start_response):
        began = time.process_time()
        if self.profile:
            self.profile.enable()
        try:
            # the test client reads the body after the call: read it here, inside
            return list(self.wsgi_app(environ, start_response))
        finally:
            if self.profile:
                self.profile.disable()
            self.cpu_seconds += time.process_time() - began


def main(argv: list[str] | None = None) -> None:
    arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    arguments.add_argument("--submissions", type=int, default=500)
    arguments.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite",
                           help="postgresql: the benchmark's own database, with Redis for the limits")
    arguments.add_argument("--top", type=int, default=25, help="functions listed by self time")
    arguments.add_argument("--sort", default="tottime", help="pstats order of the functions listed")
    arguments.add_argument("--callers", help="also list the callers of functions matching this pattern")
    args = arguments.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="profile-submit-") as tmp:
        app_env, token = serve_app_environment(args.backend, Path(tmp), servers.base_environment())
        os.environ.update(app_env)  # bench_wsgi creates the app from the environment, as gunicorn does
        from bench_wsgi import app

        server = ServerSide(app.wsgi_app)
        app.wsgi_app = server
        form_path, thanks_path = f"/r/{token}/questionario", f"/r/{token}/grazie"
        headers = {"X-Forwarded-Proto": "https", "Accept-Language": "it"}

        def one(number: int) -> None:
            client = app.test_client()
            address = f"10.{number // 65536 % 256}.{number // 256 % 256}.{number % 256}"
            page = client.get(form_path, base_url="https://survey.bench.test",
                              headers={**headers, "X-Forwarded-For": address}).get_data(as_text=True)
            data = form_fields(page)
            data["started"] = back_dated(data["started"], app.config["SECRET_KEY"], 3600)
            response = client.post(form_path, data=urlencode(data), base_url="https://survey.bench.test",
                                   content_type="application/x-www-form-urlencoded",
                                   headers={**headers, "X-Forwarded-For": address,
                                            "Referer": "https://survey.bench.test" + form_path})
            if response.status_code != 303 or not response.location.endswith(thanks_path):
                raise SystemExit(f"submission {number}: {response.status_code} {response.get_data(as_text=True)[:300]}")

        for number in range(20):  # warm the caches, as a served worker is after its first requests
            one(number)
        # the least of three plain runs: the machine is shared, other work only adds time
        plain_cpu = float("inf")
        for run in range(3):
            server.cpu_seconds = 0.0
            for number in range(20 + run * args.submissions, 20 + (run + 1) * args.submissions):
                one(number)
            plain_cpu = min(plain_cpu, server.cpu_seconds)
        server.profile = cProfile.Profile(time.process_time)
        server.cpu_seconds = 0.0
        for number in range(20 + 3 * args.submissions, 20 + 4 * args.submissions):
            one(number)
        profiled_cpu = server.cpu_seconds
    stats = pstats.Stats(server.profile)
    totals = by_owner(stats)
    profiled = sum(totals.values())
    print(f"{args.submissions} submissions (GET + POST) on {args.backend}, server side only: "
          f"{plain_cpu * 1000 / args.submissions:.2f} ms CPU each "
          f"({profiled_cpu * 1000 / args.submissions:.2f} ms with the profiler on)")
    print(f"{'owner':<24} {'share':>6}")
    for name, seconds in sorted(totals.items(), key=lambda kv: -kv[1]):
        print(f"{name:<24} {seconds / profiled:>6.1%}")
    if args.top:
        print()
        stats.sort_stats(args.sort).print_stats(args.top)
    if args.callers:
        stats.print_callers(args.callers)


if __name__ == "__main__":
    main()
