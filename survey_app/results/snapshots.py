"""Computed results, kept in the database and recomputed only when new responses arrive.

Why. The analysis of a large round (100,000 responses: ~2-5 s of CPU and a few hundred MB)
must not run inside a web request: it would hold a request worker and the CPU that
respondents' phones are waiting on. Nor does it need to run at every page view: a round's
results change only when responses are added.

How. Every analysis an evaluator can ask for (a round, a round filtered by one comune or
service, a comparison of two rounds, all the rounds of a questionnaire) is a :class:`Job`
with a stable ``key``. Its result is a :class:`~survey_app.models.results.ResultSnapshot`
row holding the *published* payload (already suppressed, see
:mod:`survey_app.results.compute`) and the *fingerprint* of the data it describes: per
round, the number of responses and the largest response id (responses are only ever added),
the round's token and questionnaire version, and :data:`survey_app.results.PAYLOAD_VERSION`. A page
view (:func:`result_for`) costs one aggregate query for the fingerprint and one row read:

* fingerprint unchanged -> the stored payload is shown;
* changed (or never computed), and the rounds hold at most ``RESULTS_INLINE_MAX_RESPONSES``
  responses (default :data:`DEFAULT_INLINE_MAX_RESPONSES`, well under a second of work) ->
  computed right away, stored, shown;
* changed and larger -> the row is marked ``pending`` and the page says "calcolo in corso",
  showing the previous payload, if any, with its date; an "Aggiorna" link reloads it.

Pending jobs are computed by ``flask --app survey_app results worker`` (a separate, long-lived
process: run it next to the web server, e.g. as a systemd service with ``Nice=10``) or by
``flask --app survey_app results refresh`` (one pass, for cron; it also precomputes every
round whose data changed). Jobs are claimed with a conditional ``UPDATE ... WHERE status =
'pending'``, so several workers never compute the same job; a job ``running`` for more than
:data:`RUNNING_TIMEOUT` (a worker killed mid-way) is taken up again; a failure is stored
with its error and retried when the data change or the evaluator asks ("Riprova").

Why not a thread or process pool inside the web app: under gunicorn a pool lives in each
worker, dies with it (``max_requests``, timeouts, deploys) and competes with the requests
of that worker; a table plus a plain command survives restarts, needs no broker, works on
SQLite and PostgreSQL alike and can be niced or moved to another host.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from survey_app import job_queue
from survey_app.models import Round, utcnow
from survey_app.models.results import ResultSnapshot
from survey_app.results import PAYLOAD_VERSION
from survey_app.results.queries import data_counts, fingerprint, load_rounds, rounds_by_id
from survey_app.set_asides.queries import set_aside_state

DEFAULT_INLINE_MAX_RESPONSES = 2_000
RUNNING_TIMEOUT = timedelta(minutes=30)
MAX_ERROR_LENGTH = 2_000


@dataclass(frozen=True)
class Job:
    """One analysis: ``kind`` (round, comparison, questionnaire), its rounds and filter."""

    kind: str
    round_ids: tuple[int, ...]
    filter_column: str | None = None
    filter_value: str | None = None
    questionnaire_id: str | None = None
    ambito_id: int | None = None

    @classmethod
    def round(cls, round_id: int, filter_column: str | None = None,
              filter_value: str | None = None) -> Job:
        return cls("round", (int(round_id),), filter_column, filter_value)

    @classmethod
    def comparison(cls, before_id: int, after_id: int) -> Job:
        return cls("comparison", (int(before_id), int(after_id)))

    @classmethod
    def questionnaire(cls, questionnaire_id: str, round_ids, ambito_id: int | None) -> Job:
        return cls("questionnaire", tuple(int(i) for i in round_ids),
                   questionnaire_id=questionnaire_id, ambito_id=ambito_id)

    @property
    def key(self) -> str:
        if self.kind == "round":
            suffix = f":{self.filter_column}={self.filter_value}" if self.filter_column else ""
            return f"round:{self.round_ids[0]}{suffix}"
        if self.kind == "comparison":
            return f"comparison:{self.round_ids[0]}:{self.round_ids[1]}"
        return f"questionnaire:{self.questionnaire_id}:ambito={self.ambito_id}"

    @property
    def spec(self) -> dict:
        return {"kind": self.kind, "round_ids": list(self.round_ids),
                "filter_column": self.filter_column, "filter_value": self.filter_value,
                "questionnaire_id": self.questionnaire_id, "ambito_id": self.ambito_id}

    @classmethod
    def from_spec(cls, spec: dict) -> Job:
        return cls(spec["kind"], tuple(spec["round_ids"]), spec.get("filter_column"),
                   spec.get("filter_value"), spec.get("questionnaire_id"),
                   spec.get("ambito_id"))


@dataclass
class Result:
    """What a page can show for a job.

    ``state``: ``ready`` (``payload`` describes the current data), ``pending`` (being
    computed; ``payload`` is the previous result or ``None``) or ``failed`` (``error``).
    """

    state: str
    payload: dict | None = None
    computed_at: object = None
    requested_at: object = None
    error: str | None = None
    responses: int = 0
    snapshot_id: int | None = field(default=None, repr=False)

    @property
    def ready(self) -> bool:
        return self.state == "ready"


def current_fingerprint(session: Session, job: Job) -> tuple[str, int]:
    """Return the fingerprint of the job's data now and its number of responses."""
    rounds = rounds_by_id(session, job.round_ids)
    counts = data_counts(session, job.round_ids)
    return (fingerprint(rounds, counts, set_aside_state(session, job.round_ids), _extra(job)),
            sum(count for count, _largest in counts.values()))


