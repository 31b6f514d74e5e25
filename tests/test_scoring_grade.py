"""Grade, guaranteed grade, settled/pending, households to settle, caps and the full evaluation."""

from __future__ import annotations

import json

import pytest
from scipy.stats import beta

from fupin_tui.scoring import (
    HouseholdOutcome,
    StratumCounts,
    clopper_pearson_upper,
    default_rubric,
    evaluate,
    evaluate_households,
    format_pct,
    grade,
    households_to_settle,
)

RUBRIC = default_rubric()
JSON_KEYS = {
    "county", "reviewed", "with_issues", "rate", "ci_low", "ci_high", "grade", "upper_bound",
    "guaranteed_grade", "method", "settled", "strata",
}


def test_sixty_households_without_error_cannot_settle_excellent():
    result = evaluate([StratumCounts("全县", 2000, 60, 0)], RUBRIC, county="422822")
    assert result.rate == 0.0
    assert result.upper_bound == pytest.approx(0.0487, abs=5e-5)
    assert result.grade == "优秀"  # the point estimate's band
    assert result.guaranteed_grade == "良好"  # the one-sided 95 % bound's band
    assert not result.settled and result.status == "待定"
    # 149 households without an error bound the rate below 2 % (1 − 0.05^(1/149) = 1.99 %): 89 more
    assert result.extra_to_settle == 89
    assert clopper_pearson_upper(0, 149) <= 0.02 < clopper_pearson_upper(0, 148)
    text = result.explanation
    assert "60 户" in text and "4.87%" in text and "优秀尚不能确定" in text and "至少为良好" in text
    assert "再复核 89 户（共 149 户）" in text


def test_settled_when_bands_agree():
    result = evaluate([StratumCounts("全县", 2000, 300, 0)], RUBRIC)
    assert (result.grade, result.guaranteed_grade, result.settled, result.status) == ("优秀", "优秀", True, "确定")
    assert result.extra_to_settle is None
    assert "等级确定为优秀" in result.explanation
    # 12 of 60 (20 %): the one-sided 95 % lower bound Beta(0.05; 12, 49) = 11.97 % is above 合格's 10 % → settled
    worst = evaluate([StratumCounts("全县", 2000, 60, 12)], RUBRIC)
    assert (worst.grade, worst.guaranteed_grade, worst.best_grade, worst.settled) == ("不合格", "不合格", "不合格", True)
    assert worst.lower_bound == pytest.approx(beta.ppf(0.05, 12, 49)) == pytest.approx(0.11966, abs=5e-6)
    assert "错误率下限为 11.97%，超过合格的上限 10%，等级确定为不合格" in worst.explanation


def test_worst_band_is_settled_only_when_the_lower_bound_excludes_the_better_bands():
    # QA case: 1 household reviewed, 1 issue. Point 100 % → 不合格 and the upper bound (100 %) agrees, but the
    # one-sided 95 % lower bound is 5 %: 良好 is not excluded, so the grade is pending, not 确定.
    one = evaluate([StratumCounts("全县", 60, 1, 1)], RUBRIC)
    assert (one.ci_low, one.ci_high) == (pytest.approx(0.025), 1.0)
    assert one.lower_bound == pytest.approx(0.05)
    assert (one.grade, one.guaranteed_grade, one.best_grade, one.status) == ("不合格", "不合格", "良好", "待定")
    assert one.extra_to_settle == 1  # 2 of 2: lower bound √0.05 = 22.36 % > 10 %
    assert "错误率下限只有 5%，不高于合格的上限 10%，还不能排除良好，因此不合格尚不能确定" in one.explanation
    assert "再复核 1 户（共 2 户）即可确定为不合格" in one.explanation
    two = evaluate([StratumCounts("全县", 60, 2, 2)], RUBRIC)
    assert two.status == "确定" and two.lower_bound == pytest.approx(0.05 ** 0.5)
    # 9 of 60 (15 %): lower bound 8.05 % ≤ 10 % → pending; at 15 % the first m with round(0.15 m) errors and a lower
    # bound above 10 % is 110 (17 errors, 10.09 %): 50 more households
    nine = evaluate([StratumCounts("全县", 2000, 60, 9)], RUBRIC)
    assert nine.lower_bound == pytest.approx(0.080545, abs=5e-6)
    assert (nine.grade, nine.best_grade, nine.status, nine.extra_to_settle) == ("不合格", "合格", "待定", 50)
    assert beta.ppf(0.05, 17, 110 - 17 + 1) > 0.10 >= beta.ppf(0.05, 16, 109 - 16 + 1)
    assert nine.to_json()["lower_bound"] == pytest.approx(nine.lower_bound)
    assert nine.to_json()["best_grade"] == "合格"


