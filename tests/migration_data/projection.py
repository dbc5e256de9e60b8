"""What of a final report must survive a migration: the same function reads the report the
code at the previous head made (``build_0009_demo.py``) and the one today's code makes.

Everything the report computes is kept (each indicator's verdict and the payload row it was
read from, each round's count and state, each comparison's pair and its statistics, the
semestral series); wording (reasons, labels) is left out, since a later revision may rephrase
it without changing a result.
"""

from __future__ import annotations

import dataclasses
import math
from datetime import date, datetime

DIGITS = 9


def plain(value):
    """*value* as JSON-ready data, floats rounded so the two codes' last bits never differ."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, float):
        return None if math.isnan(value) else round(value, DIGITS)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if value is None or isinstance(value, (bool, int, str)):
        return value
    return repr(value)


def final_report_projection(data) -> dict:
    """The computed content of a ``FinalData``, by objective id."""
    objectives = {}
    for objective in data.objectives:
        objectives[objective.id] = {
            "indicators": {
                indicator.id: {
                    "kind": indicator.kind,
                    "via_questionnaire": indicator.via_questionnaire,
                    "status": indicator.status,
                    "estimate": plain(indicator.estimate),
                    "series": _series(indicator.series),
                }
                for indicator in objective.indicators
            },
            "questionnaires": {
                questionnaire.id: {
                    "version": questionnaire.version,
                    "rounds": [
                        {"id": r.id, "kind": r.kind, "status": r.status, "responses": r.responses,
                         "state": r.state, "payload": plain(r.payload), "comments": list(r.comments)}
                        for r in questionnaire.rounds
                    ],
                    "comparisons": [
                        {"before": c.before.id, "after": c.after.id, "state": c.state,
                         "payload": plain(c.payload)}
                        for c in questionnaire.comparisons
                    ],
                }
                for questionnaire in objective.questionnaires
            },
        }
    return objectives


def _series(series) -> list | None:
    """The semestral values by scope: what was recorded, not how a later code describes it."""
    if series is None:
        return None
    return [
        {"ambito_id": scope.ambito_id, "comune_id": scope.comune_id,
         "points": [[p.semester, p.kind, plain(p.value), p.source, p.note, p.revision] for p in scope.points]}
        for scope in series.series
    ]
