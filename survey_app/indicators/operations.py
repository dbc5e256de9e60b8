"""Writing semestral indicator values: one from the form, or a whole checked file.

Nothing here commits: the caller commits once, so a file is stored whole or not at all.
Every write goes to the audit log:

* ``indicator.record``: a new value typed in the form or given on the command line;
* ``indicator.correct``: a value changed (from the form or a file), with the ``old`` and
  ``new`` value, kind, source and note, so the log is the value's history;
* ``indicator.import``: a file stored, with its name, format and counts, and the ids of the
  values it created (one event per file rather than one per new value);
* ``indicator.delete``: a value removed (entered by mistake), with the ``old`` value, kind,
  source and note, so the log keeps what was deleted.

Storing the same value again changes nothing and writes nothing (re-importing a file is
idempotent). A file row is the whole new state of its value: an empty source or note
clears the stored one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from survey_app import audit
from survey_app.indicators.importing import KIND_FILE_CODES, RowError, ValueRow
from survey_app.models import Ambito, Comune, Indicator, IndicatorValue, User, utcnow


class IndicatorValueError(ValueError):
    """A value cannot be stored; ``str(exc)`` says why and ``field`` which form field is wrong."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class ValueExists(IndicatorValueError):
    """A different value is already stored: the user must see it and confirm the correction."""

    def __init__(self, existing: IndicatorValue):
        super().__init__(_("C'è già un valore per questo indicatore, semestre e Comune."), "value")
        self.existing = existing


class ValueChangedSince(IndicatorValueError):
    """The value was corrected after the user saw it: they must see the new one first."""

    def __init__(self, current: IndicatorValue):
        super().__init__(_("Il valore è stato corretto nel frattempo: controlla quello nuovo."), "value")
        self.current = current


class ImportRejected(ValueError):
    """The file's rows conflict with stored values; nothing was written."""

    def __init__(self, errors: list[RowError]):
        super().__init__(f"{len(errors)} errors")
        self.errors = errors


@dataclass(frozen=True)
class Outcome:
    """What storing one value did: ``created``, ``corrected`` or ``unchanged``."""

    value: IndicatorValue
    status: str
    #: the value before a correction (as in the audit log)
    previous: dict | None = None


@dataclass
class ImportSummary:
    """What a file changed."""

    created: int = 0
    corrected: int = 0
    unchanged: int = 0
    outcomes: list[Outcome] = field(default_factory=list)


#: what :func:`revision_token` returns: value id, revision, creation time to the microsecond
REVISION_TOKEN = re.compile(r"(\d+)\.(\d+)\.(\d{20})")


def revision_token(value: IndicatorValue) -> str:
    """The token a form carries to confirm it corrects or deletes exactly this version of *value*.

    The creation time is part of it: SQLite may give a deleted value's id to the next value
    stored, and a form showing the deleted one must not act on its successor.
    """
    return f"{value.id}.{value.revision}.{value.created_at:%Y%m%d%H%M%S%f}"


def value_id_of(token: str) -> int | None:
    """Return the value id in a :func:`revision_token`, or ``None`` if *token* is not one."""
    match = REVISION_TOKEN.fullmatch(token or "")
    return int(match.group(1)) if match else None


def record_value(session: Session, plan: Plan, row: ValueRow, *, actor: User | str | None,
                 replaces: str | None = None, via: str = "form") -> Outcome:
    """Store one value typed by a user (not committed).

    :param replaces: the :func:`revision_token` of the stored value the user saw and wants to
        correct; a different value already stored without it (or changed since) raises
        :class:`ValueExists`. ``"*"`` corrects without asking (the command line).
    :raise IndicatorValueError: for an indicator measured by questionnaire or unknown, a comune
        outside the Ambito, or a kind different from the indicator's other values.
    """
    _check_indicator(session, plan, row.indicator_id)
    comune = _comune_of(session, plan.ambito, row.comune)
    existing = _existing(session, plan, [row.indicator_id]).get(row.key)
    conflict = _kind_conflict(session, plan, row.indicator_id, row.kind, skip={row.key})
    if conflict is not None:
        raise IndicatorValueError(_kind_message(conflict), "kind")
    if existing is not None and not _same(existing, row) and replaces not in ("*", revision_token(existing)):
        raise ValueExists(existing)
    return _store(session, plan, row, comune, existing, actor=actor, via=via)


def import_rows(session: Session, plan: Plan, rows: list[ValueRow], *, actor: User | str | None,
                filename: str, file_format: str) -> ImportSummary:
    """Store every row of a checked file (not committed): all of them, or none.

    :raise ImportRejected: when a row's kind differs from values of its indicator already
        stored (and not corrected by the file); nothing is written then.
    """
    indicator_ids = sorted({row.indicator_id for row in rows})
    existing = _existing(session, plan, indicator_ids)
    keys = {row.key for row in rows}
    errors = []
    first_rows: dict[str, ValueRow] = {}
    for row in rows:
        first_rows.setdefault(row.indicator_id, row)
    for indicator_id, row in first_rows.items():
        conflict = next((v for key, v in sorted(existing.items(), key=lambda kv: kv[0][1])
                         if key[0] == indicator_id and key not in keys and v.value_kind != row.kind), None)
        if conflict is not None:
            errors.append(RowError(row.line, "tipo", _kind_message(conflict)))
    if errors:
        raise ImportRejected(errors)
    comuni = {c.code: c for c in plan.ambito.comuni}
    summary = ImportSummary()
    for row in rows:
        outcome = _store(session, plan, row, comuni.get(row.comune) if row.comune else None,
                         existing.get(row.key), actor=actor, via="import", filename=filename)
        summary.outcomes.append(outcome)
        setattr(summary, outcome.status, getattr(summary, outcome.status) + 1)
    event = audit.record(
        session, actor, "indicator.import", None, file=filename, format=file_format, rows=len(rows),
        created=summary.created, corrected=summary.corrected, unchanged=summary.unchanged,
        created_ids=[o.value.id for o in summary.outcomes if o.status == "created"], plan=plan.code)
    event.ambito_id = plan.ambito_id
    return summary


