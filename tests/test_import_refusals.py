"""QA defects of ``fupin import``: files that are not spreadsheets, rosters without their key column, key columns
stored as Excel numbers, a ``--county`` that contradicts the 户编号, rosters without data rows, no empty database left
by a failed first import, Chinese messages without exception class names, and what a re-export says about the
sampling frame (it must agree with ``fupin sample --verify``)."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from fixtures_gen import ROSTER_HEADER, income_rows, make_households, roster_rows, write_csv, write_xlsx
from fupin_tui.cli import app
from fupin_tui.importing import ImportFailure, import_files
from fupin_tui.models import ImportFile, Member, get_engine, session_scope

runner = CliRunner()

PROSE = """# 部门数据比对

`fupin compare FILE...` 导入其他部门的名单，与登记数据比对，生成线索。
1. 读取：文件由导入程序的读取器打开（calamine、CSV、网页格式的 .xls），表头在前 30 行中。
2. 判断部门：先看表头（残疾人证号、残疾类别 → 残联，人员状态、变动日期 → 公安），再看文件名。
3. 存储、比对、规则，线索按键更新，再次运行保留核实结论。
Matching is exact on the normalised ID, dict lookups only, and a 15-digit ID matches an 18-digit one.
Unmatched records with the same name, or the same pinyin, in the same village give possible_id_typo.
"""


def has(result, text: str) -> bool:  # noqa: ANN001
    """``text`` in the command's output, ignoring white space (rich wraps long lines)."""
    return "".join(text.split()) in "".join(result.output.split())


def _income(tmp_path: Path, n: int = 6) -> Path:
    return write_xlsx(tmp_path / "户收入及生产生活条件.xlsx", {"户收入": income_rows(make_households(n))})


# ------------------------------------------------------------------------------------------ 1a: not a spreadsheet


@pytest.mark.parametrize("year", [["--data-year", "2015"], []])
def test_text_file_renamed_to_xlsx_fails_the_run(tmp_path: Path, year: list[str]) -> None:
    renamed = tmp_path / "renamed.xlsx"
    renamed.write_text(PROSE, encoding="utf-8")
    db = tmp_path / "new.db"
    r = runner.invoke(app, ["import", str(renamed), str(_income(tmp_path)), "--db", str(db), *year])
    assert r.exit_code == 1, r.output
    assert has(r, "文件 renamed.xlsx：不是有效的 Excel/CSV 文件（扩展名是 .xlsx，内容却是普通文字")
    assert has(r, "数据库未作任何改动") and not has(r, "数据年度") and not has(r, "已跳过")
    assert not db.exists()  # the failed first import leaves no database file (issue 6 of the QA list)


def test_csv_text_with_a_wrong_extension_is_still_read(tmp_path: Path) -> None:
    hhs = make_households(3)
    misnamed = write_csv(tmp_path / "花名册.xlsx", roster_rows(hhs))
    report = import_files(None, [misnamed], dry_run=True)
    assert report.members == sum(len(h.members) for h in hhs)
    assert report.files[0].format == "csv"


