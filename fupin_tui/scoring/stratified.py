"""Point estimate and bounds of a county's household error rate from a (possibly stratified) sample.

Input: one :class:`StratumCounts` per sampling stratum (N_h households in the frame, n_h reviewed, x_h with an
issue). Weights W_h = N_h / N; the point estimate is Σ W_h · x_h/n_h (for a proportional sample, n_h ∝ N_h, it
equals the unweighted x/n). Methods for the bounds (ids in :data:`METHODS`):

- ``clopper_pearson`` — the sample treated as one simple random sample: pooled x/n with the exact interval
  (Clopper & Pearson 1934). Right for an unstratified or proportional sample.
- ``hypergeometric`` — the same, exact for sampling without replacement from N = Σ N_h households.
- ``korn_graubard`` — Clopper–Pearson at an effective sample size (Korn & Graubard 1998, "Confidence intervals
  for proportions with small expected number of positive counts estimated from survey data", Survey Methodology
  24(2)): n* = p̂(1 − p̂)/Var̂ with the stratified Var̂ below, capped at n (conservative); when Var̂ = 0 (no errors)
  n* = 1/Σ W_h²/n_h (Kish's effective size, = n for a proportional sample); x* = n*·p̂, and the Beta quantiles of
  the exact interval are taken at (x*, n*). No degrees-of-freedom adjustment.
- ``beta_posterior`` — per stratum, draws of p_h from its Beta posterior, combined as Σ W_h p_h; bounds are
  quantiles of the combined draws (one-sided upper: the ``confidence`` quantile, one-sided lower: the α quantile;
  two-sided: α/2 and 1 − α/2).
  Prior ``uniform`` (the default): Beta(x_h+1, n_h−x_h+1); ``jeffreys``: Beta(x_h+½, n_h−x_h+½). Draws come from
  ``numpy.random.default_rng(seed)`` with a fixed seed, strata taken in name order, so a result is reproducible.
  With one stratum and no errors the uniform-prior bound is 1 − α^(1/(n+1)), a hair below Clopper–Pearson's
  1 − α^(1/n). The finite-population correction is not applied (sampling fractions of a county review are small).
  Caution: independent per-stratum priors add up. With many small strata the prior dominates: 10 strata of 15
  households, no errors → uniform-prior upper bound 9.0 % (Jeffreys 5.6 %), against 1.98 % for the pooled exact
  bound. A warning says so when a stratum has fewer than 50 households reviewed.
- ``normal_fpc`` — normal approximation: Var̂ = Σ W_h² (1 − n_h/N_h) p_h(1 − p_h)/(n_h − 1), bounds p̂ ± z·√Var̂,
  clipped to [0, 1] (one-sided bounds p̂ ± z_c·√Var̂). Gives a zero-width interval when no errors are found: only a
  cross-check.
- ``auto`` — ``clopper_pearson`` when one stratum is reviewed, the stratum sizes are unknown, or the allocation is
  proportional (every |n_h − n·W_h| ≤ 1: a proportional stratified sample is at least as precise as a simple
  random one, so the pooled exact bound is conservative); otherwise ``korn_graubard``.

Strata with nothing reviewed yet are left out of the estimate (weights renormalised over the reviewed strata) and
named in ``warnings``.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.stats import beta, norm

from .intervals import (
    check_confidence,
    check_counts,
    clopper_pearson,
    clopper_pearson_lower,
    clopper_pearson_upper,
    hypergeometric_interval,
    hypergeometric_lower,
    hypergeometric_upper,
)

__all__ = [
    "DEFAULT_DRAWS",
    "DEFAULT_SEED",
    "METHODS",
    "POSTERIORS",
    "StratifiedEstimate",
    "StratumCounts",
    "stratified_estimate",
]

DEFAULT_SEED = 20160101
DEFAULT_DRAWS = 100_000

#: Method id → Chinese name (the report states both).
METHODS: dict[str, str] = {
    "clopper_pearson": "Clopper–Pearson 精确区间（按简单随机样本合并计算）",
    "hypergeometric": "超几何精确区间（有限总体，按简单随机样本合并计算）",
    "korn_graubard": "分层有效样本量 Clopper–Pearson 区间（Korn–Graubard）",
    "beta_posterior": "分层 Beta 后验模拟",
    "normal_fpc": "分层正态近似（含有限总体校正）",
}
#: Prior id → (a0, b0, Chinese description): posterior Beta(x + a0, n − x + b0).
POSTERIORS: dict[str, tuple[float, float, str]] = {
    "uniform": (1.0, 1.0, "Beta(x+1, n−x+1)（均匀先验）"),
    "jeffreys": (0.5, 0.5, "Beta(x+0.5, n−x+0.5)（Jeffreys 先验）"),
}


@dataclass(frozen=True)
class StratumCounts:
    """Counts of one sampling stratum.

    ``population`` N_h: households in the stratum's frame (None when unknown — then for all strata);
    ``reviewed`` n_h and ``with_issues`` x_h: households; ``weighted_issues``: Σ over reviewed households of
    the weight of each one's heaviest issue (一般 0.5, 严重 1), optional.
    """

    name: str
    population: int | None
    reviewed: int
    with_issues: int
    weighted_issues: float | None = None

    @property
    def rate(self) -> float | None:
        """x_h / n_h, None when nothing reviewed."""
        return None if self.reviewed == 0 else self.with_issues / self.reviewed


@dataclass(frozen=True)
class StratifiedEstimate:
    """The estimate of a county's household error rate and its bounds (fractions 0..1; None when n = 0).

    ``estimate``: the point estimate (Σ W_h p_h, or pooled x/n for the pooled methods); ``weighted_estimate``:
    the same with severity weights (None unless every stratum gave weighted_issues); ``ci_low``/``ci_high``:
    two-sided at ``confidence``; ``upper_bound`` and ``lower_bound``: one-sided at ``confidence`` (the rate is at
    or below the first, and at or above the second, each with probability ``confidence``). ``method`` is the id
    actually used (``auto`` resolved), ``method_name`` its Chinese name, ``method_note`` a sentence for the report;
    ``weights`` aligns with ``strata`` (0 for a stratum not reviewed); ``proportional``: whether every
    |n_h − n·W_h| ≤ 1 (always True for one stratum or unknown sizes); ``effective_n``: n* of ``korn_graubard``.
    """

    estimate: float | None
    weighted_estimate: float | None
    ci_low: float | None
    ci_high: float | None
    upper_bound: float | None
    confidence: float
    method: str
    method_name: str
    method_note: str
    reviewed: int
    with_issues: int
    strata: tuple[StratumCounts, ...]
    weights: tuple[float, ...]
    proportional: bool = True
    warnings: tuple[str, ...] = ()
    effective_n: float | None = None
    posterior: str | None = None
    draws: int | None = None
    seed: int | None = None
    lower_bound: float | None = None

    @property
    def unweighted_rate(self) -> float | None:
        """Pooled x/n, None when nothing reviewed."""
        return None if self.reviewed == 0 else self.with_issues / self.reviewed

    def strata_json(self) -> list[dict[str, Any]]:
        """Per stratum: name, N, n, x, weighted_x, weight, rate, ci_low, ci_high (two-sided Clopper–Pearson)."""
        out = []
        for s, w in zip(self.strata, self.weights):
            low, high = clopper_pearson(s.with_issues, s.reviewed, self.confidence) if s.reviewed else (None, None)
            out.append(
                {
                    "name": s.name,
                    "N": s.population,
                    "n": s.reviewed,
                    "x": s.with_issues,
                    "weighted_x": s.weighted_issues,
                    "weight": w,
                    "rate": s.rate,
                    "ci_low": low,
                    "ci_high": high,
                }
            )
        return out


def _validate(strata: Sequence[StratumCounts]) -> bool:
    """Check every stratum; return True when the stratum sizes are known."""
    if not strata:
        raise ValueError("没有任何层（strata 为空）")
    names = [s.name for s in strata]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise ValueError(f"层名重复：{'、'.join(map(str, dup))}")
    known = [s.population is not None for s in strata]
    if any(known) and not all(known):
        missing = [s.name for s in strata if s.population is None]
        raise ValueError(f"部分层缺少总体户数：{'、'.join(map(str, missing))}")
    for s in strata:
        try:
            check_counts(s.with_issues, s.reviewed, s.population)
        except ValueError as exc:
            raise ValueError(f"层「{s.name}」：{exc}") from None
        if s.weighted_issues is not None and not (0 <= s.weighted_issues <= s.with_issues + 1e-9):
            raise ValueError(f"层「{s.name}」：加权问题户数 {s.weighted_issues} 须在 0 与有问题户数 {s.with_issues} 之间")
    return all(known)


def _stratified_variance(active: Sequence[StratumCounts], w_of: dict[str, float], known: bool) -> float:
    """Σ W_h² (1 − n_h/N_h) p_h(1 − p_h)/(n_h − 1); strata with n_h = 1 add nothing; no FPC when sizes unknown."""
    var = 0.0
    for s in active:
        if s.reviewed > 1:
            p = s.with_issues / s.reviewed
            fpc = 1 - s.reviewed / s.population if known and s.population else 1.0
            var += w_of[s.name] ** 2 * fpc * p * (1 - p) / (s.reviewed - 1)
    return var


def _exact_at(x: float, n: float, c: float) -> tuple[float, float, float, float]:
    """Clopper–Pearson (low, high, one-sided upper, one-sided lower) at possibly non-integer counts x ≤ n, n > 0."""
    alpha = 1 - c
    if x >= n:
        return (float(beta.ppf(alpha / 2, x, 1.0)), 1.0, 1.0, float(beta.ppf(alpha, x, 1.0)))
    low = 0.0 if x <= 0 else float(beta.ppf(alpha / 2, x, n - x + 1))
    lower = 0.0 if x <= 0 else float(beta.ppf(alpha, x, n - x + 1))
    return low, float(beta.ppf(1 - alpha / 2, x + 1, n - x)), float(beta.ppf(c, x + 1, n - x)), lower


def stratified_estimate(
    strata: Sequence[StratumCounts],
    confidence: float = 0.95,
    method: str = "auto",
    *,
    posterior: str = "uniform",
    draws: int = DEFAULT_DRAWS,
    seed: int = DEFAULT_SEED,
) -> StratifiedEstimate:
    """Estimate the household error rate with bounds by ``method`` (see the module docstring).

    Args: ``strata`` (at least one; unique names; all or none with population), ``confidence`` in (0, 1),
    ``method`` in :data:`METHODS` or ``auto``; for ``beta_posterior``: ``posterior`` (uniform | jeffreys),
    ``draws`` (≥ 1000) and ``seed`` (int ≥ 0).

    Raises ValueError (Chinese) for invalid counts (x > n, n > N, negatives), duplicate names, partly missing
    populations, an unknown method/prior, or ``hypergeometric`` without populations.
    """
    c = check_confidence(confidence)
    alpha = 1.0 - c
    strata = tuple(strata)
    known = _validate(strata)
    if method != "auto" and method not in METHODS:
        raise ValueError(f"未知的估计方法 {method!r}，可选：auto、{'、'.join(METHODS)}")
    if posterior not in POSTERIORS:
        raise ValueError(f"未知的先验 {posterior!r}，可选：{'、'.join(POSTERIORS)}")
    if method == "hypergeometric" and not known:
        raise ValueError("超几何方法需要各层的总体户数")

    active = [s for s in strata if s.reviewed > 0]
    warnings = [
        f"层「{s.name}」（{s.population} 户）尚未复核，估计只覆盖已复核的层，权重按已复核层重新归一"
        for s in strata
        if s.reviewed == 0 and (s.population or 0) > 0
    ]
    n = sum(s.reviewed for s in strata)
    x = sum(s.with_issues for s in strata)
    size = {s.name: (s.population if known else s.reviewed) for s in active}
    total = sum(size.values())  # type: ignore[arg-type]
    weights = tuple((size[s.name] / total if total else 0.0) if s.reviewed > 0 else 0.0 for s in strata)
    w_of = dict(zip((s.name for s in strata), weights))
    proportional = all(abs(s.reviewed - n * w_of[s.name]) <= 1 for s in active)
    if method == "auto":
        method = "clopper_pearson" if len(active) <= 1 or not known or proportional else "korn_graubard"
    all_weighted = all(s.weighted_issues is not None for s in strata)

    def result(estimate, weighted, low, high, upper, note, **extra) -> StratifiedEstimate:
        return StratifiedEstimate(
            estimate, weighted, low, high, upper, c, method, METHODS[method], note, n, x, strata, weights,
            proportional, tuple(warnings), **extra,
        )

    if n == 0:
        return result(None, None, None, None, None, "尚未复核任何农户")

    if method in ("clopper_pearson", "hypergeometric"):
        weighted = sum(s.weighted_issues for s in strata) / n if all_weighted else None  # type: ignore[misc]
        if not proportional:
            strat = sum(w_of[s.name] * s.with_issues / s.reviewed for s in active)
            warnings.append(f"样本未按比例分配，合并计算忽略了分层权重；按层加权的估计为 {strat:.2%}")
        if method == "clopper_pearson":
            low, high = clopper_pearson(x, n, c)
            note = f"全部 {n} 户按简单随机样本合并，用 Clopper–Pearson 精确方法计算置信界"
            return result(x / n, weighted, low, high, clopper_pearson_upper(x, n, c), note,
                          lower_bound=clopper_pearson_lower(x, n, c))
        N = sum(s.population for s in strata)  # type: ignore[misc]
        low, high = hypergeometric_interval(x, n, N, c)
        note = f"全部 {n} 户按从 {N} 户中不放回简单随机抽样，用超几何分布精确计算置信界"
        return result(x / n, weighted, low, high, hypergeometric_upper(x, n, N, c), note,
                      lower_bound=hypergeometric_lower(x, n, N, c))

    estimate = sum(w_of[s.name] * s.with_issues / s.reviewed for s in active)
    weighted = (
        sum(w_of[s.name] * s.weighted_issues / s.reviewed for s in active)  # type: ignore[operator]
        if all_weighted
        else None
    )
    var = _stratified_variance(active, w_of, known)

    if method == "korn_graubard":
        if var > 0:
            n_eff = min(float(n), estimate * (1 - estimate) / var)
        else:
            n_eff = 1.0 / sum(w_of[s.name] ** 2 / s.reviewed for s in active)
        low, high, upper, lower = _exact_at(n_eff * estimate, n_eff, c)
        note = (
            f"按层权重 N_h/N 加权估计，以有效样本量 n*={n_eff:.1f} 户（不超过实际复核户数）代入 Clopper–Pearson "
            "精确区间（Korn & Graubard 1998）"
        )
        return result(estimate, weighted, low, high, upper, note, effective_n=n_eff, lower_bound=lower)

    if method == "beta_posterior":
        try:
            draws_i, seed_i = operator.index(draws), operator.index(seed)
        except TypeError:
            raise ValueError(f"模拟次数与随机种子须为整数，收到 draws={draws!r}、seed={seed!r}") from None
        if draws_i < 1000 or seed_i < 0:
            raise ValueError(f"模拟次数须不少于 1000、随机种子须为非负整数，收到 draws={draws_i}、seed={seed_i}")
        a0, b0, prior_text = POSTERIORS[posterior]
        small = [s.name for s in active if s.reviewed < 50]
        if len(active) > 1 and small:
            warnings.append(
                f"{len(small)} 个层复核不足 50 户（如「{small[0]}」），各层先验叠加后上限明显偏保守，"
                "可改用 korn_graubard 方法对照"
            )
        rng = np.random.default_rng(seed_i)
        combined = np.zeros(draws_i)
        for s in sorted(active, key=lambda s: s.name):
            combined += w_of[s.name] * rng.beta(s.with_issues + a0, s.reviewed - s.with_issues + b0, size=draws_i)
        low, high, upper, lower = (float(q) for q in np.quantile(combined, [alpha / 2, 1 - alpha / 2, c, alpha]))
        note = (
            f"各层错误率取 {prior_text}后验，按层权重 N_h/N 加权合成，模拟 {draws_i} 次（随机种子 {seed_i}）；"
            f"单侧上限取 {c:.0%} 分位数，双侧区间取 {alpha / 2:.1%} 与 {1 - alpha / 2:.1%} 分位数"
        )
        return result(estimate, weighted, low, high, upper, note, posterior=posterior, draws=draws_i, seed=seed_i,
                      lower_bound=lower)

    # normal_fpc
    se = math.sqrt(var)
    z2, z1 = float(norm.ppf(1 - alpha / 2)), float(norm.ppf(c))
    if se == 0:
        warnings.append("正态近似的标准误为 0（各层错误率均为 0 或 1），区间宽度为零，不宜据此评定")
    note = "各层方差 W_h²(1−n_h/N_h)p_h(1−p_h)/(n_h−1) 相加，按正态近似计算置信界" + (
        "" if known else "（总体户数未知，未作有限总体校正）"
    )
    return result(
        estimate, weighted, max(0.0, estimate - z2 * se), min(1.0, estimate + z2 * se),
        min(1.0, estimate + z1 * se), note, lower_bound=max(0.0, estimate - z1 * se),
    )
