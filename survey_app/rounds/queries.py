"""Read queries on rounds."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session, joinedload

from survey_app.models import Comune, DistributionPoint, QuestionnaireVersion, Response, Round
from survey_app.rounds import shortcodes


# Every respondent page runs these: built once, since building a statement with its loader
# options costs more than SQLAlchemy's compiled-statement cache saves.
_ROUND_BY_TOKEN = (
    select(Round)
    .options(joinedload(Round.questionnaire_version))
    .where(Round.public_token == bindparam("token"))
)
_POINT_BY_TOKEN = select(DistributionPoint).where(DistributionPoint.public_token == bindparam("token"))
_ROUND_BY_SHORT_CODE = (
    select(Round)
    .options(joinedload(Round.questionnaire_version))
    .where(Round.short_code == bindparam("code"))
)
_POINT_BY_SHORT_CODE = select(DistributionPoint).where(DistributionPoint.short_code == bindparam("code"))
_COMUNI_OF_AMBITO = (
    select(Comune.id, Comune.name).where(Comune.ambito_id == bindparam("ambito_id")).order_by(Comune.name)
)


def resolve_public_token(session: Session, token: str) -> tuple[Round | None, DistributionPoint | None]:
    """Return the round a public link opens, and its distribution point when the link is a point's.

    *token* is the long token of the link or its short code as printed (``k7m4-px9q``, in any case).
    """
    if not token or len(token) > 64:
        return None, None
    if (code := shortcodes.normalise(token)) is not None:
        round_query, point_query, parameters = _ROUND_BY_SHORT_CODE, _POINT_BY_SHORT_CODE, {"code": code}
    else:
        round_query, point_query, parameters = _ROUND_BY_TOKEN, _POINT_BY_TOKEN, {"token": token}
    round_ = session.scalar(round_query, parameters)
    if round_ is not None:
        return round_, None
    point = session.scalar(point_query, parameters)
    if point is None:
        return None, None
    return point.round, point


def comune_choices(session: Session, round_: Round) -> list[tuple[int, str]]:
    """Return ``(id, name)`` of the comuni a respondent of *round_* picks from, by name.

    Empty when the round is limited to one comune (the form does not ask). Plain rows, not
    ORM objects: this runs for every questionnaire shown or posted.
    """
    if round_.comune_id is not None:
        return []
    rows = session.execute(_COMUNI_OF_AMBITO, {"ambito_id": round_.ambito_id})
    return [(comune_id, name) for comune_id, name in rows]


def response_count(session: Session, round_id: int) -> int:
    """Return how many responses round *round_id* has stored."""
    return session.scalar(select(func.count(Response.id)).where(Response.round_id == round_id)) or 0


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


def short_url(base_url: str, link_owner: Round | DistributionPoint) -> str:
    """Return the short address printed for people to type: no scheme, ``esempio.it/r/k7m4-px9q``.

    Browsers add ``https://`` themselves; the short code opens the same page as the long token.
    """
    host = base_url.rstrip("/").split("://", 1)[-1]
    return f"{host}/r/{shortcodes.formatted(link_owner.short_code)}"
