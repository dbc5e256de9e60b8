"""Small-cell suppression: the rules, the breakdown tables, and a recovery attack."""

import math
import random

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

from survey_app.analysis import breakdown, suppress_cells, wide_frame
from survey_app.analysis.breakdowns import NOT_STATED, TOTAL_LABEL

from .builders import make_questionnaire, make_tables

QUESTIONNAIRE = make_questionnaire({"d": ["a", "b"], "e": ["c"]})


# --- the rule on one partition ------------------------------------------------------------

def test_cells_under_five_are_suppressed_with_the_next_smallest():
    rules, total_hidden = suppress_cells({"A": 3, "B": 10, "C": 12, "D": 40})
    # A alone would be total - B - C - D = 65 - 62 = 3: B (the smallest published) goes too
    assert rules == {"A": "primary", "B": "complementary"}
    assert not total_hidden


def test_two_small_cells_protect_each_other_when_they_hold_five():
    rules, _ = suppress_cells({"A": 3, "B": 4, "C": 50})
    assert rules == {"A": "primary", "B": "primary"}  # 7 hidden in 2 cells: no single value


def test_suppressed_cells_together_must_hold_five():
    rules, _ = suppress_cells({"A": 1, "B": 2, "C": 30, "D": 31})
    # A + B = 3 would describe 3 people: C joins (the smallest published)
    assert rules == {"A": "primary", "B": "primary", "C": "complementary"}


def test_suppressed_cells_of_one_respondent_each_are_protected():
    counts = {"A": 1, "B": 1, "C": 1, "D": 1, "E": 1, "F": 9}
    rules, _ = suppress_cells(counts)
    # five cells hiding 5 people: each must be 1 (cells >= 1), so F is suppressed too
    assert rules["F"] == "complementary"


def test_no_suppression_when_every_cell_has_five():
    assert suppress_cells({"A": 5, "B": 9}) == ({}, False)


def test_total_under_five_hides_everything():
    rules, total_hidden = suppress_cells({"A": 2, "B": 2})
    assert total_hidden and rules == {"A": "total", "B": "total"}


def test_ties_take_the_first_cell_in_the_given_order():
    rules, _ = suppress_cells({"A": 2, "B": 7, "C": 7})
    assert rules == {"A": "primary", "B": "complementary"}


def test_cells_suppressed_by_another_table_stay_suppressed():
    rules, _ = suppress_cells({"A": 9, "B": 8, "C": 30}, already={"A": "group"})
    assert rules == {"A": "group", "B": "complementary"}


def _feasible_range(hidden_total: int, n_suppressed: int, lowest: int) -> tuple[int, int]:
    """Range of one suppressed cell knowing only the published cells and the total."""
    return lowest, hidden_total - (n_suppressed - 1) * lowest


def test_no_published_arithmetic_recovers_a_suppressed_cell():
    """Property: total minus published cells never pins one suppressed cell."""
    rng = random.Random(20240601)
    for _ in range(3000):
        counts = {f"g{i}": rng.choice([rng.randint(0, 6), rng.randint(1, 40)])
                  for i in range(rng.randint(1, 8))}
        rules, total_hidden = suppress_cells(counts)
        if total_hidden:
            assert sum(counts.values()) < 5 and set(rules) == set(counts)
            continue
        assert all(counts[c] >= 5 for c in counts if c not in rules)  # published: >= 5
        assert all(c in rules for c in counts if counts[c] < 5)       # every small cell hidden
        if not rules:
            continue
        hidden = sum(counts[c] for c in rules)  # = published total - published cells
        assert len(rules) >= 2, "a lone suppressed cell equals total minus the others"
        assert hidden >= 5, "the suppressed cells together would describe < 5 people"
        low, high = _feasible_range(hidden, len(rules), lowest=1)  # listed groups are >= 1
        assert high > low, "every suppressed cell would be pinned to one value"


