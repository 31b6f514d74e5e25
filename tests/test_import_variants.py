"""Issue 4: every layout variant and defect, written at test time by tests/fixtures_gen.py, imported correctly or
rejected clearly."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from fixtures_gen import (
    ROSTER_HEADER,
    DateCell,
    Formula,
    income_rows,
    make_households,
    roster_rows,
    write_csv,
    write_html_xls,
    write_ods,
    write_spreadsheetml,
    write_xls,
    write_xlsx,
)
from fupin_tui.importing import ImportFailure, import_files
from fupin_tui.models import Household, ImportFile, Member, RejectedRow, get_engine, session_scope


def _engine(tmp_path: Path):  # noqa: ANN202
    return get_engine(tmp_path / "t.db")


def _members(engine) -> list[dict]:  # noqa: ANN001
    with engine.connect() as c:
        return [dict(r._mapping) for r in c.execute(select(Member.__table__).order_by(Member.id))]


def _households(engine) -> dict[str, dict]:  # noqa: ANN001
    with engine.connect() as c:
        return {r.household_no: dict(r._mapping) for r in c.execute(select(Household.__table__))}


def _counts(engine) -> dict[str, int]:  # noqa: ANN001
    with engine.connect() as c:
        return {t: c.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in (
            "county", "township", "village", "household", "member", "import_file", "rejected_row")}


def _accounted(report) -> None:  # noqa: ANN001
    assert report.rows_total == report.rows_imported + report.rows_rejected + report.rows_skipped
    for f in report.imported_files:
        for s in f.sheets:
            c = s.counts
            assert c.total == c.imported + c.rejected + c.skipped


# ------------------------------------------------------------------------------------------------------ layouts


def test_title_rows_header_on_third_row_and_data_year(tmp_path: Path) -> None:
    hhs = make_households()
    p = write_xlsx(tmp_path / "花名册.xlsx", {"花名册": roster_rows(hhs)}, merges={"花名册": ["A1:AA1", "A2:AA2"]})
    e = _engine(tmp_path)
    r = import_files(e, [p])
    sheet = r.files[0].sheets[0]
    assert sheet.header_row == 3 and sheet.kind == "roster"
    assert r.counties[0].code == "422822" and r.counties[0].data_year == 2015 and r.counties[0].name == "建始县"
    assert r.households == 6 and r.members == sum(len(h.members) for h in hhs)
    hh = _households(e)["42282200000001"]
    assert hh["size"] == 3 and hh["poverty_status"] == "已脱贫" and hh["head_name"] == "甲一"
    assert hh["roster_per_capita_income"] == 2800
    with session_scope(e) as s:
        f = s.scalars(select(ImportFile)).one()
        assert (f.rows_total, f.rows_imported, f.rows_rejected, f.rows_skipped, f.header_row) == (15, 15, 0, 0, 3)
        assert f.data_year == 2015 and f.sheet == "花名册" and len(f.sha256) == 64
    _accounted(r)


def test_header_deep_down_after_blank_rows(tmp_path: Path) -> None:
    rows = [[""] * 5] * 6 + roster_rows(make_households(2), title=True)
    p = write_xlsx(tmp_path / "r.xlsx", {"S": rows})
    r = import_files(_engine(tmp_path), [p])
    assert r.files[0].sheets[0].header_row == 9
    assert r.rows_imported == 5


def test_two_row_header_and_group_labels(tmp_path: Path) -> None:
    hhs = make_households(3)
    body = roster_rows(hhs, title=False)[1:]
    top = ["序号", "县(市、区、旗)", "乡(镇)", "行政村", "自然村", "户编号", "家庭成员信息"] + [""] * 10 + \
          ["务工情况", ""] + ["户信息"] + [""] * 7
    bottom = ["", "", "", "", "", "", "人编号", "姓名", "证件号码", "人数", "与户主关系", "民族", "文化程度",
              "在校生状况", "健康状况", "劳动技能", "务工状况", "务工时间（月）", "参加大病医疗", "脱贫属性", "贫困户属性",
              "主要致贫原因", "危房户", "饮水安全", "饮水困难", "人均纯收入", "联系电话"]
    # 务工情况 over two columns would shadow 务工状况: put the group label where the lower row has its own labels
    top[16:18] = ["务工", ""]
    p = write_xlsx(tmp_path / "two.xlsx", {"S": [["建始县 数据年度：2015"], top, bottom] + body},
                   merges={"S": ["G2:Q2", "S2:Z2"]})
    e = _engine(tmp_path)
    r = import_files(e, [p])
    s = r.files[0].sheets[0]
    assert s.header_row == 3
    fields = {f for _, _, f in s.mapping}
    assert {"household_no", "member_no", "name", "id_number", "relation", "work_status", "poverty_status"} <= fields
    assert r.rows_imported == len(body)
    assert _households(e)["42282200000002"]["household_type"] == "低保贫困户"


def test_variant_headers_sex_column_and_trailing_police_columns(tmp_path: Path) -> None:
    hhs = make_households(3)
    header = list(ROSTER_HEADER)
    header[header.index("证件号码")] = "身份证号"
    header[header.index("人数")] = "家庭成员数"
    header[header.index("乡(镇)")] = "镇（乡）"
    header[header.index("自然村")] = "社、组"
    header[header.index("劳动技能")] = "劳动能力\n页面（劳动技能）"
    header[header.index("务工时间（月）")] = "务工时间\n（月）"
    header.insert(header.index("与户主关系"), "性别")
    header += ["公安姓名", "公安人员状态"]
    key_map = {"身份证号": "id_number", "家庭成员数": "size", "镇（乡）": "township", "社、组": "hamlet",
               "劳动能力\n页面（劳动技能）": "labour_skill", "务工时间\n（月）": "work_months", "性别": "sex",
               "公安姓名": "police_name", "公安人员状态": "police_status"}
    for hh in hhs:
        for m in hh.members:
            m["sex"] = "男"
            m["police_name"] = m["name"]
            m["police_status"] = "正常"
    rows = roster_rows(hhs, header=header, key_map=key_map)
    p = write_xlsx(tmp_path / "v.xlsx", {"S": rows})
    e = _engine(tmp_path)
    r = import_files(e, [p])
    fields = {f for _, _, f in r.files[0].sheets[0].mapping}
    assert {"id_number", "size", "township", "hamlet", "labour_skill", "work_months", "sex"} <= fields
    ms = _members(e)
    assert ms[0]["sex"] == "男" and ms[0]["labour_skill"] == "普通劳动力" and ms[0]["id_norm"]
    assert ms[0]["extra"]["columns"] == {"公安姓名": "甲一", "公安人员状态": "正常"}
    hh = _households(e)["42282200000001"]
    assert hh["size"] == 3 and hh["hamlet"] == "1组" and hh["township_id"] is not None


def test_several_sheets_pick_the_roster_and_say_which(tmp_path: Path) -> None:
    hhs = make_households(3)
    p = write_xlsx(tmp_path / "多表.xlsx", {
        "说明": [["本表由系统导出"], ["请勿修改"]],
        "统计": [["乡镇", "户数"], ["业州镇", 2]],
        "花名册": roster_rows(hhs),
        "空表": [],
    })
    r = import_files(_engine(tmp_path), [p])
    kinds = {s.sheet: s.kind for s in r.files[0].sheets}
    assert kinds["花名册"] == "roster" and kinds["说明"] == "other" and kinds["空表"] == "empty"
    assert r.rows_imported == 9


def test_roster_split_over_sheets_and_files_and_income_in_any_order(tmp_path: Path) -> None:
    hhs = make_households(6)
    rows = roster_rows(hhs)
    header = rows[2]
    part1, part2 = rows[:3] + rows[3:10], [header] + rows[10:]
    p1 = write_xlsx(tmp_path / "花名册_1.xlsx", {"Sheet1": part1[:3] + part1[3:6], "Sheet2": [header] + part1[6:]})
    p2 = write_xlsx(tmp_path / "花名册_2.xlsx", {"Sheet1": part2})
    inc = write_xlsx(tmp_path / "a_income.xlsx", {"户收入": income_rows(hhs)})
    e = _engine(tmp_path)
    r = import_files(e, [inc, p2, p1])  # income first on the command line
    assert [f.name for f in r.files][:2] == ["花名册_1.xlsx", "花名册_2.xlsx"]  # rosters first
    assert r.households == 6 and r.members == sum(len(h.members) for h in hhs)
    hh = _households(e)["42282200000004"]
    assert hh["has_income_record"] and hh["wage_income"] == 5300 and hh["declared_size"] == 1
    assert hh["road_type"] == "水泥路" and hh["arable_land"] == 1.5


def test_blank_rows_totals_row_and_repeated_header(tmp_path: Path) -> None:
    rows = roster_rows(make_households(3))
    rows.insert(5, [""] * len(ROSTER_HEADER))
    rows.insert(8, list(ROSTER_HEADER))  # repeated header (printing)
    rows.append(["合计", "", "", "", "", "3户", "", "", "", 9] + [""] * 17)
    rows.append([""] * 3)
    p = write_xlsx(tmp_path / "r.xlsx", {"S": rows})
    r = import_files(_engine(tmp_path), [p])
    c = r.files[0].sheets[0].counts
    assert (c.imported, c.skipped_blank, c.skipped_total, c.skipped_header, c.rejected) == (9, 1, 1, 1, 0)
    _accounted(r)


def test_formulas_apostrophes_and_date_serials(tmp_path: Path) -> None:
    hhs = make_households(2)
    rows = roster_rows(hhs)
    col = {h: i for i, h in enumerate(ROSTER_HEADER)}
    rows[3][col["人数"]] = Formula("COUNTIF(F4:F6,F4)", 3)
    rows[3][col["人均纯收入"]] = Formula("ROUND(8400/3,0)", 2800)
    rows[4][col["证件号码"]] = "'" + str(hhs[0].members[1]["id_number"])
    rows[4][col["人编号"]] = "'" + str(hhs[0].members[1]["member_no"])
    rows[3][col["务工时间（月）"]] = DateCell(6)  # a 6 typed into a date-formatted cell
    p = write_xlsx(tmp_path / "r.xlsx", {"S": rows})
    e = _engine(tmp_path)
    import_files(e, [p])
    hh = _households(e)["42282200000001"]
    assert hh["size"] == 3 and hh["roster_per_capita_income"] == 2800
    ms = _members(e)
    assert ms[1]["id_number"] == hhs[0].members[1]["id_number"] and ms[1]["id_kind"] == "id18"
    assert ms[1]["member_no"] == "4228220000000102"
    assert ms[0]["work_months"] == 6


def test_ids_and_numbers_stored_as_numbers_are_flagged_never_guessed(tmp_path: Path) -> None:
    hhs = make_households(2)
    rows = roster_rows(hhs)
    col = {h: i for i, h in enumerate(ROSTER_HEADER)}
    rows[3][col["证件号码"]] = float(hhs[0].members[0]["id_number"])  # 18 digits as an Excel number
    rows[3][col["户编号"]] = 42282200000001.0  # 14 digits survive as a number
    rows[4][col["人编号"]] = 4228220000000102.0  # 16 digits: Excel keeps 15
    rows[5][col["证件号码"]] = "4.22822195212036E+17"  # text showing scientific notation
    p = write_xlsx(tmp_path / "r.xlsx", {"S": rows})
    e = _engine(tmp_path)
    r = import_files(e, [p])
    assert r.rows_rejected == 0
    ms = _members(e)
    assert ms[0]["id_kind"] == "corrupted" and ms[0]["id_norm"] is None
    assert ms[0]["household_no"] == "42282200000001"
    assert "member_no" in ms[1]["extra"]["corrupted"] and ms[1]["household_no"] == "42282200000001"
    assert ms[2]["id_kind"] == "corrupted" and ms[2]["id_norm"] is None
    # the original digits never appear (no guessing)
    assert ms[0]["id_number"] != hhs[0].members[0]["id_number"]


def test_lowercase_x_fullwidth_digits_and_inner_spaces(tmp_path: Path) -> None:
    hhs = make_households(2)
    rows = roster_rows(hhs)
    col = {h: i for i, h in enumerate(ROSTER_HEADER)}
    ids = [m["id_number"] for h in hhs for m in h.members]
    fw = str.maketrans("0123456789", "０１２３４５６７８９")
    rows[3][col["证件号码"]] = ids[0].lower().translate(fw)
    rows[4][col["证件号码"]] = ids[1][:6] + " " + ids[1][6:14] + " " + ids[1][14:]
    rows[5][col["户编号"]] = "４２２８２２００００００01"
    p = write_xlsx(tmp_path / "r.xlsx", {"S": rows})
    e = _engine(tmp_path)
    import_files(e, [p])
    ms = _members(e)
    assert ms[0]["id_norm"] == ids[0].upper() and ms[1]["id_norm"] == ids[1]
    assert ms[2]["household_no"] == "42282200000001"
    assert ms[0]["id_number"] != ms[0]["id_norm"]  # the cell is stored as exported


def test_duplicate_member_no_scattered_rows_and_contradicting_values(tmp_path: Path) -> None:
    hhs = make_households(3, members=(3, 2, 2))
    rows = roster_rows(hhs, repeat=True)
    col = {h: i for i, h in enumerate(ROSTER_HEADER)}
    # move the 3rd member of household 1 to the end (scattered) and contradict its 脱贫属性
    moved = rows.pop(5)
    moved[col["脱贫属性"]] = "未脱贫"
    moved[col["人数"]] = 4
    rows.append(moved)
    # duplicate 人编号 in household 2
    rows[6][col["人编号"]] = rows[5][col["人编号"]]
    p = write_xlsx(tmp_path / "r.xlsx", {"S": rows})
    e = _engine(tmp_path)
    r = import_files(e, [p])
    assert r.rows_rejected == 0 and r.households == 3
    hh = _households(e)["42282200000001"]
    assert hh["poverty_status"] == "已脱贫" and hh["size"] == 3  # the first row carrying the value wins
    conflicts = hh["extra"]["conflicts"]
    assert [c["value"] for c in conflicts["poverty_status"]] == ["已脱贫", "未脱贫"]
    assert conflicts["size"][1]["row"] == len(rows) and conflicts["size"][1]["sheet"] == "S"
    ms = [m for m in _members(e) if m["household_no"] == "42282200000001"]
    assert [m["member_no"][-2:] for m in ms] == ["01", "02", "03"]
    assert ms[2]["position"] == 2
    dup = [m for m in _members(e) if m["household_no"] == "42282200000002"]
    assert dup[0]["member_no"] == dup[1]["member_no"]


def test_unknown_labels_and_bad_numbers_imported_as_they_are(tmp_path: Path) -> None:
    rows = roster_rows(make_households(2))
    col = {h: i for i, h in enumerate(ROSTER_HEADER)}
    rows[3][col["文化程度"]] = "中专"
    rows[3][col["与户主关系"]] = "户  主"
    rows[3][col["人数"]] = "三人"
    rows[4][col["务工时间（月）"]] = "半年"
    p = write_xlsx(tmp_path / "r.xlsx", {"S": rows})
    e = _engine(tmp_path)
    r = import_files(e, [p])
    assert r.rows_rejected == 0
    ms = _members(e)
    assert ms[0]["education"] == "中专" and ms[0]["relation"] == "户  主"
    assert ms[1]["work_months"] is None and ms[1]["extra"]["bad_values"] == {"work_months": "半年"}
    hh = _households(e)["42282200000001"]
    assert hh["size"] is None and hh["extra"]["bad_values"] == {"size": "三人"}


def test_blank_household_numbers_attached_or_rejected(tmp_path: Path) -> None:
    hhs = make_households(3)
    rows = roster_rows(hhs)
    col = {h: i for i, h in enumerate(ROSTER_HEADER)}
    hc, mc = col["户编号"], col["人编号"]
    rows[4][hc] = ""  # member 2 of household 1, right under its head: attached (previous row)
    rows[5][hc] = ""
    rows[5][mc] = ""  # no 人编号 either, still under household 1: attached (previous row)
    rows[7][hc] = ""  # household 2's member with its 人编号: attached by 人编号
    # a head row with neither 户编号 nor a usable 人编号: rejected
    rows.append(["99", "建始县", "业州镇", "业州东坪村", "1组", "", "", "某人", "", 1, "户主"] + [""] * 16)
    # a member row after a blank row with a 人编号 pointing nowhere: rejected
    rows.append([""] * len(ROSTER_HEADER))
    rows.append(["100", "建始县", "", "", "", "", "4228229999999901", "某人"] + [""] * 19)
    # a note row under the table: not a data row
    rows.append(["制表人：某某", "", "", "审核人："])
    p = write_xlsx(tmp_path / "r.xlsx", {"S": rows})
    e = _engine(tmp_path)
    r = import_files(e, [p])
    assert r.rows_rejected == 3
    rejected_rows = sorted(x.row for x in r.rejects)
    assert rejected_rows == [len(rows) - 3, len(rows) - 1, len(rows)]
    assert all(x.file == "r.xlsx" and x.sheet == "S" for x in r.rejects)
    assert r.rejects[0].column == "F（户编号）"
    ms = _members(e)
    by_no = {m["member_no"]: m for m in ms if m["member_no"]}
    assert by_no["4228220000000102"]["household_no"] == "42282200000001"
    assert by_no["4228220000000102"]["extra"]["household_no_inferred"] == "previous_row"
    assert by_no["4228220000000201"]["extra"].get("household_no_inferred") is None
    assert any(m["household_no"] == "42282200000001" and m["member_no"] is None for m in ms)
    with session_scope(e) as s:
        stored = s.scalars(select(RejectedRow).order_by(RejectedRow.row)).all()
        assert [x.row for x in stored] == rejected_rows
        assert all(x.import_file_id for x in stored)
    _accounted(r)


def test_merged_household_cells_are_filled(tmp_path: Path) -> None:
    hhs = make_households(2, members=(3, 2))
    rows = roster_rows(hhs)
    col = {h: i for i, h in enumerate(ROSTER_HEADER)}
    for r in (4, 5):
        rows[r][col["户编号"]] = ""
        rows[r][col["乡(镇)"]] = ""
    p = write_xlsx(tmp_path / "r.xlsx", {"S": rows}, merges={"S": ["F4:F6", "C4:C6"]})
    e = _engine(tmp_path)
    r = import_files(e, [p])
    assert r.rows_rejected == 0
    ms = _members(e)
    assert [m["household_no"] for m in ms[:3]] == ["42282200000001"] * 3
    assert "household_no_inferred" not in ms[1]["extra"]


def test_empty_required_columns_imported(tmp_path: Path) -> None:
    hhs = make_households(2)
    for hh in hhs:
        for m in hh.members:
            m["id_number"] = ""
            m["relation"] = ""
    p = write_xlsx(tmp_path / "r.xlsx", {"S": roster_rows(hhs)})
    e = _engine(tmp_path)
    r = import_files(e, [p])
    assert r.rows_imported == 5 and r.rows_rejected == 0
    assert all(m["id_number"] is None and m["relation"] is None for m in _members(e))
    assert _households(e)["42282200000001"]["head_name"] is None  # no 户主 row: the rulebook reports it


# -------------------------------------------------------------------------------------------------- formats


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_roster(tmp_path: Path, encoding: str) -> None:
    hhs = make_households(3)
    p = write_csv(tmp_path / "花名册.csv", roster_rows(hhs), encoding=encoding)
    e = _engine(tmp_path)
    r = import_files(e, [p])
    assert r.rows_imported == 9 and r.counties[0].data_year == 2015
    assert _members(e)[0]["name"] == "甲一"
    assert r.files[0].encoding in ("utf-8", "utf-8-sig", "gb18030")


def test_html_and_spreadsheetml_disguised_as_xls(tmp_path: Path) -> None:
    hhs = make_households(3)
    p1 = write_html_xls(tmp_path / "花名册.xls", roster_rows(hhs), encoding="gbk",
                        spans={(0, 0): (1, len(ROSTER_HEADER))})
    p2 = write_spreadsheetml(tmp_path / "户收入.xls", {"户收入": income_rows(hhs)})
    e = _engine(tmp_path)
    r = import_files(e, [p2, p1])
    assert {f.format for f in r.files} == {"html", "spreadsheetml"}
    assert r.rows_imported == 9 + 3 and r.rows_rejected == 0
    hh = _households(e)["42282200000003"]
    assert hh["has_income_record"] and hh["business_income"] == 3000 and hh["size"] == 4


def test_xls_biff_roster(tmp_path: Path) -> None:
    pytest.importorskip("xlwt", reason="xlwt (test-only) writes the BIFF .xls fixture")
    hhs = make_households(3)
    rows = roster_rows(hhs)
    rows[3][ROSTER_HEADER.index("证件号码")] = float(hhs[0].members[0]["id_number"])
    p = write_xls(tmp_path / "花名册.xls", {"花名册": rows})
    e = _engine(tmp_path)
    r = import_files(e, [p])
    assert r.files[0].format == "xls" and r.rows_imported == 9
    assert _members(e)[0]["id_kind"] == "corrupted"


def test_ods_roster(tmp_path: Path) -> None:
    p = write_ods(tmp_path / "花名册.ods", {"花名册": roster_rows(make_households(2))})
    r = import_files(_engine(tmp_path), [p])
    assert r.files[0].format == "ods" and r.rows_imported == 5


# -------------------------------------------------------------------------------------------- whole-file rules


def test_department_list_skipped_by_name(tmp_path: Path) -> None:
    roster = write_xlsx(tmp_path / "花名册.xlsx", {"S": roster_rows(make_households(2))})
    dept = write_xlsx(tmp_path / "民政_低保特困人员名单.xlsx", {"Sheet1": [["姓名", "身份证号", "保障类型"],
                                                                       ["甲一", "422822195001010011", "农村低保"]]})
    r = import_files(_engine(tmp_path), [dept, roster])
    skipped = [f for f in r.files if f.status == "skipped"]
    assert [f.name for f in skipped] == ["民政_低保特困人员名单.xlsx"] and "跳过" in skipped[0].message


def test_only_department_lists_is_nothing_imported(tmp_path: Path) -> None:
    dept = write_xlsx(tmp_path / "民政.xlsx", {"Sheet1": [["姓名", "身份证号"], ["甲一", "422822195001010011"]]})
    r = import_files(_engine(tmp_path), [dept])
    assert r.nothing_imported


@pytest.mark.parametrize("kind", ["no_header", "empty_sheets", "not_a_spreadsheet", "empty_file"])
def test_unreadable_file_fails_and_leaves_the_database_unchanged(tmp_path: Path, kind: str) -> None:
    e = _engine(tmp_path)
    first = write_xlsx(tmp_path / "花名册.xlsx", {"S": roster_rows(make_households(2))})
    import_files(e, [first])
    before = _counts(e)
    bad = tmp_path / "bad.xlsx"
    if kind == "no_header":
        write_xlsx(bad, {"S": [["随便写的"], ["一些", "文字"], [1, 2, 3]]})
        msg = "未找到可识别的表头"
    elif kind == "empty_sheets":
        write_xlsx(bad, {"S": [], "T": []})
        msg = "没有数据"
    elif kind == "not_a_spreadsheet":
        bad.write_bytes(b"%PDF-1.4\n\x00\x01\x02binary")
        msg = "不是有效的 Excel/CSV 文件"
    else:
        bad.write_bytes(b"")
        msg = "文件为空"
    good = write_xlsx(tmp_path / "户收入.xlsx", {"S": income_rows(make_households(2))})
    with pytest.raises(ImportFailure, match=msg) as info:
        import_files(e, [good, bad])
    assert info.value.file == "bad.xlsx"
    assert _counts(e) == before


def test_failure_while_writing_rolls_everything_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    e = _engine(tmp_path)
    import_files(e, [write_xlsx(tmp_path / "a.xlsx", {"S": roster_rows(make_households(2))})])
    before = _counts(e)
    from fupin_tui.importing import store

    def boom(self, *a, **k):  # noqa: ANN001, ANN002, ANN003
        raise RuntimeError("disk full")

    monkeypatch.setattr(store._Writer, "_rejects", boom)
    hhs = make_households(5)
    with pytest.raises(RuntimeError):
        import_files(e, [write_xlsx(tmp_path / "b.xlsx", {"S": roster_rows(hhs)}),
                         write_xlsx(tmp_path / "c.xlsx", {"S": income_rows(hhs)})])
    assert _counts(e) == before


def test_data_year_from_option_or_refused(tmp_path: Path) -> None:
    e = _engine(tmp_path)
    p = write_xlsx(tmp_path / "r.xlsx", {"S": roster_rows(make_households(2), title=False)})
    with pytest.raises(ImportFailure, match="--data-year"):
        import_files(e, [p])
    assert _counts(e)["household"] == 0
    r = import_files(e, [p], data_year=2016)
    assert r.counties[0].data_year == 2016
    # a title that says another year than the database: refused
    p2 = write_xlsx(tmp_path / "r2.xlsx", {"S": roster_rows(make_households(3), data_year=2015)})
    with pytest.raises(ImportFailure, match="数据年度"):
        import_files(e, [p2])


def test_county_from_option_and_prefix(tmp_path: Path) -> None:
    e = _engine(tmp_path)
    p = write_xlsx(tmp_path / "r.xlsx", {"S": roster_rows(make_households(2))})
    r = import_files(e, [p], county="422801")
    assert r.counties[0].code == "422801"
    with pytest.raises(ImportFailure, match="6位"):
        import_files(e, [p], county="4228")


def test_income_row_without_roster_household(tmp_path: Path) -> None:
    hhs = make_households(3)
    roster = write_xlsx(tmp_path / "花名册.xlsx", {"S": roster_rows(hhs[:2])})
    income = write_xlsx(tmp_path / "户收入.xlsx", {"S": income_rows(hhs)})
    e = _engine(tmp_path)
    r = import_files(e, [roster, income])
    assert r.households == 3
    hh = _households(e)["42282200000003"]
    assert hh["has_income_record"] and hh["source_file_id"] is None and hh["income_row"] == 4
    assert not [m for m in _members(e) if m["household_no"] == "42282200000003"]


def test_income_values_contradicting_the_roster_are_recorded(tmp_path: Path) -> None:
    hhs = make_households(2)
    inc = income_rows(hhs)
    inc[1][6] = "未脱贫"  # 脱贫属性 of household 1 (roster says 已脱贫)
    inc[2][0] = ""  # blank 户编号: attached by 户主证件号码
    e = _engine(tmp_path)
    r = import_files(e, [write_xlsx(tmp_path / "r.xlsx", {"S": roster_rows(hhs)}),
                         write_xlsx(tmp_path / "i.xlsx", {"S": inc})])
    assert r.rows_rejected == 0
    hh = _households(e)
    c = hh["42282200000001"]["extra"]["income_conflicts"]["poverty_status"]
    assert [x["value"] for x in c] == ["已脱贫", "未脱贫"] and c[1]["file"] == "i.xlsx"
    assert hh["42282200000001"]["poverty_status"] == "已脱贫"
    assert hh["42282200000002"]["has_income_record"]


def test_same_file_twice_adds_nothing(tmp_path: Path) -> None:
    e = _engine(tmp_path)
    p = write_xlsx(tmp_path / "r.xlsx", {"S": roster_rows(make_households(2))})
    copy = tmp_path / "copy.xlsx"
    copy.write_bytes(p.read_bytes())
    r = import_files(e, [p, copy])
    assert [f.status for f in r.files] == ["imported", "duplicate"]
    before = _counts(e)
    r2 = import_files(e, [copy])
    assert r2.files[0].status == "already" and not r2.nothing_imported
    assert _counts(e) == before


def test_dry_run_writes_nothing(tmp_path: Path) -> None:
    e = _engine(tmp_path)
    before = _counts(e)
    rows = roster_rows(make_households(2))
    rows.append([""] * 27)  # a blank row: the next row cannot be attached to the household above
    rows.append(["x", "", "", "", "", "", "", "某人"] + [""] * 19)
    r = import_files(e, [write_xlsx(tmp_path / "r.xlsx", {"S": rows})], dry_run=True)
    assert r.dry_run and r.rows_imported == 5 and r.rows_rejected == 1
    assert r.files[0].sheets[0].import_file_id is None
    assert _counts(e) == before
    r2 = import_files(None, [tmp_path / "r.xlsx"], dry_run=True)
    assert r2.rows_imported == 5 and r2.changes is None


def test_date_in_text_column(tmp_path: Path) -> None:
    rows = roster_rows(make_households(1, members=(1,)))
    rows[3][ROSTER_HEADER.index("自然村")] = DateCell((dt.date(2016, 1, 2) - dt.date(1899, 12, 30)).days)
    e = _engine(tmp_path)
    import_files(e, [write_xlsx(tmp_path / "r.xlsx", {"S": rows})])
    assert _households(e)["42282200000001"]["hamlet"] == "2016-01-02"


def test_member_count_matches_table(tmp_path: Path) -> None:
    e = _engine(tmp_path)
    hhs = make_households(6)
    import_files(e, [write_xlsx(tmp_path / "r.xlsx", {"S": roster_rows(hhs)})])
    with e.connect() as c:
        assert c.execute(select(func.count()).select_from(Member)).scalar_one() == sum(len(h.members) for h in hhs)


# ------------------------------------------------------------------------------------------------ reader process


def _snapshot(engine) -> tuple:  # noqa: ANN001
    with engine.connect() as c:
        hh = [tuple(r) for r in c.execute(text(
            "SELECT household_no, size, poverty_status, head_name, wage_income, has_income_record, extra FROM household "
            "ORDER BY household_no"))]
        mm = [tuple(r) for r in c.execute(text(
            "SELECT household_no, member_no, position, source_row, id_norm, extra FROM member ORDER BY household_no, "
            "position"))]
    return hh, mm


def test_reader_process_gives_the_same_result(tmp_path: Path) -> None:
    hhs = make_households(6)
    rows = roster_rows(hhs, repeat=True)
    header = rows[2]
    # household 3 split over the two files, with a contradicting value in the second
    part1 = rows[:3] + rows[3:12]
    part2 = [header] + rows[12:]
    moved = list(rows[11])
    moved[ROSTER_HEADER.index("脱贫属性")] = "返贫"
    part2.append(moved)
    inc = income_rows(hhs)
    inc.append(list(inc[1]))  # a second income row of household 1
    inc[-1][8] = 1  # with another 工资性收入
    files = {
        "花名册_1.xlsx": {"S": part1}, "花名册_2.xlsx": {"S": part2}, "户收入.xlsx": {"户收入": inc},
    }
    results = []
    for parallel in (False, True):
        d = tmp_path / str(parallel)
        d.mkdir()
        paths = [write_xlsx(d / name, sheets) for name, sheets in files.items()]
        e = get_engine(d / "t.db")
        r = import_files(e, paths, parallel=parallel)
        assert r.rows_rejected == 0
        results.append(_snapshot(e))
    assert results[0] == results[1]
    hh3 = next(h for h in results[1][0] if h[0] == "42282200000003")
    conflict = json.loads(hh3[6])["conflicts"]["poverty_status"]  # the conflict across files is recorded
    assert [(c["value"], c["file"]) for c in conflict] == [("未脱贫", "花名册_1.xlsx"), ("返贫", "花名册_2.xlsx")]
    hh1 = next(h for h in results[1][0] if h[0] == "42282200000001")
    assert json.loads(hh1[6])["income_conflicts"]["wage_income"][1]["value"] == 1


def test_reader_process_failure_names_the_file(tmp_path: Path) -> None:
    e = get_engine(tmp_path / "t.db")
    roster = write_xlsx(tmp_path / "花名册.xlsx", {"S": roster_rows(make_households(2))})
    bad = tmp_path / "收入.xlsx"
    bad.write_bytes(b"PK\x03\x04 broken zip")
    with pytest.raises(ImportFailure) as info:
        import_files(e, [bad, roster], parallel=True)
    assert info.value.file == "收入.xlsx"
    assert _counts(e)["household"] == 0


def test_progress_events(tmp_path: Path) -> None:
    events: list[tuple] = []

    class Sink:
        def start(self, label: str, total: int | None) -> None:
            events.append(("start", label, total))

        def advance(self, n: int) -> None:
            events.append(("advance", n))

        def finish(self) -> None:
            events.append(("finish",))

    hhs = make_households(800)
    p = write_xlsx(tmp_path / "花名册.xlsx", {"S": roster_rows(hhs)})
    r = import_files(_engine(tmp_path), [p], progress=Sink())
    assert events[0][:2] == ("start", "花名册.xlsx［S］") and events[0][2] == r.rows_total
    assert events[-1] == ("finish",)
    assert sum(e[1] for e in events if e[0] == "advance") == r.rows_total
