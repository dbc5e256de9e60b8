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
