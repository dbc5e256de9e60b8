"""Two-round comparisons on known data: tests, effect sizes, corrections, refusals."""

import math

import pandas as pd
import pytest

from survey_app.analysis import (
    IncompatibleQuestionnairesError,
    check_compatible,
    compare_rounds,
    formulas,
    pair_panel,
    wide_frame,
)

from .builders import column_rows, concat_tables, make_questionnaire, make_tables, random_rounds

MEASURES = [{"indicator": "t.outcome-1", "dimensions": ["d"], "statistic": "improved_share"},
            {"indicator": "t.outcome-2", "dimensions": ["d"], "statistic": "top_box_share",
             "target": {"operator": ">=", "value": 0.5}}]
ONE_ITEM = make_questionnaire({"d": ["q"]}, measures=MEASURES)

# the paired hand example: differences after - before = 0 0 1 1 1 2 2 -1 3 0
PAIRED_BEFORE = [3, 2, 2, 3, 1, 2, 3, 4, 1, 4]
PAIRED_AFTER = [3, 2, 3, 4, 2, 4, 5, 3, 4, 4]


def _rounds(before_values, after_values, questionnaire=ONE_ITEM, keys=None):
    keys = keys or [None] * max(len(before_values), len(after_values))
    before = make_tables(column_rows(q=before_values), round_id=1,
                         panel_key=keys[:len(before_values)])
    after = make_tables(column_rows(q=after_values), round_id=2, first_id=100,
                        panel_key=keys[:len(after_values)])
    wide = wide_frame(*concat_tables(before, after), questionnaire)
    return wide[wide["round_id"] == 1], wide[wide["round_id"] == 2]


def _row(comparison, level, design, test):
    tests = comparison.tests
    chosen = tests[(tests["level"] == level) & (tests["design"] == design)
                   & (tests["test"] == test)]
    assert len(chosen) == 1
    return chosen.iloc[0]


# --- independent samples ------------------------------------------------------------------

@pytest.mark.parametrize("engine", ["scipy", "pingouin"])
def test_mann_whitney_u_and_rank_biserial_by_hand(engine):
    comparison = compare_rounds(*_rounds([1, 2, 2, 3], [2, 3, 4, 4, 5]), ONE_ITEM, engine=engine)
    row = _row(comparison, "item", "independent", "mann_whitney")
    # U(after) = 2 + 3.5 + 4 + 4 + 4 = 17.5 of 20 pairs (see the formulas test); r = 0.75
    assert row["statistic"] == 17.5
    assert row["effect"] == pytest.approx(0.75)
    # normal approximation with ties and continuity: values 1..5 tied 1, 3, 2, 2, 1 times
    # sum(t^3 - t) = 24 + 6 + 6 = 36; var = 20/12 * (10 - 36/72) = 15.8333
    # z = (17.5 - 10 - 0.5)/sqrt(15.8333) = 1.759188; p = erfc(z / sqrt 2)
    z = 7 / math.sqrt(20 / 12 * 9.5)
    assert row["p_value"] == pytest.approx(math.erfc(z / math.sqrt(2)), abs=1e-12)
    assert (row["n_before"], row["n_after"]) == (4, 5)
    assert row["effect_label"] == "grande"  # |r| >= .474
    assert row["sentence"] == "campione troppo piccolo per concludere"  # fewer than 10 a round
    assert row["engine"] == engine


def test_welch_row_keeps_the_sign_of_hedges_g():
    comparison = compare_rounds(*_rounds([4, 5, 5, 4, 5], [1, 2, 1, 2, 3]), ONE_ITEM)
    row = _row(comparison, "item", "independent", "welch_t")
    assert row["effect"] < 0 and row["statistic"] < 0  # the later round is lower
    assert row["effect_name"] == "hedges_g"


