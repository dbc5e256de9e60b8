"""SVG charts for the evaluator pages: diverging stacked bars and dot plots with intervals.

Pure functions returning :class:`markupsafe.Markup`. Every chart is an ``<svg role="img">``
named by its ``<title>`` and described by its ``<desc>`` (``aria-labelledby``), and the
pages print the same numbers in a table next to it. Colours are presentation attributes
(``fill="..."``), never ``style`` attributes, so the strict Content-Security-Policy (no
``'unsafe-inline'``) holds; there is no script. The palettes are ColorBrewer's RdBu, which
stays distinguishable with the common colour-vision deficiencies; the neutral midpoint is
grey.

Diverging bars follow Heiberger & Robbins (2014): the unfavourable answers extend left of
the centre line, the favourable ones right, and a neutral midpoint straddles it, so items are
compared by where their bars sit. Reverse items arrive already recoded (right is always
favourable).
"""

from __future__ import annotations

from dataclasses import dataclass
from textwrap import wrap

from markupsafe import Markup, escape

PALETTES = {
    2: ("#ca0020", "#0571b0"),
    3: ("#ca0020", "#bababa", "#0571b0"),
    4: ("#ca0020", "#f4a582", "#92c5de", "#0571b0"),
    5: ("#ca0020", "#f4a582", "#bababa", "#92c5de", "#0571b0"),
    6: ("#b2182b", "#ef8a62", "#fddbc7", "#d1e5f0", "#67a9cf", "#2166ac"),
    7: ("#b2182b", "#ef8a62", "#fddbc7", "#bababa", "#d1e5f0", "#67a9cf", "#2166ac"),
}
#: text drawn on a segment of these colours is white, elsewhere black (contrast >= 4.5)
DARK_FILLS = {"#ca0020", "#0571b0", "#b2182b", "#2166ac"}
TEXT = "#1a1a1a"
MUTED = "#5c6f82"
GRID = "#d9dadb"
FONT = "Titillium Web, Segoe UI, Arial, sans-serif"
WIDTH = 760
LABEL_WIDTH = 270
LABEL_CHARS = 40
ROW_HEIGHT = 40
MIN_LABELLED_PCT = 7


@dataclass(frozen=True)
class BarRow:
    """One item: its label and the percentage of each point (``None`` when suppressed)."""

    label: str
    percentages: list[float] | None
    note: str = ""


def _number(value: float, digits: int = 0) -> str:
    return f"{value:.{digits}f}".replace(".", ",")


def _svg_open(chart_id: str, height: float, title: str, description: str) -> list[str]:
    return [
        (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
         f'viewBox="0 0 {WIDTH} {height:.0f}" width="{WIDTH}" height="{height:.0f}" '
         f'aria-labelledby="{chart_id}-title {chart_id}-desc" font-family="{FONT}" '
         f'font-size="13" fill="{TEXT}">'),
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]


def _label(x: float, y: float, text: str, anchor: str = "end", lines: int = 2) -> str:
    parts = wrap(text, LABEL_CHARS) or [""]
    if len(parts) > lines:
        parts = parts[:lines]
        parts[-1] = parts[-1][:LABEL_CHARS - 1] + "…"
    first = y - (len(parts) - 1) * 8
    spans = "".join(f'<tspan x="{x:.1f}" y="{first + i * 16:.1f}">{escape(p)}</tspan>'
                    for i, p in enumerate(parts))
    return f'<text text-anchor="{anchor}" dominant-baseline="middle">{spans}</text>'


def diverging_bars(chart_id: str, rows: list[BarRow], point_labels: list[str], *, title: str,
                   description: str, suppressed_text: str = "n<5") -> Markup:
    """Return a diverging stacked bar chart, one bar per row, points 1..K left to right."""
    points = len(point_labels)
    colours = PALETTES[points]
    plot_left, plot_right = LABEL_WIDTH + 10, WIDTH - 10
    centre = (plot_left + plot_right) / 2
    half = (plot_right - plot_left) / 2  # 100% on either side
    legend_rows = (points + 2) // 3
    top = 10 + legend_rows * 20 + 10
    height = top + len(rows) * ROW_HEIGHT + 30
    out = _svg_open(chart_id, height, title, description)
    for i, (label, colour) in enumerate(zip(point_labels, colours)):  # the legend
        x, y = 10 + (i % 3) * (WIDTH - 20) / 3, 10 + (i // 3) * 20
        out.append(f'<rect x="{x:.1f}" y="{y}" width="14" height="14" fill="{colour}"/>')
        out.append(f'<text x="{x + 20:.1f}" y="{y + 11}" font-size="12">'
                   f'{escape(label[:38])}</text>')
    for tick in (-100, -50, 0, 50, 100):  # grid lines, labelled below
        x = centre + tick / 100 * half
        out.append(f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" '
                   f'y2="{top + len(rows) * ROW_HEIGHT}" stroke="{GRID if tick else MUTED}" '
                   f'stroke-width="{1 if tick else 1.5}"/>')
        out.append(f'<text x="{x:.1f}" y="{top + len(rows) * ROW_HEIGHT + 18}" '
                   f'text-anchor="middle" font-size="12" fill="{MUTED}">{abs(tick)}%</text>')
    for r, row in enumerate(rows):
        y = top + r * ROW_HEIGHT
        middle = y + ROW_HEIGHT / 2
        out.append(_label(LABEL_WIDTH, middle, row.label))
        if row.percentages is None:
            out.append(f'<text x="{centre:.1f}" y="{middle:.1f}" text-anchor="middle" '
                       f'dominant-baseline="middle" fill="{MUTED}">{escape(suppressed_text)}</text>')
            continue
        out += _bar(row.percentages, colours, centre, half, y + 8, ROW_HEIGHT - 16)
    out.append("</svg>")
    return Markup("\n".join(out))


def _bar(percentages: list[float], colours, centre: float, half: float, y: float,
         height: float) -> list[str]:
    points = len(percentages)
    values = [p or 0.0 for p in percentages]
    lower = points // 2  # points below the midpoint
    neutral = values[lower] if points % 2 else 0.0
    x = centre - (sum(values[:lower]) + neutral / 2) / 100 * half
    parts = []
    for value, colour in zip(values, colours):
        width = value / 100 * half
        if width > 0:
            parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" '
                         f'height="{height:.1f}" fill="{colour}"/>')
            if value >= MIN_LABELLED_PCT:
                ink = "#ffffff" if colour in DARK_FILLS else TEXT
                parts.append(f'<text x="{x + width / 2:.1f}" y="{y + height / 2:.1f}" '
                             f'text-anchor="middle" dominant-baseline="middle" font-size="12" '
                             f'fill="{ink}">{_number(value)}</text>')
        x += width
    return parts


