"""Models of the plans: Ambiti and their comuni, each Ambito's Piani di Zona, their objectives
and indicators, and which questionnaire measures which indicator of a plan.

A plan (:class:`Plan`) belongs to one Ambito and one period (``2021-2023``). Objectives and
indicators belong to a plan, and their ids (``persona-al-centro``,
``persona-al-centro.outcome-3``) need only be unique within it: the primary keys are
``(plan_id, id)``, so the next plan of the same Ambito may reuse the codes of the previous one.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey_app.models.base import Base, quoted_values, utcnow
from survey_app.plan.catalog import INDICATOR_KINDS

#: a plan being written (re-importing its file replaces it), the plan in force (ids stay
#: stable, changes are audited), a plan whose period is over
PLAN_STATUSES = ("draft", "in_force", "closed")


class Ambito(Base):
    """A social-services district; plans, rounds, comuni and users belong to one."""

    __tablename__ = "ambiti"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: short stable code, e.g. ``alto-sebino``
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))

    comuni: Mapped[list[Comune]] = relationship(
        back_populates="ambito", order_by="Comune.name", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Ambito {self.id} {self.code}>"


class Comune(Base):
    """A municipality of an Ambito."""

    __tablename__ = "comuni"
    __table_args__ = (UniqueConstraint("ambito_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ambito_id: Mapped[int] = mapped_column(ForeignKey("ambiti.id"), index=True)
    #: slug of the name, stable across renames of the display name
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))

    ambito: Mapped[Ambito] = relationship(back_populates="comuni")

    def __repr__(self) -> str:
        return f"<Comune {self.id} {self.code}>"


class Plan(Base):
    """A Piano di Zona of one Ambito for one period, e.g. "Piano di Zona 2021-2023"."""

    __tablename__ = "plans"
    __table_args__ = (
        UniqueConstraint("ambito_id", "code"),
        CheckConstraint(f"status IN ({quoted_values(PLAN_STATUSES)})", name="status"),
        CheckConstraint("first_year <= last_year", name="period"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ambito_id: Mapped[int] = mapped_column(ForeignKey("ambiti.id"), index=True)
    #: stable within the Ambito, e.g. ``pdz-2025-2027``; names the plan on the command line
    code: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(300))
    first_year: Mapped[int]
    last_year: Mapped[int]
    status: Mapped[str] = mapped_column(String(10), default="draft")
    #: the act that approved it, e.g. "Accordo di programma del 20/12/2021, Assemblea dei Sindaci"
    approval_act: Mapped[str | None] = mapped_column(Text)
    #: where the approved document can be read
    document_url: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    ambito: Mapped[Ambito] = relationship()
    objectives: Mapped[list[Objective]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="Objective.id"
    )

    @property
    def period(self) -> str:
        return f"{self.first_year}-{self.last_year}"

    @property
    def is_example(self) -> bool:
        """Example plans shipped with the app say so in their title."""
        return "esempio" in self.title.lower()

    def __repr__(self) -> str:
        return f"<Plan {self.id} {self.code}>"


class Objective(Base):
    """An objective card of a plan."""

    __tablename__ = "objectives"

    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), primary_key=True)
    #: the id within the plan, e.g. ``persona-al-centro``
    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    chapter: Mapped[str] = mapped_column(String(20))
    level: Mapped[str] = mapped_column(String(40))
    macroarea: Mapped[str] = mapped_column(Text, default="")
    title: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, default="")
    #: the whole catalog entry (targets, notes, synoptic titles) for reports
    detail: Mapped[dict] = mapped_column(JSON, default=dict)

    plan: Mapped[Plan] = relationship(back_populates="objectives")
    indicators: Mapped[list[Indicator]] = relationship(
        back_populates="objective", order_by="(Indicator.kind, Indicator.position)",
        cascade="all, delete-orphan",
    )

    def __repr__(self) -> str:
        return f"<Objective {self.plan_id}/{self.id}>"


class Indicator(Base):
    """A process, output or outcome indicator of an objective."""

    __tablename__ = "indicators"
    __table_args__ = (
        CheckConstraint(f"kind IN ({quoted_values(INDICATOR_KINDS)})", name="kind"),
        UniqueConstraint("plan_id", "objective_id", "kind", "position"),
        ForeignKeyConstraint(["plan_id", "objective_id"], ["objectives.plan_id", "objectives.id"],
                             name="fk_indicators_objective"),
        ForeignKeyConstraint(["predecessor_plan_id", "predecessor_id"],
                             ["indicators.plan_id", "indicators.id"], name="fk_indicators_predecessor"),
    )

    plan_id: Mapped[int] = mapped_column(primary_key=True)
    #: ``<objective>.<kind>-<n>``, e.g. ``persona-al-centro.outcome-3``
    id: Mapped[str] = mapped_column(String(140), primary_key=True)
    objective_id: Mapped[str] = mapped_column(String(100), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    #: order within the objective's list of this kind, from 1
    position: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    #: the value the plan aims at, as the plan writes it (e.g. "almeno il 70% soddisfatto")
    target: Mapped[str | None] = mapped_column(Text)
    #: whether the plan measures it by questionnaire
    via_questionnaire: Mapped[bool] = mapped_column(default=False)
    respondents: Mapped[str | None] = mapped_column(Text)
    #: the rounds the plan foresees: ``ex ante``, ``in itinere``, ``ex post``, ``follow-up``
    timing: Mapped[list] = mapped_column(JSON, default=list)
    #: the same indicator in the previous plan of the Ambito: its *ex post* is this one's baseline
    predecessor_plan_id: Mapped[int | None]
    predecessor_id: Mapped[str | None] = mapped_column(String(140))

    objective: Mapped[Objective] = relationship(back_populates="indicators")
    predecessor: Mapped[Indicator | None] = relationship(
        remote_side="[Indicator.plan_id, Indicator.id]",
        foreign_keys="[Indicator.predecessor_plan_id, Indicator.predecessor_id]",
        viewonly=True,
    )

    def __repr__(self) -> str:
        return f"<Indicator {self.plan_id}/{self.id}>"


class QuestionnaireLink(Base):
    """In a plan, questionnaire ``questionnaire_id`` (any version) measures ``indicator_id``.

    ``measure`` names the entry of the questionnaire's ``measures`` that gives the value: the
    questionnaire's own indicator key, written for the plan it was first made for (so a
    2021-2023 questionnaire can measure a 2025-2027 indicator with another id).
    """

    __tablename__ = "questionnaire_links"
    __table_args__ = (
        ForeignKeyConstraint(["plan_id", "indicator_id"], ["indicators.plan_id", "indicators.id"],
                             name="fk_questionnaire_links_indicator", ondelete="CASCADE"),
    )

    plan_id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[str] = mapped_column(String(140), primary_key=True)
    #: the questionnaire file's ``id``, e.g. ``persona-al-centro``
    questionnaire_id: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)
    measure: Mapped[str] = mapped_column(String(140))

    indicator: Mapped[Indicator] = relationship()

    def __repr__(self) -> str:
        return f"<QuestionnaireLink {self.plan_id}/{self.indicator_id} ← {self.questionnaire_id}>"
