"""Item, dimension and indicator scores and reliability on hand-built answer tables."""

import math

import numpy as np
import pandas as pd
import pytest

from survey_app.analysis import (
    dimension_scores,
    indicator_values,
    item_scores,
    reliability,
    respondent_scores,
    wide_frame,
    wilson_interval,
)

from .builders import column_rows, make_questionnaire, make_tables

NAN = np.nan


def _wide(questionnaire, rows, **context):
    return wide_frame(*make_tables(rows, **context), questionnaire)


# --- items --------------------------------------------------------------------------------

def test_item_distribution_and_scores_by_hand():
    questionnaire = make_questionnaire({"d": ["q"]})
    wide = _wide(questionnaire, column_rows(q=[5, 4, 4, 3, 2, NAN, 1, 5]))
    row = item_scores(wide, questionnaire).iloc[0]
    # valid answers 1 2 3 4 4 5 5: n = 7, one missing
    assert (row["n"], row["missing"]) == (7, 1)
    assert [row[f"count_{v}"] for v in range(1, 6)] == [1, 1, 1, 2, 2]
    assert row["pct_4"] == pytest.approx(2 / 7 * 100)
    # sorted positions 0..6: median x[3] = 4; q1 at 1.5 -> (2 + 3)/2; q3 at 4.5 -> (4 + 5)/2
    assert (row["median"], row["q1"], row["q3"]) == (4, 2.5, 4.5)
    # mean 24/7; sum of squares 96 - 7 (24/7)^2 = 96/7; variance 96/7/6 = 16/7
    assert row["mean"] == pytest.approx(24 / 7)
    assert row["sd"] == pytest.approx(4 / math.sqrt(7))
    # 0-100: (24/7 - 1)/4 * 100 = 17/28 * 100
    assert row["score"] == pytest.approx(1700 / 28)
    # top two boxes (4 and 5): 4 of 7, with the Wilson interval of 4/7
    assert row["top_box_share"] == pytest.approx(4 / 7)
    low, high = wilson_interval(4, 7)
    assert (row["top_box_low"], row["top_box_high"]) == pytest.approx((low, high))


def test_top_box_follows_the_scale_setting():
    questionnaire = make_questionnaire({"d": ["q"]}, top_box=1)
    wide = _wide(questionnaire, column_rows(q=[5, 4, 4, 5]))
    assert item_scores(wide, questionnaire).iloc[0]["top_box_share"] == 0.5  # only the 5s


def test_dont_know_is_never_a_midpoint():
    questionnaire = make_questionnaire({"d": ["q"]})
    wide = _wide(questionnaire, column_rows(q=[5, NAN, NAN, 1]))
    row = item_scores(wide, questionnaire).iloc[0]
    assert (row["n"], row["missing"], row["count_3"]) == (2, 2, 0)
    assert row["mean"] == 3  # (5 + 1) / 2 from the two real answers only
    assert sum(row[f"pct_{v}"] for v in range(1, 6)) == pytest.approx(100)


def test_reverse_item_scores_use_the_recoded_values():
    questionnaire = make_questionnaire({"d": ["negative"]}, reverse={"negative"})
    wide = _wide(questionnaire, column_rows(negative=[1, 1, 2]))  # recoded 5, 5, 4
    row = item_scores(wide, questionnaire).iloc[0]
    assert row["mean"] == pytest.approx(14 / 3)
    assert row["top_box_share"] == 1.0


def test_quantiles_match_pandas_on_random_groups():
    questionnaire = make_questionnaire({"d": ["q"]})
    values = np.random.default_rng(3).integers(1, 6, 200).astype(float)
    values[::7] = NAN
    groups = list(np.random.default_rng(4).choice(["A", "B", "C"], 200))
    wide = _wide(questionnaire, column_rows(q=list(values)), comune=groups)
    scores = item_scores(wide, questionnaire, by="comune").set_index("comune")
    expected = wide.groupby("comune")["q"]
    for name, quantile in (("median", 0.5), ("q1", 0.25), ("q3", 0.75)):
        assert scores[name].to_dict() == pytest.approx(expected.quantile(quantile).to_dict())
    assert scores["sd"].to_dict() == pytest.approx(expected.std().to_dict())


