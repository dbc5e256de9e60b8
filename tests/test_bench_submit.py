"""The submit benchmark's load generator (benchmarks/bench_submit.py) does what its figures claim.

Its respondents must each come from an address of their own, carry a stamp the app accepts as a
person's, and in the open loop arrive at the rate asked with latencies counted from when each
request was due. Checked against the bare baseline app served in this process.
"""

from __future__ import annotations

import importlib
import sys
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.fixture
def bench_submit(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    return importlib.import_module("bench_submit")


@pytest.fixture
def bare_server(tmp_path, monkeypatch):
    """The bare baseline app (one INSERT per POST) on a free loopback port, threaded."""
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    monkeypatch.setenv("BARE_DATABASE", str(tmp_path / "bare.sqlite3"))
    sys.modules.pop("bare_app", None)
    bare_app = importlib.import_module("bare_app")
    bare_app.create_table()
    server = make_server("127.0.0.1", 0, bare_app.app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield bare_app, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    sys.modules.pop("bare_app", None)


def _stored(bare_app) -> int:
    return bare_app._connection().execute("SELECT count(*) FROM bare_submissions").fetchone()[0]


def test_every_respondent_has_an_address_of_its_own(bench_submit):
    closed = {bench_submit.address_of(client * bench_submit.ADDRESSES_PER_CLIENT + n)
              for client in range(40) for n in range(0, bench_submit.MAX_PER_CLIENT, 7)}
    open_ = {bench_submit.address_of(bench_submit.OPEN_LOOP_FIRST_ADDRESS + n) for n in range(0, 5000, 7)}
    assert len(closed) == 40 * len(range(0, bench_submit.MAX_PER_CLIENT, 7))
    assert not closed & open_
    assert all(address.startswith("10.") for address in closed | open_)


def test_a_back_dated_stamp_is_a_persons_as_the_app_reads_it(bench_submit):
    from survey_app.respond import antibot

    key = "k" * 64
    stamp = antibot.issue_stamp(key, "0b1c6f2e-7a43-4d55-9a59-3f4a2f7d8e10")
    fresh = antibot.read_stamp(key, stamp, 3600)
    assert fresh.age() < 5  # too fast for a person: the app would send it back
    older = antibot.read_stamp(key, bench_submit.back_dated(stamp, key, 18), 3600)
    assert older.submission_id == fresh.submission_id and older.age() >= 18
    assert antibot.read_stamp("another key" * 4, bench_submit.back_dated(stamp, key, 18), 3600) is None


def test_the_open_loop_sends_respondents_at_the_rate_asked(bench_submit, bare_server, monkeypatch):
    bare_app, base = bare_server
    monkeypatch.setattr(bench_submit, "OPEN_LOOP_WARMUP_SECONDS", 0.5)
    target = bench_submit.Target(base, "/form", "/thanks", minimum_seconds=0.2)
    figures = bench_submit.open_loop(target, rate=20, seconds=1.5, workers=8)
    assert figures["failures"] == 0, figures["first_failure"]
    # every arrival answered once (warm-up included); those due after think + warm-up counted
    assert _stored(bare_app) == int(20 * (1.5 + 0.5))
    assert 20 <= figures["posts"] <= 32
    assert figures["think_seconds"] == pytest.approx(0.2 + bench_submit.THINK_MARGIN_SECONDS)
    assert 0 < figures["post_p50_ms"] <= figures["post_p95_ms"] <= figures["post_p99_ms"]


def test_the_closed_loop_counts_only_what_the_server_took(bench_submit, bare_server):
    bare_app, base = bare_server
    target = bench_submit.Target(base, "/form", "/thanks")
    result = bench_submit.load(target, clients=2, processes=1, seconds=1.0, warmup=0.3)
    assert result["failures"] == 0 and result["submissions"] > 0
    assert _stored(bare_app) >= result["submissions"]
    wrong = bench_submit.Target(base, "/form", "/elsewhere")  # a redirect anywhere else is a failure
    result = bench_submit.load(wrong, clients=1, processes=1, seconds=0.5, warmup=0.1)
    assert result["submissions"] == 0 and result["failures"] > 0 and "POST 303" in result["first_failure"]
