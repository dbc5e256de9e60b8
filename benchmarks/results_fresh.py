"""Results of a small round in a fresh process: time to the pages, and whether pingouin was imported.

:func:`prepare` builds a migrated SQLite database with two rounds (ex ante, ex post) of
``persona-al-centro`` holding *responses* synthetic responses in all, and an evaluator.
:func:`run_app` then starts a new Python process that imports the app, logs the evaluator in
and serves the round page of the later round and the comparison of the two (both computed
inside the request: the stored snapshots are deleted first, and the limit
``RESULTS_INLINE_MAX_RESPONSES`` is raised above the rounds' size); it reports the
time from its first import to the second page (and to the login page, the app's
start), and the heavy modules it imported.
:func:`run_baseline`, the same-run baseline, is a new process that imports pandas and scipy,
reads the same answers from the database and runs the raw operations under the pages (pivot
to wide, ``groupby().describe()``, one ``mannwhitneyu(axis=0)`` across the items).

``tests/results/test_results_fresh_process.py`` uses it to check that no page imports
pingouin; ``bench_analysis.py --fresh 1000`` (and so ``make bench``) prints the times.

Usage: ``.venv/bin/python benchmarks/results_fresh.py [--responses 1000] [--repeat 3]``
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EMAIL = "valutatrice@example.org"
PASSWORD = "una-password-lunga-di-prova-17"
HEAVY = ("pingouin", "matplotlib", "scipy", "pandas")


@dataclass(frozen=True)
class Prepared:
    url: str
    before: int
    after: int


def prepare(directory: Path, responses: int, seed: int = 17) -> Prepared:
    """Create the database in *directory* and return its URL and the two round ids."""
    sys.path.insert(0, str(ROOT))
    import sqlalchemy as sa
    from sqlalchemy.orm import Session

    from survey_app.accounts.operations import create_user
    from survey_app.db import create_db_engine, upgrade_database
    from survey_app.demo import synthetic_submission
    from survey_app.models import Ambito, Round
    from survey_app.questionnaires.definition import DEFAULT_DIRECTORY
    from survey_app.questionnaires.operations import load_directory
    from survey_app.respond.submission import response_from_submission
    from survey_app.rounds.operations import open_round

    url = f"sqlite:///{directory / 'results.sqlite3'}"
    upgrade_database(url)
    engine = create_db_engine(url)
    rng = random.Random(seed)
    hour = datetime(2023, 10, 3, 9)
    with Session(engine) as session:
        load_directory(session, DEFAULT_DIRECTORY)
        ambito = session.scalar(sa.select(Ambito))
        create_user(session, EMAIL, "evaluator", PASSWORD, ambito=ambito, actor="bench")
        ids = []
        # two closed rounds inside the shipped plan (2021-2023), as the report would designate them
        for kind, count, shift, opens in (("ex-ante", responses // 2, 0.0, datetime(2022, 3, 1)),
                                          ("ex-post", responses - responses // 2, 0.3, datetime(2023, 9, 1))):
            round_ = open_round(session, "persona-al-centro", kind, ambito_code=ambito.code, opens_at=opens,
                                closes_at=opens + timedelta(days=60), status="closed")
            session.flush()
            round_ = session.get(Round, round_.id)
            questionnaire = round_.questionnaire_version.questionnaire
            comuni = {c.code: c.id for c in round_.ambito.comuni}
            for _ in range(count):
                submission = synthetic_submission(rng, questionnaire, comuni, shift)
                submission = dataclasses.replace(submission, submission_id=str(uuid.uuid4()))
                session.add(response_from_submission(round_.id, submission, hour))
            ids.append(round_.id)
        session.commit()
    engine.dispose()
    return Prepared(url, ids[0], ids[1])


APP_CHILD = """
import sys, time
start = time.perf_counter()
import re
from survey_app import create_app
url, before, after, email, password = sys.argv[1:6]
app = create_app({"DATABASE_URL": url, "SECRET_KEY": "results-benchmark",
                  "RESULTS_INLINE_MAX_RESPONSES": 100_000})
client = app.test_client()
form = client.get("/accesso").get_data(as_text=True)
started = time.perf_counter() - start
token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
login = client.post("/accesso", data={"email": email, "password": password, "csrf_token": token})
assert login.status_code == 303, login.status_code
sizes = []
for path in (f"/risultati/rilevazioni/{after}", f"/risultati/confronto?prima={before}&dopo={after}"):
    response = client.get(path)
    page = response.get_data(as_text=True)
    assert response.status_code == 200, (path, response.status_code)
    assert "Calcolo in corso" not in page, path
    sizes.append(len(page))
