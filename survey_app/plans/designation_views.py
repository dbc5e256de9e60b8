"""The page of a plan's designated rounds: for each questionnaire indicator, the rounds "before"
and "after" of its verdict (default or chosen by an evaluator), the form to change them, and
the form naming the indicator's predecessor in the previous plan.

Thin views: reads in :mod:`survey_app.plans.queries`, checked and audited writes in
:mod:`survey_app.plans.operations`.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from survey_app.accounts.permissions import ambito_link_args, permission_required
from survey_app.db import get_session
from survey_app.models import Plan
from survey_app.plans.operations import DesignationError, designate_rounds, restore_default, set_predecessor
from survey_app.plans.queries import designated_rounds, predecessor_choices, previous_plan
from survey_app.rounds.forms import KIND_LABELS

bp = Blueprint("designation", __name__, url_prefix="/piani")


@bp.app_context_processor
def helpers():
    """The kind labels the designation macro needs on every page that shows it."""
    return {"designation_kind_labels": KIND_LABELS}


def plan_in_scope(plan_id: int) -> Plan:
    """The plan if the current user's Ambito may see it; 404 otherwise (no existence leak)."""
    plan = get_session().get(Plan, plan_id)
    if plan is None or (current_user.ambito_id is not None and plan.ambito_id != current_user.ambito_id):
        abort(404)
    return plan


def _round_id(value: str) -> int | None:
    value = (value or "").strip()
    if value in ("", "none"):
        return None
    if not value.isdigit():
        raise DesignationError(_("Rilevazione non valida."))
    return int(value)


@bp.get("/<int:plan_id>/designazioni")
@permission_required("plans.designate")
def designations(plan_id: int):
    """Every questionnaire indicator of the plan with its rounds and the forms to change them."""
    session = get_session()
    plan = plan_in_scope(plan_id)
    rows = designated_rounds(session, plan, with_choices=True)
    previous = previous_plan(session, plan)
    predecessors = {indicator_id: predecessor_choices(session, plan, row.indicator)
                    for indicator_id, row in rows.items()} if previous else {}
    return render_template("plans/designations.html", plan=plan, rows=list(rows.values()),
                           previous=previous, predecessors=predecessors,
                           ambito_args=ambito_link_args(plan.ambito))


@bp.post("/<int:plan_id>/designazioni")
@permission_required("plans.designate")
def change_designation(plan_id: int):
    """Store the rounds chosen for one indicator, or go back to the default ones."""
    session = get_session()
    plan = plan_in_scope(plan_id)
    indicator_id = request.form.get("indicator", "")
    try:
        if request.form.get("action") == "default":
            restore_default(session, plan, indicator_id, actor=current_user)
            message = _("Per l'indicatore si usano di nuovo le rilevazioni predefinite.")
        else:
            designate_rounds(session, plan, indicator_id, before_id=_round_id(request.form.get("before", "")),
                             after_id=_round_id(request.form.get("after", "")), actor=current_user)
            message = _("Rilevazioni designate salvate: il rapporto e i risultati le useranno.")
    except DesignationError as error:
        session.rollback()
        flash(str(error), "error")
        return redirect(_back(plan, indicator_id), code=303)
    session.commit()
    flash(message, "success")
    return redirect(_back(plan, indicator_id), code=303)


@bp.post("/<int:plan_id>/predecessore")
@permission_required("plans.designate")
def change_predecessor(plan_id: int):
    """Name or clear the predecessor of one indicator in the previous plan."""
    session = get_session()
    plan = plan_in_scope(plan_id)
    indicator_id = request.form.get("indicator", "")
    chosen = request.form.get("predecessor", "").strip() or None
    try:
        set_predecessor(session, plan, indicator_id, chosen, actor=current_user)
    except DesignationError as error:
        session.rollback()
        flash(str(error), "error")
        return redirect(_back(plan, indicator_id), code=303)
    session.commit()
    flash(_("Predecessore salvato.") if chosen else _("Predecessore tolto."), "success")
    return redirect(_back(plan, indicator_id), code=303)


def _back(plan: Plan, indicator_id: str) -> str:
    anchor = indicator_id if indicator_id.replace(".", "").replace("-", "").isalnum() else ""
    return url_for("designation.designations", plan_id=plan.id, **ambito_link_args(plan.ambito)) + \
        (f"#{anchor}" if anchor else "")
