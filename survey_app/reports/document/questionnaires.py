"""The results of an objective's questionnaires, one section per questionnaire.

A questionnaire's section: who answers, its rounds and their response rates, the
indicators it measures (table and charts), the dimension scores, the distribution of the
answers of its latest round with results; then its comparisons (:mod:`.comparisons`),
breakdowns (:mod:`.breakdowns`) and free comments (:mod:`.comments`). Only published
results are shown, as :mod:`survey_app.reports.build` gives them.
"""

from __future__ import annotations

from survey_app.questionnaires.definition import localized
from survey_app.reports.build import ObjectiveData, QuestionnaireData, RoundData
from survey_app.reports.document import prose
from survey_app.reports.document.blocks import (
    Cell,
    Facts,
    Figure,
    Paragraph,
    Section,
    Table,
    hidden_cell,
)
from survey_app.reports.document.breakdowns import breakdowns_section
from survey_app.reports.document.comments import comments_section
from survey_app.reports.document.comparisons import comparisons_section
from survey_app.reports.document.names import dimension_titles, period, round_name, scope_text
from survey_app.reports.formatting import (
    DASH,
    HIDDEN,
    LEVEL_NAMES,
    ROLE_LABELS,
    ROUND_KIND_LABELS,
    ROUND_STATUS_LABELS,
    STATISTIC_LABELS,
    indicator_interval,
    indicator_value,
    interval,
    local_date,
    number,
    percent,
    target_met_text,
    target_text,
)
from survey_app.results import charts


def questionnaires_section(data: ObjectiveData, level: int) -> Section:
    section = Section(f"{data.id}-questionari", "Risultati dei questionari", level)
    if not data.questionnaires:
        section.blocks += prose.paragraphs("questionnaires", "no_questionnaires")
        return section
    plan_texts = {i.id: i.text for i in data.indicators}
    for q in data.questionnaires:
        # the questionnaire's results name its measures; the plan's indicators give their text
        texts = {q.measures.get(i, i): plan_texts[i] for i in q.indicator_ids if i in plan_texts}
        section.children.append(questionnaire_section(q, texts, level + 1, data.id))
    return section


def questionnaire_section(
    q: QuestionnaireData, indicator_texts: dict[str, str], level: int, objective_id: str
) -> Section:
    section = Section(f"{objective_id}-q-{q.id}", f"Questionario «{q.title}»", level)
    who = ", ".join(ROLE_LABELS.get(r, r) for r in q.roles)
    section.blocks.append(
        Facts(
            [
                ("Chi risponde", q.respondents or who or DASH),
                ("Livello", ", ".join(LEVEL_NAMES[v] for v in q.levels) or DASH),
                ("Versione", str(q.version)),
            ]
        )
    )
    if not q.rounds:
        section.blocks.append(Paragraph("Nessuna rilevazione con questo questionario."))
        return section
    section.blocks.append(rounds_table(q))
    published = [r for r in q.rounds if r.published]
    if not published:
        if any(r.any_responses for r in q.rounds):
            section.blocks += prose.paragraphs("questionnaires", "too_few_responses")
        else:
            section.blocks.append(Paragraph("Nessuna risposta raccolta finora."))
        return section
    chart_prefix = f"{objective_id}-{q.id}"
    indicator_blocks = indicators_blocks(q, published, indicator_texts, chart_prefix)
    if indicator_blocks:
        section.children.append(
            Section(
                f"{chart_prefix}-indicatori",
                "Indicatori misurati dal questionario",
                level + 1,
                indicator_blocks,
            )
        )
    section.children.append(
        Section(
            f"{chart_prefix}-dimensioni",
            "Punteggi delle dimensioni",
            level + 1,
            [dimensions_table(q, published)],
        )
    )
    latest = published[-1]
    figures = item_figures(latest, f"{chart_prefix}-r{latest.id}")
    if figures:
        section.children.append(
            Section(
                f"{chart_prefix}-domande",
                "Distribuzione delle risposte",
                level + 1,
                [Paragraph(f"Ultima rilevazione con risultati: {round_name(latest)}.")]
                + figures
                + prose.paragraphs("questionnaires", "charts_note", css="meta"),
            )
        )
    comparison = comparisons_section(q, indicator_texts, level + 1, chart_prefix)
    section.children.append(comparison)
    section.children.append(breakdowns_section(q, published, level + 1, chart_prefix))
    section.children.append(comments_section(q, level + 1, chart_prefix))
    return section


