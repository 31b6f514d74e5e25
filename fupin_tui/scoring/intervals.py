"""Household error rates and their confidence bounds (pure: counts in, fractions out).

Every function here takes counts of households and returns fractions in 0..1 (never percentages).
``k`` is the number of reviewed households with at least one confirmed issue, ``n`` the number of households
reviewed, ``population`` (``N``) the number of households in the frame the sample was drawn from.

Sources:
- Clopper, C. J. & Pearson, E. S. (1934), "The use of confidence or fiducial limits illustrated in the case of the
  binomial", Biometrika 26(4): 404–413 — the exact binomial interval, written with Beta quantiles.
- AICPA Audit Guide *Audit Sampling*, attribute-sampling tables (sample sizes and upper deviation limits) — the
  one-sided upper bound and its Poisson approximation (Gamma(k+1) quantile ÷ n).
- The hypergeometric (finite-population) bound is the exact version for sampling without replacement from N.
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.stats import beta, gamma, hypergeom

__all__ = [
    "LIKELIHOODS",
    "RATE_TOLERANCE",
    "RateInterval",
    "check_confidence",
    "check_counts",
    "clopper_pearson",
    "clopper_pearson_lower",
    "clopper_pearson_lower_many",
    "clopper_pearson_upper",
    "clopper_pearson_upper_many",
    "error_rate",
    "hypergeometric_interval",
    "hypergeometric_lower",
    "hypergeometric_upper",
    "poisson_upper",
    "rate_with_interval",
    "upper_bound",
]

#: Absolute slack when a computed rate is compared with a limit (a band's upper limit, a tolerable rate), so
#: float noise (0.1 + 0.2 style) never flips a decision: "at or below" means ≤ limit + RATE_TOLERANCE and
#: "below" means < limit − RATE_TOLERANCE. Far smaller than any real margin (the closest reference case, 1 error
#: in 93 households at 95 %, sits 6e-6 below 5 %).
RATE_TOLERANCE = 1e-12

#: Likelihood ids accepted by :func:`upper_bound` and the planner, with their Chinese names.
LIKELIHOODS: dict[str, str] = {
    "binomial": "二项分布（Clopper–Pearson）",
    "poisson": "泊松近似",
    "hypergeometric": "超几何分布（有限总体）",
}


def check_confidence(confidence: float) -> float:
    """Return ``confidence`` as a float; raise ValueError unless 0 < confidence < 1 (e.g. 0.95, not 95)."""
    try:
        c = float(confidence)
    except (TypeError, ValueError):
        raise ValueError(f"置信度须为 0 与 1 之间的小数（如 0.95），收到 {confidence!r}") from None
    if not 0.0 < c < 1.0 or math.isnan(c):
        raise ValueError(f"置信度须为 0 与 1 之间的小数（如 0.95），收到 {confidence!r}")
    return c


def check_counts(k: int, n: int, population: int | None = None) -> tuple[int, int]:
    """Validate household counts: integers with 0 ≤ k ≤ n (≤ population when given). Returns ``(k, n)``.

    Raises ValueError (Chinese message) for non-integers, negatives, k > n or n > population.
    """
    try:
        k_i, n_i = operator.index(k), operator.index(n)
    except TypeError:
        raise ValueError(f"户数须为整数，收到 有问题户数={k!r}、复核户数={n!r}") from None
    if n_i < 0 or k_i < 0:
        raise ValueError(f"户数不能为负：有问题户数={k_i}、复核户数={n_i}")
    if k_i > n_i:
        raise ValueError(f"有问题户数 {k_i} 大于复核户数 {n_i}")
    if population is not None:
        try:
            N = operator.index(population)
        except TypeError:
            raise ValueError(f"总体户数须为整数，收到 {population!r}") from None
        if N < n_i:
            raise ValueError(f"复核户数 {n_i} 大于总体户数 {N}")
    return k_i, n_i


def _need_sample(n: int) -> None:
    if n == 0:
        raise ValueError("复核户数为 0，无法计算置信界")


def error_rate(k: int, n: int) -> float | None:
    """Household error rate ``k / n`` as a fraction; ``None`` when nothing was reviewed (n = 0)."""
    k, n = check_counts(k, n)
    return None if n == 0 else k / n


def clopper_pearson(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Two-sided exact (Clopper–Pearson 1934) interval ``(low, high)`` for a binomial proportion.

    low = Beta(α/2; k, n−k+1) quantile (0 when k = 0), high = Beta(1−α/2; k+1, n−k) quantile (1 when k = n),
    α = 1 − confidence. Fractions 0..1. Raises ValueError for invalid counts or n = 0.
    """
    k, n = check_counts(k, n)
    _need_sample(n)
    alpha = 1.0 - check_confidence(confidence)
    low = 0.0 if k == 0 else float(beta.ppf(alpha / 2, k, n - k + 1))
    high = 1.0 if k == n else float(beta.ppf(1 - alpha / 2, k + 1, n - k))
    return low, high


