"""Province-wide ranking of counties (通报排名), pure.

Rank = 1 + the number of counties whose whole interval lies below this county's (their ci_high < this ci_low):
a county is only ranked below another when the data show it is worse, so counties whose intervals overlap share a
rank. Counties with nothing reviewed get no rank and are listed last.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from .grade import GradeResult
from .intervals import rate_with_interval

__all__ = ["CountyResult", "RankSummary", "rank_counties", "summary_row"]


@dataclass(frozen=True)
class CountyResult:
    """One county's line in the ranking (rates are fractions 0..1; None when nothing was reviewed).

    ``county``: 6-digit county code; ``name``: county name; ``sample_n``: households drawn into the sample;
    ``reviewed``/``with_issues``: households; ``rate``, ``ci_low``, ``ci_high``: the graded estimate and its
    two-sided interval; ``grade`` and optional ``guaranteed_grade``, ``settled``, ``upper_bound``, ``method``;
    ``rank``: filled by :func:`rank_counties`.
    """

    county: str
    name: str
    sample_n: int
    reviewed: int
    with_issues: int
    rate: float | None
    ci_low: float | None
    ci_high: float | None
    grade: str | None
    guaranteed_grade: str | None = None
    settled: bool | None = None
    upper_bound: float | None = None
    method: str | None = None
    rank: int | None = None

    @classmethod
    def from_grade(cls, result: GradeResult, name: str, sample_n: int | None = None) -> CountyResult:
        """Build from a :class:`GradeResult` (its ``county`` must be set); sample_n defaults to reviewed."""
        if not result.county:
            raise ValueError("评定结果缺少县代码（GradeResult.county）")
        return cls(
            result.county, name, result.reviewed if sample_n is None else sample_n, result.reviewed,
            result.with_issues, result.rate, result.ci_low, result.ci_high, result.grade,
            result.guaranteed_grade, result.settled, result.upper_bound, result.method,
        )

    def to_json(self) -> dict[str, Any]:
        """Plain dict of all fields."""
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def rank_counties(results: Sequence[CountyResult]) -> list[CountyResult]:
    """Copies of ``results`` with ``rank`` set, sorted by (rank, rate, county code); unranked (rate None) last.

    rank = 1 + #{other counties with ci_high < this ci_low}; equal figures give equal ranks (competition style:
    1, 1, 3). Raises ValueError for duplicate county codes or a county with a rate but no interval.
    """
    codes = [r.county for r in results]
    dup = sorted({c for c in codes if codes.count(c) > 1})
    if dup:
        raise ValueError(f"县代码重复：{'、'.join(dup)}")
    graded = [r for r in results if r.rate is not None]
    for r in graded:
        if r.ci_low is None or r.ci_high is None:
            raise ValueError(f"县 {r.county} 有错误率但缺少置信区间")
    ranked = [
        replace(r, rank=1 + sum(1 for o in graded if o is not r and o.ci_high < r.ci_low))  # type: ignore[operator]
        for r in graded
    ]
    ranked.sort(key=lambda r: (r.rank, r.rate, r.county))
    return ranked + sorted((replace(r, rank=None) for r in results if r.rate is None), key=lambda r: r.county)


@dataclass(frozen=True)
class RankSummary:
    """The summary row under the ranking: totals over counties and the pooled rate.

    ``counties``: number of counties; ``graded``: those with a rate; ``sample_n``/``reviewed``/``with_issues``:
    sums (households); ``rate``: pooled with_issues/reviewed (unweighted across counties), ``ci_low``/``ci_high``
    its Clopper–Pearson interval; ``grade_counts``: grade → number of counties.
    """

    counties: int
    graded: int
    sample_n: int
    reviewed: int
    with_issues: int
    rate: float | None
    ci_low: float | None
    ci_high: float | None
    grade_counts: dict[str, int]

    def to_json(self) -> dict[str, Any]:
        """Plain dict of all fields."""
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def summary_row(
    results: Sequence[CountyResult], confidence: float = 0.95, bands: Sequence[str] = ()
) -> RankSummary:
    """Totals over ``results`` and the pooled household error rate with its exact interval at ``confidence``.

    ``bands``: band names best first (``rubric.band_names``): grade_counts then lists each of them, zeros
    included, in that order; grades not among them follow in the order first seen.
    """
    reviewed = sum(r.reviewed for r in results)
    with_issues = sum(r.with_issues for r in results)
    pooled = rate_with_interval(with_issues, reviewed, confidence)
    counts: dict[str, int] = dict.fromkeys(bands, 0)
    for r in results:
        if r.grade is not None:
            counts[r.grade] = counts.get(r.grade, 0) + 1
    return RankSummary(
        len(results), sum(1 for r in results if r.rate is not None), sum(r.sample_n for r in results), reviewed,
        with_issues, pooled.rate, pooled.ci_low, pooled.ci_high, counts,
    )