def rounds_table(q: QuestionnaireData) -> Table:
    rows = []
    for r in q.rounds:
        responses = HIDDEN if r.responses is None else str(r.responses)
        rows.append(
            [
                f"{r.label} ({r.id})",
                ROUND_KIND_LABELS.get(r.kind, r.kind),
                period(r),
                scope_text(r),
                ROUND_STATUS_LABELS.get(r.status, r.status) + (", con tessera" if r.panel else ""),
                Cell(responses, "suppressed" if r.responses is None else ""),
                str(r.expected) if r.expected else DASH,
                percent(r.rate) if r.rate is not None else DASH,
            ]
        )
    return Table(
        "Rilevazioni: risposte e tasso di risposta",
        [
            "Rilevazione",
            "Momento",
            "Periodo",
            "Dove",
            "Stato",
            "Risposte",
            "Attese",
            "Tasso di risposta",
        ],
        rows,
        numeric=frozenset({5, 6, 7}),
    )


def indicators_blocks(
    q: QuestionnaireData, published: list[RoundData], texts: dict[str, str], chart_prefix: str
) -> list:
    measures = q.questionnaire.measures
    if not measures:
        return []
    rows = []
    for measure in measures:
        indicator = measure["indicator"]
        for r in published:
            row = next(
                (x for x in r.payload.get("indicators") or [] if x["indicator"] == indicator), None
            )
            if row is None or measure["statistic"] == "improved_share":
                continue
            rows.append(_indicator_row(texts.get(indicator, indicator), row, round_name(r)))
        for c in q.comparisons:
            for row in (c.payload or {}).get("indicators") or []:
                if row["indicator"] == indicator and row.get("round") == "pairs":
                    rows.append(
                        _indicator_row(
                            texts.get(indicator, indicator),
                            row,
                            f"persone abbinate: rilevazioni {c.before.id} e {c.after.id}",
                        )
                    )
        if measure["statistic"] == "improved_share" and not any(
            row.get("round") == "pairs"
            for c in q.comparisons
            for row in (c.payload or {}).get("indicators") or []
            if row["indicator"] == indicator
        ):
            rows.append(
                [
                    texts.get(indicator, indicator),
                    STATISTIC_LABELS["improved_share"],
                    "richiede due rilevazioni con tessera",
                    DASH,
                    DASH,
                    DASH,
                    target_text(measure_target(measure)),
                    DASH,
                ]
            )
    blocks = [
        Table(
            "Valore di ogni indicatore con intervallo di confidenza al 95% e obiettivo",
            [
                "Indicatore",
                "Misura",
                "Rilevazione",
                "n",
                "Valore",
                "IC 95%",
                "Obiettivo",
                "Raggiunto",
            ],
            rows,
            numeric=frozenset({3, 4}),
        )
    ]
    for m, measure in enumerate(measures):
        if measure["statistic"] == "improved_share":
            continue
        figure = indicator_figure(f"{chart_prefix}-i{m}", measure, published, texts)
        if figure:
            blocks.append(figure)
    return blocks


def measure_target(measure: dict) -> dict:
    target = measure.get("target") or {}
    return {
        "target_operator": target.get("operator"),
        "target_value": target.get("value"),
        "target_label": (target.get("label") or {}).get("it"),
        "statistic": measure["statistic"],
    }


def _indicator_row(text: str, row: dict, where: str) -> list:
    statistic = STATISTIC_LABELS.get(row["statistic"], row["statistic"])
    if row.get("suppressed"):
        return [text, statistic, where, hidden_cell(), hidden_cell(), "", target_text(row), DASH]
    n = DASH if row.get("n") is None else str(row["n"])
    if row.get("indicative"):
        n += " (indicativo)"
    ci = indicator_interval(row)
    if row.get("note"):
        ci = f"{ci} {row['note']}".strip()
    return [
        text,
        statistic,
        where,
        n,
        indicator_value(row),
        ci,
        target_text(row),
        target_met_text(row),
    ]


