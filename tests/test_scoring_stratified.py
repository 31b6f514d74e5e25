"""Stratified estimate: weights, the proportional case, each bound method against an independent calculation."""

from __future__ import annotations

import math

import pytest
from scipy import integrate, optimize
from scipy.stats import beta, norm

from fupin_tui.scoring import StratumCounts, clopper_pearson, clopper_pearson_upper, stratified_estimate

# Two strata of a fixed example: 乡 A 600 households (30 reviewed, 1 with an issue), 乡 B 400 (30 reviewed, 3).
# W = (0.6, 0.4); estimate = 0.6·1/30 + 0.4·3/30 = 0.06 (pooled x/n would be 4/60 = 0.0667).
EXAMPLE = [StratumCounts("A乡", 600, 30, 1, 0.5), StratumCounts("B乡", 400, 30, 3, 2.5)]


def _posterior_quantile(q: float, a0: float, b0: float) -> float:
    """Exact quantile of 0.6·p1 + 0.4·p2 with p_h ~ Beta(x_h + a0, n_h − x_h + b0), by numerical integration:
    P(0.6 p1 + 0.4 p2 ≤ t) = ∫ f1(p1) F2((t − 0.6 p1)/0.4) dp1."""
    a1, b1, a2, b2 = 1 + a0, 29 + b0, 3 + a0, 27 + b0

    def cdf(t: float) -> float:
        f = lambda p1: beta.pdf(p1, a1, b1) * beta.cdf((t - 0.6 * p1) / 0.4, a2, b2)  # noqa: E731
        return integrate.quad(f, 0, min(1.0, t / 0.6), limit=200)[0]

    return optimize.brentq(lambda t: cdf(t) - q, 1e-9, 0.999, xtol=1e-12)


def test_weights_and_point_estimate():
    e = stratified_estimate(EXAMPLE, method="beta_posterior")
    assert e.weights == (0.6, 0.4)
    assert e.estimate == pytest.approx(0.06, abs=1e-15)
    assert e.unweighted_rate == pytest.approx(4 / 60)
    assert e.weighted_estimate == pytest.approx(0.6 * 0.5 / 30 + 0.4 * 2.5 / 30)
    assert not e.proportional
    assert [s["N"] for s in e.strata_json()] == [600, 400]
    assert {"name", "N", "n", "x", "weight", "rate", "ci_low", "ci_high"} <= set(e.strata_json()[0])


@pytest.mark.parametrize(
    "posterior,a0,b0,expected",
    [
        # exact quantiles computed with _posterior_quantile (scipy quad + brentq): (2.5 %, 97.5 %, 95 %)
        ("uniform", 1.0, 1.0, (0.033196, 0.165522, 0.150046)),
        ("jeffreys", 0.5, 0.5, (0.024888, 0.148064, 0.133085)),
    ],
)
def test_beta_posterior_matches_numerical_integration(posterior, a0, b0, expected):
    e = stratified_estimate(EXAMPLE, 0.95, "beta_posterior", posterior=posterior)
    assert (e.method, e.posterior, e.draws, e.seed) == ("beta_posterior", posterior, 100_000, 20160101)
    assert _posterior_quantile(0.95, a0, b0) == pytest.approx(expected[2], abs=1e-6)
    # 100 000 draws: Monte Carlo error of a quantile ≈ 2e-4 here; allow 1e-3
    assert e.ci_low == pytest.approx(expected[0], abs=1e-3)
    assert e.ci_high == pytest.approx(expected[1], abs=1e-3)
    assert e.upper_bound == pytest.approx(expected[2], abs=1e-3)
    assert "Beta(x+" in e.method_note and "20160101" in e.method_note


