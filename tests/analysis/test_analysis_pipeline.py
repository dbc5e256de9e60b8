"""The whole analysis on the shipped questionnaire, as a notebook would run it."""

import json
from pathlib import Path

import pandas as pd

from survey_app import analysis
from survey_app.questionnaires.definition import Questionnaire

from .builders import random_rounds

SHIPPED = Path(__file__).resolve().parents[2] / "questionnaires" / "persona-al-centro.json"


def test_full_analysis_of_the_shipped_questionnaire():
    questionnaire = Questionnaire(json.loads(SHIPPED.read_text(encoding="utf-8")))
    wide = random_rounds(questionnaire, 45, 38, seed=9, linked=20)
    n_items = len(questionnaire.items)

    items = analysis.item_scores(wide, questionnaire)
    assert len(items) == 2 * n_items
    assert items["top_box_share"].between(0, 1).all()
    dimensions = analysis.dimension_scores(wide, questionnaire)
    assert len(dimensions) == 2 * len(questionnaire.dimensions)
    assert len(analysis.reliability(wide, questionnaire).items) == 2 * n_items
    indicators = analysis.indicator_values(wide, questionnaire)
    assert set(indicators["indicator"]) == set(questionnaire.indicator_ids)

    comparison = analysis.compare_rounds(wide[wide.round_id == 1], wide[wide.round_id == 2],
                                         questionnaire)
    tests = comparison.tests
    assert comparison.pairing.n_pairs == 20
    assert set(tests["design"]) == {"independent", "paired"}
    tested = tests.dropna(subset=["p_value"])
    # every p travels with its n, effect size, interval and sentence
    carried = tested[["n_before", "n_after", "effect", "effect_low", "effect_high"]]
    assert carried.notna().all().all()
    assert tested["sentence"].str.len().gt(0).all()

    by_comune = analysis.breakdown(wide, questionnaire, by="comune")
    hidden = by_comune.scores[by_comune.scores["suppressed"]]
    assert hidden["score"].isna().all() and hidden["n"].isna().all()
    assert pd.api.types.is_bool_dtype(by_comune.counts["suppressed"])