@dataclass(frozen=True)
class Dot:
    """One estimate of a dot plot: its series (0, 1, ...), value and interval (``None``: hidden)."""

    series: int
    value: float | None
    low: float | None = None
    high: float | None = None


@dataclass(frozen=True)
class DotRow:
    label: str
    dots: list[Dot]


SERIES_STYLES = (  # (stroke and fill of the dot, hollow?)
    ("#5c6f82", True),
    ("#0066cc", False),
    ("#008758", False),
    ("#cc334d", True),
)


def dot_plot(chart_id: str, rows: list[DotRow], series_labels: list[str], *, title: str,
             description: str, axis_max: float = 100, percent: bool = False,
             target: float | None = None, target_label: str = "",
             suppressed_text: str = "n<5") -> Markup:
    """Return a dot plot: per row, one dot per series with its 95% interval as a line.

    :param axis_max: the right end of the axis (100 for 0-100 scores, 1 for shares).
    :param percent: label the axis in percent (for shares given as 0-1).
    :param target: draw a dashed vertical line at this value (an indicator's target).
    """
    plot_left, plot_right = LABEL_WIDTH + 10, WIDTH - 20
    legend_height = 30
    top = legend_height + 10
    row_height = 28 if len(series_labels) <= 2 else 14 + 10 * len(series_labels)
    height = top + len(rows) * row_height + 30

    def x_of(value: float) -> float:
        return plot_left + max(0.0, min(value, axis_max)) / axis_max * (plot_right - plot_left)

    out = _svg_open(chart_id, height, title, description)
    for i, label in enumerate(series_labels):  # legend
        colour, hollow = SERIES_STYLES[i % len(SERIES_STYLES)]
        x = 10 + i * 250
        out.append(_marker(x + 7, 15, colour, hollow))
        out.append(f'<text x="{x + 18}" y="19" font-size="12">{escape(label[:38])}</text>')
    bottom = top + len(rows) * row_height
    for step in range(5):  # grid
        value = axis_max * step / 4
        x = x_of(value)
        text = f"{_number(value * 100)}%" if percent else _number(value)
        out.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{bottom}" stroke="{GRID}"/>')
        out.append(f'<text x="{x:.1f}" y="{bottom + 18}" text-anchor="middle" font-size="12" '
                   f'fill="{MUTED}">{text}</text>')
    if target is not None:
        x = x_of(target)
        out.append(f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{bottom}" '
                   f'stroke="{TEXT}" stroke-dasharray="4 3"/>')
        if target_label:
            out.append(f'<text x="{x + 4:.1f}" y="{top - 2}" font-size="11">'
                       f'{escape(target_label)}</text>')
    for r, row in enumerate(rows):
        y = top + r * row_height
        out.append(_label(LABEL_WIDTH, y + row_height / 2, row.label, lines=1))
        visible = [d for d in row.dots if d.value is not None]
        if not visible:
            out.append(f'<text x="{plot_left + 6}" y="{y + row_height / 2:.1f}" '
                       f'dominant-baseline="middle" fill="{MUTED}">{escape(suppressed_text)}</text>')
        for dot in visible:
            offset = (dot.series - (len(series_labels) - 1) / 2) * 8
            cy = y + row_height / 2 + offset
            colour, hollow = SERIES_STYLES[dot.series % len(SERIES_STYLES)]
            if dot.low is not None and dot.high is not None:
                out.append(f'<line x1="{x_of(dot.low):.1f}" y1="{cy:.1f}" '
                           f'x2="{x_of(dot.high):.1f}" y2="{cy:.1f}" stroke="{colour}" '
                           f'stroke-width="2"/>')
            out.append(_marker(x_of(dot.value), cy, colour, hollow))
    out.append("</svg>")
    return Markup("\n".join(out))


def _marker(x: float, y: float, colour: str, hollow: bool) -> str:
    fill = "#ffffff" if hollow else colour
    return (f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="{fill}" stroke="{colour}" '
            f'stroke-width="2"/>')
