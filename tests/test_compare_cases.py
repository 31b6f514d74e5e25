"""Department comparison on generated cases: ID forms, names, layouts, rules, refusals, re-runs (issue 5)."""

from __future__ import annotations

from pathlib import Path

import pytest
from builders import insert_county, with_check_digit, xlsx
from sqlalchemy import func, select

from fupin_tui.compare import (
    AmbiguousDepartment,
    ReadError,
    RuleError,
    compare_files,
    infer_department,
    prepare,
)
from fupin_tui.compare.matching import id_distance, name_pinyin, name_suggestion
from fupin_tui.compare.rules import parse_rules
from fupin_tui.models import Clue, DeptRecord, ImportFile, RejectedRow, session_scope


def make_id(birth: str = "19800101", seq: str = "123", region: str = "422822") -> str:
    """A valid 18-character ID (GB 11643 check digit)."""
    return with_check_digit(region + birth + seq)


def build_county(db: str, households: list[dict]):  # noqa: ANN201
    """The county of ``households`` in ``db`` (households without 乡镇/村 in 测试镇/测试村); the engine."""
    return insert_county(db, households, default_place=("测试镇", "测试村"))


ID_A = make_id("19800101", "123")  # 张伟, household 1, head
ID_B = make_id("19820202", "224")  # 李娜, household 1, spouse, disabled
ID_C = make_id("19500303", "331")  # 王强, household 2 (低保贫困户), head
ID_D = make_id("19600404", "442")  # 赵敏, household 3 (危房户 是), head
ID_E = make_id("19700505", "553")  # 刘洋, household 4 in another village
ID_X = make_id("19710610", "071")  # a head whose ID ends in X
while not ID_X.endswith("X"):
    ID_X = make_id("19710610", f"{int(ID_X[14:17]) + 1:03d}")


def households() -> list[dict]:
    return [
        {"household_no": "42282200000001", "township": "业州镇", "village": "东坪村", "household_type": "一般贫困户",
         "dilapidated_house": "否", "members": [
             {"member_no": "4228220000000101", "name": "张伟", "id_number": ID_A, "relation": "户主", "health": "健康"},
             {"member_no": "4228220000000102", "name": "李娜", "id_number": ID_B, "relation": "配偶", "health": "残疾"},
         ]},
        {"household_no": "42282200000002", "township": "业州镇", "village": "东坪村", "household_type": "低保贫困户",
         "dilapidated_house": "否", "members": [
             {"member_no": "4228220000000201", "name": "王强", "id_number": ID_C, "relation": "户主", "health": "健康"},
         ]},
        {"household_no": "42282200000003", "township": "业州镇", "village": "东坪村", "household_type": "一般贫困户",
         "dilapidated_house": "是", "members": [
             {"member_no": "4228220000000301", "name": "赵敏", "id_number": ID_D, "relation": "户主", "health": "健康"},
         ]},
        {"household_no": "42282200000004", "township": "花坪镇", "village": "西坡村", "household_type": "一般贫困户",
         "dilapidated_house": "否", "members": [
             {"member_no": "4228220000000401", "name": "刘洋", "id_number": ID_E, "relation": "户主", "health": "健康"},
             {"member_no": "4228220000000402", "name": "陈静", "id_number": ID_X, "relation": "配偶", "health": "健康"},
         ]},
    ]


@pytest.fixture
def engine(db_url):
    return build_county(db_url, households())


def kinds(result) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for c in result.clues:
        out.setdefault(c["kind"], []).append(c)
    return out


def police(tmp_path: Path, rows: list[list], name: str = "公安_人口.xlsx") -> Path:
    return xlsx(tmp_path / name, [["姓名", "公民身份号码", "人员状态", "变动日期"], *rows])


# -- ID forms ----------------------------------------------------------------------------------------------------------


def to15(id18: str) -> str:
    return id18[:6] + id18[8:17]


