"""Known answers for the closed-form statistics, worked out by hand from the formulas."""

import itertools
import math
import warnings

import numpy as np
import pytest
from scipy import stats

from survey_app.analysis import formulas

Z = 1.959963984540054  # z_0.975


# --- Wilson -------------------------------------------------------------------------------

def test_wilson_interval_of_3_out_of_10():
    low, high = formulas.wilson_interval(3, 10)
    # p = 0.3, z^2 = 3.8414588, z^2/n = 0.38414588
    # centre = (0.3 + 0.19207294) / 1.38414588 = 0.49207294 / 1.38414588 = 0.35550656
    # half = 1.959964 * sqrt(0.3*0.7/10 + 3.8414588/400) / 1.38414588
    #      = 1.959964 * sqrt(0.021 + 0.00960365) / 1.38414588
    #      = 1.959964 * 0.17493898 / 1.38414588 = 0.24771529
    centre = (0.3 + Z ** 2 / 20) / (1 + Z ** 2 / 10)
    half = Z * math.sqrt(0.021 + Z ** 2 / 400) / (1 + Z ** 2 / 10)
    assert centre == pytest.approx(0.35550656, abs=1e-8)
    assert half == pytest.approx(0.24771529, abs=1e-8)
    assert (low, high) == pytest.approx((centre - half, centre + half), abs=1e-12)
    # the same interval from an independent implementation
    reference = stats.binomtest(3, 10).proportion_ci(method="wilson")
    assert (low, high) == pytest.approx((reference.low, reference.high), abs=1e-12)


def test_wilson_interval_at_the_boundaries():
    low, high = formulas.wilson_interval(0, 5)
    # p = 0: centre = half = (z^2/2n)/(1 + z^2/n), so low = 0; high = (z^2/n)/(1 + z^2/n)
    assert low == 0
    assert high == pytest.approx((Z ** 2 / 5) / (1 + Z ** 2 / 5), abs=1e-12)
    low, high = formulas.wilson_interval(0, 0)
    assert math.isnan(low) and math.isnan(high)



def test_wilson_bounds_are_exactly_0_and_1_at_the_extremes():
    # the closed form gave 2.8e-17 for 0 successes of some n (issue 15, item 11)
    n = np.arange(1, 301)
    low, _ = formulas.wilson_interval(np.zeros(len(n)), n)
    _, high = formulas.wilson_interval(n, n)
    assert (low == 0).all() and (high == 1).all()
    for size in (21, 37, 150):
        assert formulas.wilson_interval(0, size)[0] == 0.0
        assert formulas.wilson_interval(size, size)[1] == 1.0

# --- Cronbach's alpha ---------------------------------------------------------------------

# 4 respondents x 3 items; totals 5, 7, 10, 13
ALPHA_MATRIX = np.array([[1, 2, 2],
                         [2, 2, 3],
                         [3, 4, 3],
                         [4, 4, 5]], dtype=float)


def test_cronbach_alpha_by_hand():
    result = formulas.cronbach_alpha(ALPHA_MATRIX)
    # item variances (n-1): 5/3, 4/3, 4.75/3 -> sum 13.75/3
    # total 5, 7, 10, 13: mean 8.75, squares 14.0625 + 3.0625 + 1.5625 + 18.0625 = 36.75 -> 12.25
    # alpha = 3/2 * (1 - (13.75/3) / 12.25) = 1.5 * 23/36.75 = 46/49
    assert result.alpha == pytest.approx(46 / 49, abs=1e-12)
    assert result.n_used == 4
    assert result.n_items == 3


def test_cronbach_alpha_feldt_interval():
    result = formulas.cronbach_alpha(ALPHA_MATRIX)
    # Feldt: 1 - (1 - alpha) F_{.975}(3, 6) .. 1 - (1 - alpha) F_{.025}(3, 6)
    f_high, f_low = stats.f.ppf(0.975, 3, 6), stats.f.ppf(0.025, 3, 6)
    assert result.low == pytest.approx(1 - (3 / 49) * f_high, abs=1e-12)
    assert result.high == pytest.approx(1 - (3 / 49) * f_low, abs=1e-12)


