"""Comparing two rounds of the same questionnaire: independent samples and panel pairs.

:func:`compare_rounds` tests every item, dimension and indicator present in both rounds:

* independent samples (everyone who answered each round): Mann-Whitney U with the
  rank-biserial r = 2U/(n1 n2) - 1, and Welch's t with Hedges' g;
* paired samples (the same ``panel_key`` in both rounds): Wilcoxon signed-rank with Pratt's
  treatment of zero differences and Kerby's matched-pairs rank-biserial on the same ranks
  (unchanged pairs do not dilute it), the paired t with d_z,
  counts of improved / same / worsened respondents, McNemar on the top-box share.

Signs: every effect is *after minus before*, so positive means the later round scored higher.
Intervals (95%): rank-biserial correlations by jackknife on Fisher's z scale (deterministic:
no random resampling, so a report is reproducible; see :mod:`survey_app.analysis.formulas`);
Hedges' g and d_z by their normal approximation; top-box changes by Newcombe's hybrid score
interval (independent) or Bonett & Price's adjusted Wald (paired).
Holm's correction runs within each family (the items and score of one dimension; the
indicators), separately per test; Benjamini-Hochberg across the whole comparison, per test.
The plain-language sentence reads the Holm-adjusted p (see :mod:`survey_app.analysis.wording`).

When some people answered both rounds the independent tests are approximate (their answers
are not independent); the paired rows are the valid test for them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from survey_app.analysis import engines, formulas, wording
from survey_app.analysis.scores import indicator_estimate, target_columns
from survey_app.analysis.targets import (
    SCORE_TOLERANCE,
    Target,
    dimension_targets,
    indicator_targets,
    is_positive,
    item_targets,
    points_by_item,
    respondent_target_scores,
)

if TYPE_CHECKING:
    from survey_app.questionnaires.definition import Questionnaire


class IncompatibleQuestionnairesError(ValueError):
    """Two questionnaire versions cannot be compared; ``reasons`` lists why."""

    def __init__(self, reasons: list[str]):
        self.reasons = reasons
        super().__init__("the rounds cannot be compared:\n" + "\n".join(f"- {r}" for r in reasons))


# --- compatibility ------------------------------------------------------------------------

@dataclass(frozen=True)
class Compatibility:
    """What two questionnaire versions have in common.

    ``targets``: the comparable items, dimensions and indicators; ``skipped``: a DataFrame
    (``level``, ``target_id``, ``reason``) of what exists in only one version or changed.
    """

    targets: list[Target]
    skipped: pd.DataFrame


def check_compatible(before: Questionnaire, after: Questionnaire) -> Compatibility:
    """Return the comparable targets of two versions of one questionnaire.

    An item is compared by id. Items, dimensions and indicators that exist in one version
    only, or whose item set changed, are skipped (and listed).

    :raise IncompatibleQuestionnairesError: when the questionnaires differ (another id), share
        no item, or a shared item changed its scale (points, top box, labels) or direction.
    """
    if before.id != after.id:
        raise IncompatibleQuestionnairesError(
            [f"different questionnaires: {before.id!r} and {after.id!r}"])
    shared = [i for i in after.items_by_id if i in before.items_by_id]
    reasons = [reason for item_id in shared
               for reason in _item_changes(before.items_by_id[item_id], after.items_by_id[item_id])]
    if not shared:
        reasons.append(f"versions {before.version} and {after.version} have no item in common")
    if reasons:
        raise IncompatibleQuestionnairesError(reasons)

    skipped = [("item", i, "only in one version")
               for i in sorted(set(before.items_by_id) ^ set(after.items_by_id))]
    targets = [t for t in item_targets(after) if t.id in before.items_by_id]
    for level, builder in (("dimension", dimension_targets), ("indicator", indicator_targets)):
        old = {t.id: t for t in builder(before)}
        for target in builder(after):
            if target.id not in old:
                skipped.append((level, target.id, "only in the later version"))
            elif set(old[target.id].items) != set(target.items):
                skipped.append((level, target.id, "its items changed between the versions"))
            else:
                targets.append(target)
        skipped += [(level, t, "only in the earlier version")
                    for t in old if t not in {t.id for t in builder(after)}]
    return Compatibility(targets, pd.DataFrame(skipped, columns=["level", "target_id", "reason"]))


def _item_changes(old, new) -> list[str]:
    changes = []
    if old.scale.points != new.scale.points:
        changes.append(f"item {new.id!r}: scale has {old.scale.points} points before and "
                       f"{new.scale.points} after")
    elif _italian_labels(old.scale) != _italian_labels(new.scale):
        changes.append(f"item {new.id!r}: the scale labels changed, so the points mean "
                       "something else")
    if old.scale.top_box != new.scale.top_box:
        changes.append(f"item {new.id!r}: top box is {old.scale.top_box} before and "
                       f"{new.scale.top_box} after")
    if old.reverse != new.reverse:
        changes.append(f"item {new.id!r}: reverse coding changed ({old.reverse} -> {new.reverse})")
    return changes


def _italian_labels(scale) -> list[str | None]:
    return [label.get("it") for label in scale.labels]


# --- panel pairing ------------------------------------------------------------------------

@dataclass(frozen=True)
class Pairing:
    """How many respondents of the two rounds are linked by ``panel_key``.

    A key used more than once within one round is ambiguous and left unpaired
    (``ambiguous_keys`` counts such keys). ``before_rows``/``after_rows`` are the row positions
    of the pairs in each frame.
    """

    n_before: int
    n_after: int
    n_pairs: int
    ambiguous_keys: int
    before_rows: np.ndarray
    after_rows: np.ndarray

    @property
    def linkage_before(self) -> float:
        """Return the share of the earlier round's respondents found again later."""
        return formulas.safe_divide(self.n_pairs, self.n_before)

    @property
    def linkage_after(self) -> float:
        """Return the share of the later round's respondents who had answered before."""
        return formulas.safe_divide(self.n_pairs, self.n_after)


