"""``flask questionnaires ...`` commands: check and load the questionnaire files."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from survey_app.db import get_session
from survey_app.plan.catalog import load_catalog
from survey_app.questionnaires.definition import (
    QuestionnaireError,
    questionnaire_files,
    read_definition_file,
)
from survey_app.questionnaires.operations import load_directory


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


def init_app(app) -> None:
    """Register the ``questionnaires`` command group."""
    app.cli.add_command(questionnaires_cli)
