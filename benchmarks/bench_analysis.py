"""Benchmark of the analysis package on synthetic surveys of 1k to 100k responses.

Each size runs in its own subprocess (so peak memory is that size's alone): 40 items in 5
dimensions, 2 rounds, 5% missing answers, 40% of the later round linked to the earlier one
by panel key. The *full analysis* starts from the tidy answer table and computes the wide
frame, item and dimension scores, reliability, indicators, a full two-round comparison and
breakdowns by comune, service, role and point. The *baseline*, measured in the same run on
the same data, is the raw pandas/scipy work underneath: pivot to wide, ``groupby().describe()``
and one ``scipy.stats.mannwhitneyu(axis=0)`` across the 40 items.

Times are the median of ``--repeat`` warm runs (the first run, which pays imports, is shown
separately); memory is the peak resident set size of the process (``ru_maxrss``), data
included. Targets: 100k x 40 in <= 5 s and <= 1 GB.

The fresh-process figure (``--fresh 1000``, 0 to skip): a new Python process imports the app
and serves an evaluator the results pages of a 1,000-response round pair, computing them
(``results_fresh.py``), beside a new process doing the raw pandas/scipy operations on the same
answers. Since the default engine is the fast path at every size, neither imports pingouin.

Usage: ``.venv/bin/python benchmarks/bench_analysis.py [--sizes 1000,10000] [--repeat 3] [--fresh 1000]``
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

SIZES = (1_000, 10_000, 100_000)
N_DIMENSIONS = 5
ITEMS_PER_DIMENSION = 8
MISSING_SHARE = 0.05
LINKED_SHARE = 0.4
TARGET_SECONDS = 5.0
TARGET_MB = 1024
SEED = 7


def questionnaire_definition() -> dict:
    """Return a 40-item questionnaire: 5 dimensions of 8 items, two reverse, three measures."""
    dimensions = [{"id": f"d{d}", "title": {"it": f"Dimensione {d}"}, "scale": "agree",
                   "items": [{"id": f"d{d}_q{i}", "text": {"it": f"Domanda {d}.{i}"},
                              "reverse": (i == 7 and d < 2)}
                             for i in range(ITEMS_PER_DIMENSION)]}
                  for d in range(N_DIMENSIONS)]
    labels = [{"it": str(v)} for v in range(1, 6)]
    return {"format": 1, "id": "bench", "version": 1, "objective": "bench",
            "indicators": ["bench.outcome-1", "bench.outcome-2", "bench.outcome-3"],
            "title": {"it": "Benchmark"}, "context": [],
            "scales": {"agree": {"points": 5, "labels": labels}},
            "dimensions": dimensions,
            "measures": [
                {"indicator": "bench.outcome-1", "dimensions": ["d0", "d1"],
                 "statistic": "top_box_share", "target": {"operator": ">=", "value": 0.7}},
                {"indicator": "bench.outcome-2", "items": ["d2_q0", "d2_q1"],
                 "statistic": "mean_score", "target": {"operator": ">=", "value": 60}},
                {"indicator": "bench.outcome-3", "dimensions": ["d4"],
                 "statistic": "improved_share"}]}


def synthetic_survey(n_responses: int, seed: int = SEED):
    """Return (answers, responses) of *n_responses* split over two rounds."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    n_items = N_DIMENSIONS * ITEMS_PER_DIMENSION
    round_id = np.where(np.arange(n_responses) < n_responses // 2, 1, 2)
    person = rng.normal(0, 0.8, n_responses) + 0.3 * (round_id == 2)
    raw = np.clip(np.rint(3.3 + person[:, None] + rng.normal(0, 0.9, (n_responses, n_items))), 1, 5)
    raw[rng.random(raw.shape) < MISSING_SHARE] = np.nan
    first = np.flatnonzero(round_id == 1)
    second = np.flatnonzero(round_id == 2)
    panel_key = np.full(n_responses, None, dtype=object)
    linked = second[: int(len(second) * LINKED_SHARE)]
    panel_key[first[: len(linked)]] = [f"p{i}" for i in range(len(linked))]
    panel_key[linked] = [f"p{i}" for i in range(len(linked))]
    comuni = [f"Comune {c}" for c in range(10)] + ["Piccolo 1", "Piccolo 2"]
    weights = np.array([30, 20, 15, 10, 8, 6, 4, 3, 2, 1.5, 0.05, 0.03])
    responses = pd.DataFrame({
        "response_id": np.arange(n_responses) + 1,
        "round_id": round_id,
        "comune": rng.choice(comuni, n_responses, p=weights / weights.sum()),
        "service": rng.choice([f"servizio-{s}" for s in range(5)], n_responses),
        "role": rng.choice(["beneficiary", "carer", "partner_operator", "citizen"], n_responses),
        "channel": rng.choice(["self", "assisted", "paper"], n_responses),
        "point": rng.choice([f"punto {p}" for p in range(20)], n_responses),
        "panel_key": panel_key,
    })
    item_ids = [f"d{d}_q{i}" for d in range(N_DIMENSIONS) for i in range(ITEMS_PER_DIMENSION)]
    answers = pd.DataFrame({
        "response_id": np.repeat(responses["response_id"].to_numpy(), n_items),
        "round_id": np.repeat(round_id, n_items),
        "item_id": pd.Series(np.tile(np.array(item_ids, dtype=object), n_responses), dtype="str"),
        "value": raw.ravel(),
    })
    return answers, responses


def full_analysis(answers, responses, questionnaire) -> None:
    """Run everything a district report needs."""
    from survey_app import analysis

    wide = analysis.wide_frame(answers, responses, questionnaire)
    analysis.item_scores(wide, questionnaire)
    analysis.dimension_scores(wide, questionnaire)
    analysis.reliability(wide, questionnaire)
    analysis.indicator_values(wide, questionnaire)
    analysis.compare_rounds(wide[wide["round_id"] == 1], wide[wide["round_id"] == 2],
                            questionnaire)
    for column in ("comune", "service", "role", "point"):
        analysis.breakdown(wide, questionnaire, by=column)


def baseline(answers, responses, questionnaire) -> None:
    """Run the raw pandas/scipy operations the full analysis is built on."""
    from scipy import stats

    wide = answers.pivot(index="response_id", columns="item_id", values="value")
    wide = wide.join(responses.set_index("response_id")[["round_id"]])
    items = [item.id for item in questionnaire.items]
    wide.groupby("round_id")[items].describe()
    stats.mannwhitneyu(wide.loc[wide["round_id"] == 2, items].to_numpy(),
                       wide.loc[wide["round_id"] == 1, items].to_numpy(),
                       axis=0, nan_policy="omit")


def child(size: int, mode: str, repeat: int) -> dict:
    """Measure one mode at one size in this (fresh) process and return the figures."""
    from survey_app.questionnaires.definition import Questionnaire

    questionnaire = Questionnaire(questionnaire_definition())
    answers, responses = synthetic_survey(size)
    data_mb = _peak_mb()
    work = full_analysis if mode == "analysis" else baseline
    times = []
    for _ in range(repeat + 1):
        start = time.perf_counter()
        work(answers, responses, questionnaire)
        times.append(time.perf_counter() - start)
    return {"first": times[0], "median": statistics.median(times[1:]), "peak_mb": _peak_mb(),
            "data_mb": data_mb, "imports_pingouin": "pingouin" in sys.modules}


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def measure(size: int, mode: str, repeat: int) -> dict:
    """Run :func:`child` in a subprocess and return its figures."""
    command = [sys.executable, __file__, "--child", f"{size}:{mode}", "--repeat", str(repeat)]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)),
                        help="comma-separated numbers of responses (both rounds together)")
    parser.add_argument("--repeat", type=int, default=3, help="warm runs per size (median)")
    parser.add_argument("--fresh", type=int, default=1000,
                        help="responses of the fresh-process results pages (0: skip)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        size, mode = args.child.split(":")
        print(json.dumps(child(int(size), mode, args.repeat)))
        return

    header = (f"{'responses':>9} {'answers':>9} | {'analysis s':>10} {'first s':>8} "
              f"{'peak MB':>8} {'data MB':>8} {'pingouin':>8} | {'baseline s':>10} "
              f"{'peak MB':>8} | {'ratio':>5} {'targets':>8}")
    print(header)
    print("-" * len(header))
    for size in (int(s) for s in args.sizes.split(",")):
        full = measure(size, "analysis", args.repeat)
        base = measure(size, "baseline", args.repeat)
        within = full["median"] <= TARGET_SECONDS and full["peak_mb"] <= TARGET_MB
        answers = size * N_DIMENSIONS * ITEMS_PER_DIMENSION
        print(f"{size:>9,} {answers:>9,} | {full['median']:>10.2f} {full['first']:>8.2f} "
              f"{full['peak_mb']:>8.0f} {full['data_mb']:>8.0f} "
              f"{'yes' if full['imports_pingouin'] else 'no':>8} | {base['median']:>10.2f} "
              f"{base['peak_mb']:>8.0f} | {full['median'] / base['median']:>5.1f} "
              f"{'met' if within else 'MISSED':>8}")
    print(f"targets: full analysis <= {TARGET_SECONDS:.0f} s and peak <= {TARGET_MB} MB; "
          "'first' includes imports; 'data MB' is the peak before the analysis started")
    if args.fresh:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        import results_fresh

        fresh = results_fresh.measure(args.fresh, max(args.repeat, 1))
        print(f"fresh process, results pages of {fresh['responses']:,} responses: "
              f"{fresh['app_seconds']:.2f} s from the first import ({fresh['app_start_seconds']:.2f} s "
              f"of it to the login page); raw pandas/scipy in a fresh process: "
              f"{fresh['baseline_seconds']:.2f} s; pingouin imported: "
              f"{'yes' if 'pingouin' in fresh['modules'] else 'no'}")
        print("fresh-json: " + json.dumps(fresh))


if __name__ == "__main__":
    main()
