"""Tidy answers -> wide frame: reverse coding, missing answers, refused inputs."""

import math

import numpy as np
import pandas as pd
import pytest

from survey_app.analysis import wide_frame

from .builders import make_questionnaire, make_tables

QUESTIONNAIRE = make_questionnaire({"d": ["plain", "negative"]}, reverse={"negative"})


def test_one_row_per_response_with_response_columns_kept():
    answers, responses = make_tables([{"plain": 4, "negative": 2}, {"plain": 1}],
                                     comune=["Lovere", None], panel_key=["k1", None])
    wide = wide_frame(answers, responses, QUESTIONNAIRE)
    assert list(wide.index) == [1, 2]
    assert wide.index.name == "response_id"
    assert list(wide.columns) == ["round_id", "comune", "service", "role", "channel", "point",
                                  "panel_key", "plain", "negative", "non_so:plain", "non_so:negative"]
    assert wide.loc[1, "comune"] == "Lovere"
    assert wide.loc[1, "panel_key"] == "k1"


def test_reverse_items_are_recoded_as_points_plus_one_minus_value():
    rows = [{"plain": v, "negative": v} for v in (1, 2, 3, 4, 5)]
    wide = wide_frame(*make_tables(rows), QUESTIONNAIRE)
    # 5-point scale: x' = 5 + 1 - x, so 1->5, 2->4, 3->3, 4->2, 5->1
    assert wide["negative"].tolist() == [5, 4, 3, 2, 1]
    assert wide["plain"].tolist() == [1, 2, 3, 4, 5]


def test_reverse_coding_uses_the_items_own_scale():
    questionnaire = make_questionnaire({"d": ["seven"]}, reverse={"seven"},
                                       item_points={"seven": 7})
    wide = wide_frame(*make_tables([{"seven": 2}]), questionnaire)
    assert wide.loc[1, "seven"] == 6  # 7 + 1 - 2


def test_missing_stays_missing_even_when_reverse_coded():
    answers, responses = make_tables([{"plain": np.nan, "negative": np.nan}, {"plain": 3}])
    wide = wide_frame(answers, responses, QUESTIONNAIRE)
    assert math.isnan(wide.loc[1, "plain"])
    assert math.isnan(wide.loc[1, "negative"])  # not 6 - NaN turned into anything
    assert math.isnan(wide.loc[2, "negative"])  # never answered: missing, not a midpoint


def test_response_without_answers_is_kept_with_all_items_missing():
    answers, responses = make_tables([{"plain": 2}, {}])
    wide = wide_frame(answers, responses, QUESTIONNAIRE)
    assert len(wide) == 2
    assert wide.loc[2, ["plain", "negative"]].isna().all()


def test_nullable_values_are_accepted():
    answers, responses = make_tables([{"plain": 2, "negative": 3}])
    answers["value"] = pd.array([2, pd.NA], dtype="Int64")
    wide = wide_frame(answers, responses, QUESTIONNAIRE)
    assert wide.loc[1, "plain"] == 2
    assert math.isnan(wide.loc[1, "negative"])


@pytest.mark.parametrize("value", [0, 6, 2.5, -1])
def test_values_outside_the_scale_are_refused(value):
    answers, responses = make_tables([{"plain": value}])
    with pytest.raises(ValueError, match="whole points 1..points"):
        wide_frame(answers, responses, QUESTIONNAIRE)


def test_unknown_item_is_refused():
    answers, responses = make_tables([{"plain": 2, "from_another_version": 3}])
    with pytest.raises(ValueError, match="from_another_version"):
        wide_frame(answers, responses, QUESTIONNAIRE)


def test_two_answers_to_the_same_item_are_refused():
    answers, responses = make_tables([{"plain": 2}])
    doubled = pd.concat([answers, answers], ignore_index=True)
    with pytest.raises(ValueError, match="more than one answer"):
        wide_frame(doubled, responses, QUESTIONNAIRE)


def test_answer_of_an_unknown_response_is_refused():
    answers, responses = make_tables([{"plain": 2}, {"plain": 3}])
    with pytest.raises(ValueError, match="not in responses"):
        wide_frame(answers, responses.iloc[:1], QUESTIONNAIRE)


def test_answer_in_another_round_than_its_response_is_refused():
    answers, responses = make_tables([{"plain": 2}])
    answers["round_id"] = 99
    with pytest.raises(ValueError, match="round_id differs"):
        wide_frame(answers, responses, QUESTIONNAIRE)


def test_missing_column_is_named():
    answers, responses = make_tables([{"plain": 2}])
    with pytest.raises(ValueError, match="panel_key"):
        wide_frame(answers, responses.drop(columns="panel_key"), QUESTIONNAIRE)
