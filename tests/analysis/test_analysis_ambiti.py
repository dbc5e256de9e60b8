"""Items side by side across Ambiti: the small-cell rule in every cell, random combinations."""

from __future__ import annotations

import random

import pandas as pd
import pytest

from survey_app.analysis import wide_frame
from survey_app.analysis.ambiti import TOTAL, ambito_comparison

from .builders import concat_tables, make_questionnaire, make_tables

ITEMS = ["a1", "a2", "b1"]
QUESTIONNAIRE = make_questionnaire({"a": ["a1", "a2"], "b": ["b1"]})


def _frame(rng: random.Random, sizes: dict[str, int], missing: float) -> pd.DataFrame:
    tables, first, labels = [], 1, []
    for ambito, size in sizes.items():
        rows = [{item: rng.randint(1, 5) for item in ITEMS if rng.random() >= missing}
                for _ in range(size)]
        if rows:
            tables.append(make_tables(rows, first_id=first))
            labels += [ambito] * size
            first += size
    answers, responses = concat_tables(*tables)
    wide = wide_frame(answers, responses, QUESTIONNAIRE)
    return wide.assign(ambito=labels)


def _check_table(true_n: dict[str, int], shown: dict[str, int | None]) -> None:
    """Published cells are true and >= 5 (or 0); the hidden ones cannot be recovered."""
    total = sum(true_n.values())
    if shown[TOTAL] is None:
        assert all(shown[a] is None for a in true_n if true_n[a] > 0)
        return
    assert shown[TOTAL] == total
    hidden = [a for a in true_n if shown[a] is None]
    for ambito, n in true_n.items():
        if shown[ambito] is not None:
            assert shown[ambito] == n and (n == 0 or n >= 5), (ambito, n, shown)
    if hidden:
        pooled = sum(true_n[a] for a in hidden)
        # total minus the published Ambiti describes the hidden ones together: never fewer
        # than 5 people, never a single Ambito, never at most one person per hidden Ambito
        assert len(hidden) >= 2 and pooled >= 5 and pooled > len(hidden), (true_n, shown)


@pytest.mark.parametrize("seed", range(60))
def test_every_cell_follows_the_small_cell_rule(seed):
    rng = random.Random(seed)
    names = [f"Ambito {i}" for i in range(rng.randint(2, 5))]
    sizes = {name: rng.choice([0, 1, 2, 3, 4, 5, 6, 7, 9, 12, 20]) for name in names}
    if not sum(sizes.values()):
        sizes[names[0]] = 3
    wide = _frame(rng, sizes, missing=rng.choice([0.0, 0.2, 0.5]))
    result = ambito_comparison(wide, QUESTIONNAIRE, ambiti=names)
    _check_table(sizes, result.respondents)
    for item in ITEMS:
        valid = wide.groupby("ambito")[item].count().to_dict()
        true_n = {name: int(valid.get(name, 0)) for name in names}
        cells = result.items[item]
        shown = {key: (None if cell["suppressed"] else cell["n"]) for key, cell in cells.items()}
        _check_table(true_n, shown)
        # an Ambito hidden among the respondents stays hidden in every item
        for name in names:
            if result.respondents[name] is None:
                assert cells[name]["suppressed"]
        for key, cell in cells.items():
            if cell["suppressed"]:
                assert cell["score"] is None and cell["top_box_share"] is None
            elif cell["n"]:
                rows = wide if key == TOTAL else wide[wide["ambito"] == key]
                values = rows[item].dropna()
                assert cell["score"] == pytest.approx(((values - 1) / 4 * 100).mean())
                assert cell["top_box_share"] == pytest.approx((values >= 4).mean())


def test_one_small_ambito_hides_another_too():
    rng = random.Random(1)
    wide = _frame(rng, {"A": 20, "B": 3, "C": 8}, missing=0.0)
    result = ambito_comparison(wide, QUESTIONNAIRE)
    assert result.respondents == {"A": 20, "B": None, "C": None, TOTAL: 31}
    assert result.items["a1"]["B"]["suppressed"] and result.items["a1"]["C"]["suppressed"]
    assert not result.items["a1"][TOTAL]["suppressed"]


def test_an_ambito_outside_the_columns_is_refused():
    wide = _frame(random.Random(2), {"A": 6, "B": 6}, missing=0.0)
    with pytest.raises(ValueError):
        ambito_comparison(wide, QUESTIONNAIRE, ambiti=["A"])
