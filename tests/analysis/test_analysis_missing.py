"""The two kinds of missing answer in the analysis: "non so" and not answered, counted apart."""

import numpy as np

from survey_app.analysis import item_scores, wide_frame
from survey_app.analysis.frames import dont_know_column

from .builders import make_questionnaire, make_tables

QUESTIONNAIRE = make_questionnaire({"d": ["q"]})


def test_non_so_and_not_answered_are_both_missing_and_counted_apart():
    answers, responses = make_tables([{"q": 5}, {"q": np.nan}, {"q": np.nan}, {"q": 1}, {}],
                                     service=["a", "a", "b", "b", "b"])
    answers["not_answered"] = [False, False, True, False]  # response 3 left it blank; 5 has no row
    wide = wide_frame(answers, responses, QUESTIONNAIRE)
    assert wide[dont_know_column("q")].tolist() == [False, True, False, False, False]
    row = item_scores(wide, QUESTIONNAIRE, by=None).iloc[0]
    assert (row["n"], row["missing"], row["dont_know"], row["not_answered"]) == (2, 3, 1, 2)
    assert row["mean"] == 3
    by_service = item_scores(wide, QUESTIONNAIRE, by="service").set_index("service")
    assert by_service[["n", "dont_know", "not_answered"]].to_dict("index") == {
        "a": {"n": 1, "dont_know": 1, "not_answered": 0}, "b": {"n": 1, "dont_know": 0, "not_answered": 2}}


def test_without_the_not_answered_column_a_stored_nan_is_non_so():
    answers, responses = make_tables([{"q": np.nan}, {"q": 4}, {}])
    row = item_scores(wide_frame(answers, responses, QUESTIONNAIRE), QUESTIONNAIRE, by=None).iloc[0]
    assert (row["n"], row["dont_know"], row["not_answered"]) == (1, 1, 1)