def test_plain_language_sentences():
    low = [1, 2, 2, 2, 3, 2, 1, 2, 3, 2, 2, 1]
    high = [4, 5, 4, 4, 5, 3, 4, 5, 4, 4, 5, 4]
    better = _row(compare_rounds(*_rounds(low, high), ONE_ITEM), "item", "independent",
                  "mann_whitney")
    assert better["sentence"] == "miglioramento significativo, effetto grande"
    worse = _row(compare_rounds(*_rounds(high, low), ONE_ITEM), "item", "independent",
                 "mann_whitney")
    assert worse["sentence"] == "peggioramento significativo, effetto grande"
    same = _row(compare_rounds(*_rounds(low, low[::-1]), ONE_ITEM), "item", "independent",
                "mann_whitney")
    assert same["sentence"] == "nessuna differenza rilevabile"


def test_top_box_change_of_independent_rounds():
    comparison = compare_rounds(*_rounds([1, 2, 4, 5], [4, 5, 4, 5, 2]), ONE_ITEM)
    row = _row(comparison, "item", "independent", "mann_whitney")
    # top box (4 or 5): 2/4 before, 4/5 after -> +0.3, Newcombe interval around it
    assert (row["top_box_before"], row["top_box_after"]) == (0.5, 0.8)
    assert row["top_box_change"] == pytest.approx(0.3)
    low, high = formulas.newcombe_difference_interval(2, 4, 4, 5)
    assert (row["top_box_change_low"], row["top_box_change_high"]) == pytest.approx((low, high))


# --- paired samples -----------------------------------------------------------------------

def _paired_comparison(engine="auto"):
    keys = [f"k{i}" for i in range(10)]
    return compare_rounds(*_rounds(PAIRED_BEFORE, PAIRED_AFTER, keys=keys), ONE_ITEM,
                          engine=engine)


@pytest.mark.parametrize("engine", ["scipy", "pingouin"])
def test_wilcoxon_pratt_and_matched_rank_biserial_by_hand(engine):
    row = _row(_paired_comparison(engine), "item", "paired", "wilcoxon_pratt")
    # Pratt ranks of |d| over all 10 pairs: zeros 2, |1| 5.5, |2| 8.5, |3| 10
    # R+ = 3*5.5 + 2*8.5 + 10 = 43.5, R- = 5.5 -> W = min = 5.5; Kerby r = 38/49
    assert row["statistic"] == 5.5
    assert row["effect"] == pytest.approx(38 / 49)
    assert row["effect_name"] == "matched_rank_biserial" and row["effect_label"] == "grande"
    # exact: 10 of the 2^7 sign assignments are as extreme (test_analysis_formulas)
    assert row["p_value"] == pytest.approx(10 / 128)
    assert row["n_before"] == row["n_after"] == 10


def test_improved_same_worsened_counts():
    row = _row(_paired_comparison(), "item", "paired", "wilcoxon_pratt")
    # d = 0 0 1 1 1 2 2 -1 3 0: six up, three unchanged, one down
    assert (row["n_improved"], row["n_same"], row["n_worsened"]) == (6, 3, 1)


def test_paired_t_d_z_by_hand():
    row = _row(_paired_comparison(), "item", "paired", "paired_t")
    # mean d = 0.9; squared deviations sum 12.9 -> sd = sqrt(12.9/9); d_z = 0.9 / sd
    assert row["effect"] == pytest.approx(0.9 / math.sqrt(12.9 / 9))


@pytest.mark.parametrize("engine", ["scipy", "pingouin"])
def test_mcnemar_on_the_top_box_by_hand(engine):
    row = _row(_paired_comparison(engine), "item", "paired", "mcnemar")
    # top box (>= 4) before: pairs 8, 10; after: pairs 4, 6, 7, 9, 10
    # gained 4 (pairs 4, 6, 7, 9), lost 1 (pair 8): p = 2 * P(X <= 1 | Bin(5, .5)) = 12/32
    assert row["p_value"] == pytest.approx(12 / 32)
    assert row["statistic"] == 1  # min(entered, left)
    assert row["effect"] == pytest.approx(0.3)  # (4 - 1) / 10 pairs
    low, high = formulas.paired_difference_interval(4, 1, 10)
    assert (row["effect_low"], row["effect_high"]) == pytest.approx((low, high))