def _extra(job: Job) -> str:
    return f"v{PAYLOAD_VERSION}:{job.key}"


def _snapshot(session: Session, job: Job) -> ResultSnapshot | None:
    return session.scalar(select(ResultSnapshot).where(ResultSnapshot.key == job.key))


def result_for(session: Session, job: Job, *, inline_max_responses: int = DEFAULT_INLINE_MAX_RESPONSES,
               retry: bool = False) -> Result:
    """Return the job's result for a page: stored, computed now (small data) or requested.

    Commits the session when it stores or requests something.
    """
    wanted, responses = current_fingerprint(session, job)
    row = _snapshot(session, job)
    if row is not None and row.fingerprint == wanted and row.payload is not None:
        return _result("ready", row, responses)
    if responses <= inline_max_responses:
        row = compute_and_store(session, job, row)
        return _result(row.status if row.status == "failed" else "ready", row, responses)
    if row is None:
        row = ResultSnapshot(key=job.key, kind=job.kind, spec=job.spec,
                             ambito_id=_ambito_of(session, job))
        session.add(row)
    now = utcnow()
    stalled = row.status == "running" and row.started_at and now - row.started_at > RUNNING_TIMEOUT
    failed_again = row.status == "failed" and row.wanted == wanted and not retry
    if failed_again:
        return _result("failed", row, responses)
    if row.status not in ("pending", "running") or stalled or row.wanted != wanted:
        if row.status != "running" or stalled:
            row.status = "pending"
        row.wanted = wanted
        row.requested_at = now
        row.spec = job.spec  # e.g. a questionnaire that gained a round
    try:
        session.commit()
    except IntegrityError:  # another request created the row meanwhile
        session.rollback()
        row = _snapshot(session, job)
    return _result("pending", row, responses)


def _result(state: str, row: ResultSnapshot, responses: int) -> Result:
    return Result(state, row.payload, row.computed_at, row.requested_at, row.error, responses,
                  row.id)


def _ambito_of(session: Session, job: Job) -> int | None:
    if job.kind == "questionnaire":
        return job.ambito_id
    round_ = session.get(Round, job.round_ids[0])
    return round_.ambito_id if round_ is not None else None


