"""Run every benchmark and print one Markdown table, each figure beside its same-run baseline.

``make bench`` runs this. Benchmarks (each also runs alone, see its docstring):

- ``bench_submit.py``: the full submit path (rate limits and anti-bot checks on) at 20
  concurrent clients, and respondents arriving at 20 per second (open loop), vs a bare Flask
  insert endpoint served and loaded the same way, on SQLite and on PostgreSQL + Redis;
- ``bench_analysis.py``: full analysis of 1k, 10k, 100k responses x 40 items vs the raw
  pandas/scipy operations (run as a script, its table parsed), and the results pages of
  1,000 responses in a fresh process vs the raw operations in a fresh process;
- ``bench_exports.py``: CSV, XLSX and SPSS export of 100k responses vs the bare library calls;
- ``bench_startup.py``: import to first respondent page vs a bare Flask app and vs the bare
  import of the libraries the app cannot avoid;
- ``page_weight.py`` (when present): the respondent pages' bytes and requests;
- ``throttled_phone.py``: a phone in Chromium at 400 kbit/s and 400 ms round trip, from the QR
  link to the form and from "Invia" to the thank-you page, vs the line's own floor.

The machine is shared and noisy: read ratios to the same-run baselines, not absolute figures.
Options: ``--quick`` (small sizes and short runs, to check that everything works),
``--only submit,analysis,exports,startup,page,phone``, ``--json FILE`` (all figures).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import subprocess
import sys
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import servers

BENCH_DIR = Path(__file__).resolve().parent
PARTS = ("submit", "analysis", "exports", "startup", "page", "phone")


class Table:
    """Rows of: what, figure, baseline, ratio, target, status."""

    HEADER = ("measure", "figure", "baseline (same run)", "ratio", "target", "status")

    def __init__(self):
        self.rows: list[tuple[str, ...]] = []

    def add(self, what, figure="", baseline="", ratio="", target="", status=""):
        self.rows.append(tuple(str(x) for x in (what, figure, baseline, ratio, target, status)))

    def markdown(self) -> str:
        widths = [max(len(r[i]) for r in [self.HEADER, *self.rows]) for i in range(len(self.HEADER))]

        def line(cells):
            return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths)) + " |"

        return "\n".join([line(self.HEADER), "| " + " | ".join("-" * w for w in widths) + " |",
                          *(line(r) for r in self.rows)])


def _status(ok: bool) -> str:
    return "met" if ok else "MISSED"


def _ratio(value: float, base: float, digits: int = 2) -> str:
    if not base or math.isnan(value) or math.isnan(base):
        return ""
    return f"{value / base:.{digits}f}x"


def submit_rows(table: Table, quick: bool) -> dict:
    import bench_submit

    args = bench_submit.parser().parse_args(["--seconds", "4" if quick else "15"])
    results = bench_submit.measure(["sqlite", "postgresql"], args)
    names = {"sqlite": "SQLite", "postgresql": "PostgreSQL + Redis"}
    for backend, figures in results.items():
        name = names[backend]
        if "skipped" in figures:
            table.add(f"submit, {name}", f"not available ({figures['skipped']})")
            continue
        app, bare = figures["app"], figures["bare"]
        ratio = app["per_second"] / max(bare["per_second"], 1e-9)
        failures = f" ({app['failures']} failed)" if app["failures"] else ""
        table.add(f"submit, {name}: submissions/s at {args.clients} clients",
                  f"{app['per_second']:.1f}{failures}",
                  f"{bare['per_second']:.1f} (bare Flask insert)", f"{ratio:.2f}x",
                  f">= {bench_submit.TARGET_RATIO}x", _status(ratio >= bench_submit.TARGET_RATIO and not app["failures"]))
        table.add(f"submit, {name}: POST p50 / p95 at {args.clients} clients",
                  f"{app['post_p50_ms']:.0f} / {app['post_p95_ms']:.0f} ms",
                  f"{bare['post_p50_ms']:.0f} / {bare['post_p95_ms']:.0f} ms",
                  _ratio(app["post_p95_ms"], bare["post_p95_ms"], 1), "", "")
        table.add(f"submit, {name}: server CPU per submission",
                  f"{app['server_cpu_ms']:.1f} ms", f"{bare['server_cpu_ms']:.1f} ms",
                  _ratio(app["server_cpu_ms"], bare["server_cpu_ms"], 1), "", "")
        table.add(f"submit, {name}: form GET p50 / p95",
                  f"{app['get_p50_ms']:.0f} / {app['get_p95_ms']:.0f} ms",
                  f"{bare['get_p50_ms']:.0f} / {bare['get_p95_ms']:.0f} ms",
                  _ratio(app["get_p95_ms"], bare["get_p95_ms"], 1), "", "")
        app_open, bare_open = figures["app_open"], figures["bare_open"]
        failures = f" ({app_open['failures']} failed)" if app_open["failures"] else ""
        table.add(f"submit, {name}: open loop, {app_open['rate']:g} arrivals/s, POST p50 / p95 / p99",
                  f"{app_open['post_p50_ms']:.0f} / {app_open['post_p95_ms']:.0f} / "
                  f"{app_open['post_p99_ms']:.0f} ms ({app_open['posts']} posts){failures}",
                  f"{bare_open['post_p50_ms']:.0f} / {bare_open['post_p95_ms']:.0f} / "
                  f"{bare_open['post_p99_ms']:.0f} ms",
                  _ratio(app_open["post_p95_ms"], bare_open["post_p95_ms"], 1),
                  f"p95 < {bench_submit.TARGET_P95_MS:.0f} ms",
                  _status(app_open["post_p95_ms"] < bench_submit.TARGET_P95_MS and not app_open["failures"]))
    return results


def parse_analysis_table(output: str) -> list[dict]:
    """Parse the rows of bench_analysis.py's table."""
    rows = []
    for line in output.splitlines():
        parts = [p.split() for p in line.split("|")]
        if len(parts) != 4 or not parts[0] or not parts[0][0].replace(",", "").isdigit():
            continue
        (responses, answers), full, base, (ratio, targets) = parts
        rows.append({"responses": int(responses.replace(",", "")), "answers": int(answers.replace(",", "")),
                     "seconds": float(full[0]), "first_seconds": float(full[1]),
                     "peak_mb": float(full[2]), "data_mb": float(full[3]), "pingouin": full[4] == "yes",
                     "baseline_seconds": float(base[0]), "baseline_peak_mb": float(base[1]),
                     "ratio": float(ratio), "targets": targets})
    return rows


