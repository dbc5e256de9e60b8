"""The final report of a plan: its introduction, the summary of judgements and recommendations
(:mod:`.judgement`), the synoptic table, one chapter per objective.

Each objective's chapter is the objective's own report one heading level down
(:mod:`.objective`); after them come the optional comparison between Ambiti
(:mod:`survey_app.reports.ambiti`) and the methods annex (:mod:`.methods`).
"""

from __future__ import annotations

from survey_app.reports import ambito_label, final_title
from survey_app.reports.build import FinalData
from survey_app.reports.document import prose
from survey_app.reports.document.blocks import Document, Section, Table, status_cell
from survey_app.reports.document.indicators import indicator_trend_text, indicator_value_text
from survey_app.reports.document.judgement import draft_notice, summary_section
from survey_app.reports.document.methods import methods_annex
from survey_app.reports.document.objective import objective_sections, pending_notes
from survey_app.reports.formatting import (
    DASH,
    INDICATOR_KIND_LABELS,
    STATUS_LABELS,
    STATUS_SYMBOLS,
    designation_text,
    local_datetime,
    sentence,
)


def final_document(data: FinalData) -> Document:
    """The final report: synoptic table, one section per objective, methods annex."""
    sections = [summary_section(data), synoptic_section(data)]
    for objective in data.objectives:
        sections.append(
            Section(
                objective.id,
                f"{objective.chapter} · {sentence(objective.title)}",
                2,
                children=objective_sections(objective, level=3),
                page_break=True,
                blocks=pending_notes(objective),
            )
        )
    if data.ambito_tables:
        from survey_app.reports.ambiti import ambiti_section

        sections.append(ambiti_section(data.ambito_tables))
    sections.append(methods_annex(data))
    with_rounds = [r for _q, r in data.rounds if r.any_responses]
    return Document(
        title=final_title(data.plan_title),
        subtitle=ambito_label(data.ambito_name),
        facts=[
            ("Generato il", local_datetime(data.generated_at)),
            ("Obiettivi", str(len(data.objectives))),
            ("Indicatori", str(sum(len(o.indicators) for o in data.objectives))),
            ("Rilevazioni con risposte", str(len(with_rounds))),
        ],
        intro=prose.paragraphs("final", "intro")
        + prose.paragraphs("suppression_note", css="note"),
        sections=sections,
        draft_mark=draft_notice(data.objectives),
    )


def synoptic_section(data: FinalData) -> Section:
    section = Section("quadro-sinottico", "Quadro sinottico", 2)
    tally: dict[str, dict[str, int]] = {
        k: dict.fromkeys(STATUS_LABELS, 0) for k in ("process", "output", "outcome")
    }
    for objective in data.objectives:
        for indicator in objective.indicators:
            tally[indicator.kind][indicator.status] += 1
    rows = [
        [INDICATOR_KIND_LABELS[k]]
        + [str(tally[k][s]) for s in STATUS_LABELS]
        + [str(sum(tally[k].values()))]
        for k in tally
    ]
    rows.append(
        ["Totale"]
        + [str(sum(tally[k][s] for k in tally)) for s in STATUS_LABELS]
        + [str(sum(sum(t.values()) for t in tally.values()))]
    )
    section.blocks.append(
        Table(
            "Indicatori per tipo e stato",
            ["Tipo", *(f"{STATUS_SYMBOLS[s]} {STATUS_LABELS[s]}" for s in STATUS_LABELS), "Totale"],
            rows,
            numeric=frozenset(range(1, len(STATUS_LABELS) + 2)),
            totals=frozenset({3}),
        )
    )
    section.blocks += prose.paragraphs("final", "synoptic_legend", css="meta")
    rows = []
    for objective in data.objectives:
        first = True
        for indicator in objective.indicators:
            rows.append(
                [
                    f"{objective.chapter} {sentence(objective.title)}" if first else "",
                    indicator.text,
                    INDICATOR_KIND_LABELS[indicator.kind],
                    "questionario" if indicator.via_questionnaire else "semestrale",
                    status_cell(indicator.status),
                    indicator_value_text(indicator),
                    indicator_trend_text(indicator),
                    designation_text(indicator.rounds),
                ]
            )
            first = False
        if not objective.indicators:
            rows.append(
                [
                    f"{objective.chapter} {sentence(objective.title)}",
                    "nessun indicatore nel Piano",
                    DASH,
                    DASH,
                    DASH,
                    DASH,
                    DASH,
                    DASH,
                ]
            )
    section.blocks.append(
        Table(
            "Ogni obiettivo e indicatore con il suo stato",
            [
                "Obiettivo",
                "Indicatore",
                "Tipo",
                "Misura",
                "Stato",
                "Valore o ultimo valore",
                "Andamento",
                "Rilevazioni del giudizio",
            ],
            rows,
            row_headers=False,
            compact=True,
        )
    )
    return section
