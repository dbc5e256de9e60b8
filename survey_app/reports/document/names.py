"""How the report names a round (its moment, period and place) and a questionnaire's dimensions.

Shared by the sections that speak of rounds: questionnaires, comparisons, breakdowns,
comments and the response rates of the methods annex.
"""

from __future__ import annotations

from survey_app.questionnaires.definition import localized
from survey_app.reports.build import RoundData
from survey_app.reports.formatting import ROUND_KIND_LABELS, closing_date, local_date


def round_name(r: RoundData) -> str:
    return f"{ROUND_KIND_LABELS.get(r.kind, r.kind)}, {period(r)} (rilevazione {r.id})"


def period(r: RoundData) -> str:
    start = r.opens_at or r.created_at
    if r.closes_at:
        return f"{local_date(start)} – {closing_date(r.closes_at)}"
    return f"dal {local_date(start)}"


def scope_text(r: RoundData) -> str:
    parts = []
    if r.comune:
        parts.append(f"Comune di {r.comune}")
    if r.service:
        parts.append(f"servizio {r.service}")
    return ", ".join(parts) or "tutto l'Ambito"


def dimension_titles(q) -> dict[str, str]:
    return {d["id"]: localized(d["title"], "it") for d in q.dimensions}
