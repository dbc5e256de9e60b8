"""``flask questionnaires ...`` commands: check and load the questionnaire files, import and export XLSForm."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import force_locale

from survey_app.commands import refuse_file
from survey_app.db import get_session
from survey_app.plan.catalog import load_catalog
from survey_app.questionnaires.definition import (
    QuestionnaireError,
    questionnaire_files,
    read_definition_file,
)
from survey_app.questionnaires.operations import (
    ambito_comuni,
    load_directory,
    read_questionnaire_upload,
)


@click.group("questionnaires")
def questionnaires_cli() -> None:
    """Check and load the questionnaire files."""


@questionnaires_cli.command("check")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def check_command(files: tuple[Path, ...]) -> None:
    """Validate questionnaire FILES (all of the questionnaire folder by default).

    Prints one line per problem, as FILE: JSON-PATH: REASON, and exits with status 1 if
    any file is invalid.
    """
    directory = Path(current_app.config["QUESTIONNAIRE_DIR"])
    catalog = load_catalog(directory / "objectives.json")
    paths = list(files) or questionnaire_files(directory)
    failed = 0
    for path in paths:
        try:
            read_definition_file(path, catalog)
        except QuestionnaireError as exc:
            failed += 1
            for problem in exc.problems:
                click.echo(str(problem), err=True)
    click.echo(f"{len(paths) - failed} valid, {failed} invalid questionnaire file(s).")
    if failed:
        raise SystemExit(1)


@questionnaires_cli.command("load")
@with_appcontext
def load_command() -> None:
    """Load the plan catalog, the Ambiti and every questionnaire into the database.

    Unchanged versions are skipped; a file changed without a new version number is refused.
    """
    try:
        report = load_directory(get_session(), current_app.config["QUESTIONNAIRE_DIR"])
    except QuestionnaireError as exc:
        click.echo(str(exc), err=True)
        raise SystemExit(1) from exc
    click.echo(f"Questionnaires: {len(report.added)} added, {len(report.unchanged)} unchanged.")


def _plan_for(session, reference: str | None):
    """The plan named by ``--plan``, or the only plan there is; ``None`` when there is none."""
    from survey_app.plans.exporting import find_plan, plan_summaries

    plans = plan_summaries(session)
    if reference is None:
        if len(plans) > 1:
            known = ", ".join(f"{p['id']} ({p['ambito']}/{p['code']})" for p in plans)
            raise click.UsageError(f"several plans exist: name the one the questionnaire measures with --plan; "
                                   f"known: {known}")
        return find_plan(session, str(plans[0]["id"])) if plans else None
    plan = find_plan(session, reference)
    if plan is None:
        known = ", ".join(f"{p['id']} ({p['ambito']}/{p['code']})" for p in plans) or "none"
        raise click.UsageError(f"unknown plan {reference!r}; known: {known}")
    return plan


@questionnaires_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--plan", "plan_reference", metavar="PLAN",
              help="The plan (id or AMBITO/CODE) whose indicators the questionnaire measures; "
                   "needed only when several plans exist.")
@click.option("--dry-run", is_flag=True, help="Check the file and store nothing.")
@with_appcontext
def import_command(path: Path, plan_reference: str | None, dry_run: bool) -> None:
    """Publish a questionnaire from an XLSForm workbook (.xlsx) or a JSON file: all of it or nothing.

    The workbook is checked like a JSON file, against the plan's objectives and indicators.
    Every problem is printed as ``FILE: foglio S, riga N, colonna «C»: MOTIVO`` and the exit
    status is 1. The questionnaire is stored as a new version and linked to the indicators it
    measures in the plan; the same file imported again changes nothing.
    """
    from survey_app.accounts.permissions import AmbitoScope
    from survey_app.questionnaires.drafts import read_upload
    from survey_app.questionnaires.operations import import_questionnaire, plan_catalog

    with force_locale("it"):  # the problems of the file, in the language of whoever wrote it
        session = get_session()
        plan = _plan_for(session, plan_reference)
        directory = Path(current_app.config["QUESTIONNAIRE_DIR"])
        catalog = plan_catalog(session, plan) if plan is not None else load_catalog(directory / "objectives.json")
        raw = path.read_bytes()
        try:
            if plan is None:
                definition, file_format = read_questionnaire_upload(path.name, raw, catalog)
            else:  # a new version of a questionnaire written for an earlier plan is checked against that one
                definition, file_format, plan = read_upload(session, path.name, raw, chosen=plan,
                                                            scope=AmbitoScope(every=True))
            result = import_questionnaire(session, definition, plan=plan, actor="cli", filename=path.name,
                                          file_format=file_format, dry_run=dry_run)
        except QuestionnaireError as exc:
            session.rollback()
            refuse_file(exc.problems)
    where = f" in plan {plan.id} ({plan.ambito.code}/{plan.code})" if plan is not None else ""
    what = "new version" if result.added else "already published, unchanged"
    if dry_run:
        session.rollback()
        click.echo(f"{path.name} is valid: {result.label}{where}; {what}. Nothing stored (--dry-run).")
        return
    session.commit()
    click.echo(f"Imported {path.name}: {result.label}{where}; {what}; {result.links} new indicator link(s).")


@questionnaires_cli.command("export")
@click.argument("questionnaire_id", metavar="ID")
@click.option("--version", "version", type=int, help="The version to write (the latest by default).")
@click.option("--format", "fmt", type=click.Choice(["xlsform", "json"]), default="xlsform", show_default=True)
@click.option("--ambito", "ambito_code", help="The Ambito whose comuni the XLSForm's comune question offers; "
                                              "needed only when several exist.")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Where to write the file (.xlsx or .json).")
@with_appcontext
def export_command(questionnaire_id: str, version: int | None, fmt: str, ambito_code: str | None,
                   output: Path) -> None:
    """Write a stored questionnaire as an XLSForm workbook (ODK Collect, KoboToolbox) or as JSON.

    The file imports back to the same questionnaire (the same content hash).
    """
    from survey_app.commands import ambito_option
    from survey_app.questionnaires.operations import stored_version
    from survey_app.questionnaires.xlsform import XLSFormExportError, write_xlsform

    session = get_session()
    stored = stored_version(session, questionnaire_id, version)
    if stored is None:
        raise click.UsageError(f"no questionnaire {questionnaire_id!r}" + (f" version {version}" if version else ""))
    if fmt == "json":
        output.write_text(json.dumps(stored.definition, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    else:
        ambito = ambito_option(ambito_code)
        try:
            with force_locale("it"):
                body = write_xlsform(stored.definition, ambito_comuni(session, ambito))
        except XLSFormExportError as exc:
            raise click.ClickException(str(exc)) from exc
        output.write_bytes(body)
    click.echo(f"Wrote {output} ({stored.questionnaire_id} v{stored.version}).")


@questionnaires_cli.command("translation-sheet")
@click.argument("questionnaire_id", metavar="ID")
@click.option("--language", required=True, help="The code of the new language, e.g. fr, uk, ar.")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Where to write the sheet (.xlsx).")
@with_appcontext
def translation_sheet_command(questionnaire_id: str, language: str, output: Path) -> None:
    """Write the texts of questionnaire ID (latest version) beside an empty column for LANGUAGE."""
    from survey_app.questionnaires.operations import stored_version
    from survey_app.questionnaires.translation_sheet import write_translation_sheet

    stored = stored_version(get_session(), questionnaire_id)
    if stored is None:
        raise click.UsageError(f"no questionnaire {questionnaire_id!r}")
    try:
        output.write_bytes(write_translation_sheet(stored.definition, language))
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    click.echo(f"Wrote {output} ({stored.questionnaire_id} v{stored.version}, texts for {language}).")


@questionnaires_cli.command("translation-import")
@click.argument("questionnaire_id", metavar="ID")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check the sheet and store nothing.")
@with_appcontext
def translation_import_command(questionnaire_id: str, path: Path, dry_run: bool) -> None:
    """Publish the next version of questionnaire ID with the language of a filled translation sheet.

    Every text must be translated: otherwise each missing one is printed, as
    ``FILE: foglio Traduzione, riga N, colonna «C»: MOTIVO``, and nothing is stored.
    """
    from survey_app.questionnaires.operations import import_questionnaire, stored_version
    from survey_app.questionnaires.translation_sheet import read_translation_sheet, translated

    session = get_session()
    stored = stored_version(session, questionnaire_id)
    if stored is None:
        raise click.UsageError(f"no questionnaire {questionnaire_id!r}")
    with force_locale("it"):
        try:
            language, texts = read_translation_sheet(path.name, path.read_bytes(), stored.definition)
            definition = translated(stored.definition, language, texts)
            result = import_questionnaire(session, definition, actor="cli", filename=path.name,
                                          file_format="translation", dry_run=dry_run)
        except QuestionnaireError as exc:
            session.rollback()
            refuse_file(exc.problems)
    if dry_run:
        session.rollback()
        click.echo(f"{path.name} is complete: {len(texts)} texts in {language}. Nothing stored (--dry-run).")
        return
    session.commit()
    click.echo(f"Imported {path.name}: {result.label}, now also in {language} ({len(texts)} texts).")


def init_app(app) -> None:
    """Register the ``questionnaires`` command group."""
    app.cli.add_command(questionnaires_cli)