def test_middle_band_settles_when_point_and_guaranteed_agree():
    # Issue 6's rule: 12 of 400 (3 %): upper 4.82 % ≤ 5 % → 良好 guaranteed = point band → settled; the lower bound
    # 1.74 % is reported (优秀 not excluded: "至多为优秀") but does not hold a middle band pending.
    r = evaluate([StratumCounts("全县", 20000, 400, 12)], RUBRIC)
    assert (r.grade, r.guaranteed_grade, r.best_grade, r.settled) == ("良好", "良好", "优秀", True)
    assert r.upper_bound == pytest.approx(0.04815, abs=5e-6) and r.lower_bound == pytest.approx(0.01740, abs=5e-6)
    assert r.extra_to_settle is None
    # the worst band also needs the lower bound above the next better band's limit (AT the limit is not enough)
    assert not grade(0.15, 0.3, RUBRIC, lower_bound=0.10).settled
    assert grade(0.15, 0.3, RUBRIC, lower_bound=0.1001).settled
    assert grade(0.03, 0.049, RUBRIC).settled  # a middle band needs no lower bound
    assert grade(0.01, 0.019, RUBRIC).settled  # the best band needs no lower bound
    # 9 of 60 (15 %): 不合格, lower bound 8.05 % < 10 % → pending; 合格 is not excluded
    worst = evaluate([StratumCounts("全县", 20000, 60, 9)], RUBRIC)
    assert (worst.grade, worst.settled) == ("不合格", False)
    assert worst.lower_bound == pytest.approx(0.0805, abs=5e-4) and worst.extra_to_settle == 50
    m = 60 + 50
    k = int(0.15 * m + 0.5)  # halves up, as households_to_settle rounds
    assert beta.ppf(0.05, k, m - k + 1) > 0.10


def test_grade_function_bands_and_caps():
    d = grade(0.01, 0.031, RUBRIC)
    assert (d.grade, d.point_grade, d.bound_grade, d.guaranteed_grade, d.settled) == ("优秀", "优秀", "良好", "良好",
                                                                                       False)
    # a confirmed hard error caps both the grade and the guaranteed grade at 合格 → settled
    capped = grade(0.01, 0.031, RUBRIC, caps={"dead_registered", "no_such_cap"})
    assert (capped.grade, capped.guaranteed_grade, capped.settled) == ("合格", "合格", True)
    assert capped.point_grade == "优秀" and capped.caps_applied == (("dead_registered", "合格"),)
    # a cap does not lift a worse grade
    assert grade(0.2, 0.3, RUBRIC, caps={"public_employee"}).grade == "不合格"
    # the guaranteed grade is never better than the point grade
    assert grade(0.03, 0.02, RUBRIC).guaranteed_grade == "良好"
    none = grade(None, None, RUBRIC)
    assert (none.grade, none.settled, none.status) == (None, False, None)


def test_capped_explanation_names_the_cap():
    result = evaluate([StratumCounts("全县", 2000, 100, 1)], RUBRIC, caps={"public_employee"})
    assert (result.grade, result.settled) == ("合格", True)
    assert "财政供养人员在册" in result.explanation and "等级最高为合格" in result.explanation
    assert result.to_json()["caps_applied"] == [{"key": "public_employee", "label": "财政供养人员在册", "band": "合格"}]


def test_households_to_settle():
    # 2 errors in 200 (1 %): at 1 % the bound needs m with CP(round(0.01 m), m) ≤ 2 %
    extra = households_to_settle(200, 0.01, 0.02, 0.95)
    m = 200 + extra
    assert beta.ppf(0.95, round(0.01 * m) + 1, m - round(0.01 * m)) <= 0.02
    for smaller in range(201, m):
        k = int(0.01 * smaller + 0.5)
        assert beta.ppf(0.95, k + 1, smaller - k) > 0.02
    assert households_to_settle(60, 0.0, float("inf")) == 0
    assert households_to_settle(60, 0.05, 0.05) is None  # the rate sits at the limit: never
    # with a lower target (the next better band's limit): the smallest m whose lower bound is above it
    extra = households_to_settle(60, 0.15, float("inf"), target_min_rate=0.10)
    assert extra == 50
    for smaller in range(61, 110):
        k = int(0.15 * smaller + 0.5)
        assert beta.ppf(0.05, k, smaller - k + 1) <= 0.10
    assert households_to_settle(60, 0.10, float("inf"), target_min_rate=0.10) is None  # at the limit: never
    # finite population: the hypergeometric lower bound
    assert households_to_settle(60, 0.15, float("inf"), target_min_rate=0.10, population=2000,
                                likelihood="hypergeometric") <= 50
    # bounded by the population: a census settles under the finite-population bound
    assert households_to_settle(60, 0.0, 0.02, population=100, likelihood="hypergeometric") <= 40
    with pytest.raises(ValueError):
        households_to_settle(60, 0.0, 0.02, likelihood="hypergeometric")


def test_nothing_reviewed():
    result = evaluate([StratumCounts("全县", 2000, 0, 0)], RUBRIC)
    assert (result.rate, result.grade, result.settled) == (None, None, False)
    assert result.explanation == "尚未复核任何农户，无法评定等级。"
    assert JSON_KEYS <= set(result.to_json())


