"""The statistical tests: a fast path (scipy and closed forms) for every size, pingouin as reference.

pingouin is the reference implementation the research note validated, but it costs ~2.6 s
to import (it pulls in matplotlib) and its ``mwu``/``wilcoxon`` build an n x n matrix
(1.9 GB at n = 10,000, MemoryError at 100,000). So the ``auto`` engine, which every page,
report and export uses, never imports it: small and large samples alike go through the fast
path (scipy's tests, and the closed forms of :mod:`.formulas`), which computes the same
statistics, p-values and effect sizes. pingouin runs only when asked for by name
(``engine="pingouin"``), imported lazily inside :func:`_pingouin`: the tests compare the two
engines on seeded random samples of up to :data:`PINGOUIN_MAX_ANSWERS` answers, for every
statistic dispatched here (tests/analysis/test_analysis_engines.py).

Sign convention everywhere: samples are passed as (after, before), so positive statistics
and effect sizes mean the later round scored higher. Effect sizes pingouin gets wrong for our
use are computed here in both paths: ``pg.ttest`` reports ``abs(d)`` (direction lost) and
``pg.wilcoxon`` drops zero differences from its rank-biserial even with Pratt's method.
One p-value is computed here too: for up to 13 pairs with ties or zeros, scipy (and so
pingouin) enumerates the 2^n sign flips through a generic permutation test at ~0.8 s a
call; :func:`formulas.exact_signed_rank_p` gives the same p in microseconds.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from survey_app.analysis import formulas

#: the reference comparisons run pingouin on tests of up to this many answers (both samples
#: together); above it pingouin's rank tests need an n x n matrix, so do not ask for it there
PINGOUIN_MAX_ANSWERS = 1000
ENGINES = ("auto", "pingouin", "scipy")
#: up to this many pairs with ties or zeros, Wilcoxon's p comes from exhaustive sign flips
SIGN_FLIP_MAX_PAIRS = 13


@dataclass(frozen=True)
class RankResult:
    """A rank test: its statistic, two-sided p and rank-biserial effect size."""

    statistic: float
    p_value: float
    effect: float


def choose_engine(engine: str, n_answers: int) -> str:
    """Return ``pingouin`` or ``scipy`` for a test on *n_answers* answers.

    ``auto`` is the fast path, ``scipy``, at every size (so no page waits for pingouin's
    import); ``pingouin`` only when asked for by name, as the reference.

    :raise ValueError: for an engine other than :data:`ENGINES`.
    """
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, not {engine!r}")
    if engine == "auto":
        return "scipy"
    return engine


def _pingouin():
    # pingouin imports matplotlib.pyplot; a server has no display
    os.environ.setdefault("MPLBACKEND", "Agg")
    import pingouin

    return pingouin


def mann_whitney(after: np.ndarray, before: np.ndarray, engine: str) -> RankResult:
    """Return Mann-Whitney U of *after* vs *before* and r = 2U/(n1 n2) - 1.

    scipy's default method: exact only for min(n) <= 8 without ties, otherwise the normal
    approximation with tie and continuity corrections (never forced exact on Likert ties).
    """
    if len(after) == 0 or len(before) == 0:
        return RankResult(np.nan, np.nan, np.nan)
    if choose_engine(engine, len(after) + len(before)) == "pingouin":
        row = _pingouin().mwu(after, before).iloc[0]
        return RankResult(float(row["U_val"]), float(row["p_val"]), float(row["RBC"]))
    u_after, p_value = stats.mannwhitneyu(after, before)
    effect = 2 * u_after / (len(after) * len(before)) - 1
    return RankResult(float(u_after), float(p_value), float(effect))


def wilcoxon_pratt(after: np.ndarray, before: np.ndarray, engine: str) -> RankResult:
    """Return the Wilcoxon signed-rank test of paired *after* - *before*, Pratt's zero method.

    Pratt: unchanged pairs are ranked with the others (then left out of R+ and R-). No
    continuity correction. The p-value follows scipy's ``method="auto"`` (checked in scipy
    1.17): up to 50 pairs without tied |d| and without zeros, the exact distribution; up to
    13 pairs with ties or zeros, the exact distribution over the 2^n sign flips (computed
    here by :func:`formulas.exact_signed_rank_p`, the same numbers without scipy's 0.8 s per
    call); otherwise the normal approximation with the tie and zero variance corrections.
    The effect is Kerby's matched-pairs rank-biserial on the same Pratt ranks
    (:func:`formulas.matched_rank_biserial_from_counts`), the same in both engines (pingouin's
    ``RBC`` ranks after dropping zeros, so it is not used). All pairs unchanged: no evidence
    of change, p = 1 and r = 0 (scipy would divide by zero).
    """
    # rounded so that equal changes of averaged scores tie despite binary fractions
    differences = np.round(after - before, formulas.ROUNDING_DECIMALS)
    if len(differences) == 0:
        return RankResult(np.nan, np.nan, np.nan)
    values, counts = np.unique(differences, return_counts=True)
    effect = float(formulas.matched_rank_biserial_from_counts(values, counts)[0])
    if not differences.any():
        return RankResult(0.0, 1.0, 0.0)
    magnitudes_tie = len(np.unique(np.abs(differences))) < len(differences)
    if len(differences) <= SIGN_FLIP_MAX_PAIRS and (magnitudes_tie or (differences == 0).any()):
        ranks = stats.rankdata(np.abs(differences))
        r_plus, r_minus = ranks[differences > 0].sum(), ranks[differences < 0].sum()
        return RankResult(float(min(r_plus, r_minus)),
                          formulas.exact_signed_rank_p(differences), effect)
    if choose_engine(engine, 2 * len(differences)) == "pingouin":
        row = _pingouin().wilcoxon(differences, zero_method="pratt", correction=False).iloc[0]
        return RankResult(float(row["W_val"]), float(row["p_val"]), effect)
    result = stats.wilcoxon(differences, zero_method="pratt", correction=False)
    return RankResult(float(result.statistic), float(result.pvalue), effect)


def welch_t(after: np.ndarray, before: np.ndarray, engine: str) -> formulas.TResult:
    """Return Welch's t test with Hedges' g (signed) and its CI."""
    result = formulas.welch_t(after, before)
    if np.isnan(result.p_value) or choose_engine(engine, len(after) + len(before)) == "scipy":
        return result
    pg = _pingouin()
    with _constant_sample_is_fine():
        row = pg.ttest(after, before, paired=False, correction=True).iloc[0]
    g = float(pg.compute_effsize(after, before, paired=False, eftype="hedges"))
    return formulas.TResult(float(row["T"]), float(row["dof"]), float(row["p_val"]), g,
                            result.low, result.high)


def paired_t(after: np.ndarray, before: np.ndarray, engine: str) -> formulas.TResult:
    """Return the paired t test with d_z (signed) and its CI."""
    result = formulas.paired_t(after, before)
    if np.isnan(result.p_value) or choose_engine(engine, 2 * len(after)) == "scipy":
        return result
    pg = _pingouin()
    with _constant_sample_is_fine():
        row = pg.ttest(after, before, paired=True).iloc[0]
    d_z = float(pg.compute_effsize(after, before, paired=True, eftype="cohen_dz"))
    return formulas.TResult(float(row["T"]), float(row["dof"]), float(row["p_val"]), d_z,
                            result.low, result.high)


def mcnemar(before_positive: np.ndarray, after_positive: np.ndarray, engine: str) -> float:
    """Return the exact two-sided McNemar p of paired 0/1 top-box indicators."""
    gained = int(((before_positive == 0) & (after_positive == 1)).sum())
    lost = int(((before_positive == 1) & (after_positive == 0)).sum())
    if gained + lost == 0:
        return 1.0  # pingouin refuses this case; nobody changed, so no evidence of change
    if choose_engine(engine, 2 * len(before_positive)) == "pingouin":
        table = pd.DataFrame({"before": before_positive.astype(int),
                              "after": after_positive.astype(int)})
        _, result = _pingouin().chi2_mcnemar(table, "before", "after")
        return float(result["p_exact"].iloc[0])
    return formulas.mcnemar_exact_p(gained, lost)


class _constant_sample_is_fine(warnings.catch_warnings):
    """Silence scipy's cancellation warning for a round where everyone gave the same answer.

    ``scipy.stats.ttest_*`` warns "Precision loss occurred in moment calculation" whenever a
    sample is constant; on Likert items that is an exact zero variance, not a precision
    problem. Only that message is silenced.
    """

    def __enter__(self):
        super().__enter__()
        warnings.filterwarnings("ignore", message="Precision loss occurred in moment calculation",
                                category=RuntimeWarning)
