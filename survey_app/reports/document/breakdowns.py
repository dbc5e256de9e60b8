"""A questionnaire's respondents and dimension scores by comune and by service.

Only the tables of the round payloads, already suppressed: nothing is counted again here,
and a hidden cell stays ``n<5``.
"""

from __future__ import annotations

from survey_app.analysis.breakdowns import NOT_STATED
from survey_app.reports.build import QuestionnaireData, RoundData
from survey_app.reports.document import prose
from survey_app.reports.document.blocks import Paragraph, Section, Table, hidden_cell
from survey_app.reports.document.names import dimension_titles, round_name
from survey_app.reports.formatting import number

BREAKDOWN_TITLES = {"comune": "Per Comune", "service": "Per servizio"}


def breakdowns_section(
    q: QuestionnaireData, published: list[RoundData], level: int, chart_prefix: str
) -> Section:
    """Respondents and dimension scores by comune and by service.

    Only the payloads' tables, already suppressed: nothing is counted again here.
    """
    section = Section(f"{chart_prefix}-gruppi", "Per Comune e per servizio", level)
    for r in published:
        titles = dimension_titles(r.questionnaire)
        dimension_ids = [row["dimension_id"] for row in r.payload.get("dimensions") or []]
        for column in ("comune", "service"):
            groups = (r.payload.get("breakdowns") or {}).get(column)
            if not groups:
                continue
            rows, totals = [], set()
            for i, group in enumerate(groups):
                rows.append([group_label(column, group, r)] + breakdown_cells(group, dimension_ids))
                if group.get("is_total"):
                    totals.add(i)
            section.blocks.append(
                Table(
                    f"{BREAKDOWN_TITLES[column]}: rispondenti e punteggio 0-100 delle dimensioni – "
                    f"{round_name(r)}",
                    ["Gruppo", "Rispondenti"] + [titles.get(d, d) for d in dimension_ids],
                    rows,
                    numeric=frozenset(range(1, len(dimension_ids) + 2)),
                    totals=frozenset(totals),
                )
            )
    if not section.blocks:
        section.blocks.append(Paragraph("Il questionario non chiede il Comune né il servizio."))
    else:
        section.blocks += prose.paragraphs("suppression_note", css="meta")
    return section


def breakdown_cells(group: dict, dimension_ids: list[str]) -> list:
    """The cells of one group of a breakdown: n<5 wherever the payload hides the value."""
    if group.get("suppressed") or group.get("n") is None:
        return [hidden_cell()] + [hidden_cell() for _ in dimension_ids]
    n = str(group["n"]) + (" (indicativo)" if group.get("indicative") else "")
    cells = [n]
    for dimension_id in dimension_ids:
        score = (group.get("scores") or {}).get(dimension_id)
        cells.append(hidden_cell() if score is None else number(score))
    return cells


def group_label(column: str, group: dict, r: RoundData) -> str:
    if group.get("is_total"):
        return "Totale"
    if group.get("not_stated") or group.get("group") == NOT_STATED:
        return "non indicato"
    if column == "service":
        return r.questionnaire.service_label(group["group"])
    return str(group["group"])
