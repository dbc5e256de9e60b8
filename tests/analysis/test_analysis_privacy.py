"""Small-cell suppression: the rules, the breakdown tables, and a recovery attack."""

import math
import random

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from survey_app.analysis import breakdown, breakdowns, privacy, suppress_cells, wide_frame
from survey_app.analysis.breakdowns import NOT_STATED, TOTAL_LABEL, group_labels

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


# --- several breakdowns of one round: differencing ---------------------------------------

def test_the_issue_case_beneficiari_minus_lovere_is_not_published():
    """Role "beneficiari" (25) and comune Lovere (24 beneficiari): one person's scores."""
    roles = ["beneficiario"] * 25 + ["caregiver"] * 10
    comuni = ["Lovere"] * 24 + ["Castro"] * 11
    rows = [{"a": 5.0, "b": 5.0, "c": 5.0}] * 24 + [{"a": 1.0, "b": 1.0, "c": 1.0}] * 11
    wide = wide_frame(*make_tables(rows, comune=comuni, role=roles), QUESTIONNAIRE)
    alone = breakdown(wide, QUESTIONNAIRE, by="role").counts.set_index("group")
    assert not alone.loc["beneficiario", "suppressed"]  # each breakdown alone is fine
    result = breakdowns(wide, QUESTIONNAIRE, ["comune", "role"])
    by_role = result["role"].counts.set_index("group")
    by_comune = result["comune"].counts.set_index("group")
    assert by_role.loc["beneficiario", "suppressed"] and by_role.loc["caregiver", "suppressed"]
    assert by_comune.loc["Lovere", "n"] == 24 and by_comune.loc["Castro", "n"] == 11
    rules = result["role"].suppressed.set_index(["table", "group"])["rule"]
    assert set(rules.loc["counts"]) == {"difference", "complementary"}
    scores = result["role"].scores
    assert scores.loc[~scores["is_total"], "score"].isna().all()


def test_nested_groups_four_apart_are_caught_through_a_complement():
    # service S (30) holds comune A (26) and 4 of comune B; B (9) = 4 in S + 5 elsewhere.
    # B's complement (total - B = 26 + 5 others) vs S's complement (5 + 5): neither close,
    # but A (26) vs S (30) differ by 4
    comuni = ["A"] * 26 + ["B"] * 9 + ["C"] * 10
    services = ["S"] * 30 + ["T"] * 15
    result = privacy.suppress_partitions({"comune": comuni, "service": services})
    published = {(p, c) for p, (rules, _) in result.items()
                 for c in set(comuni if p == "comune" else services) if c not in rules}
    assert not ({("comune", "A"), ("service", "S")} <= published)


def _groups_a_reader_can_form(members: dict[str, set], suppressed: set, total: frozenset):
    """Published cells, their complements, the pool of suppressed cells, the total."""
    formed = [total]
    published = [g for g in members if g not in suppressed]
    for group in published:
        formed += [frozenset(members[group]), total - members[group]]
    if published and suppressed:
        formed.append(total - frozenset().union(*(members[g] for g in published)))
    return formed


def _tables_of(result, column, wide):
    """Per table (counts, each target), the members of every group and the suppressed ones."""
    labels = pd.Series(group_labels(wide[column]), index=wide.index)
    counts = result.counts
    tables = {("counts", None): ({g: set(wide.index[labels == g]) for g in labels.unique()},
                                 set(counts.loc[counts["suppressed"] & ~counts["is_total"],
                                                "group"]))}
    for target_id, rows in result.scores.groupby("target_id"):
        valid = wide[target_id].notna()
        members = {g: set(wide.index[(labels == g) & valid]) for g in labels.unique()}
        tables[("scores", target_id)] = (
            members, set(rows.loc[rows["suppressed"] & ~rows["is_total"], "group"]))
    return tables


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_no_two_published_groups_of_different_breakdowns_differ_by_one_to_four(data):
    """Random breakdown combinations: every pair of formable groups is 0 or >= 5 apart."""
    n = data.draw(st.integers(5, 70), label="respondents")
    columns = data.draw(st.lists(st.sampled_from(["comune", "service", "role", "point"]),
                                 min_size=2, max_size=4, unique=True), label="breakdowns")
    context = {}
    for column in ("comune", "service", "role", "point"):
        k = data.draw(st.integers(1, 5), label=f"{column} groups")
        weights = data.draw(st.lists(st.integers(1, 20), min_size=k, max_size=k))
        options = [f"{column}{i}" for i in range(k)] + [None]
        cuts = np.cumsum(weights + [data.draw(st.integers(0, 3))])
        draws = data.draw(st.lists(st.integers(0, int(cuts[-1]) - 1), min_size=n, max_size=n))
        context[column] = [options[int(np.searchsorted(cuts, d, side="right"))] for d in draws]
    answered = data.draw(st.lists(st.booleans(), min_size=n, max_size=n), label="answered c")
    rows = [{"a": 3.0, "b": 4.0} | ({"c": 2.0} if answered[i] else {}) for i in range(n)]
    wide = wide_frame(*make_tables(rows, **context), QUESTIONNAIRE)
    wide.index = range(n)
    result = breakdowns(wide, QUESTIONNAIRE, columns, within=None, level="item")
    formed = {}
    for column in columns:
        tables = _tables_of(result[column], column, wide)
        for key, (members, suppressed) in tables.items():
            total = frozenset().union(*members.values())
            if len(total) < 5:
                continue  # everything hidden
            formed.setdefault(key, []).append(
                (column, _groups_a_reader_can_form(members, suppressed, total)))
    for key, per_column in formed.items():
        for i, (first_column, first) in enumerate(per_column):
            for second_column, second in per_column[i + 1:]:
                for x in first:
                    for y in second:
                        apart = len(x ^ y)
                        assert apart == 0 or apart >= 5, (key, first_column, second_column,
                                                          sorted(x), sorted(y))
