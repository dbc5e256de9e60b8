"""Models of the qualitative evidence of a plan's objectives: interviews, focus groups and
participatory workshops (:class:`QualitativeSession`), the codebook of themes of each objective
(:class:`Theme`), and the coded passages (:class:`Passage`) of a session's text or of a
questionnaire's reviewed free comment.

What a session keeps of its people: how many took part and their roles as categories
(:data:`PARTICIPANT_ROLES`), never names; the facilitator is a member of staff. Its material is
text: notes typed in, or the text extracted from an uploaded transcript (the original file is
not kept: see :mod:`survey_app.qualitative.extraction`).

A passage is quotable in a report only once an evaluator published it with a separate
``published_text`` (the original stays as coded); see :mod:`survey_app.qualitative.queries`.
Sessions and their passages are deleted by the retention purge like responses
(:mod:`survey_app.maintenance.retention`); a comment's passages go with its response.

Every row exported to REFI-QDA has a ``uuid``, minted once, so a re-export names the same
entities with the same GUIDs.
"""

from __future__ import annotations

import uuid as uuid_module
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    ForeignKey,
    ForeignKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey_app.models.base import Base, quoted_values, utcnow
from survey_app.models.rounds import ROUND_KINDS

#: an in-depth interview of a key informant, a focus group, a participatory workshop
SESSION_KINDS = ("interview", "focus_group", "workshop")
#: who took part, as categories only (never names)
PARTICIPANT_ROLES = ("beneficiaries", "carers", "operators", "third_sector", "administrators", "citizens")
#: how consent was recorded
CONSENT_METHODS = ("written", "oral_recorded", "oral_minuted")
#: notes typed in on the page, or the text of an uploaded transcript
MATERIAL_KINDS = ("notes", "transcript")
#: the transcript files read: plain text, Word (DOCX), PDF with a text layer
SOURCE_FORMATS = ("txt", "docx", "pdf")

MAX_TITLE_LENGTH = 200
MAX_FACILITATOR_LENGTH = 200
MAX_THEME_NAME_LENGTH = 120
#: the longest session text, in characters (a two-hour focus group transcript is ~150,000)
MAX_TEXT_LENGTH = 1_000_000


def new_uuid() -> str:
    return str(uuid_module.uuid4())


