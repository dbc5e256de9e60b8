"""``flask plans ...`` commands: import a plan file, list the plans, export one, write the template."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import force_locale
from sqlalchemy.exc import IntegrityError

from survey_app.commands import ambito_option, refuse_file
from survey_app.db import get_session
from survey_app.plans.exporting import export_json, export_xlsx, find_plan, plan_summaries
from survey_app.plans.fileformat import PlanFileError, is_workbook, read_plan_file
from survey_app.plans.importing import PlanImportRejected, create_ambito, import_plan
from survey_app.plans.workbook import write_workbook
from survey_app.questionnaires.queries import known_measures


@click.group("plans")
def plans_cli() -> None:
    """The Ambiti's Piani di Zona: import from JSON or XLSX, list, export, template."""


@plans_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--ambito", "ambito_code", help="Ambito code; needed only when several exist.")
@click.option("--dry-run", is_flag=True, help="Check the file and store nothing.")
@click.option("--create-ambito", "new_ambito", metavar="NAME",
              help="Create the Ambito --ambito CODE with this name if it does not exist (e.g. for the example).")
@click.option("--comuni", default="", help="With --create-ambito: its comuni, comma-separated.")
@with_appcontext
def import_command(path: Path, ambito_code: str | None, dry_run: bool, new_ambito: str | None, comuni: str) -> None:
    """Import a plan from a JSON or XLSX plan file: all of it or nothing.

    Every problem is printed as ``FILE: foglio S, riga N, colonna «C»: ...`` (or the JSON
    path) and the exit status is 1. Re-importing updates a draft plan, updates a plan in
    force keeping its ids (audited), and is refused for a closed plan.
    """
    with force_locale("it"):  # the problems of the file, in the language of whoever wrote it
        _import(path, ambito_code, dry_run, new_ambito, comuni)


def _import(path: Path, ambito_code: str | None, dry_run: bool, new_ambito: str | None, comuni: str) -> None:
    session = get_session()
    if new_ambito:
        if not ambito_code:
            raise click.UsageError("--create-ambito needs --ambito CODE, the code of the new Ambito")
        ambito = create_ambito(session, ambito_code, new_ambito, comuni.split(","))
    elif comuni:
        raise click.UsageError("--comuni goes with --create-ambito")
    else:
        ambito = ambito_option(ambito_code)
    raw = path.read_bytes()
    try:
        parsed = read_plan_file(path.name, raw, known_measures(session, Path(current_app.config["QUESTIONNAIRE_DIR"])))
        summary = import_plan(session, ambito, parsed, actor="cli", filename=path.name,
                              file_format="xlsx" if is_workbook(path.name, raw) else "json", dry_run=dry_run)
    except (PlanFileError, PlanImportRejected) as exc:
        session.rollback()
        refuse_file(exc.problems)
    counts = f"{summary.objectives} objectives, {summary.indicators} indicators, {summary.links} questionnaire links"
    what = "new plan" if summary.created else ("changes: " + _changes(summary.changes) if summary.changes
                                              else "no changes")
    if dry_run:
        session.rollback()
        click.echo(f"{path.name} is valid: {ambito.code}/{parsed.header.code}, {counts}; {what}. "
                   "Nothing stored (--dry-run).")
        return
    try:
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise click.ClickException("the plan changed meanwhile; nothing imported, run the command again") from exc
    click.echo(f"Imported {path.name} as plan {summary.plan.id} ({ambito.code}/{summary.plan.code}, "
               f"{summary.plan.period}, {summary.plan.status}): {counts}; {what}.")


def _changes(changes) -> str:
    parts = []
    if changes.header:
        parts.append("header " + ", ".join(changes.header))
    for name in ("objectives", "indicators", "links"):
        part = getattr(changes, name)
        done = [f"{len(part[k])} {k}" for k in ("added", "changed", "removed") if part[k]]
        if done:
            parts.append(f"{name} " + ", ".join(done))
    return "; ".join(parts)


@plans_cli.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON, one object per plan.")
@with_appcontext
def list_command(as_json: bool) -> None:
    """List every plan: id, Ambito, code, period, status and counts."""
    plans = plan_summaries(get_session())
    if as_json:
        click.echo(json.dumps(plans, ensure_ascii=False, indent=2))
        return
    if not plans:
        click.echo("No plans.")
    for plan in plans:
        click.echo(f"{plan['id']:>4}  {plan['ambito']}/{plan['code']}  {plan['period']}  {plan['status']:<8}  "
                   f"{plan['objectives']} objectives, {plan['indicators']} indicators, {plan['rounds']} rounds  "
                   f"{plan['title']}")


@plans_cli.command("export")
@click.argument("reference", metavar="PLAN")
@click.option("--format", "fmt", type=click.Choice(["json", "xlsx"]), default="json", show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Where to write the file.")
@with_appcontext
def export_command(reference: str, fmt: str, output: Path) -> None:
    """Write plan PLAN (its id, or AMBITO/CODE) as a plan file that imports back unchanged."""
    session = get_session()
    plan = find_plan(session, reference)
    if plan is None:
        known = ", ".join(f"{p['id']} ({p['ambito']}/{p['code']})" for p in plan_summaries(session)) or "none"
        raise click.UsageError(f"unknown plan {reference!r}; known: {known}")
    if fmt == "json":
        body = export_json(session, plan)
    else:
        with force_locale("it"):
            body = export_xlsx(session, plan)
    output.write_bytes(body)
    click.echo(f"Wrote {output} (plan {plan.id}, {plan.ambito.code}/{plan.code}).")


@plans_cli.command("template")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Where to write the workbook (.xlsx).")
@with_appcontext
def template_command(output: Path) -> None:
    """Write the empty plan workbook, with its instructions in Italian."""
    with force_locale("it"):
        output.write_bytes(write_workbook())
    click.echo(f"Wrote {output}.")


def init_app(app) -> None:
    """Register the ``plans`` command group."""
    app.cli.add_command(plans_cli)
