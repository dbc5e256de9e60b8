"""Write the shipped plan catalog and the Ambiti into the database.

The folder of questionnaires ships one plan: ``plan.json`` names its Ambito and header, and
``objectives.json`` holds its objectives. Loading it creates (or updates in place) that plan,
its objectives and indicators, and links each questionnaire of the folder to the indicators it
names (``indicators`` in the file) in that plan. Plans of other Ambiti and periods are imported
from their own files (:mod:`survey_app.plans`).
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey_app.models import Ambito, Comune, Indicator, Objective, Plan, QuestionnaireLink, utcnow
from survey_app.plan.catalog import PlanCatalog


def slugify(name: str) -> str:
    """Return a lowercase ASCII slug of *name* (``"Riva di Solto"`` → ``"riva-di-solto"``)."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")


def sync_catalog(session: Session, plan: Plan, catalog: PlanCatalog) -> int:
    """Insert or update every objective and indicator of *catalog* in *plan*; return how many
    objectives.

    Existing rows are updated in place so ids referenced by links, rounds and values stay valid.
    """
    objectives = {o.id: o for o in session.scalars(select(Objective).where(Objective.plan_id == plan.id))}
    indicators = {i.id: i for i in session.scalars(select(Indicator).where(Indicator.plan_id == plan.id))}
    for spec in catalog.objectives.values():
        objective = objectives.get(spec.id) or Objective(plan_id=plan.id, id=spec.id)
        objective.chapter, objective.level, objective.macroarea = spec.chapter, spec.level, spec.macroarea
        objective.title, objective.description, objective.detail = spec.title, spec.description, spec.raw
        session.add(objective)
    session.flush()
    for spec in catalog.objectives.values():
        for ispec in spec.indicators:
            indicator = indicators.get(ispec.id) or Indicator(plan_id=plan.id, id=ispec.id)
            indicator.objective_id, indicator.kind, indicator.position = spec.id, ispec.kind, ispec.position
            indicator.text, indicator.via_questionnaire = ispec.text, ispec.via_questionnaire
            indicator.respondents, indicator.timing = ispec.respondents, list(ispec.timing)
            session.add(indicator)
    session.flush()
    return len(catalog.objectives)


def sync_ambiti(session: Session, path: Path) -> int:
    """Insert the Ambiti and comuni listed in the JSON file at *path*; return how many Ambiti.

    Comuni already present are kept (rounds and responses point at them); new ones are added.
    """
    entries = json.loads(path.read_text(encoding="utf-8"))
    for entry in entries:
        ambito = session.scalar(select(Ambito).where(Ambito.code == entry["code"]))
        if ambito is None:
            ambito = Ambito(code=entry["code"], name=entry["name"])
            session.add(ambito)
        ambito.name = entry["name"]
        known = {c.code for c in ambito.comuni}
        for name in entry["comuni"]:
            if slugify(name) not in known:
                ambito.comuni.append(Comune(code=slugify(name), name=name))
    session.flush()
    return len(entries)


def shipped_plan_header(directory: Path) -> dict:
    """The decoded ``plan.json`` of the questionnaire folder."""
    return json.loads((directory / "plan.json").read_text(encoding="utf-8"))


def sync_shipped_plan(session: Session, directory: Path, catalog: PlanCatalog,
                      ambito: Ambito | None = None) -> Plan:
    """Create or update the plan the folder ships, with its objectives and indicators.

    :param ambito: the Ambito to give the plan to; by default the one ``plan.json`` names.

    The header of an existing plan is left as the district set it (status, act), so loading
    the folder again never reopens a plan someone closed.
    """
    shipped = shipped_plan_header(directory)
    header = shipped["plan"]
    if ambito is None:
        ambito = session.scalar(select(Ambito).where(Ambito.code == shipped["ambito"]))
    if ambito is None:
        raise LookupError(f"plan.json names the unknown Ambito {shipped['ambito']!r}")
    plan = session.scalar(select(Plan).where(Plan.ambito_id == ambito.id, Plan.code == header["code"]))
    if plan is None:
        plan = Plan(ambito_id=ambito.id, code=header["code"], title=header["title"],
                    first_year=header["first_year"], last_year=header["last_year"],
                    status=header["status"], approval_act=header.get("approval_act"),
                    document_url=header.get("document_url"))
        session.add(plan)
        session.flush()
    sync_catalog(session, plan, catalog)
    plan.updated_at = utcnow()
    return plan


def link_home_questionnaires(session: Session, plan: Plan, definitions: list[dict]) -> int:
    """Link each questionnaire to the indicators its file names, in *plan*; return new links."""
    existing = {(link.indicator_id, link.questionnaire_id)
                for link in session.scalars(select(QuestionnaireLink).where(QuestionnaireLink.plan_id == plan.id))}
    added = 0
    for definition in definitions:
        for indicator_id in definition["indicators"]:
            if (indicator_id, definition["id"]) in existing:
                continue
            session.add(QuestionnaireLink(plan_id=plan.id, indicator_id=indicator_id,
                                          questionnaire_id=definition["id"], measure=indicator_id))
            existing.add((indicator_id, definition["id"]))
            added += 1
    session.flush()
    return added
