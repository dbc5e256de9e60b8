"""Writes of judgements: save one (with its revision and audit event), refusing a stale edit or a verdict
against the data without a reason.

No Flask request state here: the views pass the user and the data's reading.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from survey_app.models import (
    JUDGEMENT_STATES,
    JUDGEMENT_STATUSES,
    Judgement,
    JudgementRevision,
    utcnow,
)

#: the fields a judgement keeps and its revisions record
FIELDS = ("status", "reasons", "strengths", "weaknesses", "recommendations", "state")


class JudgementRefused(ValueError):
    """The judgement cannot be saved as written; ``problems`` maps a field to its reason, in Italian."""

    def __init__(self, problems: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in problems.items()))
        self.problems = problems


class JudgementConflict(Exception):
    """Someone else saved the judgement after the page was opened; nothing was saved."""

    def __init__(self, current: Judgement):
        super().__init__(f"judgement {current.id} is at version {current.version}")
        self.current = current


@dataclass(frozen=True)
class JudgementInput:
    """What the evaluator wrote, and the version of the judgement the page showed (0: a new one)."""

    status: str
    reasons: str = ""
    strengths: str = ""
    weaknesses: str = ""
    recommendations: str = ""
    state: str = "to_review"
    edited_version: int = 0

    def values(self) -> dict:
        """The fields as stored: texts without surrounding blanks."""
        return {"status": self.status, "reasons": self.reasons.strip(), "strengths": self.strengths.strip(),
                "weaknesses": self.weaknesses.strip(), "recommendations": self.recommendations.strip(),
                "state": self.state}


def find_judgement(session: Session, plan_id: int, objective_id: str, indicator_id: str = "") -> Judgement | None:
    """The judgement of *objective_id* (``indicator_id`` empty) or of one of its indicators, if written."""
    return session.scalar(select(Judgement).where(
        Judgement.plan_id == plan_id, Judgement.objective_id == objective_id, Judgement.indicator_id == indicator_id))


def save_judgement(session: Session, plan, objective_id: str, indicator_id: str, given: JudgementInput, *,
                   suggested: str | None, user) -> Judgement:
    """Save the judgement of an objective or indicator as a new version, with its revision; audited.

    Nothing is committed here; saving the same text again changes nothing and records nothing.

    :param suggested: the data's reading (:mod:`survey_app.judgements.reading`), kept beside it.
    :raise JudgementRefused: an unknown status or state, or a status against the data's
        reading without reasons.
    :raise JudgementConflict: the judgement was saved by someone else after *given* was read.
    """
    from survey_app.audit import record

    values = given.values()
    problems = {}
    if values["status"] not in JUDGEMENT_STATUSES:
        problems["status"] = _("Scegli un giudizio.")
    if values["state"] not in JUDGEMENT_STATES:
        problems["state"] = _("Scegli se il giudizio è da rivedere o approvato.")
    if suggested and values["status"] in JUDGEMENT_STATUSES and values["status"] != suggested \
            and not values["reasons"]:
        problems["reasons"] = _("Il giudizio è diverso da quello che suggeriscono i dati: scrivi le ragioni.")
    if problems:
        raise JudgementRefused(problems)
    judgement = find_judgement(session, plan.id, objective_id, indicator_id)
    if judgement is not None and judgement.version != given.edited_version:
        raise JudgementConflict(judgement)
    if judgement is None and given.edited_version:
        raise JudgementRefused({"status": _("Il giudizio che stavi modificando non c'è più: ricarica la pagina.")})
    before = {name: getattr(judgement, name) for name in FIELDS} if judgement is not None else {}
    changed = [name for name in FIELDS if before.get(name) != values[name]]
    if judgement is not None and not changed and judgement.suggested_status == suggested:
        return judgement
    if judgement is None:
        judgement = Judgement(plan_id=plan.id, objective_id=objective_id, indicator_id=indicator_id, version=0)
        session.add(judgement)
    for name in FIELDS:
        setattr(judgement, name, values[name])
    judgement.suggested_status = suggested
    judgement.version += 1
    judgement.updated_by_id = getattr(user, "id", None)
    judgement.updated_at = utcnow()
    session.flush()
    session.add(JudgementRevision(judgement_id=judgement.id, version=judgement.version, values=values,
                                  changed=changed, saved_by_id=getattr(user, "id", None)))
    record(session, user, "judgement.save", judgement, plan=plan.id, objective=objective_id,
           indicator=indicator_id or None, version=judgement.version, status=values["status"],
           state=values["state"], changed=changed, suggested=suggested)
    return judgement
