"""Models of distribution points (where a round's QR codes hang) and panel codes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey_app.models.base import Base, utcnow
from survey_app.models.plan import Ambito


class DistributionPoint(Base):
    """A labelled place or channel with its own link and QR code, e.g. "CDD Lovere — bacheca".

    Responses through its link are counted per point, with no personal data.
    """

    __tablename__ = "distribution_points"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    label: Mapped[str] = mapped_column(String(120))
    #: the secret part of the point's public link (>= 128 random bits)
    public_token: Mapped[str] = mapped_column(String(64), unique=True)
    #: the short code of the address printed on posters (survey_app.rounds.shortcodes), unique
    #: across rounds and distribution points
    short_code: Mapped[str] = mapped_column(String(16), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    round: Mapped["Round"] = relationship(back_populates="points")  # noqa: F821

    def __repr__(self) -> str:
        return f"<DistributionPoint {self.id} round={self.round_id}>"


class Panel(Base):
    """A group of rounds whose respondents are paired by panel codes (e.g. ex ante → ex post)."""

    __tablename__ = "panels"

    id: Mapped[int] = mapped_column(primary_key=True)
    ambito_id: Mapped[int] = mapped_column(ForeignKey("ambiti.id"), index=True)
    label: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    ambito: Mapped[Ambito] = relationship()

    def __repr__(self) -> str:
        return f"<Panel {self.id}>"


class PanelCode(Base):
    """A respondent code printed on a card. Only its hash is stored; no name is ever linked."""

    __tablename__ = "panel_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    panel_id: Mapped[int] = mapped_column(ForeignKey("panels.id"), index=True)
    #: SHA-256 of the normalised code (64 random bits: safe against offline guessing)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<PanelCode {self.id} panel={self.panel_id}>"