passage_themes = Table(
    "qualitative_passage_themes",
    Base.metadata,
    Column("passage_id", ForeignKey("qualitative_passages.id", ondelete="CASCADE"), primary_key=True),
    Column("theme_id", ForeignKey("qualitative_themes.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class QualitativeSession(Base):
    """An interview, focus group or participatory workshop about one objective of a plan."""

    __tablename__ = "qualitative_sessions"
    __table_args__ = (
        CheckConstraint(f"kind IN ({quoted_values(SESSION_KINDS)})", name="kind"),
        CheckConstraint(f"timing IN ({quoted_values(ROUND_KINDS)})", name="timing"),
        CheckConstraint(f"material IN ({quoted_values(MATERIAL_KINDS)})", name="material"),
        CheckConstraint(f"source_format IS NULL OR source_format IN ({quoted_values(SOURCE_FORMATS)})",
                        name="source_format"),
        CheckConstraint(f"consent_method IS NULL OR consent_method IN ({quoted_values(CONSENT_METHODS)})",
                        name="consent_method"),
        CheckConstraint("consent_method IS NULL OR consent", name="consent_method_needs_consent"),
        CheckConstraint("participants >= 1", name="participants"),
        ForeignKeyConstraint(["plan_id", "objective_id"], ["objectives.plan_id", "objectives.id"],
                             name="fk_qualitative_sessions_objective"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uuid)
    #: the plan's Ambito, kept on the row so scoping and the audit log need no join
    ambito_id: Mapped[int] = mapped_column(ForeignKey("ambiti.id"), index=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    objective_id: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(12))
    #: a name for staff, e.g. "Focus group caregiver CDD Lovere"
    title: Mapped[str] = mapped_column(String(MAX_TITLE_LENGTH))
    held_on: Mapped[date] = mapped_column(index=True)
    #: ``ex-ante``, ``in-itinere``, ``ex-post``, ``follow-up`` (the rounds' vocabulary)
    timing: Mapped[str] = mapped_column(String(12))
    #: the role or name of the staff member who ran it (never a participant)
    facilitator: Mapped[str] = mapped_column(String(MAX_FACILITATOR_LENGTH))
    participants: Mapped[int]
    #: a subset of :data:`PARTICIPANT_ROLES`
    participant_roles: Mapped[list] = mapped_column(JSON, default=list)
    consent: Mapped[bool] = mapped_column(default=False)
    consent_method: Mapped[str | None] = mapped_column(String(16))
    material: Mapped[str] = mapped_column(String(10))
    #: the notes, or the transcript's extracted text (what passages' offsets count in)
    text: Mapped[str] = mapped_column(Text)
    #: the uploaded file's name and format (the file itself is not kept)
    source_filename: Mapped[str | None] = mapped_column(String(255))
    source_format: Mapped[str | None] = mapped_column(String(4))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: who recorded it, as shown (kept when the account is deleted)
    created_by: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    passages: Mapped[list[Passage]] = relationship(
        back_populates="session", cascade="all, delete-orphan", passive_deletes=True,
        order_by="(Passage.start_offset, Passage.id)")

    def __repr__(self) -> str:
        return f"<QualitativeSession {self.id} {self.kind} {self.held_on}>"


class Theme(Base):
    """A theme of an objective's codebook, possibly under a parent theme."""

    __tablename__ = "qualitative_themes"
    __table_args__ = (
        UniqueConstraint("plan_id", "objective_id", "name"),
        ForeignKeyConstraint(["plan_id", "objective_id"], ["objectives.plan_id", "objectives.id"],
                             name="fk_qualitative_themes_objective"),
        CheckConstraint("parent_id IS NULL OR parent_id <> id", name="not_own_parent"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uuid)
    plan_id: Mapped[int] = mapped_column(index=True)
    objective_id: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(MAX_THEME_NAME_LENGTH))
    description: Mapped[str] = mapped_column(Text, default="")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("qualitative_themes.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    parent: Mapped[Theme | None] = relationship(remote_side="Theme.id")

    def __repr__(self) -> str:
        return f"<Theme {self.id} {self.name!r}>"


class Passage(Base):
    """A coded passage: characters ``start_offset``-``end_offset`` of a session's text or of a free comment's
    published text, with its themes and, once an evaluator publishes it, the text a report quotes.
    """

    __tablename__ = "qualitative_passages"
    __table_args__ = (
        CheckConstraint("(session_id IS NULL) <> (response_id IS NULL)", name="one_source"),
        CheckConstraint("start_offset >= 0 AND end_offset > start_offset", name="span"),
        CheckConstraint("(published_text IS NULL) = (published_at IS NULL)", name="published_complete"),
        ForeignKeyConstraint(["plan_id", "objective_id"], ["objectives.plan_id", "objectives.id"],
                             name="fk_qualitative_passages_objective"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uuid)
    plan_id: Mapped[int] = mapped_column(index=True)
    objective_id: Mapped[str] = mapped_column(String(100))
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("qualitative_sessions.id", ondelete="CASCADE"), index=True)
    #: a questionnaire response whose reviewed comment was coded; deleted with it (retention)
    response_id: Mapped[int | None] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"), index=True)
    #: offsets in characters (Python string indices), end excluded
    start_offset: Mapped[int]
    end_offset: Mapped[int]
    #: the passage as coded (kept when a published text is written)
    text: Mapped[str] = mapped_column(Text)
    #: what a report may quote, written by an evaluator (pseudonymised, shortened...)
    published_text: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None]
    published_by: Mapped[str | None] = mapped_column(String(254))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_by: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    session: Mapped[QualitativeSession | None] = relationship(back_populates="passages")
    themes: Mapped[list[Theme]] = relationship(secondary=passage_themes, order_by="Theme.name")

    @property
    def published(self) -> bool:
        return self.published_at is not None

    def __repr__(self) -> str:
        return f"<Passage {self.id} {self.start_offset}-{self.end_offset}>"
