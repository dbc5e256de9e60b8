"""App start time: from ``import survey_app`` to the first respondent page, in a fresh process.

Each measurement is a new Python process (imports are never cached in memory) that imports
the app, calls ``create_app`` on a migrated SQLite database with an open round and serves
``GET /r/<token>/questionario`` through the test client; it reports that time, the time the
interpreter took before it, and whether pingouin, scipy or pandas were imported (pingouin
costs seconds and is only needed by the evaluators' small-sample tests). The baselines, in the
same run, are the bare Flask app of ``bare_app.py`` (import Flask, first response) and the bare
imports of the libraries the app cannot do without (:data:`UNAVOIDABLE_LIBRARIES`): what is
left between that figure and the app's is the app's own code and its first page.

Target: <= 1 s. Usage: ``.venv/bin/python benchmarks/bench_startup.py [--repeat 5]``
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import servers

TARGET_SECONDS = 1.0

APP_CHILD = """
import sys, time
start = time.perf_counter()
from survey_app import create_app
app = create_app({"DATABASE_URL": sys.argv[1], "SECRET_KEY": "startup-benchmark"})
response = app.test_client().get(f"/r/{sys.argv[2]}/questionario")
assert response.status_code == 200, response.status_code
elapsed = time.perf_counter() - start
import json
print(json.dumps({"seconds": elapsed, "modules": [m for m in ("pingouin", "scipy", "pandas")
                                                     if m in sys.modules]}))
"""

#: what any app with this design card must import to serve one form page: the web framework, the
#: ORM and its driver, forms with CSRF, translations, logins, rate limits, compression, templates
UNAVOIDABLE_LIBRARIES = ("flask", "sqlalchemy", "sqlalchemy.orm", "sqlalchemy.dialects.sqlite", "flask_wtf",
                         "wtforms", "flask_babel", "flask_login", "flask_limiter", "flask_compress", "jinja2")

LIBRARIES_CHILD = """
import importlib, sys, time
start = time.perf_counter()
for name in sys.argv[1].split(","):
    importlib.import_module(name)
import json
print(json.dumps({"seconds": time.perf_counter() - start, "modules": []}))
"""

BARE_CHILD = """
import sys, time
start = time.perf_counter()
sys.path.insert(0, sys.argv[1])
from bare_app import app
response = app.test_client().get("/form")
assert response.status_code == 200, response.status_code
import json
print(json.dumps({"seconds": time.perf_counter() - start, "modules": []}))
"""


def _run(code: str, *args: str) -> dict:
    began = time.perf_counter()
    output = subprocess.run([sys.executable, "-c", code, *args], check=True, capture_output=True,
                            text=True, cwd=servers.ROOT, env=servers.base_environment(), timeout=120).stdout
    figures = json.loads(output.strip().splitlines()[-1])
    figures["process_seconds"] = time.perf_counter() - began
    return figures


def measure(repeat: int = 5) -> dict:
    """Return the median start times of the app and of the bare baseline (seconds)."""
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'startup.sqlite3'}"
        token = servers.survey_database(url, servers.base_environment())
        _run(APP_CHILD, url, token)  # compile bytecode and warm the page cache first
        app = [_run(APP_CHILD, url, token) for _ in range(repeat)]
        bare = [_run(BARE_CHILD, str(servers.BENCH_DIR)) for _ in range(repeat)]
        libraries = [_run(LIBRARIES_CHILD, ",".join(UNAVOIDABLE_LIBRARIES)) for _ in range(repeat)]
    return {
        "libraries_seconds": statistics.median(r["seconds"] for r in libraries),
        "app_seconds": statistics.median(r["seconds"] for r in app),
        "app_process_seconds": statistics.median(r["process_seconds"] for r in app),
        "bare_seconds": statistics.median(r["seconds"] for r in bare),
        "bare_process_seconds": statistics.median(r["process_seconds"] for r in bare),
        "heavy_modules": sorted({m for r in app for m in r["modules"]}),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    figures = measure(args.repeat)
    if args.json:
        print(json.dumps(figures))
        return
    print(f"app:  {figures['app_seconds']:.2f} s import to first response "
          f"({figures['app_process_seconds']:.2f} s with the interpreter); imports: "
          f"{', '.join(figures['heavy_modules']) or 'no pingouin, scipy or pandas'}")
    print(f"bare: {figures['bare_seconds']:.2f} s ({figures['bare_process_seconds']:.2f} s with the interpreter)")
    print(f"libraries it cannot avoid, imported bare: {figures['libraries_seconds']:.2f} s "
          f"({', '.join(UNAVOIDABLE_LIBRARIES)})")
    print(f"target: <= {TARGET_SECONDS:.0f} s, no pingouin")


if __name__ == "__main__":
    main()
