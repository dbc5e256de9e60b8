"""Helpers shared by the features' ``flask`` commands."""

from __future__ import annotations

import click
from sqlalchemy import select

from survey_app.db import get_session
from survey_app.models import Ambito


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
