"""``flask rounds ...`` commands, for scripting what operators do in the UI."""

from __future__ import annotations

import json
from datetime import datetime

import click
from flask import current_app
from flask.cli import with_appcontext

from survey_app.db import get_session
from survey_app.models import ROUND_KINDS
from survey_app.rounds.operations import RoundError, open_round
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
@click.option("--closes", "closes_at", type=click.DateTime(), help="Closing time, UTC (YYYY-MM-DD[ HH:MM:SS]).")
@click.option("--expected", "expected_respondents", type=click.IntRange(min=1), help="Expected respondents.")
@with_appcontext
def open_command(questionnaire_id, kind, ambito_code, comune, service, closes_at: datetime | None,
                 expected_respondents) -> None:
    """Open a round of QUESTIONNAIRE_ID now; the last line printed is its public URL."""
    session = get_session()
    try:
        round_ = open_round(session, questionnaire_id, kind, ambito_code=ambito_code, comune=comune,
                            service=service, closes_at=closes_at, expected_respondents=expected_respondents)
    except RoundError as exc:
        session.rollback()
        raise click.UsageError(str(exc)) from exc
    session.commit()
    click.echo(f"Round {round_.id} opened: {questionnaire_id} v{round_.questionnaire_version.version}, {kind}.")
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


def init_app(app) -> None:
    """Register the ``rounds`` command group."""
    app.cli.add_command(rounds_cli)
