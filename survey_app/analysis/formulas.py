"""Closed-form statistics: intervals, reliability, effect sizes, corrections, t tests.

Pure numpy/scipy functions with no knowledge of questionnaires, so that every formula can be
checked against a hand computation. Undefined results are ``NaN`` (never a warning): empty
samples, zero variances and single items are ordinary on small Likert data.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

#: scores are rounded to this many decimals, so equal means tie despite binary fractions
ROUNDING_DECIMALS = 9
#: leave-one-out replicates computed per block (memory: block x distinct values)
JACKKNIFE_BLOCK = 256
#: two-sided 95% normal quantile, z_{0.975}
Z95 = 1.959963984540054
CONFIDENCE = 0.95
#: alpha needs at least this many complete rows to be computed at all
MIN_ROWS_FOR_ALPHA = 3
#: below this many complete rows alpha is reported but flagged as unstable
STABLE_ROWS_FOR_ALPHA = 30


def safe_divide(numerator, denominator):
    """Return ``numerator / denominator`` elementwise, ``NaN`` where the denominator is 0."""
    numerator, denominator = np.broadcast_arrays(np.asarray(numerator, dtype=float),
                                                 np.asarray(denominator, dtype=float))
    out = np.full(numerator.shape, np.nan)
    np.divide(numerator, denominator, out=out, where=denominator != 0)
    return out if out.ndim else float(out)


# --- proportions --------------------------------------------------------------------------

def wilson_interval(successes, n, z: float = Z95):
    """Return the Wilson score interval (low, high) of ``successes / n``; ``NaN`` when n = 0.

    The bounds are exactly 0 when there are no successes and exactly 1 when all are.

    centre = (p + z^2/2n) / (1 + z^2/n),  half = z sqrt(p(1-p)/n + z^2/4n^2) / (1 + z^2/n)
    """
    successes = np.asarray(successes, dtype=float)
    n = np.asarray(n, dtype=float)
    n_valid = np.where(n > 0, n, np.nan)  # NaN propagates silently, 0 would warn
    p = successes / n_valid
    denominator = 1 + z * z / n_valid
    centre = (p + z * z / (2 * n_valid)) / denominator
    half = z * np.sqrt(p * (1 - p) / n_valid + z * z / (4 * n_valid ** 2)) / denominator
    # the closed form leaves rounding noise (2.8e-17) where the bound is exactly 0 or 1
    low = np.where(successes == 0, 0.0, np.clip(centre - half, 0, 1))
    high = np.where(successes == n, 1.0, np.clip(centre + half, 0, 1))
    low, high = np.where(np.isnan(p), np.nan, low), np.where(np.isnan(p), np.nan, high)
    return (low, high) if low.ndim else (float(low), float(high))


def newcombe_difference_interval(s1, n1, s2, n2, z: float = Z95):
    """Return the 95% interval of p2 - p1 for independent proportions (Newcombe 1998, method 10).

    Combines the two Wilson intervals: low = d - sqrt((p2-l2)^2 + (u1-p1)^2),
    high = d + sqrt((u2-p2)^2 + (p1-l1)^2).
    """
    p1, p2 = safe_divide(s1, n1), safe_divide(s2, n2)
    l1, u1 = wilson_interval(s1, n1, z)
    l2, u2 = wilson_interval(s2, n2, z)
    difference = p2 - p1
    return (difference - np.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2),
            difference + np.sqrt((u2 - p2) ** 2 + (p1 - l1) ** 2))


def paired_difference_interval(gained: int, lost: int, n: int, z: float = Z95):
    """Return the 95% interval of a paired difference of proportions (Bonett & Price 2012).

    *gained* pairs went from negative to positive, *lost* the other way, out of *n* pairs.
    Adjusted Wald: p12 = (gained+1)/(n+2), p21 = (lost+1)/(n+2),
    (p12 - p21) +- z sqrt((p12 + p21 - (p12 - p21)^2) / (n + 2)).
    """
    if n == 0:
        return np.nan, np.nan
    p12, p21 = (gained + 1) / (n + 2), (lost + 1) / (n + 2)
    half = z * np.sqrt((p12 + p21 - (p12 - p21) ** 2) / (n + 2))
    return max(p12 - p21 - half, -1.0), min(p12 - p21 + half, 1.0)


def cohen_h(p1: float, p2: float) -> float:
    """Return Cohen's h = 2 asin(sqrt(p2)) - 2 asin(sqrt(p1)), the effect size of p2 vs p1."""
    return float(2 * np.arcsin(np.sqrt(p2)) - 2 * np.arcsin(np.sqrt(p1)))


