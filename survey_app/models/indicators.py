"""Model of the semestral values of the plan's indicators that are not measured by questionnaire.

One row is the value of one indicator of a plan, for one semester (``2022-H1``), in the plan's
Ambito, either
for the whole Ambito (``comune_id`` empty) or for one of its comuni. A correction changes the
row in place and increments ``revision``; the old and new values are in the audit log
(``indicator.correct``), which is the value's history.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey_app.models.base import Base, quoted_values, utcnow
from survey_app.models.plan import Ambito, Comune, Indicator

#: how a value is expressed: a non-negative number, a percentage 0-100, yes/no, a short text
VALUE_KINDS = ("number", "percent", "yes_no", "text")
#: longest text value and source; notes may be longer
MAX_TEXT_LENGTH = 500
MAX_SOURCE_LENGTH = 200
MAX_NOTE_LENGTH = 1000


class IndicatorValue(Base):
    """The value of an indicator in a semester, for an Ambito or one of its comuni."""

    __tablename__ = "indicator_values"
    __table_args__ = (
        CheckConstraint(f"value_kind IN ({quoted_values(VALUE_KINDS)})", name="value_kind"),
        CheckConstraint(
            "(value_kind IN ('number', 'percent') AND value_number IS NOT NULL"
            " AND value_flag IS NULL AND value_text IS NULL)"
            " OR (value_kind = 'yes_no' AND value_flag IS NOT NULL"
            " AND value_number IS NULL AND value_text IS NULL)"
            " OR (value_kind = 'text' AND value_text IS NOT NULL"
            " AND value_number IS NULL AND value_flag IS NULL)",
            name="value_matches_kind",
        ),
        CheckConstraint(
            "value_number IS NULL OR (value_number >= 0 AND (value_kind <> 'percent' OR value_number <= 100))",
            name="value_number_range",
        ),
        CheckConstraint("semester LIKE '____-H1' OR semester LIKE '____-H2'", name="semester"),
        ForeignKeyConstraint(["plan_id", "indicator_id"], ["indicators.plan_id", "indicators.id"],
                             name="fk_indicator_values_indicator"),
        # one value per indicator, semester and comune...
        UniqueConstraint("plan_id", "indicator_id", "semester", "comune_id", name="uq_indicator_values_plan_comune"),
        # ...and one for the whole Ambito (NULLs are distinct in a unique constraint)
        Index("uq_indicator_values_plan_total", "plan_id", "indicator_id", "semester", unique=True,
              sqlite_where=text("comune_id IS NULL"), postgresql_where=text("comune_id IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ambito_id: Mapped[int] = mapped_column(ForeignKey("ambiti.id"), index=True)
    plan_id: Mapped[int] = mapped_column(index=True)
    indicator_id: Mapped[str] = mapped_column(String(140), index=True)
    #: ``YYYY-H1`` (January-June) or ``YYYY-H2`` (July-December)
    semester: Mapped[str] = mapped_column(String(7))
    #: the comune the value counts, or ``None`` for the whole Ambito
    comune_id: Mapped[int | None] = mapped_column(ForeignKey("comuni.id"), index=True)
    #: one of :data:`VALUE_KINDS`; every value of an indicator in an Ambito has the same kind
    value_kind: Mapped[str] = mapped_column(String(10))
    #: number and percent values (a percent is 0-100, not a 0-1 share)
    value_number: Mapped[float | None] = mapped_column(Float)
    value_flag: Mapped[bool | None]
    value_text: Mapped[str | None] = mapped_column(String(MAX_TEXT_LENGTH))
    #: where the figure comes from, e.g. "Cartella Sociale Informatizzata"
    source: Mapped[str | None] = mapped_column(String(MAX_SOURCE_LENGTH))
    note: Mapped[str | None] = mapped_column(Text)
    #: 1 when recorded, +1 at every correction
    revision: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    ambito: Mapped[Ambito] = relationship()
    indicator: Mapped[Indicator] = relationship()
    comune: Mapped[Comune | None] = relationship()

    @property
    def value(self) -> float | bool | str:
        """The value as a Python number, boolean or string, whatever its kind."""
        if self.value_kind == "yes_no":
            return bool(self.value_flag)
        if self.value_kind == "text":
            return self.value_text or ""
        return self.value_number

    def __repr__(self) -> str:
        return f"<IndicatorValue {self.id} {self.indicator_id} {self.semester}>"
