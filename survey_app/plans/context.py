"""The plan a staff page works on, chosen with ``?piano=ID`` (the plan in force by default).

Web-only helpers (they read the request); the domain code takes the plan as an argument.
"""

from __future__ import annotations

from flask import render_template, request
from flask_babel import lazy_gettext as _l

from survey_app.db import get_session
from survey_app.models import Ambito, Plan
from survey_app.plans.queries import default_plan, plans_of

#: the query argument naming the plan
PLAN_ARG = "piano"
PLAN_STATUS_LABELS = {"draft": _l("bozza"), "in_force": _l("in vigore"), "closed": _l("concluso")}


class NoPlan(LookupError):
    """The Ambito has no plan yet: the page explains how to load one."""

    def __init__(self, ambito: Ambito):
        super().__init__(ambito.code)
        self.ambito = ambito


def current_plan(ambito: Ambito) -> Plan:
    """The plan of *ambito* named by ``?piano=``, else its default (:func:`default_plan`).

    A ``piano`` of another Ambito or unknown is ignored (no existence leak): the default is
    shown. :raise NoPlan: when the Ambito has no plan.
    """
    session = get_session()
    wanted = request.args.get(PLAN_ARG, "")
    if wanted.isdigit():
        plan = session.get(Plan, int(wanted))
        if plan is not None and plan.ambito_id == ambito.id:
            return plan
    plan = default_plan(session, ambito.id)
    if plan is None:
        raise NoPlan(ambito)
    return plan


def plan_of_objective_link(ambito: Ambito, objective_id: str) -> Plan | None:
    """For a link made before plans existed (no ``piano``): the plan it most likely meant.

    The default plan when it has the objective, else the most recent plan that has it.
    ``None`` when the link names a plan already, or no plan has the objective.
    """
    from survey_app.models import Objective

    if request.args.get(PLAN_ARG):
        return None
    session = get_session()
    candidates = [p for p in [default_plan(session, ambito.id)] + plans_of(session, ambito.id) if p]
    return next((p for p in candidates if session.get(Objective, (p.id, objective_id))), None)


def with_plan(plan: Plan) -> str:
    """The current URL with ``piano`` set to *plan* (the redirect of an old link)."""
    from urllib.parse import urlencode

    args = request.args.to_dict(flat=False)
    args[PLAN_ARG] = [str(plan.id)]
    return f"{request.path}?{urlencode(args, doseq=True)}"


def plan_choices(ambito: Ambito) -> list[Plan]:
    """The plans of the Ambito, for the plan selector."""
    return plans_of(get_session(), ambito.id)


def plan_link_args(plan: Plan) -> dict:
    """Query arguments keeping the chosen plan in links."""
    return {PLAN_ARG: plan.id}


def no_plan(error: NoPlan):
    return render_template("plans/no_plan.html", ambito=error.ambito), 404


def init_app(app) -> None:
    """Show :class:`NoPlan` as a page that says what to do."""
    app.register_error_handler(NoPlan, no_plan)
    app.jinja_env.globals["plan_status_label"] = lambda status: str(PLAN_STATUS_LABELS.get(status, status))
