"""Read queries on rounds."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from survey_app.models import QuestionnaireVersion, Response, Round


def round_by_token(session: Session, token: str) -> Round | None:
    """Return the round whose public token is *token*, with its questionnaire, or ``None``."""
    if not token or len(token) > 64:
        return None
    return session.scalar(
        select(Round)
        .options(joinedload(Round.questionnaire_version), joinedload(Round.ambito))
        .where(Round.public_token == token)
    )


@dataclass(frozen=True)
class RoundSummary:
    """A round with the number of responses stored."""

    round: Round
    responses: int


def round_summaries(session: Session) -> list[RoundSummary]:
    """Return every round with its response count, newest first."""
    counts = (
        select(Response.round_id, func.count().label("n")).group_by(Response.round_id).subquery()
    )
    rows = session.execute(
        select(Round, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.round_id == Round.id)
        .join(Round.questionnaire_version)
        .options(joinedload(Round.questionnaire_version), joinedload(Round.comune))
        .order_by(QuestionnaireVersion.questionnaire_id, Round.id)
    )
    return [RoundSummary(round_, n) for round_, n in rows]


def public_url(base_url: str, round_: Round) -> str:
    """Return the address respondents open for *round_*."""
    return f"{base_url.rstrip('/')}/r/{round_.public_token}"
