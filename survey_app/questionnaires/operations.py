"""Load validated questionnaire definitions into the database as frozen versions."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey_app.models import QuestionnaireVersion
from survey_app.questionnaires.definition import Problem, QuestionnaireError, content_hash


@dataclass
class LoadReport:
    """What :func:`load_definitions` did."""

    added: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def load_definitions(session: Session, definitions: list[dict]) -> LoadReport:
    """Store each validated definition as a :class:`QuestionnaireVersion` unless already there.

    What a questionnaire measures in each plan is a :class:`~survey_app.models.QuestionnaireLink`,
    written by whoever loads the plan (:func:`load_directory` for the shipped one).

    :raise QuestionnaireError: if a file changed while keeping a version number that is
        already stored: rounds opened on that version must keep meaning what they meant.
    """
    report, problems = LoadReport(), []
    for definition in definitions:
        label = f"{definition['id']} v{definition['version']}"
        digest = content_hash(definition)
        stored = session.scalar(
            select(QuestionnaireVersion).where(
                QuestionnaireVersion.questionnaire_id == definition["id"],
                QuestionnaireVersion.version == definition["version"],
            )
        )
        if stored is not None:
            if stored.content_hash == digest:
                report.unchanged.append(label)
            else:
                problems.append(Problem(
                    f"{definition['id']}.json", "$.version",
                    f"version {definition['version']} is already loaded with different content; "
                    "increase the version number to publish the change",
                ))
            continue
        session.add(QuestionnaireVersion(
            questionnaire_id=definition["id"],
            version=definition["version"],
            content_hash=digest,
            objective_id=definition["objective"],
            definition=definition,
        ))
        report.added.append(label)
    if problems:
        session.rollback()
        raise QuestionnaireError(problems)
    session.flush()
    return report


def latest_version(session: Session, questionnaire_id: str) -> QuestionnaireVersion | None:
    """Return the highest stored version of *questionnaire_id*, or ``None``."""
    return session.scalar(
        select(QuestionnaireVersion)
        .where(QuestionnaireVersion.questionnaire_id == questionnaire_id)
        .order_by(QuestionnaireVersion.version.desc())
        .limit(1)
    )


def load_directory(session: Session, directory) -> LoadReport:
    """Load the Ambiti, the shipped plan and every questionnaire of *directory*, then commit.

    :raise QuestionnaireError: with every problem of every file; nothing is stored then.
    """
    from pathlib import Path

    from survey_app.plan.catalog import load_catalog
    from survey_app.plan.operations import link_home_questionnaires, sync_ambiti, sync_shipped_plan
    from survey_app.questionnaires.definition import read_directory

    directory = Path(directory)
    catalog = load_catalog(directory / "objectives.json")
    definitions, problems = read_directory(directory, catalog)
    if problems:
        raise QuestionnaireError(problems)
    sync_ambiti(session, directory / "ambiti.json")
    plan = sync_shipped_plan(session, directory, catalog)
    report = load_definitions(session, definitions)
    link_home_questionnaires(session, plan, definitions)
    session.commit()
    return report
