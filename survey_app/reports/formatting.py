"""Italian wording and number formats of the reports.

Reports are Italian documents that go into the plan, written the same way whether they are
made in a web request, by the worker or on the command line: so these helpers use Babel
with the ``it`` locale directly, never the request's interface language.
"""

from __future__ import annotations

import math
from datetime import datetime

from babel.dates import format_date
from babel.numbers import format_decimal

from survey_app.localtime import shown_day, to_local

LOCALE = "it_IT"
DASH = "–"
HIDDEN = "n<5"

ROUND_KIND_LABELS = {
    "ex-ante": "Ex ante",
    "in-itinere": "In itinere",
    "ex-post": "Ex post",
    "follow-up": "Follow-up",
}
ROUND_STATUS_LABELS = {
    "draft": "in preparazione",
    "open": "aperta",
    "paused": "sospesa",
    "closed": "chiusa",
}
INDICATOR_KIND_LABELS = {"process": "Processo", "output": "Output", "outcome": "Outcome"}
INDICATOR_KIND_PLURALS = {
    "process": "indicatori di processo",
    "output": "indicatori di output",
    "outcome": "indicatori di outcome",
}
LEVEL_LABELS = {
    "ambito": "Ambito",
    "distretto": "Distretto Bergamo Est",
    "sovrazonale": "Sovrazonale",
}
STATISTIC_LABELS = {
    "top_box_share": "quota di risposte favorevoli",
    "mean_score": "punteggio medio 0-100",
    "improved_share": "quota di persone che migliorano",
}
ROLE_LABELS = {
    "beneficiary": "beneficiari",
    "carer": "familiari o caregiver",
    "partner_operator": "operatori degli enti della rete",
    "citizen": "cittadini",
}
#: the plan's evaluation levels (cap. 9): who a questionnaire's respondents stand for
ROLE_LEVELS = {
    "beneficiary": "micro",
    "carer": "micro",
    "partner_operator": "meso",
    "citizen": "macro",
}
LEVEL_NAMES = {
    "micro": "micro (beneficiari e famiglie)",
    "meso": "meso (organizzazioni e rete)",
    "macro": "macro (comunità, per Comune e Ambito)",
}

#: the statuses of the synoptic table: label and the symbol that goes with it (never colour alone)
STATUS_LABELS = {
    "met": "Raggiunto",
    "not_met": "Non raggiunto",
    "not_measurable": "Non misurabile",
    "no_data": "Nessun dato",
}
STATUS_SYMBOLS = {"met": "✓", "not_met": "✗", "not_measurable": "~", "no_data": "○"}
TREND_SYMBOLS = {"up": "▲", "down": "▼", "flat": "▬"}


def missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def number(value, digits: int = 1) -> str:
    """``3.456`` → ``3,5``; ``–`` when missing."""
    if missing(value):
        return DASH
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=LOCALE)


def plain_number(value) -> str:
    """A stored number as written by whoever typed it: ``1.234,5``, at most two decimals."""
    return format_decimal(value, format="#,##0.##", locale=LOCALE)


def percent(share, digits: int = 0) -> str:
    """A 0-1 share as a percentage: ``0.734`` → ``73%``."""
    return DASH if missing(share) else number(share * 100, digits) + "%"


def interval(low, high, *, share: bool = False, digits: int = 1) -> str:
    """``[61,2–75,0]`` or ``[61%–75%]``; empty when either end is missing."""
    if missing(low) or missing(high):
        return ""
    if share:
        return f"[{percent(low)}–{percent(high)}]"
    return f"[{number(low, digits)}–{number(high, digits)}]"


def p_value(p) -> str:
    if missing(p):
        return DASH
    return "< 0,001" if p < 0.001 else number(p, 3)


def signed(value, digits: int = 2) -> str:
    if missing(value):
        return DASH
    text = number(value, digits)
    return text if value < 0 or text.startswith("-") else "+" + text


def local_date(value: datetime | None) -> str:
    """A stored (naive UTC) time as a local date: ``3 ottobre 2022``."""
    if value is None:
        return DASH
    return format_date(to_local(value).date(), format="long", locale=LOCALE)


def closing_date(value: datetime | None) -> str:
    """A stored closing time as the last day answers were taken (1 July 00:00 is 30 June)."""
    if value is None:
        return DASH
    return format_date(shown_day(value, closing=True)[0], format="long", locale=LOCALE)


def local_datetime(value: datetime | None) -> str:
    if value is None:
        return DASH
    local = to_local(value)
    return f"{format_date(local.date(), format='long', locale=LOCALE)}, {local:%H:%M}"


