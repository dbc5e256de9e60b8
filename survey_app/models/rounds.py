"""Model of survey rounds: one questionnaire version given to respondents over a period."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey_app.models.base import Base, quoted_values, utcnow
from survey_app.models.distribution import DistributionPoint, Panel
from survey_app.models.plan import Ambito, Comune, Plan
from survey_app.models.questionnaires import QuestionnaireVersion

ROUND_KINDS = ("ex-ante", "in-itinere", "ex-post", "follow-up")
ROUND_STATUSES = ("draft", "open", "paused", "closed")


class Round(Base):
    """A survey round (*rilevazione*): when, where and with which questionnaire version."""

    __tablename__ = "rounds"
    __table_args__ = (
        CheckConstraint(f"kind IN ({quoted_values(ROUND_KINDS)})", name="kind"),
        CheckConstraint(f"status IN ({quoted_values(ROUND_STATUSES)})", name="status"),
        CheckConstraint("closes_at IS NULL OR opens_at IS NULL OR closes_at > opens_at", name="period"),
        CheckConstraint("expected_respondents IS NULL OR expected_respondents > 0", name="expected"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ambito_id: Mapped[int] = mapped_column(ForeignKey("ambiti.id"), index=True)
    #: the plan whose evaluation the round serves; the round opens within the plan's period
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    #: a round after the end of a closed plan, asked for explicitly: shown, but never one of the
    #: rounds the plan's verdicts use unless an evaluator designates it
    is_follow_up: Mapped[bool] = mapped_column(default=False)
    questionnaire_version_id: Mapped[int] = mapped_column(
        ForeignKey("questionnaire_versions.id"), index=True
    )
    kind: Mapped[str] = mapped_column(String(12))
    #: what the operator set; whether answers are accepted also depends on the dates
    status: Mapped[str] = mapped_column(String(8), default="draft")
    #: UTC; ``None`` means "from when it is opened"
    opens_at: Mapped[datetime | None]
    #: UTC; ``None`` means "until it is closed"
    closes_at: Mapped[datetime | None]
    #: optional scope: the round concerns one comune only
    comune_id: Mapped[int | None] = mapped_column(ForeignKey("comuni.id"))
    #: optional scope: a service option id of the questionnaire, e.g. ``sad``
    service: Mapped[str | None] = mapped_column(String(64))
    #: how many people the operators expect to answer, for the response rate
    expected_respondents: Mapped[int | None]
    #: the secret part of the public link (>= 128 random bits, URL-safe)
    public_token: Mapped[str] = mapped_column(String(64), unique=True)
    #: the short code of the address printed on posters (survey_app.rounds.shortcodes), unique
    #: across rounds and distribution points
    short_code: Mapped[str] = mapped_column(String(16), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: a name for operators, e.g. "CDD e CSE, autunno 2022"; the questionnaire title otherwise
    label: Mapped[str | None] = mapped_column(String(120))
    #: set for panel rounds: respondents enter a panel code, pairing their rounds
    panel_id: Mapped[int | None] = mapped_column(ForeignKey("panels.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    ambito: Mapped[Ambito] = relationship()
    plan: Mapped[Plan] = relationship()
    questionnaire_version: Mapped[QuestionnaireVersion] = relationship()
    comune: Mapped[Comune | None] = relationship()
    panel: Mapped[Panel | None] = relationship()
    points: Mapped[list[DistributionPoint]] = relationship(
        back_populates="round", order_by="DistributionPoint.id", cascade="all, delete-orphan"
    )

    @property
    def is_panel(self) -> bool:
        return self.panel_id is not None

    @property
    def display_label(self) -> str:
        """The operator's label, or the questionnaire title."""
        return self.label or self.questionnaire_version.title

    def availability(self, now: datetime | None = None) -> str:
        """Return ``open``, ``not_yet_open``, ``paused`` or ``closed`` at *now* (UTC, naive)."""
        now = now or utcnow()
        if self.status == "closed" or (self.closes_at is not None and now >= self.closes_at):
            return "closed"
        if self.status == "paused":
            return "paused"
        if self.status == "draft" or (self.opens_at is not None and now < self.opens_at):
            return "not_yet_open"
        return "open"

    def __repr__(self) -> str:
        return f"<Round {self.id} {self.kind} {self.status}>"