def analysis_rows(table: Table, quick: bool) -> list[dict]:
    sizes = "1000,10000" if quick else "1000,10000,100000"
    command = [sys.executable, str(BENCH_DIR / "bench_analysis.py"), "--sizes", sizes]
    if quick:
        command += ["--repeat", "1"]
    output = subprocess.run(command, check=True, capture_output=True, text=True, timeout=1800).stdout
    rows = parse_analysis_table(output)
    if not rows:
        raise RuntimeError(f"could not read bench_analysis.py's output:\n{output}")
    fresh = [json.loads(line.removeprefix("fresh-json: ")) for line in output.splitlines()
             if line.startswith("fresh-json: ")]
    if fresh:
        f = fresh[0]
        table.add(f"results pages, {f['responses']:,} responses, fresh process (import to 2 pages)",
                  f"{f['app_seconds']:.2f} s ({f['app_start_seconds']:.2f} s of it app start)",
                  f"{f['baseline_seconds']:.2f} s (raw pandas/scipy, fresh process)",
                  _ratio(f["app_seconds"], f["baseline_seconds"], 1), "< 1 s, no pingouin",
                  _status(f["app_seconds"] < 1 and "pingouin" not in f["modules"]))
    for row in rows:
        target = "<= 5 s, <= 1 GB" if row["responses"] >= 100_000 else ""
        status = ("met" if row["targets"] == "met" else "MISSED") if target else ""
        table.add(f"analysis, {row['responses']:,} responses x 40 items",
                  f"{row['seconds']:.2f} s, {row['peak_mb']:.0f} MB peak",
                  f"{row['baseline_seconds']:.2f} s, {row['baseline_peak_mb']:.0f} MB (raw pandas/scipy)",
                  f"{row['ratio']:.1f}x", target, status)
    return rows


def exports_rows(table: Table, quick: bool) -> dict:
    import bench_exports

    n = 10_000 if quick else bench_exports.RESPONSES
    results = bench_exports.measure(bench_exports.FORMATS, n)
    names = {"csv": "CSV (wide)", "csv_long": "CSV (long)", "xlsx": "XLSX", "sav": "SPSS .sav"}
    for fmt, figures in results.items():
        app, base = figures["app"], figures["baseline"] or {}
        what = f"export {names[fmt]}, {n:,} responses x 40 items"
        if "seconds" not in app:
            table.add(what, app.get("unavailable") or f"failed: {app.get('error', '')}"[:120])
            continue
        target, status = "", ""
        if fmt == "xlsx":
            target = f"<= {bench_exports.TARGET_XLSX_SECONDS:.0f} s"
            status = _status(app["seconds"] <= bench_exports.TARGET_XLSX_SECONDS) if n >= 100_000 else ""
        table.add(what, f"{app['seconds']:.2f} s, {app['peak_mb']:.0f} MB peak",
                  f"{base['seconds']:.2f} s, {base['peak_mb']:.0f} MB (bare library)" if "seconds" in base else "",
                  _ratio(app["seconds"], base.get("seconds", float("nan")), 1), target, status)
    return results