def test_item_scores_per_round_and_pooled():
    questionnaire = make_questionnaire({"d": ["q"]})
    first = make_tables(column_rows(q=[1, 2]), round_id=1)
    second = make_tables(column_rows(q=[5, 5, 4]), round_id=2, first_id=10)
    answers = pd.concat([first[0], second[0]])
    responses = pd.concat([first[1], second[1]])
    wide = wide_frame(answers, responses, questionnaire)
    per_round = item_scores(wide, questionnaire).set_index("round_id")
    assert per_round.loc[1, "mean"] == 1.5 and per_round.loc[2, "mean"] == pytest.approx(14 / 3)
    pooled = item_scores(wide, questionnaire, by=None)
    assert len(pooled) == 1 and pooled.iloc[0]["n"] == 5


# --- respondents and dimensions -----------------------------------------------------------

def test_respondent_score_needs_80_percent_of_the_items():
    questionnaire = make_questionnaire({"five": ["a", "b", "c", "d", "e"], "two": ["f", "g"]})
    rows = [
        {"a": 5, "b": 5, "c": 5, "d": 5, "f": 4},           # 4 of 5 = 80%: scored; 1 of 2: not
        {"a": 5, "b": 5, "c": 5, "f": 4, "g": 2},           # 3 of 5 = 60%: not; 2 of 2 scored
    ]
    scores = respondent_scores(_wide(questionnaire, rows), questionnaire)
    # mean of the answered items only: 100, not (4 x 100 + 50)/5 as a midpoint would give
    assert scores.loc[1, "five"] == 100
    assert math.isnan(scores.loc[1, "two"])
    assert math.isnan(scores.loc[2, "five"])
    assert scores.loc[2, "two"] == pytest.approx((75 + 25) / 2)  # (4-1)/4 and (2-1)/4 x 100


def test_respondent_score_mixes_scales_on_0_100():
    questionnaire = make_questionnaire({"d": ["five", "seven"]}, item_points={"seven": 7})
    scores = respondent_scores(_wide(questionnaire, [{"five": 3, "seven": 7}]), questionnaire)
    assert scores.loc[1, "d"] == pytest.approx((50 + 100) / 2)  # (3-1)/4 and (7-1)/6 x 100


def test_dimension_scores_and_top_box_rule_by_hand():
    questionnaire = make_questionnaire({"d": ["a", "b"]})
    rows = column_rows(a=[4, 5, 4, 5, 1], b=[4, 3, 3, 5, NAN])
    row = dimension_scores(_wide(questionnaire, rows), questionnaire).iloc[0]
    # respondent means 4, 4, 3.5, 5 and one excluded (1 of 2 answered)
    assert (row["n"], row["excluded"]) == (4, 1)
    # 0-100: 75, 75, 62.5, 100 -> mean 78.125; in points 1 + 0.78125 * 4 = 4.125
    assert row["score"] == pytest.approx(78.125)
    assert row["mean"] == pytest.approx(4.125)
    # positive when the mean reaches 4 (the lowest of the top two points): 3 of 4
    assert row["top_box_share"] == 0.75
    assert row["score_median"] == 75


def test_dimension_with_mixed_scales_has_no_top_box():
    questionnaire = make_questionnaire({"d": ["five", "seven"]}, item_points={"seven": 7})
    row = dimension_scores(_wide(questionnaire, [{"five": 5, "seven": 7}]), questionnaire).iloc[0]
    assert row["score"] == 100
    assert math.isnan(row["top_box_share"]) and math.isnan(row["mean"])


# --- reliability --------------------------------------------------------------------------

