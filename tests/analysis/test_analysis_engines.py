"""The fast path (scipy and closed forms) against pingouin, the reference, on seeded random data.

Every statistic :mod:`survey_app.analysis.engines` dispatches is computed both ways on Likert
samples of the sizes a small round has (up to :data:`engines.PINGOUIN_MAX_ANSWERS` answers),
with ties, zero differences and the odd constant sample. Cronbach's alpha, which the pages
show with its CI, is compared with ``pingouin.cronbach_alpha`` on the same samples.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from survey_app.analysis import engines, formulas

SEEDS = range(40)


@pytest.fixture(scope="module")
def pg():
    return engines._pingouin()


def _likert(rng: np.random.Generator, n: int, shift: float = 0.0, averaged: bool = False):
    """Return *n* answers on a 1-5 scale (or averages of 4 items, like dimension scores)."""
    latent = rng.normal(3 + shift, rng.uniform(0.4, 1.5), (n, 4 if averaged else 1))
    values = np.clip(np.rint(latent), 1, 5)
    return values.mean(axis=1) if averaged else values[:, 0]


def _sizes(rng: np.random.Generator) -> tuple[int, int]:
    # mostly small (the exact branches), some up to the reference's limit
    top = engines.PINGOUIN_MAX_ANSWERS // 2 if rng.random() < 0.2 else 60
    return int(rng.integers(3, top)), int(rng.integers(3, top))


def _independent(seed: int):
    rng = np.random.default_rng(seed)
    n_after, n_before = _sizes(rng)
    averaged = bool(seed % 2)
    return (_likert(rng, n_after, rng.normal(0, 0.5), averaged),
            _likert(rng, n_before, 0, averaged))


def _paired(seed: int):
    rng = np.random.default_rng(1000 + seed)
    n = int(rng.integers(5, 60 if rng.random() < 0.8 else engines.PINGOUIN_MAX_ANSWERS // 2))
    before = _likert(rng, n, averaged=bool(seed % 2))
    change = np.where(rng.random(n) < 0.4, 0, rng.integers(-2, 3, n))  # many unchanged pairs
    return np.clip(before + change + (seed % 3 == 0), 1, 5), before


def test_auto_is_the_fast_path_at_every_size():
    for n in (2, 10, 500, engines.PINGOUIN_MAX_ANSWERS, 10 * engines.PINGOUIN_MAX_ANSWERS):
        assert engines.choose_engine("auto", n) == "scipy"
    assert engines.choose_engine("pingouin", 10) == "pingouin"


@pytest.mark.parametrize("seed", SEEDS)
def test_mann_whitney(pg, seed):
    after, before = _independent(seed)
    fast = engines.mann_whitney(after, before, "auto")
    reference = engines.mann_whitney(after, before, "pingouin")
    assert fast.statistic == pytest.approx(reference.statistic, rel=1e-12)
    assert fast.p_value == pytest.approx(reference.p_value, rel=1e-9, abs=1e-15)
    assert fast.effect == pytest.approx(reference.effect, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
def test_wilcoxon_pratt(pg, seed):
    after, before = _paired(seed)
    fast = engines.wilcoxon_pratt(after, before, "auto")
    differences = np.round(after - before, formulas.ROUNDING_DECIMALS)
    if not differences.any():
        assert (fast.p_value, fast.effect) == (1.0, 0.0)
        return
    row = pg.wilcoxon(differences, zero_method="pratt", correction=False).iloc[0]
    assert fast.statistic == pytest.approx(float(row["W_val"]), rel=1e-12)
    assert fast.p_value == pytest.approx(float(row["p_val"]), rel=1e-9, abs=1e-15)
    nonzero = differences[differences != 0]
    if len(nonzero) == len(differences):
        # without zero differences pingouin's RBC is the same matched rank-biserial
        assert fast.effect == pytest.approx(float(row["RBC"]), abs=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
def test_welch_t_and_hedges_g(pg, seed):
    after, before = _independent(seed)
    fast = engines.welch_t(after, before, "auto")
    if np.isnan(fast.p_value):
        return
    with engines._constant_sample_is_fine():
        row = pg.ttest(after, before, paired=False, correction=True).iloc[0]
    assert fast.statistic == pytest.approx(float(row["T"]), rel=1e-9)
    assert fast.df == pytest.approx(float(row["dof"]), rel=1e-9)
    assert fast.p_value == pytest.approx(float(row["p_val"]), rel=1e-9, abs=1e-15)
    g = float(pg.compute_effsize(after, before, paired=False, eftype="hedges"))
    assert fast.effect == pytest.approx(g, rel=1e-9, abs=1e-12)
    # the CI: pingouin's standard error of g, with z instead of its t quantile
    low, high = pg.compute_esci(stat=fast.effect, nx=len(after), ny=len(before), paired=False,
                                eftype="hedges", decimals=14)
    t_crit = stats.t.ppf(0.975, len(after) + len(before) - 2)
    assert (fast.high - fast.low) / formulas.Z95 == pytest.approx((high - low) / t_crit, rel=1e-9)


@pytest.mark.parametrize("seed", SEEDS)
def test_paired_t_and_d_z(pg, seed):
    after, before = _paired(seed)
    fast = engines.paired_t(after, before, "auto")
    if np.isnan(fast.p_value):
        return
    with engines._constant_sample_is_fine():
        row = pg.ttest(after, before, paired=True).iloc[0]
    assert fast.statistic == pytest.approx(float(row["T"]), rel=1e-9)
    assert fast.df == pytest.approx(float(row["dof"]), rel=1e-12)
    assert fast.p_value == pytest.approx(float(row["p_val"]), rel=1e-9, abs=1e-15)
    d_z = float(pg.compute_effsize(after, before, paired=True, eftype="cohen_dz"))
    assert fast.effect == pytest.approx(d_z, rel=1e-9, abs=1e-12)
    low, high = pg.compute_esci(stat=fast.effect, nx=len(after), ny=len(after), paired=True,
                                eftype="cohen", decimals=14)
    t_crit = stats.t.ppf(0.975, len(after) - 1)
    assert (fast.high - fast.low) / formulas.Z95 == pytest.approx((high - low) / t_crit, rel=1e-9)


@pytest.mark.parametrize("seed", SEEDS)
def test_mcnemar(pg, seed):
    after, before = _paired(seed)
    positive_before, positive_after = (before >= 4).astype(int), (after >= 4).astype(int)
    fast = engines.mcnemar(positive_before, positive_after, "auto")
    reference = engines.mcnemar(positive_before, positive_after, "pingouin")
    assert fast == pytest.approx(reference, rel=1e-9, abs=1e-15)


@pytest.mark.parametrize("seed", SEEDS)
def test_cronbach_alpha_and_its_ci(pg, seed):
    rng = np.random.default_rng(2000 + seed)
    n, k = int(rng.integers(formulas.MIN_ROWS_FOR_ALPHA + 2, 400)), int(rng.integers(2, 9))
    person = rng.normal(0, rng.uniform(0.2, 1.2), n)
    matrix = np.clip(np.rint(3 + person[:, None] + rng.normal(0, 0.9, (n, k))), 1, 5)
    matrix[rng.random(matrix.shape) < 0.05] = np.nan
    fast = formulas.cronbach_alpha(matrix)
    if np.isnan(fast.alpha):
        return
    alpha, _ = pg.cronbach_alpha(pd.DataFrame(matrix), nan_policy="listwise")
    assert fast.alpha == pytest.approx(alpha, rel=1e-9, abs=1e-12)
    # pingouin counts n before its listwise deletion, so its CI is compared on complete rows
    # (Feldt's interval is on the rows alpha used); it rounds the interval to 3 decimals
    complete = matrix[~np.isnan(matrix).any(axis=1)]
    _, (low, high) = pg.cronbach_alpha(pd.DataFrame(complete))
    assert fast.low == pytest.approx(low, abs=5e-4 + 1e-12)
    assert fast.high == pytest.approx(high, abs=5e-4 + 1e-12)
