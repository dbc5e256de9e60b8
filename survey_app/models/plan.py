"""Models of the plan: Ambiti and their comuni, objectives and indicators."""

from __future__ import annotations

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey_app.models.base import Base, quoted_values
from survey_app.plan.catalog import INDICATOR_KINDS


class Ambito(Base):
    """A social-services district; rounds, comuni and (later) users belong to one."""

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


class Objective(Base):
    """An objective card of the Piano di Zona."""

    __tablename__ = "objectives"

    #: the catalog id, e.g. ``persona-al-centro``
    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    chapter: Mapped[str] = mapped_column(String(20))
    level: Mapped[str] = mapped_column(String(40))
    macroarea: Mapped[str] = mapped_column(Text, default="")
    title: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, default="")
    #: the whole catalog entry (targets, notes, synoptic titles) for reports
    detail: Mapped[dict] = mapped_column(JSON, default=dict)

    indicators: Mapped[list[Indicator]] = relationship(
        back_populates="objective", order_by="(Indicator.kind, Indicator.position)"
    )

    def __repr__(self) -> str:
        return f"<Objective {self.id}>"


class Indicator(Base):
    """A process, output or outcome indicator of an objective."""

    __tablename__ = "indicators"
    __table_args__ = (
        CheckConstraint(f"kind IN ({quoted_values(INDICATOR_KINDS)})", name="kind"),
        UniqueConstraint("objective_id", "kind", "position"),
    )

    #: ``<objective>.<kind>-<n>``, e.g. ``persona-al-centro.outcome-3``
    id: Mapped[str] = mapped_column(String(140), primary_key=True)
    objective_id: Mapped[str] = mapped_column(ForeignKey("objectives.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    #: order within the objective's list of this kind, from 1
    position: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    #: whether the plan measures it by questionnaire
    via_questionnaire: Mapped[bool] = mapped_column(default=False)
    respondents: Mapped[str | None] = mapped_column(Text)
    #: the rounds the plan foresees: ``ex ante``, ``in itinere``, ``ex post``, ``follow-up``
    timing: Mapped[list] = mapped_column(JSON, default=list)

    objective: Mapped[Objective] = relationship(back_populates="indicators")

    def __repr__(self) -> str:
        return f"<Indicator {self.id}>"
