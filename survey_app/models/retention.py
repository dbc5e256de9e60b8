"""Model of what is kept of a round after the retention purge deleted its raw responses."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from survey_app.models.base import Base


class RoundSummary(Base):
    """Aggregated counts of a purged round (no answer of any single person)."""

    __tablename__ = "round_summaries"

    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), primary_key=True)
    #: how many responses the round had when purged
    responses: Mapped[int]
    #: per item: {point or "non_so": count}; per comune id, service, point id, channel, role: count
    counts: Mapped[dict] = mapped_column(JSON, default=dict)
    purged_at: Mapped[datetime]

    def __repr__(self) -> str:
        return f"<RoundSummary round={self.round_id} n={self.responses}>"
