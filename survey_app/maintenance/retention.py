"""The retention purge: raw responses are deleted once their period is over; totals are kept.

A closed round whose closing time (or last response, when it had none) is older than the
cutoff loses its responses, answers and free comments. Before that, its aggregated results
are written to :class:`survey_app.models.RoundSummary`: per item, how many chose each point
or "non so", and the response counts per comune, service, point and channel, so the report
of the plan can still be made. Open and paused rounds are never purged.

The qualitative evidence follows the same rule: an interview, focus group or workshop held on
a day that ended before the cutoff is deleted with its text and coded passages (its themes, the
codebook, stay), and so are the passages coded on the free comments of a purged round.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from survey_app import audit
from survey_app.models import Answer, Response, Round, RoundSummary, utcnow
from survey_app.models.qualitative import Passage, QualitativeSession, passage_themes
from survey_app.set_asides.queries import is_set_aside

_PERIOD = re.compile(r"^(\d+)\s*([dmy])$")


def parse_cutoff(text: str, now: datetime | None = None) -> datetime:
    """Turn ``730d``, ``24m``, ``2y`` or an ISO date into the (naive UTC) cutoff instant.

    :raise ValueError: with a plain explanation for anything else.
    """
    now = now or utcnow()
    text = text.strip().lower()
    if match := _PERIOD.match(text):
        amount, unit = int(match.group(1)), match.group(2)
        days = {"d": 1, "m": 30, "y": 365}[unit] * amount
        return now - timedelta(days=days)
    try:
        return datetime.combine(date.fromisoformat(text), datetime.min.time())
    except ValueError:
        raise ValueError(f"{text!r} is neither a period like 730d, 24m, 2y nor a date like 2024-12-31") from None


def rounds_past_retention(session: Session, cutoff: datetime) -> list[Round]:
    """Return the closed rounds with raw responses whose period ended before *cutoff*."""
    last_response = (
        select(Response.round_id, func.max(Response.submitted_hour).label("last"))
        .group_by(Response.round_id).subquery()
    )
    rows = session.execute(
        select(Round, last_response.c.last).join(last_response, last_response.c.round_id == Round.id)
        .where(Round.status == "closed")
    )
    return [round_ for round_, last in rows if (round_.closes_at or last) < cutoff]


def summarise_round(session: Session, round_: Round) -> dict:
    """Return the aggregated counts of *round_* that survive the purge: of the responses the
    analysis counts (set-aside ones only as their number, ``set_aside``)."""
    counted = ~is_set_aside(Response)
    item_counts: dict[str, Counter] = defaultdict(Counter)
    for item_id, value, not_answered, n in session.execute(
        select(Answer.item_id, Answer.value, Answer.not_answered, func.count()).join(Response)
        .where(Response.round_id == round_.id, counted).group_by(Answer.item_id, Answer.value, Answer.not_answered)
    ):
        key = "non_risposto" if not_answered else "non_so" if value is None else str(value)
        item_counts[item_id][key] += n

    def counts(column):
        return {str(value): n for value, n in session.execute(
            select(column, func.count()).where(Response.round_id == round_.id, counted).group_by(column))}

    return {
        "items": {item: dict(sorted(c.items())) for item, c in sorted(item_counts.items())},
        "by_comune": counts(Response.comune_id),
        "by_service": counts(Response.service),
        "by_point": counts(Response.distribution_point_id),
        "by_channel": counts(Response.channel),
        "by_role": counts(Response.respondent_role),
        "set_aside": session.scalar(select(func.count()).select_from(Response)
                                    .where(Response.round_id == round_.id, ~counted)) or 0,
    }


def purge_round(session: Session, round_: Round, *, actor="cli") -> int:
    """Keep *round_*'s aggregated counts, delete its raw responses; return how many (not committed)."""
    responses = session.scalar(select(func.count()).select_from(Response).where(Response.round_id == round_.id))
    summary = session.get(RoundSummary, round_.id) or RoundSummary(round_id=round_.id)
    summary.responses = (summary.responses or 0) + responses
    summary.counts = summarise_round(session, round_) if responses else summary.counts
    summary.purged_at = utcnow()
    session.add(summary)
    response_ids = select(Response.id).where(Response.round_id == round_.id)
    # the free comments go, and with them the passages coded on them (the database would
    # cascade; said here so that it does not depend on it)
    _delete_passages(session, select(Passage.id).where(Passage.response_id.in_(response_ids)))
    session.execute(delete(Answer).where(Answer.response_id.in_(response_ids)))
    session.execute(delete(Response).where(Response.round_id == round_.id))
    audit.record(session, actor, "responses.purge", round_, responses=responses)
    return responses


def _delete_passages(session: Session, passage_ids) -> None:
    session.execute(delete(passage_themes).where(passage_themes.c.passage_id.in_(passage_ids)))
    session.execute(delete(Passage).where(Passage.id.in_(passage_ids)))


def sessions_past_retention(session: Session, cutoff: datetime) -> list[QualitativeSession]:
    """The qualitative sessions held on a day that ended before *cutoff*, oldest first."""
    last_day = (cutoff - timedelta(days=1)).date()
    rows = session.scalars(select(QualitativeSession).where(QualitativeSession.held_on <= last_day)
                           .order_by(QualitativeSession.held_on, QualitativeSession.id))
    return [row for row in rows if datetime.combine(row.held_on + timedelta(days=1), datetime.min.time()) <= cutoff]


def purge_sessions(session: Session, cutoff: datetime, *, actor="cli") -> int:
    """Delete the sessions past retention with their passages; return how many (not committed)."""
    rows = sessions_past_retention(session, cutoff)
    for row in rows:
        passages = select(Passage.id).where(Passage.session_id == row.id)
        n_passages = session.scalar(select(func.count()).select_from(passages.subquery())) or 0
        event = audit.record(session, actor, "qualitative.purge", row, plan=row.plan_id, objective=row.objective_id,
                             held_on=row.held_on.isoformat(), passages=n_passages)
        event.ambito_id = row.ambito_id
        _delete_passages(session, passages)
        session.execute(delete(QualitativeSession).where(QualitativeSession.id == row.id))
    return len(rows)


def purge(session: Session, cutoff: datetime, *, actor="cli", dry_run: bool = False) -> dict[int, int]:
    """Purge every round past retention, and the qualitative sessions held before *cutoff*
    (:func:`purge_sessions`); return round id → responses deleted, and commit.

    With *dry_run* nothing changes: the return value says what would be deleted.
    """
    result = {}
    if not dry_run:
        purge_sessions(session, cutoff, actor=actor)
    for round_ in rounds_past_retention(session, cutoff):
        if dry_run:
            result[round_.id] = session.scalar(
                select(func.count()).select_from(Response).where(Response.round_id == round_.id))
        else:
            result[round_.id] = purge_round(session, round_, actor=actor)
    if not dry_run:
        session.commit()
    return result