def test_15_digit_id_in_department_list_matches(engine, tmp_path):
    res = compare_files(engine, [police(tmp_path, [["张伟", to15(ID_A), "死亡", "2015-03-01"]])])
    dead = kinds(res)["dead_registered"]
    assert [(c["household_no"], c["member_no"]) for c in dead] == [("42282200000001", "4228220000000101")]
    assert res.lists[0].matched == 1


def test_15_digit_id_matches_member_with_wrong_check_digit(db_url, tmp_path):
    wrong = ID_A[:17] + ("0" if ID_A[17] != "0" else "1")
    engine = build_county(db_url, [{"household_no": "42282200000009", "members": [
        {"member_no": "4228220000000901", "name": "张伟", "id_number": wrong}]}])
    res = compare_files(engine, [police(tmp_path, [["张伟", to15(ID_A), "死亡", "2015-03-01"]])])
    assert res.lists[0].matched_id15 == 1
    clue = kinds(res)["dead_registered"][0]
    assert "15位" in clue["suggestion"]


def test_15_digit_id_in_roster_matches_18_digit_list(db_url, tmp_path):
    engine = build_county(db_url, [{"household_no": "42282200000009", "members": [
        {"member_no": "4228220000000901", "name": "张伟", "id_number": to15(ID_A)}]}])
    res = compare_files(engine, [police(tmp_path, [["张伟", ID_A, "死亡", "2015-03-01"]])])
    assert len(kinds(res)["dead_registered"]) == 1


def test_lowercase_x_and_fullwidth_digits_match(engine, tmp_path):
    lower = ID_X[:-1] + "x"
    full = "".join(chr(0xFF10 + int(ch)) for ch in ID_E)
    path = xlsx(tmp_path / "财政供养人员.xlsx", [
        ["姓名", "身份证号码", "工作单位", "编制类型"],
        ["陈静", lower, "某局", "事业编制"],
        ["刘洋", " " + full + " ", "某局", "行政编制"],
    ])
    res = compare_files(engine, [path])
    got = {c["member_no"] for c in kinds(res)["public_employee"]}
    assert got == {"4228220000000401", "4228220000000402"}


def test_excel_corrupted_ids_are_reported_never_matched(engine, tmp_path):
    path = xlsx(tmp_path / "财政供养人员.xlsx", [
        ["姓名", "身份证号码", "工作单位", "编制类型"],
        ["张伟", float(ID_A[:15] + "000"), "某局", "行政编制"],  # an ID typed as a number: digits lost
        ["王强", "12345", "某局", "行政编制"],
        ["赵敏", "", "某局", "行政编制"],
    ])
    res = compare_files(engine, [path])
    rep = res.lists[0]
    assert rep.rejected == 3 and rep.matched == 0 and rep.records == 0
    assert rep.rejected_kinds == {"corrupted": 1, "invalid": 1, "empty": 1}
    assert "public_employee" not in kinds(res)
    with session_scope(engine) as s:
        reasons = list(s.scalars(select(RejectedRow.reason)))
        assert any("Excel" in r for r in reasons)
        f = s.scalars(select(ImportFile)).one()
        assert f.rows_rejected == 3 and f.rows_imported == 0 and f.kind == "department"


# -- names -------------------------------------------------------------------------------------------------------------


def test_name_mismatch_is_its_own_clue_with_pinyin_suggestion(engine, tmp_path):
    path = xlsx(tmp_path / "工商_企业.xlsx", [
        ["法定代表人", "证件号码", "企业名称", "登记状态"],
        ["章伟", ID_A, "某某商贸有限公司", "存续"],  # homophone of 张伟
        ["王小强", ID_C, "某某农业合作社", "存续"],
    ])
    res = compare_files(engine, [path])
    k = kinds(res)
    mism = {c["member_no"]: c for c in k["name_mismatch"]}
    assert set(mism) == {"4228220000000101", "4228220000000201"}
    assert mism["4228220000000101"]["their_value"] == "章伟" and mism["4228220000000101"]["our_value"] == "张伟"
    assert "拼音相同" in mism["4228220000000101"]["suggestion"]
    assert "拼音相同" not in mism["4228220000000201"]["suggestion"]
    assert len(k["company_owner"]) == 2  # matching is on the ID; the names are a separate clue


