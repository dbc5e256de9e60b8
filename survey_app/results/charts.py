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

import unicodedata
from dataclasses import dataclass

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
ROW_HEIGHT = 40
MIN_LABELLED_PCT = 7
LEGEND_SIZE = 12
LEGEND_LINE = 16
LEGEND_MARKER = 20  # the marker and the gap before its text
LEGEND_GAP = 24  # between two entries on a line

#: advance widths (1/1000 em) of Helvetica, whose metrics Arial and Liberation Sans share
_ASCII = "".join(map(chr, range(32, 127)))  # space to tilde
_ADVANCES = (
    [278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278]
    + [556] * 10
    + [278, 278, 584, 584, 584, 556, 1015]
    + [667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722,
       667, 611, 722, 667, 944, 667, 667, 611]
    + [278, 278, 278, 469, 556, 333]
    + [556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333,
       500, 278, 556, 500, 722, 500, 500, 500]
    + [334, 260, 334, 584]
)
WIDTHS = dict(zip(_ASCII, _ADVANCES, strict=True)) | {"…": 1000, "–": 556, "—": 1000, "≥": 760,
                                                       "≤": 760, "«": 556, "»": 556, "’": 222}
#: DejaVu Sans, the fallback where no Arial-like font is installed, is about 16% wider
WIDTH_MARGIN = 1.16


def text_width(text: str, size: float) -> float:
    """The width in px of *text* at font *size*, at most what the renderer's font will need.

    SVG text does not wrap and the chart's box clips it, so every label is laid out with this
    estimate (Helvetica's metrics, widened for the broader fallback fonts).
    """
    total = 0
    for char in text:
        base = unicodedata.normalize("NFD", char)[0]  # "è" as wide as "e"
        wide = unicodedata.east_asian_width(char) in "WF"
        total += WIDTHS.get(char, WIDTHS.get(base, 1000 if wide else 600))
    return total * size / 1000 * WIDTH_MARGIN


def fit_lines(text: str, size: float, width: float, lines: int | None = None) -> list[str]:
    """*text* broken at spaces into lines of at most *width* px (a longer word is cut).

    With *lines*, at most that many: the last one then ends with "…" when text is left over.
    """
    out: list[str] = []
    for word in text.split():
        for piece in _pieces(word, size, width):
            if out and text_width(f"{out[-1]} {piece}", size) <= width:
                out[-1] = f"{out[-1]} {piece}"
            else:
                out.append(piece)
    out = out or [""]
    if lines is not None and len(out) > lines:
        out = out[:lines]
        last = out[-1]
        while last and text_width(last + "…", size) > width:
            last = last[:-1]
        out[-1] = last.rstrip() + "…"
    return out


def _pieces(word: str, size: float, width: float) -> list[str]:
    pieces = []
    while len(word) > 1 and text_width(word, size) > width:
        cut = 1
        while cut < len(word) and text_width(word[:cut + 1], size) <= width:
            cut += 1
        pieces.append(word[:cut])
        word = word[cut:]
    return [*pieces, word]


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
    """A row label ending at *x* (it starts at the chart's left margin at the earliest)."""
    parts = fit_lines(text, 13, x - 10, lines)
    first = y - (len(parts) - 1) * 8
    spans = "".join(f'<tspan x="{x:.1f}" y="{first + i * 16:.1f}">{escape(p)}</tspan>'
                    for i, p in enumerate(parts))
    return f'<text text-anchor="{anchor}" dominant-baseline="middle">{spans}</text>'


def _legend(entries: list[tuple[str, str]], top: float) -> tuple[list[str], float]:
    """Lay out legend *entries* (marker kind, label) from *top* down, each label whole.

    Entries follow one another on a line and go to the next line when they would cross the
    chart's right edge; a label wider than the chart wraps. Returns the SVG elements and the
    legend's height. Marker kinds: ``#rrggbb`` (a filled square), ``series:N`` (the dot of
    series N), ``target`` (a dashed line).
    """
    left, right = 10, WIDTH - 10
    out, x, y, line_height = [], left, top, LEGEND_LINE
    for marker, label in entries:
        lines = fit_lines(label, LEGEND_SIZE, right - left - LEGEND_MARKER)
        width = LEGEND_MARKER + max(text_width(line, LEGEND_SIZE) for line in lines)
        if x > left and x + width > right:
            x, y, line_height = left, y + line_height + 4, LEGEND_LINE
        middle = y + LEGEND_LINE / 2
        if marker.startswith("#"):
            out.append(f'<rect x="{x:.1f}" y="{middle - 7:.1f}" width="14" height="14" '
                       f'fill="{marker}"/>')
        elif marker == "target":
            out.append(f'<line x1="{x:.1f}" y1="{middle:.1f}" x2="{x + 14:.1f}" y2="{middle:.1f}" '
                       f'stroke="{TEXT}" stroke-dasharray="4 3"/>')
        else:
            colour, hollow = SERIES_STYLES[int(marker.split(":")[1]) % len(SERIES_STYLES)]
            out.append(_marker(x + 7, middle, colour, hollow))
        spans = "".join(f'<tspan x="{x + LEGEND_MARKER:.1f}" '
                        f'y="{middle + 4 + i * LEGEND_LINE:.1f}">'
                        f'{escape(line)}</tspan>' for i, line in enumerate(lines))
        out.append(f'<text font-size="{LEGEND_SIZE}">{spans}</text>')
        line_height = max(line_height, len(lines) * LEGEND_LINE)
        x += width + LEGEND_GAP
    return out, y + line_height - top


def diverging_bars(chart_id: str, rows: list[BarRow], point_labels: list[str], *, title: str,
                   description: str, suppressed_text: str = "n<5") -> Markup:
    """Return a diverging stacked bar chart, one bar per row, points 1..K left to right."""
    points = len(point_labels)
    colours = PALETTES[points]
    plot_left, plot_right = LABEL_WIDTH + 10, WIDTH - 10 - text_width("100%", 12) / 2
    centre = (plot_left + plot_right) / 2
    half = (plot_right - plot_left) / 2  # 100% on either side
    legend, legend_height = _legend(list(zip(colours, point_labels)), 10)
    top = 10 + legend_height + 10
    height = top + len(rows) * ROW_HEIGHT + 30
    out = _svg_open(chart_id, height, title, description) + legend
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
    plot_left, plot_right = LABEL_WIDTH + 10, WIDTH - 10 - text_width("100%", 12) / 2
    entries = [(f"series:{i}", label) for i, label in enumerate(series_labels)]
    if target is not None and target_label:
        entries.append(("target", target_label))
    legend, legend_height = _legend(entries, 10)
    top = 10 + legend_height + 14
    row_height = 28 if len(series_labels) <= 2 else 14 + 10 * len(series_labels)
    height = top + len(rows) * row_height + 30

    def x_of(value: float) -> float:
        return plot_left + max(0.0, min(value, axis_max)) / axis_max * (plot_right - plot_left)

    out = _svg_open(chart_id, height, title, description) + legend
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
                   f'stroke="{TEXT}" stroke-dasharray="4 3"/>')  # named in the legend
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