def startup_rows(table: Table, quick: bool) -> dict:
    import bench_startup

    figures = bench_startup.measure(repeat=2 if quick else 5)
    heavy = figures["heavy_modules"]
    table.add("app start: import to first respondent page",
              f"{figures['app_seconds']:.2f} s ({figures['app_process_seconds']:.2f} s with interpreter)",
              f"{figures['bare_seconds']:.2f} s (bare Flask)",
              _ratio(figures["app_seconds"], figures["bare_seconds"], 1),
              f"<= {bench_startup.TARGET_SECONDS:.0f} s, no pingouin",
              _status(figures["app_seconds"] <= bench_startup.TARGET_SECONDS and "pingouin" not in heavy))
    table.add("app start: the libraries it cannot avoid, imported bare",
              f"{figures['libraries_seconds']:.2f} s", f"{figures['bare_seconds']:.2f} s (bare Flask)",
              _ratio(figures["libraries_seconds"], figures["bare_seconds"], 1), "", "")
    table.add("app start: heavy modules imported", ", ".join(heavy) or "none of pingouin, scipy, pandas",
              "", "", "no pingouin", _status("pingouin" not in heavy))
    return figures


def page_rows(table: Table, quick: bool) -> dict:
    script = BENCH_DIR / "page_weight.py"
    if not script.exists():
        table.add("respondent pages: bytes and requests",
                  "not available (benchmarks/page_weight.py is absent)")
        return {"unavailable": "benchmarks/page_weight.py is absent"}
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=600,
                            cwd=servers.ROOT, check=False)
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    if result.returncode != 0 or not lines:
        table.add("respondent pages: bytes and requests", "failed", "", "", "",
                  (result.stderr.strip().splitlines() or ["no output"])[-1][:120])
        return {"error": result.stderr[-2000:]}
    try:
        figures = json.loads(lines[-1])
    except ValueError:
        figures = None
    pages = figures if isinstance(figures, list) else [figures] if isinstance(figures, dict) else None
    if pages and all(isinstance(p, dict) and "bytes" in p for p in pages):
        for page in pages:
            table.add(f"page weight: {page.get('page', '')}".strip(),
                      f"{page['bytes']:,} bytes, {page.get('requests', '?')} requests",
                      page.get("baseline", ""), "", page.get("target", ""), page.get("status", ""))
        return {"pages": pages}
    table.add("respondent pages: bytes and requests", "see page_weight.py's output below")
    return {"output": lines}


def phone_rows(table: Table, quick: bool) -> dict:
    import throttled_phone as phone

    figures = phone.measure(repeat=1 if quick else 3)
    line = f"{phone.KBIT_PER_S} kbit/s, {phone.LATENCY_MS} ms"
    floor = f"{figures['line_floor_seconds']:.2f} s (one round trip + the form's bytes on the line)"
    table.add(f"weak connection ({line}): QR link to form on screen",
              f"{figures['open_seconds']:.2f} s ({figures['open_bytes']:,} bytes, {figures['open_requests']} requests)",
              floor, _ratio(figures["open_seconds"], figures["line_floor_seconds"], 1),
              f"<= {phone.OPEN_TARGET_S:.0f} s", _status(figures["open_seconds"] <= phone.OPEN_TARGET_S))
    table.add(f"weak connection ({line}): Invia to thank-you",
              f"{figures['send_seconds']:.2f} s ({figures['send_bytes']:,} bytes, {figures['send_requests']} requests)",
              floor, _ratio(figures["send_seconds"], figures["line_floor_seconds"], 1),
              f"<= {phone.SEND_TARGET_S} s", _status(figures["send_seconds"] <= phone.SEND_TARGET_S))
    return figures


RUNNERS = {"submit": submit_rows, "analysis": analysis_rows, "exports": exports_rows,
           "startup": startup_rows, "page": page_rows, "phone": phone_rows}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes and short runs")
    parser.add_argument("--only", default=",".join(PARTS), help=f"comma-separated subset of {', '.join(PARTS)}")
    parser.add_argument("--json", type=Path, help="also write every figure to this file")
    args = parser.parse_args(argv)
    started = time.time()
    table, figures, notes = Table(), {}, []
    for part in args.only.split(","):
        print(f"running {part}...", file=sys.stderr, flush=True)
        try:
            figures[part] = RUNNERS[part](table, args.quick)
        except Exception as exc:  # noqa: BLE001 (one failing benchmark must not hide the others)
            traceback.print_exc()
            table.add(part, "failed", "", "", "", f"{type(exc).__name__}: {str(exc)[:100]}")
            figures[part] = {"error": repr(exc)}
    when = dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    print(f"survey_app benchmarks, {when}{' (quick)' if args.quick else ''}")
    print(f"machine: {servers.machine_description()}")
    print()
    print(table.markdown())
    page = figures.get("page") or {}
    if page.get("output"):
        notes.append("page_weight.py:\n" + "\n".join(page["output"]))
    for note in notes:
        print()
        print(note)
    print()
    print(f"{time.time() - started:.0f} s in all; ratios are app / baseline (lower is better for "
          "times, higher for throughput)")
    if args.json:
        args.json.write_text(json.dumps({"date": when, "machine": servers.machine_description(),
                                         "figures": figures}, indent=1, default=str))


if __name__ == "__main__":
    main()
