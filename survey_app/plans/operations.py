"""Writes about a plan's indicators: the rounds an evaluator designates for a verdict, and the
predecessor an indicator names in the previous plan of its Ambito.

Each change is checked here (whatever page or command asks for it) and recorded in the audit
log with its old and new values. Nothing is committed: the caller commits.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from survey_app import audit
from survey_app.models import Indicator, Plan, QuestionnaireLink, Round, RoundDesignation, User
from survey_app.plans.queries import eligible_rounds, plan_rounds, previous_plan


class DesignationError(ValueError):
    """A designation or predecessor that cannot be stored; the message (translatable) is for the page."""


def _questionnaires_of(session: Session, plan: Plan, indicator_id: str) -> set[str]:
    return set(session.scalars(select(QuestionnaireLink.questionnaire_id).where(
        QuestionnaireLink.plan_id == plan.id, QuestionnaireLink.indicator_id == indicator_id)))


def _pair(designation: RoundDesignation | None) -> dict:
    """The audit log's view of a designation: round ids, or ``default``."""
    if designation is None:
        return {"origin": "default"}
    return {"origin": "explicit", "before": designation.before_round_id, "after": designation.after_round_id}


def designate_rounds(session: Session, plan: Plan, indicator_id: str, *, before_id: int | None,
                     after_id: int | None, actor: User | str | None) -> RoundDesignation:
    """Make rounds *before_id* and *after_id* the designated rounds of an indicator of *plan*.

    *after_id* is required; *before_id* may be ``None`` (no comparison: the verdict reads the
    *after* alone). Both must be closed rounds of *plan* of a questionnaire linked to the
    indicator, the *before* earlier than the *after*.

    :raise DesignationError: for an indicator not measured by questionnaire in the plan, a round
        of another plan or questionnaire, an open round, or a *before* not before the *after*.
    """
    questionnaires = _questionnaires_of(session, plan, indicator_id)
    if not questionnaires:
        raise DesignationError(_l("L'indicatore non è misurato da un questionario in questo Piano."))
    if after_id is None:
        raise DesignationError(_l("Scegli la rilevazione «dopo»."))
    allowed = {r.id: r for r in eligible_rounds(plan_rounds(session, plan.id), questionnaires)}
    for round_id in (before_id, after_id):
        if round_id is None or round_id in allowed:
            continue
        round_ = session.get(Round, round_id)
        if round_ is not None and round_.plan_id == plan.id and \
                round_.questionnaire_version.questionnaire_id in questionnaires:
            raise DesignationError(_l("Una rilevazione ancora aperta non può essere designata: "
                                   "si possono scegliere solo rilevazioni chiuse."))
        raise DesignationError(_l("La rilevazione scelta non è una rilevazione chiusa di questo Piano "
                               "con un questionario che misura l'indicatore."))
    if before_id is not None:
        before, after = allowed[before_id], allowed[after_id]
        if before_id == after_id:
            raise DesignationError(_l("Le rilevazioni «prima» e «dopo» devono essere diverse."))
        if _when(before) > _when(after):
            raise DesignationError(_l("La rilevazione «prima» deve essere precedente alla rilevazione «dopo»."))
    designation = session.get(RoundDesignation, (plan.id, indicator_id))
    old = _pair(designation)
    if designation is None:
        designation = RoundDesignation(plan_id=plan.id, indicator_id=indicator_id)
        session.add(designation)
    designation.before_round_id = before_id
    designation.after_round_id = after_id
    designation.designated_by_id = actor.id if isinstance(actor, User) else None
    designation.designated_at = _now()
    session.flush()
    audit.record(session, actor, "plan.designation", plan, indicator=indicator_id,
                 old=old, new=_pair(designation))
    return designation


def restore_default(session: Session, plan: Plan, indicator_id: str, *,
                    actor: User | str | None) -> bool:
    """Drop the explicit designation of an indicator: the default rules apply again.

    :return: whether there was one (nothing is recorded otherwise).
    """
    designation = session.get(RoundDesignation, (plan.id, indicator_id))
    if designation is None:
        return False
    old = _pair(designation)
    session.delete(designation)
    session.flush()
    audit.record(session, actor, "plan.designation", plan, indicator=indicator_id,
                 old=old, new=_pair(None))
    return True


def set_predecessor(session: Session, plan: Plan, indicator_id: str, predecessor_id: str | None, *,
                    actor: User | str | None) -> Indicator:
    """Name (or clear, with ``None``) the predecessor of an indicator of *plan*: an indicator
    of the previous plan of the same Ambito (:func:`~survey_app.plans.queries.previous_plan`).

    :raise DesignationError: for an unknown indicator, no previous plan, or a predecessor not
        in the previous plan.
    """
    indicator = session.get(Indicator, (plan.id, indicator_id))
    if indicator is None:
        raise DesignationError(_l("Indicatore sconosciuto in questo Piano."))
    old = _predecessor_ref(indicator)
    if predecessor_id is None:
        indicator.predecessor_plan_id = indicator.predecessor_id = None
    else:
        previous = previous_plan(session, plan)
        if previous is None:
            raise DesignationError(_l("L'Ambito non ha un Piano precedente a questo."))
        if session.get(Indicator, (previous.id, predecessor_id)) is None:
            raise DesignationError(_l("Il predecessore deve essere un indicatore del Piano precedente "
                                   "dello stesso Ambito."))
        indicator.predecessor_plan_id, indicator.predecessor_id = previous.id, predecessor_id
    new = _predecessor_ref(indicator)
    session.flush()
    if old != new:
        audit.record(session, actor, "plan.predecessor", plan, indicator=indicator_id,
                     old=old or "none", new=new or "none")
    return indicator


def _predecessor_ref(indicator: Indicator) -> str | None:
    if indicator.predecessor_plan_id is None:
        return None
    return f"{indicator.predecessor_plan_id}/{indicator.predecessor_id}"


def _when(round_: Round):
    return round_.closes_at or round_.opens_at or round_.created_at


def _now():
    from survey_app.models.base import utcnow

    return utcnow()