def clopper_pearson_upper(k: int, n: int, confidence: float = 0.95) -> float:
    """One-sided exact upper bound: the Beta(k+1, n−k) quantile at ``confidence`` (1 when k = n).

    For k = 0 this is 1 − (1 − confidence)^(1/n); e.g. 0 errors in 60 households at 95 % → 0.0487,
    1 error in 100 → 0.04656 (AICPA attribute tables). Raises ValueError for invalid counts or n = 0.
    """
    k, n = check_counts(k, n)
    _need_sample(n)
    c = check_confidence(confidence)
    return 1.0 if k == n else float(beta.ppf(c, k + 1, n - k))


def clopper_pearson_lower(k: int, n: int, confidence: float = 0.95) -> float:
    """One-sided exact lower bound: the Beta(k, n−k+1) quantile at 1 − ``confidence`` (0 when k = 0).

    The rate is above it with probability ``confidence``: e.g. 1 error in 1 household at 95 % → 0.05, 9 in 60 →
    0.0801. Raises ValueError for invalid counts or n = 0.
    """
    k, n = check_counts(k, n)
    _need_sample(n)
    c = check_confidence(confidence)
    return 0.0 if k == 0 else float(beta.ppf(1.0 - c, k, n - k + 1))


def clopper_pearson_lower_many(k: np.ndarray, n: np.ndarray, confidence: float) -> np.ndarray:
    """Vectorised :func:`clopper_pearson_lower` for integer arrays with 0 ≤ k ≤ n, n ≥ 1 (not re-validated)."""
    bound = np.zeros(np.shape(n))
    valid = k > 0
    bound[valid] = beta.ppf(1.0 - confidence, k[valid], n[valid] - k[valid] + 1)
    return bound


def clopper_pearson_upper_many(k: np.ndarray, n: np.ndarray, confidence: float) -> np.ndarray:
    """Vectorised :func:`clopper_pearson_upper` for integer arrays with 0 ≤ k ≤ n, n ≥ 1 (not re-validated):
    used by the searches over many sample sizes."""
    bound = np.ones(np.shape(n))
    valid = k < n
    bound[valid] = beta.ppf(confidence, k[valid] + 1, n[valid] - k[valid])
    return bound


def poisson_upper(k: int, n: int, confidence: float = 0.95) -> float:
    """One-sided Poisson upper bound: Gamma(k+1) quantile at ``confidence`` ÷ n (may exceed 1 for tiny n).

    The approximation behind the AICPA evaluation tables; 1 error in 100 at 95 % → 0.04744.
    Raises ValueError for invalid counts or n = 0.
    """
    k, n = check_counts(k, n)
    _need_sample(n)
    c = check_confidence(confidence)
    return float(gamma.ppf(c, k + 1)) / n


def check_population(population: int | None) -> int:
    """Validate the population size N (households in the frame) of a finite-population bound: a positive integer.
    Raises ValueError (Chinese message) when it is missing, not an integer or below 1."""
    if population is None:
        raise ValueError("超几何（有限总体）界需要总体户数 population")
    try:
        N = operator.index(population)
    except TypeError:
        raise ValueError(f"总体户数须为整数，收到 {population!r}") from None
    if N < 1:
        raise ValueError(f"总体户数须为正整数，收到 {N}")
    return N


def _largest_m(pred, lo: int, hi: int) -> int:
    """Largest m in [lo, hi] with pred(m) true, for pred true at lo and monotone (true … true false … false)."""
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if pred(mid):
            lo = mid
        else:
            hi = mid - 1
    return lo


def hypergeometric_upper(k: int, n: int, population: int, confidence: float = 0.95) -> float:
    """Exact finite-population one-sided upper bound ``M_U / N``.

    M_U is the largest number of erroneous households in the population of N that the sample does not reject:
    P(X ≤ k | N, M, n) ≥ 1 − confidence, X hypergeometric. (The planner calls n sufficient once the tolerable
    count ⌈t·N⌉ is rejected, i.e. P < 1 − confidence, so its result always has bound < t.)
    Raises ValueError when population is missing/invalid, counts are invalid or n = 0.
    """
    N = check_population(population)
    k, n = check_counts(k, n, N)
    _need_sample(n)
    alpha = 1.0 - check_confidence(confidence)
    # M can be at most N − (n − k): the n − k clean sampled households are clean in the population.
    m_u = _largest_m(lambda m: hypergeom.cdf(k, N, m, n) >= alpha, k, N - (n - k))
    return m_u / N


