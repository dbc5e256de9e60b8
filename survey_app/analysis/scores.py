"""Descriptive scores of one or more rounds: items, dimensions, reliability, indicators.

Every function takes the wide frame of :func:`survey_app.analysis.frames.wide_frame` and a
``by`` argument (default ``"round_id"``: one block of rows per round; ``None`` pools all
rows; a list crosses columns, e.g. ``["round_id", "service"]``). Shares are proportions
(0-1), ``pct_*`` are percentages, ``score`` is the 0-100 score ``(mean - 1)/(points - 1)*100``.
The respondent-score and top-box rules are those of :mod:`survey_app.analysis.targets`.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import stats

from survey_app.analysis import formulas
from survey_app.analysis.frames import dont_know_column
from survey_app.analysis.targets import (
    Target,
    dimension_targets,
    indicator_targets,
    is_positive,
    points_by_item,
    respondent_target_scores,
    to_0_100,
)

if TYPE_CHECKING:
    from survey_app.questionnaires.definition import Questionnaire

#: alpha from which a dimension score is considered reliable (Nunnally & Bernstein 1994)
ACCEPTABLE_ALPHA = 0.70
TARGET_OPERATORS = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt}
IMPROVED_SHARE_NOTE = "richiede due rilevazioni abbinate: vedi compare_rounds"


# --- grouping -----------------------------------------------------------------------------

def group_codes(frame: pd.DataFrame, by) -> tuple[np.ndarray, pd.DataFrame]:
    """Return a group number per row and the group keys (one row per group number).

    *by* is ``None`` (one group), a column name or a list of column names; missing values
    form their own group.
    """
    columns = [] if by is None else [by] if isinstance(by, str) else list(by)
    if not columns:
        return np.zeros(len(frame), dtype=np.int64), pd.DataFrame(index=range(1))
    codes = frame.groupby(columns, dropna=False, sort=True).ngroup().to_numpy()
    _, first_rows = np.unique(codes, return_index=True)
    keys = frame[columns].iloc[first_rows].reset_index(drop=True)
    return codes, keys


def _with_keys(keys: pd.DataFrame, columns: dict) -> pd.DataFrame:
    block = pd.DataFrame(columns, index=keys.index)
    return pd.concat([keys, block], axis=1)


# --- items --------------------------------------------------------------------------------

def item_scores(wide: pd.DataFrame, questionnaire: Questionnaire, by="round_id") -> pd.DataFrame:
    """Return the distribution and scores of every item, per group.

    Columns: the *by* columns, ``item_id``, ``dimension_id``, ``points``, ``top_box``,
    ``reverse``, ``n`` (valid answers), ``missing`` (the others: ``dont_know``, who chose
    "non so", plus ``not_answered``, who gave no answer), ``count_1..count_K`` and ``pct_1..pct_K``
    (K = the largest scale; percentages of valid answers, ``NaN`` beyond an item's scale),
    ``median``, ``q1``, ``q3``, ``mean``, ``sd`` (points, reverse items already recoded),
    ``score`` (0-100), ``top_box_share`` (answers in the top ``top_box`` points) with its
    Wilson 95% interval ``top_box_low``/``top_box_high``.
    """
    codes, keys = group_codes(wide, by)
    n_groups = len(keys)
    largest = max(item.scale.points for item in questionnaire.items)
    rows_per_group = np.bincount(codes, minlength=n_groups)
    blocks = []
    for item in questionnaire.items:
        counts = point_counts(wide[item.id].to_numpy(dtype=float, na_value=np.nan), codes,
                              n_groups, largest)
        summary = summarise_counts(counts, item.scale.points, item.scale.top_box)
        missing = rows_per_group - counts.sum(axis=1)
        dont_know = np.bincount(codes, weights=wide[dont_know_column(item.id)].to_numpy(dtype=float),
                                minlength=n_groups).astype(np.int64)
        columns = {"item_id": item.id, "dimension_id": item.dimension_id,
                   "points": item.scale.points, "top_box": item.scale.top_box,
                   "reverse": item.reverse, "n": summary.pop("n"), "missing": missing,
                   "dont_know": dont_know, "not_answered": missing - dont_know}
        columns |= {f"count_{v}": counts[:, v - 1] for v in range(1, largest + 1)}
        columns |= summary
        blocks.append(_with_keys(keys, columns))
    return pd.concat(blocks, ignore_index=True)


def point_counts(values: np.ndarray, codes: np.ndarray, n_groups: int, largest: int) -> np.ndarray:
    """Return how many valid answers each group gave on each point: shape (groups, largest)."""
    answered = ~np.isnan(values)
    flat = codes[answered] * largest + values[answered].astype(np.int64) - 1
    return np.bincount(flat, minlength=n_groups * largest).reshape(n_groups, largest)


def summarise_counts(counts: np.ndarray, points: int, top_box: int) -> dict[str, np.ndarray]:
    """Return n, percentages, median, quartiles, mean, SD, 0-100 score and top-box share.

    Everything is derived from the per-point counts (groups x points), which is exact for
    whole-point answers and avoids touching the rows again.
    """
    values = np.arange(1, counts.shape[1] + 1, dtype=float)
    n = counts.sum(axis=1)
    mean = formulas.safe_divide(counts @ values, n)
    squares = (counts * (values[None, :] - np.nan_to_num(mean)[:, None]) ** 2).sum(axis=1)
    sd = np.sqrt(formulas.safe_divide(squares, np.where(n > 1, n - 1, 0)))
    positive = counts[:, points - top_box:points].sum(axis=1)
    low, high = formulas.wilson_interval(positive, n)
    percentages = {f"pct_{v}": formulas.safe_divide(counts[:, v - 1] * 100, n)
                   if v <= points else np.full(len(n), np.nan)
                   for v in range(1, counts.shape[1] + 1)}
    return {"n": n, **percentages,
            "median": quantile_from_counts(counts, 0.5),
            "q1": quantile_from_counts(counts, 0.25),
            "q3": quantile_from_counts(counts, 0.75),
            "mean": mean, "sd": sd, "score": to_0_100(mean, points),
            "top_box_share": formulas.safe_divide(positive, n),
            "top_box_low": low, "top_box_high": high}


def quantile_from_counts(counts: np.ndarray, q: float) -> np.ndarray:
    """Return the q-quantile per row of point counts, interpolated as pandas/numpy do.

    With the answers sorted, position h = (n - 1) q; the quantile is
    x[floor h] + (h - floor h)(x[floor h + 1] - x[floor h]).
    """
    n = counts.sum(axis=1)
    cumulative = np.cumsum(counts, axis=1)
    position = (n - 1) * q
    lower = np.floor(position)
    fraction = position - lower
    value_at_lower = (cumulative <= lower[:, None]).sum(axis=1) + 1
    value_above = (cumulative <= lower[:, None] + 1).sum(axis=1) + 1
    quantile = value_at_lower + fraction * (value_above - value_at_lower)
    return np.where(n > 0, quantile, np.nan)


# --- respondents and dimensions -----------------------------------------------------------

def respondent_scores(wide: pd.DataFrame, questionnaire: Questionnaire,
                      targets: list[Target] | None = None) -> pd.DataFrame:
    """Return each respondent's 0-100 score per dimension (or per given target).

    A score exists when at least 80% of the target's items were answered; it is the mean of
    the answered items on the 0-100 scale (for one scale: ``(mean - 1)/(points - 1)*100``).
    Columns are the target ids, the index is the wide frame's.
    """
    targets = dimension_targets(questionnaire) if targets is None else targets
    points = points_by_item(questionnaire)
    return pd.DataFrame({t.id: respondent_target_scores(wide, t, points) for t in targets},
                        index=wide.index)


def dimension_scores(wide: pd.DataFrame, questionnaire: Questionnaire,
                     by="round_id") -> pd.DataFrame:
    """Return per group and dimension the summary of respondents' dimension scores.

    Columns: the *by* columns, ``dimension_id``, ``n_items``, ``n`` (respondents with a
    score), ``excluded`` (respondents below the 80% answered rule), ``score`` (mean 0-100),
    ``score_sd``, ``score_median``, ``score_q1``, ``score_q3``, ``mean`` (the same mean on
    the 1..points scale when the items share a scale), ``top_box_share`` (respondents whose
    mean reaches the lowest top-box point) with Wilson ``top_box_low``/``top_box_high``.
    """
    targets = dimension_targets(questionnaire)
    scores = respondent_scores(wide, questionnaire, targets)
    codes, keys = group_codes(wide, by)
    blocks = []
    for target in targets:
        summary = summarise_scores(scores[target.id].to_numpy(), codes, len(keys), target)
        blocks.append(_with_keys(keys, {"dimension_id": target.id,
                                        "n_items": len(target.items), **summary}))
    return pd.concat(blocks, ignore_index=True)


def summarise_scores(scores: np.ndarray, codes: np.ndarray, n_groups: int,
                     target: Target) -> dict[str, np.ndarray]:
    """Return per group n, excluded, mean/SD/median/quartiles of 0-100 scores and top-box share."""
    everything = pd.RangeIndex(n_groups)
    grouped = pd.DataFrame({"group": codes, "score": scores}).groupby("group")["score"]
    n = grouped.count().reindex(everything, fill_value=0).to_numpy()
    quartiles = grouped.quantile([0.25, 0.5, 0.75]).unstack().reindex(everything)
    mean = grouped.mean().reindex(everything).to_numpy()
    return {"n": n, "excluded": np.bincount(codes, minlength=n_groups) - n, "score": mean,
            "score_sd": grouped.std().reindex(everything).to_numpy(),
            "score_median": quartiles[0.5].to_numpy(), "score_q1": quartiles[0.25].to_numpy(),
            "score_q3": quartiles[0.75].to_numpy()} | _top_box_columns(scores, codes, n, mean,
                                                                        target)


def _top_box_columns(scores: np.ndarray, codes: np.ndarray, n: np.ndarray, mean: np.ndarray,
                     target: Target) -> dict[str, np.ndarray]:
    if target.points is None:  # mixed scales: no common points, no common top box
        return dict.fromkeys(("mean", "top_box_share", "top_box_low", "top_box_high"),
                             np.full(len(n), np.nan))
    valid = ~np.isnan(scores)
    positive = np.bincount(codes[valid], weights=is_positive(scores[valid], target),
                           minlength=len(n))
    low, high = formulas.wilson_interval(positive, n)
    return {"mean": 1 + mean / 100 * (target.points - 1),
            "top_box_share": formulas.safe_divide(positive, n),
            "top_box_low": low, "top_box_high": high}


# --- reliability --------------------------------------------------------------------------

@dataclass(frozen=True)
class Reliability:
    """Cronbach's alpha per dimension and the item analysis behind it.

    ``dimensions``: the *by* columns, ``dimension_id``, ``n_items``, ``n_used`` (complete
    questionnaires, listwise), ``alpha``, ``alpha_low``/``alpha_high`` (Feldt 95%),
    ``acceptable`` (alpha >= 0.70 and no negative item-rest correlation), ``note`` (why alpha
    is missing, unstable or not acceptable, in Italian).
    ``items``: the *by* columns, ``dimension_id``, ``item_id``, ``item_rest_r`` (correlation
    with the sum of the other items), ``alpha_if_deleted``.
    """

    dimensions: pd.DataFrame
    items: pd.DataFrame


def reliability(wide: pd.DataFrame, questionnaire: Questionnaire, by="round_id") -> Reliability:
    """Return Cronbach's alpha (listwise, Feldt CI) and item analysis per group and dimension."""
    codes, keys = group_codes(wide, by)
    order = np.argsort(codes, kind="stable")
    boundaries = np.searchsorted(codes[order], np.arange(len(keys) + 1))
    dimension_rows, item_rows = [], []
    for target in dimension_targets(questionnaire):
        matrix = wide.loc[:, list(target.items)].to_numpy(dtype=float, na_value=np.nan)
        for group in range(len(keys)):
            rows = order[boundaries[group]:boundaries[group + 1]]
            result = formulas.cronbach_alpha(matrix[rows])
            key = keys.iloc[group].to_dict()
            dimension_rows.append(key | _alpha_row(target, result))
            item_rows += [key | {"dimension_id": target.id, "item_id": item_id,
                                 "item_rest_r": result.item_rest_r[i],
                                 "alpha_if_deleted": result.alpha_if_deleted[i]}
                          for i, item_id in enumerate(target.items)]
    return Reliability(pd.DataFrame(dimension_rows), pd.DataFrame(item_rows))


def _alpha_row(target: Target, result: formulas.AlphaResult) -> dict:
    negative = bool((result.item_rest_r < 0).any())
    notes = [result.reason] if result.reason else []
    if negative:
        notes.append("una domanda è in disaccordo con le altre (correlazione negativa): "
                     "controllare se va invertita; leggere le domande una per una")
    elif result.alpha < ACCEPTABLE_ALPHA:
        notes.append("alfa sotto 0,70: punteggio della dimensione poco affidabile")
    return {"dimension_id": target.id, "n_items": result.n_items, "n_used": result.n_used,
            "alpha": result.alpha, "alpha_low": result.low, "alpha_high": result.high,
            "acceptable": bool(result.alpha >= ACCEPTABLE_ALPHA and not negative),
            "note": "; ".join(notes) or None}


# --- indicators ---------------------------------------------------------------------------

def indicator_values(wide: pd.DataFrame, questionnaire: Questionnaire,
                     by="round_id") -> pd.DataFrame:
    """Return each indicator of ``questionnaire.measures`` per group, against its target.

    Per respondent the score over the measure's items follows the 80% rule; then
    ``top_box_share`` is the share of respondents whose mean reaches the lowest top-box point
    (Wilson interval), ``mean_score`` the mean 0-100 score (t interval). ``improved_share``
    needs two paired rounds: here it is ``NaN`` with a note (see
    :func:`survey_app.analysis.compare.compare_rounds`).
    Columns: the *by* columns, ``indicator``, ``statistic``, ``n``, ``value``, ``low``,
    ``high``, ``target_operator``, ``target_value``, ``target_label``, ``target_met`` (point
    estimate), ``target_met_with_confidence`` (the whole interval meets it), ``note``.
    Shares and their targets are proportions (0.7 = 70%); ``mean_score`` is on 0-100.
    """
    codes, keys = group_codes(wide, by)
    points = points_by_item(questionnaire)
    blocks = []
    for measure, target in zip(questionnaire.measures, indicator_targets(questionnaire)):
        scores = respondent_target_scores(wide, target, points)
        rows = [indicator_estimate(measure["statistic"], scores[codes == g], target)
                for g in range(len(keys))]
        rows = [row | target_columns(measure.get("target"), row) for row in rows]
        block = pd.DataFrame(rows)
        block.insert(0, "statistic", measure["statistic"])
        block.insert(0, "indicator", measure["indicator"])
        blocks.append(pd.concat([keys, block], axis=1))
    return pd.concat(blocks, ignore_index=True)


def indicator_estimate(statistic: str, scores: np.ndarray, target: Target) -> dict:
    """Return n, value, interval and note of one single-round indicator statistic."""
    valid = scores[~np.isnan(scores)]
    n = len(valid)
    if statistic == "top_box_share":
        if target.points is None:
            return _estimate(n, np.nan, np.nan, np.nan, "domande con scale diverse: nessuna quota")
        positive = is_positive(valid, target).sum()
        low, high = formulas.wilson_interval(positive, n)
        return _estimate(n, formulas.safe_divide(positive, n), float(low), float(high))
    if statistic == "mean_score":
        low, high = mean_interval(valid)
        return _estimate(n, float(valid.mean()) if n else np.nan, low, high)
    if statistic == "improved_share":
        return _estimate(n, np.nan, np.nan, np.nan, IMPROVED_SHARE_NOTE)
    raise ValueError(f"unknown indicator statistic {statistic!r}")


def _estimate(n: int, value: float, low: float, high: float, note: str | None = None) -> dict:
    return {"n": n, "value": value, "low": low, "high": high, "note": note}


def mean_interval(values: np.ndarray) -> tuple[float, float]:
    """Return the t-based 95% interval of the mean of *values*, clipped to 0-100."""
    n = len(values)
    if n < 2:
        return np.nan, np.nan
    half = stats.t.ppf(0.975, n - 1) * values.std(ddof=1) / np.sqrt(n)
    return max(values.mean() - half, 0.0), min(values.mean() + half, 100.0)


def target_columns(target: dict | None, estimate: dict) -> dict:
    """Return the target description and whether the estimate (and its interval) meets it."""
    if not target:
        return {"target_operator": None, "target_value": np.nan, "target_label": None,
                "target_met": None, "target_met_with_confidence": None}
    compare = TARGET_OPERATORS[target["operator"]]
    value, low, high = estimate["value"], estimate["low"], estimate["high"]
    met = None if np.isnan(value) else bool(compare(value, target["value"]))
    # the whole interval meets a lower bound when its low end does, an upper bound its high end
    worst_case = low if target["operator"] in (">=", ">") else high
    surely = None if np.isnan(worst_case) else bool(compare(worst_case, target["value"]))
    return {"target_operator": target["operator"], "target_value": target["value"],
            "target_label": (target.get("label") or {}).get("it"),
            "target_met": met, "target_met_with_confidence": surely}
