"""Writing a stored plan back as a plan file (JSON or XLSX), and naming plans on the command line.

Reads only. :func:`plan_data` rebuilds the file from the plan's rows: the header, each
objective's columns and the keys kept in ``Objective.detail``, each indicator's columns with
its id written out, its questionnaire links and its predecessor. Importing the result gives
the same rows (the round trip is tested). Objectives come in the order of their chapter,
then of their id: the rows keep no other order.
"""

from __future__ import annotations

import json
import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey_app.models import Ambito, Indicator, Objective, Plan, QuestionnaireLink, Round
from survey_app.plan.catalog import INDICATOR_KINDS
from survey_app.plans.fileformat import FORMAT, INDICATOR_FIELDS, OBJECTIVE_FIELDS


def find_plan(session: Session, reference: str) -> Plan | None:
    """Return the plan named by its numeric id or by ``AMBITO/CODE`` (``alto-sebino/pdz-2025-2027``)."""
    reference = reference.strip()
    if reference.isdigit():
        return session.get(Plan, int(reference))
    ambito_code, _sep, code = reference.partition("/")
    return session.scalar(select(Plan).join(Ambito).where(Ambito.code == ambito_code, Plan.code == code))


def _natural(text: str) -> list:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text or "")]


def _stored_entry(detail: dict, kind: str, position: int) -> dict:
    """The file entry an indicator was read from, as kept in its objective's detail."""
    listed = (detail or {}).get(f"{kind}_indicators") or []
    raw = listed[position - 1] if 0 < position <= len(listed) else None
    return raw if isinstance(raw, dict) else {}


def plan_data(session: Session, plan: Plan) -> dict:
    """Return *plan* as the data of a JSON plan file (format 1)."""
    header = {"code": plan.code, "title": plan.title, "first_year": plan.first_year, "last_year": plan.last_year,
              "status": plan.status}
    for name in ("approval_act", "document_url"):
        if getattr(plan, name):
            header[name] = getattr(plan, name)
    links: dict[str, list] = {}
    for link in session.scalars(select(QuestionnaireLink).where(QuestionnaireLink.plan_id == plan.id)
                                .order_by(QuestionnaireLink.questionnaire_id)):
        links.setdefault(link.indicator_id, []).append({"questionnaire": link.questionnaire_id,
                                                        "measure": link.measure})
    codes = dict(session.execute(select(Plan.id, Plan.code).where(Plan.ambito_id == plan.ambito_id)).all())
    objectives = list(session.scalars(select(Objective).where(Objective.plan_id == plan.id)))
    objectives.sort(key=lambda o: (_natural(o.chapter), o.id))
    indicators: dict[str, list[Indicator]] = {}
    for indicator in session.scalars(select(Indicator).where(Indicator.plan_id == plan.id)
                                     .order_by(Indicator.kind, Indicator.position)):
        indicators.setdefault(indicator.objective_id, []).append(indicator)
    entries = []
    for objective in objectives:
        detail = objective.detail or {}
        entry = {"id": objective.id, "chapter": objective.chapter, "level": objective.level,
                 "macroarea": objective.macroarea, "title": objective.title, "description": objective.description,
                 "target": list(detail.get("target") or [])}
        mine = indicators.get(objective.id, [])
        for kind in INDICATOR_KINDS:
            entry[f"{kind}_indicators"] = [_indicator_entry(i, detail, links, codes) for i in mine if i.kind == kind]
        entry.update({k: v for k, v in detail.items() if k not in OBJECTIVE_FIELDS and not k.endswith("_indicators")})
        entries.append(entry)
    return {"format": FORMAT, "plan": header, "objectives": entries}


def _indicator_entry(indicator: Indicator, detail: dict, links: dict, codes: dict) -> dict:
    entry = {"id": indicator.id, "text": indicator.text}
    if indicator.target is not None:
        entry["target"] = indicator.target
    if indicator.kind == "outcome":
        entry.update(via_questionnaire=indicator.via_questionnaire, respondents=indicator.respondents,
                     timing=list(indicator.timing or []))
        if indicator.id in links:
            entry["questionnaires"] = links[indicator.id]
    if indicator.predecessor_id:
        entry["predecessor"] = {"plan": codes.get(indicator.predecessor_plan_id, str(indicator.predecessor_plan_id)),
                                "indicator": indicator.predecessor_id}
    stored = _stored_entry(detail, indicator.kind, indicator.position)
    if stored.get("id", indicator.id) == indicator.id:
        entry.update({k: v for k, v in stored.items() if k not in INDICATOR_FIELDS})
    return entry


def export_json(session: Session, plan: Plan) -> bytes:
    """Return *plan* as a JSON plan file, UTF-8, indented for reading."""
    return (json.dumps(plan_data(session, plan), ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def export_xlsx(session: Session, plan: Plan) -> bytes:
    """Return *plan* as a plan workbook (the template's sheets, filled in)."""
    from survey_app.plans.workbook import write_workbook

    return write_workbook(plan_data(session, plan))


def plan_summaries(session: Session, ambito_id: int | None = None) -> list[dict]:
    """Every plan (of one Ambito, if given) with its Ambito, period, status and counts, newest first."""
    def counts(model, column) -> dict[int, int]:
        return dict(session.execute(select(column, func.count()).select_from(model).group_by(column)).all())

    objectives = counts(Objective, Objective.plan_id)
    indicators = counts(Indicator, Indicator.plan_id)
    rounds = counts(Round, Round.plan_id)
    query = select(Plan, Ambito).join(Ambito).order_by(Ambito.code, Plan.first_year.desc(), Plan.code)
    if ambito_id is not None:
        query = query.where(Plan.ambito_id == ambito_id)
    return [
        {"id": plan.id, "ambito": ambito.code, "ambito_name": ambito.name, "code": plan.code, "title": plan.title,
         "period": plan.period, "first_year": plan.first_year, "last_year": plan.last_year, "status": plan.status,
         "objectives": objectives.get(plan.id, 0), "indicators": indicators.get(plan.id, 0),
         "rounds": rounds.get(plan.id, 0)}
        for plan, ambito in session.execute(query).all()
    ]
