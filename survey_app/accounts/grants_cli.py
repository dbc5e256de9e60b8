"""``flask users grant|revoke EMAIL --ambito CODE``: Ambiti an evaluator may see besides their own."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from survey_app.accounts.cli import users_cli
from survey_app.accounts.grants import grant, granted_ambiti, revoke
from survey_app.accounts.operations import AccountError, normalise_email
from survey_app.db import get_session
from survey_app.models import Ambito, User


def _user_and_ambito(session, email: str, ambito_code: str) -> tuple[User, Ambito]:
    user = session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None:
        raise click.UsageError(f"unknown user {email!r}")
    ambito = session.scalar(select(Ambito).where(Ambito.code == ambito_code))
    if ambito is None:
        raise click.UsageError(f"unknown Ambito {ambito_code!r}")
    return user, ambito


def _echo_scope(session, user: User) -> None:
    codes = ", ".join(a.code for a in granted_ambiti(session, user.id)) or "none"
    click.echo(f"{user.email} now also sees: {codes}.")


@users_cli.command("grant")
@click.argument("email")
@click.option("--ambito", "ambito_code", required=True, help="Code of the Ambito to grant.")
@with_appcontext
def grant_command(email: str, ambito_code: str) -> None:
    """Let the evaluator EMAIL see the results of another Ambito side by side with theirs."""
    session = get_session()
    user, ambito = _user_and_ambito(session, email, ambito_code)
    try:
        grant(session, user, ambito, actor="cli")
    except AccountError as exc:
        session.rollback()
        raise click.UsageError(str(exc)) from exc
    session.commit()
    _echo_scope(session, user)


@users_cli.command("revoke")
@click.argument("email")
@click.option("--ambito", "ambito_code", required=True, help="Code of the Ambito to withdraw.")
@with_appcontext
def revoke_command(email: str, ambito_code: str) -> None:
    """Withdraw a grant given with ``users grant``."""
    session = get_session()
    user, ambito = _user_and_ambito(session, email, ambito_code)
    if not revoke(session, user, ambito, actor="cli"):
        raise click.UsageError(f"{user.email} has no grant of {ambito.code}")
    session.commit()
    _echo_scope(session, user)