def indicator_figure(
    chart_id: str, measure: dict, published: list[RoundData], texts: dict[str, str]
) -> Figure | None:
    share = measure["statistic"] != "mean_score"
    rows = []
    for r in published:
        row = next(
            (
                x
                for x in r.payload.get("indicators") or []
                if x["indicator"] == measure["indicator"]
            ),
            None,
        )
        dot = charts.Dot(0, None)
        if row and not row.get("suppressed") and row.get("value") is not None:
            dot = charts.Dot(0, row["value"], row.get("low"), row.get("high"))
        rows.append(
            charts.DotRow(
                f"{ROUND_KIND_LABELS.get(r.kind, r.kind)} {local_date(r.when)} ({r.id})", [dot]
            )
        )
    if not any(d.value is not None for row in rows for d in row.dots):
        return None
    target = measure.get("target")
    text = texts.get(measure["indicator"], measure["indicator"])
    svg = charts.dot_plot(
        chart_id,
        rows,
        ["Valore con intervallo di confidenza al 95%"],
        title=f"Indicatore: {text}",
        description=prose.text("questionnaires", "indicator_chart"),
        axis_max=1 if share else 100,
        percent=share,
        target=target["value"] if target else None,
        target_label=localized(target.get("label"), "it") if target else "",
        suppressed_text="n<5",
    )
    return Figure(
        svg,
        f"{text} ({STATISTIC_LABELS.get(measure['statistic'], measure['statistic'])}) per "
        f"rilevazione",
    )


def dimensions_table(q: QuestionnaireData, published: list[RoundData]) -> Table:
    rows = []
    for r in published:
        titles = dimension_titles(r.questionnaire)
        for row in r.payload.get("dimensions") or []:
            name = titles.get(row["dimension_id"], row["dimension_id"])
            if row.get("suppressed"):
                rows.append(
                    [name, round_name(r), hidden_cell(), hidden_cell(), "", hidden_cell(), DASH]
                )
                continue
            n = str(row["n"]) + (" (indicativo)" if row.get("indicative") else "")
            alpha = DASH
            if not row.get("alpha_suppressed") and row.get("alpha") is not None:
                alpha_ci = interval(row.get("alpha_low"), row.get("alpha_high"), digits=2)
                alpha = f"{number(row['alpha'], 2)} {alpha_ci}"
                if not row.get("acceptable"):
                    alpha += " (poco affidabile)"
            favourable = percent(row.get("top_box_share"))
            favourable_ci = interval(row.get("top_box_low"), row.get("top_box_high"), share=True)
            rows.append(
                [
                    name,
                    round_name(r),
                    n,
                    number(row.get("score")),
                    interval(row.get("score_low"), row.get("score_high")),
                    f"{favourable} {favourable_ci}".strip(),
                    alpha,
                ]
            )
    return Table(
        "Punteggio 0-100 di ogni dimensione (con intervallo al 95%), quota di rispondenti "
        "favorevoli e alfa di Cronbach, per rilevazione",
        [
            "Dimensione",
            "Rilevazione",
            "n",
            "Punteggio 0-100",
            "IC 95%",
            "Favorevoli",
            "Alfa di Cronbach",
        ],
        rows,
        numeric=frozenset({2, 3}),
    )


def item_figures(r: RoundData, chart_prefix: str) -> list[Figure]:
    """One diverging bar chart per dimension (and scale within it) of a round."""
    questionnaire = r.questionnaire
    rows_by_item = {row["item_id"]: row for row in r.payload.get("items") or []}
    figures = []
    for d, dimension in enumerate(questionnaire.dimensions):
        items = [i for i in questionnaire.items if i.dimension_id == dimension["id"]]
        for s, scale_id in enumerate(dict.fromkeys(i.scale.id for i in items)):
            scale_items = [i for i in items if i.scale.id == scale_id]
            title = localized(dimension["title"], "it")
            bars = [
                charts.BarRow(
                    localized(item.text, "it") + (" (invertita)" if item.reverse else ""),
                    rows_by_item[item.id]["pct"] if item.id in rows_by_item else None,
                )
                for item in scale_items
            ]
            svg = charts.diverging_bars(
                f"{chart_prefix}-d{d}-{s}",
                bars,
                [localized(label, "it") for label in scale_items[0].scale.labels],
                title=f"Distribuzione delle risposte: {title}",
                description=prose.text("questionnaires", "answers_chart"),
                suppressed_text="n<5",
            )
            figures.append(
                Figure(svg, f"{title}: percentuale di ogni risposta (rilevazione {r.id})")
            )
    return figures
