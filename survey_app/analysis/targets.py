"""What gets scored: single items, dimensions and indicators, as sets of items.

A :class:`Target` is a named set of items scored together. Every analysis (scores,
comparisons, breakdowns) works on targets, so the same rules apply everywhere:

* a respondent's score on a target is the mean, over the items they answered, of each item
  on the 0-100 scale ``(value - 1) / (points - 1) * 100`` -- for items sharing one scale this
  is exactly the 0-100 transform of the mean of the raw points;
* the score exists only when at least 80% of the target's items were answered
  (:data:`MIN_ANSWERED_SHARE`); for a single item it simply means "answered";
* a respondent is *positive* (top box) when that score reaches the lowest top-box point:
  with 5 points and ``top_box = 2`` the mean of their answers must be at least 4 ("d'accordo").
  The rule needs one scale for the whole target; with mixed scales the top-box share is
  undefined (``NaN``) while the 0-100 score still is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from survey_app.analysis.formulas import ROUNDING_DECIMALS

if TYPE_CHECKING:
    from survey_app.questionnaires.definition import Questionnaire

#: a multi-item score needs at least this share of its items answered
MIN_ANSWERED_SHARE = (4, 5)  # 4/5 = 80%, kept as a fraction so 4 of 5 is not lost to rounding
#: scores closer than this are equal (means of a few answers are not exact in binary)
SCORE_TOLERANCE = 1e-9
#: the family name of indicator targets, for the multiple-comparison corrections
INDICATOR_FAMILY = "indicatori"


@dataclass(frozen=True)
class Target:
    """A set of items scored together.

    ``level`` is ``item``, ``dimension`` or ``indicator``; ``family`` groups targets for the
    Holm correction (the dimension of an item or dimension, :data:`INDICATOR_FAMILY` for
    indicators); ``points`` and ``top_box`` are ``None`` when the items mix scales.
    """

    level: str
    id: str
    family: str
    items: tuple[str, ...]
    points: int | None
    top_box: int | None

    @property
    def top_box_threshold(self) -> float:
        """Return the 0-100 score from which a respondent counts as positive (``NaN`` if mixed)."""
        if self.points is None:
            return np.nan
        lowest_top_point = self.points - self.top_box + 1
        return float(to_0_100(lowest_top_point, self.points))


def to_0_100(value, points):
    """Return the 0-100 score of *value* on a 1..*points* scale: (value - 1)/(points - 1)*100."""
    return (np.asarray(value, dtype=float) - 1) / (np.asarray(points, dtype=float) - 1) * 100


def item_targets(questionnaire: Questionnaire) -> list[Target]:
    """Return one target per item, in questionnaire order."""
    return [Target("item", item.id, item.dimension_id, (item.id,), item.scale.points,
                   item.scale.top_box) for item in questionnaire.items]


def dimension_targets(questionnaire: Questionnaire) -> list[Target]:
    """Return one target per dimension (all its items), in questionnaire order."""
    return [_target(questionnaire, "dimension", d["id"], d["id"], [i["id"] for i in d["items"]])
            for d in questionnaire.dimensions]


def indicator_targets(questionnaire: Questionnaire) -> list[Target]:
    """Return one target per measure of *questionnaire* (the items it is computed on)."""
    return [_target(questionnaire, "indicator", m["indicator"], INDICATOR_FAMILY,
                    measure_items(questionnaire, m)) for m in questionnaire.measures]


def measure_items(questionnaire: Questionnaire, measure: dict) -> list[str]:
    """Return the item ids a measure is computed on: its items, or all items of its dimensions."""
    if "items" in measure:
        return list(measure["items"])
    wanted = set(measure["dimensions"])
    return [item.id for item in questionnaire.items if item.dimension_id in wanted]


def _target(questionnaire: Questionnaire, level: str, target_id: str, family: str,
            ids: list[str]) -> Target:
    scales = {(scale.points, scale.top_box)
              for scale in (questionnaire.items_by_id[i].scale for i in ids)}
    points, top_box = scales.pop() if len(scales) == 1 else (None, None)
    return Target(level, target_id, family, tuple(ids), points, top_box)


def points_by_item(questionnaire: Questionnaire) -> dict[str, int]:
    """Return the number of scale points of every item."""
    return {item.id: item.scale.points for item in questionnaire.items}


def respondent_target_scores(wide: pd.DataFrame, target: Target,
                             points: dict[str, int]) -> np.ndarray:
    """Return each respondent's 0-100 score on *target*, ``NaN`` under the 80% answered rule."""
    values = wide.loc[:, list(target.items)].to_numpy(dtype=float, na_value=np.nan)
    scaled = to_0_100(values, [points[i] for i in target.items])
    return score_rows(scaled)


def score_rows(scaled: np.ndarray) -> np.ndarray:
    """Return the row means of a 0-100 matrix where >= 80% of the row is answered, else ``NaN``."""
    answered = ~np.isnan(scaled)
    n_answered = answered.sum(axis=1)
    n_items = scaled.shape[1]
    enough = n_answered * MIN_ANSWERED_SHARE[1] >= n_items * MIN_ANSWERED_SHARE[0]
    enough &= n_answered > 0
    totals = np.where(answered, scaled, 0.0).sum(axis=1)
    scores = np.full(len(scaled), np.nan)
    scores[enough] = totals[enough] / n_answered[enough]
    # equal means reached by different answers must tie exactly for the rank tests
    return np.round(scores, ROUNDING_DECIMALS)


def is_positive(scores: np.ndarray, target: Target) -> np.ndarray:
    """Return 1.0 where a score is in the top box, 0.0 where not, ``NaN`` where it is missing.

    All ``NaN`` when the target mixes scales, since there is no common top box.
    """
    if target.points is None:
        return np.full(len(scores), np.nan)
    positive = (scores >= target.top_box_threshold - SCORE_TOLERANCE).astype(float)
    positive[np.isnan(scores)] = np.nan
    return positive