def test_beta_posterior_is_reproducible_with_the_seed():
    a = stratified_estimate(EXAMPLE, method="beta_posterior", seed=7)
    b = stratified_estimate(list(reversed(EXAMPLE)), method="beta_posterior", seed=7)
    c = stratified_estimate(EXAMPLE, method="beta_posterior", seed=8)
    assert a.upper_bound == b.upper_bound  # same seed, strata taken in name order whatever the input order
    assert a.upper_bound != c.upper_bound
    assert a.upper_bound == pytest.approx(c.upper_bound, abs=2e-3)


def test_korn_graubard_by_hand():
    var = 0.36 * (1 - 30 / 600) * (1 / 30) * (29 / 30) / 29 + 0.16 * (1 - 30 / 400) * 0.1 * 0.9 / 29
    n_eff = min(60, 0.06 * 0.94 / var)  # 0.0564 / 0.000557 = 101 → capped at the 60 households reviewed
    assert n_eff == 60
    e = stratified_estimate(EXAMPLE, method="korn_graubard")
    assert e.effective_n == 60
    x = 60 * 0.06
    assert e.upper_bound == pytest.approx(beta.ppf(0.95, x + 1, 60 - x), rel=1e-9)
    assert e.ci_low == pytest.approx(beta.ppf(0.025, x, 60 - x + 1), rel=1e-9)
    assert e.ci_high == pytest.approx(beta.ppf(0.975, x + 1, 60 - x), rel=1e-9)
    # 0 errors: Kish's effective size 1 / Σ W_h²/n_h
    zero = [StratumCounts("A", 1000, 100, 0), StratumCounts("B", 1000, 50, 0)]
    z = stratified_estimate(zero)
    assert z.method == "korn_graubard"  # not proportional → auto picks Korn–Graubard
    assert z.effective_n == pytest.approx(1 / (0.25 / 100 + 0.25 / 50))
    assert z.upper_bound == pytest.approx(1 - 0.05 ** (1 / z.effective_n), rel=1e-9)


def test_normal_fpc_by_hand():
    var = 0.36 * (1 - 30 / 600) * (1 / 30) * (29 / 30) / 29 + 0.16 * (1 - 30 / 400) * 0.1 * 0.9 / 29
    e = stratified_estimate(EXAMPLE, method="normal_fpc")
    assert e.upper_bound == pytest.approx(0.06 + norm.ppf(0.95) * math.sqrt(var), rel=1e-12)
    assert e.ci_low == pytest.approx(0.06 - norm.ppf(0.975) * math.sqrt(var), rel=1e-12)
    assert e.ci_high == pytest.approx(0.06 + norm.ppf(0.975) * math.sqrt(var), rel=1e-12)
    zero = stratified_estimate([StratumCounts("A", 100, 10, 0), StratumCounts("B", 50, 5, 0)], method="normal_fpc")
    assert zero.upper_bound == 0.0 and zero.warnings  # says the zero-width interval is no basis for a grade


def test_proportional_sample_estimate_equals_unweighted_rate():
    strata = [StratumCounts("A", 200, 10, 1), StratumCounts("B", 300, 15, 0), StratumCounts("C", 500, 25, 2)]
    for method in ("beta_posterior", "normal_fpc", "korn_graubard", "clopper_pearson"):
        e = stratified_estimate(strata, method=method)
        assert e.proportional
        assert e.estimate == pytest.approx(3 / 50, abs=1e-15)
    auto = stratified_estimate(strata)
    assert auto.method == "clopper_pearson"  # proportional → the pooled exact bound
    assert (auto.ci_low, auto.ci_high) == clopper_pearson(3, 50)
    assert auto.upper_bound == clopper_pearson_upper(3, 50)


def test_single_stratum_and_unknown_sizes_use_clopper_pearson():
    e = stratified_estimate([StratumCounts("全县", 2000, 60, 0)])
    assert e.method == "clopper_pearson" and e.method_name.startswith("Clopper–Pearson")
    assert e.upper_bound == pytest.approx(0.0487, abs=5e-5)
    u = stratified_estimate([StratumCounts("A", None, 40, 1), StratumCounts("B", None, 20, 2)])
    assert u.method == "clopper_pearson" and u.weights == pytest.approx((2 / 3, 1 / 3))
    assert u.estimate == pytest.approx(3 / 60)
    h = stratified_estimate([StratumCounts("全县", 1000, 57, 0)], method="hypergeometric")
    assert h.upper_bound == 0.049


