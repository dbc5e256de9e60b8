"""Reads of stored questionnaires that other features need (the plans' import)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey_app.models import QuestionnaireVersion


def stored_measures(session: Session) -> dict[str, tuple[str, ...]]:
    """Questionnaire id -> the keys of its ``measures``, for every published questionnaire.

    Questionnaires published from an upload (XLSForm) live only in the database: a plan file
    may link its indicators to them as to the files of the questionnaire folder. The latest
    version of each is read.
    """
    found: dict[str, tuple[int, tuple[str, ...]]] = {}
    rows = session.execute(select(QuestionnaireVersion.questionnaire_id, QuestionnaireVersion.version,
                                  QuestionnaireVersion.definition))
    for questionnaire_id, version, definition in rows:
        if questionnaire_id not in found or version > found[questionnaire_id][0]:
            found[questionnaire_id] = (version, tuple(m["indicator"] for m in definition["measures"]))
    return {questionnaire_id: measures for questionnaire_id, (_v, measures) in found.items()}


def known_measures(session: Session, directory) -> dict[str, tuple[str, ...]]:
    """The questionnaires a plan file may name: the published ones and the files of *directory*."""
    from survey_app.plans.fileformat import questionnaire_measures

    return {**stored_measures(session), **questionnaire_measures(directory)}


def visible_questionnaire_ids(session: Session, scope) -> set[str]:
    """The questionnaires a staff member with *scope* works with: those their plans use, and their drafts."""
    from survey_app.models import Plan, QuestionnaireDraft, QuestionnaireLink

    if scope.every:
        ids = set(session.scalars(select(QuestionnaireVersion.questionnaire_id).distinct()))
        return ids | set(session.scalars(select(QuestionnaireDraft.questionnaire_id).distinct()))
    plan_ids = [p for p, ambito_id in session.execute(select(Plan.id, Plan.ambito_id)) if scope.allows(ambito_id)]
    if not plan_ids:
        return set()
    linked = session.scalars(select(QuestionnaireLink.questionnaire_id).where(QuestionnaireLink.plan_id.in_(plan_ids)))
    drafted = session.scalars(select(QuestionnaireDraft.questionnaire_id).where(
        QuestionnaireDraft.plan_id.in_(plan_ids)))
    return set(linked) | set(drafted)


def questionnaire_overview(session: Session, scope) -> list[dict]:
    """One row per questionnaire visible to *scope*: latest version, title, languages, drafts; by title."""
    from survey_app.models import QuestionnaireDraft
    from survey_app.questionnaires.definition import Questionnaire

    ids = visible_questionnaire_ids(session, scope)
    latest: dict[str, QuestionnaireVersion] = {}
    for version in session.scalars(select(QuestionnaireVersion).where(QuestionnaireVersion.questionnaire_id.in_(ids))):
        if version.questionnaire_id not in latest or version.version > latest[version.questionnaire_id].version:
            latest[version.questionnaire_id] = version
    drafts: dict[str, list] = {}
    for draft in session.scalars(select(QuestionnaireDraft).where(QuestionnaireDraft.questionnaire_id.in_(ids))
                                 .order_by(QuestionnaireDraft.version)):
        drafts.setdefault(draft.questionnaire_id, []).append(draft)
    rows = []
    for questionnaire_id in ids:
        version = latest.get(questionnaire_id)
        definition = version.definition if version is not None else drafts[questionnaire_id][-1].definition
        rows.append({"id": questionnaire_id, "title": definition["title"]["it"],
                     "version": version.version if version is not None else None,
                     "languages": Questionnaire(definition).languages,
                     "drafts": drafts.get(questionnaire_id, [])})
    return sorted(rows, key=lambda row: row["title"].casefold())


def questionnaire_versions(session: Session, questionnaire_id: str) -> list[QuestionnaireVersion]:
    """Every stored version of *questionnaire_id*, newest first."""
    return list(session.scalars(select(QuestionnaireVersion).where(
        QuestionnaireVersion.questionnaire_id == questionnaire_id).order_by(QuestionnaireVersion.version.desc())))
