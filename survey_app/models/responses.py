"""Models of responses and their answers.

Deliberately absent: IP address, user agent, exact time, any identifier of the person.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, SmallInteger, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey_app.models.base import Base, quoted_values
from survey_app.models.plan import Comune
from survey_app.models.rounds import Round

#: ``odk``: collected offline with ODK Collect or KoboToolbox and imported from their CSV export.
#: New codes go at the end: SPSS exports number the channels in this order.
CHANNELS = ("self", "assisted", "paper", "odk")
RESPONDENT_ROLES = ("beneficiary", "carer", "partner_operator", "citizen")


class Response(Base):
    """One completed questionnaire."""

    __tablename__ = "responses"
    __table_args__ = (
        CheckConstraint(f"channel IN ({quoted_values(CHANNELS)})", name="channel"),
        CheckConstraint(
            f"respondent_role IS NULL OR respondent_role IN ({quoted_values(RESPONDENT_ROLES)})",
            name="respondent_role",
        ),
        # a panel code answers a round once (NULLs, i.e. unpaired responses, are distinct)
        UniqueConstraint("round_id", "panel_code_id", name="uq_responses_round_panel_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    #: UUID minted when the form was rendered; unique, so a retried POST stores nothing new
    submission_id: Mapped[str] = mapped_column(String(36), unique=True)
    #: SHA-256 of the submitted answers, to tell an identical retry from a conflicting one
    payload_hash: Mapped[str] = mapped_column(String(64))
    #: submission time truncated to the hour (UTC), so time cannot single anyone out
    submitted_hour: Mapped[datetime] = mapped_column(index=True)
    comune_id: Mapped[int | None] = mapped_column(ForeignKey("comuni.id"))
    #: a service option id of the questionnaire
    service: Mapped[str | None] = mapped_column(String(64))
    respondent_role: Mapped[str | None] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(8), default="self")
    #: the language the questionnaire was answered in
    language: Mapped[str] = mapped_column(String(16), default="it")
    comment: Mapped[str | None] = mapped_column(Text)
    #: the QR code or link the respondent came through, if a distribution point's
    distribution_point_id: Mapped[int | None] = mapped_column(ForeignKey("distribution_points.id"), index=True)
    #: the panel code entered, pairing this response with the same person's in other rounds
    panel_code_id: Mapped[int | None] = mapped_column(ForeignKey("panel_codes.id"), index=True)

    round: Mapped[Round] = relationship()
    comune: Mapped[Comune | None] = relationship()
    answers: Mapped[list[Answer]] = relationship(
        back_populates="response", cascade="all, delete-orphan", order_by="Answer.item_id"
    )

    def __repr__(self) -> str:
        return f"<Response {self.id} round={self.round_id}>"


class Answer(Base):
    """The answer to one Likert item shown to the respondent.

    ``value`` is the point (1..7), or ``None`` for a missing answer, of one of two kinds kept
    apart: "non so / non applicabile" (``not_answered`` false: the person chose it) and not
    answered (``not_answered`` true: left blank on paper, or an optional item skipped online).
    """

    __tablename__ = "answers"
    __table_args__ = (
        CheckConstraint("value IS NULL OR (value >= 1 AND value <= 7)", name="value"),
        CheckConstraint("NOT not_answered OR value IS NULL", name="not_answered_has_no_value"),
    )

    response_id: Mapped[int] = mapped_column(
        ForeignKey("responses.id", ondelete="CASCADE"), primary_key=True
    )
    item_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int | None] = mapped_column(SmallInteger)
    #: true for an item left without any answer (distinct from "non so", which is a choice)
    not_answered: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    response: Mapped[Response] = relationship(back_populates="answers")

    def __repr__(self) -> str:
        shown = "not answered" if self.not_answered else self.value
        return f"<Answer {self.response_id}/{self.item_id}={shown}>"
