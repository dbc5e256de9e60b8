"""Responses set aside from the analysis: a suspicious burst in a time window or at a distribution point.

A set-aside never deletes nor changes a response: the analysis leaves out the responses it
covers while it is active; the raw exports keep them, marked. Revoking one brings its
responses back. Both are audited.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey_app.models.base import Base, utcnow
from survey_app.models.distribution import DistributionPoint

MAX_REASON_LENGTH = 500


class SetAside(Base):
    """The responses of one round received in a window of hours, through one point, or both.

    The window is in the terms responses are stored in: whole UTC hours, *start* included and
    *end* excluded (a response's ``submitted_hour`` is its time truncated to the hour).
    """

    __tablename__ = "set_asides"
    __table_args__ = (
        CheckConstraint("(window_start IS NULL) = (window_end IS NULL)", name="window_complete"),
        CheckConstraint("window_end IS NULL OR window_end > window_start", name="window_order"),
        CheckConstraint("window_start IS NOT NULL OR distribution_point_id IS NOT NULL", name="covers_something"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    window_start: Mapped[datetime | None]
    window_end: Mapped[datetime | None]
    distribution_point_id: Mapped[int | None] = mapped_column(ForeignKey("distribution_points.id"))
    reason: Mapped[str] = mapped_column(String(MAX_REASON_LENGTH))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: who set it aside, as shown (kept when the account is deleted)
    created_by: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
    revoked_by: Mapped[str | None] = mapped_column(String(254))

    point: Mapped[DistributionPoint | None] = relationship()

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def __repr__(self) -> str:
        return f"<SetAside {self.id} round={self.round_id}>"
