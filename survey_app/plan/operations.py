"""Write the plan catalog and the Ambiti into the database."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey_app.models import Ambito, Comune, Indicator, Objective
from survey_app.plan.catalog import PlanCatalog


def slugify(name: str) -> str:
    """Return a lowercase ASCII slug of *name* (``"Riva di Solto"`` → ``"riva-di-solto"``)."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")


def sync_catalog(session: Session, catalog: PlanCatalog) -> int:
    """Insert or update every objective and indicator of *catalog*; return how many objectives.

    Existing rows are updated in place so ids referenced by questionnaires and rounds stay valid.
    """
    objectives = {o.id: o for o in session.scalars(select(Objective))}
    indicators = {i.id: i for i in session.scalars(select(Indicator))}
    for spec in catalog.objectives.values():
        objective = objectives.get(spec.id) or Objective(id=spec.id)
        objective.chapter, objective.level, objective.macroarea = spec.chapter, spec.level, spec.macroarea
        objective.title, objective.description, objective.detail = spec.title, spec.description, spec.raw
        session.add(objective)
        for ispec in spec.indicators:
            indicator = indicators.get(ispec.id) or Indicator(id=ispec.id)
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
