"""Every rule of the shipped rulebook: a positive case (the rule finds exactly the tweaked record) and a negative case
(a near miss the rule must leave alone). Data come from tests/builders.py, whose defaults are clean for every rule."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from builders import (
    DATA_YEAR,
    make_household,
    make_id,
    member,
    new_phone,
    resize,
    set_income,
    with_check_digit,
    wrong_check_digit,
)
from builders import insert_county as _insert

from fupin_tui.checks import load_rulebook, run_checks
from fupin_tui.idnumber import check_digit
from fupin_tui.models import get_engine

Case = Callable[[], tuple[list[dict[str, Any]], list[tuple[int | None, int | None]], dict[str, Any]]]


def run(db_url: str, households: list[dict[str, Any]], **county: Any):
    engine = get_engine(db_url)
    _insert(engine, households, **county)
    report = run_checks(engine)
    assert not report.warnings, report.warnings
    return report


def keys(households: list[dict[str, Any]], expected: list[tuple[int | None, int | None]]) -> set:
    out = set()
    for h, m in expected:
        if h is None:
            out.add((None, None))
            continue
        hn = households[h]["household_no"]
        out.add((hn, None if m is None else f"{hn}{m + 1:02d}"))
    return out


def five_guarantee(**overrides: Any) -> dict[str, Any]:
    """A clean 五保贫困户: one old man without labour capacity, 五保金 3000 元."""
    hh = make_household(members=[member("户主", "1940-01-01", "男", education="小学", labour_skill="丧失劳动力",
                                        health="长期慢性病", phone=new_phone())],
                        household_type="五保贫困户", main_cause="缺劳力")
    hh["head_id_number"] = hh["members"][0]["id_number"]
    set_income(hh, wage_income=0.0, business_income=500.0, pension_income=0.0, five_guarantee_income=3000.0,
               business_expense=100.0)
    resize(hh)
    hh.update(overrides)
    return hh


def rebirth(m: dict[str, Any], birth: str) -> dict[str, Any]:
    m["id_number"] = make_id(birth, m["sex"])
    return m


def id_ending_in_zeros() -> str:
    """A valid 18-character ID whose last four characters are 0 (looks like Excel's zeros, is not)."""
    day = dt.date(1960, 1, 1)
    while True:
        body = f"422822{day:%Y%m%d}000"
        if check_digit(body) == "0":
            return body + "0"
        day += dt.timedelta(days=1)


# --------------------------------------------------------------------------------------------------- case builders
# Each returns (households, expected hits [(household index, member index or None)], county kwargs).


def c(households, expected=(), **county):
    return households, list(expected), county


def hh_with(fn: Callable[[dict[str, Any]], Any], **kw: Any) -> list[dict[str, Any]]:
    hh = make_household(**kw)
    fn(hh)
    return [hh]


def _m(i: int, **values: Any) -> Callable[[dict[str, Any]], None]:
    return lambda hh: hh["members"][i].update(values)


def _h(**values: Any) -> Callable[[dict[str, Any]], None]:
    return lambda hh: hh.update(values)


def _dup_across():
    a, b = make_household(), make_household()
    b["members"][2]["id_number"] = a["members"][2]["id_number"]
    return [a, b]


def _dup_within():
    hh = make_household()
    hh["members"][3]["id_number"] = hh["members"][2]["id_number"]
    return [hh]


def _added(extra: dict[str, Any], **kw: Any) -> list[dict[str, Any]]:
    hh = make_household(**kw)
    hh["members"].append(extra)
    resize(hh)
    return [hh]


def _lifted(**values: Any) -> list[dict[str, Any]]:
    return [make_household(lifted=True, **values)]


def _shared_phone(n: int) -> list[dict[str, Any]]:
    phone = new_phone()
    out = [make_household() for _ in range(n)]
    for hh in out:
        hh["members"][0]["phone"] = phone
    return out


POSITIVE: dict[str, Case] = {
    "id_missing": lambda: c(hh_with(_m(3, id_number=None)), [(0, 3)]),
    "id_invalid_format": lambda: c(hh_with(_m(3, id_number="42282219650310")), [(0, 3)]),
    "id_checksum": lambda: c(hh_with(lambda hh: hh["members"][3].update(
        id_number=wrong_check_digit(hh["members"][3]["id_number"]))), [(0, 3)]),
    "id_birth_date": lambda: c(hh_with(_m(3, id_number=with_check_digit("42282220060231002"))), [(0, 3)]),
    "id_age_implausible": lambda: c(hh_with(lambda hh: rebirth(hh["members"][0], "1900-01-01")), [(0, 0)]),
    "id_excel_corrupted": lambda: c(hh_with(_m(1, id_number="4.22822196708211E+17")), [(0, 1)]),
    "id_old_15_digit": lambda: c(hh_with(_m(0, id_number="422822650310001")), [(0, 0)]),
    "disability_card_code": lambda: c(hh_with(lambda hh: hh["members"][0].update(
        id_number=hh["members"][0]["id_number"] + "92", health="残疾")), [(0, 0)]),
    "disability_card_health": lambda: c(hh_with(lambda hh: hh["members"][0].update(
        id_number=hh["members"][0]["id_number"] + "42")), [(0, 0)]),
    "duplicate_id_within_household": lambda: c(_dup_within(), [(0, 2), (0, 3)]),
    "duplicate_id_across_households": lambda: c(_dup_across(), [(0, 2), (1, 2)]),
    "duplicate_member_no": lambda: c(hh_with(lambda hh: [hh["members"][i].update(
        member_no=hh["household_no"] + "02") for i in (1, 3)]), [(0, 1)]),  # both rows carry 人编号 …02
    "sex_id_mismatch": lambda: c(hh_with(_m(0, sex="女")), [(0, 0)]),
    "head_id_mismatch": lambda: c(hh_with(lambda hh: hh.update(head_id_number=hh["members"][2]["id_number"])),
                                  [(0, None)]),
    "value_excel_corrupted": lambda: c(hh_with(_m(1, bank_account="6.21700123456789E+18")), [(0, 1)]),
    "head_not_unique": lambda: c(hh_with(_m(1, relation="户主")), [(0, None)]),
    "spouse_multiple": lambda: c(_added(member("配偶", "1970-02-02", "女")), [(0, None)]),
    "head_spouse_same_sex": lambda: c(hh_with(lambda hh: hh["members"].__setitem__(
        1, member("配偶", "1967-08-21", "男"))), [(0, None)]),
    "relation_sex_mismatch": lambda: c(hh_with(_m(2, relation="之女")), [(0, 2)]),
    "size_mismatch": lambda: c(hh_with(_h(size=5)), [(0, None)]),
    "household_without_members": lambda: c([make_household(members=[])], [(0, None)]),
    "member_without_household": lambda: c([make_household(), make_household(has_income_record=False)], [(1, None)]),
    "generation_gap": lambda: c(hh_with(lambda hh: rebirth(hh["members"][2], "1975-01-15")), [(0, 2)]),
    "preschool_too_old": lambda: c(hh_with(_m(3, education="学龄前儿童")), [(0, 3)]),
    "school_status_age": lambda: c(hh_with(_m(3, school_status="高中一年级")), [(0, 3)]),
    "child_able_labour": lambda: c(hh_with(_m(3, labour_skill="普通劳动力")), [(0, 3)]),
    "child_working": lambda: c(hh_with(_m(3, work_months=3)), [(0, 3)]),
    "work_months_range": lambda: c(hh_with(_m(2, work_months=13)), [(0, 2)]),
    "working_age_no_labour": lambda: c(hh_with(_m(2, labour_skill="无劳动力")), [(0, 2)]),
    "income_annual_identity": lambda: c(hh_with(lambda hh: hh.update(annual_income=hh["annual_income"] + 5,
                                                                     net_income=hh["net_income"] + 5,
                                                                     per_capita_net_income=None)), [(0, None)]),
    "income_transfer_identity": lambda: c(hh_with(_h(transfer_income=700.0)), [(0, None)]),
    "income_net_identity": lambda: c(hh_with(lambda hh: hh.update(net_income=hh["net_income"] + 100,
                                                                  per_capita_net_income=None)), [(0, None)]),
    "income_per_capita_identity": lambda: c(hh_with(lambda hh: hh.update(
        per_capita_net_income=hh["per_capita_net_income"] + 10, roster_per_capita_income=None)), [(0, None)]),
    "declared_size_mismatch": lambda: c(hh_with(_h(declared_size=3)), [(0, None)]),
    "income_negative": lambda: c(hh_with(lambda hh: set_income(hh, property_income=-100.0)), [(0, None)]),
    "exit_below_line": lambda: c(hh_with(lambda hh: set_income(hh, wage_income=12396.0), lifted=True), [(0, None)]),
    "ordinary_above_line": lambda: c(hh_with(lambda hh: set_income(hh, wage_income=9404.0)), [(0, None)]),
    "subsistence_without_allowance": lambda: c(hh_with(_h(household_type="低保贫困户")), [(0, None)]),
    "five_guarantee_without_allowance": lambda: c(
        [set_income(five_guarantee(), five_guarantee_income=0.0, other_transfer_income=3000.0)], [(0, None)]),
    "roster_income_mismatch": lambda: c(hh_with(lambda hh: hh.update(
        roster_per_capita_income=hh["roster_per_capita_income"] + 50)), [(0, None)]),
    "five_guarantee_able_member": lambda: c([resize(_with_member(five_guarantee(), member(
        "之子", "1985-05-05", "男")))], [(0, None)]),
    "five_guarantee_too_large": lambda: c([resize(_with_member(_with_member(five_guarantee(), member(
        "配偶", "1942-01-01", "女", labour_skill="丧失劳动力")), member(
        "之女", "1980-01-01", "女", labour_skill="丧失劳动力", health="残疾")))], [(0, None)]),
    "cause_disability_without_disabled": lambda: c(hh_with(_h(main_cause="因残")), [(0, None)]),
    "cause_illness_without_sick": lambda: c(hh_with(_h(main_cause="因病")), [(0, None)]),
    "main_cause_missing": lambda: c(hh_with(_h(main_cause=None)), [(0, None)]),
    "member_label_invalid": lambda: c(hh_with(_m(2, education="中专")), [(0, 2)]),
    "household_label_invalid": lambda: c(hh_with(_h(road_type="柏油路")), [(0, None)]),
    "other_causes_too_many": lambda: c(hh_with(_h(other_causes="因病、因学、缺资金")), [(0, None)]),
    "lifted_dilapidated_house": lambda: c(_lifted(dilapidated_house="是"), [(0, None)]),
    "lifted_unsafe_water": lambda: c(_lifted(water_safe="否"), [(0, None)]),
    "lifted_no_medical_insurance": lambda: c(hh_with(_m(1, serious_illness_insurance="否"), lifted=True),
                                             [(0, 1)]),
    "lifted_school_dropout": lambda: c(hh_with(_m(3, school_status="非在校生"), lifted=True), [(0, 3)]),
    "relocation_without_task": lambda: c(hh_with(_h(relocation="是")), [(0, None)]),
    "phone_invalid": lambda: c(hh_with(_m(0, phone="1381234567")), [(0, None)]),
    "phone_shared": lambda: c(_shared_phone(3), [(0, None), (1, None), (2, None)]),
    "household_value_conflict": lambda: c(hh_with(_h(extra={"conflicts": {"poverty_status": [
        {"value": "未脱贫", "file": "a.xlsx", "sheet": "S", "row": 4},
        {"value": "已脱贫", "file": "a.xlsx", "sheet": "S", "row": 5}]}})), [(0, None)]),
    "income_table_conflict": lambda: c(hh_with(_h(extra={"income_conflicts": {"household_type": [
        {"value": "一般贫困户", "file": "a.xlsx", "sheet": "S", "row": 4},
        {"value": "低保贫困户", "file": "b.xlsx", "sheet": "T", "row": 2}]}})), [(0, None)]),
    "household_value_not_number": lambda: c(hh_with(_h(size=None, extra={"bad_values": {"size": "四口"}})),
                                            [(0, None)]),
    "member_value_not_number": lambda: c(hh_with(_m(2, work_months=None, extra={"bad_values": {
        "work_months": "八个半月"}})), [(0, 2)]),
    "household_no_corrupted": lambda: c(hh_with(_h(extra={"corrupted": ["household_no"]})), [(0, None)]),
    "household_no_blank": lambda: c(hh_with(_m(3, extra={"household_no_inferred": "previous_row"})), [(0, 3)]),
    "county_data_year_missing": lambda: c([make_household()], [(None, None)], data_year=None),
}


def _with_member(hh: dict[str, Any], m: dict[str, Any]) -> dict[str, Any]:
    hh["members"].append(m)
    return hh


NEGATIVE: dict[str, Case] = {
    "id_missing": lambda: c(hh_with(lambda hh: hh["members"][3].update(
        id_number=" " + hh["members"][3]["id_number"] + " "))),
    "id_invalid_format": lambda: c(hh_with(lambda hh: hh["members"][3].update(
        id_number=hh["members"][3]["id_number"][:6] + " " + hh["members"][3]["id_number"][6:]))),
    "id_checksum": lambda: c(hh_with(lambda hh: hh["members"][0].update(
        id_number=hh["members"][0]["id_number"] + "42", health="残疾"))),
    "id_birth_date": lambda: c(_added(member("之孙女", "2015-12-31", "女", education="学龄前儿童",
                                             labour_skill="无劳动力"))),
    "id_age_implausible": lambda: c(hh_with(lambda hh: rebirth(hh["members"][0], "1905-12-31"))),
    "id_excel_corrupted": lambda: c(hh_with(_m(1, id_number=id_ending_in_zeros(), sex=None, relation="配偶"))),
    "id_old_15_digit": lambda: c([make_household()]),
    "disability_card_code": lambda: c(hh_with(lambda hh: hh["members"][0].update(
        id_number=hh["members"][0]["id_number"] + "71", health="残疾"))),
    "disability_card_health": lambda: c(hh_with(lambda hh: hh["members"][0].update(
        id_number=hh["members"][0]["id_number"] + "42", health="残疾"))),
    "duplicate_id_within_household": lambda: c(_dup_across()),
    "duplicate_id_across_households": lambda: c(_dup_within()),
    "duplicate_member_no": lambda: c(hh_with(_m(3, member_no=None))),
    "sex_id_mismatch": lambda: c(hh_with(_m(0, sex=None))),
    "head_id_mismatch": lambda: c(hh_with(lambda hh: hh.update(
        head_id_number=hh["members"][0]["id_number"][:6] + hh["members"][0]["id_number"][8:17]))),
    "value_excel_corrupted": lambda: c(hh_with(_m(1, bank_account="6217001234567890123"))),
    "head_not_unique": lambda: c([make_household()]),
    "spouse_multiple": lambda: c([make_household()]),
    "head_spouse_same_sex": lambda: c(hh_with(_m(1, sex=None))),
    "relation_sex_mismatch": lambda: c(hh_with(_m(2, relation="之子", sex=None))),
    "size_mismatch": lambda: c(hh_with(_h(size=None))),
    "household_without_members": lambda: c([make_household()]),
    "member_without_household": lambda: c([make_household(has_income_record=False),
                                           make_household(has_income_record=False)]),
    "generation_gap": lambda: c(_added(member("之儿媳", "1970-01-01", "女"))
                                + hh_with(lambda hh: rebirth(hh["members"][2], "1981-01-15"))),
    "preschool_too_old": lambda: c(_added(member("之孙女", "2009-03-03", "女", education="学龄前儿童",
                                                 labour_skill="无劳动力"))),
    "school_status_age": lambda: c(hh_with(lambda hh: rebirth(hh["members"][3], "2001-01-01"))),
    "child_able_labour": lambda: c(hh_with(lambda hh: rebirth(hh["members"][3], "1999-01-01").update(
        labour_skill="普通劳动力", school_status="高中三年级", education="初中"))),
    "child_working": lambda: c(hh_with(_m(3, work_months=0, work_status=None))),
    "work_months_range": lambda: c(hh_with(_m(2, work_months=12))),
    "working_age_no_labour": lambda: c(hh_with(_m(2, labour_skill="无劳动力", health="残疾"))),
    "income_annual_identity": lambda: c(hh_with(lambda hh: hh.update(annual_income=hh["annual_income"] + 0.5))),
    "income_transfer_identity": lambda: c([make_household()]),
    "income_net_identity": lambda: c(hh_with(lambda hh: hh.update(net_income=hh["net_income"] - 1))),
    "income_per_capita_identity": lambda: c(hh_with(_h(size=5))),
    "declared_size_mismatch": lambda: c(hh_with(_h(declared_size=None))),
    "income_negative": lambda: c(hh_with(lambda hh: set_income(hh, property_income=0.0))),
    "exit_below_line": lambda: c(hh_with(lambda hh: set_income(hh, wage_income=12400.0), lifted=True)),
    "ordinary_above_line": lambda: c(hh_with(lambda hh: set_income(hh, wage_income=9400.0))
                                     + hh_with(lambda hh: set_income(hh, wage_income=9404.0, subsistence_income=0.0),
                                               household_type="低保贫困户", subsistence_income=1.0)),
    "subsistence_without_allowance": lambda: c(hh_with(lambda hh: set_income(hh, subsistence_income=1200.0),
                                                       household_type="低保户")),
    "five_guarantee_without_allowance": lambda: c([five_guarantee()]),
    "roster_income_mismatch": lambda: c(hh_with(lambda hh: hh.update(
        roster_per_capita_income=hh["roster_per_capita_income"] + 0.5))),
    "five_guarantee_able_member": lambda: c([resize(_with_member(five_guarantee(), member(
        "之子", "1985-05-05", "男", labour_skill="丧失劳动力", health="残疾")))]),
    "five_guarantee_too_large": lambda: c([resize(_with_member(five_guarantee(), member(
        "配偶", "1942-01-01", "女", labour_skill="丧失劳动力")))]),
    "cause_disability_without_disabled": lambda: c(hh_with(_m(1, health="残疾"), main_cause="因残")),
    "cause_illness_without_sick": lambda: c(hh_with(_m(0, health="患有大病"), main_cause="因病")),
    "main_cause_missing": lambda: c([make_household()]),
    "member_label_invalid": lambda: c(hh_with(_m(2, education="高中", work_status=None, work_months=None))),
    "household_label_invalid": lambda: c(hh_with(_h(other_causes="因病、因婚"))),
    "other_causes_too_many": lambda: c(hh_with(_h(other_causes="因病，因学"))),
    "lifted_dilapidated_house": lambda: c([make_household(dilapidated_house="是")]),
    "lifted_unsafe_water": lambda: c([make_household(water_safe="否", water_difficulty="是")]),
    "lifted_no_medical_insurance": lambda: c(hh_with(_m(1, serious_illness_insurance=None), lifted=True)),
    "lifted_school_dropout": lambda: c(hh_with(lambda hh: rebirth(hh["members"][3], "1999-10-10").update(
        school_status="非在校生", labour_skill="普通劳动力"), lifted=True)),
    "relocation_without_task": lambda: c(hh_with(_h(relocation="是")), relocation_task=True),
    "phone_invalid": lambda: c(hh_with(_m(0, phone="0718-8221234"))
                               + hh_with(_m(0, phone="(0718)8221234 / 13912345678"))),
    "phone_shared": lambda: c(_shared_phone(2)),
    "household_value_conflict": lambda: c(hh_with(_h(extra={"income_conflicts": {"household_type": [
        {"value": "一般贫困户"}, {"value": "低保贫困户"}]}}))),
    "income_table_conflict": lambda: c(hh_with(_h(extra={"conflicts": {"household_type": [
        {"value": "一般贫困户"}, {"value": "低保贫困户"}]}, "income_conflicts": {"head_id_number": [
        {"value": "x"}, {"value": "y"}]}}))),
    "household_value_not_number": lambda: c(hh_with(_h(size=None, extra={"income_columns": {"备注": "四口"}}))),
    "member_value_not_number": lambda: c(hh_with(_m(2, extra={"columns": {"公安人员状态": "正常"}}))),
    "household_no_corrupted": lambda: c(hh_with(_h(extra={"corrupted": ["member_no"]}))),
    "household_no_blank": lambda: c(hh_with(_m(3, extra={"corrupted": ["member_no"]}))),
    "county_data_year_missing": lambda: c([make_household()]),
}

# Rules that need two counties in one database are tested in test_checks.py.
MULTI_COUNTY = {"duplicate_id_across_counties"}


def test_every_rule_has_both_cases():
    ids = {r.id for r in load_rulebook() if r.level in ("household", "member", "county")}
    assert ids - MULTI_COUNTY == set(POSITIVE) == set(NEGATIVE)


@pytest.mark.parametrize("rule_id", sorted(POSITIVE))
def test_positive(db_url, rule_id):
    households, expected, county = POSITIVE[rule_id]()
    report = run(db_url, households, **county)
    got = {(f["household_no"], f["member_no"]) for f in report.findings if f["rule_id"] == rule_id}
    assert got == keys(households, expected), [f["message"] for f in report.findings]
    for f in report.findings:
        if f["rule_id"] == rule_id:
            assert "？" not in f["message"], f["message"]


@pytest.mark.parametrize("rule_id", sorted(NEGATIVE))
def test_negative(db_url, rule_id):
    households, _, county = NEGATIVE[rule_id]()
    report = run(db_url, households, **county)
    hit = [f["message"] for f in report.findings if f["rule_id"] == rule_id]
    assert hit == []


def test_clean_households_have_no_findings(db_url):
    households = [make_household(), make_household(lifted=True), five_guarantee()]
    report = run(db_url, households)
    assert report.findings == []
    assert report.summary()["households"] == 3 and DATA_YEAR == 2015
