"""The rules that pick the rounds of a plan's verdicts (survey_app.plans.designation), on
plain round facts: no database, no Flask."""

from __future__ import annotations

from datetime import datetime

import pytest

from survey_app.plans.designation import RoundFacts, default_designation, designation_for

Q = "persona-al-centro"


def round_(id_, kind, year, month=1, *, closed=True, **facts) -> RoundFacts:
    return RoundFacts(id_, kind, closed, datetime(year, month, 1), Q, **facts)


def ids(designation):
    return designation.round_ids, designation.origin


def test_ex_ante_then_ex_post():
    rounds = [round_(1, "ex-ante", 2021, 3), round_(2, "in-itinere", 2022, 10), round_(3, "ex-post", 2023, 9)]
    assert ids(default_designation(rounds)) == ((1, 3), "default")


def test_in_itinere_is_the_before_when_there_is_no_ex_ante():
    rounds = [round_(2, "in-itinere", 2022, 10), round_(3, "ex-post", 2023, 9)]
    assert ids(default_designation(rounds)) == ((2, 3), "default")


def test_without_an_ex_post_the_latest_in_itinere_is_the_after_and_an_ex_ante_its_before():
    rounds = [round_(1, "ex-ante", 2021, 3), round_(2, "in-itinere", 2022, 3), round_(4, "in-itinere", 2022, 10)]
    assert ids(default_designation(rounds)) == ((1, 4), "default")
    # an in itinere is never the baseline of another in itinere
    assert ids(default_designation(rounds[1:])) == ((None, 4), "default")


def test_an_open_round_never_counts():
    """The issue's case: an ex post of 7 answers still open must not replace the closed one."""
    rounds = [round_(1, "ex-ante", 2021, 3), round_(3, "ex-post", 2023, 9),
              round_(9, "ex-post", 2023, 12, closed=False)]
    assert ids(default_designation(rounds)) == ((1, 3), "default")
    assert ids(default_designation([round_(9, "ex-post", 2023, 12, closed=False)])) == ((None, None), "default")


def test_a_follow_up_after_the_plan_never_counts_by_default():
    rounds = [round_(1, "ex-ante", 2021, 3), round_(3, "ex-post", 2023, 9),
              round_(7, "ex-post", 2026, 3, is_follow_up=True)]
    assert ids(default_designation(rounds)) == ((1, 3), "default")


def test_the_latest_ex_post_and_the_earliest_ex_ante():
    rounds = [round_(1, "ex-ante", 2021, 3), round_(2, "ex-ante", 2021, 9), round_(3, "ex-post", 2023, 3),
              round_(4, "ex-post", 2023, 9)]
    assert ids(default_designation(rounds)) == ((1, 4), "default")


def test_the_before_precedes_the_after():
    rounds = [round_(3, "ex-post", 2022, 9), round_(5, "ex-ante", 2023, 1)]
    assert ids(default_designation(rounds)) == ((None, 3), "default")


def test_whole_ambito_rounds_first_and_the_before_in_the_afters_scope():
    rounds = [round_(1, "ex-ante", 2021, 3, comune_id=4), round_(2, "ex-ante", 2021, 4),
              round_(3, "ex-post", 2023, 9), round_(5, "ex-post", 2023, 10, comune_id=4)]
    assert ids(default_designation(rounds)) == ((2, 3), "default")
    only_comune = [rounds[0], round_(6, "ex-ante", 2021, 2, comune_id=7), rounds[3]]
    assert ids(default_designation(only_comune)) == ((1, 5), "default")


def test_a_panel_round_is_compared_with_the_same_panel():
    rounds = [round_(1, "ex-ante", 2021, 2), round_(2, "ex-ante", 2021, 3, panel_id=8),
              round_(3, "ex-post", 2023, 9, panel_id=8)]
    assert ids(default_designation(rounds)) == ((2, 3), "default")


def test_a_round_of_a_panel_is_not_the_baseline_of_a_round_without_codes():
    rounds = [round_(2, "ex-ante", 2021, 3, panel_id=8), round_(3, "ex-post", 2023, 9)]
    assert ids(default_designation(rounds)) == ((None, 3), "default")


@pytest.mark.parametrize("rounds, expected", [
    ([round_(3, "ex-post", 2025, 9)], ((70, 3), "predecessor")),
    ([round_(1, "ex-ante", 2025, 3), round_(3, "ex-post", 2025, 9)], ((1, 3), "default")),
    ([], ((None, None), "default")),
])
def test_the_previous_plans_ex_post_is_the_baseline_only_when_the_plan_has_none(rounds, expected):
    previous_after = round_(70, "ex-post", 2023, 9)
    assert ids(default_designation(rounds, previous_after)) == expected


def test_an_explicit_choice_wins_and_may_name_rounds_outside_the_default_rules():
    rounds = [round_(1, "ex-ante", 2021, 3), round_(3, "ex-post", 2023, 9)]
    follow_up = round_(7, "ex-post", 2026, 3, is_follow_up=True)
    chosen = designation_for(rounds, (1, 7), known={7: follow_up})
    assert ids(chosen) == ((1, 7), "explicit")
    assert ids(designation_for(rounds, None)) == ((1, 3), "default")
    assert ids(designation_for(rounds, (None, 3))) == ((None, 3), "explicit")