def compute_payload(session: Session, job: Job) -> tuple[dict, str]:
    """Load the job's data, analyse it and return (payload, fingerprint of the data used)."""
    from survey_app.results import compute  # pandas and scipy: only where an analysis runs

    loaded = load_rounds(session, job.round_ids)
    stamp = fingerprint(loaded.rounds, loaded.counts(), loaded.set_asides, _extra(job))
    if job.kind == "round":
        round_id = job.round_ids[0]
        payload = compute.round_payload(loaded.wide(round_id), loaded.questionnaire(round_id),
                                        filter_column=job.filter_column,
                                        filter_value=job.filter_value)
    elif job.kind == "comparison":
        before, after = job.round_ids
        payload = compute.comparison_payload(loaded.wide(before), loaded.questionnaire(before),
                                             loaded.wide(after), loaded.questionnaire(after))
    elif job.kind == "questionnaire":
        payload = compute.questionnaire_payload(
            [(r.id, loaded.wide(r.id), loaded.questionnaire(r.id)) for r in loaded.rounds])
    else:
        raise ValueError(f"unknown job kind {job.kind!r}")
    return payload, stamp


def compute_and_store(session: Session, job: Job, row: ResultSnapshot | None = None) -> ResultSnapshot:
    """Compute *job* now and store its payload (or its error); commit; return the row."""
    started = time.monotonic()
    try:
        payload, stamp = compute_payload(session, job)
        error = None
    except Exception as exc:  # noqa: BLE001 - stored and shown, never a 500 for the evaluator
        session.rollback()
        payload, stamp, error = None, None, f"{type(exc).__name__}: {exc}"[:MAX_ERROR_LENGTH]
    row = row if row is not None else _snapshot(session, job)
    if row is None:
        row = ResultSnapshot(key=job.key, kind=job.kind, spec=job.spec,
                             ambito_id=_ambito_of(session, job))
        session.add(row)
    now = utcnow()
    row.spec = job.spec
    if error is None:
        row.payload, row.fingerprint, row.wanted, row.error = payload, stamp, stamp, None
        row.status, row.computed_at = "ready", now
    else:
        row.status, row.error = "failed", error
        row.wanted = current_fingerprint(session, job)[0]
    row.duration_ms = int((time.monotonic() - started) * 1000)
    try:
        session.commit()
    except IntegrityError:  # computed twice at once: keep the other copy
        session.rollback()
        row = _snapshot(session, job)
    return row


# --- the background side ----------------------------------------------------------------------

def claim(session: Session, row_id: int, status: str) -> bool:
    """Mark a job running if it is still in *status*; tell whether this caller got it."""
    return job_queue.claim(session, ResultSnapshot, row_id, status)


def run_pending(session: Session, *, limit: int | None = None, log=lambda message: None) -> int:
    """Compute pending (and stalled) jobs, oldest request first; return how many ran."""

    def run(row: ResultSnapshot) -> None:
        job = Job.from_spec(row.spec)
        row = compute_and_store(session, job, row)
        log(f"{job.key}: {row.status} in {row.duration_ms} ms")

    return job_queue.run_pending(session, ResultSnapshot, run, running_timeout=RUNNING_TIMEOUT, limit=limit)


def refresh_rounds(session: Session, round_ids=None, *, log=lambda message: None) -> int:
    """Compute the whole-round result of every round (or of *round_ids*) whose data changed."""
    if round_ids is None:
        round_ids = session.scalars(select(Round.id).order_by(Round.id)).all()
    refreshed = 0
    for round_id in round_ids:
        job = Job.round(round_id)
        wanted, _responses = current_fingerprint(session, job)
        row = _snapshot(session, job)
        if row is not None and row.fingerprint == wanted and row.payload is not None:
            continue
        row = compute_and_store(session, job, row)
        log(f"{job.key}: {row.status} in {row.duration_ms} ms")
        refreshed += 1
    return refreshed