def pair_panel(before: pd.DataFrame, after: pd.DataFrame) -> Pairing:
    """Return the pairs of rows sharing a ``panel_key`` (missing keys never pair)."""
    keys_before, ambiguous_before = _unique_keys(before)
    keys_after, ambiguous_after = _unique_keys(after)
    pairs = keys_before.merge(keys_after, on="panel_key", suffixes=("_before", "_after"))
    return Pairing(len(before), len(after), len(pairs), ambiguous_before + ambiguous_after,
                   pairs["row_before"].to_numpy(), pairs["row_after"].to_numpy())


def _unique_keys(frame: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    keyed = pd.DataFrame({"panel_key": frame["panel_key"].to_numpy(),
                          "row": np.arange(len(frame))}).dropna(subset=["panel_key"])
    repeated = keyed["panel_key"].duplicated(keep=False)
    ambiguous = keyed.loc[repeated, "panel_key"].nunique()
    return keyed.loc[~repeated], int(ambiguous)


# --- the comparison -----------------------------------------------------------------------

#: columns of ``Comparison.tests`` before the corrections and the sentence are added
TEST_COLUMNS = ["level", "target_id", "family", "design", "test", "n_before", "n_after",
                "score_before", "score_after", "top_box_before", "top_box_after",
                "top_box_change", "top_box_change_low", "top_box_change_high",
                "n_improved", "n_same", "n_worsened", "statistic", "p_value", "effect_name",
                "effect", "effect_low", "effect_high", "effect_label", "engine"]


@dataclass(frozen=True)
class Comparison:
    """The result of :func:`compare_rounds`.

    ``tests``: one row per target, design and test with columns ``level``, ``target_id``,
    ``family``, ``design`` (independent/paired), ``test`` (mann_whitney, welch_t,
    wilcoxon_pratt, paired_t, mcnemar), ``n_before``, ``n_after`` (pairs for paired tests),
    ``score_before``, ``score_after`` (mean 0-100), ``top_box_before``, ``top_box_after``,
    ``top_box_change`` with ``top_box_change_low``/``_high``, ``n_improved``, ``n_same``,
    ``n_worsened`` (paired only), ``statistic`` (U of the later round; Wilcoxon's
    min(R+, R-); t; for McNemar the smaller of the pairs entering and leaving the top box),
    ``p_value`` (two-sided), ``effect_name``
    (rank_biserial, hedges_g, matched_rank_biserial, cohen_dz, top_box_difference),
    ``effect`` with ``effect_low``/``effect_high``, ``effect_label``, ``p_holm``, ``p_bh``,
    ``sentence`` and ``engine`` (pingouin or scipy).
    ``indicators``: each comparable indicator before and after and, for ``improved_share``,
    on the pairs. ``pairing``: linkage counts. ``skipped``: targets not compared and why.
    """

    tests: pd.DataFrame
    indicators: pd.DataFrame
    pairing: Pairing
    skipped: pd.DataFrame


def compare_rounds(before: pd.DataFrame, after: pd.DataFrame, questionnaire: Questionnaire,
                   after_questionnaire: Questionnaire | None = None, *,
                   engine: str = "auto") -> Comparison:
    """Compare two rounds, given their wide frames (see :func:`frames.wide_frame`).

    :param questionnaire: the version *before* was collected with (and *after*, unless
        *after_questionnaire* is given).
    :param engine: ``auto`` (the fast path, scipy and closed forms, at every size, so
        pingouin is never imported), ``scipy`` (the same) or ``pingouin`` (the reference, for
        tests of up to :data:`engines.PINGOUIN_MAX_ANSWERS` answers); the numbers are the same.
    :raise IncompatibleQuestionnairesError: see :func:`check_compatible`.
    """
    after_questionnaire = after_questionnaire or questionnaire
    compatibility = check_compatible(questionnaire, after_questionnaire)
    engines.choose_engine(engine, 0)  # reject an unknown engine before any work
    pairing = pair_panel(before, after)
    points = points_by_item(after_questionnaire)
    rows, scores = [], {}
    for target in compatibility.targets:
        score_before = respondent_target_scores(before, target, points)
        score_after = respondent_target_scores(after, target, points)
        scores[target.id] = (score_before, score_after)
        rows += independent_tests(target, score_before, score_after, engine)
        if pairing.n_pairs:
            rows += paired_tests(target, score_before[pairing.before_rows],
                                 score_after[pairing.after_rows], engine)
    tests = add_corrections(pd.DataFrame(rows, columns=TEST_COLUMNS))
    indicators = compare_indicators(after_questionnaire, compatibility, scores, pairing)
    return Comparison(tests, indicators, pairing, compatibility.skipped)


def independent_tests(target: Target, score_before: np.ndarray, score_after: np.ndarray,
                      engine: str) -> list[dict]:
    """Return the Mann-Whitney and Welch rows of one target, on all respondents of each round."""
    before = score_before[~np.isnan(score_before)]
    after = score_after[~np.isnan(score_after)]
    common = _describe(target, "independent", before, after)
    positive_before = is_positive(before, target).sum()
    positive_after = is_positive(after, target).sum()
    low, high = formulas.newcombe_difference_interval(positive_before, len(before),
                                                      positive_after, len(after))
    common |= {"top_box_change": common["top_box_after"] - common["top_box_before"],
               "top_box_change_low": float(low), "top_box_change_high": float(high)}
    used = engines.choose_engine(engine, len(before) + len(after))
    rank = engines.mann_whitney(after, before, used)
    rank_low, rank_high = formulas.rank_biserial_interval(before, after)
    t = engines.welch_t(after, before, used)
    return [common | _test_columns("mann_whitney", rank.statistic, rank.p_value, "rank_biserial",
                                   rank.effect, rank_low, rank_high, used),
            common | _test_columns("welch_t", t.statistic, t.p_value, "hedges_g", t.effect,
                                   t.low, t.high, used)]


def paired_tests(target: Target, score_before: np.ndarray, score_after: np.ndarray,
                 engine: str) -> list[dict]:
    """Return the Wilcoxon, paired t and McNemar rows of one target, on complete pairs."""
    complete = ~np.isnan(score_before) & ~np.isnan(score_after)
    before, after = score_before[complete], score_after[complete]
    switches = top_box_switches(target, before, after)
    common = (_describe(target, "paired", before, after) | change_counts(before, after)
              | paired_top_box_change(switches, len(before)))
    used = engines.choose_engine(engine, 2 * len(before))
    rank = engines.wilcoxon_pratt(after, before, used)
    rank_low, rank_high = formulas.matched_rank_biserial_interval(
        np.round(after - before, formulas.ROUNDING_DECIMALS))
    t = engines.paired_t(after, before, used)
    rows = [common | _test_columns("wilcoxon_pratt", rank.statistic, rank.p_value,
                                   "matched_rank_biserial", rank.effect, rank_low, rank_high,
                                   used),
            common | _test_columns("paired_t", t.statistic, t.p_value, "cohen_dz", t.effect,
                                   t.low, t.high, used)]
    if switches is not None:
        rows.append(common | _mcnemar_columns(target, before, after, common, used))
    return rows


def top_box_switches(target: Target, before: np.ndarray, after: np.ndarray):
    """Return (gained, lost): pairs entering and leaving the top box; ``None`` for mixed scales."""
    if target.points is None:
        return None
    positive_before, positive_after = is_positive(before, target), is_positive(after, target)
    gained = int(((positive_before == 0) & (positive_after == 1)).sum())
    lost = int(((positive_before == 1) & (positive_after == 0)).sum())
    return gained, lost


def paired_top_box_change(switches, n_pairs: int) -> dict:
    """Return the paired change of the top-box share, (gained - lost)/n, with its interval."""
    if switches is None:
        return {}
    gained, lost = switches
    low, high = formulas.paired_difference_interval(gained, lost, n_pairs)
    return {"top_box_change": formulas.safe_divide(gained - lost, n_pairs),
            "top_box_change_low": low, "top_box_change_high": high}


def _mcnemar_columns(target: Target, before: np.ndarray, after: np.ndarray,
                     common: dict, engine: str) -> dict:
    positive_before, positive_after = is_positive(before, target), is_positive(after, target)
    gained, lost = top_box_switches(target, before, after)
    p_value = engines.mcnemar(positive_before, positive_after, engine)
    columns = _test_columns("mcnemar", float(min(gained, lost)), p_value, "top_box_difference",
                            common["top_box_change"], common["top_box_change_low"],
                            common["top_box_change_high"], engine)
    # a difference of proportions is sized by Cohen's h, not by its raw value
    h = formulas.cohen_h(positive_before.mean(), positive_after.mean()) if len(before) else np.nan
    return columns | {"effect_label": wording.effect_label("cohen_h", h)}


def change_counts(before: np.ndarray, after: np.ndarray) -> dict:
    """Return how many pairs improved, stayed the same and worsened (after vs before)."""
    change = after - before
    improved = int((change > SCORE_TOLERANCE).sum())
    worsened = int((change < -SCORE_TOLERANCE).sum())
    return {"n_improved": improved, "n_same": len(change) - improved - worsened,
            "n_worsened": worsened}


def _describe(target: Target, design: str, before: np.ndarray, after: np.ndarray) -> dict:
    return {"level": target.level, "target_id": target.id, "family": target.family,
            "design": design, "n_before": len(before), "n_after": len(after),
            "score_before": _mean(before), "score_after": _mean(after),
            "top_box_before": _mean(is_positive(before, target)),
            "top_box_after": _mean(is_positive(after, target)),
            "top_box_change": np.nan, "top_box_change_low": np.nan,
            "top_box_change_high": np.nan,
            "n_improved": None, "n_same": None, "n_worsened": None}


def _mean(values: np.ndarray) -> float:
    return float(values.mean()) if len(values) and not np.isnan(values).all() else np.nan


def _test_columns(test: str, statistic: float, p_value: float, effect_name: str, effect: float,
                  low: float, high: float, engine: str) -> dict:
    label = (wording.effect_label(effect_name, effect)
             if effect_name in wording.THRESHOLDS_BY_EFFECT else None)
    return {"test": test, "statistic": statistic, "p_value": p_value, "effect_name": effect_name,
            "effect": effect, "effect_low": low, "effect_high": high, "effect_label": label,
            "engine": engine}


# --- corrections and sentences ------------------------------------------------------------

def add_corrections(tests: pd.DataFrame) -> pd.DataFrame:
    """Add Holm (within family, design and test) and BH (within design and test) p-values.

    Then the sentence, which reads the Holm-adjusted p.
    """
    tests = tests.copy()
    tests["p_holm"] = np.nan
    tests["p_bh"] = np.nan
    for _, index in tests.groupby(["family", "design", "test"], sort=False).groups.items():
        tests.loc[index, "p_holm"] = formulas.holm(tests.loc[index, "p_value"].to_numpy(float))
    for _, index in tests.groupby(["design", "test"], sort=False).groups.items():
        tests.loc[index, "p_bh"] = formulas.benjamini_hochberg(
            tests.loc[index, "p_value"].to_numpy(float))
    tests["sentence"] = [
        wording.verdict(row.p_holm, row.effect, row.effect_label, min(row.n_before, row.n_after))
        for row in tests.itertuples()]
    return tests


# --- indicators ---------------------------------------------------------------------------

def compare_indicators(questionnaire: Questionnaire, compatibility: Compatibility,
                       scores: dict, pairing: Pairing) -> pd.DataFrame:
    """Return each comparable indicator before and after, or on the pairs for improved_share.

    ``improved_share`` is the share of complete pairs whose score rose (Wilson interval).
    """
    comparable = {t.id: t for t in compatibility.targets if t.level == "indicator"}
    rows = []
    for measure in questionnaire.measures:
        target = comparable.get(measure["indicator"])
        if target is None:
            continue
        score_before, score_after = scores[target.id]
        if measure["statistic"] == "improved_share":
            estimates = [("pairs", improved_share(score_before[pairing.before_rows],
                                                  score_after[pairing.after_rows]))]
        else:
            estimates = [(when, indicator_estimate(measure["statistic"], s, target))
                         for when, s in (("before", score_before), ("after", score_after))]
        rows += [{"indicator": target.id, "statistic": measure["statistic"], "round": when}
                 | estimate | target_columns(measure.get("target"), estimate)
                 for when, estimate in estimates]
    return pd.DataFrame(rows)


def improved_share(before: np.ndarray, after: np.ndarray) -> dict:
    """Return n, share of improved pairs, its Wilson interval and a note."""
    complete = ~np.isnan(before) & ~np.isnan(after)
    counts = change_counts(before[complete], after[complete])
    n = int(complete.sum())
    low, high = formulas.wilson_interval(counts["n_improved"], n)
    note = None if n else "nessuna persona abbinata tra le due rilevazioni"
    return {"n": n, "value": formulas.safe_divide(counts["n_improved"], n), "low": float(low),
            "high": float(high), "note": note}