def test_reliability_tables_by_hand():
    questionnaire = make_questionnaire({"d": ["a", "b", "c"], "single": ["s"]})
    rows = column_rows(a=[1, 2, 3, 4, 5], b=[2, 2, 4, 4, NAN], c=[2, 3, 3, 5, 1], s=[1, 2, 3, 4, 5])
    result = reliability(_wide(questionnaire, rows), questionnaire)
    dimension = result.dimensions.set_index("dimension_id")
    # the first 4 rows are the hand example of test_cronbach_alpha_by_hand: alpha = 46/49
    assert dimension.loc["d", "alpha"] == pytest.approx(46 / 49)
    assert dimension.loc["d", "n_used"] == 4  # the fifth row misses b: listwise
    assert dimension.loc["d", "acceptable"]  # alpha >= .70, no negative item-rest r
    assert "instabile" in dimension.loc["d", "note"]  # but 4 rows: flagged as unstable
    assert math.isnan(dimension.loc["single", "alpha"])
    items = result.items.set_index("item_id")
    assert items.loc["a", "item_rest_r"] == pytest.approx(8.5 / math.sqrt(5 * 14.75))
    assert items.loc["a", "alpha_if_deleted"] == pytest.approx(12 / 14.75)


def test_reliability_flags_an_item_that_should_have_been_reversed():
    questionnaire = make_questionnaire({"d": ["a", "b", "c"]})
    rng = np.random.default_rng(0)
    level = rng.integers(1, 6, 60)
    rows = column_rows(a=list(level), b=list(np.clip(level + rng.integers(-1, 2, 60), 1, 5)),
                       c=list(6 - level))
    dimension = reliability(_wide(questionnaire, rows), questionnaire).dimensions.iloc[0]
    assert not dimension["acceptable"]
    assert "invertita" in dimension["note"]


# --- indicators ---------------------------------------------------------------------------

MEASURES = [
    {"indicator": "t.outcome-1", "dimensions": ["d"], "statistic": "top_box_share",
     "target": {"operator": ">=", "value": 0.7, "label": {"it": "almeno il 70%"}}},
    {"indicator": "t.outcome-2", "items": ["a", "b"], "statistic": "mean_score",
     "target": {"operator": ">", "value": 60}},
    {"indicator": "t.outcome-3", "dimensions": ["d"], "statistic": "improved_share"},
]


def test_indicator_values_against_targets_by_hand():
    questionnaire = make_questionnaire({"d": ["a", "b"]}, measures=MEASURES)
    rows = column_rows(a=[4, 5, 4, 5], b=[4, 3, 3, 5])
    values = indicator_values(_wide(questionnaire, rows), questionnaire).set_index("indicator")
    share = values.loc["t.outcome-1"]
    # respondent means 4, 4, 3.5, 5: positive when >= 4 -> 3/4 = 0.75 >= 0.7
    assert share["value"] == 0.75 and share["target_met"]
    low, high = wilson_interval(3, 4)
    assert (share["low"], share["high"]) == pytest.approx((low, high))
    assert not share["target_met_with_confidence"]  # the interval reaches below 0.7
    assert share["target_label"] == "almeno il 70%"
    mean = values.loc["t.outcome-2"]
    # 0-100 scores 75, 75, 62.5, 100 -> mean 78.125 > 60; t interval 78.125 +- t(.975, 3) s/2
    assert mean["value"] == pytest.approx(78.125) and mean["target_met"]
    s = np.std([75, 75, 62.5, 100], ddof=1)
    from scipy import stats

    half = stats.t.ppf(0.975, 3) * s / 2
    assert (mean["low"], mean["high"]) == pytest.approx((78.125 - half, min(78.125 + half, 100)))
    improved = values.loc["t.outcome-3"]
    assert math.isnan(improved["value"]) and "compare_rounds" in improved["note"]
    assert improved["target_met"] is None