# --- reliability --------------------------------------------------------------------------

@dataclass(frozen=True)
class AlphaResult:
    """Cronbach's alpha of one set of items, with what it was computed on."""

    alpha: float
    low: float
    high: float
    n_items: int
    n_used: int
    item_rest_r: np.ndarray
    alpha_if_deleted: np.ndarray
    reason: str | None = None


def cronbach_alpha(matrix: np.ndarray) -> AlphaResult:
    """Return Cronbach's alpha of a respondents x items matrix, listwise, with Feldt's 95% CI.

    alpha = k/(k-1) * (1 - sum(item variances) / variance(total)); CI (Feldt 1965):
    1 - (1 - alpha) * F_{.975}(n-1, (n-1)(k-1)) .. 1 - (1 - alpha) * F_{.025}(...).
    Item-rest correlations and alpha-if-deleted use the same complete rows. ``reason``
    (Italian, for the report) says why alpha is ``NaN`` or unstable.
    """
    n_items = matrix.shape[1]
    complete = matrix[~np.isnan(matrix).any(axis=1)]
    n_used = len(complete)
    empty = np.full(n_items, np.nan)
    if n_items < 2:
        return AlphaResult(np.nan, np.nan, np.nan, n_items, n_used, empty, empty,
                           "una sola domanda: l'alfa non è definito")
    if n_used < MIN_ROWS_FOR_ALPHA:
        return AlphaResult(np.nan, np.nan, np.nan, n_items, n_used, empty, empty,
                           f"meno di {MIN_ROWS_FOR_ALPHA} questionari con tutte le risposte")
    covariance = np.cov(complete, rowvar=False, ddof=1)
    if covariance.sum() <= 0:
        return AlphaResult(np.nan, np.nan, np.nan, n_items, n_used, empty, empty,
                           "nessuna variabilità nei punteggi totali")
    alpha = alpha_from_covariance(covariance)
    low, high = feldt_interval(alpha, n_used, n_items)
    reason = None
    if n_used < STABLE_ROWS_FOR_ALPHA:
        reason = f"stima instabile: meno di {STABLE_ROWS_FOR_ALPHA} questionari completi"
    return AlphaResult(alpha, low, high, n_items, n_used, item_rest_correlations(covariance),
                       alphas_if_deleted(covariance), reason)


def alpha_from_covariance(covariance: np.ndarray) -> float:
    """Return Cronbach's alpha from the items' covariance matrix (``NaN`` for < 2 items)."""
    k = covariance.shape[0]
    total_variance = covariance.sum()
    if k < 2 or total_variance <= 0:
        return np.nan
    return float(k / (k - 1) * (1 - np.trace(covariance) / total_variance))


def feldt_interval(alpha: float, n: int, k: int, confidence: float = CONFIDENCE):
    """Return Feldt's confidence interval of alpha from *n* complete rows and *k* items."""
    tail = (1 - confidence) / 2
    df1, df2 = n - 1, (n - 1) * (k - 1)
    return (float(1 - (1 - alpha) * stats.f.ppf(1 - tail, df1, df2)),
            float(1 - (1 - alpha) * stats.f.ppf(tail, df1, df2)))


def item_rest_correlations(covariance: np.ndarray) -> np.ndarray:
    """Return the correlation of each item with the sum of the other items (psych's r.drop).

    cov(x_i, T - x_i) = sum_j C_ij - C_ii;  var(T - x_i) = sum(C) - 2 sum_j C_ij + C_ii.
    """
    row_sums = covariance.sum(axis=1)
    variances = np.diag(covariance)
    rest_covariance = row_sums - variances
    rest_variance = covariance.sum() - 2 * row_sums + variances
    return safe_divide(rest_covariance, np.sqrt(np.maximum(variances * rest_variance, 0)))


def alphas_if_deleted(covariance: np.ndarray) -> np.ndarray:
    """Return the alpha of the remaining items when each item is left out in turn."""
    k = covariance.shape[0]
    keep = ~np.eye(k, dtype=bool)
    return np.array([alpha_from_covariance(covariance[np.ix_(keep[i], keep[i])])
                     for i in range(k)])


# --- multiple comparisons -----------------------------------------------------------------

def holm(p_values) -> np.ndarray:
    """Return Holm-adjusted p-values; ``NaN`` stays ``NaN`` and is not counted as a test.

    Sorted ascending, p_(i) is multiplied by (m - i + 1), capped at 1 and made non-decreasing.
    """
    return _adjust(p_values, _holm_sorted)