def test_pinyin_helpers():
    assert name_pinyin("张伟") == name_pinyin("章玮") == "zhang wei"
    assert name_pinyin("阿依·古丽") == name_pinyin("阿依・古丽")
    assert id_distance("123", "124") == (1, [3])
    assert "同音" in name_suggestion("张伟", "章伟")
    assert "一个字" in name_suggestion("张伟", "张强")
    assert "完全不同" in name_suggestion("张伟", "李娜")


# -- layouts -----------------------------------------------------------------------------------------------------------


def test_list_with_extra_title_rows(engine, tmp_path):
    path = xlsx(tmp_path / "名单.xlsx", [
        ["建始县农村危房改造对象花名册"],
        ["填报单位：县住建局", None, "2016年"],
        [],
        ["序号", "户主\n姓名", "身份证号", "危房等级", "改造状态"],
        [1, "张伟", ID_A, "D级", "未改造"],
    ])
    tables = prepare([path])
    assert tables[0].table.header_row == 4 and tables[0].inference.dept == "housing"
    res = compare_files(engine, [path])
    rep = res.lists[0]
    assert rep.header_row == 4 and rep.matched == 1
    dil = kinds(res)["dilapidated_mismatch"]
    # Household 1 is on the list but flagged 否; household 3 is flagged 是 but not on the list: both directions.
    assert {c["household_no"] for c in dil} == {"42282200000001", "42282200000003"}
    assert all(c["member_no"] is None for c in dil)


def test_csv_and_html_xls_lists(engine, tmp_path):
    csv_path = tmp_path / "车管_机动车.csv"
    csv_path.write_text(f"所有人,身份证明号码,车辆类型,号牌号码,购置价格（元）\n王强,{ID_C},小型轿车,鄂Q12345,120000\n",
                        encoding="gb18030")
    html_path = tmp_path / "残联_持证.xls"
    html_path.write_text(
        "<html><body><table><tr><td colspan=3>持证残疾人名单</td></tr>"
        "<tr><th>姓名</th><th>残疾人证号</th><th>残疾类别</th></tr>"
        f"<tr><td>张伟</td><td>{ID_A}41</td><td>肢体</td></tr></table></body></html>", encoding="utf-8")
    res = compare_files(engine, [csv_path, html_path])
    k = kinds(res)
    assert [c["member_no"] for c in k["vehicle_owner"]] == ["4228220000000201"]
    assert [c["member_no"] for c in k["certificate_but_healthy"]] == ["4228220000000101"]
    # 李娜 is 残疾 and the 残联 list was compared: no certificate.
    assert [c["member_no"] for c in k["disabled_without_certificate"]] == ["4228220000000102"]


def test_list_that_matches_nobody(engine, tmp_path):
    path = xlsx(tmp_path / "工商_登记.xlsx", [
        ["法定代表人", "证件号码", "企业名称"],
        ["路人甲", make_id("19900101", "901"), "甲公司"],
        ["路人乙", make_id("19900102", "902"), "乙公司"],
    ])
    res = compare_files(engine, [path])
    rep = res.lists[0]
    assert (rep.matched, rep.unmatched, rep.typo) == (0, 2, 0)
    assert res.clues == []


def test_file_without_id_column_is_refused(tmp_path):
    path = xlsx(tmp_path / "民政_低保.xlsx", [["姓名", "保障类型"], ["张伟", "农村低保"]])
    with pytest.raises(ReadError, match="找不到证件号码列"):
        prepare([path])


# -- departments -------------------------------------------------------------------------------------------------------


def test_ambiguous_list_is_refused_and_dept_option_overrides(engine, tmp_path):
    path = xlsx(tmp_path / "名单.xlsx", [["姓名", "身份证号"], ["张伟", ID_A]])
    with pytest.raises(AmbiguousDepartment, match="--dept"):
        prepare([path])
    res = compare_files(engine, [path], dept="staffing")
    assert res.lists[0].dept == "staffing" and res.lists[0].inferred_from == "option"
    assert [c["member_no"] for c in kinds(res)["public_employee"]] == ["4228220000000101"]


