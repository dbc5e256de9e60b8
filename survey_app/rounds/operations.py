"""Write operations on rounds."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey_app import audit
from survey_app.models import (
    ROUND_KINDS,
    Ambito,
    Comune,
    DistributionPoint,
    Panel,
    Round,
    User,
    utcnow,
)
from survey_app.questionnaires.operations import latest_version
from survey_app.rounds import shortcodes

#: bytes of randomness in a public token: 16 bytes = 128 bits
TOKEN_BYTES = 16


class RoundError(ValueError):
    """A round cannot be created or changed as asked; the message says why, in plain words."""


def new_public_token() -> str:
    """Return a fresh URL-safe token of 128 random bits."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def new_short_code(session: Session) -> str:
    """Return a short code that no round and no distribution point has yet."""
    while True:
        code = shortcodes.generate()
        taken = session.scalar(select(Round.id).where(Round.short_code == code)) or session.scalar(
            select(DistributionPoint.id).where(DistributionPoint.short_code == code))
        if not taken:
            return code


def open_round(
    session: Session,
    questionnaire_id: str,
    kind: str,
    *,
    ambito_code: str | None = None,
    comune: str | None = None,
    service: str | None = None,
    opens_at: datetime | None = None,
    closes_at: datetime | None = None,
    expected_respondents: int | None = None,
    status: str = "open",
    label: str | None = None,
    panel: Panel | None = None,
    actor: User | str | None = "cli",
) -> Round:
    """Create a round on the latest version of *questionnaire_id* and return it (not committed).

    :param ambito_code: the Ambito running the round; optional when only one exists.
    :param comune: scope the round to one comune, by name or code.
    :param service: scope the round to one service option id of the questionnaire.
    :param panel: make it a panel round: respondents enter a code of this panel.
    :param actor: who opens it, for the audit log.
    :raise RoundError: for an unknown questionnaire, kind, Ambito, comune or service, or
        inconsistent dates.
    """
    if kind not in ROUND_KINDS:
        raise RoundError(f"unknown kind {kind!r}; choose one of: {', '.join(ROUND_KINDS)}")
    version = latest_version(session, questionnaire_id)
    if version is None:
        raise RoundError(f"no questionnaire {questionnaire_id!r} is loaded; run 'questionnaires load'")
    ambito = _resolve_ambito(session, ambito_code)
    if panel is not None and panel.ambito_id != ambito.id:
        raise RoundError("the panel belongs to another Ambito")
    if opens_at and closes_at and closes_at <= opens_at:
        raise RoundError("the closing time must come after the opening time")
    if closes_at and closes_at <= utcnow() and status == "open":
        raise RoundError("the closing time is already past")
    if service is not None:
        questionnaire = version.questionnaire
        options = [o["id"] for o in (questionnaire.context_question("service") or {"options": []})["options"]]
        if service not in options:
            raise RoundError(f"unknown service {service!r} for {questionnaire_id}; choose one of: {', '.join(options)}")
    round_ = Round(
        ambito=ambito,
        questionnaire_version=version,
        kind=kind,
        status=status,
        opens_at=opens_at,
        closes_at=closes_at,
        comune=_resolve_comune(ambito, comune) if comune else None,
        service=service,
        expected_respondents=expected_respondents,
        public_token=new_public_token(),
        short_code=new_short_code(session),
        label=(label or "").strip()[:120] or None,
        panel=panel,
        created_by_id=actor.id if isinstance(actor, User) else None,
    )
    session.add(round_)
    session.flush()
    audit.record(session, actor, "round.create", round_, questionnaire=questionnaire_id,
                 version=version.version, kind=kind, status=status)
    return round_


def _resolve_ambito(session: Session, code: str | None) -> Ambito:
    ambiti = list(session.scalars(select(Ambito).order_by(Ambito.code)))
    if code is None:
        if len(ambiti) == 1:
            return ambiti[0]
        raise RoundError(f"name the Ambito; known: {', '.join(a.code for a in ambiti) or 'none'}")
    for ambito in ambiti:
        if ambito.code == code:
            return ambito
    raise RoundError(f"unknown Ambito {code!r}; known: {', '.join(a.code for a in ambiti) or 'none'}")


def _resolve_comune(ambito: Ambito, name_or_code: str) -> Comune:
    wanted = name_or_code.strip().lower()
    for comune in ambito.comuni:
        if wanted in (comune.code, comune.name.lower()):
            return comune
    raise RoundError(
        f"unknown comune {name_or_code!r} in {ambito.name}; known: {', '.join(c.name for c in ambito.comuni)}"
    )


#: the status changes an operator may make, from → allowed targets
STATUS_CHANGES = {
    "draft": ("open", "closed"),
    "open": ("paused", "closed"),
    "paused": ("open", "closed"),
    "closed": ("open",),
}


def set_status(session: Session, round_: Round, status: str, *, actor: User | str | None = "cli") -> Round:
    """Open, pause, close or reopen *round_* (not committed).

    Reopening a round whose closing time has passed clears that time, so it really reopens.

    :raise RoundError: for a change not in :data:`STATUS_CHANGES`.
    """
    if status not in STATUS_CHANGES.get(round_.status, ()):
        raise RoundError(f"a {round_.status} round cannot become {status}")
    previous = round_.status
    round_.status = status
    if status == "open" and round_.closes_at is not None and round_.closes_at <= utcnow():
        round_.closes_at = None
    session.flush()
    audit.record(session, actor, f"round.{status}", round_, previous=previous)
    return round_


def add_point(session: Session, round_: Round, label: str, *, actor: User | str | None = "cli") -> DistributionPoint:
    """Add a distribution point with its own public link to *round_* (not committed)."""
    label = " ".join(label.split())[:120]
    if not label:
        raise RoundError("give the distribution point a name")
    point = DistributionPoint(round=round_, label=label, public_token=new_public_token(),
                              short_code=new_short_code(session))
    session.add(point)
    session.flush()
    audit.record(session, actor, "point.create", round_, point_id=point.id, label=label)
    return point