def _outcomes():
    """60 reviewed households in two townships (strata): 3 with issues."""
    out = [HouseholdOutcome("城关镇", False, township="城关镇", household_no=f"A{i:03d}") for i in range(37)]
    out += [HouseholdOutcome("河口乡", False, township="河口乡", household_no=f"B{i:03d}") for i in range(20)]
    out += [
        HouseholdOutcome("城关镇", True, "严重", frozenset({"income", "member"}), "城关镇",
                         frozenset({"dead_registered"}), "A900"),
        HouseholdOutcome("城关镇", True, "一般", frozenset({"income"}), "城关镇", household_no="A901"),
        HouseholdOutcome("河口乡", True, "一般", frozenset({"housing"}), "河口乡", household_no="B900"),
    ]
    return out


def test_evaluate_households_full_result():
    result = evaluate_households(_outcomes(), {"城关镇": 1300, "河口乡": 700}, RUBRIC, county="422822")
    data = result.to_json()
    assert JSON_KEYS <= set(data)
    assert (data["county"], data["reviewed"], data["with_issues"]) == ("422822", 60, 3)
    # 39 of 60 vs 1300 of 2000: |39 − 60·0.65| = 0 and |21 − 21| = 0 → proportional → pooled exact
    assert data["method"] == "clopper_pearson"
    assert data["rate"] == pytest.approx(0.05)
    assert data["weighted_rate"] == pytest.approx((1.0 + 0.5 + 0.5) / 60)
    assert data["strata"] == [
        {**data["strata"][0], "name": "城关镇", "N": 1300, "n": 39, "x": 2, "weighted_x": 1.5},
        {**data["strata"][1], "name": "河口乡", "N": 700, "n": 21, "x": 1, "weighted_x": 0.5},
    ]
    assert [(c["category"], c["x"], c["n"]) for c in data["by_category"]] == [
        ("income", 2, 60), ("housing", 1, 60), ("member", 1, 60),
    ]
    assert [(t["township"], t["x"], t["n"]) for t in data["by_township"]] == [("城关镇", 2, 39), ("河口乡", 1, 21)]
    town = data["by_township"][0]
    assert town["ci_low"] < town["rate"] < town["ci_high"]
    # the household's dead_registered mark caps the grade at 合格
    assert data["grade"] == "合格" and data["caps_applied"][0]["key"] == "dead_registered"
    json.dumps(data, ensure_ascii=False)  # serialisable as is


def test_evaluate_households_without_populations_and_with_unreviewed_stratum():
    result = evaluate_households(_outcomes(), None, RUBRIC)
    assert result.method == "clopper_pearson" and result.rate == pytest.approx(0.05)
    with_empty = evaluate_households(_outcomes(), {"城关镇": 1300, "河口乡": 700, "山后乡": 200}, RUBRIC)
    assert [s["name"] for s in with_empty.to_json()["strata"]] == ["城关镇", "河口乡", "山后乡"]
    assert any("山后乡" in w for w in with_empty.warnings)
    empty = evaluate_households([], None, RUBRIC)
    assert empty.grade is None and empty.reviewed == 0


def test_evaluate_households_refuses_inconsistent_outcomes():
    with pytest.raises(ValueError, match="A1.*没有严重程度"):
        evaluate_households([HouseholdOutcome("X", True, household_no="A1")])
    with pytest.raises(ValueError, match="未标记有问题"):
        evaluate_households([HouseholdOutcome("X", False, "一般")])
    with pytest.raises(ValueError, match="未知的严重程度"):
        evaluate_households([HouseholdOutcome("X", True, "轻微")])
    with pytest.raises(ValueError, match="没有总体户数"):
        evaluate_households([HouseholdOutcome("X", False)], {"Y": 10})


def test_overrides_and_stratified_method_name():
    strata = [StratumCounts("A", 1000, 100, 1), StratumCounts("B", 1000, 50, 2)]
    result = evaluate(strata, RUBRIC)
    assert result.method == "korn_graubard" and "Korn" in result.method_name
    assert "按层加权" in result.explanation
    beta_result = evaluate(strata, RUBRIC, method="beta_posterior", seed=1)
    assert beta_result.to_json()["seed"] == 1 and beta_result.method_name == "分层 Beta 后验模拟"
    assert evaluate(strata, RUBRIC, confidence=0.8).upper_bound < result.upper_bound


def test_format_pct():
    assert [format_pct(v) for v in (0.0487029, 0.02, 0.0, 0.125, None)] == ["4.87%", "2%", "0%", "12.5%", "—"]


def test_explanation_never_prints_a_bound_equal_to_a_limit():
    # 1 error in 93: bound 0.049994, just inside 良好 — printed with enough decimals not to read as "5%"
    result = evaluate([StratumCounts("全县", None, 93, 1)], RUBRIC)
    assert result.guaranteed_grade == "良好"
    assert "4.999%" in result.explanation
