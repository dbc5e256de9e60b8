"""``flask users ...`` commands."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from flask_babel import force_locale
from sqlalchemy import select

from survey_app.accounts.operations import AccountError, create_user, generate_password
from survey_app.commands import ambito_option
from survey_app.db import get_session
from survey_app.models import ROLES, Ambito


@click.group("users")
def users_cli() -> None:
    """Manage staff accounts."""


@users_cli.command("create")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--password", help="The password; prompted for when omitted (empty: generate one).")
@click.option("--ambito", "ambito_code", help="Ambito code; may be left out when there is only one.")
@click.option("--all-ambiti", is_flag=True, help="An admin of the whole installation, who sees every Ambito.")
@with_appcontext
def create_command(email: str, role: str, password: str | None, ambito_code: str | None, all_ambiti: bool) -> None:
    """Create a user with EMAIL and a role: admin, operator or evaluator.

    Every user belongs to an Ambito (--ambito, or the only one); only an admin may instead see
    every Ambito, and only when asked for with --all-ambiti. Without --password the password is
    asked for; leaving it empty generates one, printed once.
    """
    session = get_session()
    ambiti = session.scalars(select(Ambito).order_by(Ambito.code)).all()
    ambito = _ambito_for(ambiti, ambito_code, all_ambiti, role)
    if password is None:
        password = click.prompt("Password (empty: generate one)", hide_input=True, default="",
                                show_default=False, confirmation_prompt=True)
    generated = not password
    if generated:
        password = generate_password()
    try:
        create_user(session, email, role, password, ambito=ambito, all_ambiti=all_ambiti, actor="cli")
    except AccountError as exc:
        session.rollback()
        with force_locale("en"):
            raise click.UsageError(str(exc)) from exc
    session.commit()
    click.echo(f"Created {role} {email.strip().lower()}.")
    if generated:
        click.echo(f"Generated password (shown only now): {password}")


def _ambito_for(ambiti: list[Ambito], code: str | None, all_ambiti: bool, role: str) -> Ambito | None:
    """The Ambito asked for: --ambito, else the only one; refuse (exit 1) a user left without."""
    if all_ambiti:
        if role != "admin" or code:
            raise click.ClickException("--all-ambiti is for admins only, and excludes --ambito")
        return None
    if code or len(ambiti) == 1:
        return ambito_option(code)
    if not ambiti:
        hint = "no Ambito exists yet: run `flask --app survey_app questionnaires load` first"
    else:
        hint = f"there are several Ambiti, choose one with --ambito ({', '.join(a.code for a in ambiti)})"
    if role == "admin":
        hint += ", or give an installation-wide admin --all-ambiti"
    raise click.ClickException(f"every {role} needs an Ambito: {hint}")


def init_app(app) -> None:
    from survey_app.accounts import grants_cli  # noqa: F401  (adds grant and revoke)

    app.cli.add_command(users_cli)