def test_item_rest_correlation_and_alpha_if_deleted_by_hand():
    result = formulas.cronbach_alpha(ALPHA_MATRIX)
    # item 1 = 1,2,3,4; rest = items 2+3 = 4,5,7,9 (mean 6.25)
    # cross products (-1.5)(-2.25) + (-0.5)(-1.25) + (0.5)(0.75) + (1.5)(2.75) = 8.5
    # squares: item 5, rest 14.75 -> r = 8.5 / sqrt(5 * 14.75)
    assert result.item_rest_r[0] == pytest.approx(8.5 / math.sqrt(5 * 14.75), abs=1e-12)
    # without item 1: variances 4/3 and 4.75/3, total (4,5,7,9) 14.75/3
    # alpha = 2 * (1 - 8.75/14.75) = 12/14.75
    assert result.alpha_if_deleted[0] == pytest.approx(12 / 14.75, abs=1e-12)


def test_cronbach_alpha_is_listwise_and_agrees_with_pingouin():
    import pandas as pd
    import pingouin

    with_gaps = np.vstack([ALPHA_MATRIX, [5, np.nan, 1], [np.nan, 1, 1]])
    result = formulas.cronbach_alpha(with_gaps)
    assert result.n_used == 4  # the two incomplete rows are dropped
    assert result.alpha == pytest.approx(46 / 49, abs=1e-12)
    alpha, _ = pingouin.cronbach_alpha(pd.DataFrame(with_gaps), nan_policy="listwise")
    assert result.alpha == pytest.approx(alpha, abs=1e-12)


def test_cronbach_alpha_undefined_cases_give_nan_and_a_reason():
    one_item = formulas.cronbach_alpha(ALPHA_MATRIX[:, :1])
    assert math.isnan(one_item.alpha) and "una sola domanda" in one_item.reason
    two_rows = formulas.cronbach_alpha(ALPHA_MATRIX[:2])
    assert math.isnan(two_rows.alpha) and "meno di 3" in two_rows.reason
    constant = formulas.cronbach_alpha(np.full((5, 3), 4.0))
    assert math.isnan(constant.alpha) and "variabilità" in constant.reason
    small = formulas.cronbach_alpha(ALPHA_MATRIX)
    assert "instabile" in small.reason  # 4 rows < 30


def test_reverse_item_not_recoded_shows_a_negative_item_rest_correlation():
    flipped = ALPHA_MATRIX.copy()
    flipped[:, 2] = 6 - flipped[:, 2]
    assert formulas.cronbach_alpha(flipped).item_rest_r[2] < 0


# --- multiple comparisons -----------------------------------------------------------------

def test_holm_by_hand():
    # sorted: .005 .01 .03 .04, times 4 3 2 1 -> .02 .03 .06 .04, running max -> .02 .03 .06 .06
    adjusted = formulas.holm([0.01, 0.04, 0.03, 0.005])
    assert adjusted == pytest.approx([0.03, 0.06, 0.06, 0.02], abs=1e-12)


def test_holm_caps_at_one_and_skips_nan():
    # m = 2 tests (NaN is not a test): .3 * 2 = .6, then max(.6, .8 * 1) = .8
    adjusted = formulas.holm([0.8, np.nan, 0.3])
    assert adjusted[0] == pytest.approx(0.8)
    assert math.isnan(adjusted[1])
    assert adjusted[2] == pytest.approx(0.6)
    assert formulas.holm([0.6, 0.7]) == pytest.approx([1.0, 1.0])  # .6*2 capped, .7 <- max


def test_benjamini_hochberg_by_hand():
    # sorted: .005 .01 .03 .04, times 4/1 4/2 4/3 4/4 -> .02 .02 .04 .04,
    # running min from the largest: .02 .02 .04 .04
    adjusted = formulas.benjamini_hochberg([0.01, 0.04, 0.03, 0.005])
    assert adjusted == pytest.approx([0.02, 0.04, 0.04, 0.02], abs=1e-12)


def test_corrections_agree_with_statsmodels():
    from statsmodels.stats.multitest import multipletests

    p = np.random.default_rng(1).uniform(0, 0.2, 12)
    assert formulas.holm(p) == pytest.approx(multipletests(p, method="holm")[1], abs=1e-12)
    assert formulas.benjamini_hochberg(p) == pytest.approx(
        multipletests(p, method="fdr_bh")[1], abs=1e-12)


# --- rank-biserial correlations -----------------------------------------------------------

