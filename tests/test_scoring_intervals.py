"""Rates and exact bounds: reference figures, argument checks, monotonicity (hypothesis) and coverage."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import beta, binom

from fupin_tui.scoring import (
    clopper_pearson,
    clopper_pearson_upper,
    error_rate,
    hypergeometric_interval,
    hypergeometric_upper,
    poisson_upper,
    rate_with_interval,
    upper_bound,
)


def test_error_rate_and_none_when_nothing_reviewed():
    assert error_rate(3, 60) == 0.05
    assert error_rate(0, 0) is None
    ri = rate_with_interval(0, 0, label="城关镇")
    assert (ri.rate, ri.ci_low, ri.ci_high, ri.upper_bound) == (None, None, None, None)


def test_reference_upper_bounds():
    # AICPA attribute tables: 1 deviation in 100 at 95 % → 4.7 % (binomial 4.656 %, Poisson 4.744 %)
    assert clopper_pearson_upper(1, 100, 0.95) == pytest.approx(0.04656, abs=5e-6)
    assert poisson_upper(1, 100, 0.95) == pytest.approx(0.04744, abs=5e-6)
    # 0 errors in 60 households: 1 − 0.05^(1/60) = 4.87 %
    assert clopper_pearson_upper(0, 60) == pytest.approx(1 - 0.05 ** (1 / 60), rel=1e-12)
    assert clopper_pearson_upper(0, 60) == pytest.approx(0.0487, abs=5e-5)
    assert clopper_pearson_upper(5, 5) == 1.0
    assert upper_bound(1, 100, likelihood="poisson") == poisson_upper(1, 100)


def test_two_sided_clopper_pearson_matches_beta_quantiles():
    low, high = clopper_pearson(3, 60, 0.95)
    assert low == pytest.approx(beta.ppf(0.025, 3, 58), rel=1e-12)
    assert high == pytest.approx(beta.ppf(0.975, 4, 57), rel=1e-12)
    assert clopper_pearson(0, 60)[0] == 0.0
    assert clopper_pearson(60, 60)[1] == 1.0
    # the classic example: 0 of 60 → two-sided upper 1 − 0.025^(1/60)
    assert clopper_pearson(0, 60)[1] == pytest.approx(1 - 0.025 ** (1 / 60), rel=1e-12)


def test_hypergeometric_bound_is_exact_finite_population():
    # N = 1000, 57 reviewed, 0 errors: 49 erroneous households still possible (P(X=0 | M=49) ≥ 5 %), 50 not
    assert hypergeometric_upper(0, 57, 1000) == 0.049
    # close to the binomial bound for a small sampling fraction, and never above it by much
    assert hypergeometric_upper(1, 100, 100_000) == pytest.approx(clopper_pearson_upper(1, 100), abs=1e-4)
    # a census knows the rate exactly
    assert hypergeometric_upper(3, 200, 200) == 3 / 200
    assert hypergeometric_interval(3, 200, 200) == (3 / 200, 3 / 200)
    low, high = hypergeometric_interval(2, 100, 1000)
    assert 0 < low < 0.02 < high


@pytest.mark.parametrize(
    "call",
    [
        lambda: clopper_pearson_upper(0, 0),
        lambda: clopper_pearson_upper(5, 4),
        lambda: clopper_pearson_upper(-1, 4),
        lambda: clopper_pearson_upper(1.5, 4),
        lambda: clopper_pearson(1, 10, 95),
        lambda: clopper_pearson(1, 10, 0),
        lambda: poisson_upper(1, 10, 1.0),
        lambda: hypergeometric_upper(0, 10, None),
        lambda: hypergeometric_upper(0, 10, 5),
        lambda: upper_bound(1, 10, likelihood="normal"),
    ],
)
def test_invalid_arguments_raise_value_error(call):
    with pytest.raises(ValueError):
        call()


counts = st.integers(min_value=1, max_value=400).flatmap(
    lambda n: st.tuples(st.integers(min_value=0, max_value=n - 1), st.just(n))
)


@settings(max_examples=150, deadline=None)
@given(counts)
def test_bounds_rise_with_errors(kn):
    k, n = kn
    assert clopper_pearson_upper(k + 1, n) > clopper_pearson_upper(k, n)
    assert poisson_upper(k + 1, n) > poisson_upper(k, n)
    lo0, hi0 = clopper_pearson(k, n)
    lo1, hi1 = clopper_pearson(k + 1, n)
    assert lo1 > lo0 and hi1 > hi0
    assert hypergeometric_upper(k + 1, n, 2 * n) >= hypergeometric_upper(k, n, 2 * n)


@settings(max_examples=150, deadline=None)
@given(counts)
def test_bounds_fall_with_more_households(kn):
    k, n = kn
    assert clopper_pearson_upper(k, n + 1) < clopper_pearson_upper(k, n)
    assert poisson_upper(k, n + 1) < poisson_upper(k, n)
    assert clopper_pearson(k, n + 1)[1] < clopper_pearson(k, n)[1]
    assert hypergeometric_upper(k, n + 1, 500) <= hypergeometric_upper(k, n, 500)


@settings(max_examples=150, deadline=None)
@given(counts, st.sampled_from([0.8, 0.9, 0.95, 0.99]))
def test_interval_contains_rate_and_one_sided_is_tighter(kn, confidence):
    k, n = kn
    low, high = clopper_pearson(k, n, confidence)
    assert low <= k / n <= high
    # the one-sided bound at c is the two-sided upper limit at 2c − 1
    assert clopper_pearson_upper(k, n, confidence) <= high
    # Poisson is more conservative than the binomial bound
    assert poisson_upper(k, n, confidence) >= clopper_pearson_upper(k, n, confidence) - 1e-12


@pytest.mark.parametrize("p,n", [(0.02, 60), (0.05, 100), (0.1, 150), (0.3, 40)])
def test_clopper_pearson_covers_at_least_nominal(p, n):
    """Simulation (fixed seed, 4000 samples each) and the exact coverage both reach the nominal 95 %."""
    table = np.array([clopper_pearson(k, n, 0.95) for k in range(n + 1)])
    one_sided = np.array([clopper_pearson_upper(k, n, 0.95) for k in range(n + 1)])
    covers = (table[:, 0] <= p) & (p <= table[:, 1])
    exact = float(binom.pmf(np.arange(n + 1), n, p)[covers].sum())
    assert exact >= 0.95
    assert float(binom.pmf(np.arange(n + 1), n, p)[one_sided >= p].sum()) >= 0.95
    ks = np.random.default_rng(20160101).binomial(n, p, size=4000)
    assert covers[ks].mean() >= 0.95
    assert (one_sided[ks] >= p).mean() >= 0.95


def test_one_sided_lower_bounds():
    from fupin_tui.scoring import clopper_pearson_lower, hypergeometric_lower

    # the rate is above the lower bound with probability `confidence`: Beta(1 − c; k, n − k + 1)
    assert clopper_pearson_lower(0, 60) == 0.0
    assert clopper_pearson_lower(1, 1) == pytest.approx(0.05)
    assert clopper_pearson_lower(9, 60) == pytest.approx(beta.ppf(0.05, 9, 52)) == pytest.approx(0.080545, abs=5e-6)
    # a one-sided 95 % bound is the two-sided 90 % one
    assert clopper_pearson_lower(9, 60) == pytest.approx(clopper_pearson(9, 60, 0.90)[0])
    assert hypergeometric_lower(9, 60, 2000) == pytest.approx(hypergeometric_interval(9, 60, 2000, 0.90)[0])
    assert hypergeometric_lower(0, 60, 2000) == 0.0
    # the finite-population bound is tighter than the binomial one
    assert hypergeometric_lower(9, 60, 200) >= clopper_pearson_lower(9, 60) - 1 / 200