def test_inference_rules():
    assert infer_department(["姓名", "身份证号"], "民政_低保名单.xlsx").source == "file_name"
    assert infer_department(["姓名", "身份证号"], "公安交管_机动车.xlsx").dept == "vehicles"
    inf = infer_department(["所有人", "身份证明号码", "号牌号码", "车辆类型"], "公安_名单.xlsx")
    assert (inf.dept, inf.source) == ("vehicles", "headers")  # headers first, file name second
    assert infer_department(["姓名", "身份证号", "是否党员", "职务"], "x.xlsx").dept == "organization"
    assert infer_department(["姓名", "身份证号", "补贴项目", "补贴金额"], "x.xlsx").dept == "agriculture"
    with pytest.raises(AmbiguousDepartment) as exc:
        infer_department(["姓名", "身份证号", "保障类型", "险种"], "汇总.xlsx")
    assert set(exc.value.candidates) >= {"civil_affairs", "social_security"}
    with pytest.raises(ValueError):
        infer_department(["姓名"], "x.xlsx", "police")


# -- rules -------------------------------------------------------------------------------------------------------------


def test_person_on_two_lists(engine, tmp_path):
    staff = xlsx(tmp_path / "财政供养.xlsx", [["姓名", "身份证号码", "编制类型"], ["刘洋", ID_E, "事业编制"]])
    cars = xlsx(tmp_path / "机动车.xlsx", [["所有人", "身份证明号码", "号牌号码", "车辆类型", "购置价格"],
                                               ["刘洋", ID_E, "鄂Q1", "小型轿车", 50000],
                                               ["刘洋", ID_E, "鄂Q2", "二轮摩托车", 50000],
                                               ["王强", ID_C, "鄂Q3", "小型轿车", 20000],
                                               ["赵敏", ID_D, "鄂Q4", "小型轿车", None]])
    res = compare_files(engine, [staff, cars])
    mine = [c for c in res.clues if c["member_no"] == "4228220000000401"]
    assert {(c["dept"], c["kind"]) for c in mine} == {("staffing", "public_employee"), ("vehicles", "vehicle_owner")}
    vehicles = kinds(res)["vehicle_owner"]
    # Motorcycles are excluded, 20,000 元 is below the 30,000 元 line, an unknown price is still a clue.
    assert {c["member_no"] for c in vehicles} == {"4228220000000401", "4228220000000301"}


def test_subsistence_rules_and_absence_only_when_list_imported(engine, tmp_path):
    path = xlsx(tmp_path / "民政.xlsx", [["姓名", "身份证号", "保障类型", "乡镇", "村"],
                                             ["张伟", ID_A, "农村低保", "业州镇", "东坪村"],
                                             ["赵敏", ID_D, "特困供养", "业州镇", "东坪村"]])
    res = compare_files(engine, [path])
    k = kinds(res)
    mism = {c["member_no"]: c for c in k["subsistence_type_mismatch"]}
    assert set(mism) == {"4228220000000101", "4228220000000301"}
    assert mism["4228220000000101"]["our_value"] == "一般贫困户"
    # Household 2 is 低保贫困户 but nobody of it is on the 民政 低保 list.
    assert [c["household_no"] for c in k["subsistence_not_on_list"]] == ["42282200000002"]
    # No 残联 list was compared: no disability absence clue; no 住建 list: no dilapidated clue.
    assert "disabled_without_certificate" not in k and "dilapidated_mismatch" not in k


