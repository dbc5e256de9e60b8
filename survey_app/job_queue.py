"""The database job queue shared by result snapshots and reports: claim a row, run what is due.

A job is a row with ``status`` (``pending``, ``running``, ...), ``requested_at`` and
``started_at``. Several workers may poll the same table: a job is claimed with a conditional
UPDATE, so only one of them runs it, and a job left ``running`` longer than the timeout (its
worker was killed) is due again.

Who runs the jobs is the ``JOB_WORKER`` setting. ``external`` (``SURVEY_ENV=production``):
``flask --app survey_app results worker``, a process of its own (see
:mod:`survey_app.results.snapshots` for why). ``in-process`` (the embedded default of ``make
run``, where nobody starts a second command): one background thread of the web process,
started when a page first asks for a job (:func:`wake`), runs every queue
(:func:`run_every_queue`) when woken and every few seconds. A web process that dies mid-job
leaves it ``running``; the timeout makes it due again, as with a killed worker.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from survey_app.models import utcnow


def claim(session: Session, model, row_id: int, status: str) -> bool:
    """Mark job *row_id* of *model* running if it is still in *status*; tell whether this caller got it."""
    result = session.execute(
        update(model).where(model.id == row_id, model.status == status)
        .values(status="running", started_at=utcnow()))
    session.commit()
    return result.rowcount == 1


def run_pending(session: Session, model, run: Callable, *, running_timeout: timedelta,
                limit: int | None = None) -> int:
    """Run the pending (and stalled) jobs of *model*, oldest request first; return how many ran.

    :param run: called with each claimed row, after the session was expired.
    """
    done = 0
    while limit is None or done < limit:
        stalled_before = utcnow() - running_timeout
        row = session.scalar(
            select(model)
            .where((model.status == "pending")
                   | ((model.status == "running") & (model.started_at < stalled_before)))
            .order_by(model.requested_at, model.id).limit(1))
        if row is None:
            break
        claimed = claim(session, model, row.id, row.status)
        session.expire_all()
        if claimed:
            run(row)
            session.expire_all()
            done += 1
    return done


JOB_WORKERS = ("in-process", "external")
#: seconds the in-process runner sleeps when nobody wakes it (the worker command's default)
IN_PROCESS_INTERVAL = 5.0
_log = logging.getLogger(__name__)


def run_every_queue(session: Session, *, log=lambda message: None) -> int:
    """Run what is pending in every queue (result snapshots, then reports); return how many ran."""
    from survey_app.reports import jobs as report_jobs  # noqa: PLC0415 - both import this module
    from survey_app.results import snapshots  # noqa: PLC0415

    return snapshots.run_pending(session, log=log) + report_jobs.run_pending(session, log=log)


class InProcessRunner:
    """The thread that runs the queues inside a web process when no worker process is configured."""

    def __init__(self, app, interval: float = IN_PROCESS_INTERVAL):
        self.app = app
        self.interval = interval
        self._wake = threading.Event()
        self._stopped = False
        self._start_lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the thread once per process (a forked process starts its own)."""
        if self._stopped or self._thread is not None and self._thread.is_alive():
            return
        with self._start_lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name="survey-jobs", daemon=True)
                self._thread.start()

    def wake(self) -> None:
        """Run the queues now rather than at the next tick."""
        self.start()
        self._wake.set()

    def stop(self) -> None:
        """End the thread after the job it runs, if any (an app about to be thrown away)."""
        self._stopped = True
        self._wake.set()
        if self._thread is not None:
            self._thread.join()

    def _loop(self) -> None:
        from survey_app.db import get_session  # noqa: PLC0415 - db imports the models too

        while True:
            self._wake.wait(self.interval)
            self._wake.clear()
            if self._stopped:
                return
            try:
                with self.app.app_context():
                    while run_every_queue(get_session(), log=_log.info):
                        pass
            except Exception:  # noqa: BLE001 - e.g. the database unreachable: try at the next tick
                _log.exception("in-process job runner")


def _runner(app) -> InProcessRunner | None:
    return app.extensions.get("survey_jobs")


def wake(app) -> None:
    """Tell the in-process runner, if this app has one, that a job was asked for."""
    runner = _runner(app)
    if runner is not None:
        runner.wake()


def stop(app) -> None:
    """Stop the in-process runner of *app*, if it has one."""
    runner = _runner(app)
    if runner is not None:
        runner.stop()


def init_app(app) -> None:
    """With ``JOB_WORKER = "in-process"``, give *app* the runner that :func:`wake` starts.

    Unset, it is ``in-process``, except for a testing app: tests run the jobs when they choose.
    """
    setting = app.config.get("JOB_WORKER") or ("external" if app.testing else "in-process")
    if setting not in JOB_WORKERS:
        raise ValueError(f"JOB_WORKER must be one of {', '.join(JOB_WORKERS)}, not {setting!r}")
    if setting != "in-process":
        return
    app.extensions["survey_jobs"] = InProcessRunner(app)
