"""A submission as domain data, and storing it exactly once.

Idempotency: the form carries a submission id minted when it was rendered; the database
keeps it unique. A retry of the same submission (double tap, back-and-resubmit, network
retry) finds the stored row and reports ``duplicate``; the same id with different answers
is a ``conflict``. The thank-you page is shown only after the commit succeeded.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from survey_app.models import Answer, Response, utcnow


@dataclass(frozen=True)
class Submission:
    """What a respondent sent, validated against the questionnaire."""

    submission_id: str
    #: item id → point (1..k), or ``None`` for "non so / non applicabile"
    answers: dict[str, int | None]
    #: items shown but left without any answer (not the same as "non so")
    not_answered: tuple[str, ...] = ()
    comune_id: int | None = None
    service: str | None = None
    role: str | None = None
    comment: str | None = None
    language: str = "it"
    channel: str = "self"
    #: the QR code or link it came through, when a distribution point's
    distribution_point_id: int | None = None
    #: the panel code entered, for panel rounds
    panel_code_id: int | None = None

    def payload_hash(self) -> str:
        """Return a SHA-256 of everything the respondent chose (not the submission id)."""
        payload = {
            "answers": self.answers, "comune": self.comune_id, "service": self.service,
            "role": self.role, "comment": self.comment, "channel": self.channel,
            "panel_code": self.panel_code_id,
        }
        if self.not_answered:  # absent when empty, so the hashes stored before it existed still match
            payload["not_answered"] = sorted(self.not_answered)
        canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class SubmissionOutcome:
    """The result of :func:`record_submission`."""

    #: ``stored`` (new), ``duplicate`` (same submission already stored), ``conflict`` (same
    #: submission id, other answers) or ``panel_code_used`` (the code already answered the round)
    status: str
    response_id: int | None


def current_hour():
    """Return the current UTC time truncated to the hour, the only time kept with a response."""
    return utcnow().replace(minute=0, second=0, microsecond=0)


def response_columns(round_id: int, submission: Submission, submitted_hour) -> dict:
    """Return the ``responses`` row of *submission* as column values (no id yet)."""
    return {
        "round_id": round_id,
        "submission_id": submission.submission_id,
        "payload_hash": submission.payload_hash(),
        "submitted_hour": submitted_hour,
        "comune_id": submission.comune_id,
        "service": submission.service,
        "respondent_role": submission.role,
        "channel": submission.channel,
        "language": submission.language,
        "comment": submission.comment,
        "distribution_point_id": submission.distribution_point_id,
        "panel_code_id": submission.panel_code_id,
    }


def response_from_submission(round_id: int, submission: Submission, submitted_hour) -> Response:
    """Build the (unsaved) :class:`Response` row of *submission*, with its answers."""
    return Response(
        **response_columns(round_id, submission, submitted_hour),
        answers=[Answer(**row) for row in answer_rows(submission)],
    )


def answer_rows(submission: Submission) -> list[dict]:
    """Return the ``answers`` rows of *submission* (without the response id): points, "non so", not answered."""
    return ([{"item_id": item_id, "value": value, "not_answered": False}
             for item_id, value in submission.answers.items()]
            + [{"item_id": item_id, "value": None, "not_answered": True} for item_id in submission.not_answered])


_INSERT_RESPONSE = insert(Response.__table__).returning(Response.__table__.c.id)
#: run with a list of rows (executemany): one compiled statement, cached; a multi-row VALUES
#: statement is compiled anew for each submission and cost ten times more (issue 17)
_INSERT_ANSWER = insert(Answer.__table__)


def record_submission(session: Session, round_id: int, submission: Submission) -> SubmissionOutcome:
    """Store *submission* for round *round_id* once, and commit.

    On SQLite any transaction the caller has open is committed first: a transaction that
    read before writing cannot wait for the write lock, so the insert must start its own.
    The rows are written with two plain INSERT statements rather than through the ORM: this
    runs once per respondent, and the ORM's bookkeeping cost more than the writes.

    :raise sqlalchemy.exc.OperationalError: when the database is unavailable; nothing is stored.
    """
    if session.get_bind().dialect.name == "sqlite":
        # PostgreSQL writes in the transaction that read; ending it there would cost a commit
        # and a connection checkout (with its ping) per submission
        session.commit()
    try:
        response_id = insert_submission(session, round_id, submission, current_hour())
        session.commit()
    except IntegrityError:
        session.rollback()
        outcome = stored_outcome(session, round_id, submission)
        if outcome is None:
            if submission.panel_code_id is not None:
                # another submission with this code won the race for the round
                return SubmissionOutcome("panel_code_used", None)
            raise
        return outcome
    return SubmissionOutcome("stored", response_id)


def insert_submission(session: Session, round_id: int, submission: Submission, submitted_hour) -> int:
    """Insert *submission*'s response and answers in the session's transaction; return the response id.

    Neither commits nor catches anything: :func:`record_submission` stores one submission in a
    transaction of its own, an import of answers collected offline stores a whole file in one.

    :raise sqlalchemy.exc.IntegrityError: when its submission id (or panel code) is taken.
    """
    connection = session.connection()
    response_id = connection.execute(_INSERT_RESPONSE, response_columns(round_id, submission,
                                                                       submitted_hour)).scalar_one()
    rows = answer_rows(submission)
    if rows:
        connection.execute(_INSERT_ANSWER, [{"response_id": response_id, **row} for row in rows])
    return response_id


def stored_outcome(session: Session, round_id: int, submission: Submission) -> SubmissionOutcome | None:
    """Return what storing *submission* again would give: ``duplicate`` or ``conflict``, or
    ``None`` when nothing is stored under its submission id."""
    existing = session.execute(
        select(Response.id, Response.round_id, Response.payload_hash)
        .where(Response.submission_id == submission.submission_id)
    ).first()
    if existing is None:
        return None
    same = existing.round_id == round_id and existing.payload_hash == submission.payload_hash()
    return SubmissionOutcome("duplicate" if same else "conflict", existing.id)
