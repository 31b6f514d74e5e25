"""Sample-size planning (fupin plan): reference figures from the AICPA attribute tables and exact calculations."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import beta, hypergeom

from fupin_tui.scoring import plan_sample_size


@pytest.mark.parametrize(
    "kwargs,n,k",
    [
        (dict(tolerable=0.05, confidence=0.95, expected_errors=0), 59, 0),
        # 1 − 0.05^(1/59) = 4.951 % < 5 % while 58 gives 5.034 %
        (dict(tolerable=0.05, confidence=0.95, expected_errors=1), 93, 1),
        # the bound at 93 is 0.049994 (6e-6 below 5 %): no epsilon may swallow it
        (dict(tolerable=0.05, confidence=0.95, likelihood="poisson"), 60, 0),
        # 2.9957 / 60 = 4.993 %
        (dict(tolerable=0.05, confidence=0.95, likelihood="hypergeometric", population=1000), 57, 0),
        # AICPA Audit Sampling, 95 % table, 0 % expected deviation
        (dict(tolerable=0.02, confidence=0.95), 149, 0),
        (dict(tolerable=0.03, confidence=0.95), 99, 0),
        (dict(tolerable=0.10, confidence=0.95), 29, 0),
        (dict(tolerable=0.20, confidence=0.95), 14, 0),
        # the same table with an expected deviation rate: n (expected errors ⌈R·n⌉)
        (dict(tolerable=0.05, confidence=0.95, expected_rate=0.01), 93, 1),
        (dict(tolerable=0.04, confidence=0.95, expected_rate=0.01), 156, 2),
        (dict(tolerable=0.05, confidence=0.95, expected_rate=0.02), 181, 4),
        (dict(tolerable=0.06, confidence=0.95, expected_rate=0.02), 127, 3),
        (dict(tolerable=0.10, confidence=0.95, expected_rate=0.02), 46, 1),
    ],
)
def test_reference_sample_sizes(kwargs, n, k):
    result = plan_sample_size(**kwargs)
    assert (result.n, result.expected_errors) == (n, k)
    assert result.upper_bound < kwargs["tolerable"]


def test_binomial_boundary_is_exact():
    assert beta.ppf(0.95, 2, 92) == pytest.approx(0.049994, abs=1e-6)  # n = 93, k = 1: just below 5 %
    assert beta.ppf(0.95, 2, 91) > 0.05  # n = 92 is not enough
    result = plan_sample_size(0.05, 0.95, expected_errors=1)
    assert result.upper_bound == pytest.approx(0.049994, abs=1e-6)


def test_hypergeometric_rule_and_bound():
    result = plan_sample_size(0.05, 0.95, likelihood="hypergeometric", population=1000)
    assert result.population_errors == 50  # ⌈0.05 × 1000⌉
    assert hypergeom.cdf(0, 1000, 50, 57) < 0.05 <= hypergeom.cdf(0, 1000, 50, 56)
    assert result.upper_bound == 0.049  # 49 erroneous households of 1000 still consistent with 0 in 57
    assert result.to_json()["n"] == 57
    # a tiny population: the whole frame at most
    small = plan_sample_size(0.10, 0.95, likelihood="hypergeometric", population=20)
    assert small.n <= 20


def test_expected_rate_rounds_up_without_float_noise():
    # at n = 50, 0.14 × 50 = 7.000000000000001 in floating point; ⌈·⌉ must still give 7, not 8
    assert 0.14 * 50 > 7
    result = plan_sample_size(0.25, 0.95, expected_rate=0.14)
    assert (result.n, result.expected_errors) == (50, 7)
    assert beta.ppf(0.95, 8, 43) < 0.25 < beta.ppf(0.95, 8, 42)


def test_to_json_keys():
    data = plan_sample_size(0.05).to_json()
    assert {"n", "expected_errors", "upper_bound", "likelihood", "tolerable", "confidence"} <= set(data)
    assert data["likelihood_name"].startswith("二项分布")


@pytest.mark.parametrize(
    "kwargs,fragment",
    [
        (dict(tolerable=0), "可容忍错误率"),
        (dict(tolerable=1), "可容忍错误率"),
        (dict(tolerable=5), "可容忍错误率"),
        (dict(tolerable=0.05, confidence=95), "置信度"),
        (dict(tolerable=0.05, expected_errors=1, expected_rate=0.01), "只能给一个"),
        (dict(tolerable=0.05, expected_errors=-1), "非负整数"),
        (dict(tolerable=0.05, expected_rate=0.05), "须低于"),
        (dict(tolerable=0.05, likelihood="normal"), "未知的分布"),
        (dict(tolerable=0.05, likelihood="hypergeometric"), "总体户数"),
        (dict(tolerable=0.05, likelihood="hypergeometric", population=0), "总体户数"),
        (dict(tolerable=0.05, likelihood="hypergeometric", population=40, expected_errors=2), "无法达到"),
    ],
)
def test_invalid_arguments(kwargs, fragment):
    with pytest.raises(ValueError, match=fragment):
        plan_sample_size(**kwargs)


def _brute_force(t, c, K, R, likelihood, N):
    """The definition, household by household: the first n whose bound with k = K or ⌈R·n⌉ is below t."""
    from fupin_tui.scoring import clopper_pearson_upper, poisson_upper

    m_t = math.ceil(t * N - 1e-9) if N else None
    for n in range(1, (N or 100_000) + 1):
        k = K if R is None else math.ceil(R * n - 1e-9)
        if likelihood == "hypergeometric":
            passed = k <= n and hypergeom.cdf(k, N, m_t, n) < 1 - c
        elif likelihood == "poisson":
            passed = poisson_upper(k, n, c) < t - 1e-12 if k <= n else False
        else:
            passed = k < n and clopper_pearson_upper(k, n, c) < t - 1e-12
        if passed:
            return n, k
    return None


@settings(max_examples=40, deadline=None)
@given(
    st.sampled_from([0.05, 0.08, 0.1, 0.15, 0.2, 0.3]),
    st.sampled_from([0.8, 0.9, 0.95]),
    st.one_of(st.tuples(st.integers(0, 3), st.none()), st.tuples(st.none(), st.floats(0, 0.6))),
    st.sampled_from(["binomial", "poisson", "hypergeometric"]),
)
def test_search_equals_the_definition(t, c, errors, likelihood):
    K, fraction = errors
    R = None if fraction is None else round(fraction * t, 4)
    N = 800 if likelihood == "hypergeometric" else None
    expected = _brute_force(t, c, K, R, likelihood, N)
    try:
        result = plan_sample_size(t, c, expected_errors=K, expected_rate=R, likelihood=likelihood, population=N)
    except ValueError:
        assert expected is None
    else:
        assert (result.n, result.expected_errors) == expected
