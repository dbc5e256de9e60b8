"""Reads on set-asides: which responses they cover, their state, and what the operators' page lists.

:func:`is_set_aside` is the single definition of "set aside": the results' loading, the
response counts and the page's per-set-aside counts all use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlalchemy.orm import Session, joinedload

from survey_app.models import AuditEvent, Response, Round, SetAside

#: burst alerts listed on the page at most
MAX_ALERTS = 20
#: busiest hours listed on the page
BUSIEST_HOURS = 12


def covers(set_aside, response=Response) -> ColumnElement[bool]:
    """Return the SQL condition "*response* is one of the responses *set_aside* covers" (revocation aside)."""
    return and_(
        set_aside.round_id == response.round_id,
        or_(set_aside.distribution_point_id.is_(None),
            set_aside.distribution_point_id == response.distribution_point_id),
        or_(set_aside.window_start.is_(None),
            and_(response.submitted_hour >= set_aside.window_start,
                 response.submitted_hour < set_aside.window_end)),
    )


def is_set_aside(response=Response) -> ColumnElement[bool]:
    """Return the SQL condition "*response* is set aside by an active set-aside of its round"."""
    return exists().where(covers(SetAside, response), SetAside.revoked_at.is_(None))


def set_aside_state(session: Session, round_ids) -> dict[int, str]:
    """Return per round a text that changes whenever one of its set-asides is made or revoked.

    Part of the results' fingerprints: cached results are recomputed after either.
    """
    ids = [int(i) for i in round_ids]
    state = dict.fromkeys(ids, "")
    rows = session.execute(select(SetAside.round_id, SetAside.id, SetAside.revoked_at)
                           .where(SetAside.round_id.in_(ids)).order_by(SetAside.id))
    for round_id, set_aside_id, revoked_at in rows:
        state[round_id] += f"{set_aside_id}{'r' if revoked_at else 'a'},"
    return state


@dataclass(frozen=True)
class ListedSetAside:
    """A set-aside of the page, with how many responses it covers."""

    set_aside: SetAside
    responses: int


def round_set_asides(session: Session, round_: Round) -> list[ListedSetAside]:
    """Return the round's set-asides, newest first, each with the responses it covers."""
    covered = (select(func.count(Response.id)).where(covers(SetAside, Response))
               .correlate(SetAside).scalar_subquery())
    rows = session.execute(select(SetAside, covered).options(joinedload(SetAside.point))
                           .where(SetAside.round_id == round_.id).order_by(SetAside.id.desc()))
    return [ListedSetAside(set_aside, n) for set_aside, n in rows]


@dataclass(frozen=True)
class Overview:
    """What the round's page says of bursts and set-asides."""

    alerts: list[datetime]
    left_out: int
    active: list[ListedSetAside]


def overview(session: Session, round_: Round) -> Overview:
    """Return the round's latest burst alerts, how many responses the analysis leaves out,
    and the active set-asides (with why): three small queries."""
    return Overview(alerts=burst_alerts(session, round_)[:3], left_out=set_aside_count(session, round_),
                    active=[item for item in round_set_asides(session, round_) if item.set_aside.active])


def set_aside_count(session: Session, round_: Round) -> int:
    """Return how many of the round's responses the analysis leaves out now."""
    return session.scalar(select(func.count(Response.id))
                          .where(Response.round_id == round_.id, is_set_aside(Response))) or 0


def burst_alerts(session: Session, round_: Round) -> list[datetime]:
    """Return when the round's burst alerts were raised (newest first)."""
    return list(session.scalars(
        select(AuditEvent.occurred_at)
        .where(AuditEvent.action == "round.burst_alert", AuditEvent.target_type == "Round",
               AuditEvent.target_id == str(round_.id))
        .order_by(AuditEvent.occurred_at.desc()).limit(MAX_ALERTS)))


def busiest_hours(session: Session, round_: Round) -> list[tuple[datetime, int]]:
    """Return the round's hours with the most responses, ``(submitted_hour, responses)``, in time order."""
    rows = session.execute(
        select(Response.submitted_hour, func.count(Response.id).label("n"))
        .where(Response.round_id == round_.id).group_by(Response.submitted_hour)
        .order_by(func.count(Response.id).desc(), Response.submitted_hour).limit(BUSIEST_HOURS)).all()
    return sorted((hour, n) for hour, n in rows)
