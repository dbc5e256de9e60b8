"""How values and trends are shown: formatted text, a symbol beside the words, a sparkline.

The trend is never told by colour alone: every trend has a symbol (▲ ▼ ▬) and words
("in aumento di 3 rispetto al 2022-H2"). The sparkline is an inline SVG drawn with
presentation attributes only (the Content-Security-Policy allows no ``style`` attribute),
with a text alternative.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from survey_app.indicators.importing import FILE_KIND_CODES, semesters_until
from survey_app.indicators.queries import Point, Trend

KIND_LABELS = {
    "number": _l("Numero"),
    "percent": _l("Percentuale (0-100)"),
    "yes_no": _l("Sì/No"),
    "text": _l("Testo breve"),
}
INDICATOR_KIND_LABELS = {"process": _l("Indicatori di processo"), "output": _l("Indicatori di output"),
                         "outcome": _l("Indicatori di outcome")}
TREND_SYMBOLS = {"up": "▲", "down": "▼", "flat": "▬"}

SPARK_WIDTH, SPARK_HEIGHT, SPARK_PAD = 96, 28, 3


def sentence(text: str) -> str:
    """Uppercase the first letter only (Jinja's ``capitalize`` lowercases the rest: "bergamo est")."""
    return text[:1].upper() + text[1:]


def number(value: float) -> str:
    """``1234.5`` → ``1.234,5`` in Italian (at most two decimals)."""
    return format_decimal(value, format="#,##0.##")


def format_value(point: Point | None) -> str:
    """The value as text in the page's language; ``–`` when there is none."""
    if point is None:
        return "–"
    if point.kind == "yes_no":
        return _("sì") if point.value else _("no")
    if point.kind == "text":
        return str(point.value)
    if point.kind == "percent":
        return number(point.value) + "%"
    return number(point.value)


def format_logged(state: dict | None) -> str:
    """A value as the audit log keeps it (``{"kind": "numero", "value": 12.0, ...}``), as text."""
    if not state or "value" not in state:
        return "–"
    kind = FILE_KIND_CODES.get(state.get("kind"), "text")
    value = state["value"]
    if kind == "yes_no":
        return _("sì") if value else _("no")
    if kind in ("number", "percent") and isinstance(value, (int, float)):
        return number(value) + ("%" if kind == "percent" else "")
    return str(value)


def editable_value(point: Point) -> str:
    """The value as the form reads it back: no thousands separator (``1234,5``), ``sì``/``no``."""
    if point.kind == "text":
        return str(point.value)
    if point.kind == "yes_no":
        return _("sì") if point.value else _("no")
    return format_decimal(point.value, format="0.##")


def trend_words(trend: Trend | None) -> str:
    """``in aumento di 3 rispetto al 2022-H2``; empty when there is no trend."""
    if trend is None:
        return ""
    unit = _(" punti percentuali") if trend.previous.kind == "percent" else ""
    if trend.direction == "flat":
        return _("stabile rispetto al %(semester)s", semester=trend.previous.semester)
    amount = number(abs(trend.change)) + unit
    if trend.direction == "up":
        return _("in aumento di %(amount)s rispetto al %(semester)s", amount=amount,
                 semester=trend.previous.semester)
    return _("in calo di %(amount)s rispetto al %(semester)s", amount=amount, semester=trend.previous.semester)


@dataclass(frozen=True)
class Sparkline:
    """Coordinates of a small line chart of numeric values over semesters."""

    width: int
    height: int
    #: ``x,y x,y ...`` for a ``<polyline>``
    points: str
    #: the last point, marked with a dot
    last_x: float
    last_y: float
    #: text alternative: every semester and value
    label: str


def sparkline(points: tuple[Point, ...]) -> Sparkline | None:
    """A sparkline of numeric *points* (ordered by semester); ``None`` with fewer than two.

    Semesters without a value leave a proportional gap on the x axis.
    """
    numeric = [p for p in points if p.is_numeric]
    if len(numeric) < 2 or len({p.kind for p in numeric}) > 1:
        return None
    axis = semesters_until(numeric[-1].semester, numeric[0].semester)
    values = [float(p.value) for p in numeric]
    low, high = min(values), max(values)
    span_x = max(len(axis) - 1, 1)
    inner_w, inner_h = SPARK_WIDTH - 2 * SPARK_PAD, SPARK_HEIGHT - 2 * SPARK_PAD
    coordinates = []
    for point, value in zip(numeric, values, strict=True):
        x = SPARK_PAD + inner_w * axis.index(point.semester) / span_x
        y = SPARK_PAD + inner_h / 2 if high == low else SPARK_PAD + inner_h * (high - value) / (high - low)
        coordinates.append((round(x, 1), round(y, 1)))
    label = "; ".join(f"{p.semester}: {format_value(p)}" for p in numeric)
    return Sparkline(SPARK_WIDTH, SPARK_HEIGHT, " ".join(f"{x},{y}" for x, y in coordinates),
                     coordinates[-1][0], coordinates[-1][1], _("Andamento: %(values)s", values=label))


def template_helpers() -> dict:
    """The helpers the indicator templates use."""
    return {"sentence": sentence, "format_value": format_value, "format_logged": format_logged, "trend_words": trend_words, "trend_symbols": TREND_SYMBOLS,
            "sparkline": sparkline, "value_kind_labels": KIND_LABELS,
            "indicator_kind_labels": INDICATOR_KIND_LABELS}
