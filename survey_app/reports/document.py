"""The report as a document: sections of headings, paragraphs, tables and charts, in Italian.

Built from the data of :mod:`survey_app.reports.build`, and rendered as is by the HTML and
PDF renderer (:mod:`survey_app.reports.render`) and by the DOCX writer
(:mod:`survey_app.reports.word`), so every format says the same thing. Every number is
written here, once; a suppressed cell is written ``n<5`` and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from markupsafe import Markup, escape

from survey_app.analysis import wording
from survey_app.analysis.breakdowns import INDICATIVE_BELOW, NOT_STATED
from survey_app.analysis.privacy import MIN_CELL
from survey_app.analysis.scores import ACCEPTABLE_ALPHA
from survey_app.analysis.targets import MIN_ANSWERED_SHARE
from survey_app.indicators.importing import semesters_until
from survey_app.indicators.queries import Point, Series, Trend
from survey_app.questionnaires.definition import localized
from survey_app.reports import ambito_label, final_title
from survey_app.reports.build import (
    IMPROVEMENT_ALPHA,
    ComparisonData,
    FinalData,
    IndicatorData,
    ObjectiveData,
    QuestionnaireData,
    RoundData,
)
from survey_app.reports.formatting import (
    DASH,
    HIDDEN,
    INDICATOR_KIND_LABELS,
    INDICATOR_KIND_PLURALS,
    LEVEL_LABELS,
    LEVEL_NAMES,
    ROLE_LABELS,
    ROUND_KIND_LABELS,
    ROUND_STATUS_LABELS,
    STATISTIC_LABELS,
    STATUS_LABELS,
    STATUS_SYMBOLS,
    TREND_SYMBOLS,
    closing_date,
    count,
    designation_text,
    indicator_interval,
    indicator_value,
    interval,
    local_date,
    local_datetime,
    number,
    p_value,
    percent,
    plain_number,
    sentence,
    signed,
    status_text,
    target_met_text,
    target_text,
)
from survey_app.results import charts

CHARTS_NOTE = (
    "Le tabelle riportano gli stessi numeri dei grafici. I grafici mostrano a sinistra del centro "
    "le risposte sfavorevoli e a destra quelle favorevoli; i punti hanno l'intervallo di "
    "confidenza al 95%."
)
SUPPRESSION_NOTE = (
    f"Per proteggere chi risponde non si mostra alcun risultato di gruppi con meno di {MIN_CELL} "
    "rispondenti, né di gruppi che permetterebbero di ricavarli per differenza dal totale "
    f"(soppressione complementare): queste celle sono indicate con «{HIDDEN}». I gruppi con meno "
    f"di {INDICATIVE_BELOW} rispondenti sono segnati «indicativo»."
)


# --- blocks -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """A table cell with a class for its look (``status-met``, ``suppressed``...)."""

    text: str
    css: str = ""


@dataclass
class Table:
    caption: str
    header: list[str]
    rows: list[list]
    #: columns aligned to the right (numbers)
    numeric: frozenset = frozenset()
    #: the first cell of each row is its header
    row_headers: bool = True
    #: rows shown as totals
    totals: frozenset = frozenset()
    #: small print (long tables)
    compact: bool = False
    kind: str = "table"


@dataclass
class Paragraph:
    text: str
    css: str = ""
    #: an inline SVG after the text (a sparkline)
    svg: Markup | None = None
    kind: str = "paragraph"


@dataclass
class Facts:
    items: list[tuple[str, str]]
    kind: str = "facts"


@dataclass
class Bullets:
    items: list[str]
    kind: str = "bullets"


@dataclass
class Figure:
    svg: Markup
    caption: str
    kind: str = "figure"


@dataclass
class Quotes:
    """Free comments, already reviewed."""

    items: list[str]
    kind: str = "quotes"


@dataclass
class Section:
    id: str
    title: str
    #: heading level: 2 for h2...
    level: int
    blocks: list = field(default_factory=list)
    children: list[Section] = field(default_factory=list)
    #: start on a new page when printed
    page_break: bool = False
    kind: str = "section"

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass
class Document:
    title: str
    subtitle: str
    facts: list[tuple[str, str]]
    intro: list[Paragraph]
    sections: list[Section]
    #: list the top-level sections at the start
    contents: bool = True

    def walk(self):
        for section in self.sections:
            yield from section.walk()

    @property
    def tables(self) -> list[Table]:
        return [b for s in self.walk() for b in s.blocks if isinstance(b, Table)]

    @property
    def figures(self) -> list[Figure]:
        return [b for s in self.walk() for b in s.blocks if isinstance(b, Figure)]


def plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def hidden_cell() -> Cell:
    return Cell(HIDDEN, "suppressed")


def status_cell(status: str) -> Cell:
    return Cell(status_text(status), f"status status-{status.replace('_', '-')}")


# --- documents --------------------------------------------------------------------------------


def objective_document(data: ObjectiveData, plan, generated_at) -> Document:
    """The report of one objective of *plan*, on its own."""
    return Document(
        title=f"{data.chapter} · {sentence(data.title)}",
        subtitle=f"Rapporto per obiettivo – {plan.title} – {ambito_label(plan.ambito.name)}",
        facts=[("Generato il", local_datetime(generated_at))],
        intro=_pending_notes(data),
        sections=objective_sections(data, level=2),
    )


def final_document(data: FinalData) -> Document:
    """The final report: synoptic table, one section per objective, methods annex."""
    sections = [synoptic_section(data)]
    for objective in data.objectives:
        sections.append(
            Section(
                objective.id,
                f"{objective.chapter} · {sentence(objective.title)}",
                2,
                children=objective_sections(objective, level=3),
                page_break=True,
                blocks=_pending_notes(objective),
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
        intro=[
            Paragraph(
                "Il rapporto riporta, per ogni obiettivo del Piano di Zona, gli indicatori di "
                "processo, output e outcome con il loro stato, i valori semestrali con il loro "
                "andamento e i risultati dei questionari somministrati ai beneficiari, alle "
                "famiglie, agli enti della rete e ai cittadini. Il quadro sinottico riassume lo "
                "stato di ogni indicatore; l'allegato metodologico spiega come sono calcolati i "
                "numeri."
            ),
            Paragraph(SUPPRESSION_NOTE, "note"),
        ],
        sections=sections,
    )


def _pending_notes(data: ObjectiveData) -> list[Paragraph]:
    notes = []
    if data.pending:
        notes.append(
            Paragraph(
                "Alcuni risultati sono in corso di calcolo: si riportano quelli calcolati in "
                "precedenza, se ci sono.",
                "notice",
            )
        )
    for error in data.errors:
        notes.append(Paragraph(f"Un'analisi non è riuscita: {error}", "notice"))
    return notes


# --- one objective ----------------------------------------------------------------------------


def objective_sections(data: ObjectiveData, level: int) -> list[Section]:
    """The sections of an objective, the first at heading *level*."""
    facts = [
        ("Capitolo del Piano", data.chapter),
        ("Livello", LEVEL_LABELS.get(data.level, data.level)),
    ]
    if data.macroarea:
        facts.append(("Macroarea", sentence(data.macroarea)))
    facts.append(
        (
            "Livelli di valutazione con dati",
            ", ".join(LEVEL_NAMES[v] for v in data.levels) if data.levels else "nessuno",
        )
    )
    blocks = [Facts(facts)]
    if data.description:
        blocks.append(Paragraph(data.description))
    if data.targets:
        blocks += [Paragraph("Destinatari", "label"), Bullets(list(data.targets))]
    sections = [Section(f"{data.id}-obiettivo", "L'obiettivo nel Piano", level, blocks)]
    sections.append(indicators_section(data, level))
    semestral = semestral_section(data, level)
    if semestral:
        sections.append(semestral)
    sections.append(questionnaires_section(data, level))
    sections.append(methods_note(data, level))
    return sections


def indicators_section(data: ObjectiveData, level: int) -> Section:
    if not data.indicators:
        return Section(
            f"{data.id}-indicatori",
            "Indicatori",
            level,
            [Paragraph("Il Piano non elenca indicatori per questo obiettivo.")],
        )
    rows = []
    for indicator in data.indicators:
        rows.append(
            [
                indicator.text,
                INDICATOR_KIND_LABELS[indicator.kind],
                "questionario" if indicator.via_questionnaire else "valori semestrali",
                status_cell(indicator.status),
                _indicator_value(indicator),
                _indicator_trend(indicator),
                _indicator_note(indicator),
                designation_text(indicator.rounds),
            ]
        )
    table = Table(
        "Indicatori dell'obiettivo e loro stato",
        ["Indicatore", "Tipo", "Misura", "Stato", "Valore", "Andamento", "Nota", "Rilevazioni del giudizio"],
        rows,
    )
    return Section(f"{data.id}-indicatori", "Indicatori", level, [table])


def _indicator_value(indicator: IndicatorData) -> str:
    if indicator.via_questionnaire:
        row = indicator.estimate
        if not row:
            return DASH
        ci = indicator_interval(row)
        return f"{indicator_value(row)} {ci}".strip()
    return latest_text(indicator.series)


def latest_text(series) -> str:
    if series is None or not series.series:
        return DASH
    if series.latest is not None:
        return f"{format_point(series.latest)} ({series.latest.semester})"
    return "solo valori per Comune"


def _indicator_trend(indicator: IndicatorData) -> str:
    if indicator.via_questionnaire:
        return DASH
    return trend_text(indicator.trend) or DASH


def _indicator_note(indicator: IndicatorData) -> str:
    parts = [indicator.reason]
    if indicator.estimate:
        parts.append(
            f"obiettivo {target_text(indicator.estimate)}"
            if indicator.estimate.get("target_operator")
            else ""
        )
        parts.append(f"da: {indicator.source}")
    return "; ".join(p for p in parts if p)


def format_point(point: Point | None) -> str:
    if point is None:
        return DASH
    if point.kind == "yes_no":
        return "sì" if point.value else "no"
    if point.kind == "text":
        return str(point.value)
    if point.kind == "percent":
        return plain_number(point.value) + "%"
    return plain_number(point.value)


def trend_text(trend: Trend | None) -> str:
    """``▲ in aumento di 3 rispetto al 2022-H2``; empty without a trend."""
    if trend is None:
        return ""
    symbol = TREND_SYMBOLS[trend.direction]
    if trend.direction == "flat":
        return f"{symbol} stabile rispetto al {trend.previous.semester}"
    unit = " punti percentuali" if trend.previous.kind == "percent" else ""
    amount = plain_number(abs(trend.change)) + unit
    words = "in aumento" if trend.direction == "up" else "in calo"
    return f"{symbol} {words} di {amount} rispetto al {trend.previous.semester}"


def sparkline(points: tuple[Point, ...]) -> Markup | None:
    """A small line of numeric values over the semesters (gaps kept), or ``None``."""
    numeric = [p for p in points if p.is_numeric]
    if len(numeric) < 2 or len({p.kind for p in numeric}) > 1:
        return None
    width, height, pad = 96, 28, 3
    axis = semesters_until(numeric[-1].semester, numeric[0].semester)
    values = [float(p.value) for p in numeric]
    low, high = min(values), max(values)
    span = max(len(axis) - 1, 1)
    coordinates = []
    for point, value in zip(numeric, values, strict=True):
        x = pad + (width - 2 * pad) * axis.index(point.semester) / span
        y = (
            pad + (height - 2 * pad) / 2
            if high == low
            else pad + (height - 2 * pad) * (high - value) / (high - low)
        )
        coordinates.append((round(x, 1), round(y, 1)))
    label = "Andamento: " + "; ".join(f"{p.semester}: {format_point(p)}" for p in numeric)
    line = " ".join(f"{x},{y}" for x, y in coordinates)
    last_x, last_y = coordinates[-1]
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="sparkline" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" focusable="false">'
        f"<title>{escape(label)}</title>"
        f'<polyline points="{line}" fill="none" stroke="#0066cc" stroke-width="2" '
        f'stroke-linejoin="round" stroke-linecap="round"/>'
        f'<circle cx="{last_x}" cy="{last_y}" r="3" fill="#0066cc"/></svg>'
    )


def semestral_section(data: ObjectiveData, level: int) -> Section | None:
    recorded = [i for i in data.indicators if i.series is not None and i.series.series]
    if not any(not i.via_questionnaire for i in data.indicators):
        return None
    section = Section(f"{data.id}-semestrali", "Valori semestrali", level)
    if not recorded:
        section.blocks.append(
            Paragraph("Nessun valore semestrale registrato per gli indicatori di questo obiettivo.")
        )
        return section
    for indicator in recorded:
        child = Section(f"{indicator.id}-valori", indicator.text, level + 1)
        series = indicator.series
        semesters = list(series.semesters)
        rows = []
        for scope in series.series:
            name = scope.comune_name or "Tutto l'Ambito"
            rows.append(
                [name]
                + [format_point(scope.at(s)) if scope.at(s) else DASH for s in semesters]
                + [trend_text(scope.trend) or DASH]
            )
        child.blocks.append(
            Table(
                f"{INDICATOR_KIND_LABELS[indicator.kind]}: valori per semestre",
                ["Ambito o Comune", *semesters, "Andamento"],
                rows,
                compact=len(semesters) > 6,
            )
        )
        total = series.total
        summary = f"Ultimo valore per tutto l'Ambito: {latest_text(series)}" + (
            f"; {trend_text(total.trend)}." if total and total.trend else "."
        )
        child.blocks.append(Paragraph(summary, svg=sparkline(total.points) if total else None))
        sources = _sources(series.series)
        if sources:
            child.blocks.append(Paragraph("Fonte: " + "; ".join(sources) + ".", "meta"))
        carried = _carried_semesters(series.series)
        if carried:
            child.blocks.append(Paragraph("Valori di partenza dal Piano precedente (indicatore che questo "
                                          "prosegue): " + "; ".join(carried) + ".", "meta"))
        notes = [
            f"{p.semester}{' ' + s.comune_name if s.comune_name else ''}: {p.note}"
            for s in series.series
            for p in s.points
            if p.note
        ]
        if notes:
            child.blocks.append(Paragraph("Note: " + "; ".join(notes) + ".", "meta"))
        section.children.append(child)
    return section


def _carried_semesters(series: tuple[Series, ...]) -> list[str]:
    """"2022-H1, 2022-H2 (Piano di Zona 2021-2023)": the semesters carried forward, by plan."""
    by_plan: dict[str, list[str]] = {}
    for scope in series:
        for point in scope.points:
            if point.carried_from and point.semester not in by_plan.setdefault(point.carried_from, []):
                by_plan[point.carried_from].append(point.semester)
    return [f"{', '.join(sorted(semesters))} ({plan})" for plan, semesters in by_plan.items()]


def _sources(series: tuple[Series, ...]) -> list[str]:
    return list(dict.fromkeys(p.source for s in series for p in s.points if p.source))


# --- questionnaires ---------------------------------------------------------------------------


def questionnaires_section(data: ObjectiveData, level: int) -> Section:
    section = Section(f"{data.id}-questionari", "Risultati dei questionari", level)
    if not data.questionnaires:
        section.blocks.append(
            Paragraph(
                "Il Piano non prevede questionari per questo obiettivo: gli indicatori si "
                "misurano con i valori semestrali."
            )
        )
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
            section.blocks.append(
                Paragraph(
                    f"Nessuna rilevazione ha almeno {MIN_CELL} risposte: per proteggere "
                    "chi ha risposto non si mostra alcun risultato."
                )
            )
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
                + [Paragraph(CHARTS_NOTE, "meta")],
            )
        )
    comparison = comparisons_section(q, indicator_texts, level + 1, chart_prefix)
    section.children.append(comparison)
    section.children.append(breakdowns_section(q, published, level + 1, chart_prefix))
    section.children.append(comments_section(q, level + 1, chart_prefix))
    return section


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
        description="Un punto per rilevazione con il suo intervallo; la linea "
        "tratteggiata è l'obiettivo. Gli stessi numeri sono nella tabella degli indicatori.",
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


def dimension_titles(q) -> dict[str, str]:
    return {d["id"]: localized(d["title"], "it") for d in q.dimensions}


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
                description="Barre divergenti: per ogni domanda la percentuale di ciascuna "
                "risposta; a sinistra del centro le risposte sfavorevoli, a destra quelle "
                "favorevoli.",
                suppressed_text="n<5",
            )
            figures.append(
                Figure(svg, f"{title}: percentuale di ogni risposta (rilevazione {r.id})")
            )
    return figures


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
        section.blocks.append(
            Paragraph(
                f"Serve almeno una seconda rilevazione con {MIN_CELL} o più risposte (nello "
                "stesso Comune o servizio) per un confronto."
            )
        )
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
        return blocks + [
            Paragraph(
                f"Una delle due rilevazioni ha meno di {MIN_CELL} risposte: nessun confronto."
            )
        ]
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
        blocks.append(
            Paragraph(
                f"Persone abbinate tra le due rilevazioni: {HIDDEN}. Non si contano le persone che "
                "migliorano."
            )
        )
    else:
        blocks.append(
            Paragraph(
                "Rilevazioni senza tessera: il confronto è tra gruppi di persone diversi e non si "
                "possono contare le persone che migliorano, restano uguali o peggiorano."
            )
        )
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
        description="Per ogni domanda e dimensione due punti: il cerchio vuoto è la prima "
        "rilevazione, il pieno la seconda; le linee sono gli intervalli di confidenza al 95%.",
        suppressed_text="n<5",
    )
    return Figure(
        svg, f"Punteggi 0-100 prima (rilevazione {c.before.id}) e dopo (rilevazione {c.after.id})"
    )


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
        section.blocks.append(Paragraph(SUPPRESSION_NOTE, "meta"))
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


def comments_section(q: QuestionnaireData, level: int, chart_prefix: str) -> Section:
    section = Section(f"{chart_prefix}-commenti", "Commenti liberi", level)
    asked = q.questionnaire.comment is not None
    if not asked:
        section.blocks.append(Paragraph("Il questionario non prevede commenti liberi."))
        return section
    any_shown = False
    for r in q.rounds:
        if not r.any_responses:
            continue
        if r.responses is None:
            continue  # fewer than 5 responses: nothing about its comments, not even a count
        if r.comments:
            any_shown = True
            section.blocks.append(
                Paragraph(
                    f"{round_name(r)}: "
                    + plural(len(r.comments), "commento revisionato", "commenti revisionati")
                    + ".",
                    "label",
                )
            )
            section.blocks.append(Quotes(list(r.comments)))
        if r.unreviewed_comments:
            section.blocks.append(
                Paragraph(
                    f"{round_name(r)}: "
                    + plural(
                        r.unreviewed_comments,
                        "commento non ancora revisionato non è riportato",
                        "commenti non ancora revisionati non sono riportati",
                    )
                    + ".",
                    "meta",
                )
            )
    if not any_shown:
        section.blocks.insert(0, Paragraph("Nessun commento revisionato da riportare."))
    section.blocks.append(
        Paragraph(
            f"Si riportano solo i commenti che un valutatore ha letto e approvato, eventualmente "
            f"modificandoli per togliere ciò che può far riconoscere qualcuno, e solo delle "
            f"rilevazioni con almeno {MIN_CELL} risposte; senza Comune, servizio o data, in ordine "
            f"alfabetico.",
            "meta",
        )
    )
    return section


# --- methods ----------------------------------------------------------------------------------


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
        parts.append(
            "L'obiettivo ha "
            + ", ".join(counts)
            + ". Gli indicatori di processo descrivono le azioni "
            "avviate, quelli di output i prodotti e i servizi realizzati, quelli di outcome i "
            "cambiamenti attesi per le persone e la comunità."
        )
    if by_questionnaire:
        parts.append(
            f"{len(by_questionnaire)} indicatori di outcome si misurano tramite questionario "
            f"(scala Likert di accordo con affermazioni positive, quota di risposte favorevoli con "
            f"intervallo di Wilson o punteggio 0-100); gli altri con valori semestrali registrati "
            f"dagli operatori, per tutto l'Ambito o per Comune, con fonte e nota."
        )
    else:
        parts.append(
            "Gli indicatori si misurano con valori semestrali registrati dagli operatori, per "
            "tutto l'Ambito o per Comune, con fonte e nota."
        )
    levels = data.levels
    parts.append(
        "Livelli di valutazione con dati: "
        + (", ".join(LEVEL_NAMES[v] for v in levels) if levels else "nessuno finora")
        + "."
    )
    parts.append(
        "Il Piano non fissa valori obiettivo numerici per gli indicatori semestrali: il loro stato "
        "è «non misurabile» e si leggono ultimo valore e andamento. I confronti tra rilevazioni "
        "usano il test di Mann-Whitney (gruppi indipendenti) o di Wilcoxon (persone con tessera) "
        "con la dimensione "
        "dell'effetto rank-biserial. " + SUPPRESSION_NOTE
    )
    return Section(f"{data.id}-metodo", "Nota metodologica", level, [Paragraph(p) for p in parts])


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
    section.blocks.append(
        Paragraph(
            f"Stato: «raggiunto» o «non raggiunto» quando un questionario fissa un valore "
            f"obiettivo e la rilevazione designata («dopo») lo raggiunge o no; «non misurabile» quando non c'è "
            f"un valore obiettivo numerico (la maggior parte degli indicatori del Piano) o i "
            f"rispondenti sono meno di {MIN_CELL}; «nessun dato» quando non ci sono risposte né "
            f"valori semestrali. Gli indicatori di miglioramento si giudicano sul confronto prima/dopo. "
            f"La colonna «Rilevazioni del giudizio» dice da quali rilevazioni chiuse "
            f"viene ogni giudizio (prima e dopo) e se sono quelle predefinite o scelte da un valutatore; "
            f"le regole sono nell'allegato metodologico («Confronti e dimensione dell'effetto»).",
            "meta",
        )
    )
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
                    _indicator_value(indicator),
                    _indicator_trend(indicator),
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


def methods_annex(data: FinalData) -> Section:
    section = Section("allegato-metodologico", "Allegato metodologico", 2, page_break=True)
    lows = wording.RANK_BISERIAL_THRESHOLDS
    standard = wording.STANDARDIZED_THRESHOLDS
    share = MIN_ANSWERED_SHARE[0] / MIN_ANSWERED_SHARE[1]
    section.children = [
        Section(
            "metodo-indicatori",
            "Indicatori e livelli",
            3,
            [
                Paragraph(
                    "Il Piano di Zona descrive ogni obiettivo con indicatori di processo (le "
                    "azioni avviate), di output (i prodotti e i servizi realizzati) e di outcome "
                    "(i cambiamenti attesi). La valutazione guarda a tre livelli: micro, le "
                    "persone beneficiarie e le loro famiglie (questionari a beneficiari e "
                    "caregiver); meso, le organizzazioni e la rete (questionari agli operatori "
                    "degli enti partner); macro, la comunità (questionari ai cittadini e valori "
                    "semestrali per Comune e per l'Ambito)."
                ),
                Paragraph(
                    "Gli indicatori non misurati tramite questionario hanno un valore per semestre "
                    "(gennaio-giugno, luglio-dicembre), numero, percentuale, sì/no o testo breve, "
                    "registrato dagli operatori con la fonte. L'andamento confronta l'ultimo "
                    "valore con il precedente registrato (▲ in aumento, ▼ in calo, ▬ stabile). Il "
                    "Piano non fissa per essi un valore obiettivo numerico: nessun obiettivo è "
                    "stato aggiunto."
                ),
            ],
        ),
        Section(
            "metodo-scale",
            "Scale e punteggi",
            3,
            [
                Paragraph(
                    "I questionari chiedono quanto si è d'accordo con affermazioni positive su "
                    "scale Likert (4, 5 o 7 punti). «Non so / non applicabile» è un dato mancante, "
                    "mai un punto intermedio. Le domande formulate al negativo sono ricodificate, "
                    "così il valore più alto è sempre quello favorevole."
                ),
                scales_table(data),
                Paragraph(
                    f"Punteggio 0-100 di una risposta: (valore − 1) / (punti − 1) × 100. Il "
                    f"punteggio di una dimensione è la media delle domande a cui la persona ha "
                    f"risposto, se sono almeno il {share:.0%} delle domande della dimensione. "
                    f"Quota favorevole (top box): rispondenti la cui media raggiunge le risposte "
                    f"più favorevoli della scala (per esempio «abbastanza» o «molto d'accordo»), "
                    f"con intervallo di confidenza di Wilson al 95%; le medie hanno l'intervallo t "
                    f"al 95%."
                ),
                Paragraph(
                    f"Affidabilità: alfa di Cronbach per dimensione (questionari completi), con "
                    f"intervallo di Feldt; sotto {number(ACCEPTABLE_ALPHA, 2)} il punteggio della "
                    f"dimensione è poco affidabile (Nunnally e Bernstein 1994)."
                ),
            ],
        ),
        Section(
            "metodo-confronti",
            "Confronti e dimensione dell'effetto",
            3,
            [
                Paragraph(
                    "Quali rilevazioni contano. Il giudizio di ogni indicatore misurato con "
                    "questionario legge la rilevazione «dopo» designata: la più recente ex post "
                    "chiusa del Piano (senza ex post, la più recente in itinere); il confronto prima/"
                    "dopo la affianca alla rilevazione «prima»: per le rilevazioni con tessera la "
                    "prima dello stesso gruppo di tessere, altrimenti la prima ex ante chiusa (senza "
                    "ex ante, la prima in itinere) e, quando il Piano non ne ha, il risultato ex post "
                    "dell'indicatore che questo prosegue nel Piano precedente dello stesso Ambito. "
                    "Contano solo rilevazioni chiuse iniziate nel periodo del Piano, prima quelle "
                    "di tutto l'Ambito: le rilevazioni aperte e i follow-up dopo la fine del Piano "
                    "non entrano mai nelle rilevazioni predefinite. Un valutatore può designare "
                    "rilevazioni diverse; la scelta è registrata e ogni giudizio dice da quali "
                    "rilevazioni viene."
                ),
                Paragraph(
                    "Indicatori di miglioramento («N° di beneficiari che migliorano», «miglioramento "
                    "della qualità percepita ...»). Si giudicano sul confronto delle rilevazioni "
                    "designate, non su una rilevazione sola: raggiunto quando il «dopo» è migliore "
                    "del «prima» con p < "
                    + number(IMPROVEMENT_ALPHA, 2)
                    + " (per le persone con tessera: più persone migliorano di quante peggiorano, "
                    "test di Wilcoxon appaiato); non raggiunto quando il miglioramento non è "
                    "significativo o non c'è; non misurabile senza due rilevazioni chiuse con "
                    "almeno 5 rispondenti ciascuna. Quando il questionario fissa un obiettivo "
                    "per la quota di persone che migliorano, la quota si legge rispetto a quello."
                ),
                Paragraph(
                    "Le due rilevazioni si confrontano con il test di Mann-Whitney e "
                    "la dimensione dell'effetto r rank-biserial (r = 2U/(n₁n₂) − 1), e con il t di "
                    "Welch e il g di Hedges. Le persone con tessera presenti in entrambe sono "
                    "abbinate: test di Wilcoxon (zeri secondo Pratt) con r rank-biserial appaiato, "
                    "t appaiato con d_z, McNemar sulla quota favorevole, e il numero di persone "
                    "che migliorano, restano uguali o peggiorano. Gli intervalli di r si calcolano "
                    "con il jackknife sulla scala z di Fisher, quelli delle variazioni di quota "
                    "con il metodo di Newcombe."
                ),
                Paragraph(
                    "L'r rank-biserial appaiato è quello di Kerby (2014), r = (R⁺ − R⁻) / "
                    "(R⁺ + R⁻), sugli stessi ranghi del test: le differenze nulle sono ordinate "
                    "con le altre (Pratt) ma non entrano in R⁺ né in R⁻, quindi le persone "
                    "rimaste uguali, contate a parte, non avvicinano r a zero. La funzione "
                    "wilcoxon di pingouin ordina dopo aver tolto le differenze nulle: quando ce "
                    "ne sono il suo r può differire da quello mostrato, che è quello di Pratt. "
                    "Il p del test di Wilcoxon è esatto fino a 50 coppie senza differenze nulle "
                    "o a pari merito, esatto per enumerazione dei segni fino a 13 coppie quando "
                    "ce ne sono; negli altri casi viene dall'approssimazione normale, con la "
                    "correzione per i pari merito e senza correzione di continuità."
                ),
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
                Paragraph(
                    f"Correzione per confronti multipli: Holm all'interno di ogni dimensione (e "
                    f"per gli indicatori), Benjamini-Hochberg sull'intero confronto. La lettura "
                    f"usa il p di Holm con soglia {number(wording.SIGNIFICANCE, 2)}: "
                    f"«{wording.NO_DIFFERENCE}» non vuol dire «nessun cambiamento» (campioni "
                    f"piccoli rilevano solo effetti grandi); con meno di "
                    f"{wording.MIN_N_TO_CONCLUDE} risposte per parte la lettura è "
                    f"«{wording.TOO_SMALL}»."
                ),
            ],
        ),
        Section(
            "metodo-riservatezza",
            "Riservatezza",
            3,
            [
                Paragraph(
                    SUPPRESSION_NOTE
                    + " La regola vale per ogni tabella del rapporto: rilevazioni, dimensioni, "
                    f"domande, indicatori, gruppi per Comune e per servizio. I confronti si "
                    f"calcolano solo se entrambe le rilevazioni hanno almeno {MIN_CELL} risposte."
                ),
                Paragraph(
                    f"I commenti liberi compaiono solo dopo la revisione di un valutatore "
                    f"(approvati, o modificati per togliere ciò che può far riconoscere qualcuno; "
                    f"quelli esclusi non compaiono mai), solo per rilevazioni con almeno "
                    f"{MIN_CELL} risposte, senza Comune, servizio o data."
                ),
            ],
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
    blocks = [
        Paragraph(
            "Tasso di risposta: risposte sulle persone attese, quando l'operatore ne ha indicato "
            "il numero all'apertura della rilevazione. Le rilevazioni ancora senza risposte non "
            "sono elencate."
        )
    ]
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