# --- breakdown tables ---------------------------------------------------------------------

def _survey(comuni: list, seed: int = 0, missing: float = 0.0):
    rng = np.random.default_rng(seed)
    rows = []
    for _ in comuni:
        row = {item: float(rng.integers(1, 6)) for item in ("a", "b", "c")}
        rows.append({k: v for k, v in row.items() if rng.random() >= missing})
    return wide_frame(*make_tables(rows, comune=comuni), QUESTIONNAIRE)


def test_breakdown_counts_with_suppression_and_reasons():
    comuni = ["Lovere"] * 30 + ["Costa Volpino"] * 8 + ["Bossico"] * 3 + [None] * 6
    result = breakdown(_survey(comuni), QUESTIONNAIRE, by="comune")
    counts = result.counts.set_index("group")
    assert counts.loc[TOTAL_LABEL, "n"] == 47 and counts.loc[TOTAL_LABEL, "is_total"]
    assert counts.loc["Lovere", "n"] == 30 and not counts.loc["Lovere", "indicative"]
    # Bossico (3) primary; alone it would be 47 - 30 - 8 - 6: the smallest other cell (the
    # 6 who did not say) is suppressed too
    assert counts.loc["Bossico", "suppressed"] and pd.isna(counts.loc["Bossico", "n"])
    assert counts.loc[NOT_STATED, "suppressed"] and pd.isna(counts.loc[NOT_STATED, "n"])
    assert counts.loc["Costa Volpino", "n"] == 8 and counts.loc["Costa Volpino", "indicative"]
    reasons = result.suppressed[result.suppressed["table"] == "counts"].set_index("group")
    assert reasons.loc["Bossico", "rule"] == "primary"
    assert reasons.loc["Bossico", "reason"] == "meno di 5 rispondenti"
    assert reasons.loc[NOT_STATED, "rule"] == "complementary"
    assert "per differenza" in reasons.loc[NOT_STATED, "reason"]


def test_breakdown_scores_hide_suppressed_groups_and_small_valid_counts():
    comuni = ["A"] * 12 + ["B"] * 9 + ["C"] * 7
    wide = _survey(comuni, seed=3)
    wide.loc[wide["comune"] == "C", "c"] = np.nan  # nobody in C answered item c
    wide.loc[wide.index[wide["comune"] == "C"][:4], "c"] = 3.0  # ... except 4 of them
    result = breakdown(wide, QUESTIONNAIRE, by="comune", level="item")
    scores = result.scores.set_index(["target_id", "group"])
    # item c: C has 4 valid answers (primary) and B, the smallest other, is suppressed too
    assert scores.loc[("c", "C"), "suppressed"] and math.isnan(scores.loc[("c", "C"), "score"])
    assert scores.loc[("c", "B"), "suppressed"]
    assert not scores.loc[("c", "A"), "suppressed"]
    assert scores.loc[("a", "C"), "n"] == 7  # other items of C are published
    a_in_a = wide.loc[wide["comune"] == "A", "a"]
    assert scores.loc[("a", "A"), "score"] == pytest.approx(((a_in_a - 1) / 4 * 100).mean())
    assert scores.loc[("a", TOTAL_LABEL), "n"] == 28


def test_breakdown_is_per_round_with_its_own_total():
    first = make_tables([{"a": 4, "b": 4, "c": 4}] * 6, round_id=1, comune="A")
    second = make_tables([{"a": 2, "b": 2, "c": 2}] * 4, round_id=2, first_id=50, comune="A")
    wide = wide_frame(pd.concat([first[0], second[0]]), pd.concat([first[1], second[1]]),
                      QUESTIONNAIRE)
    counts = breakdown(wide, QUESTIONNAIRE, by="comune").counts.set_index(["round_id", "group"])
    assert counts.loc[(1, "A"), "n"] == 6
    assert counts.loc[(2, TOTAL_LABEL), "suppressed"]  # 4 respondents in round 2: all hidden
    assert counts.loc[(2, "A"), "suppressed"]