def _smallest_m(k: int, N: int, n: int, alpha: float, top: int) -> int:
    """Smallest M in [k, top] with P(X ≥ k | N, M, n) ≥ alpha (that probability rises with M)."""
    lo, hi = k, top
    while lo < hi:
        mid = (lo + hi) // 2
        if hypergeom.sf(k - 1, N, mid, n) >= alpha:
            hi = mid
        else:
            lo = mid + 1
    return lo


def hypergeometric_lower(k: int, n: int, population: int, confidence: float = 0.95) -> float:
    """Exact finite-population one-sided lower bound ``M_L / N``: M_L is the smallest number of erroneous
    households in the population of N that the sample does not reject from above, P(X ≥ k | N, M, n) ≥
    1 − confidence. 0 when k = 0. Raises as :func:`hypergeometric_upper`."""
    N = check_population(population)
    k, n = check_counts(k, n, N)
    _need_sample(n)
    alpha = 1.0 - check_confidence(confidence)
    return _smallest_m(k, N, n, alpha, N - (n - k)) / N


def hypergeometric_interval(k: int, n: int, population: int, confidence: float = 0.95) -> tuple[float, float]:
    """Two-sided exact finite-population interval ``(M_L / N, M_U / N)`` at ``confidence``.

    M_L = smallest M with P(X ≥ k | M) ≥ α/2, M_U = largest M with P(X ≤ k | M) ≥ α/2. Raises as
    :func:`hypergeometric_upper`.
    """
    N = check_population(population)
    k, n = check_counts(k, n, N)
    _need_sample(n)
    alpha = 1.0 - check_confidence(confidence)
    top = N - (n - k)
    m_u = _largest_m(lambda m: hypergeom.cdf(k, N, m, n) >= alpha / 2, k, top)
    # P(X ≥ k | M) rises with M: the smallest M where it reaches α/2 (mirror of _largest_m).
    return _smallest_m(k, N, n, alpha / 2, top) / N, m_u / N


def upper_bound(
    k: int, n: int, confidence: float = 0.95, likelihood: str = "binomial", population: int | None = None
) -> float:
    """One-sided upper bound on the error rate under ``likelihood`` (``binomial``, ``poisson``, ``hypergeometric``).

    Dispatches to :func:`clopper_pearson_upper`, :func:`poisson_upper` or :func:`hypergeometric_upper`
    (which needs ``population``). Raises ValueError for an unknown likelihood or invalid arguments.
    """
    if likelihood == "binomial":
        return clopper_pearson_upper(k, n, confidence)
    if likelihood == "poisson":
        return poisson_upper(k, n, confidence)
    if likelihood == "hypergeometric":
        return hypergeometric_upper(k, n, population, confidence)  # type: ignore[arg-type]
    raise ValueError(f"未知的分布 {likelihood!r}，可选：{', '.join(LIKELIHOODS)}")


@dataclass(frozen=True)
class RateInterval:
    """A household error rate with its exact interval, for one group (a category, a township, a stratum…).

    ``n`` households reviewed, ``x`` with an issue; ``rate`` = x/n; ``ci_low``/``ci_high`` two-sided
    Clopper–Pearson at ``confidence``; ``upper_bound`` one-sided at ``confidence``. All rates are ``None``
    when n = 0.
    """

    label: str
    n: int
    x: int
    rate: float | None
    ci_low: float | None
    ci_high: float | None
    upper_bound: float | None
    confidence: float

    def to_json(self) -> dict[str, Any]:
        """Plain dict with keys label, n, x, rate, ci_low, ci_high, upper_bound, confidence."""
        return {
            "label": self.label,
            "n": self.n,
            "x": self.x,
            "rate": self.rate,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "upper_bound": self.upper_bound,
            "confidence": self.confidence,
        }


def rate_with_interval(x: int, n: int, confidence: float = 0.95, label: str = "") -> RateInterval:
    """Rate x/n with its two-sided Clopper–Pearson interval and one-sided upper bound (None's when n = 0)."""
    x, n = check_counts(x, n)
    c = check_confidence(confidence)
    if n == 0:
        return RateInterval(label, 0, 0, None, None, None, None, c)
    low, high = clopper_pearson(x, n, c)
    return RateInterval(label, n, x, x / n, low, high, clopper_pearson_upper(x, n, c), c)
