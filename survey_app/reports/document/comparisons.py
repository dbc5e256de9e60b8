"""The before/after comparison of a questionnaire's rounds: tests, effect sizes, a chart.

Independent groups (every response of the two rounds: Mann-Whitney, rank-biserial r) and,
for rounds with a panel, the people present in both (Wilcoxon-Pratt, Kerby's paired r, how
many improve, stay the same or worsen). The tests are the comparison payload's, already
suppressed and corrected for multiple comparisons: nothing is computed here.
"""

from __future__ import annotations

from survey_app.questionnaires.definition import localized
from survey_app.reports.build import ComparisonData, QuestionnaireData
from survey_app.reports.document import prose
from survey_app.reports.document.blocks import Figure, Paragraph, Section, Table, hidden_cell
from survey_app.reports.document.names import dimension_titles, round_name
from survey_app.reports.formatting import (
    DASH,
    ROUND_KIND_LABELS,
    interval,
    number,
    p_value,
    percent,
    signed,
)
from survey_app.results import charts


def target_labels(q: QuestionnaireData, c: ComparisonData, texts: dict[str, str]) -> dict[str, str]:
    labels = {}
    for questionnaire in (c.before.questionnaire, c.after.questionnaire):
        labels |= {item.id: localized(item.text, "it") for item in questionnaire.items}
        labels |= dimension_titles(questionnaire)
    return labels | texts


def comparisons_section(
    q: QuestionnaireData, texts: dict[str, str], level: int, chart_prefix: str
) -> Section:
    section = Section(f"{chart_prefix}-confronto", "Confronto prima e dopo", level)
    if not q.comparisons:
        section.blocks += prose.paragraphs("comparisons", "need_second_round")
        return section
    for c in q.comparisons:
        section.blocks += comparison_blocks(
            q, c, texts, f"{chart_prefix}-c{c.before.id}-{c.after.id}"
        )
    return section


LEVEL_WORDS = {"item": "domanda", "dimension": "dimensione", "indicator": "indicatore"}


def comparison_blocks(
    q: QuestionnaireData, c: ComparisonData, texts: dict[str, str], chart_id: str
) -> list:
    blocks = [Paragraph(f"Prima: {round_name(c.before)}. Dopo: {round_name(c.after)}.", "label")]
    payload = c.payload or {}
    status = payload.get("status")
    if status == "suppressed":
        return blocks + prose.paragraphs("comparisons", "too_few_responses")
    if status == "incompatible":
        return blocks + [
            Paragraph(
                "Le due versioni del questionario non sono confrontabili: "
                + "; ".join(payload.get("reasons") or [])
                + "."
            )
        ]
    if status != "ok":
        return blocks + [Paragraph("Confronto non ancora calcolato.")]
    labels = target_labels(q, c, texts)
    independent = [
        t
        for t in payload["tests"]
        if t["design"] == "independent"
        and t["test"] == "mann_whitney"
        and t["level"] in ("dimension", "indicator")
    ]
    rows = [_test_row(t, labels) for t in independent]
    blocks.append(
        Table(
            "Gruppi indipendenti (tutte le risposte delle due rilevazioni): test di Mann-Whitney "
            "con dimensione dell'effetto r rank-biserial e p corretto con Holm",
            [
                "Dimensione o indicatore",
                "n prima",
                "n dopo",
                "Punteggio prima",
                "Punteggio dopo",
                "Favorevoli: variazione",
                "r [IC 95%]",
                "Effetto",
                "p (Holm)",
                "Lettura",
            ],
            rows,
            numeric=frozenset({1, 2, 3, 4}),
        )
    )
    pairing = payload.get("pairing") or {}
    paired = [
        t
        for t in payload["tests"]
        if t["design"] == "paired"
        and t["test"] == "wilcoxon_pratt"
        and t["level"] in ("dimension", "indicator")
    ]
    if paired and not pairing.get("suppressed"):
        rows = []
        for t in paired:
            name = labels.get(t["target_id"], t["target_id"])
            if t.get("suppressed"):
                rows.append([name] + [hidden_cell()] * 4 + [DASH] * 4)
                continue
            rows.append(
                [
                    name,
                    str(t["n_before"]),
                    str(t["n_improved"]),
                    str(t["n_same"]),
                    str(t["n_worsened"]),
                    effect_text(t),
                    t.get("effect_label") or DASH,
                    p_value(t.get("p_holm")),
                    t.get("sentence") or DASH,
                ]
            )
        blocks.append(
            Table(
                f"Persone con tessera presenti in entrambe le rilevazioni "
                f"({pairing.get('n_pairs')} coppie): quante migliorano, restano uguali o "
                f"peggiorano; test di Wilcoxon (Pratt) con r rank-biserial appaiato di Kerby",
                [
                    "Dimensione o indicatore",
                    "Coppie",
                    "Migliorano",
                    "Stabili",
                    "Peggiorano",
                    "r [IC 95%]",
                    "Effetto",
                    "p (Holm)",
                    "Lettura",
                ],
                rows,
                numeric=frozenset({1, 2, 3, 4}),
            )
        )
    elif pairing.get("suppressed"):
        blocks += prose.paragraphs("comparisons", "pairs_hidden")
    else:
        blocks += prose.paragraphs("comparisons", "no_panel")
    figure = comparison_figure(c, labels, chart_id)
    if figure:
        blocks.append(figure)
    return blocks