def test_dead_moved_out_urban_pension_agriculture_organization(engine, tmp_path):
    pol = police(tmp_path, [["张伟", ID_A, "迁出", "2015-06-01"], ["王强", ID_C, "正常", ""]])
    pension = xlsx(tmp_path / "人社.xlsx", [["姓名", "社会保障号码", "险种", "待遇状态"],
                                                ["王强", ID_C, "城乡居民基本养老保险", "按月领取"],
                                                ["赵敏", ID_D, "机关事业单位养老保险", "按月领取"]])
    farm = xlsx(tmp_path / "农业补贴.xlsx", [["姓名", "身份证号", "补贴项目", "补贴金额"],
                                                 ["刘洋", ID_E, "农机购置补贴", 45000],
                                                 ["陈静", ID_X, "耕地地力保护补贴", 320]])
    org = xlsx(tmp_path / "组织部_村干部.xlsx", [["姓名", "身份证号", "职务", "是否党员"],
                                                   ["刘洋", ID_E, "村委会主任", "是"],
                                                   ["陈静", ID_X, "", "是"]])
    res = compare_files(engine, [pol, pension, farm, org])
    k = kinds(res)
    assert [c["member_no"] for c in k["moved_out"]] == ["4228220000000101"]
    assert "dead_registered" not in k
    assert [c["member_no"] for c in k["urban_pension"]] == ["4228220000000301"]
    assert [c["member_no"] for c in k["agriculture_subsidy"]] == ["4228220000000401"]
    # 组织部 lists: village officials are issue 8's clue (fupin import); here only ID/name comparison.
    assert not any(c["dept"] == "organization" for c in res.clues)
    assert "村级" in next(r.note for r in res.lists if r.dept == "organization")


def test_possible_id_typo_same_village_only(engine, tmp_path):
    typo = ID_D[:10] + ("9" if ID_D[10] != "9" else "8") + ID_D[11:]  # one digit off
    path = xlsx(tmp_path / "民政.xlsx", [["姓名", "身份证号", "保障类型", "乡镇", "村"],
                                             ["赵敏", typo, "农村低保", "业州镇", "东坪村"],
                                             ["刘洋", ID_E[:16] + "00", "农村低保", "业州镇", "东坪村"]])
    res = compare_files(engine, [path])
    typos = kinds(res)["possible_id_typo"]
    # 刘洋 lives in 西坡村, not in 东坪村: no typo clue even though the number is close.
    assert [c["member_no"] for c in typos] == ["4228220000000301"]
    c = typos[0]
    assert "只差 1 位" in c["message"] and "第 11 位" in c["message"]
    assert c["their_value"].startswith("422822") and "*" in c["their_value"]
    assert res.lists[0].typo == 1


def test_possible_id_typo_county_wide_without_village_and_homophones(engine, tmp_path):
    off = ID_E[:17] + ("1" if ID_E[17] != "1" else "2")
    path = police(tmp_path, [["刘阳", off, "死亡", "2015-01-01"]])  # 刘阳 ~ 刘洋 (liu yang)
    res = compare_files(engine, [path])
    typos = kinds(res)["possible_id_typo"]
    assert [c["member_no"] for c in typos] == ["4228220000000401"]
    assert "同音" in typos[0]["suggestion"]
    assert "死亡" in typos[0]["message"]


# -- re-runs -----------------------------------------------------------------------------------------------------------


def test_rerun_no_duplicates_verdicts_kept_and_new_version_supersedes(engine, tmp_path):
    rows = [["姓名", "身份证号码", "编制类型"], ["张伟", ID_A, "行政编制"], ["王强", ID_C, "事业编制"]]
    path = xlsx(tmp_path / "财政供养.xlsx", rows)
    first = compare_files(engine, [path])
    assert first.counts["new"] == 2
    with session_scope(engine) as s:
        c = s.scalars(select(Clue).where(Clue.member_no == "4228220000000201")).one()
        c.status, c.note, c.verifier = "不属实", "同名同号，已调出", "李四"
    again = compare_files(engine, [path, path])  # the same file twice in one run, and a second run
    assert again.counts == {"new": 0, "updated": 0, "unchanged": 2, "reactivated": 0, "deactivated": 0, "active": 2}
    with session_scope(engine) as s:
        assert s.scalar(select(func.count()).select_from(Clue)) == 2
        assert s.scalar(select(func.count()).select_from(DeptRecord)) == 2
        assert s.scalar(select(func.count()).select_from(ImportFile)) == 1
    # A new version of the same file (王强 gone): his clue is deactivated, never deleted, verdict kept.
    xlsx(path, rows[:2])
    third = compare_files(engine, [path])
    assert third.counts["deactivated"] == 1 and third.counts["active"] == 1
    with session_scope(engine) as s:
        gone = s.scalars(select(Clue).where(Clue.member_no == "4228220000000201")).one()
        assert (gone.active, gone.status, gone.note, gone.verifier) == (False, "不属实", "同名同号，已调出", "李四")
        assert s.scalar(select(func.count()).select_from(DeptRecord)) == 1
    # Back again: reactivated with its verdict.
    xlsx(path, rows)
    fourth = compare_files(engine, [path])
    assert fourth.counts["reactivated"] == 1
    with session_scope(engine) as s:
        back = s.scalars(select(Clue).where(Clue.member_no == "4228220000000201")).one()
        assert (back.active, back.status) == (True, "不属实")