def test_rank_biserial_from_counts_by_hand():
    before = np.array([1, 2, 2, 3])
    after = np.array([2, 3, 4, 4, 5])
    # U of after: a=2 -> 1 win + 2 ties (1.0) = 2; a=3 -> 3 wins + 1 tie = 3.5; a=4 -> 4 (twice);
    # a=5 -> 4. U = 2 + 3.5 + 8 + 4 = 17.5 of 4*5 = 20 pairs; r = 2 * 17.5/20 - 1 = 0.75
    before_counts = np.bincount(before, minlength=6)[1:]  # over the values 1..5
    after_counts = np.bincount(after, minlength=6)[1:]
    r = formulas.rank_biserial_from_counts(before_counts, after_counts)
    assert r[0] == pytest.approx(0.75, abs=1e-12)
    # and later round lower -> negative
    reversed_r = formulas.rank_biserial_from_counts(after_counts, before_counts)
    assert reversed_r[0] == pytest.approx(-0.75)


def test_matched_rank_biserial_pratt_by_hand():
    # d = 0 0 1 1 1 2 2 -1 3 0; |d| ranks over all 10 pairs (Pratt): zeros 1-3 (mid 2),
    # |1| x4 ranks 4-7 (mid 5.5), |2| x2 ranks 8-9 (8.5), |3| rank 10
    # R+ = 3*5.5 + 2*8.5 + 10 = 43.5; R- = 5.5; Kerby r = (43.5 - 5.5)/(43.5 + 5.5) = 38/49
    values = np.array([-1, 0, 1, 2, 3.0])
    counts = np.array([1, 3, 3, 2, 1])
    r = formulas.matched_rank_biserial_from_counts(values, counts)
    assert r[0] == pytest.approx(38 / 49, abs=1e-12)


def test_matched_rank_biserial_without_zeros_is_kerbys():
    # d = 1, 2, -3: ranks 1, 2, 3; (R+ - R-)/(R+ + R-) = (3 - 3)/6 = 0
    assert formulas.matched_rank_biserial_from_counts(np.array([-3, 1, 2.0]),
                                                      np.array([1, 1, 1]))[0] == 0
    # d = 1, 2, 3, -1: |1| tied ranks 1.5; R+ = 1.5 + 3 + 4 = 8.5, R- = 1.5 -> 7/10
    r = formulas.matched_rank_biserial_from_counts(np.array([-1, 1, 2, 3.0]),
                                                   np.array([1, 1, 1, 1]))
    assert r[0] == pytest.approx(0.7, abs=1e-12)


def test_unchanged_pairs_do_not_dilute_the_matched_rank_biserial():
    # 3 of 20 improved by 1, 17 unchanged, nobody worse: Kerby's r is 1. Dividing by
    # n(n+1)/2 instead gave 3 * 19 / 210 = 0.27 ("piccolo"): the symptom.
    r = formulas.matched_rank_biserial_from_counts(np.array([0, 1.0]), np.array([17, 3]))
    assert r[0] == 1.0
    # every pair unchanged: no changed pair, undefined
    assert math.isnan(formulas.matched_rank_biserial_from_counts(np.array([0.0]),
                                                                 np.array([9]))[0])


def test_matched_rank_biserial_against_pingouin():
    from survey_app.analysis import engines

    pg = engines._pingouin()
    rng = np.random.default_rng(12)
    for n in (6, 15, 40):
        before = rng.integers(1, 6, n).astype(float)
        # no zero difference: pingouin's RBC (Kerby 2014) is the same number
        after = before + rng.choice([-2, -1, 1, 2, 3.0], n)
        values, counts = np.unique(after - before, return_counts=True)
        ours = formulas.matched_rank_biserial_from_counts(values, counts)[0]
        theirs = pg.wilcoxon(after, before, zero_method="pratt", correction=False)["RBC"].iloc[0]
        assert ours == pytest.approx(theirs, abs=1e-12)
    # with zeros pingouin ranks only the changed pairs: the hand example's nonzero d
    # 1 1 1 2 2 -1 3 rank |1| 2.5, |2| 5.5, |3| 7 -> (25.5 - 2.5)/28 = 23/28, not 38/49
    before = np.array([3, 2, 2, 3, 1, 2, 3, 4, 1, 4.0])
    after = before + np.array([0, 0, 1, 1, 1, 2, 2, -1, 3, 0.0])
    theirs = pg.wilcoxon(after, before, zero_method="pratt", correction=False)["RBC"].iloc[0]
    assert theirs == pytest.approx(23 / 28, abs=1e-12)
    assert engines.wilcoxon_pratt(after, before, "pingouin").effect == pytest.approx(38 / 49)


