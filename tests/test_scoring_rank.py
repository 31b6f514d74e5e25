"""Province ranking: interval-based ranks with ties, unranked counties last, the summary row."""

from __future__ import annotations

import pytest

from fupin_tui.scoring import (
    CountyResult,
    StratumCounts,
    clopper_pearson,
    default_rubric,
    evaluate,
    rank_counties,
    summary_row,
)


def _county(code: str, low: float | None, high: float | None, rate: float | None, grade: str | None = "良好",
            reviewed: int = 60, with_issues: int = 3) -> CountyResult:
    return CountyResult(code, f"县{code}", 80, reviewed, with_issues, rate, low, high, grade)


def test_rank_is_one_plus_counties_wholly_below():
    a = _county("420101", 0.00, 0.03, 0.01)
    b = _county("420102", 0.01, 0.06, 0.03)  # overlaps a → shares rank 1
    c = _county("420103", 0.04, 0.10, 0.07)  # above a (0.03 < 0.04) only → 2
    d = _county("420104", 0.11, 0.20, 0.15)  # above a, b, c → 4
    ranked = rank_counties([d, c, b, a])
    assert [(r.county, r.rank) for r in ranked] == [("420101", 1), ("420102", 1), ("420103", 2), ("420104", 4)]
    assert a.rank is None  # inputs untouched


def test_ties_share_a_rank_and_touching_intervals_overlap():
    a = _county("1", 0.00, 0.05, 0.02)
    b = _county("2", 0.00, 0.05, 0.02)
    c = _county("3", 0.05, 0.12, 0.08)  # ci_low equals the others' ci_high: not wholly above → rank 1
    e = _county("4", 0.06, 0.12, 0.08)  # wholly above a and b → 3
    ranked = rank_counties([c, e, b, a])
    assert [(r.county, r.rank) for r in ranked] == [("1", 1), ("2", 1), ("3", 1), ("4", 3)]


def test_unreviewed_counties_are_unranked_and_last():
    ranked = rank_counties([_county("9", None, None, None, None, 0, 0), _county("1", 0.0, 0.05, 0.0)])
    assert [(r.county, r.rank) for r in ranked] == [("1", 1), ("9", None)]


def test_refusals():
    with pytest.raises(ValueError, match="县代码重复"):
        rank_counties([_county("1", 0, 0.1, 0.05), _county("1", 0, 0.1, 0.05)])
    with pytest.raises(ValueError, match="缺少置信区间"):
        rank_counties([_county("1", None, None, 0.05)])


def test_from_grade_and_summary_row():
    rubric = default_rubric()
    results = [
        evaluate([StratumCounts("全县", 2000, 60, 0)], rubric, county="422822"),
        evaluate([StratumCounts("全县", 3000, 100, 8)], rubric, county="422823"),
    ]
    rows = [CountyResult.from_grade(r, name, sample_n=n) for r, name, n in zip(results, ["恩施县", "利川县"], [60, 120])]
    ranked = rank_counties(rows)
    assert [r.county for r in ranked] == ["422822", "422823"]
    assert ranked[0].grade == "优秀" and ranked[0].guaranteed_grade == "良好" and ranked[0].settled is False
    assert ranked[1].to_json()["rank"] == ranked[1].rank
    total = summary_row(ranked, bands=rubric.band_names)
    assert (total.counties, total.graded, total.sample_n, total.reviewed, total.with_issues) == (2, 2, 180, 160, 8)
    assert total.rate == pytest.approx(8 / 160)
    assert (total.ci_low, total.ci_high) == clopper_pearson(8, 160)
    assert total.grade_counts == {"优秀": 1, "良好": 0, "合格": 1, "不合格": 0}
    with pytest.raises(ValueError, match="缺少县代码"):
        CountyResult.from_grade(evaluate([StratumCounts("全县", 10, 5, 0)], rubric), "无名县")