def benjamini_hochberg(p_values) -> np.ndarray:
    """Return Benjamini-Hochberg (FDR) adjusted p-values; ``NaN`` stays ``NaN``.

    Sorted ascending, p_(i) is multiplied by m / i, capped at 1 and made non-decreasing
    from the largest down.
    """
    return _adjust(p_values, _bh_sorted)


def _adjust(p_values, adjust_sorted) -> np.ndarray:
    p = np.asarray(p_values, dtype=float)
    adjusted = np.full(p.shape, np.nan)
    tested = ~np.isnan(p)
    if tested.any():
        order = np.argsort(p[tested], kind="stable")
        sorted_adjusted = adjust_sorted(p[tested][order])
        values = np.empty(order.size)
        values[order] = sorted_adjusted
        adjusted[tested] = values
    return adjusted


def _holm_sorted(p: np.ndarray) -> np.ndarray:
    m = p.size
    return np.maximum.accumulate(np.minimum(1.0, (m - np.arange(m)) * p))


def _bh_sorted(p: np.ndarray) -> np.ndarray:
    m = p.size
    scaled = p * m / np.arange(1, m + 1)
    return np.minimum(1.0, np.minimum.accumulate(scaled[::-1])[::-1])


# --- rank-biserial correlations from value counts -----------------------------------------
# Both statistics depend on the data only through how many respondents gave each value, so
# they are computed from count vectors: O(distinct values), whatever the number of answers.
# Their intervals use the jackknife (leave one respondent out; respondents with the same value
# give the same replicate, so one replicate per distinct value, weighted by its count) on
# Fisher's z scale, which keeps the interval inside (-1, 1). It needs no random numbers, so a
# report is reproducible; in simulations of 5-point items (n = 10..50 per round) it covered
# the true value 92-97% of the time, as well as a 2000-resample percentile bootstrap or better.

def rank_biserial_from_counts(before_counts: np.ndarray, after_counts: np.ndarray) -> np.ndarray:
    """Return the rank-biserial r = 2U/(n1 n2) - 1 of *after* vs *before* (= Cliff's delta).

    Counts are over the same sorted distinct values, shape (values,) or (replicates, values).
    U counts the (after, before) pairs where after is higher, ties as 1/2, so
    r = (#after higher - #after lower) / (n1 n2): positive when the later round is higher.
    """
    before_counts = np.atleast_2d(before_counts).astype(float)
    after_counts = np.atleast_2d(after_counts).astype(float)
    n_before = before_counts.sum(axis=1)
    before_at_or_below = np.cumsum(before_counts, axis=1)
    before_below = before_at_or_below - before_counts
    before_above = n_before[:, None] - before_at_or_below
    wins_minus_losses = (after_counts * (before_below - before_above)).sum(axis=1)
    return safe_divide(wins_minus_losses, n_before * after_counts.sum(axis=1))