def _brute_force_jackknife_interval(statistic, samples):
    """Leave each respondent out in turn (raw arrays), jackknife variance, Fisher z interval."""
    estimate = statistic(*samples)
    variance = 0.0
    for which, sample in enumerate(samples):
        replicates = []
        for i in range(len(sample)):
            reduced = list(samples)
            reduced[which] = np.delete(sample, i)
            replicates.append(statistic(*reduced))
        replicates = np.array(replicates)
        n = len(sample)
        variance += (n - 1) / n * ((replicates - replicates.mean()) ** 2).sum()
    half = Z * math.sqrt(variance) / (1 - estimate ** 2)
    return math.tanh(math.atanh(estimate) - half), math.tanh(math.atanh(estimate) + half)


def test_rank_biserial_interval_is_the_jackknife_of_the_raw_data():
    rng = np.random.default_rng(4)
    before = rng.integers(1, 6, 23).astype(float)
    after = rng.integers(2, 6, 17).astype(float)

    def r_from_scipy(b, a):  # r = 2U/(n1 n2) - 1 with scipy's U, an independent route
        return 2 * stats.mannwhitneyu(a, b).statistic / (len(a) * len(b)) - 1

    expected = _brute_force_jackknife_interval(r_from_scipy, (before, after))
    assert formulas.rank_biserial_interval(before, after) == pytest.approx(expected, abs=1e-10)


def test_matched_rank_biserial_interval_is_the_jackknife_of_the_pairs():
    rng = np.random.default_rng(5)
    differences = rng.integers(-2, 4, 31).astype(float)

    def r_from_ranks(d):
        ranks = stats.rankdata(np.abs(d))
        return (ranks[d > 0].sum() - ranks[d < 0].sum()) / ranks[d != 0].sum()

    expected = _brute_force_jackknife_interval(r_from_ranks, (differences,))
    interval = formulas.matched_rank_biserial_interval(differences)
    assert interval == pytest.approx(expected, abs=1e-10)


def test_rank_biserial_interval_edge_cases():
    assert formulas.rank_biserial_interval(np.array([1.0, 2]), np.array([4.0, 5])) == (1.0, 1.0)
    low, high = formulas.rank_biserial_interval(np.array([]), np.array([3.0]))
    assert math.isnan(low) and math.isnan(high)
    low, high = formulas.rank_biserial_interval(np.array([1.0, 3]), np.array([2.0]))
    assert math.isnan(low)  # one answer in a round: no leave-one-out replicate


# --- t tests ------------------------------------------------------------------------------

def test_welch_t_and_hedges_g_by_hand():
    after, before = np.array([3, 4, 5.0]), np.array([1, 2, 3.0])
    result = formulas.welch_t(after, before)
    # means 4 and 2, variances 1 and 1: t = 2 / sqrt(1/3 + 1/3) = 2.4494897
    # df = (2/3)^2 / ((1/3)^2/2 + (1/3)^2/2) = 4
    # pooled SD 1 -> d = 2; g = 2 * (1 - 3/(4*6 - 9)) = 1.6
    assert result.statistic == pytest.approx(2 / math.sqrt(2 / 3), abs=1e-12)
    assert result.df == pytest.approx(4, abs=1e-12)
    assert result.p_value == pytest.approx(2 * stats.t.sf(2 / math.sqrt(2 / 3), 4), abs=1e-12)
    assert result.effect == pytest.approx(1.6, abs=1e-12)
    # se(g) = sqrt(6/9 + 1.6^2/12)
    se = math.sqrt(6 / 9 + 1.6 ** 2 / 12)
    assert (result.low, result.high) == pytest.approx((1.6 - Z * se, 1.6 + Z * se), abs=1e-12)


def test_welch_t_matches_scipy_and_keeps_the_sign():
    rng = np.random.default_rng(2)
    after, before = rng.integers(1, 6, 40).astype(float), rng.integers(2, 6, 30).astype(float)
    reference = stats.ttest_ind(after, before, equal_var=False)
    result = formulas.welch_t(after, before)
    assert result.statistic == pytest.approx(reference.statistic, abs=1e-12)
    assert result.p_value == pytest.approx(reference.pvalue, abs=1e-12)
    assert np.sign(result.effect) == np.sign(after.mean() - before.mean())