def test_dept_option_on_reimport_relabels(engine, tmp_path):
    path = xlsx(tmp_path / "名单.xlsx", [["姓名", "身份证号"], ["张伟", ID_A]])
    compare_files(engine, [path], dept="staffing")
    res = compare_files(engine, [path], dept="market")
    assert {c["kind"] for c in res.clues} == {"company_owner"}
    with session_scope(engine) as s:
        assert set(s.scalars(select(DeptRecord.dept))) == {"market"}
        old = s.scalars(select(Clue).where(Clue.kind == "public_employee")).one()
        assert old.active is False


# -- rule files --------------------------------------------------------------------------------------------------------


def test_rule_file_errors():
    with pytest.raises(RuleError, match="部门代码"):
        parse_rules('[[rule]]\nkind="x"\ndept="police"\ntest="member_on_list"\nmessage="m"\n')
    with pytest.raises(RuleError, match="检验方式"):
        parse_rules('[[rule]]\nkind="x"\ndept="market"\ntest="nope"\nmessage="m"\n')
    with pytest.raises(RuleError, match="参数 price"):
        parse_rules('[[rule]]\nkind="x"\ndept="vehicles"\ntest="member_on_list"\nmessage="m"\n'
                    'record=[{field="price", gte="$price"}]\n')
    with pytest.raises(RuleError, match="问题分类"):
        parse_rules('[[rule]]\nkind="x"\ndept="market"\ntest="member_on_list"\nmessage="m"\ncategory="bad"\n')


def test_custom_rule_file_and_price_param(engine, tmp_path):
    rules = tmp_path / "rules.toml"
    rules.write_text(
        '[[rule]]\nkind = "vehicle_owner"\ndept = "vehicles"\ntest = "member_on_list"\nseverity = "严重"\n'
        'category = "eligibility"\nmessage = "有车 {rec.price} 元"\ntheir_value = "{rec.plate}"\n'
        'params = { price = 10000 }\nrecord = [{ field = "price", gte = "$price" }]\n', encoding="utf-8")
    cars = xlsx(tmp_path / "机动车.xlsx", [["所有人", "身份证明号码", "号牌号码", "车辆类型", "购置价格"],
                                               ["王强", ID_C, "鄂Q3", "小型轿车", "2万"]])
    res = compare_files(engine, [cars], rules_path=rules)
    assert [(c["kind"], c["message"]) for c in res.clues] == [("vehicle_owner", "有车 2万 元")]


def test_other_packages_clues_survive_a_comparison(engine, tmp_path):
    from fupin_tui.compare.store import clue_key, upsert_clues
    from fupin_tui.models.db import bulk_connection

    ext = {"key": clue_key("organization", "village_official_registered", "42282200000004", "4228220000000401", "x"),
           "dept": "organization", "kind": "village_official_registered", "household_no": "42282200000004",
           "member_no": "4228220000000401", "their_value": "x", "our_value": "y", "message": "m",
           "severity": "严重", "category": "eligibility", "suggestion": "", "source_file": "", "source_row": None,
           "household_id": None}
    with bulk_connection(engine) as conn:
        upsert_clues(conn, "422822", [ext], depts=["organization"], kinds=["village_official_registered"])
    org = xlsx(tmp_path / "组织部_党员.xlsx", [["姓名", "身份证号", "是否党员"], ["刘洋", ID_E, "是"]])
    compare_files(engine, [org])
    with session_scope(engine) as s:
        assert s.scalars(select(Clue.active).where(Clue.kind == "village_official_registered")).one() is True


