"""Shared by the plan tests: the example files, a canonical dump of a plan's rows."""

from __future__ import annotations

import json

from sqlalchemy import select

from survey_app.models import Indicator, Objective, Plan, QuestionnaireLink
from survey_app.plans.fileformat import questionnaire_measures, read_plan_file
from survey_app.questionnaires.definition import DEFAULT_DIRECTORY

EXAMPLES = DEFAULT_DIRECTORY / "plans"
ALTO_SEBINO = EXAMPLES / "alto-sebino-2025-2027-esempio.json"
OTHER_AMBITO = EXAMPLES / "ambito-di-esempio-2025-2027.json"
QUESTIONNAIRES = questionnaire_measures()


def example(path=ALTO_SEBINO) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def parsed(data: dict, name: str = "piano.json"):
    return read_plan_file(name, json.dumps(data).encode(), QUESTIONNAIRES)


def dump(session, plan: Plan) -> dict:
    """Every row of *plan*, without its database id: two plans with equal dumps are the same plan."""
    codes = dict(session.execute(select(Plan.id, Plan.code)).all())
    return {
        "plan": {c: getattr(plan, c) for c in ("code", "title", "first_year", "last_year", "status", "approval_act",
                                                "document_url")},
        "objectives": sorted(
            (o.id, o.chapter, o.level, o.macroarea, o.title, o.description, json.dumps(o.detail, sort_keys=True))
            for o in session.scalars(select(Objective).where(Objective.plan_id == plan.id))),
        "indicators": sorted(
            (i.id, i.objective_id, i.kind, i.position, i.text, i.target, i.via_questionnaire, i.respondents,
             json.dumps(i.timing), codes.get(i.predecessor_plan_id), i.predecessor_id)
            for i in session.scalars(select(Indicator).where(Indicator.plan_id == plan.id))),
        "links": sorted(
            (k.indicator_id, k.questionnaire_id, k.measure)
            for k in session.scalars(select(QuestionnaireLink).where(QuestionnaireLink.plan_id == plan.id))),
    }