def test_breakdown_refuses_unknown_level_and_same_columns():
    wide = _survey(["A"] * 5)
    with pytest.raises(ValueError, match="level"):
        breakdown(wide, QUESTIONNAIRE, by="comune", level="objective")
    with pytest.raises(ValueError, match="different"):
        breakdown(wide, QUESTIONNAIRE, by="round_id")


def _pinned_cells(result) -> list[str]:
    """Return the suppressed cells an attacker pins down by linear programming.

    Unknowns: every suppressed count, in the respondent table and in each score table.
    Known: every published count and total; valid answers in a group never exceed its
    respondents; a listed group has at least one respondent. A cell is pinned when its
    smallest and largest feasible values coincide.
    """
    counts = result.counts[~result.counts["is_total"]].set_index("group")
    variables, bounds = [], []
    for group, row in counts.iterrows():
        if row["suppressed"]:
            variables.append(("counts", None, group))
            bounds.append((1, None))
    scores = result.scores[~result.scores["is_total"]]
    for (target, group), row in scores.set_index(["target_id", "group"]).iterrows():
        if row["suppressed"]:
            upper = None if counts.loc[group, "suppressed"] else float(counts.loc[group, "n"])
            variables.append(("scores", target, group))
            bounds.append((0, upper))
    if not variables:
        return []
    index = {v: i for i, v in enumerate(variables)}
    equalities, right = [], []
    totals = result.counts[result.counts["is_total"]].iloc[0]
    tables = [("counts", None, counts["n"], totals["n"])]
    for target, rows in scores.groupby("target_id"):
        total = result.scores[(result.scores["is_total"])
                              & (result.scores["target_id"] == target)].iloc[0]["n"]
        tables.append(("scores", target, rows.set_index("group")["n"], total))
    for table, target, published, total in tables:
        if pd.isna(total):
            continue  # a hidden total gives the attacker no equation
        row = np.zeros(len(variables))
        for group in published.index:
            if (table, target, group) in index:
                row[index[(table, target, group)]] = 1
        equalities.append(row)
        right.append(float(total) - float(published.dropna().sum()))
    inequalities, limits = [], []  # valid answers <= respondents, both unknown
    for (table, target, group), i in index.items():
        if table == "scores" and ("counts", None, group) in index:
            row = np.zeros(len(variables))
            row[i], row[index[("counts", None, group)]] = 1, -1
            inequalities.append(row)
            limits.append(0)
    pinned = []
    for variable, i in index.items():
        extremes = []
        for sign in (1, -1):
            objective = np.zeros(len(variables))
            objective[i] = sign
            solution = linprog(objective, A_ub=inequalities or None, b_ub=limits or None,
                               A_eq=equalities, b_eq=right, bounds=bounds, method="highs")
            assert solution.status == 0
            extremes.append(sign * solution.fun)
        if extremes[1] - extremes[0] < 1 - 1e-9:
            pinned.append(variable)
    return pinned


def test_no_combination_of_published_tables_recovers_a_suppressed_cell():
    """Property: counts and score tables of one breakdown, combined, never pin a hidden cell."""
    rng = np.random.default_rng(7)
    for case in range(40):
        sizes = rng.choice([1, 2, 3, 4, 5, 6, 8, 12, 25], size=rng.integers(2, 7))
        comuni = [f"c{g}" for g, size in enumerate(sizes) for _ in range(size)]
        if rng.random() < 0.3:
            comuni += [None] * int(rng.integers(1, 6))
        result = breakdown(_survey(comuni, seed=case, missing=0.3), QUESTIONNAIRE, by="comune",
                           within=None, level="item")
        if result.counts[result.counts["is_total"]]["suppressed"].all():
            continue
        assert _pinned_cells(result) == [], f"case {case}: sizes {sizes.tolist()}"
