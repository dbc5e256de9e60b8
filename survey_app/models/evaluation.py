"""Models of how a plan is judged: which rounds give each questionnaire indicator its verdict, and the
evaluator's own judgement of each objective and indicator, with its history.

By default the rounds are derived from the rounds' kinds within the plan's period (see
:mod:`survey_app.plans.designation`); a :class:`RoundDesignation` is an evaluator's explicit
choice, which replaces the default for one indicator and is audited.

A :class:`Judgement` is what the evaluator concludes (see :mod:`survey_app.judgements`): a
status, the reasons, strengths, weaknesses and recommendations for the next plan; every save
keeps the previous text as a :class:`JudgementRevision`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, ForeignKeyConstraint, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey_app.models.base import Base, quoted_values, utcnow
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


#: what the evaluator concludes of an objective or an indicator
JUDGEMENT_STATUSES = ("reached", "partly_reached", "not_reached", "not_assessable")
#: a judgement is a draft until approved; every report marks a draft as such
JUDGEMENT_STATES = ("to_review", "approved")


class Judgement(Base):
    """The evaluator's judgement of an objective of a plan (``indicator_id`` empty) or of one indicator."""

    __tablename__ = "judgements"
    __table_args__ = (
        UniqueConstraint("plan_id", "objective_id", "indicator_id"),
        CheckConstraint(f"status IN ({quoted_values(JUDGEMENT_STATUSES)})", name="status"),
        CheckConstraint(f"state IN ({quoted_values(JUDGEMENT_STATES)})", name="state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    objective_id: Mapped[str] = mapped_column(String(100))
    #: ``""`` for the objective's own judgement (not NULL: a unique constraint treats NULLs as distinct)
    indicator_id: Mapped[str] = mapped_column(String(140), default="")
    status: Mapped[str] = mapped_column(String(16))
    #: what the data said when the judgement was saved (``None``: nothing to read yet)
    suggested_status: Mapped[str | None] = mapped_column(String(16))
    reasons: Mapped[str] = mapped_column(Text, default="")
    strengths: Mapped[str] = mapped_column(Text, default="")
    weaknesses: Mapped[str] = mapped_column(Text, default="")
    recommendations: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(10), default="to_review")
    #: how many times it was saved; a save names the version it edited, so two evaluators
    #: editing at once never overwrite each other silently
    version: Mapped[int] = mapped_column(default=1)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    updated_by = relationship("User")
    revisions: Mapped[list[JudgementRevision]] = relationship(
        back_populates="judgement", order_by="JudgementRevision.version.desc()", cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<Judgement {self.plan_id}/{self.objective_id}/{self.indicator_id or '-'} {self.status}>"


class JudgementRevision(Base):
    """A saved state of a judgement: who saved it, when, and what it said."""

    __tablename__ = "judgement_revisions"
    __table_args__ = (UniqueConstraint("judgement_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    judgement_id: Mapped[int] = mapped_column(ForeignKey("judgements.id", ondelete="CASCADE"), index=True)
    version: Mapped[int]
    #: the judgement's fields as saved (status, texts, state)
    values: Mapped[dict] = mapped_column(JSON)
    #: the names of the fields that changed from the version before
    changed: Mapped[list] = mapped_column(JSON, default=list)
    saved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    saved_at: Mapped[datetime] = mapped_column(default=utcnow)

    judgement: Mapped[Judgement] = relationship(back_populates="revisions")
    saved_by = relationship("User")
