"""The optional section "Confronto tra Ambiti" of the final report.

Asked with the report (option ``confronto``), over the Ambiti the requesting user may see
(:attr:`survey_app.reports.jobs.ReportSpec.ambiti`): for every questionnaire version and round
kind that the plan's Ambito gave together with at least one of them, each item per Ambito and
in total, with the small-cell rule in every cell (:mod:`survey_app.results.ambiti`). Report
texts are Italian, like the rest of the report; the introduction is the template
``templates/reports/prose/ambiti.txt`` (:mod:`survey_app.reports.document.prose`).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from survey_app.accounts.permissions import AmbitoScope
from survey_app.questionnaires.definition import localized
from survey_app.reports.document import prose
from survey_app.reports.document.blocks import Cell, Paragraph, Section, Table, hidden_cell
from survey_app.reports.formatting import ROUND_KIND_LABELS, number, percent
from survey_app.results.ambiti import TOTAL, AmbitoTable, ambito_table, shared_versions


def ambito_tables(session: Session, plan, ambito_ids) -> list[AmbitoTable]:
    """Return the tables of the versions the plan's Ambito shares with *ambito_ids*."""
    scope = AmbitoScope(ids=frozenset(ambito_ids))
    if not scope.allows(plan.ambito_id):
        return []
    return [ambito_table(session, shared) for shared in shared_versions(session, scope)
            if any(a.id == plan.ambito_id for a in shared.ambiti)]


def ambiti_section(tables: list[AmbitoTable]) -> Section:
    """Return the section: one table per shared version, and the respondents of each."""
    section = Section("confronto-ambiti", "Confronto tra Ambiti", 2, prose.paragraphs("ambiti"),
                      page_break=True)
    for table in tables:
        shared, c = table.shared, table.comparison
        kind = ROUND_KIND_LABELS.get(shared.kind, shared.kind)
        title = f"«{shared.version.title}» v{shared.version.version}, {kind}"
        header = ["Domanda", *c.ambiti, "Totale"]
        numeric = frozenset(range(1, len(header)))
        rows = [["Rispondenti", *(_count(c.respondents[key]) for key in [*c.ambiti, TOTAL])]]
        questionnaire = shared.version.questionnaire
        for item in questionnaire.items:
            cells = c.items[item.id]
            rows.append([localized(item.text, "it"), *(_cell(cells[key]) for key in [*c.ambiti, TOTAL])])
        section.children.append(Section(
            f"confronto-ambiti-{shared.version.id}-{shared.kind}", title, 3,
            [Table(f"{title}: per Ambito", header, rows, numeric=numeric, totals=frozenset({0}),
                   compact=True)]))
    if not tables:
        section.blocks.append(Paragraph("Nessun questionario dell'Ambito è stato somministrato "
                                        "anche negli altri Ambiti considerati."))
    return section


def _count(n) -> Cell | str:
    return hidden_cell() if n is None else str(n)


def _cell(cell: dict) -> Cell | str:
    if cell["suppressed"]:
        return hidden_cell()
    if not cell["n"]:
        return "0"
    return (f"n = {cell['n']} · media {number(cell['score'], 0)} · "
            f"favorevoli {percent(cell['top_box_share'])}")