def test_many_small_strata_warn_about_the_beta_prior():
    strata = [StratumCounts(f"乡{i}", 100, 15, 0) for i in range(10)]
    e = stratified_estimate(strata, method="beta_posterior")
    assert e.upper_bound == pytest.approx(0.090, abs=2e-3)  # the priors add up: far above …
    assert clopper_pearson_upper(0, 150) == pytest.approx(0.0198, abs=1e-4)  # … the pooled exact 1.98 %
    assert any("korn_graubard" in w for w in e.warnings)


def test_unreviewed_stratum_is_left_out_with_a_warning():
    strata = [StratumCounts("A", 600, 30, 3), StratumCounts("B", 400, 0, 0)]
    e = stratified_estimate(strata, method="beta_posterior")
    assert e.weights == (1.0, 0.0)
    assert e.estimate == pytest.approx(0.1)
    assert any("B" in w and "尚未复核" in w for w in e.warnings)


def test_nothing_reviewed_gives_none():
    e = stratified_estimate([StratumCounts("A", 600, 0, 0)])
    assert (e.estimate, e.ci_low, e.ci_high, e.upper_bound) == (None, None, None, None)
    assert e.unweighted_rate is None


@pytest.mark.parametrize(
    "strata,kwargs,fragment",
    [
        ([], {}, "没有任何层"),
        ([StratumCounts("A", 10, 5, 6)], {}, "大于复核户数"),
        ([StratumCounts("A", 10, 11, 0)], {}, "大于总体户数"),
        ([StratumCounts("A", 10, 5, 1), StratumCounts("A", 10, 5, 1)], {}, "层名重复"),
        ([StratumCounts("A", 10, 5, 1), StratumCounts("B", None, 5, 1)], {}, "缺少总体户数"),
        ([StratumCounts("A", 10, 5, 1, 3.0)], {}, "加权问题户数"),
        ([StratumCounts("A", 10, 5, 1)], {"method": "bootstrap"}, "未知的估计方法"),
        ([StratumCounts("A", 10, 5, 1)], {"method": "beta_posterior", "posterior": "haldane"}, "未知的先验"),
        ([StratumCounts("A", None, 5, 1)], {"method": "hypergeometric"}, "总体户数"),
        ([StratumCounts("A", 10, 5, 1), StratumCounts("B", 90, 5, 1)], {"method": "beta_posterior", "draws": 10},
         "模拟次数"),
    ],
)
def test_invalid_input(strata, kwargs, fragment):
    with pytest.raises(ValueError, match=fragment):
        stratified_estimate(strata, **kwargs)


@pytest.mark.parametrize("method", ["clopper_pearson", "hypergeometric", "korn_graubard", "beta_posterior",
                                    "normal_fpc"])
def test_one_sided_lower_bound_of_every_method(method):
    e = stratified_estimate(EXAMPLE, 0.95, method, draws=20000)
    # one-sided bounds lie inside the two-sided interval at the same confidence and around the point estimate
    assert e.ci_low - 1e-9 <= e.lower_bound <= e.estimate + 1e-9
    assert e.estimate - 1e-9 <= e.upper_bound <= e.ci_high + 1e-9
    if method == "clopper_pearson":
        assert e.lower_bound == pytest.approx(beta.ppf(0.05, 4, 57))
    if method == "normal_fpc":
        var = 0.6 ** 2 * (1 - 30 / 600) * (1 / 30) * (29 / 30) / 29 + 0.4 ** 2 * (1 - 30 / 400) * 0.1 * 0.9 / 29
        assert e.lower_bound == pytest.approx(max(0.0, 0.06 - norm.ppf(0.95) * math.sqrt(var)))
