"""What the data say of an objective or an indicator, as a suggestion beside the evaluator's judgement.

Pure module: indicator statuses in (``met``, ``not_met``, ``not_measurable``, ``no_data``, as the
reports compute them in :mod:`survey_app.reports.build`), a judgement status out. The reading is
only a suggestion: the evaluator decides, and a judgement against it must say why
(:func:`survey_app.judgements.operations.save_judgement`).
"""

from __future__ import annotations

from collections.abc import Iterable

#: judgement statuses in the order a page offers them
STATUSES = ("reached", "partly_reached", "not_reached", "not_assessable")


def indicator_reading(status: str) -> str:
    """The judgement the data suggest for one indicator of report status *status*."""
    return {"met": "reached", "not_met": "not_reached"}.get(status, "not_assessable")


def objective_reading(statuses: Iterable[str]) -> str:
    """The judgement the data suggest for an objective whose indicators have report *statuses*.

    Only indicators with a verdict count: all met is *reached*, none met is *not reached*,
    some is *partly reached*; without any verdict the objective is *not assessable*.
    """
    readings = [s for s in statuses if s in ("met", "not_met")]
    if not readings:
        return "not_assessable"
    met = readings.count("met")
    if met == len(readings):
        return "reached"
    return "not_reached" if met == 0 else "partly_reached"
