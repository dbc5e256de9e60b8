"""Export time and peak memory for 100k responses x 40 items: CSV, XLSX and SPSS.

The data are :mod:`bench_analysis`'s synthetic survey (40 items in 5 dimensions, 2 rounds, 5%
"non so", 40% panel-linked), as a :class:`survey_app.exports.dataset.Dataset`. Each format
runs in its own subprocess (peak memory is that export's alone, data included):

- CSV: ``survey_app.exports.csvfiles.wide_csv`` (Italian Excel dialect) and ``long_csv``;
- XLSX: ``survey_app.exports.xlsx.workbook([data_sheet, codebook_sheet])``;
- SPSS: ``survey_app.exports.sav.sav_bytes``.

The baseline, in the same run on the same responses, is the library call underneath with
nothing of the app: ``DataFrame.to_csv`` of the plain wide numeric table, openpyxl's
write-only workbook of the same table, ``pyreadstat.write_sav`` of it without labels.

survey_app.exports is imported lazily: a format whose module or function is missing (or whose
library is not installed) is reported as "not available" instead of failing the run.
Target: XLSX of 100k responses <= 30 s.

Usage: ``.venv/bin/python benchmarks/bench_exports.py [--responses 100000] [--formats csv,xlsx,sav]``
"""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

RESPONSES = 100_000
FORMATS = ("csv", "xlsx", "sav")
TARGET_XLSX_SECONDS = 30.0
#: what each format calls: (module, function names that must exist)
WRITERS = {
    "csv": ("survey_app.exports.csvfiles", ("wide_csv",)),
    "csv_long": ("survey_app.exports.csvfiles", ("long_csv",)),
    "xlsx": ("survey_app.exports.xlsx", ("workbook", "data_sheet", "codebook_sheet")),
    "sav": ("survey_app.exports.sav", ("sav_bytes",)),
}


def dataset(n_responses: int):
    """Return (Dataset, plain wide DataFrame) of *n_responses* synthetic responses."""
    import numpy as np
    import pandas as pd
    from bench_analysis import questionnaire_definition, synthetic_survey

    from survey_app.exports.dataset import ContextLabels, Dataset
    from survey_app.questionnaires.definition import Questionnaire

    answers, responses = synthetic_survey(n_responses)
    rng = np.random.default_rng(11)
    hours = pd.Timestamp("2026-03-01") + pd.to_timedelta(rng.integers(0, 24 * 120, n_responses), unit="h")
    responses = responses.assign(
        submitted_hour=hours.to_numpy(),
        language="it",
        comment=np.where(rng.random(n_responses) < 0.1, "Servizio utile, orari da migliorare", None),
    )
    questionnaire = Questionnaire(questionnaire_definition())
    comuni = tuple(sorted(responses["comune"].unique()))
    data = Dataset(responses=responses, answers=answers[["response_id", "item_id", "value"]],
                   questionnaires=(questionnaire,), labels=ContextLabels(comuni=comuni),
                   title="Benchmark")
    wide = answers.pivot(index="response_id", columns="item_id", values="value")
    wide = responses.set_index("response_id")[["round_id", "comune", "service", "role"]].join(wide)
    return data, wide.reset_index()


def _writer(fmt: str):
    """Return the app's writer for *fmt* as a callable of a Dataset, or the reason it is missing."""
    import importlib

    module_name, names = WRITERS[fmt]
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        return f"not available ({module_name}: {exc.name or exc})"
    missing = [n for n in names if not hasattr(module, n)]
    if missing:
        return f"not available ({module_name} has no {', '.join(missing)})"
    if fmt == "xlsx":
        return lambda data: module.workbook([module.data_sheet(data), module.codebook_sheet(data)])
    return getattr(module, names[0])


def _baseline(fmt: str, wide) -> bytes:
    if fmt in ("csv", "csv_long"):
        return wide.to_csv(index=False).encode()
    if fmt == "xlsx":
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet("dati")
        sheet.append(list(wide.columns))
        for row in wide.itertuples(index=False, name=None):
            sheet.append([None if isinstance(v, float) and math.isnan(v) else v for v in row])
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()
    import pyreadstat

    handle, path = tempfile.mkstemp(suffix=".sav")
    os.close(handle)
    try:
        pyreadstat.write_sav(wide, path)
        return Path(path).read_bytes()
    finally:
        os.unlink(path)


def child(fmt: str, mode: str, n_responses: int) -> dict:
    """Measure one format in this fresh process: the app's writer or the baseline."""
    if mode == "app":
        writer = _writer(fmt)
        if isinstance(writer, str):
            return {"unavailable": writer}
    data, wide = dataset(n_responses)
    data_mb = _peak_mb()
    start = time.perf_counter()
    try:
        output = writer(data) if mode == "app" else _baseline(fmt, wide)
    except ImportError as exc:
        return {"unavailable": f"not available ({exc.name or exc} not installed)"}
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "bytes": len(output), "peak_mb": _peak_mb(), "data_mb": data_mb}


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_child(fmt: str, mode: str, n_responses: int) -> dict:
    command = [sys.executable, __file__, "--child", f"{fmt}:{mode}", "--responses", str(n_responses)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=900, check=False)
    if result.returncode != 0:
        return {"error": result.stderr.strip().splitlines()[-1] if result.stderr.strip() else "failed"}
    return json.loads(result.stdout.strip().splitlines()[-1])


def measure(formats=FORMATS, n_responses: int = RESPONSES) -> dict:
    """Return, per format, the app's and the baseline's figures (or why they are missing)."""
    results = {}
    for fmt in formats:
        app = run_child(fmt, "app", n_responses)
        base = run_child(fmt, "baseline", n_responses) if "seconds" in app else None
        results[fmt] = {"app": app, "baseline": base}
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=RESPONSES)
    parser.add_argument("--formats", default=",".join(FORMATS), help="csv, csv_long, xlsx, sav")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if args.child:
        fmt, mode = args.child.split(":")
        print(json.dumps(child(fmt, mode, args.responses)))
        return
    results = measure(args.formats.split(","), args.responses)
    if args.json:
        print(json.dumps(results))
        return
    print(f"{args.responses:,} responses x 40 items")
    for fmt, figures in results.items():
        app, base = figures["app"], figures["baseline"]
        if "seconds" not in app:
            print(f"{fmt:<9} {app.get('unavailable') or app.get('error')}")
            continue
        line = (f"{fmt:<9} {app['seconds']:>7.2f} s {app['bytes'] / 1e6:>7.1f} MB file "
                f"{app['peak_mb']:>6.0f} MB peak")
        if base and "seconds" in base:
            line += f" | baseline {base['seconds']:>6.2f} s {base['peak_mb']:>6.0f} MB peak"
        print(line)
    print(f"target: XLSX <= {TARGET_XLSX_SECONDS:.0f} s")


if __name__ == "__main__":
    main()
