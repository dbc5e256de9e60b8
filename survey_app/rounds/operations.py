"""Write operations on rounds."""

from __future__ import annotations

import secrets
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from survey_app import audit
from survey_app.models import (
    ROUND_KINDS,
    Ambito,
    Comune,
    DistributionPoint,
    Panel,
    Plan,
    Round,
    User,
    utcnow,
)
from survey_app.plans.queries import plan_for_date, plan_period_contains, plans_of
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
    plan: Plan | None = None,
    follow_up: bool = False,
    actor: User | str | None = "cli",
) -> Round:
    """Create a round on the latest version of *questionnaire_id* and return it (not committed).

    :param ambito_code: the Ambito running the round; optional when only one exists.
    :param comune: scope the round to one comune, by name or code.
    :param service: scope the round to one service option id of the questionnaire.
    :param panel: make it a panel round: respondents enter a code of this panel.
    :param plan: the plan the round serves; by default the Ambito's plan whose period contains
        the opening date (today when none is given). See :func:`check_round_in_plan`.
    :param follow_up: the round follows up a closed plan after its period (asked explicitly).
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
    plan = _resolve_plan(session, ambito, plan, opens_at or utcnow(), follow_up)
    check_round_in_plan(plan, opens_at or utcnow(), follow_up)
    if closes_at and closes_at <= utcnow() and status == "open":
        raise RoundError("the closing time is already past")
    if service is not None:
        questionnaire = version.questionnaire
        options = [o["id"] for o in (questionnaire.context_question("service") or {"options": []})["options"]]
        if service not in options:
            raise RoundError(f"unknown service {service!r} for {questionnaire_id}; choose one of: {', '.join(options)}")
    round_ = Round(
        ambito=ambito,
        plan=plan,
        is_follow_up=follow_up,
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
                 version=version.version, kind=kind, status=status, plan=plan.code,
                 follow_up=follow_up or None)
    return round_


def _resolve_plan(session: Session, ambito: Ambito, plan: Plan | None, start: datetime,
                  follow_up: bool) -> Plan:
    if plan is not None:
        if plan.ambito_id != ambito.id:
            raise RoundError(_("Il Piano scelto appartiene a un altro Ambito."))
        return plan
    found = plan_for_date(session, ambito.id, start)
    if found is None and follow_up:
        ended = [p for p in plans_of(session, ambito.id) if p.status == "closed" and p.last_year < start.year]
        found = ended[0] if ended else None
    if found is None:
        raise RoundError(_(
            "Nessun Piano di Zona di %(ambito)s copre il %(year)s: carica il Piano in vigore "
            "(Amministrazione → Piani) oppure apri la rilevazione come follow-up di un Piano chiuso.",
            ambito=ambito.name, year=start.year))
    return found


def check_round_in_plan(plan: Plan, start: datetime, follow_up: bool) -> None:
    """Refuse a round outside its plan's period, unless it is an explicit follow-up.

    A round belongs to the plan in whose years it opens; when it closes is the operators'
    choice (an *ex post* of the last months may well close the year after). A follow-up
    belongs to a closed plan and opens after its period.

    :raise RoundError: with the reason, in the operator's language.
    """
    if follow_up:
        if plan.status != "closed" or start.year <= plan.last_year:
            raise RoundError(_(
                "Un follow-up si apre dopo la fine di un Piano chiuso: %(plan)s (%(period)s) non lo è.",
                plan=plan.title, period=plan.period))
        return
    if not plan_period_contains(plan, start):
        raise RoundError(_(
            "La rilevazione inizia nel %(year)s, fuori dal periodo di %(plan)s (%(period)s). "
            "Scegli il Piano giusto, oppure, se il Piano è chiuso, apri la rilevazione come follow-up.",
            year=start.year, plan=plan.title, period=plan.period))


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