def sentence(text: str) -> str:
    """Uppercase the first letter only (Jinja's ``capitalize`` would lowercase the rest)."""
    return text[:1].upper() + text[1:]


def count(n, suppressed: bool = False) -> str:
    """A number of people: ``n<5`` when suppressed."""
    if suppressed or (n is None):
        return HIDDEN
    return str(n)


def status_text(status: str) -> str:
    return f"{STATUS_SYMBOLS[status]} {STATUS_LABELS[status]}"


def target_text(row: dict) -> str:
    """``≥ 70% (almeno buono)``, or ``–`` without a target."""
    operator = row.get("target_operator")
    if not operator:
        return DASH
    symbol = {">=": "≥", "<=": "≤"}.get(operator, operator)
    value = (
        number(row["target_value"], 0)
        if row.get("statistic") == "mean_score"
        else percent(row["target_value"])
    )
    label = f" ({row['target_label']})" if row.get("target_label") else ""
    return f"{symbol} {value}{label}"


def indicator_value(row: dict) -> str:
    if missing(row.get("value")):
        return DASH
    if row.get("statistic") == "mean_score":
        return number(row["value"], 1)
    return percent(row["value"])


def indicator_interval(row: dict) -> str:
    return interval(row.get("low"), row.get("high"), share=row.get("statistic") != "mean_score")


def target_met_text(row: dict) -> str:
    met = row.get("target_met")
    if met is None:
        return DASH
    if not met:
        return "✗ No"
    if row.get("target_met_with_confidence"):
        return "✓ Sì (anche con l'incertezza)"
    return "✓ Sì (ma l'intervallo scende sotto l'obiettivo)"


#: where the rounds of a verdict come from (:class:`survey_app.plans.designation.Designation`)
DESIGNATION_ORIGINS = {
    "default": "rilevazioni predefinite",
    "explicit": "rilevazioni scelte da un valutatore",
    "predecessor": "rilevazioni predefinite; «prima» dal Piano precedente",
}


def round_summary_text(r) -> str:
    """A designated round (:class:`survey_app.plans.queries.RoundSummary`) as the report names
    it: ``Ex post Kq3 (Ex post, 1 ottobre 2023 – 1 novembre 2023, n = 7)``."""
    dates = f"{local_date(r.opens_at)} – {local_date(r.closes_at)}" if r.closes_at else \
        f"dal {local_date(r.opens_at)}"
    n = HIDDEN if r.n is None else f"n = {r.n}"
    plan = f"; {r.plan_title}" if r.plan_title else ""
    return f"{r.title} ({ROUND_KIND_LABELS.get(r.kind, r.kind)}, {dates}, {n}{plan})"


def designation_text(rounds) -> str:
    """"Prima: ...; Dopo: ... (origin)" of :class:`survey_app.plans.queries.IndicatorRounds`;
    a dash for an indicator not measured by questionnaire."""
    if rounds is None:
        return DASH
    before = round_summary_text(rounds.before) if rounds.before else "nessuna rilevazione"
    after = round_summary_text(rounds.after) if rounds.after else "nessuna rilevazione chiusa"
    return f"Prima: {before}; Dopo: {after} ({DESIGNATION_ORIGINS.get(rounds.origin, rounds.origin)})"

#: the evaluator's judgement (:mod:`survey_app.judgements`), with the symbol beside it (never colour alone)
JUDGEMENT_LABELS = {
    "reached": "Raggiunto",
    "partly_reached": "Parzialmente raggiunto",
    "not_reached": "Non raggiunto",
    "not_assessable": "Non valutabile",
}
JUDGEMENT_SYMBOLS = {"reached": "✓", "partly_reached": "◐", "not_reached": "✗", "not_assessable": "~"}
#: qualitative sessions (:mod:`survey_app.qualitative`): kinds and participants' roles
SESSION_KIND_LABELS = {
    "interview": "Intervista in profondità",
    "focus_group": "Focus group",
    "workshop": "Laboratorio partecipato",
    "comment": "Commento libero ai questionari",
}
PARTICIPANT_ROLE_LABELS = {
    "beneficiaries": "beneficiari",
    "carers": "familiari e caregiver",
    "operators": "operatori",
    "third_sector": "terzo settore",
    "administrators": "amministratori",
    "citizens": "cittadini",
}


def judgement_text(status: str) -> str:
    return f"{JUDGEMENT_SYMBOLS[status]} {JUDGEMENT_LABELS[status]}"


def calendar_date(value) -> str:
    """A calendar day (no time, no zone: the day a session was held) as ``3 ottobre 2022``."""
    return format_date(value, format="long", locale=LOCALE) if value is not None else DASH
