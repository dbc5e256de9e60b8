"""Writes of questionnaires: frozen versions loaded from the folder or imported (XLSForm, JSON), linked to a plan."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
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
                    _("la versione %(version)d è già caricata con un contenuto diverso: aumenta il numero "
                      "di versione per pubblicare la modifica", version=definition["version"]),
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


@dataclass
class ImportResult:
    """What :func:`import_questionnaire` did (or would do, on a dry run)."""

    label: str
    added: bool
    links: int


def plan_catalog(session: Session, plan):
    """Return the :class:`~survey_app.plan.catalog.PlanCatalog` of a stored *plan*."""
    from survey_app.plan.catalog import parse_catalog
    from survey_app.plans.exporting import plan_data

    return parse_catalog(plan_data(session, plan)["objectives"])


def import_questionnaire(session: Session, definition: dict, *, plan=None, actor, filename: str,
                         file_format: str, dry_run: bool = False) -> ImportResult:
    """Store a checked *definition* as a new questionnaire version and link it to *plan*'s indicators.

    The caller checked *definition* against *plan*'s catalog (or the shipped one). The same
    content already stored is no change; the same version with other content is refused
    (:func:`load_definitions`). Publishing is audited; nothing is committed here.
    """
    from survey_app.audit import record
    from survey_app.plan.operations import link_home_questionnaires

    report = load_definitions(session, [definition])
    label = f"{definition['id']} v{definition['version']}"
    links = link_home_questionnaires(session, plan, [definition]) if plan is not None else 0
    if report.added and not dry_run:
        stored = session.scalar(select(QuestionnaireVersion).where(
            QuestionnaireVersion.questionnaire_id == definition["id"],
            QuestionnaireVersion.version == definition["version"]))
        record(session, actor, "questionnaire.publish", stored, questionnaire=definition["id"],
               version=definition["version"], file=filename, format=file_format,
               plan=plan.id if plan is not None else None, content_hash=stored.content_hash)
    return ImportResult(label=label, added=bool(report.added), links=links)


def stored_version(session: Session, questionnaire_id: str, version: int | None = None) -> QuestionnaireVersion | None:
    """Return *version* of *questionnaire_id* (the latest when ``None``), or ``None``."""
    if version is None:
        return latest_version(session, questionnaire_id)
    return session.scalar(select(QuestionnaireVersion).where(
        QuestionnaireVersion.questionnaire_id == questionnaire_id, QuestionnaireVersion.version == version))


def ambito_comuni(session: Session, ambito) -> list[tuple[str, str]]:
    """``(code, name)`` of *ambito*'s comuni, by name: the choices of an XLSForm's comune question."""
    from survey_app.models import Comune

    return [(c.code, c.name) for c in session.scalars(
        select(Comune).where(Comune.ambito_id == ambito.id).order_by(Comune.name))]


def read_questionnaire_upload(filename: str, raw: bytes, catalog) -> tuple[dict, str]:
    """Read and check an uploaded questionnaire, XLSForm (.xlsx) or JSON; return it and its format.

    :raise QuestionnaireError: with every problem, each at its sheet, row and column (or JSON path).
    """
    from survey_app.questionnaires.definition import decode_definition, validate_definition
    from survey_app.questionnaires.xlsform_reading import read_xlsform

    if raw[:2] == b"PK" or filename.lower().endswith((".xlsx", ".xlsm")):
        return read_xlsform(filename, raw, catalog), "xlsform"
    data = decode_definition(filename, raw)
    problems = validate_definition(data, catalog, source=filename)
    if problems:
        raise QuestionnaireError(problems)
    return data, "json"
