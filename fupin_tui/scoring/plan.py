"""Attribute-sampling sample size (``fupin plan``): the smallest number of households to review.

Given a tolerable household error rate t, a confidence c and the errors one expects to find (a count K, or a rate R
giving k = ⌈R·n⌉), the sample size is the smallest n whose one-sided upper bound on the error rate, computed as if
exactly k errors were found, is *below* t. So a review that finds no more than the expected errors can state
"error rate < t at confidence c".

Likelihoods:
- ``binomial``: Clopper–Pearson bound, Beta(k+1, n−k) quantile (the AICPA attribute tables: 95 %, 0 expected errors
  → 149 at t = 2 %, 59 at 5 %, 29 at 10 %; 1 expected error at 5 % → 93);
- ``poisson``: Gamma(k+1) quantile ÷ n (5 %, 95 %, 0 errors → 60);
- ``hypergeometric``: a population of N households holding ⌈t·N⌉ errors; n is the smallest size at which
  P(X ≤ k) < 1 − c (N = 1000, 5 %, 95 %, 0 errors → 57).

Source: AICPA Audit Guide *Audit Sampling*, statistical sample sizes for tests of controls (attribute tables).
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.stats import gamma, hypergeom

from .intervals import (
    LIKELIHOODS,
    RATE_TOLERANCE,
    check_confidence,
    check_population,
    clopper_pearson_upper,
    clopper_pearson_upper_many,
    hypergeometric_upper,
)

__all__ = ["PlanResult", "plan_sample_size"]

#: Largest sample size searched when no population bounds it.
MAX_SAMPLE_SIZE = 10_000_000


@dataclass(frozen=True)
class PlanResult:
    """The planned sample size and the figures behind it.

    ``n``: households to review; ``expected_errors``: k used at that n (K, or ⌈R·n⌉); ``upper_bound``: the
    one-sided bound (fraction) at (k, n) under ``likelihood``, always < ``tolerable``; ``population`` and
    ``population_errors`` (⌈t·N⌉) only for the hypergeometric likelihood (population is kept as given otherwise).
    """

    n: int
    expected_errors: int
    upper_bound: float
    likelihood: str
    tolerable: float
    confidence: float
    expected_rate: float | None = None
    population: int | None = None
    population_errors: int | None = None

    @property
    def likelihood_name(self) -> str:
        """Chinese name of the likelihood, e.g. 二项分布（Clopper–Pearson）."""
        return LIKELIHOODS[self.likelihood]

    def to_json(self) -> dict[str, Any]:
        """Dict for ``fupin plan --json``: n, expected_errors, upper_bound, likelihood, likelihood_name,
        tolerable, confidence, expected_rate, population, population_errors (rates as fractions)."""
        return {
            "n": self.n,
            "expected_errors": self.expected_errors,
            "upper_bound": self.upper_bound,
            "likelihood": self.likelihood,
            "likelihood_name": self.likelihood_name,
            "tolerable": self.tolerable,
            "confidence": self.confidence,
            "expected_rate": self.expected_rate,
            "population": self.population,
            "population_errors": self.population_errors,
        }


def _fraction(value: Any, what: str, *, low_open: bool = True) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{what}须为 0 与 1 之间的小数，收到 {value!r}") from None
    ok = (0.0 < v < 1.0) if low_open else (0.0 <= v < 1.0)
    if not ok or math.isnan(v):
        raise ValueError(f"{what}须为 0 与 1 之间的小数（如 0.05 表示 5%），收到 {value!r}")
    return v


def plan_sample_size(
    tolerable: float,
    confidence: float = 0.95,
    expected_errors: int | None = None,
    expected_rate: float | None = None,
    likelihood: str = "binomial",
    population: int | None = None,
) -> PlanResult:
    """Smallest n whose one-sided upper bound with k expected errors is below ``tolerable``.

    Args:
        tolerable: tolerable household error rate t, a fraction in (0, 1).
        confidence: c in (0, 1), e.g. 0.95.
        expected_errors: K, errors expected in the whole sample (integer ≥ 0); or
        expected_rate: R in [0, t), giving k = ⌈R·n⌉ at each n. Give at most one; neither means K = 0.
        likelihood: ``binomial`` | ``poisson`` | ``hypergeometric``.
        population: N households in the frame; required for ``hypergeometric`` (n ≤ N), kept as given otherwise.

    Returns: :class:`PlanResult`.

    Raises: ValueError (Chinese message) for t or c outside (0, 1), both K and R given, K negative, R ≥ t,
    unknown likelihood, missing/invalid population for hypergeometric, or when no n (≤ N, or ≤ 10⁷) works,
    e.g. K ≥ ⌈t·N⌉.
    """
    t = _fraction(tolerable, "可容忍错误率")
    c = check_confidence(confidence)
    if likelihood not in LIKELIHOODS:
        raise ValueError(f"未知的分布 {likelihood!r}，可选：{', '.join(LIKELIHOODS)}")
    if expected_errors is not None and expected_rate is not None:
        raise ValueError("预期错误户数与预期错误率只能给一个")
    K: int | None = None
    R: float | None = None
    if expected_rate is not None:
        R = _fraction(expected_rate, "预期错误率", low_open=False)
        if R >= t:
            raise ValueError(f"预期错误率 {R:g} 须低于可容忍错误率 {t:g}")
    else:
        try:
            K = 0 if expected_errors is None else operator.index(expected_errors)
        except TypeError:
            raise ValueError(f"预期错误户数须为非负整数，收到 {expected_errors!r}") from None
        if K < 0:
            raise ValueError(f"预期错误户数须为非负整数，收到 {K}")
    N = check_population(population) if population is not None else None
    alpha = 1.0 - c
    m_t: int | None = None
    if likelihood == "hypergeometric":
        if N is None:
            raise ValueError("超几何分布需要总体户数（population / --population）")
        m_t = math.ceil(t * N - 1e-9)  # errors a population at the tolerable rate holds
        if K is not None and K >= m_t:
            raise ValueError(f"预期错误户数 {K} 不少于总体在可容忍错误率下的错误户数 {m_t}，无法达到")
    n_max = N if likelihood == "hypergeometric" else MAX_SAMPLE_SIZE

    def ok(k: np.ndarray, n: np.ndarray) -> np.ndarray:
        """Whether k errors in n households bound the rate below t (vectorised; monotone in n for a fixed k)."""
        if likelihood == "hypergeometric":
            return hypergeom.cdf(k, N, m_t, n) < alpha
        if likelihood == "poisson":
            return gamma.ppf(c, k + 1) / n < t - RATE_TOLERANCE
        return clopper_pearson_upper_many(k, n, c) < t - RATE_TOLERANCE

    def ok1(k: int, n: int) -> bool:
        return bool(ok(np.array([k]), np.array([n]))[0])

    def first_n(k: int, lo: int, hi: int) -> int:
        """Smallest n in [lo, hi] with ok(k, n), given ok(k, hi)."""
        while lo < hi:
            mid = (lo + hi) // 2
            if ok1(k, mid):
                hi = mid
            else:
                lo = mid + 1
        return lo

    def done(n: int, k: int) -> PlanResult:
        if likelihood == "hypergeometric":
            ub = hypergeometric_upper(k, n, N, c)  # type: ignore[arg-type]
        elif likelihood == "poisson":
            ub = float(gamma.ppf(c, k + 1)) / n
        else:
            ub = clopper_pearson_upper(k, n, c)
        return PlanResult(n, k, ub, likelihood, t, c, R, N, m_t)

    not_found = ValueError(
        f"{f'总体 {N} 户' if likelihood == 'hypergeometric' else f'{n_max} 户'}以内找不到满足条件的样本量"
        f"（可容忍错误率 {t:g}，置信度 {c:g}）"
    )
    if not R:  # a fixed number of errors: ok is monotone in n, so gallop then bisect
        k = K or 0
        lo, hi = 1, min(k + 1, n_max)
        while not ok1(k, hi):
            if hi >= n_max:
                raise not_found
            lo, hi = hi + 1, min(2 * hi, n_max)
        return done(first_n(k, lo, hi), k)

    # k = ⌈R·n⌉ (minus a hair, so that 0.14 × 50 = 7.000000000000001 counts as 7) steps up with n, and within
    # the run of n sharing one k the bound falls. So the answer lies in the first run whose last n passes:
    # check the runs' last n a chunk of k at a time, then bisect inside that run.
    def k_of(n: np.ndarray) -> np.ndarray:
        return np.ceil(R * n - 1e-9).astype(np.int64)

    k0, prev_last, chunk = int(k_of(np.array([1]))[0]), 0, 64
    while prev_last < n_max:
        ks = np.arange(k0, k0 + chunk, dtype=np.int64)
        last = np.floor((ks + 1e-9) / R).astype(np.int64)  # last n of each run, then corrected exactly
        last = np.where(k_of(last + 1) == ks, last + 1, last)
        last = np.minimum(np.where(k_of(last) > ks, last - 1, last), n_max)
        good = ok(ks, last)
        if good.any():
            i = int(np.argmax(good))
            first = int(last[i - 1]) + 1 if i else prev_last + 1
            return done(first_n(int(ks[i]), first, int(last[i])), int(ks[i]))
        k0, prev_last, chunk = k0 + chunk, int(last[-1]), min(2 * chunk, 65536)
    raise not_found
