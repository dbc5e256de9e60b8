"""Which library a served submission's time goes to: py-spy sampling gunicorn under the closed loop.

Serves the app exactly as ``bench_submit.py`` does (gunicorn, ``gunicorn.conf.py``, production
settings, nothing turned off) on one backend, loads it with the same closed-loop respondents,
and meanwhile samples every worker with py-spy (``--gil``: only the thread holding the GIL,
that is Python doing work; ``--nonblocking``: the workers are not paused). Each sample is
charged to the owner of its innermost Python frame (time in C, such as a ``sqlite3`` commit or
``isinstance``, shows under the Python function that called it): the top-level package of its
file (``sqlalchemy``, ``wtforms``, ``gunicorn``...), ``stdlib`` or ``survey_app``. Unlike a
tracing profiler, sampling does not inflate code that makes many small calls.

Also prints the share of the samples under a few of the app's own steps (cumulative).

Needs py-spy (``.venv/bin/pip install py-spy``; not part of the test dependencies).
Usage: ``.venv/bin/python benchmarks/spy_submit.py [--backend sqlite|postgresql] [--seconds 12]``
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_submit
import servers

#: the app's own steps whose cumulative share is printed (function names in survey_app)
STEPS = {
    "resolve the link (round query)": "resolve_public_token",
    "build the WTForms form": "build_questionnaire_form",
    "comuni query": "comune_choices",
    "validate the form": "validate (wtforms",
    "store the submission": "record_submission",
    "burst detector": "is_burst",
    "rate limits (Flask-Limiter)": "_check_request_limit",
    "submit view, all": "submit (survey_app",
    "form view, all": "form (survey_app",
}
SITE_PACKAGES = Path(sysconfig.get_paths()["purelib"])
FRAME = re.compile(r"^(?P<function>.*) \((?P<file>[^:()]+)(?::\d+)?\)$")


def owner(frame: str) -> str:
    """Return who owns the code of one py-spy frame (``function (package/module.py:line)``)."""
    match = FRAME.match(frame)
    path = match.group("file") if match else frame
    if path.startswith("<"):  # "<sqlalchemy generated ...>", "<frozen importlib...>", "<string>"
        word = path[1:].split()[0].rstrip(">")
        return {"frozen": "stdlib", "string": "generated code (<string>)"}.get(word, word)
    top = path.split("/", 1)[0].removesuffix(".py")
    if top == "survey_app":
        return top
    if top == "gunicorn.conf":  # the repository's gunicorn hooks (the privacy logger)
        return "gunicorn"
    if (SITE_PACKAGES / top).is_dir() or (SITE_PACKAGES / f"{top}.py").exists():
        return top
    return "stdlib"


def read_samples(raw: Path) -> tuple[Counter, Counter, int]:
    """Return samples by owner of the innermost frame, by app step, and their total."""
    by_owner, by_step, total = Counter(), Counter(), 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        frames = [f for f in stack.split(";") if not f.startswith(("process ", "thread "))]
        if not frames:
            continue
        total += int(count)
        by_owner[owner(frames[-1])] += int(count)
        for label, needle in STEPS.items():
            if any(needle in frame for frame in frames):
                by_step[label] += int(count)
    return by_owner, by_step, total


def main(argv: list[str] | None = None) -> None:
    arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    arguments.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    arguments.add_argument("--seconds", type=float, default=12.0)
    arguments.add_argument("--rate", type=int, default=200, help="py-spy samples per second")
    args = arguments.parse_args(argv)
    spy = shutil.which("py-spy", path=str(servers.BIN)) or shutil.which("py-spy")
    if not spy:
        raise SystemExit("py-spy is not installed: .venv/bin/pip install py-spy")
    with tempfile.TemporaryDirectory(prefix="spy-submit-") as tmp:
        work = Path(tmp)
        app_env, token = bench_submit.serve_app_environment(args.backend, work, servers.base_environment())
        raw = work / "samples.txt"
        with servers.gunicorn("bench_wsgi:app", app_env, work) as base:
            target = bench_submit.app_target(base, token, app_env)
            warmup = 3.0
            sampler = subprocess.Popen(
                [spy, "record", "--format", "raw", "--output", str(raw), "--subprocesses", "--gil",
                 "--nonblocking", "--rate", str(args.rate), "--pid", str(base.pid),
                 "--duration", str(int(args.seconds + warmup + 2))],
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            figures = bench_submit.load(target, bench_submit.CLIENTS, 2, args.seconds, warmup=warmup)
            _, problems = sampler.communicate()
        if not raw.exists():
            raise SystemExit(f"py-spy recorded nothing: {problems[-500:]}")
        by_owner, by_step, total = read_samples(raw)
    print(f"{args.backend}: {figures['per_second']:.1f} submissions/s, {figures['server_cpu_ms']:.1f} ms "
          f"server CPU each, {figures['failures']} failed; {total:,} samples of Python holding the GIL")
    print(f"{'owner of the innermost frame':<30} {'share':>6}")
    for name, count in by_owner.most_common():
        print(f"{name:<30} {count / total:>6.1%}")
    print()
    print(f"{'step of the app (cumulative)':<34} {'share':>6}")
    for label in STEPS:
        print(f"{label:<34} {by_step[label] / total:>6.1%}")


if __name__ == "__main__":
    main()
