"""Read queries on rounds."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from survey_app.models import DistributionPoint, QuestionnaireVersion, Response, Round


def round_by_token(session: Session, token: str) -> Round | None:
    """Return the round whose public token is *token*, with its questionnaire, or ``None``."""
    round_, _point = resolve_public_token(session, token)
    return round_


def resolve_public_token(session: Session, token: str) -> tuple[Round | None, DistributionPoint | None]:
    """Return the round a public link opens, and its distribution point when the link is a point's."""
    if not token or len(token) > 64:
        return None, None
    round_ = session.scalar(
        select(Round)
        .options(joinedload(Round.questionnaire_version), joinedload(Round.ambito))
        .where(Round.public_token == token)
    )
    if round_ is not None:
        return round_, None
    point = session.scalar(select(DistributionPoint).where(DistributionPoint.public_token == token))
    if point is None:
        return None, None
    return point.round, point


@dataclass(frozen=True)
class RoundSummary:
    """A round with the number of responses stored."""

    round: Round
    responses: int

    @property
    def response_rate(self) -> float | None:
        """Responses over the expected respondents, when the operator gave that number."""
        expected = self.round.expected_respondents
        return self.responses / expected if expected else None


def round_summaries(session: Session, ambito_id: int | None = None) -> list[RoundSummary]:
    """Return every round (of one Ambito, if given) with its response count."""
    counts = (
        select(Response.round_id, func.count().label("n")).group_by(Response.round_id).subquery()
    )
    query = (
        select(Round, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.round_id == Round.id)
        .join(Round.questionnaire_version)
        .options(joinedload(Round.questionnaire_version), joinedload(Round.comune))
        .order_by(QuestionnaireVersion.objective_id, QuestionnaireVersion.questionnaire_id, Round.id)
    )
    if ambito_id is not None:
        query = query.where(Round.ambito_id == ambito_id)
    return [RoundSummary(round_, n) for round_, n in session.execute(query)]


def public_url(base_url: str, link_owner: Round | DistributionPoint) -> str:
    """Return the address respondents open for a round or one of its distribution points."""
    return f"{base_url.rstrip('/')}/r/{link_owner.public_token}"
