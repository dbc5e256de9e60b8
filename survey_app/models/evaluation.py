"""Models of how a plan is judged: which rounds give each questionnaire indicator its verdict.

By default the rounds are derived from the rounds' kinds within the plan's period (see
:mod:`survey_app.plans.designation`); a :class:`RoundDesignation` is an evaluator's explicit
choice, which replaces the default for one indicator and is audited.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, ForeignKeyConstraint, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey_app.models.base import Base, utcnow
from survey_app.models.rounds import Round


class RoundDesignation(Base):
    """The rounds an evaluator chose for one indicator: the "before" and the "after"."""

    __tablename__ = "round_designations"
    __table_args__ = (
        ForeignKeyConstraint(["plan_id", "indicator_id"], ["indicators.plan_id", "indicators.id"],
                             name="fk_round_designations_indicator", ondelete="CASCADE"),
    )

    plan_id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[str] = mapped_column(String(140), primary_key=True)
    #: the baseline; ``None``: no comparison, the verdict reads the "after" round alone
    before_round_id: Mapped[int | None] = mapped_column(ForeignKey("rounds.id", ondelete="SET NULL"))
    #: the round whose result is the plan's value for the indicator
    after_round_id: Mapped[int | None] = mapped_column(ForeignKey("rounds.id", ondelete="SET NULL"))
    designated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    designated_at: Mapped[datetime] = mapped_column(default=utcnow)

    before_round: Mapped[Round | None] = relationship(foreign_keys=[before_round_id])
    after_round: Mapped[Round | None] = relationship(foreign_keys=[after_round_id])

    def __repr__(self) -> str:
        return f"<RoundDesignation {self.plan_id}/{self.indicator_id}>"
