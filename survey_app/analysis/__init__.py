"""Survey analysis: pure functions from answer tables to scores, comparisons and breakdowns.

No Flask and no database: pandas DataFrames in, DataFrames and dataclasses out. pingouin, the
reference, is imported only when asked for by name (``engine="pingouin"``), never by the
default engine nor by ``import survey_app.analysis``.

Modules: :mod:`.frames` (tidy answers -> wide frame, reverse coding), :mod:`.targets` (items,
dimensions, indicators and the respondent-score rules), :mod:`.scores` (item and dimension
scores, Cronbach's alpha, indicators), :mod:`.compare` (two rounds), :mod:`.breakdowns` and
:mod:`.privacy` (groups and small-cell suppression), :mod:`.formulas` (the closed-form
statistics), :mod:`.engines` (the fast path, or pingouin as reference), :mod:`.wording` (Italian sentences).

Notebook use::

    import json
    import pandas as pd
    from survey_app.questionnaires.definition import Questionnaire
    from survey_app import analysis

    with open("questionnaires/persona-al-centro.json", encoding="utf-8") as f:
        questionnaire = Questionnaire(json.load(f))
    answers = pd.read_csv("answers.csv")      # response_id, round_id, item_id, value
    responses = pd.read_csv("responses.csv")  # response_id, round_id, comune, service, ...

    wide = analysis.wide_frame(answers, responses, questionnaire)
    analysis.item_scores(wide, questionnaire)          # per round and item
    analysis.dimension_scores(wide, questionnaire)     # per round and dimension
    analysis.reliability(wide, questionnaire).dimensions
    analysis.indicator_values(wide, questionnaire)

    comparison = analysis.compare_rounds(wide[wide.round_id == 1], wide[wide.round_id == 2],
                                         questionnaire)
    comparison.tests[["target_id", "test", "effect", "effect_low", "effect_high",
                      "p_holm", "sentence"]]

    by_comune = analysis.breakdown(wide, questionnaire, by="comune")
    by_comune.counts, by_comune.scores, by_comune.suppressed

    # several breakdowns published side by side: suppressed jointly (no two groups 1-4 apart)
    tables = analysis.breakdowns(wide, questionnaire, ["comune", "service", "role"])
"""

from survey_app.analysis.breakdowns import Breakdown, breakdown, breakdowns
from survey_app.analysis.compare import (
                                         Comparison,
                                         Compatibility,
                                         IncompatibleQuestionnairesError,
                                         Pairing,
                                         check_compatible,
                                         compare_rounds,
                                         pair_panel,
)
from survey_app.analysis.engines import PINGOUIN_MAX_ANSWERS
from survey_app.analysis.formulas import benjamini_hochberg, cronbach_alpha, holm, wilson_interval
from survey_app.analysis.frames import wide_frame
from survey_app.analysis.privacy import MIN_CELL, suppress_cells, suppress_partitions
from survey_app.analysis.scores import (
                                         Reliability,
                                         dimension_scores,
                                         indicator_values,
                                         item_scores,
                                         reliability,
                                         respondent_scores,
)
from survey_app.analysis.targets import Target, dimension_targets, indicator_targets, item_targets

__all__ = [
    "MIN_CELL",
    "PINGOUIN_MAX_ANSWERS",
    "Breakdown",
    "Comparison",
    "Compatibility",
    "IncompatibleQuestionnairesError",
    "Pairing",
    "Reliability",
    "Target",
    "benjamini_hochberg",
    "breakdown",
    "breakdowns",
    "check_compatible",
    "compare_rounds",
    "cronbach_alpha",
    "dimension_scores",
    "dimension_targets",
    "holm",
    "indicator_targets",
    "indicator_values",
    "item_scores",
    "item_targets",
    "pair_panel",
    "reliability",
    "respondent_scores",
    "suppress_cells",
    "suppress_partitions",
    "wide_frame",
    "wilson_interval",
]
