"""``flask indicators ...`` commands: import a file of semestral values, write the template."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext
from flask_babel import force_locale
from sqlalchemy.exc import IntegrityError

from survey_app.commands import ambito_option, plan_option
from survey_app.db import get_session
from survey_app.indicators.importing import parse_file, semester_of
from survey_app.indicators.operations import ImportRejected, import_rows
from survey_app.indicators.queries import import_catalog, template_rows
from survey_app.indicators.template_file import instructions, template_csv, template_xlsx
from survey_app.localtime import to_local
from survey_app.models import utcnow


@click.group("indicators")
def indicators_cli() -> None:
    """Semestral values of the plan's indicators not measured by questionnaire."""


@indicators_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--ambito", "ambito_code", help="Ambito code; needed only when several exist.")
@click.option("--plan", "plan_reference", help="Plan id or code; the plan in force by default.")
@click.option("--dry-run", is_flag=True, help="Check the file and store nothing.")
@with_appcontext
def import_command(path: Path, ambito_code: str | None, plan_reference: str | None, dry_run: bool) -> None:
    """Import the values of a CSV or XLSX file made from the template: all rows or none.

    Every error is printed as ``riga N, colonna «C»: ...`` and the exit status is 1.
    """
    with force_locale("it"):  # messages about the file's rows, in the operators' language
        _import(path, ambito_code, plan_reference, dry_run)


def _import(path: Path, ambito_code: str | None, plan_reference: str | None, dry_run: bool) -> None:
    session = get_session()
    plan = plan_option(ambito_option(ambito_code), plan_reference)
    today = to_local(utcnow()).date()
    parsed = parse_file(path.name, path.read_bytes(), import_catalog(session, plan, today))
    errors = parsed.errors
    summary = None
    if parsed.ok:
        try:
            summary = import_rows(session, plan, parsed.rows, actor="cli", filename=path.name,
                                  file_format=parsed.format)
        except ImportRejected as exc:
            errors = exc.errors
    if errors:
        session.rollback()
        for error in errors:
            click.echo(f"{path.name}: {error}", err=True)
        click.echo(f"{len(errors)} error(s): nothing imported.", err=True)
        raise SystemExit(1)
    if dry_run:
        session.rollback()
        click.echo(f"{len(parsed.rows)} values are valid ({summary.created} new, {summary.corrected} corrections, "
                   f"{summary.unchanged} unchanged); nothing stored (--dry-run).")
        return
    try:
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise click.ClickException("another user stored some of these values meanwhile; nothing imported, "
                                   "run the command again") from exc
    click.echo(f"Imported {path.name}: {summary.created} new, {summary.corrected} corrected, "
               f"{summary.unchanged} unchanged.")


@indicators_cli.command("template")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="xlsx", show_default=True)
@click.option("--ambito", "ambito_code", help="Ambito code; needed only when several exist.")
@click.option("--plan", "plan_reference", help="Plan id or code; the plan in force by default.")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Where to write the file.")
@with_appcontext
def template_command(fmt: str, ambito_code: str | None, plan_reference: str | None, output: Path) -> None:
    """Write the import template: one row per indicator not measured by questionnaire."""
    session = get_session()
    ambito = ambito_option(ambito_code)
    rows = template_rows(session, plan_option(ambito, plan_reference).id)
    if fmt == "csv":
        body = template_csv(rows)
    else:
        with force_locale("it"):
            notes = instructions([c.name for c in ambito.comuni], semester_of(to_local(utcnow()).date()))
        body = template_xlsx(rows, notes)
    output.write_bytes(body)
    click.echo(f"Wrote {output} ({len(rows)} indicators).")


def init_app(app) -> None:
    """Register the ``indicators`` command group."""
    app.cli.add_command(indicators_cli)