def test_damaged_and_foreign_files_are_explained_in_chinese(tmp_path: Path) -> None:
    good = write_xlsx(tmp_path / "ok.xlsx", {"S": roster_rows(make_households(2))})
    truncated = tmp_path / "截断.xlsx"
    truncated.write_bytes(good.read_bytes()[:600])
    with pytest.raises(ImportFailure) as info:
        import_files(None, [truncated], dry_run=True)
    assert str(info.value) == ("文件 截断.xlsx：Excel 文件已损坏或不完整（可能下载或复制时中断），无法读取；"
                               "请重新导出或重新复制该文件")
    import zipfile

    docx = tmp_path / "说明.docx"
    with zipfile.ZipFile(docx, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    r = runner.invoke(app, ["import", str(docx), "--db", str(tmp_path / "x.db")])
    assert r.exit_code == 1
    assert has(r, "文件 说明.docx：不是有效的 Excel/CSV 文件（这是 Word 文档（.docx），不是 Excel 表格）")
    assert "Error" not in r.output and "Calamine" not in r.output  # no exception class names


# ------------------------------------------------------------------------------------ 1b: a roster without 户编号


def _roster_with_header(hhs, old: str, new: str | None, title: bool = True) -> list[list[object]]:  # noqa: ANN001
    rows = roster_rows(hhs, title=title)
    head = 2 if title else 0
    col = rows[head].index(old)
    if new is None:
        return [r[:col] + r[col + 1:] for r in rows]
    rows[head][col] = new
    return rows


def test_roster_with_household_no_renamed_to_huhao_fails_naming_the_column(tmp_path: Path) -> None:
    hhs = make_households(4)
    path = write_xlsx(tmp_path / "花名册_户号.xlsx", {"花名册": _roster_with_header(hhs, "户编号", "户号")})
    db = tmp_path / "c.db"
    r = runner.invoke(app, ["import", str(path), str(_income(tmp_path, 4)), "--db", str(db), "--data-year", "2015"])
    assert r.exit_code == 1, r.output
    assert has(r, "文件 花名册_户号.xlsx，工作表 花名册，第 3 行：表头像是贫困人口花名册（标题为贫困人口花名册），"
                  "但没有“户编号”列，无法导入（“户编号”列也可以叫 农户编号）；若 F（户号） 列就是建档立卡的户编号，"
                  "请把列名改为“户编号”后重新导入。数据库未作任何改动。")
    assert not db.exists()


def test_roster_with_nonghu_bianhao_imports(tmp_path: Path) -> None:
    hhs = make_households(4)
    path = write_xlsx(tmp_path / "花名册.xlsx", {"花名册": _roster_with_header(hhs, "户编号", "农户编号")})
    report = import_files(get_engine(tmp_path / "c.db"), [path])
    assert report.households == 4 and report.members == sum(len(h.members) for h in hhs)


def test_roster_without_any_household_number_column_fails(tmp_path: Path) -> None:
    hhs = make_households(3)
    with_title = write_xlsx(tmp_path / "花名册_缺列.xlsx", {"花名册": _roster_with_header(hhs, "户编号", None)})
    with pytest.raises(ImportFailure) as info:
        import_files(None, [with_title], dry_run=True)
    e = info.value
    assert (e.file, e.sheet, e.row) == ("花名册_缺列.xlsx", "花名册", 3)
    assert "没有“户编号”列" in e.message and "请从系统重新导出，保留“户编号”列" in e.message
    # no title row: the person columns only a roster has (人编号, 在校生状况, 劳动技能 …) give it away
    bare = write_xlsx(tmp_path / "无标题.xlsx", {"S": _roster_with_header(hhs, "户编号", None, title=False)})
    with pytest.raises(ImportFailure, match=r"文件 无标题.xlsx，工作表 S，第 1 行：表头像是贫困人口花名册（有人编号、"
                                            r"在校生状况、劳动技能、务工状况等花名册列），但没有“户编号”列"):
        import_files(None, [bare], dry_run=True)


def test_police_household_register_with_huhao_is_skipped_not_refused(tmp_path: Path) -> None:
    """A 公安 户籍 list carries 户号 and 与户主关系 too: it is a department list (skipped), never a roster."""
    police = write_xlsx(tmp_path / "公安_户籍.xlsx", {"S": [
        ["户号", "姓名", "公民身份号码", "与户主关系", "性别", "民族", "人员状态"],
        ["110001", "甲一", "422822195001010011", "户主", "男", "汉族", "正常"],
    ]})
    roster = write_xlsx(tmp_path / "花名册.xlsx", {"S": roster_rows(make_households(2))})
    report = import_files(None, [roster, police], dry_run=True)
    skipped = {f.name: f for f in report.files}["公安_户籍.xlsx"]
    assert skipped.status == "skipped" and "不是县级导出数据" in skipped.message
    assert report.households == 2


# ------------------------------------------------------------------------------- 2: key columns stored as numbers


def test_key_columns_stored_as_numbers_are_warned_about(tmp_path: Path) -> None:
    hhs = make_households(3)
    header = ROSTER_HEADER + ["银行账号"]
    rows = roster_rows(hhs, header=header, key_map={"银行账号": "bank_account"})
    id_col, phone_col, bank_col = header.index("证件号码"), header.index("联系电话"), header.index("银行账号")
    for r in rows[3:6]:
        r[id_col] = float(str(r[id_col]).replace("X", "0"))  # 18 digits in a number cell: the last ones are gone
        r[bank_col] = 6228480402564890123.0
    rows[3][phone_col] = int(rows[3][phone_col])  # 11 digits: intact
    path = write_xlsx(tmp_path / "花名册.xlsx", {"花名册": rows})
    e = get_engine(tmp_path / "c.db")
    report = import_files(e, [path])
    assert report.rows_rejected == 0
    where = "（文件 花名册.xlsx，工作表「花名册」，第 {} 列）"
    expected = [
        "证件号码列有 3 个值以数字形式存储，超过15位的数字已被 Excel 截断，无法恢复；已按原样导入，核查时将逐条列为疑点"
        + where.format("I"),
        "联系电话列有 1 个值以数字形式存储（都不超过15位，数字未丢失，但以 0 开头的号码会丢掉开头的 0）；已按原样导入，"
        "请在原表中把该列设为文本格式" + where.format("AA"),
        "银行账号列有 3 个值以数字形式存储，超过15位的数字已被 Excel 截断，无法恢复；已按原样导入，核查时将逐条列为疑点"
        + where.format("AB"),
    ]
    assert report.warnings == expected
    with session_scope(e) as s:
        details = s.scalars(select(ImportFile.details)).one()
        assert details["warnings"] == expected
        extras = [m for m in s.scalars(select(Member.extra)) if m and "corrupted" in m]
        assert len(extras) == 3 and all(x["corrupted"] == ["bank_account"] for x in extras)
    # and the command prints them
    r = runner.invoke(app, ["import", str(path), "--db", str(tmp_path / "d.db")])
    assert r.exit_code == 0 and has(r, "注意：" + expected[0])


# -------------------------------------------------------------------------------------- 3: --county vs 户编号


def test_county_option_contradicting_household_numbers_warns(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "花名册.xlsx", {"S": roster_rows(make_households(5))})
    r = runner.invoke(app, ["import", str(path), "--db", str(tmp_path / "c.db"), "--county", "422823"])
    assert r.exit_code == 0, r.output
    assert has(r, "注意：--county 422823 与户编号不符：本次 5 户中有 5 户的户编号不以 422823 开头，都以 422822 开头；"
                  "文件中的县名是建始县。已按 --county 422823 导入；户编号应以县的6位行政区划代码开头，请确认县代码是否写错")
    ok = import_files(None, [path], county="422822", dry_run=True)
    assert not any("--county" in w for w in ok.warnings)


# ---------------------------------------------------------------------------------- 4: roster without data rows


def test_roster_without_data_rows(tmp_path: Path) -> None:
    empty = write_xlsx(tmp_path / "花名册.xlsx", {"花名册": roster_rows([])})
    alone = runner.invoke(app, ["import", str(empty), "--db", str(tmp_path / "a.db")])
    assert alone.exit_code == 1
    assert has(alone, "注意：花名册 花名册.xlsx 的工作表「花名册」没有数据行（表头在第 3 行，其下没有任何行），未导入任何人员")
    assert has(alone, "没有导入任何数据") and not (tmp_path / "a.db").exists()
    with_income = runner.invoke(app, ["import", str(empty), str(_income(tmp_path)), "--db", str(tmp_path / "b.db")])
    assert with_income.exit_code == 0
    assert has(with_income, "没有数据行")
    assert has(with_income, "县 422822 建始县，数据年度 2015：本次文件共 6 户，0 人")  # the title names the county


# ------------------------------------------------------------------------- 6: no empty database after a failure


def test_failed_import_into_an_existing_database_keeps_it(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    good = write_xlsx(tmp_path / "花名册.xlsx", {"S": roster_rows(make_households(2))})
    assert runner.invoke(app, ["import", str(good), "--db", str(db)]).exit_code == 0
    bad = tmp_path / "bad.xlsx"
    bad.write_text(PROSE, encoding="utf-8")
    r = runner.invoke(app, ["import", str(bad), "--db", str(db)])
    assert r.exit_code == 1 and db.exists()
    assert import_files(get_engine(db), [good]).files[0].status == "already"  # the earlier import is intact


# -------------------------------------------------------------- 7: the import agrees with fupin sample --verify


def test_reexport_says_precisely_whether_the_sampling_frame_changed(tmp_path: Path) -> None:
    from fupin_tui.sampling import SampleRequest, draw_sample, verify_sample

    hhs = make_households(8)
    db = tmp_path / "c.db"
    v1 = write_xlsx(tmp_path / "花名册_v1.xlsx", {"S": roster_rows(hhs)})
    assert runner.invoke(app, ["import", str(v1), "--db", str(db)]).exit_code == 0
    e = get_engine(db)
    with session_scope(e) as s:
        draw_sample(s, "422822", SampleRequest(n=3, seed=1))
    # a member's 文化程度 and a household's 脱贫属性 change: not in the frame (unstratified sample)
    v2 = copy.deepcopy(hhs)
    v2[0].members[0]["education"] = "高中"
    v2[1].values["poverty_status"] = "已脱贫"
    p2 = write_xlsx(tmp_path / "花名册_v2.xlsx", {"S": roster_rows(v2)})
    r = runner.invoke(app, ["import", str(p2), "--db", str(db)])
    assert r.exit_code == 0, r.output
    assert has(r, "户数据有变化，但抽样框未变（户编号、乡镇、行政村都没有变化）：县 422822 已抽取的样本（编号 1）的"
                  "抽样框指纹仍与抽样时一致。")
    assert not has(r, "指纹会不同")
    with session_scope(e) as s:
        assert not verify_sample(s, "422822").frame_changed
    # a household moves to another village: the frame changes, and both commands say so
    v3 = copy.deepcopy(v2)
    v3[2].values["village"] = "新建村"
    p3 = write_xlsx(tmp_path / "花名册_v3.xlsx", {"S": roster_rows(v3)})
    r = runner.invoke(app, ["import", str(p3), "--db", str(db)])
    assert has(r, "抽样框已变化（调整乡镇或行政村 1 户）：县 422822 已抽取的样本（编号 1）的抽样框指纹已与抽样时不同，"
                  "fupin sample --verify 会列出差异。")
    with session_scope(e) as s:
        assert verify_sample(s, "422822").frame_changed
