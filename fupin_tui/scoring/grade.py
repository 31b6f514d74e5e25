"""The county grade (等级评定): the point estimate gives the band, the one-sided bounds say whether it is settled.

Issue 6: "the point estimate gives the band, and the one-sided upper bound gives the band the county is guaranteed
at that confidence; the grade is settled when the two agree". That is the rule here, with one addition where the
agreement says nothing: for the worst band (不合格) the guarantee "at least 不合格" is always true, so 不合格 is
settled only when the one-sided LOWER bound also rules out the next better band (lower bound > 合格's 10 %).

- guaranteed band = the worse of the point band and the band of the one-sided UPPER bound (after hard-error caps):
  the county is at least this good with probability ``confidence``;
- best possible band = the band of the one-sided LOWER bound (after caps): the county is at most this good (shown
  to inspectors as "至多为…", and in JSON ``best_grade``);
- settled ⇔ grade == guaranteed band, and for the worst band also grade == best possible band. A confirmed hard
  error (cap) rules out the bands better than the cap, so a capped 不合格 needs no lower bound.

Otherwise the grade is *pending* (待定). :func:`households_to_settle` says how many more households, at the current
error rate, would settle it: 60 households without an error bound the rate at 4.87 % (95 %), so 优秀 (≤ 2 %) cannot
be settled and only 良好 is guaranteed; 149 households without an error would settle 优秀 (89 more). One household
reviewed with an error (rate 100 %, one-sided lower bound 5 %) is 不合格 but pending: 良好 is not excluded yet; a
second household with an error settles it (lower bound 22.4 % > 10 %).

Entry points: :func:`evaluate` (per-stratum counts) and :func:`evaluate_households` (one outcome per reviewed
household, what the database side has at hand), both returning a :class:`GradeResult`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.stats import hypergeom

from fupin_tui.glossary import cap_label

from .intervals import (
    RATE_TOLERANCE,
    RateInterval,
    check_confidence,
    check_counts,
    clopper_pearson_lower_many,
    clopper_pearson_upper_many,
    rate_with_interval,
)
from .rubric import Rubric, default_rubric
from .stratified import StratifiedEstimate, StratumCounts, stratified_estimate

__all__ = [
    "MAX_EXTRA_HOUSEHOLDS",
    "GradeDecision",
    "GradeResult",
    "HouseholdOutcome",
    "evaluate",
    "evaluate_households",
    "format_pct",
    "grade",
    "households_to_settle",
]

#: Largest number of additional households :func:`households_to_settle` searches when no population bounds it.
MAX_EXTRA_HOUSEHOLDS = 100_000
_NO_TOWNSHIP = "（未注明乡镇）"


def format_pct(rate: float | None, digits: int = 2) -> str:
    """A fraction as a percentage with at most ``digits`` decimals: 0.048703 → "4.87%", 0.02 → "2%", None → "—"."""
    if rate is None:
        return "—"
    text = f"{rate * 100:.{digits}f}".rstrip("0").rstrip(".")
    return f"{text}%"


def _pct_against(value: float, *limits: float) -> str:
    """``value`` as a percentage with enough decimals (2 to 4) not to read the same as any of ``limits``."""
    digits = 2
    while digits < 4 and any(value != x and format_pct(value, digits) == format_pct(x, digits) for x in limits):
        digits += 1
    return format_pct(value, digits)


@dataclass(frozen=True)
class GradeDecision:
    """The bands decided from a point estimate and its one-sided bounds (see the module docstring).

    ``grade``: final band (point band, capped); ``point_grade``: band of the point estimate before caps;
    ``bound_grade``: band of the upper bound before caps; ``guaranteed_grade``: the band guaranteed at the
    confidence level (worse of point and bound bands, capped); ``lower_grade``: band of the lower bound before caps;
    ``best_grade``: the best band the county may be in at the confidence (the lower bound's band, capped);
    ``settled``: grade == guaranteed_grade (and, for the worst band, == best_grade); ``caps_applied``: (cap key,
    band) pairs that matched.
    All None / False when nothing was reviewed.
    """

    grade: str | None
    point_grade: str | None
    bound_grade: str | None
    guaranteed_grade: str | None
    settled: bool
    caps_applied: tuple[tuple[str, str], ...] = ()
    lower_grade: str | None = None
    best_grade: str | None = None

    @property
    def status(self) -> str | None:
        """确定 / 待定, None when there is no grade."""
        return None if self.grade is None else ("确定" if self.settled else "待定")


def grade(
    rate: float | None, upper_bound: float | None, rubric: Rubric, caps: Iterable[str] = (),
    lower_bound: float | None = None,
) -> GradeDecision:
    """Decide the bands for a household error rate (fraction) and its one-sided upper and lower bounds (at the same
    confidence; see the module docstring for when the grade is settled).

    ``caps``: cap keys present among CONFIRMED marks (e.g. {"dead_registered"}); those with a cap in the rubric
    limit the grade, the guaranteed and the best possible grade to the cap's band (keys without a cap are ignored).
    A rate at a band's limit belongs to that band (优秀 ≤ 2 %), so a lower bound AT the next better band's limit
    does not exclude that band. ``upper_bound`` None: nothing is guaranteed but the worst band; ``lower_bound`` None:
    no band is excluded (the grade can only be settled at the best band, or by a cap). Rate None → no grade.
    """
    if rate is None:
        return GradeDecision(None, None, None, None, False, ())
    point = rubric.band_for(rate)
    bound = rubric.band_for(upper_bound) if upper_bound is not None else rubric.bands[-1].name
    lower = rubric.band_for(lower_bound) if lower_bound is not None else rubric.bands[0].name
    applied = tuple(rubric.caps_for(caps))
    cap = rubric.worse(*(band for _, band in applied))
    final = rubric.worse(point, cap)
    guaranteed = rubric.worse(point, bound, cap)
    best = rubric.worse(lower, cap)
    worst = rubric.bands[-1].name
    settled = final == guaranteed and (final != worst or best == final)
    return GradeDecision(final, point, bound, guaranteed, settled, applied, lower, best)


def households_to_settle(
    reviewed: int,
    rate: float,
    target_max_rate: float,
    confidence: float = 0.95,
    *,
    likelihood: str = "binomial",
    population: int | None = None,
    target_min_rate: float | None = None,
) -> int | None:
    """Smallest number of additional households that would put the one-sided upper bound at or below
    ``target_max_rate`` and, when ``target_min_rate`` is given, the one-sided lower bound above it (both at
    ``confidence``): what settles a grade (the band's limit and the next better band's limit, see the module
    docstring).

    Assumes the error rate stays at ``rate``: with m = reviewed + extra households, k = round(rate·m) (halves
    up), and the bounds are Clopper–Pearson (``binomial``) or the finite-population bounds (``hypergeometric``,
    needs ``population``). For a stratified estimate this treats the sample as simple random (an approximation).
    Returns 0 when nothing is required (the worst band without ``target_min_rate``), None when no m ≤ population
    (or ≤ reviewed + 100 000) works, e.g. the rate sits at a limit itself. Raises ValueError for invalid arguments.
    """
    check_counts(0, reviewed, population)
    c = check_confidence(confidence)
    if likelihood not in ("binomial", "hypergeometric"):
        raise ValueError(f"households_to_settle 只支持 binomial 与 hypergeometric，收到 {likelihood!r}")
    if likelihood == "hypergeometric" and population is None:
        raise ValueError("超几何分布需要总体户数 population")
    if not 0 <= rate <= 1:
        raise ValueError(f"错误率须在 0 与 1 之间，收到 {rate!r}")
    need_upper = target_max_rate < 1
    need_lower = target_min_rate is not None
    if not need_upper and not need_lower:
        return 0
    if likelihood == "binomial":
        if need_upper and rate >= target_max_rate - RATE_TOLERANCE:
            return None  # the exact upper bound always exceeds the observed rate
        if need_lower and rate <= target_min_rate + RATE_TOLERANCE:  # type: ignore[operator]
            return None  # … and the lower bound always stays below it
    m_max = population if population is not None else reviewed + MAX_EXTRA_HOUSEHOLDS
    alpha = 1 - c
    start, size = reviewed + 1, 256
    while start <= m_max:
        m = np.arange(start, min(start + size, m_max + 1), dtype=np.int64)
        k = np.floor(rate * m + 0.5).astype(np.int64)
        ok = np.ones(m.shape, dtype=bool)
        if likelihood == "hypergeometric":
            if need_upper:
                # upper bound ≤ target ⇔ the count just above target·N is rejected
                t_count = math.floor(target_max_rate * population + 1e-9)  # type: ignore[operator]
                ok &= hypergeom.cdf(k, population, t_count + 1, m) < alpha
            if need_lower:
                # lower bound > target ⇔ the largest count at or below target·N is rejected
                t_low = math.floor(target_min_rate * population + 1e-9)  # type: ignore[operator]
                ok &= hypergeom.sf(k - 1, population, t_low, m) < alpha
        else:
            if need_upper:
                ok &= clopper_pearson_upper_many(k, m, c) <= target_max_rate + RATE_TOLERANCE
            if need_lower:
                ok &= clopper_pearson_lower_many(k, m, c) > target_min_rate + RATE_TOLERANCE  # type: ignore[operator]
        if ok.any():
            return int(m[int(np.argmax(ok))]) - reviewed
        start, size = start + size, size * 2
    return None


def settle_targets(decision: GradeDecision, rubric: Rubric) -> tuple[float, float | None]:
    """``(target_max_rate, target_min_rate)`` that settle ``decision``'s grade for :func:`households_to_settle`:
    the grade's limit (inf for the worst band) and, for the worst band only, the next better band's limit unless a
    cap already rules the better bands out (None otherwise; see the module docstring)."""
    assert decision.grade is not None
    rank = rubric.rank_of(decision.grade)
    capped = any(rubric.rank_of(band) >= rank for _, band in decision.caps_applied)
    worst = rank == len(rubric.bands) - 1
    low = rubric.bands[rank - 1].max_rate if worst and rank > 0 and not capped else None
    return rubric.band(decision.grade).max_rate, low


@dataclass(frozen=True)
class HouseholdOutcome:
    """One reviewed household in the sample, as the database side sees it.

    ``stratum``: the sampling stratum (the same value for all households of a simple random sample);
    ``has_issue``: at least one CONFIRMED mark; ``max_severity``: the heaviest confirmed mark's severity label
    (一般 / 严重), required when has_issue; ``categories``: issue categories of its confirmed marks;
    ``township``: 乡(镇) for the by-township rates; ``cap_keys``: rule/clue kinds of its confirmed marks that may
    cap the grade; ``household_no``: for messages only.
    """

    stratum: str
    has_issue: bool
    max_severity: str | None = None
    categories: frozenset[str] = field(default_factory=frozenset)
    township: str | None = None
    cap_keys: frozenset[str] = field(default_factory=frozenset)
    household_no: str | None = None


@dataclass(frozen=True)
class GradeResult:
    """A county's grade and everything behind it (rates are fractions 0..1; None when nothing was reviewed).

    ``rate``: the point estimate the grade rests on (pooled x/n, or Σ W_h p_h for a stratified method);
    ``unweighted_rate``: with_issues/reviewed; ``weighted_rate``: severity-weighted figure (a household counts as
    its heaviest mark's weight), None when the weights are unknown; ``ci_low``/``ci_high``: two-sided interval and
    ``upper_bound``/``lower_bound``: one-sided bounds, all at ``confidence``; ``decision``: the bands;
    ``extra_to_settle``: more households needed at the current rate (None when settled or not reachable);
    ``explanation``: a Chinese sentence; ``estimate``: the full :class:`StratifiedEstimate`; ``by_category``/``by_township``: unweighted
    rates with Clopper–Pearson intervals. ``county`` is filled by the caller.
    """

    county: str | None
    estimate: StratifiedEstimate
    decision: GradeDecision
    extra_to_settle: int | None
    explanation: str
    rubric: Rubric
    by_category: tuple[RateInterval, ...] = ()
    by_township: tuple[RateInterval, ...] = ()

    # Flat accessors, so callers read result.rate, result.grade … without knowing the parts.
    reviewed = property(lambda self: self.estimate.reviewed)
    with_issues = property(lambda self: self.estimate.with_issues)
    rate = property(lambda self: self.estimate.estimate)
    unweighted_rate = property(lambda self: self.estimate.unweighted_rate)
    weighted_rate = property(lambda self: self.estimate.weighted_estimate)
    ci_low = property(lambda self: self.estimate.ci_low)
    ci_high = property(lambda self: self.estimate.ci_high)
    upper_bound = property(lambda self: self.estimate.upper_bound)
    lower_bound = property(lambda self: self.estimate.lower_bound)
    confidence = property(lambda self: self.estimate.confidence)
    method = property(lambda self: self.estimate.method)
    method_name = property(lambda self: self.estimate.method_name)
    grade = property(lambda self: self.decision.grade)
    guaranteed_grade = property(lambda self: self.decision.guaranteed_grade)
    best_grade = property(lambda self: self.decision.best_grade)
    settled = property(lambda self: self.decision.settled)
    status = property(lambda self: self.decision.status)
    warnings = property(lambda self: self.estimate.warnings)

    def to_json(self) -> dict[str, Any]:
        """Dict for ``fupin grade --json`` and the report.

        Keys: county, reviewed, with_issues, rate, unweighted_rate, weighted_rate, ci_low, ci_high, confidence,
        upper_bound, lower_bound (one-sided), grade, point_grade, bound_grade, guaranteed_grade, lower_grade,
        best_grade, settled (bool), status (确定/待定),
        extra_to_settle, explanation, method (id), method_name (Chinese), method_note, effective_n, posterior,
        draws, seed, caps_applied [{key, label, band}], strata [{name, N, n, x, weighted_x, weight, rate, ci_low,
        ci_high}], by_category [{category, n, x, rate, ci_low, ci_high, upper_bound}], by_township [{township, …}],
        warnings, rubric (bands, weights, caps, settings).
        """
        e, d = self.estimate, self.decision

        def rows(items: Sequence[RateInterval], key: str) -> list[dict[str, Any]]:
            out = []
            for ri in items:
                row = ri.to_json()
                row.pop("confidence")
                row = {key: row.pop("label"), **row}
                out.append(row)
            return out

        return {
            "county": self.county,
            "reviewed": e.reviewed,
            "with_issues": e.with_issues,
            "rate": e.estimate,
            "unweighted_rate": e.unweighted_rate,
            "weighted_rate": e.weighted_estimate,
            "ci_low": e.ci_low,
            "ci_high": e.ci_high,
            "confidence": e.confidence,
            "upper_bound": e.upper_bound,
            "lower_bound": e.lower_bound,
            "grade": d.grade,
            "point_grade": d.point_grade,
            "bound_grade": d.bound_grade,
            "guaranteed_grade": d.guaranteed_grade,
            "lower_grade": d.lower_grade,
            "best_grade": d.best_grade,
            "settled": d.settled,
            "status": d.status,
            "extra_to_settle": self.extra_to_settle,
            "explanation": self.explanation,
            "method": e.method,
            "method_name": e.method_name,
            "method_note": e.method_note,
            "effective_n": e.effective_n,
            "posterior": e.posterior,
            "draws": e.draws,
            "seed": e.seed,
            "caps_applied": [{"key": k, "label": cap_label(k), "band": b} for k, b in d.caps_applied],
            "strata": e.strata_json(),
            "by_category": rows(self.by_category, "category"),
            "by_township": rows(self.by_township, "township"),
            "warnings": list(e.warnings),
            "rubric": self.rubric.to_json(),
        }


def _explain(e: StratifiedEstimate, d: GradeDecision, extra: int | None, rubric: Rubric) -> str:
    """One Chinese paragraph stating the figures, the grade, why it is settled or pending and, when pending, what
    would settle it (see the module docstring for the rule)."""
    n, k = e.reviewed, e.with_issues
    if n == 0 or e.estimate is None or d.grade is None:
        return "尚未复核任何农户，无法评定等级。"
    conf = f"{e.confidence * 100:g}%"
    weighted = e.method not in ("clopper_pearson", "hypergeometric")
    text = f"复核 {n} 户，" + ("无一户有问题" if k == 0 else f"有问题 {k} 户")
    text += f"，{'按层加权的' if weighted else ''}户错误率 {format_pct(e.estimate)}；"
    if d.caps_applied:
        labels = "、".join(f"「{cap_label(key)}」" for key, _ in d.caps_applied)
        text += f"因确认存在{labels}问题，等级最高为{rubric.worse(*(b for _, b in d.caps_applied))}；"
    limit = rubric.band(d.grade).max_rate
    limits = [b.max_rate for b in rubric.bands]
    high, low = settle_targets(d, rubric)
    better = rubric.bands[rubric.rank_of(d.grade) - 1] if low is not None else None
    upper_text = _pct_against(e.upper_bound, *limits) if e.upper_bound is not None else "—"
    lower_text = _pct_against(e.lower_bound, *limits) if e.lower_bound is not None else "0%"
    if d.settled:
        parts = []
        if not math.isinf(high):
            parts.append(f"错误率上限为 {upper_text}，不超过{d.grade}的上限 {format_pct(limit)}")
        if better is not None:
            parts.append(f"错误率下限为 {lower_text}，超过{better.name}的上限 {format_pct(better.max_rate)}")
        if not parts:
            return f"{text}等级确定为{d.grade}。"
        return f"{text}在 {conf} 置信度下（单侧）{'，'.join(parts)}，等级确定为{d.grade}。"
    reasons = []
    if d.guaranteed_grade != d.grade:
        reasons.append(f"只能把错误率限定在 {upper_text} 以内，高于{d.grade}的上限 {format_pct(limit)}")
    if d.best_grade != d.grade and better is not None:
        reasons.append(f"错误率下限只有 {lower_text}，不高于{better.name}的上限 {format_pct(better.max_rate)}，"
                       f"还不能排除{d.best_grade}")
    text += f"但仅凭这 {n} 户，在 {conf} 置信度下（单侧）{'；'.join(reasons)}，因此{d.grade}尚不能确定"
    worst = rubric.bands[-1].name
    if d.guaranteed_grade != d.grade:
        text += (f"，在 {conf} 置信度下还不能排除{worst}" if d.guaranteed_grade == worst
                 else f"，目前只能确定在 {conf} 置信度下至少为{d.guaranteed_grade}")
    text += "。"
    if extra is not None:
        return text + f"若错误率保持当前水平，再复核 {extra} 户（共 {n + extra} 户）即可确定为{d.grade}。"
    if not math.isinf(high) and e.estimate >= limit - RATE_TOLERANCE:
        return text + f"户错误率已达{d.grade}的上限，按当前错误率增加样本也无法确定。"
    return text + "按当前错误率，在总体户数以内增加样本也无法确定。"


def evaluate(
    strata: Sequence[StratumCounts],
    rubric: Rubric | None = None,
    *,
    confidence: float | None = None,
    method: str | None = None,
    caps: Iterable[str] = (),
    seed: int | None = None,
    posterior: str | None = None,
    draws: int | None = None,
    county: str | None = None,
    by_category: Sequence[RateInterval] = (),
    by_township: Sequence[RateInterval] = (),
) -> GradeResult:
    """Grade a county from per-stratum counts.

    ``strata``: one :class:`StratumCounts` per sampling stratum (N_h, n_h, x_h, optional weighted x);
    ``rubric``: bands, caps and default settings (the built-in one when None); ``confidence``, ``method``,
    ``seed``, ``posterior``, ``draws`` override the rubric's; ``caps``: cap keys present among confirmed marks.
    ``by_category``/``by_township`` are passed through to the result. Raises ValueError for invalid input
    (see :func:`~fupin_tui.scoring.stratified.stratified_estimate`).
    """
    r = rubric or default_rubric()
    e = stratified_estimate(
        strata,
        r.confidence if confidence is None else confidence,
        r.method if method is None else method,
        posterior=r.posterior if posterior is None else posterior,
        draws=r.draws if draws is None else draws,
        seed=r.seed if seed is None else seed,
    )
    d = grade(e.estimate, e.upper_bound, r, caps, e.lower_bound)
    extra = None
    if d.grade is not None and not d.settled:
        known = all(s.population is not None for s in e.strata)
        population = sum(s.population for s in e.strata) if known else None  # type: ignore[misc]
        high, low = settle_targets(d, r)
        extra = households_to_settle(
            e.reviewed,
            e.estimate,  # type: ignore[arg-type]
            high,
            e.confidence,
            likelihood="hypergeometric" if e.method == "hypergeometric" else "binomial",
            population=population,
            target_min_rate=low,
        )
    return GradeResult(county, e, d, extra, _explain(e, d, extra, r), r, tuple(by_category), tuple(by_township))


def evaluate_households(
    outcomes: Iterable[HouseholdOutcome],
    populations: Mapping[str, int] | None = None,
    rubric: Rubric | None = None,
    *,
    caps: Iterable[str] = (),
    confidence: float | None = None,
    method: str | None = None,
    seed: int | None = None,
    county: str | None = None,
) -> GradeResult:
    """Grade a county from one :class:`HouseholdOutcome` per reviewed sampled household.

    ``populations``: stratum → N_h households in the frame (every stratum of the outcomes must be there; strata
    with no reviewed household yet are reported as not reviewed); None when unknown (the sample is then
    treated as self-weighting). Severity weights come from the rubric. Cap keys are the union of ``caps`` (e.g.
    from confirmed clues outside the sample) and the outcomes' ``cap_keys``. By-category rates: households with
    ≥ 1 confirmed issue of the category ÷ all reviewed; by-township: within each township. Both unweighted,
    with Clopper–Pearson intervals at the confidence.

    Raises ValueError (Chinese, naming the household number) for a household with an issue but no severity, or
    with categories/severity but no issue, an unknown severity label, or a stratum missing from populations.
    """
    r = rubric or default_rubric()
    c = check_confidence(r.confidence if confidence is None else confidence)
    counts: dict[str, list[float]] = {}  # stratum → [n, x, weighted x]
    by_cat: dict[str, int] = {}
    by_town: dict[str, list[int]] = {}
    all_caps = set(caps)
    n = 0
    for o in outcomes:
        who = f"户 {o.household_no}" if o.household_no else f"层「{o.stratum}」中的一户"
        if o.has_issue and o.max_severity is None:
            raise ValueError(f"{who}有问题但没有严重程度")
        if not o.has_issue and (o.categories or o.max_severity is not None):
            raise ValueError(f"{who}未标记有问题，却带有问题类别或严重程度")
        weight = r.severity_weight(o.max_severity) if o.has_issue else 0.0  # type: ignore[arg-type]
        row = counts.setdefault(o.stratum, [0, 0, 0.0])
        row[0] += 1
        row[1] += int(o.has_issue)
        row[2] += weight
        town = by_town.setdefault(o.township or _NO_TOWNSHIP, [0, 0])
        town[0] += 1
        town[1] += int(o.has_issue)
        for cat in o.categories:
            by_cat[cat] = by_cat.get(cat, 0) + 1
        all_caps |= o.cap_keys
        n += 1
    if populations is not None:
        missing = sorted(set(counts) - set(populations))
        if missing:
            raise ValueError(f"这些层没有总体户数：{'、'.join(missing)}")
        names = list(populations)
    else:
        names = sorted(counts)
    strata = []
    for name in names:
        sn, sx, sw = counts.get(name, (0, 0, 0.0))
        strata.append(
            StratumCounts(name, None if populations is None else populations[name], int(sn), int(sx), sw)
        )
    if not strata:
        strata = [StratumCounts("全部", None, 0, 0, 0.0)]
    categories = sorted(by_cat.items(), key=lambda kv: (-kv[1], kv[0]))
    return evaluate(
        strata,
        r,
        confidence=c,
        method=method,
        caps=all_caps,
        seed=seed,
        county=county,
        by_category=[rate_with_interval(x, n, c, cat) for cat, x in categories],
        by_township=[rate_with_interval(x, tn, c, t) for t, (tn, x) in sorted(by_town.items())],
    )
