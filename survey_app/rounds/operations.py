"""Write operations on rounds: opening and changing them, their points, importing answers collected offline."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
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
    Response,
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


class OfflineImportRejected(ValueError):
    """An import of answers collected offline stored nothing; ``problems`` says why, one per line."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass(frozen=True)
class OfflineImportSummary:
    """What an import stored, or would store with ``dry_run``."""

    rows: int
    stored: int
    already_stored: int
    dry_run: bool


#: submission ids looked up per query: well under every backend's limit of bound parameters
_LOOKUP_CHUNK = 500


def import_offline_answers(session: Session, round_: Round, filename: str, data: bytes, *,
                           actor: User | str | None = "cli", dry_run: bool = False) -> OfflineImportSummary:
    """Store the answers of an ODK Collect / KoboToolbox CSV export of *round_*'s XLSForm, channel ``odk``.

    All or nothing: every row is checked (by :mod:`survey_app.rounds.offline`, then by the
    round's questionnaire form, as a typed-in paper questionnaire is) and the rows are added to
    the session only when none is wrong. A submission already stored with the same answers is
    counted, not stored again. The caller commits (or, after a dry run, rolls back).

    :raise OfflineImportRejected: with every problem; nothing was added to the session.
    :raise sqlalchemy.exc.IntegrityError: when another import stored one of these submissions meanwhile.
    """
    from survey_app.forms.questionnaire import submission_from_form
    from survey_app.respond.round_form import round_form
    from survey_app.respond.submission import current_hour, insert_submission
    from survey_app.rounds.offline import ImportProblem, RoundScope, read_export

    def refuse(reason: str):
        return OfflineImportRejected([ImportProblem(filename, None, None, reason)])

    if round_.availability() == "closed":
        # as for paper: not stored as late, the analysis would count it in a period it does not belong to
        raise refuse(_("la rilevazione è chiusa: non si possono importare risposte. Se vanno contate, riapri "
                       "la rilevazione, importa il file e poi chiudila di nuovo"))
    if round_.is_panel:
        raise refuse(_("è una rilevazione con tessere (panel): il questionario XLSForm non chiede il codice "
                       "della tessera, quindi queste risposte non si possono abbinare; inseriscile a mano"))
    questionnaire = round_.questionnaire_version.questionnaire
    comuni = {code: comune_id for code, comune_id in session.execute(
        select(Comune.code, Comune.id).where(Comune.ambito_id == round_.ambito_id))}
    scope = RoundScope(questionnaire, comuni, round_.comune.code if round_.comune is not None else None,
                       round_.service)
    read = read_export(filename, data, scope)
    problems = list(read.problems)
    parts = round_form(session, round_)
    submissions = []
    for row in read.rows:
        form = parts.build("it", row.formdata, csrf=False)
        if not form.validate():
            for name, messages in form.errors.items():
                for message in messages:
                    problems.append(ImportProblem(filename, row.line, row.columns.get(name, name), str(message)))
            continue
        submissions.append((row, submission_from_form(
            form, questionnaire, language="it", channel="odk", comune_id=round_.comune_id, service=round_.service)))
    stored = {}
    ids = [submission.submission_id for _row, submission in submissions]
    for start in range(0, len(ids), _LOOKUP_CHUNK):
        stored.update({found.submission_id: found for found in session.execute(
            select(Response.submission_id, Response.round_id, Response.payload_hash)
            .where(Response.submission_id.in_(ids[start:start + _LOOKUP_CHUNK])))})
    new = []
    for row, submission in submissions:
        existing = stored.get(submission.submission_id)
        if existing is None:
            new.append(submission)
        elif existing.round_id != round_.id:
            problems.append(ImportProblem(filename, row.line, None, _(
                "questo invio è già salvato in un'altra rilevazione: il file non è di questa rilevazione")))
        elif existing.payload_hash != submission.payload_hash():
            problems.append(ImportProblem(filename, row.line, None, _(
                "questo invio è già salvato con risposte diverse: il file è stato modificato dopo "
                "l'esportazione?")))
    if problems:
        problems.sort(key=lambda p: (p.line or 0, p.column or ""))
        raise OfflineImportRejected(problems)
    summary = OfflineImportSummary(len(submissions), len(new), len(submissions) - len(new), dry_run)
    if dry_run:
        return summary
    # the hour of the import, as a paper questionnaire gets the hour it is typed in: the device's
    # clock is not trusted, and no channel keeps a finer time than the hour
    hour = current_hour()
    for submission in new:
        insert_submission(session, round_.id, submission, hour)
    audit.record(session, actor, "responses.import_odk", round_, file=filename[:200], rows=summary.rows,
                 stored=summary.stored, already_stored=summary.already_stored)
    return summary
