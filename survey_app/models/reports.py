"""Models of the evaluation reports: the review of free comments, and report generation jobs.

Free comments can identify people ("sono la figlia della signora del terzo piano di Castro"),
so a report shows a comment only once an evaluator has reviewed it: approved as written,
redacted (the report shows the evaluator's edited text, never the original) or rejected
(never shown). A comment without a review is never published. See
:mod:`survey_app.reports.comments`.

A :class:`ReportJob` is one report generated outside the web server (the final report of an
Ambito), with its progress and the files it produced; see :mod:`survey_app.reports.jobs`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from survey_app.models.base import Base, quoted_values, utcnow
from survey_app.models.responses import Response

REVIEW_STATUSES = ("approved", "redacted", "rejected")
#: the statuses whose text a report may show (for rounds with at least 5 responses)
PUBLISHED_REVIEW_STATUSES = ("approved", "redacted")
REPORT_JOB_STATUSES = ("pending", "running", "ready", "failed")


class CommentReview(Base):
    """An evaluator's decision on the free comment of one response."""

    __tablename__ = "comment_reviews"
    __table_args__ = (
        CheckConstraint(f"status IN ({quoted_values(REVIEW_STATUSES)})", name="status"),
        CheckConstraint("status <> 'redacted' OR redacted_text IS NOT NULL", name="redacted_text"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the response whose comment was reviewed; deleted with it (retention purge)
    response_id: Mapped[int] = mapped_column(
        ForeignKey("responses.id", ondelete="CASCADE"), unique=True
    )
    #: ``approved``, ``redacted`` or ``rejected``
    status: Mapped[str] = mapped_column(String(10))
    #: what a report shows instead of the comment, for ``redacted``
    redacted_text: Mapped[str | None] = mapped_column(Text)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: 1 at the first review, +1 at every change (part of the reports' data fingerprint)
    revision: Mapped[int] = mapped_column(default=1)

    response: Mapped[Response] = relationship()

    @property
    def published_text(self) -> str | None:
        """The text a report may show: the comment, the redacted text, or ``None`` (rejected)."""
        if self.status == "approved":
            return self.response.comment
        if self.status == "redacted":
            return self.redacted_text
        return None

    def __repr__(self) -> str:
        return f"<CommentReview response={self.response_id} {self.status}>"


class ReportJob(Base):
    """A report generated in the background: its progress, and the files of the last run.

    ``fingerprint`` identifies the data the files describe (responses, semestral values,
    comment reviews, plan); ``wanted`` the data a pending run must describe.
    ``comments_fingerprint`` is the comment-review part alone: files generated before a
    review changed are never served, since they may show a comment since rejected.
    """

    __tablename__ = "report_jobs"
    __table_args__ = (
        CheckConstraint(f"status IN ({quoted_values(REPORT_JOB_STATUSES)})", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: e.g. ``final:ambito=1``
    key: Mapped[str] = mapped_column(String(255), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    #: the Ambito reported on (no foreign key: a cache row must never block deleting data)
    ambito_id: Mapped[int | None] = mapped_column(index=True)
    #: the plan reported on (no foreign key, as above)
    plan_id: Mapped[int | None] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    #: objectives done out of ``total``; ``stage`` says what runs now
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    stage: Mapped[str | None] = mapped_column(String(40))
    fingerprint: Mapped[str | None] = mapped_column(String(64))
    comments_fingerprint: Mapped[str | None] = mapped_column(String(64))
    wanted: Mapped[str | None] = mapped_column(String(64))
    #: the files of the last generation, loaded only when read (a status page needs none)
    html: Mapped[str | None] = deferred(mapped_column(Text))
    pdf: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    docx: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    error: Mapped[str | None] = mapped_column(Text)
    requested_at: Mapped[datetime | None]
    started_at: Mapped[datetime | None]
    computed_at: Mapped[datetime | None]
    #: how long the last generation took, in milliseconds
    duration_ms: Mapped[int | None]

    def __repr__(self) -> str:
        return f"<ReportJob {self.key} {self.status}>"
