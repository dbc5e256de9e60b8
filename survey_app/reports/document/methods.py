"""The methods of the report: each objective's methods note and the final report's annex.

The texts are the templates ``prose/methods_note.txt`` and ``prose/methods_annex.txt``
(:mod:`.prose`); here are the parts made of data: the counts of indicators, the evaluation
levels, the table of the questionnaires' scales, the effect-size thresholds the code uses,
and the response rate of every round (a part of the annex, so it is here, not in
:mod:`.final`, which imports the annex).
"""

from __future__ import annotations

from survey_app.analysis import wording
from survey_app.questionnaires.definition import localized
from survey_app.reports.build import FinalData, ObjectiveData
from survey_app.reports.document import prose
from survey_app.reports.document.blocks import Cell, Paragraph, Section, Table
from survey_app.reports.document.names import period
from survey_app.reports.formatting import (
    DASH,
    INDICATOR_KIND_PLURALS,
    LEVEL_NAMES,
    ROUND_KIND_LABELS,
    count,
    number,
    percent,
)


def methods_note(data: ObjectiveData, level: int) -> Section:
    """A short note in the plan's own terms: process/output/outcome, micro/meso/macro."""
    kinds = {
        kind: [i for i in data.indicators if i.kind == kind]
        for kind in ("process", "output", "outcome")
    }
    by_questionnaire = [i for i in data.indicators if i.via_questionnaire]
    parts = []
    counts = [f"{len(kinds[k])} {INDICATOR_KIND_PLURALS[k]}" for k in kinds if kinds[k]]
    if counts:
        parts += prose.paragraphs("methods_note", "kinds", counts=", ".join(counts))
    if by_questionnaire:
        parts += prose.paragraphs("methods_note", "by_questionnaire", n=len(by_questionnaire))
    else:
        parts += prose.paragraphs("methods_note", "semestral_only")
    levels = data.levels
    parts.append(
        Paragraph(
            "Livelli di valutazione con dati: "
            + (", ".join(LEVEL_NAMES[v] for v in levels) if levels else "nessuno finora")
            + "."
        )
    )
    parts += prose.paragraphs(
        "methods_note", "tests", suppression_note=prose.text("suppression_note")
    )
    return Section(f"{data.id}-metodo", "Nota metodologica", level, parts)


def methods_annex(data: FinalData) -> Section:
    """The annex of the final report: how every number of the report is obtained."""
    section = Section("allegato-metodologico", "Allegato metodologico", 2, page_break=True)
    lows = wording.RANK_BISERIAL_THRESHOLDS
    standard = wording.STANDARDIZED_THRESHOLDS
    section.children = [
        Section(
            "metodo-indicatori",
            "Indicatori e livelli",
            3,
            prose.paragraphs("methods_annex", "indicators"),
        ),
        Section(
            "metodo-scale",
            "Scale e punteggi",
            3,
            [
                *prose.paragraphs("methods_annex", "scales"),
                scales_table(data),
                *prose.paragraphs("methods_annex", "scores"),
            ],
        ),
        Section(
            "metodo-confronti",
            "Confronti e dimensione dell'effetto",
            3,
            [
                *prose.paragraphs("methods_annex", "comparisons"),
                # the thresholds are the code's (wording), so they stay out of the template
                Table(
                    "Soglie della dimensione dell'effetto",
                    ["Misura", "Trascurabile", "Piccolo", "Moderato", "Grande"],
                    [
                        [
                            "|r| rank-biserial (Romano et al. 2006)",
                            f"< {number(lows[0], 3)}",
                            f"< {number(lows[1], 2)}",
                            f"< {number(lows[2], 3)}",
                            f"≥ {number(lows[2], 3)}",
                        ],
                        [
                            "|g| di Hedges, |d_z|, |h| di Cohen (Cohen 1988)",
                            f"< {number(standard[0], 1)}",
                            f"< {number(standard[1], 1)}",
                            f"< {number(standard[2], 1)}",
                            f"≥ {number(standard[2], 1)}",
                        ],
                    ],
                ),
                *prose.paragraphs("methods_annex", "multiple_testing"),
            ],
        ),
        Section(
            "metodo-riservatezza",
            "Riservatezza",
            3,
            prose.paragraphs(
                "methods_annex", "confidentiality", suppression_note=prose.text("suppression_note")
            ),
        ),
        response_rates_section(data),
    ]
    return section


def scales_table(data: FinalData) -> Table:
    """Every scale the plan's questionnaires use, with the questionnaires using it."""
    scales: dict[tuple, list[str]] = {}
    for objective in data.objectives:
        for q in objective.questionnaires:
            for scale in q.questionnaire.scales.values():
                key = (
                    scale.points,
                    tuple(localized(label, "it") for label in scale.labels),
                    scale.top_box,
                    localized(scale.dont_know, "it") if scale.dont_know else "",
                )
                scales.setdefault(key, [])
                if q.title not in scales[key]:
                    scales[key].append(q.title)
    every = {q.title for o in data.objectives for q in o.questionnaires}
    rows = []
    for (points, labels, top_box, dont_know), titles in sorted(scales.items()):
        rows.append(
            [
                str(points),
                "; ".join(f"{i} = {label}" for i, label in enumerate(labels, start=1)),
                ", ".join(str(v) for v in range(points - top_box + 1, points + 1)),
                dont_know or DASH,
                f"tutti ({len(titles)})" if set(titles) == every else "; ".join(titles),
            ]
        )
    return Table(
        "Le scale dei questionari",
        ["Punti", "Etichette", "Favorevoli", "«Non so»", "Questionari"],
        rows,
        numeric=frozenset({0}),
        compact=True,
    )


def response_rates_section(data: FinalData) -> Section:
    rows = []
    for q, r in data.rounds:
        if not r.any_responses and r.status not in ("closed",):
            continue
        rows.append(
            [
                q.title,
                f"{r.label} ({r.id})",
                ROUND_KIND_LABELS.get(r.kind, r.kind),
                period(r),
                Cell(count(r.responses), "suppressed" if r.responses is None else ""),
                str(r.expected) if r.expected else DASH,
                percent(r.rate) if r.rate is not None else DASH,
            ]
        )
    blocks = prose.paragraphs("methods_annex", "response_rates")
    if rows:
        blocks.append(
            Table(
                "Risposte e tasso di risposta di ogni rilevazione",
                [
                    "Questionario",
                    "Rilevazione",
                    "Momento",
                    "Periodo",
                    "Risposte",
                    "Attese",
                    "Tasso di risposta",
                ],
                rows,
                numeric=frozenset({4, 5, 6}),
                row_headers=False,
            )
        )
    else:
        blocks.append(Paragraph("Nessuna rilevazione ha ancora risposte."))
    return Section("metodo-risposte", "Tassi di risposta", 3, blocks)