def _test_row(t: dict, labels: dict[str, str]) -> list:
    name = labels.get(t["target_id"], t["target_id"])
    if t["level"] == "indicator":
        name = f"Indicatore: {name}"
    if t.get("suppressed"):
        return [name, hidden_cell(), hidden_cell(), DASH, DASH, DASH, DASH, DASH, DASH, DASH]
    change = DASH
    if t.get("top_box_change") is not None:
        change = (
            f"{percent(t.get('top_box_before'))} → {percent(t.get('top_box_after'))} "
            f"({signed((t['top_box_change'] or 0) * 100, 0)} punti "
            f"{interval(t.get('top_box_change_low'), t.get('top_box_change_high'), share=True)})"
        )
    effect = effect_text(t)
    return [
        name,
        str(t["n_before"]),
        str(t["n_after"]),
        number(t.get("score_before")),
        number(t.get("score_after")),
        change,
        effect,
        t.get("effect_label") or DASH,
        p_value(t.get("p_holm")),
        t.get("sentence") or DASH,
    ]


def effect_text(t: dict) -> str:
    """``+0,23 [0,01–0,42]``: an effect size with its interval."""
    ci = interval(t.get("effect_low"), t.get("effect_high"), digits=2)
    return f"{signed(t.get('effect'))} {ci}".strip()


def comparison_figure(c: ComparisonData, labels: dict[str, str], chart_id: str) -> Figure | None:
    intervals = (c.payload or {}).get("intervals") or []
    if not intervals:
        return None
    rows = []
    for row in intervals:
        dots = [
            charts.Dot(
                i,
                (row[when] or {}).get("score"),
                (row[when] or {}).get("low"),
                (row[when] or {}).get("high"),
            )
            for i, when in enumerate(("before", "after"))
        ]
        prefix = "" if row["level"] == "item" else "Dimensione: "
        rows.append(charts.DotRow(prefix + labels.get(row["target_id"], row["target_id"]), dots))
    svg = charts.dot_plot(
        chart_id,
        rows,
        [
            f"Prima: {ROUND_KIND_LABELS.get(c.before.kind, c.before.kind)} ({c.before.id})",
            f"Dopo: {ROUND_KIND_LABELS.get(c.after.kind, c.after.kind)} ({c.after.id})",
        ],
        title="Punteggi 0-100 prima e dopo, con intervalli al 95%",
        description=prose.text("comparisons", "chart"),
        suppressed_text="n<5",
    )
    return Figure(
        svg, f"Punteggi 0-100 prima (rilevazione {c.before.id}) e dopo (rilevazione {c.after.id})"
    )
