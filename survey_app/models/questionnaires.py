"""Models of questionnaire versions, frozen once loaded and shared by every plan that uses them, and of
the drafts staff upload before publishing one."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey_app.caching import BoundedCache
from survey_app.models.base import Base, utcnow
from survey_app.questionnaires.definition import Questionnaire


#: parsed questionnaires by (version id, content hash); every respondent page reads one
_PARSED_VERSIONS: BoundedCache[Questionnaire] = BoundedCache(1024)


class QuestionnaireVersion(Base):
    """One version of a questionnaire file, exactly as it was loaded.

    A round points at a version, so editing the file later (with a new ``version``)
    never changes what a past round asked.
    """

    __tablename__ = "questionnaire_versions"
    __table_args__ = (UniqueConstraint("questionnaire_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the file's ``id``, e.g. ``persona-al-centro``
    questionnaire_id: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[int]
    #: SHA-256 of the canonical JSON; a changed file with an unchanged version is refused
    content_hash: Mapped[str] = mapped_column(String(64))
    #: the file's ``objective``: the objective of the plan it was written for (its "home"); in
    #: every plan, what it measures is given by :class:`~survey_app.models.QuestionnaireLink`
    objective_id: Mapped[str] = mapped_column(String(100), index=True)
    #: the validated definition, as decoded from the file; read through :attr:`questionnaire`,
    #: which parses it once per process, so it is not loaded with every round
    definition: Mapped[dict] = mapped_column(JSON, deferred=True)
    loaded_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def questionnaire(self) -> Questionnaire:
        """Return the navigable :class:`Questionnaire` of this version, parsed once per process.

        A stored version never changes (loading refuses a changed file with the same version),
        and its content hash is part of the key, so a cached one is always this row's.
        """
        return _PARSED_VERSIONS.get_or_build((self.id, self.content_hash),
                                             lambda: Questionnaire(self.definition))

    @property
    def title(self) -> str:
        return self.questionnaire.definition["title"]["it"]

    def __repr__(self) -> str:
        return f"<QuestionnaireVersion {self.questionnaire_id} v{self.version}>"


class QuestionnaireDraft(Base):
    """A checked questionnaire uploaded on the staff page and not yet published (or discarded).

    The definition passed every check when it was uploaded; it is checked again when published,
    since the plan or the stored versions may have changed meanwhile. Publishing stores it as a
    :class:`QuestionnaireVersion` and deletes the draft; discarding deletes it. Both are audited.
    """

    __tablename__ = "questionnaire_drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[int]
    definition: Mapped[dict] = mapped_column(JSON)
    #: the plan whose indicators it measures (``None``: the shipped plan's questionnaire folder)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    #: the uploaded file's name and kind: ``xlsform``, ``json`` or ``translation``
    filename: Mapped[str] = mapped_column(String(200))
    file_format: Mapped[str] = mapped_column(String(12))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    plan = relationship("Plan")
    created_by = relationship("User")

    @property
    def questionnaire(self) -> Questionnaire:
        return Questionnaire(self.definition)

    def __repr__(self) -> str:
        return f"<QuestionnaireDraft {self.questionnaire_id} v{self.version}>"
