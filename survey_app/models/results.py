"""Model of computed results: one row per analysis (a round, a filtered round, a comparison...).

See :mod:`survey_app.results.snapshots` for how rows are requested, computed and reused.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from survey_app.models.base import Base, quoted_values

SNAPSHOT_STATUSES = ("pending", "running", "ready", "failed")


class ResultSnapshot(Base):
    """The published (already suppressed) result of one analysis, and its computation job.

    ``payload`` holds only what the evaluator pages show: aggregated, suppressed tables,
    never a single response or comment. ``fingerprint`` identifies the data it was computed
    from; ``wanted`` the data a pending job must describe.
    """

    __tablename__ = "result_snapshots"
    __table_args__ = (
        CheckConstraint(f"status IN ({quoted_values(SNAPSHOT_STATUSES)})", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: what was analysed, e.g. ``round:12``, ``round:12:comune=lovere``, ``compare:12:15``
    key: Mapped[str] = mapped_column(String(255), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    #: the job's parameters (round ids, filter, questionnaire)
    spec: Mapped[dict] = mapped_column(JSON, default=dict)
    #: the Ambito of the rounds (no foreign key: a cache row must never block deleting data)
    ambito_id: Mapped[int | None] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    fingerprint: Mapped[str | None] = mapped_column(String(64))
    wanted: Mapped[str | None] = mapped_column(String(64))
    payload: Mapped[dict | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    requested_at: Mapped[datetime | None]
    started_at: Mapped[datetime | None]
    computed_at: Mapped[datetime | None]
    #: how long the last computation took, in milliseconds
    duration_ms: Mapped[int | None]

    def __repr__(self) -> str:
        return f"<ResultSnapshot {self.key} {self.status}>"
