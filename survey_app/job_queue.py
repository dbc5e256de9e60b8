"""The database job queue shared by result snapshots and reports: claim a row, run what is due.

A job is a row with ``status`` (``pending``, ``running``, ...), ``requested_at`` and
``started_at``. Several workers may poll the same table: a job is claimed with a conditional
UPDATE, so only one of them runs it, and a job left ``running`` longer than the timeout (its
worker was killed) is due again.
"""

from __future__ import annotations

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
