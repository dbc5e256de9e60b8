"""Small hand-made questionnaires and answer tables for the analysis tests.

Deliberately independent of ``tests/conftest.py`` (the web app's fixtures).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from survey_app.questionnaires.definition import Questionnaire


def make_questionnaire(dimensions: dict[str, list[str]], *, points: int = 5, top_box: int = 2,
                       reverse: set[str] = frozenset(), measures: list[dict] | None = None,
                       questionnaire_id: str = "test-q", version: int = 1,
                       item_points: dict[str, int] | None = None) -> Questionnaire:
    """Return a questionnaire with one scale (plus per-item overrides in *item_points*)."""
    scales = {"main": _scale(points, top_box)}
    for item_id, item_scale_points in (item_points or {}).items():
        scales[f"p{item_scale_points}"] = _scale(item_scale_points, top_box)
    definition = {
        "format": 1, "id": questionnaire_id, "version": version, "objective": "test",
        "indicators": [m["indicator"] for m in measures or []],
        "title": {"it": "Prova"}, "context": [], "scales": scales,
        "dimensions": [
            {"id": dimension_id, "title": {"it": dimension_id}, "scale": "main",
             "items": [_item(item_id, reverse, item_points) for item_id in item_ids]}
            for dimension_id, item_ids in dimensions.items()],
        "measures": measures or [],
    }
    return Questionnaire(definition)


def _scale(points: int, top_box: int) -> dict:
    return {"points": points, "labels": [{"it": f"livello {v}"} for v in range(1, points + 1)],
            "top_box": top_box}


def _item(item_id: str, reverse: set[str], item_points: dict[str, int] | None) -> dict:
    item = {"id": item_id, "text": {"it": item_id}, "reverse": item_id in reverse}
    if item_points and item_id in item_points:
        item["scale"] = f"p{item_points[item_id]}"
    return item


def make_tables(rows: list[dict], *, round_id: int = 1, first_id: int = 1,
                **context) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (answers, responses) for *rows*, one dict of item -> raw value per response.

    Keyword arguments give response columns, as one value for all or a list per response.
    """
    ids = list(range(first_id, first_id + len(rows)))
    responses = pd.DataFrame({"response_id": ids, "round_id": round_id})
    for column in ("comune", "service", "role", "channel", "point", "panel_key"):
        value = context.get(column, "self" if column == "channel" else None)
        responses[column] = value if isinstance(value, list) else [value] * len(ids)
    answers = pd.DataFrame(
        [(response_id, round_id, item_id, float(value))
         for response_id, row in zip(ids, rows) for item_id, value in row.items()],
        columns=["response_id", "round_id", "item_id", "value"])
    return answers, responses


def concat_tables(*tables: tuple[pd.DataFrame, pd.DataFrame]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return the answers and responses of several :func:`make_tables` results together."""
    return (pd.concat([t[0] for t in tables], ignore_index=True),
            pd.concat([t[1] for t in tables], ignore_index=True))


def column_rows(**columns: list) -> list[dict]:
    """Return response rows from per-item columns of equal length (NaN = missing)."""
    length = len(next(iter(columns.values())))
    return [{item: values[i] for item, values in columns.items()} for i in range(length)]


def random_rounds(questionnaire: Questionnaire, n_before: int, n_after: int, *, seed: int,
                  shift: float = 0.4, linked: int = 0, missing: float = 0.1) -> pd.DataFrame:
    """Return a wide frame of two rounds (1 and 2) of random answers, *linked* of them paired."""
    from survey_app.analysis import wide_frame

    rng = np.random.default_rng(seed)
    item_ids = [item.id for item in questionnaire.items]
    tables = []
    for round_id, n, first in ((1, n_before, 1), (2, n_after, n_before + 1)):
        person = rng.normal(0, 0.8, n) + (shift if round_id == 2 else 0)
        values = np.clip(np.rint(3 + person[:, None] + rng.normal(0, 1, (n, len(item_ids)))), 1, 5)
        values[rng.random(values.shape) < missing] = np.nan
        keys = [f"k{i}" if i < linked else None for i in range(n)]
        rows = [dict(zip(item_ids, row)) for row in values]
        tables.append(make_tables(rows, round_id=round_id, first_id=first, panel_key=keys,
                                  comune=list(rng.choice(["A", "B", "C"], n))))
    answers, responses = concat_tables(*tables)
    return wide_frame(answers, responses, questionnaire)
