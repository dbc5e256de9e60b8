"""``flask users ...`` commands."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from survey_app.accounts.operations import AccountError, create_user, generate_password
from survey_app.db import get_session
from survey_app.models import ROLES, Ambito


@click.group("users")
def users_cli() -> None:
    """Manage staff accounts."""


@users_cli.command("create")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--password", help="The password; prompted for when omitted (empty: generate one).")
@click.option("--ambito", "ambito_code", help="Ambito code; by default the only one, or none for admins.")
@with_appcontext
def create_command(email: str, role: str, password: str | None, ambito_code: str | None) -> None:
    """Create a user with EMAIL and a role: admin, operator or evaluator.

    Without --password the password is asked for; leaving it empty generates one, printed once.
    """
    session = get_session()
    if password is None:
        password = click.prompt("Password (empty: generate one)", hide_input=True, default="",
                                show_default=False, confirmation_prompt=True)
    generated = not password
    if generated:
        password = generate_password()
    ambiti = session.scalars(select(Ambito)).all()
    if ambito_code:
        ambito = next((a for a in ambiti if a.code == ambito_code), None)
        if ambito is None:
            raise click.UsageError(f"unknown Ambito {ambito_code!r}")
    else:
        ambito = ambiti[0] if len(ambiti) == 1 else None
    try:
        create_user(session, email, role, password, ambito=ambito, actor="cli")
    except AccountError as exc:
        session.rollback()
        raise click.UsageError(str(exc)) from exc
    session.commit()
    click.echo(f"Created {role} {email.strip().lower()}.")
    if generated:
        click.echo(f"Generated password (shown only now): {password}")


def init_app(app) -> None:
    app.cli.add_command(users_cli)
