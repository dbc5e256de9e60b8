"""An objective's indicators: the table of their status, and their semestral values.

Also how a semestral value, its trend and its latest value are written, and the sparkline
beside an indicator's summary; the final report's synoptic table (:mod:`.final`) writes an
indicator's value and trend as the table here does.
"""

from __future__ import annotations

from markupsafe import Markup, escape

from survey_app.indicators.importing import semesters_until
from survey_app.indicators.queries import Point, Series, Trend
from survey_app.reports.build import IndicatorData, ObjectiveData
from survey_app.reports.document.blocks import Paragraph, Section, Table, status_cell
from survey_app.reports.formatting import (
    DASH,
    INDICATOR_KIND_LABELS,
    TREND_SYMBOLS,
    designation_text,
    indicator_interval,
    indicator_value,
    plain_number,
    target_text,
)


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
                indicator_value_text(indicator),
                indicator_trend_text(indicator),
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


def indicator_value_text(indicator: IndicatorData) -> str:
    """The value of an indicator, with its interval, or its latest semestral value."""
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


def indicator_trend_text(indicator: IndicatorData) -> str:
    """The trend of a semestral indicator (a dash for one measured by questionnaire)."""
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