def test_paired_t_and_d_z_by_hand():
    after, before = np.array([3, 5, 4, 6.0]), np.array([2, 3, 3, 4.0])
    result = formulas.paired_t(after, before)
    # d = 1, 2, 1, 2: mean 1.5, sd = sqrt(4 * 0.25 / 3) = 0.5773503
    # d_z = 1.5 / 0.5773503 = 2.5980762; t = d_z * sqrt(4) = 5.1961524, df 3
    assert result.effect == pytest.approx(1.5 / math.sqrt(1 / 3), abs=1e-12)
    assert result.statistic == pytest.approx(2 * 1.5 / math.sqrt(1 / 3), abs=1e-12)
    assert result.df == 3
    assert result.p_value == pytest.approx(stats.ttest_rel(after, before).pvalue, abs=1e-12)


def test_constant_rounds_do_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = formulas.welch_t(np.array([4, 4, 4.0]), np.array([1, 2, 3.0]))
        assert result.statistic > 0
        assert math.isnan(formulas.welch_t(np.array([4, 4.0]), np.array([4, 4.0])).p_value)
        assert math.isnan(formulas.paired_t(np.array([4, 5.0]), np.array([3, 4.0])).p_value)


# --- proportions --------------------------------------------------------------------------

def test_exact_mcnemar_by_hand():
    # 1 gained vs 6 lost of 7 discordant pairs: 2 * P(X <= 1), X ~ Bin(7, 1/2) = 2 * (1 + 7)/128
    assert formulas.mcnemar_exact_p(1, 6) == pytest.approx(16 / 128, abs=1e-12)
    assert formulas.mcnemar_exact_p(3, 3) == 1.0
    assert formulas.mcnemar_exact_p(0, 0) == 1.0


def test_paired_difference_interval_bonett_price_by_hand():
    low, high = formulas.paired_difference_interval(gained=6, lost=1, n=20)
    # p12 = 7/22, p21 = 2/22; centre 5/22; half = z sqrt((9/22 - (5/22)^2) / 22)
    half = Z * math.sqrt((9 / 22 - (5 / 22) ** 2) / 22)
    assert (low, high) == pytest.approx((5 / 22 - half, 5 / 22 + half), abs=1e-12)


def test_newcombe_interval_contains_the_difference():
    low, high = formulas.newcombe_difference_interval(3, 10, 7, 10)
    # Wilson(3/10) = (.1078, .6032), Wilson(7/10) = (.3968, .8922)
    # low = .4 - sqrt((.7 - .3968)^2 + (.6032 - .3)^2)
    # high = .4 + sqrt((.8922 - .7)^2 + (.3 - .1078)^2)
    l3, u3 = formulas.wilson_interval(3, 10)
    l7, u7 = formulas.wilson_interval(7, 10)
    assert low == pytest.approx(0.4 - math.hypot(0.7 - l7, u3 - 0.3), abs=1e-12)
    assert high == pytest.approx(0.4 + math.hypot(u7 - 0.7, 0.3 - l3), abs=1e-12)
    assert low < 0.4 < high


def test_exhaustive_sign_flips_give_the_pratt_p_value():
    """The Wilcoxon-Pratt p of the hand example, by enumerating all sign assignments."""
    from survey_app.analysis import engines

    before = np.array([3, 2, 2, 3, 1, 2, 3, 4, 1, 4.0])
    after = before + np.array([0, 0, 1, 1, 1, 2, 2, -1, 3, 0.0])
    # nonzero |d| carry Pratt ranks 5.5 x4, 8.5 x2, 10; observed R+ = 43.5 of 49
    ranks = [5.5, 5.5, 5.5, 5.5, 8.5, 8.5, 10]
    sums = [sum(r for r, s in zip(ranks, signs) if s)
            for signs in itertools.product([0, 1], repeat=7)]
    # two-sided: as or more extreme than 43.5 on either side of the centre 24.5
    p_exact = sum(abs(s - 24.5) >= 43.5 - 24.5 for s in sums) / 128
    assert p_exact == 10 / 128
    for engine in ("scipy", "pingouin"):
        result = engines.wilcoxon_pratt(after, before, engine)
        assert result.p_value == pytest.approx(p_exact, abs=1e-12)
        assert result.statistic == 5.5  # min(R+, R-)
        assert result.effect == pytest.approx(38 / 49, abs=1e-12)


def test_sign_flip_p_is_scipys_permutation_p():
    rng = np.random.default_rng(8)
    for n in (3, 5, 7, 9):
        differences = rng.choice([-2, -1, 0, 1, 1, 2, 3.0], n)
        reference = stats.wilcoxon(differences, zero_method="pratt", correction=False).pvalue
        assert formulas.exact_signed_rank_p(differences) == pytest.approx(reference, abs=1e-12)
