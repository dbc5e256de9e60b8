"""``flask qualitative ...`` commands: export a plan's qualitative evidence as a REFI-QDA project."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext
from flask_babel import force_locale

from survey_app import audit
from survey_app.db import get_session
from survey_app.plans.exporting import plan_summaries
from survey_app.plans.queries import plan_by_reference


@click.group("qualitative")
def qualitative_cli() -> None:
    """Interviews, focus groups and workshops of the plans' objectives, and their coding."""


@qualitative_cli.command("export")
@click.argument("reference", metavar="PLAN")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Where to write the REFI-QDA project (.qdpx); '-' for standard output.")
@with_appcontext
def export_command(reference: str, output: Path) -> None:
    """Write plan PLAN's sessions, coded comments and codebooks (PLAN: its id, or AMBITO/CODE)
    as a REFI-QDA project that NVivo, ATLAS.ti, MAXQDA and QualCoder open; logged as
    ``qualitative.export``."""
    from survey_app.qualitative.refi import export_plan

    session = get_session()
    plan = plan_by_reference(session, reference)
    if plan is None:
        known = ", ".join(f"{p['id']} ({p['ambito']}/{p['code']})" for p in plan_summaries(session)) or "none"
        raise click.UsageError(f"unknown plan {reference!r}; known: {known}")
    with force_locale("it"):  # descriptions of sources in the evaluators' language
        body = export_plan(session, plan)
    event = audit.record(session, "cli", "qualitative.export", plan, format="qdpx")
    event.ambito_id = plan.ambito_id
    session.commit()
    if str(output) == "-":
        click.get_binary_stream("stdout").write(body)
        return
    output.write_bytes(body)
    click.echo(f"Wrote {output} (plan {plan.id}, {plan.ambito.code}/{plan.code}).")


def init_app(app) -> None:
    """Register the ``qualitative`` command group."""
    app.cli.add_command(qualitative_cli)