elapsed = time.perf_counter() - start
import json
print(json.dumps({"seconds": elapsed, "start_seconds": started, "page_bytes": sizes,
                  "modules": [m for m in %r if m in sys.modules]}))
""" % (HEAVY,)

BASELINE_CHILD = """
import sys, time
start = time.perf_counter()
import sqlite3
import pandas as pd
from scipy import stats
path, before, after = sys.argv[1].removeprefix("sqlite:///"), int(sys.argv[2]), int(sys.argv[3])
with sqlite3.connect(path) as connection:
    answers = pd.read_sql_query(
        "SELECT r.id AS response_id, r.round_id, a.item_id, a.value FROM answers a "
        "JOIN responses r ON r.id = a.response_id", connection)
wide = answers.pivot(index="response_id", columns="item_id", values="value").astype(float)
wide = wide.join(answers.drop_duplicates("response_id").set_index("response_id")[["round_id"]])
items = [c for c in wide.columns if c != "round_id"]
wide.groupby("round_id")[items].describe()
stats.mannwhitneyu(wide.loc[wide["round_id"] == after, items].to_numpy(),
                   wide.loc[wide["round_id"] == before, items].to_numpy(), axis=0,
                   nan_policy="omit")
import json
print(json.dumps({"seconds": time.perf_counter() - start, "answers": len(answers)}))
"""


def _run(code: str, *args: str) -> dict:
    began = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                            cwd=ROOT, timeout=300, env=_environment())
    if result.returncode != 0:
        raise RuntimeError(f"fresh process failed:\n{result.stderr[-3000:]}")
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    figures["process_seconds"] = time.perf_counter() - began
    return figures


def _environment() -> dict:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("SURVEY_")}
    env["PYTHONPATH"] = str(ROOT)
    return env


def forget_results(prepared: Prepared) -> None:
    """Delete the stored result snapshots, so that the next process computes the pages."""
    import sqlite3

    with sqlite3.connect(prepared.url.removeprefix("sqlite:///")) as connection:
        connection.execute("DELETE FROM result_snapshots")


def run_app(prepared: Prepared) -> dict:
    """Serve the two results pages in a fresh process, computing them, and return its figures."""
    forget_results(prepared)
    return _run(APP_CHILD, prepared.url, str(prepared.before), str(prepared.after), EMAIL, PASSWORD)


def run_baseline(prepared: Prepared) -> dict:
    """Run the raw pandas/scipy operations in a fresh process and return its figures."""
    return _run(BASELINE_CHILD, prepared.url, str(prepared.before), str(prepared.after))


def measure(responses: int = 1000, repeat: int = 3) -> dict:
    """Return the median fresh-process times of the results pages and of the baseline."""
    with tempfile.TemporaryDirectory(prefix="bench-results-") as tmp:
        prepared = prepare(Path(tmp), responses)
        run_app(prepared)  # compile bytecode and warm the page cache first
        app = [run_app(prepared) for _ in range(repeat)]
        base = [run_baseline(prepared) for _ in range(repeat)]
    return {"responses": responses,
            "app_seconds": statistics.median(r["seconds"] for r in app),
            "app_process_seconds": statistics.median(r["process_seconds"] for r in app),
            "app_start_seconds": statistics.median(r["start_seconds"] for r in app),
            "baseline_seconds": statistics.median(r["seconds"] for r in base),
            "baseline_process_seconds": statistics.median(r["process_seconds"] for r in base),
            "answers": base[0]["answers"],
            "modules": sorted({m for r in app for m in r["modules"]})}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    figures = measure(args.responses, args.repeat)
    if args.json:
        print(json.dumps(figures))
        return
    print(f"results pages, fresh process, {figures['responses']:,} responses "
          f"({figures['answers']:,} answers): {figures['app_seconds']:.2f} s from the first import "
          f"({figures['app_process_seconds']:.2f} s with the interpreter, of which "
          f"{figures['app_start_seconds']:.2f} s to the login page); imports: "
          f"{', '.join(figures['modules'])}")
    print(f"baseline, raw pandas/scipy in a fresh process: {figures['baseline_seconds']:.2f} s "
          f"({figures['baseline_process_seconds']:.2f} s with the interpreter)")


if __name__ == "__main__":
    main()
