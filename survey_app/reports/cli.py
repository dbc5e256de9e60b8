"""``flask --app survey_app report``: the final report, or one objective's, as a file.

The same files as the pages: the stored ones when they describe the current data, otherwise
made now (and stored, so the pages offer them too). Logged as ``report.export`` with actor
``cli``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from survey_app import audit
from survey_app.commands import ambito_option, plan_option
from survey_app.db import get_session
from survey_app.models import Objective
from survey_app.reports import jobs

FORMATS = ("html", "pdf", "docx")


@click.command("report")
@click.option(
    "--objective",
    "objective_id",
    help="An objective id (e.g. persona-al-centro); default: the final report of the whole plan.",
)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="pdf", show_default=True)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, writable=True, allow_dash=True, path_type=Path),
    required=True,
    help="File to write ('-' for standard output).",
)
@click.option("--ambito", "ambito_code", help="Ambito code; needed only when several exist.")
@click.option("--plan", "plan_reference", help="Plan id or code; the plan in force by default.")
@with_appcontext
def report_command(
    objective_id: str | None, fmt: str, output: Path, ambito_code: str | None,
    plan_reference: str | None,
) -> None:
    """Write the evaluation report (final, or of one objective) as HTML, PDF or DOCX."""
    session = get_session()
    ambito = ambito_option(ambito_code)
    plan = plan_option(ambito, plan_reference)
    if objective_id and session.get(Objective, (plan.id, objective_id)) is None:
        known = ", ".join(session.scalars(select(Objective.id).where(Objective.plan_id == plan.id)
                                          .order_by(Objective.id)))
        raise click.UsageError(f"unknown objective {objective_id!r} in {plan.title}; known: {known}")
    spec = jobs.ReportSpec.of(plan, objective_id)
    started = time.monotonic()
    stored = jobs.stored_file(session, spec, fmt) if jobs.status(session, spec).current else None
    if stored is None:
        row = jobs.generate(session, spec, log=lambda message: click.echo(message, err=True))
        if row.status != "ready":
            raise click.ClickException(f"the report could not be made: {row.error}")
        stored = jobs.stored_file(session, spec, fmt)
    content = stored[0]
    data = content.encode("utf-8") if isinstance(content, str) else content
    if str(output) == "-":
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        output.write_bytes(data)
    event = audit.record(
        session,
        "cli",
        "report.export",
        None,
        format=fmt,
        objective=objective_id,
        plan=plan.code,
        filename=output.name,
    )
    event.ambito_id = ambito.id
    session.commit()
    if str(output) != "-":
        what = f"objective {objective_id}" if objective_id else "final report"
        click.echo(
            f"{what}: {len(data):,} bytes written to {output} ({fmt}, "
            f"{time.monotonic() - started:.1f} s).",
            err=True,
        )


def init_app(app) -> None:
    """Register the ``report`` command."""
    app.cli.add_command(report_command)
