"""Helpers shared by the features' ``flask`` commands."""

from __future__ import annotations

import click
from sqlalchemy import select

from survey_app.db import get_session
from survey_app.models import Ambito, Plan


def ambito_option(code: str | None) -> Ambito:
    """Return the Ambito named by a command's ``--ambito`` (optional when there is only one).

    :raise click.UsageError: naming the known codes, when *code* is unknown or missing.
    """
    ambiti = list(get_session().scalars(select(Ambito).order_by(Ambito.code)))
    if code is None and len(ambiti) == 1:
        return ambiti[0]
    for ambito in ambiti:
        if ambito.code == code:
            return ambito
    known = ", ".join(a.code for a in ambiti) or "none"
    raise click.UsageError(f"name the Ambito with --ambito; known: {known}" if code is None
                           else f"unknown Ambito {code!r}; known: {known}")


def plan_option(ambito: Ambito, reference: str | None) -> Plan:
    """Return the plan named by a command's ``--plan`` (id or code), or the Ambito's default:
    the plan in force, else the most recent.

    :raise click.UsageError: naming the Ambito's plans, when *reference* is unknown or the
        Ambito has no plan.
    """
    from survey_app.plans.queries import default_plan, plans_of

    session = get_session()
    plans = plans_of(session, ambito.id)
    if reference is None:
        plan = default_plan(session, ambito.id)
        if plan is not None:
            return plan
    for plan in plans:
        if reference in (str(plan.id), plan.code):
            return plan
    known = ", ".join(p.code for p in plans) or "none (load one with 'plans import')"
    raise click.UsageError(f"unknown plan {reference!r} in {ambito.code}; known: {known}" if reference
                           else f"{ambito.code} has no plan; known: {known}")


def refuse_file(problems) -> None:
    """Print each problem of a refused file on its own line (stderr), then exit with status 1.

    The caller rolled back: an import is all or nothing.
    """
    for problem in problems:
        click.echo(str(problem), err=True)
    click.echo(f"{len(problems)} problem(s): nothing imported.", err=True)
    raise SystemExit(1)
