"""Free comments: the evaluators' review, and the only way reports read comments.

A respondent's free comment can identify them or someone else, so no report shows a comment
that an evaluator has not reviewed. The review of one comment is ``approved`` (shown as
written), ``redacted`` (the report shows the evaluator's edited text instead) or
``rejected`` (never shown). Even approved, a comment is shown only for a round with at least
:data:`~survey_app.analysis.MIN_CELL` responses: in a smaller group anything said is too
easily traced back. Comments are listed without their comune, service or time, sorted by
text, so a reader cannot link one to a table cell or to the order of submissions.

Every review is written to the audit log (``comment.review``: the round, the new and the
previous decision, whether the text was edited; never the text itself).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey_app import audit
from survey_app.models import REVIEW_STATUSES, CommentReview, Response, Round, User, utcnow
from survey_app.models.reports import PUBLISHED_REVIEW_STATUSES
from survey_app.set_asides.queries import is_set_aside

#: the longest redacted text (questionnaire comments are shorter)
MAX_REDACTED_LENGTH = 4000
#: the smallest round whose comments a report may show: the analysis' small-cell threshold
#: (:data:`survey_app.analysis.MIN_CELL`, not imported here so that the web app starts without
#: pandas; a test checks they agree)
MIN_CELL = 5


class ReviewError(ValueError):
    """A review cannot be stored; ``str(exc)`` says why, in Italian."""


@dataclass(frozen=True)
class CommentEntry:
    """A comment of a round, with its review if any (for the evaluators' review page only)."""

    response_id: int
    text: str
    status: str | None
    redacted_text: str | None
    reviewed_at: datetime | None
    reviewer: str | None


def _has_comment():
    return (Response.comment.is_not(None)) & (func.length(func.trim(Response.comment)) > 0)


def round_comments(session: Session, round_id: int) -> list[CommentEntry]:
    """Every comment of a round with its review, oldest response first."""
    query = (
        select(Response.id, Response.comment, CommentReview, User.email)
        .outerjoin(CommentReview, CommentReview.response_id == Response.id)
        .outerjoin(User, User.id == CommentReview.reviewed_by_id)
        .where(Response.round_id == round_id, _has_comment())
        .order_by(Response.id)
    )
    return [
        CommentEntry(
            response_id,
            text.strip(),
            review.status if review else None,
            review.redacted_text if review else None,
            review.reviewed_at if review else None,
            email,
        )
        for response_id, text, review, email in session.execute(query)
    ]


def review_comment(
    session: Session,
    round_: Round,
    response_id: int,
    status: str,
    *,
    redacted_text: str | None,
    actor: User | str,
) -> CommentReview:
    """Record the review of one comment of *round_* (not committed), audited.

    :raise ReviewError: for a response of another round or without a comment, an unknown
        status, or a redaction without text.
    """
    if status not in REVIEW_STATUSES:
        raise ReviewError("Scegli se approvare, modificare o escludere il commento.")
    response = session.get(Response, response_id)
    if response is None or response.round_id != round_.id or not (response.comment or "").strip():
        raise ReviewError("Commento non trovato in questa rilevazione.")
    text = (redacted_text or "").strip() or None
    if status == "redacted":
        if text is None:
            raise ReviewError("Per pubblicare il commento modificato scrivi il testo da mostrare.")
        if len(text) > MAX_REDACTED_LENGTH:
            raise ReviewError(
                f"Il testo modificato può avere al massimo {MAX_REDACTED_LENGTH} caratteri."
            )
    else:
        text = None
    review = session.scalar(select(CommentReview).where(CommentReview.response_id == response_id))
    previous = review.status if review else None
    if review is not None and review.status == status and review.redacted_text == text:
        return review  # nothing changed: no new revision, no audit event
    if review is None:
        review = CommentReview(response_id=response_id, revision=1)
        session.add(review)
    else:
        review.revision += 1
    review.status, review.redacted_text = status, text
    review.reviewed_by_id = actor.id if isinstance(actor, User) else None
    review.reviewed_at = utcnow()
    session.flush()
    event = audit.record(
        session,
        actor,
        "comment.review",
        response,
        round=round_.id,
        status=status,
        previous=previous,
        edited=status == "redacted",
    )
    event.ambito_id = round_.ambito_id
    return review


def published_comments(session: Session, round_ids) -> dict[int, list[str]]:
    """The comments a report may show, per round: reviewed and published, rounds of 5+ only,
    responses set aside from the analysis left out.

    Approved comments as written, redacted ones as edited; sorted by text. A round with
    fewer than :data:`MIN_CELL` responses maps to an empty list, whatever its reviews.
    """
    ids = [int(i) for i in round_ids]
    found: dict[int, list[str]] = {i: [] for i in ids}
    if not ids:
        return found
    sizes = dict(
        session.execute(
            select(Response.round_id, func.count(Response.id))
            .where(Response.round_id.in_(ids), ~is_set_aside(Response))
            .group_by(Response.round_id)
        ).all()
    )
    large = [i for i in ids if sizes.get(i, 0) >= MIN_CELL]
    if not large:
        return found
    query = (
        select(
            Response.round_id, Response.comment, CommentReview.status, CommentReview.redacted_text
        )
        .join(CommentReview, CommentReview.response_id == Response.id)
        .where(
            Response.round_id.in_(large),
            CommentReview.status.in_(PUBLISHED_REVIEW_STATUSES),
            _has_comment(),
            ~is_set_aside(Response),  # a report shows what the analysis counts
        )
    )
    for round_id, comment, status, redacted in session.execute(query):
        text = comment if status == "approved" else redacted
        if text and text.strip():
            found[round_id].append(text.strip())
    for texts in found.values():
        texts.sort(key=str.casefold)
    return found


def unreviewed_counts(session: Session, round_ids) -> dict[int, int]:
    """Per round, how many comments have no review yet."""
    ids = [int(i) for i in round_ids]
    counts = {i: 0 for i in ids}
    if ids:
        query = (
            select(Response.round_id, func.count(Response.id))
            .outerjoin(CommentReview, CommentReview.response_id == Response.id)
            .where(Response.round_id.in_(ids), CommentReview.id.is_(None), _has_comment())
            .group_by(Response.round_id)
        )
        counts.update(dict(session.execute(query).all()))
    return counts


def comment_counts(session: Session, round_ids) -> dict[int, int]:
    """Per round, how many responses have a comment."""
    ids = [int(i) for i in round_ids]
    counts = {i: 0 for i in ids}
    if ids:
        query = (
            select(Response.round_id, func.count(Response.id))
            .where(Response.round_id.in_(ids), _has_comment())
            .group_by(Response.round_id)
        )
        counts.update(dict(session.execute(query).all()))
    return counts


def reviews_state(session: Session, round_ids) -> str:
    """A short text that changes whenever a review of a comment of *round_ids* changes."""
    ids = [int(i) for i in round_ids]
    if not ids:
        return "reviews:none"
    query = (
        select(
            func.count(CommentReview.id),
            func.max(CommentReview.id),
            func.coalesce(func.sum(CommentReview.revision), 0),
            func.max(CommentReview.reviewed_at),
        )
        .join(Response, Response.id == CommentReview.response_id)
        .where(Response.round_id.in_(ids))
    )
    n, largest, revisions, latest = session.execute(query).one()
    return f"reviews:{n}:{largest}:{revisions}:{latest}"