def delete_value(session: Session, value: IndicatorValue, seen_revision: str, *,
                 actor: User | str | None) -> None:
    """Delete *value*, entered by mistake (not committed); the audit log keeps what it was.

    :param seen_revision: the :func:`revision_token` of the value the user saw and confirmed.
    :raise ValueChangedSince: when the value was corrected since then; nothing is deleted.
    """
    if seen_revision != revision_token(value):
        raise ValueChangedSince(value)
    comune = session.get(Comune, value.comune_id) if value.comune_id else None
    event = audit.record(session, actor, "indicator.delete", value, indicator=value.indicator_id,
                         semester=value.semester, comune=comune.code if comune else None,
                         old={**_state(value), "revision": value.revision})
    event.ambito_id = value.ambito_id
    session.delete(value)
    session.flush()


# --- internals ---------------------------------------------------------------------------------

def _store(session: Session, plan: Plan, row: ValueRow, comune: Comune | None,
           existing: IndicatorValue | None, *, actor, via: str, filename: str | None = None) -> Outcome:
    user_id = actor.id if isinstance(actor, User) else None
    origin = {"via": via, "file": filename, "line": row.line if filename else None}
    if existing is None:
        value = IndicatorValue(ambito_id=plan.ambito_id, plan_id=plan.id, indicator_id=row.indicator_id,
                               semester=row.semester,
                               comune_id=comune.id if comune else None, created_by_id=user_id,
                               updated_by_id=user_id)
        _assign(value, row)
        session.add(value)
        session.flush()
        if via != "import":
            event = audit.record(session, actor, "indicator.record", value, indicator=row.indicator_id,
                                 semester=row.semester, comune=row.comune, **_state(value), **origin)
            event.ambito_id = plan.ambito_id
        return Outcome(value, "created")
    if _same(existing, row):
        return Outcome(existing, "unchanged")
    previous = {**_state(existing), "revision": existing.revision}
    _assign(existing, row)
    existing.revision += 1
    existing.updated_at = utcnow()
    existing.updated_by_id = user_id
    session.flush()
    event = audit.record(session, actor, "indicator.correct", existing, indicator=row.indicator_id,
                         semester=row.semester, comune=row.comune, old=previous,
                         new={**_state(existing), "revision": existing.revision}, **origin)
    event.ambito_id = plan.ambito_id
    return Outcome(existing, "corrected", previous)


def _assign(value: IndicatorValue, row: ValueRow) -> None:
    value.value_kind = row.kind
    value.value_number = float(row.value) if row.kind in ("number", "percent") else None
    value.value_flag = bool(row.value) if row.kind == "yes_no" else None
    value.value_text = str(row.value) if row.kind == "text" else None
    value.source, value.note = row.source, row.note


def _state(value: IndicatorValue) -> dict:
    return {"kind": KIND_FILE_CODES[value.value_kind], "value": value.value, "source": value.source,
            "note": value.note}


def _same(value: IndicatorValue, row: ValueRow) -> bool:
    return (value.value_kind == row.kind and value.value == row.value
            and value.source == row.source and value.note == row.note)


def _check_indicator(session: Session, plan: Plan, indicator_id: str) -> Indicator:
    indicator = session.get(Indicator, (plan.id, indicator_id))
    if indicator is None:
        raise IndicatorValueError(_("Indicatore «%(id)s» sconosciuto.", id=indicator_id), "indicator")
    if indicator.via_questionnaire:
        raise IndicatorValueError(_("L'indicatore %(id)s si misura tramite questionario: i suoi valori vengono "
                                    "dalle rilevazioni e non si registrano qui.", id=indicator_id), "indicator")
    return indicator


def _comune_of(session: Session, ambito: Ambito, code: str | None) -> Comune | None:
    if code is None:
        return None
    comune = session.scalar(select(Comune).where(Comune.ambito_id == ambito.id, Comune.code == code))
    if comune is None:
        raise IndicatorValueError(_("Comune «%(code)s» sconosciuto nell'Ambito %(ambito)s.", code=code,
                                    ambito=ambito.name), "comune")
    return comune


def _existing(session: Session, plan: Plan, indicator_ids: list[str]) -> dict[tuple, IndicatorValue]:
    """The stored values of *indicator_ids* in the plan, by (indicator, semester, comune code)."""
    found = {}
    query = (select(IndicatorValue, Comune.code).outerjoin(Comune, IndicatorValue.comune_id == Comune.id)
             .where(IndicatorValue.plan_id == plan.id, IndicatorValue.indicator_id.in_(indicator_ids)))
    for value, comune_code in session.execute(query):
        found[(value.indicator_id, value.semester, comune_code)] = value
    return found


def _kind_conflict(session: Session, plan: Plan, indicator_id: str, kind: str,
                   skip: set[tuple]) -> IndicatorValue | None:
    """A stored value of the indicator with another kind, other than those about to be replaced."""
    by_key = _existing(session, plan, [indicator_id])
    others = sorted((v for key, v in by_key.items() if key not in skip and v.value_kind != kind),
                    key=lambda v: v.semester)
    return others[0] if others else None


def _kind_message(conflict: IndicatorValue) -> str:
    return _("l'indicatore ha già valori di tipo «%(kind)s» (per esempio %(semester)s): usa lo stesso tipo, "
             "oppure correggi prima quei valori", kind=KIND_FILE_CODES[conflict.value_kind],
             semester=conflict.semester)

