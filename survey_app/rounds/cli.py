"""``flask rounds ...`` commands, for scripting what operators do in the UI; importing answers collected offline."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import force_locale
from sqlalchemy.exc import DBAPIError

from survey_app.commands import refuse_file
from survey_app.db import get_session
from survey_app.models import ROUND_KINDS, Round
from survey_app.plans.queries import plan_by_reference
from survey_app.rounds.operations import (
    OfflineImportRejected,
    RoundError,
    import_offline_answers,
    open_round,
)
from survey_app.rounds.queries import public_url, round_summaries


@click.group("rounds")
def rounds_cli() -> None:
    """Open and list survey rounds."""


@rounds_cli.command("open")
@click.argument("questionnaire_id")
@click.option("--kind", required=True, type=click.Choice(ROUND_KINDS), help="When in the plan's cycle.")
@click.option("--ambito", "ambito_code", help="Ambito code; needed only when several exist.")
@click.option("--comune", help="Limit the round to one comune (name or code).")
@click.option("--service", help="Limit the round to one service (option id of the questionnaire).")
@click.option("--opens", "opens_at", type=click.DateTime(), help="Opening time, UTC; now by default.")
@click.option("--closes", "closes_at", type=click.DateTime(), help="Closing time, UTC (YYYY-MM-DD[ HH:MM:SS]).")
@click.option("--expected", "expected_respondents", type=click.IntRange(min=1), help="Expected respondents.")
@click.option("--plan", "plan_reference",
              help="The plan (id or AMBITO/CODE); by default the plan whose period contains the opening.")
@click.option("--follow-up", is_flag=True, help="A follow-up of a closed plan, after its period.")
@with_appcontext
def open_command(questionnaire_id, kind, ambito_code, comune, service, opens_at: datetime | None,
                 closes_at: datetime | None, expected_respondents, plan_reference, follow_up) -> None:
    """Open a round of QUESTIONNAIRE_ID now; the last line printed is its public URL."""
    session = get_session()
    plan = None
    if plan_reference:
        plan = plan_by_reference(session, plan_reference)
        if plan is None:
            raise click.UsageError(f"unknown plan {plan_reference!r}; see 'plans list'")
        ambito_code = ambito_code or plan.ambito.code
    try:
        round_ = open_round(session, questionnaire_id, kind, ambito_code=ambito_code, comune=comune,
                            service=service, opens_at=opens_at, closes_at=closes_at,
                            expected_respondents=expected_respondents, plan=plan, follow_up=follow_up)
    except RoundError as exc:
        session.rollback()
        raise click.UsageError(str(exc)) from exc
    session.commit()
    click.echo(f"Round {round_.id} opened: {questionnaire_id} v{round_.questionnaire_version.version}, {kind}, "
               f"{round_.plan.title}{' (follow-up)' if round_.is_follow_up else ''}.")
    click.echo(public_url(current_app.config["PUBLIC_URL"], round_))


@rounds_cli.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array instead of a table.")
@with_appcontext
def list_command(as_json: bool) -> None:
    """List every round with its status, public URL and number of responses."""
    base = current_app.config["PUBLIC_URL"]
    rows = [
        {
            "id": s.round.id,
            "questionnaire": s.round.questionnaire_version.questionnaire_id,
            "version": s.round.questionnaire_version.version,
            "kind": s.round.kind,
            "plan": {"id": s.round.plan_id, "code": s.round.plan.code, "period": s.round.plan.period},
            "follow_up": s.round.is_follow_up,
            "status": s.round.status,
            "availability": s.round.availability(),
            "comune": s.round.comune.name if s.round.comune else None,
            "service": s.round.service,
            "url": public_url(base, s.round),
            "responses": s.responses,
        }
        for s in round_summaries(get_session())
    ]
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    for row in rows:
        click.echo(f"{row['id']:>4}  {row['questionnaire']:<40} {row['kind']:<10} {row['availability']:<12} "
                   f"{row['responses']:>5}  {row['url']}")


@rounds_cli.command("import-odk")
@click.argument("round_id", metavar="ROUND", type=int)
@click.argument("path", metavar="FILE.csv", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check the file and store nothing.")
@with_appcontext
def import_odk_command(round_id: int, path: Path, dry_run: bool) -> None:
    """Store the answers of an ODK Collect / KoboToolbox CSV export of round ROUND's XLSForm.

    All rows or none: every problem is printed as ``FILE: riga N, colonna «C»: MOTIVO`` and the
    exit status is 1. Submissions already stored (same instanceID) are counted, not stored again.
    """
    session = get_session()
    round_ = session.get(Round, round_id)
    if round_ is None:
        raise click.UsageError(f"no round {round_id}; see 'rounds list'")
    try:
        with force_locale("it"):  # the problems are about the file's rows, in the operators' language
            summary = import_offline_answers(session, round_, path.name, path.read_bytes(), actor="cli",
                                             dry_run=dry_run)
        if dry_run:
            session.rollback()
            click.echo(f"{path.name}: {summary.rows} answers are valid ({summary.stored} new, "
                       f"{summary.already_stored} already stored); nothing stored (--dry-run).")
            return
        session.commit()
    except OfflineImportRejected as exc:
        session.rollback()
        refuse_file(exc.problems)
    except DBAPIError as exc:  # IntegrityError included: a concurrent import of the same file
        session.rollback()
        raise click.ClickException("another import stored some of these answers meanwhile, or the database "
                                   "is unavailable; nothing imported, run the command again") from exc
    click.echo(f"Imported {path.name} into round {round_.id}: {summary.stored} stored, "
               f"{summary.already_stored} already stored.")


def init_app(app) -> None:
    """Register the ``rounds`` command group."""
    app.cli.add_command(rounds_cli)