def matched_rank_biserial_from_counts(differences: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Return Kerby's (2014) matched-pairs rank-biserial r of paired differences (after - before).

    *differences* are the sorted distinct differences (0 included if present), *counts* how
    many pairs have each, shape (values,) or (replicates, values). |d| is ranked over all n
    pairs, zeros included (Pratt, as the Wilcoxon test here ranks them), with mid-ranks for
    ties; then r = (R+ - R-) / (R+ + R-), R+/R- the rank sums of the positive/negative
    differences. Unchanged pairs take part in the ranking but in neither sum, so a panel where
    some improved, the rest stayed the same and nobody worsened has r = 1 (how many stayed the
    same is reported beside it). With no changed pair r is undefined (``NaN``).

    pingouin's ``wilcoxon`` drops the zero differences before ranking (Wilcoxon's method), so
    its ``RBC`` equals this r when no pair is unchanged and can differ when some are.
    """
    counts = np.atleast_2d(counts).astype(float)
    magnitudes = np.abs(differences)
    by_magnitude = np.argsort(magnitudes, kind="stable")
    _, starts, group = np.unique(magnitudes[by_magnitude], return_index=True, return_inverse=True)
    tied = np.add.reduceat(counts[:, by_magnitude], starts, axis=1)  # pairs per |d|
    mid_rank = np.cumsum(tied, axis=1) - (tied - 1) / 2             # mid-rank of each |d|
    rank_of_value = np.empty_like(counts)
    rank_of_value[:, by_magnitude] = mid_rank[:, group]              # back to the signed values
    signs = np.sign(differences)
    signed_rank_sum = (counts * rank_of_value * signs).sum(axis=1)
    changed_rank_sum = (counts * rank_of_value * np.abs(signs)).sum(axis=1)
    return safe_divide(signed_rank_sum, changed_rank_sum)


def rank_biserial_interval(before: np.ndarray, after: np.ndarray) -> tuple[float, float]:
    """Return the 95% interval of r = 2U/(n1 n2) - 1 (two-sample jackknife, Fisher z).

    var = sum over both rounds of (n_g - 1)/n_g * sum_i (r_(i) - mean of the round's r_(i))^2,
    r_(i) being r without respondent i.
    """
    if len(before) == 0 or len(after) == 0:
        return np.nan, np.nan
    support = np.unique(np.concatenate([before, after]))
    before_counts, after_counts = _counts_on(before, support), _counts_on(after, support)
    estimate = float(rank_biserial_from_counts(before_counts, after_counts)[0])
    replicates_before, weights_before = _leave_one_out(
        before_counts, lambda left_out: rank_biserial_from_counts(left_out, after_counts))
    replicates_after, weights_after = _leave_one_out(
        after_counts, lambda left_out: rank_biserial_from_counts(before_counts, left_out))
    variance = (jackknife_variance(replicates_before, weights_before)
                + jackknife_variance(replicates_after, weights_after))
    return fisher_z_interval(estimate, np.sqrt(variance))


def matched_rank_biserial_interval(differences: np.ndarray) -> tuple[float, float]:
    """Return the 95% interval of the matched-pairs rank-biserial (pair jackknife, Fisher z)."""
    if len(differences) == 0:
        return np.nan, np.nan
    support, counts = np.unique(differences, return_counts=True)
    estimate = float(matched_rank_biserial_from_counts(support, counts)[0])
    replicates, weights = _leave_one_out(
        counts.astype(float), lambda left_out: matched_rank_biserial_from_counts(support, left_out))
    return fisher_z_interval(estimate, np.sqrt(jackknife_variance(replicates, weights)))


def _counts_on(values: np.ndarray, support: np.ndarray) -> np.ndarray:
    return np.bincount(np.searchsorted(support, values), minlength=len(support)).astype(float)


def _leave_one_out(counts: np.ndarray, statistic) -> tuple[np.ndarray, np.ndarray]:
    """Return the statistic without one respondent, per observed value, and the values' counts.

    *statistic* maps a (replicates, values) count matrix to one value per row. Rows are built
    in blocks: averaged scores can have thousands of distinct values, and a full
    values x values matrix would cost hundreds of MB.
    """
    present = np.flatnonzero(counts > 0)
    replicates = np.empty(len(present))
    for start in range(0, len(present), JACKKNIFE_BLOCK):
        rows = present[start:start + JACKKNIFE_BLOCK]
        left_out = np.tile(counts, (len(rows), 1))
        left_out[np.arange(len(rows)), rows] -= 1
        replicates[start:start + len(rows)] = statistic(left_out)
    return replicates, counts[present]


def jackknife_variance(replicates: np.ndarray, weights: np.ndarray) -> float:
    """Return (n-1)/n * sum w_i (theta_i - weighted mean)^2, n = sum of the weights.

    ``NaN`` when a replicate is undefined (a sample of one respondent).
    """
    n = weights.sum()
    if n < 2 or np.isnan(replicates).any():
        return np.nan
    centre = (weights * replicates).sum() / n
    return float((n - 1) / n * (weights * (replicates - centre) ** 2).sum())


def fisher_z_interval(estimate: float, standard_error: float,
                      z: float = Z95) -> tuple[float, float]:
    """Return tanh(atanh(r) -+ z * se / (1 - r^2)): a delta-method interval on Fisher's z scale.

    When every comparison favours one round (|r| = 1) the interval collapses to r.
    """
    if np.isnan(estimate) or np.isnan(standard_error):
        return np.nan, np.nan
    if abs(estimate) >= 1:
        return estimate, estimate
    centre = np.arctanh(estimate)
    half = z * standard_error / (1 - estimate ** 2)
    return float(np.tanh(centre - half)), float(np.tanh(centre + half))


# --- t tests and exact p-values ----------------------------------------------------------

@dataclass(frozen=True)
class TResult:
    """A t test with its effect size (signed: positive = after higher) and the effect's CI."""

    statistic: float
    df: float
    p_value: float
    effect: float
    low: float
    high: float


NO_T_RESULT = TResult(np.nan, np.nan, np.nan, np.nan, np.nan, np.nan)


def welch_t(after: np.ndarray, before: np.ndarray) -> TResult:
    """Return Welch's t of after vs before with Hedges' g and its 95% CI.

    t = (m_a - m_b) / sqrt(v_a/n_a + v_b/n_b), Welch-Satterthwaite df;
    g = (m_a - m_b) / s_pooled * (1 - 3 / (4(n_a + n_b) - 9));
    se(g) = sqrt((n_a + n_b)/(n_a n_b) + g^2 / (2(n_a + n_b))) (Hedges & Olkin 1985).
    Closed form rather than ``scipy.stats.ttest_ind``, which warns when one round is constant.
    """
    n_a, n_b = len(after), len(before)
    if n_a < 2 or n_b < 2:
        return NO_T_RESULT
    v_a, v_b = after.var(ddof=1), before.var(ddof=1)
    se2_a, se2_b = v_a / n_a, v_b / n_b
    if se2_a + se2_b == 0:
        return NO_T_RESULT
    difference = after.mean() - before.mean()
    statistic = difference / np.sqrt(se2_a + se2_b)
    df = (se2_a + se2_b) ** 2 / (se2_a ** 2 / (n_a - 1) + se2_b ** 2 / (n_b - 1))
    p_value = float(2 * stats.t.sf(abs(statistic), df))
    g = hedges_g(after, before)
    se_g = np.sqrt((n_a + n_b) / (n_a * n_b) + g ** 2 / (2 * (n_a + n_b)))
    return TResult(float(statistic), float(df), p_value, g, float(g - Z95 * se_g),
                   float(g + Z95 * se_g))


def hedges_g(after: np.ndarray, before: np.ndarray) -> float:
    """Return Hedges' g of after vs before (pooled SD, small-sample factor 1 - 3/(4N - 9))."""
    n_a, n_b = len(after), len(before)
    pooled = ((n_a - 1) * after.var(ddof=1) + (n_b - 1) * before.var(ddof=1)) / (n_a + n_b - 2)
    d = safe_divide(after.mean() - before.mean(), np.sqrt(pooled))
    return float(d * (1 - 3 / (4 * (n_a + n_b) - 9)))


def paired_t(after: np.ndarray, before: np.ndarray) -> TResult:
    """Return the paired t of after vs before with d_z = mean(d)/sd(d) and its 95% CI.

    t = mean(d) / (sd(d)/sqrt(n)), df = n - 1; se(d_z) = sqrt(1/n + d_z^2/(2n)).
    """
    differences = after - before
    n = len(differences)
    if n < 2:
        return NO_T_RESULT
    sd = differences.std(ddof=1)
    if sd == 0:
        return NO_T_RESULT
    statistic = differences.mean() / (sd / np.sqrt(n))
    p_value = float(2 * stats.t.sf(abs(statistic), n - 1))
    d_z = float(differences.mean() / sd)
    se = np.sqrt(1 / n + d_z ** 2 / (2 * n))
    return TResult(float(statistic), float(n - 1), p_value, d_z, float(d_z - Z95 * se),
                   float(d_z + Z95 * se))


def exact_signed_rank_p(differences: np.ndarray) -> float:
    """Return the exact two-sided p of Wilcoxon's signed-rank test (Pratt), by sign flips.

    Under H0 every non-zero difference is positive or negative with probability 1/2, its
    Pratt mid-rank fixed, so R+ is a sum over a random subset of those ranks. Mid-ranks are
    multiples of 1/2: doubled they are integers, and the distribution of the subset sums is
    built by dynamic programming (each rank either adds or not). p = min(1, 2 min(P(R+ <= r),
    P(R+ >= r))): the same enumeration scipy's permutation route performs for up to 13 pairs
    with ties or zeros (at ~0.8 s a call), in microseconds.
    """
    ranks = stats.rankdata(np.abs(differences))
    doubled = np.rint(2 * ranks[differences != 0]).astype(np.int64)
    observed = int(doubled[differences[differences != 0] > 0].sum())
    ways = np.zeros(doubled.sum() + 1)
    ways[0] = 1.0
    for rank in doubled:  # each rank >= 2 once doubled: either in R+ or not
        ways = ways + np.concatenate([np.zeros(rank), ways[:-rank]])
    total = ways.sum()
    at_most = ways[:observed + 1].sum() / total
    at_least = ways[observed:].sum() / total
    return float(min(1.0, 2 * min(at_most, at_least)))


def mcnemar_exact_p(gained: int, lost: int) -> float:
    """Return the exact two-sided McNemar p: min(1, 2 * Binom(b + c, 1/2).cdf(min(b, c)))."""
    discordant = gained + lost
    if discordant == 0:
        return 1.0
    return float(min(1.0, 2 * stats.binom.cdf(min(gained, lost), discordant, 0.5)))
