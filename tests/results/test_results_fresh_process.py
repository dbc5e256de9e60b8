"""A fresh process renders the results pages without importing pingouin (nor matplotlib).

pingouin costs seconds to import; the pages compute their statistics on the fast path. The
process is the one ``benchmarks/results_fresh.py`` times: it imports the app, logs an
evaluator in and serves a round page and a two-round comparison, both computed in the request.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import results_fresh  # noqa: E402


def test_results_pages_in_a_fresh_process_do_not_import_pingouin(tmp_path):
    prepared = results_fresh.prepare(tmp_path, 60)
    figures = results_fresh.run_app(prepared)
    assert "scipy" in figures["modules"]  # the statistics were computed in that process
    assert "pingouin" not in figures["modules"]
    assert "matplotlib" not in figures["modules"]
    assert all(size > 10_000 for size in figures["page_bytes"])