# -- command line ------------------------------------------------------------------------------------------------------


def _invoke(*args: str):
    from typer.testing import CliRunner

    from fupin_tui.cli import app

    return CliRunner().invoke(app, list(args), env={"COLUMNS": "160"})


def test_cli_refuses_ambiguous_list_with_the_option_to_give(engine, db_url, tmp_path):
    path = xlsx(tmp_path / "名单.xlsx", [["姓名", "身份证号"], ["张伟", ID_A]])
    res = _invoke("compare", str(path), "--db", db_url)
    assert res.exit_code == 1
    assert "--dept" in res.output and "名单.xlsx" in res.output
    ok = _invoke("compare", str(path), "--db", db_url, "--dept", "staffing", "--json")
    assert ok.exit_code == 0, ok.output
    import json

    data = json.loads(ok.stdout)
    assert [(c["dept"], c["kind"], c["household_no"], c["member_no"]) for c in data["clues"]] == [
        ("staffing", "public_employee", "42282200000001", "4228220000000101")]
    assert data["files"][0]["inferred_from"] == "option"


def test_cli_usage_and_data_errors(engine, db_url, tmp_path):
    path = xlsx(tmp_path / "名单.xlsx", [["姓名", "身份证号"], ["张伟", ID_A]])
    assert _invoke("compare", str(path), "--db", db_url, "--dept", "police").exit_code == 2
    missing = _invoke("compare", str(tmp_path / "没有.xlsx"), "--db", db_url)
    assert missing.exit_code == 1 and "没有.xlsx" in missing.output
    nodb = _invoke("compare", str(path), "--db", str(tmp_path / "none.db"), "--dept", "market")
    assert nodb.exit_code == 1 and "数据库" in nodb.output
    other = _invoke("compare", str(path), "--db", db_url, "--dept", "market", "--county", "420101")
    assert other.exit_code == 1 and "420101" in other.output


def test_compiled_conditions_agree_with_check():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from fupin_tui.compare.rules import Condition, check

    words = st.sampled_from(["死亡", "迁出", "农村低保", "特困供养", "", " ", "是", "否", "职工", "城乡居民"])
    values = st.one_of(st.none(), words, st.integers(-5, 5), st.floats(allow_nan=False, width=16), st.text(max_size=4))

    @settings(max_examples=300, deadline=None)
    @given(op=st.sampled_from(["in", "not_in", "contains", "not_contains"]), ws=st.lists(words, min_size=1, max_size=3),
           blank=st.booleans(), v=values)
    def run(op, ws, blank, v):
        cond = Condition("f", op, tuple(ws), blank)
        assert cond.fn(v) == check(cond, v)

    run()


def test_comparison_on_both_backends(storage_db, tmp_path):
    """The same comparison on SQLite and PostgreSQL: store, match, rules, upsert, re-run with a verdict kept."""
    engine = build_county(storage_db, households())
    staff = xlsx(tmp_path / "财政供养.xlsx", [["姓名", "身份证号码", "编制类型"], ["章伟", ID_A, "行政编制"]])
    pol = police(tmp_path, [["王强", to15(ID_C), "死亡", "2015-03-01"]])
    first = compare_files(engine, [staff, pol])
    assert {c["kind"] for c in first.clues} == {"public_employee", "name_mismatch", "dead_registered"}
    with session_scope(engine) as s:
        c = s.scalars(select(Clue).where(Clue.kind == "dead_registered")).one()
        c.status, c.note = "属实", "已核实死亡"
    again = compare_files(engine, [staff, pol])
    assert again.counts["new"] == 0 and again.counts["unchanged"] == 3
    with session_scope(engine) as s:
        assert s.scalars(select(Clue.status).where(Clue.kind == "dead_registered")).one() == "属实"
        assert s.scalar(select(func.count()).select_from(DeptRecord)) == 2