def test_holm_within_the_dimension_and_the_sentence_that_reads_it():
    comparison = _paired_comparison()
    item = _row(comparison, "item", "paired", "wilcoxon_pratt")
    dimension = _row(comparison, "dimension", "paired", "wilcoxon_pratt")
    # family "d" = the item q and the score of d (the same single item): two equal p of 10/128
    # Holm: sorted .078125 x 2 = .15625, then max(.15625, .078125 x 1) = .15625
    assert item["p_holm"] == pytest.approx(0.15625)
    assert dimension["p_holm"] == pytest.approx(0.15625)
    assert item["sentence"] == "nessuna differenza rilevabile"


def test_corrections_use_the_declared_families():
    questionnaire = make_questionnaire({"d1": ["a", "b"], "d2": ["c"]}, reverse={"b"})
    wide = random_rounds(questionnaire, 40, 45, seed=11, linked=20)
    tests = compare_rounds(wide[wide.round_id == 1], wide[wide.round_id == 2], questionnaire).tests
    for (family, design, test), rows in tests.groupby(["family", "design", "test"]):
        assert rows["p_holm"].to_numpy() == pytest.approx(formulas.holm(rows["p_value"]))
    for _, rows in tests.groupby(["design", "test"]):
        assert rows["p_bh"].to_numpy() == pytest.approx(
            formulas.benjamini_hochberg(rows["p_value"]))
    families = tests.groupby("family")["target_id"].unique()
    assert set(families["d1"]) == {"a", "b", "d1"}


def test_improved_share_indicator_on_the_pairs():
    indicators = _paired_comparison().indicators.set_index("indicator")
    improved = indicators.loc["t.outcome-1"]
    assert improved["round"] == "pairs"
    assert (improved["n"], improved["value"]) == (10, 0.6)  # 6 of 10 improved
    low, high = formulas.wilson_interval(6, 10)
    assert (improved["low"], improved["high"]) == pytest.approx((low, high))
    top_box = indicators.loc["t.outcome-2"].set_index("round")
    assert top_box.loc["before", "value"] == 0.2 and top_box.loc["after", "value"] == 0.5
    assert not top_box.loc["before", "target_met"] and top_box.loc["after", "target_met"]


def test_pairing_skips_missing_and_ambiguous_keys():
    keys_before = ["a", "b", "b", None, "c"]
    keys_after = ["a", "b", "c", "c", "d"]
    before, after = _rounds([1, 2, 3, 4, 5], [1, 2, 3, 4, 5])
    before = before.assign(panel_key=keys_before)
    after = after.assign(panel_key=keys_after)
    pairing = pair_panel(before, after)
    # "b" twice before and "c" twice after are ambiguous: only "a" pairs
    assert pairing.n_pairs == 1 and pairing.ambiguous_keys == 2
    assert (pairing.before_rows.tolist(), pairing.after_rows.tolist()) == ([0], [0])
    assert pairing.linkage_before == pytest.approx(1 / 5)


def test_all_pairs_unchanged_gives_p_one_without_warnings():
    keys = [f"k{i}" for i in range(12)]
    values = [3, 4, 5, 2, 3, 4, 5, 1, 3, 4, 4, 4]
    row = _row(compare_rounds(*_rounds(values, values, keys=keys), ONE_ITEM), "item", "paired",
               "wilcoxon_pratt")
    assert (row["p_value"], row["effect"]) == (1.0, 0.0)
    assert row["n_same"] == 12


# --- engines ------------------------------------------------------------------------------

def test_pingouin_and_scipy_give_the_same_numbers():
    questionnaire = make_questionnaire({"d1": ["a", "b", "c"], "d2": ["e", "f"]}, reverse={"c"})
    wide = random_rounds(questionnaire, 60, 70, seed=5, linked=35)
    before, after = wide[wide.round_id == 1], wide[wide.round_id == 2]
    via_pingouin = compare_rounds(before, after, questionnaire, engine="pingouin").tests
    via_scipy = compare_rounds(before, after, questionnaire, engine="scipy").tests
    numbers = via_scipy.select_dtypes("number").columns
    pd.testing.assert_frame_equal(via_pingouin[numbers], via_scipy[numbers], rtol=1e-9)
    assert (via_pingouin["sentence"] == via_scipy["sentence"]).all()


def test_auto_engine_is_the_fast_path_for_small_rounds_too():
    wide = random_rounds(ONE_ITEM, 30, 30, seed=2, linked=10)
    before, after = wide[wide.round_id == 1], wide[wide.round_id == 2]
    assert set(compare_rounds(before, after, ONE_ITEM).tests["engine"]) == {"scipy"}
    reference = compare_rounds(before, after, ONE_ITEM, engine="pingouin").tests
    assert set(reference["engine"]) == {"pingouin"}


def test_unknown_engine_is_refused():
    with pytest.raises(ValueError, match="engine"):
        compare_rounds(*_rounds([1, 2], [3, 4]), ONE_ITEM, engine="statsmodels")


# --- questionnaire versions ---------------------------------------------------------------

def test_versions_with_a_different_scale_are_refused():
    old = make_questionnaire({"d": ["q", "r"]}, version=1)
    new = make_questionnaire({"d": ["q", "r"]}, version=2, item_points={"r": 7})
    with pytest.raises(IncompatibleQuestionnairesError,
                       match="'r': scale has 5 points before and 7"):
        check_compatible(old, new)


def test_versions_with_a_changed_direction_or_top_box_are_refused():
    old = make_questionnaire({"d": ["q"]}, version=1)
    with pytest.raises(IncompatibleQuestionnairesError, match="reverse coding changed"):
        check_compatible(old, make_questionnaire({"d": ["q"]}, version=2, reverse={"q"}))
    with pytest.raises(IncompatibleQuestionnairesError, match="top box is 2 before and 1"):
        check_compatible(old, make_questionnaire({"d": ["q"]}, version=2, top_box=1))


def test_different_questionnaires_or_no_shared_item_are_refused():
    old = make_questionnaire({"d": ["q"]})
    with pytest.raises(IncompatibleQuestionnairesError, match="different questionnaires"):
        check_compatible(old, make_questionnaire({"d": ["q"]}, questionnaire_id="other"))
    with pytest.raises(IncompatibleQuestionnairesError, match="no item in common"):
        check_compatible(old, make_questionnaire({"d": ["z"]}, version=2))


def test_compare_rounds_refuses_before_computing():
    old = make_questionnaire({"d": ["q"]})
    new = make_questionnaire({"d": ["q"]}, version=2, item_points={"q": 4})
    before, after = _rounds([1, 2], [3, 4], old)
    with pytest.raises(IncompatibleQuestionnairesError) as refused:
        compare_rounds(before, after, old, new)
    assert refused.value.reasons == ["item 'q': scale has 5 points before and 4 after"]


def test_added_items_and_changed_dimensions_are_skipped_not_refused():
    old = make_questionnaire({"d": ["q", "r"], "e": ["s"]}, version=1)
    new = make_questionnaire({"d": ["q", "r", "new"], "e": ["s"]}, version=2)
    compatibility = check_compatible(old, new)
    compared = {(t.level, t.id) for t in compatibility.targets}
    assert ("item", "new") not in compared and ("dimension", "d") not in compared
    assert {("item", "q"), ("item", "s"), ("dimension", "e")} <= compared
    skipped = compatibility.skipped.set_index("target_id")["reason"]
    assert skipped["new"] == "only in one version"
    assert skipped["d"] == "its items changed between the versions"


def test_a_panel_where_a_few_improved_and_nobody_worsened_reads_as_grande():
    keys = [f"k{i}" for i in range(20)]
    before = [3] * 20
    after = [4, 4, 4] + [3] * 17
    row = _row(compare_rounds(*_rounds(before, after, keys=keys), ONE_ITEM), "item", "paired",
               "wilcoxon_pratt")
    assert (row["n_improved"], row["n_same"], row["n_worsened"]) == (3, 17, 0)
    assert row["effect"] == 1.0 and row["effect_label"] == "grande"
