"""The rating report workbook (fupin_tui.report): sheets, masking, text IDs when unmasked, layout, audit trail."""

from __future__ import annotations

import os
import re
import shutil
import stat
import sys
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from fupin_tui.audit import verify_chain
from fupin_tui.models import Action, Mark, dispose_all, get_engine, session_scope
from fupin_tui.report import (
    SHEETS,
    Column,
    ReportError,
    Table,
    Unavailable,
    collect,
    register_sheet,
    write_report,
)
from fupin_tui.report import data as report_data

sys.path.insert(0, str(Path(__file__).parent))
from builders import COUNTY, build_report_county  # noqa: E402

EXPECTED_SHEETS = ["汇总", "问题明细", "乡镇分布", "抽样清单", "自动核查", "部门比对", "拒收行", "操作日志", "复核一致性",
                   "村级信息", "帮扶项目"]
FULL_ID = re.compile(r"(?<!\d)\d{17}[\dX](?!\d)")


@pytest.fixture(scope="module")
def county_template(tmp_path_factory):
    """The builder's county, built once per module; each test gets its own copy of the file."""
    path = tmp_path_factory.mktemp("report_template") / "template.db"
    info = build_report_county(get_engine(path))
    dispose_all()
    return path, info


@pytest.fixture(scope="module")
def masked_wb(county_template, tmp_path_factory):
    """One masked report of the template county, shared by the read-only layout and content tests."""
    template, _ = county_template
    work = tmp_path_factory.mktemp("report_masked")
    for suffix in ("", "-wal", "-shm"):
        src = Path(f"{template}{suffix}")
        if src.exists():
            shutil.copyfile(src, work / f"copy.db{suffix}")
    out = work / "r.xlsx"
    write_report(get_engine(work / "copy.db"), out)
    dispose_all()
    return load_workbook(out)


@pytest.fixture
def county(county_template, db_path):
    template, info = county_template
    for suffix in ("", "-wal", "-shm"):
        src = Path(f"{template}{suffix}")
        if src.exists():
            shutil.copyfile(src, f"{db_path}{suffix}")
    return get_engine(db_path), info


def all_cells(wb):
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if c.value is not None:
                    yield ws.title, c


def raw_xml(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        return "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml"))


def header_row(ws, first_header: str):
    for row in ws.iter_rows(min_row=1, max_row=ws.max_row):
        if row[0].value == first_header:
            return row
    raise AssertionError(f"{ws.title}: header starting {first_header!r} not found")


class TestWorkbook:
    def test_every_sheet_present_in_order(self, county, tmp_path):
        engine, _ = county
        out = tmp_path / "r.xlsx"
        result = write_report(engine, out)
        wb = load_workbook(out)
        assert wb.sheetnames == EXPECTED_SHEETS
        assert result.county == COUNTY and result.path == out and not result.unmasked
        assert result.sheets["问题明细"] == 6 and result.sheets["抽样清单"] == 12

    def test_masked_by_default_no_full_id_or_phone_anywhere(self, county, tmp_path):
        engine, info = county
        out = tmp_path / "r.xlsx"
        write_report(engine, out)
        wb = load_workbook(out)
        for title, c in all_cells(wb):
            if not isinstance(c.value, str):
                continue
            text = c.value
            assert not FULL_ID.search(text), f"{title}!{c.coordinate}: full ID {text!r}"
            assert not re.search(r"(?<!\d)1[3-9]\d{9}(?!\d)", text), f"{title}!{c.coordinate}: phone {text!r}"
        xml = raw_xml(out)
        for idn in info["ids"]:
            assert idn not in xml
        for phone in info["phones"]:
            assert phone not in xml
        assert "422822********" in xml  # masked IDs are there (first 6 and last 4 kept)

    def test_unmasked_ids_are_text_cells_and_export_is_in_the_trail(self, county, tmp_path):
        engine, info = county
        out = tmp_path / "unmasked.xlsx"
        result = write_report(engine, out, unmasked=True, inspector="王五@省扶贫办")
        assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
        wb = load_workbook(out)
        seen = set()
        for title, c in all_cells(wb):
            if isinstance(c.value, (int, float)) and len(str(int(c.value))) >= 15:
                pytest.fail(f"{title}!{c.coordinate}: a long number stored as a number: {c.value!r}")
            if isinstance(c.value, str) and FULL_ID.fullmatch(c.value):
                assert c.number_format == "@", f"{title}!{c.coordinate} is not a text cell"
                seen.add(c.value)
        assert seen, "no full ID written in the unmasked report"
        assert seen <= set(info["ids"])
        ws = wb["抽样清单"]
        hdr = [c.value for c in header_row(ws, "序号")]
        col = hdr.index("户主证件号码") + 1
        assert all(isinstance(ws.cell(row=r, column=col).value, str) for r in range(2, 14))
        with session_scope(engine) as s:
            rows = s.scalars(select(Action).where(Action.action == "report.unmasked")).all()
            assert len(rows) == 1
            assert rows[0].inspector == "王五@省扶贫办" and rows[0].target == "unmasked.xlsx"
            assert rows[0].id == result.action_id
            assert verify_chain(s).ok

    def test_unmasked_requires_who_asked_and_leaves_no_file(self, county, tmp_path):
        engine, _ = county
        out = tmp_path / "u.xlsx"
        with pytest.raises(ReportError, match="--inspector"):
            write_report(engine, out, unmasked=True, inspector=" ")
        assert not out.exists()
        with session_scope(engine) as s:
            assert not s.scalars(select(Action).where(Action.action == "report.unmasked")).all()

    def test_masked_report_is_not_recorded(self, county, tmp_path):
        engine, _ = county
        write_report(engine, tmp_path / "r.xlsx", inspector="王五")
        with session_scope(engine) as s:
            assert not s.scalars(select(Action).where(Action.action.like("report.%unmasked"))).all()

    def test_bad_paths(self, county, tmp_path):
        engine, _ = county
        with pytest.raises(ReportError, match=".xlsx"):
            write_report(engine, tmp_path / "r.csv")
        with pytest.raises(ReportError, match="输出目录不存在"):
            write_report(engine, tmp_path / "nope" / "r.xlsx")
        assert list(tmp_path.glob("*.tmp")) == []


class TestLayout:
    @pytest.fixture
    def wb(self, masked_wb):
        return masked_wb

    def test_print_setup_a4_landscape_fit_width(self, wb):
        for ws in wb.worksheets:
            assert ws.page_setup.orientation == "landscape", ws.title
            assert int(ws.page_setup.paperSize) == 9, ws.title  # A4
            assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
            assert int(ws.page_setup.fitToWidth) == 1 and int(ws.page_setup.fitToHeight) == 0, ws.title

    def test_frozen_styled_header_with_filter_and_print_titles(self, wb):
        for name in ("问题明细", "乡镇分布", "抽样清单", "操作日志"):
            ws = wb[name]
            assert ws.freeze_panes == "A2", name
            assert ws.print_title_rows in ("1:1", "$1:$1"), name
            assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:"), name
            for c in ws[1]:
                if c.value is None:
                    continue
                assert c.font.b and c.fill.fgColor.rgb.endswith("DDEBF7") and c.alignment.wrap_text, (name, c.value)
                assert c.border.left.style == "thin", (name, c.value)

    def test_multi_part_sheets_freeze_first_header_and_filter_the_main_list(self, wb):
        for name in ("自动核查", "部门比对", "拒收行", "复核一致性"):
            ws = wb[name]
            assert ws.freeze_panes == "A3", name  # caption row + header row
            assert ws.auto_filter.ref, name
            top = int(re.match(r"A(\d+):", ws.auto_filter.ref).group(1))
            assert ws.print_title_rows in (f"{top}:{top}", f"${top}:${top}"), name  # the main list's header

    def test_summary_title_sections_and_chart(self, wb):
        ws = wb["汇总"]
        assert "建始县" in ws["A1"].value and "2015" in ws["A1"].value and ws["A1"].font.sz >= 14
        assert ws.freeze_panes == "A2" and ws.print_title_rows in ("1:1", "$1:$1")
        texts = [c.value for c in ws["A"] if isinstance(c.value, str)]
        for label in ("一、基本信息", "二、抽样设计", "三、数量", "四、错误率与等级", "随机种子", "抽样框指纹（SHA-256）",
                      "等级", "说明"):
            assert any(label == t or t.startswith(label) for t in texts), label
        values = [str(c.value) for row in ws.iter_rows() for c in row if c.value is not None]
        assert any(v.endswith("（确定）") or v.endswith("（待定）") for v in values)
        assert "ffffffffffffffff" in "".join(values)  # the frame hash
        assert len(ws._charts) == 1
        chart = ws._charts[0]
        assert chart.series[0].errBars is not None and chart.series[0].errBars.errValType == "cust"

    def test_widths_fit_chinese_text(self, wb):
        ws = wb["问题明细"]
        hdr = [c.value for c in ws[1]]
        note = ws.column_dimensions[chr(ord("A") + hdr.index("说明"))].width
        code = ws.column_dimensions[chr(ord("A") + hdr.index("户编号"))].width
        village = ws.column_dimensions[chr(ord("A") + hdr.index("村"))].width
        assert code >= 14  # 14 digits
        assert village >= 10  # "业州东坪村": 5 Han characters = 10 units
        assert note <= 30
        assert ws.cell(row=2, column=hdr.index("说明") + 1).alignment.wrap_text

    def test_codes_are_text_cells(self, wb):
        ws = wb["抽样清单"]
        hdr = [c.value for c in ws[1]]
        c = ws.cell(row=2, column=hdr.index("户编号") + 1)
        assert isinstance(c.value, str) and c.number_format == "@"


class TestContent:
    @pytest.fixture
    def wb(self, masked_wb):
        return masked_wb

    def test_marks_listed_with_labels_and_outside_sample_flagged(self, county_template, wb):
        _, info = county_template
        ws = wb["问题明细"]
        hdr = [c.value for c in ws[1]]
        assert hdr[:7] == ["序号", "乡镇", "村", "户编号", "户主", "人编号", "成员"]
        rows = [[c.value for c in r] for r in ws.iter_rows(min_row=2, max_row=7)]
        cat, graded, source = hdr.index("问题类别"), hdr.index("计入评分"), hdr.index("来源")
        assert {r[cat] for r in rows} >= {"身份信息错误", "属性标识错误"}
        outside = [r for r in rows if r[graded] == "否（样本外）"]
        assert sorted(r[3] for r in outside) == sorted(info["outside"])
        assert all(r[source].startswith("线索：") for r in outside)
        assert any(r[source] == "人工" for r in rows) and any(r[source].startswith("规则 ") for r in rows)
        # marks outside the sample come last, highlighted
        assert [r[graded] for r in rows][-2:] == ["否（样本外）"] * 2
        assert ws.cell(row=7, column=1).fill.fgColor.rgb.endswith("FFF2CC")

    def test_deleted_marks_are_left_out(self, county, tmp_path):
        engine, _ = county
        with session_scope(engine) as s:
            m = s.scalars(select(Mark).where(Mark.source == "inspector")).first()
            m.deleted = True
        out = tmp_path / "r.xlsx"
        assert write_report(engine, out).sheets["问题明细"] == 5

    def test_township_sheet_has_rates_and_a_total(self, wb):
        ws = wb["乡镇分布"]
        hdr = [c.value for c in ws[1]]
        assert hdr[:6] == ["乡镇", "贫困户数", "样本户", "已复核", "有问题", "户错误率"]
        rows = [[c.value for c in r] for r in ws.iter_rows(min_row=2, max_row=5)]
        assert rows[-1][0].startswith("全县") and rows[-1][1] == 40 and rows[-1][2] == 12
        assert all(r[5] is None or 0 <= r[5] <= 1 for r in rows)
        assert ws.cell(row=2, column=6).number_format == "0.00%"

    def test_sample_sheet_in_review_order_with_statuses(self, wb):
        ws = wb["抽样清单"]
        hdr = [c.value for c in ws[1]]
        assert hdr[:3] == ["序号", "层", "必查"] and "核查状态" in hdr and "核查人员" in hdr
        orders = [ws.cell(row=r, column=1).value for r in range(2, 14)]
        assert orders == list(range(1, 13))
        statuses = {ws.cell(row=r, column=hdr.index("核查状态") + 1).value for r in range(2, 14)}
        assert statuses == {"有问题", "核查无误", "未核查"}
        phone = ws.cell(row=2, column=hdr.index("联系电话") + 1).value
        assert phone == "181****0000"

    def test_checks_compare_rejects_and_trail(self, wb):
        texts = {ws.title: " ".join(str(c.value) for row in ws.iter_rows() for c in row if c.value is not None)
                 for ws in wb.worksheets}
        assert "按规则统计" in texts["自动核查"] and "不属实" in texts["自动核查"] and "收入核实无误" in texts["自动核查"]
        assert "公安" in texts["部门比对"] and "民政" in texts["部门比对"] and "死亡人员仍在册" in texts["部门比对"]
        assert "没有户编号，无法归入任何农户" in texts["拒收行"] and "相符" in texts["拒收行"]
        assert "添加标记" in texts["操作日志"] and "设置核查状态" in texts["操作日志"]
        assert "071*****3456" in texts["操作日志"]  # a landline in a note, masked
        assert "无数据" in texts["复核一致性"]
        assert "无数据" in texts["村级信息"]
        assert ("未运行" in texts["帮扶项目"]) or ("无数据" in texts["帮扶项目"])


class TestDegrades:
    def test_absent_module_gives_a_not_run_note(self, county, tmp_path, monkeypatch):
        engine, _ = county
        real = report_data.optional_source

        def fake(module, attr):
            if module in ("fupin_tui.checks", "fupin_tui.compare", "fupin_tui.grading"):
                return Unavailable(f"未运行：本安装中没有模块 {module}")
            return real(module, attr)

        monkeypatch.setattr(report_data, "optional_source", fake)
        out = tmp_path / "r.xlsx"
        result = write_report(engine, out)
        assert set(result.not_run) >= {"评分", "自动核查", "部门比对"}
        wb = load_workbook(out)
        for name in ("自动核查", "部门比对"):
            notes = [c.value for c in wb[name]["A"] if isinstance(c.value, str) and c.value.startswith("未运行")]
            assert notes, name
        summary = " ".join(str(c.value) for row in wb["汇总"].iter_rows() for c in row if c.value)
        assert "未运行" in summary and "fupin_tui.grading" in summary

    def test_a_failing_source_costs_only_its_section(self, county, tmp_path, monkeypatch):
        engine, _ = county
        real = report_data.optional_source

        def broken(session, county_code):
            raise FileNotFoundError("rules.toml")

        def fake(module, attr):
            return broken if (module, attr) == ("fupin_tui.compare", "clue_summary") else real(module, attr)

        monkeypatch.setattr(report_data, "optional_source", fake)
        out = tmp_path / "r.xlsx"
        result = write_report(engine, out)
        assert result.not_run["部门比对"].startswith("未能读取") and "FileNotFoundError" in result.not_run["部门比对"]
        ws = load_workbook(out)["部门比对"]
        assert ws["A3"].value.startswith("未能读取") and ws["A3"].font.b
        assert result.sheets["部门比对"] == 6  # the clue list itself still comes from the table

    def test_county_without_sample(self, db_url, tmp_path):
        from fupin_tui.models import County

        engine = get_engine(db_url)
        with session_scope(engine) as s:
            s.add(County(code="422801", name="恩施市", data_year=2015))
        out = tmp_path / "r.xlsx"
        write_report(engine, out)
        wb = load_workbook(out)
        assert wb.sheetnames == EXPECTED_SHEETS
        assert wb["抽样清单"]["A2"].value.startswith("未运行")
        assert wb["问题明细"]["A2"].value.startswith("无数据")

    def test_several_counties_need_county(self, county, tmp_path):
        from fupin_tui.models import County, DatabaseError

        engine, _ = county
        with session_scope(engine) as s:
            s.add(County(code="422801", name="恩施市"))
        with pytest.raises(DatabaseError, match="--county"):
            write_report(engine, tmp_path / "r.xlsx")
        assert write_report(engine, tmp_path / "r.xlsx", county=COUNTY).sheets["抽样清单"] == 12


class TestRegistry:
    def test_a_registered_sheet_is_written(self, county, tmp_path):
        engine, _ = county
        before = list(SHEETS)
        try:
            @register_sheet("测试表")
            def _extra(data):
                return [Table([Column("户编号", "code"), Column("证件号码", "id")],
                              [(r.household_no, r.head_id_number) for r in data.sample_rows[:2]], main=True)]

            out = tmp_path / "r.xlsx"
            write_report(engine, out)
            ws = load_workbook(out)["测试表"]
            assert ws["B2"].value.startswith("422822") and "*" in ws["B2"].value
        finally:
            SHEETS[:] = before

    def test_collect_is_plain_data(self, county):
        engine, _ = county
        with session_scope(engine) as s:
            data = collect(s, COUNTY)
        assert data.households == 40 and data.people == sum(1 + i % 4 for i in range(40))
        assert len(data.sample_rows) == 12 and len(data.marks) == 6
        assert {m.in_sample for m in data.marks} == {True, False}


class TestTrailText:
    def test_only_changed_fields_in_chinese(self):
        from fupin_tui.report.sheets import action_diff

        old = '{"item:1": {"household_no": "42282200000009", "reviewed_by": null, "status": "未核查"}}'
        new = ('{"item:1": {"household_no": "42282200000009", "reviewed_by": "张明@省扶贫办", '
               '"reviewed_at": "2016-03-10T01:37:00.123456+00:00", "status": "核查无误"}}')
        o, n = action_diff(old, new)
        assert "户编号" not in o and "户编号" not in n  # unchanged
        assert "核查状态=未核查" in o and "核查状态=核查无误" in n and "核查时间=2016-03-10 01:37" in n

    def test_new_mark_with_category_label_and_plain_text(self):
        from fupin_tui.report.sheets import action_diff

        o, n = action_diff('{"mark:x": null}', '{"mark:x": {"category": "income", "severity": "严重"}}')
        assert o == "mark:x：（无）" and "收入数据不实或不符逻辑" in n and "严重程度=严重" in n
        assert action_diff("", "说明文字") == ("", "说明文字")


class TestSecondaryTables:
    def test_a_summary_above_the_main_list_spans_its_columns(self, county, tmp_path):
        engine, _ = county
        out = tmp_path / "r.xlsx"
        write_report(engine, out)
        ws = load_workbook(out)["拒收行"]
        # the accounting table (12 columns) sits over the rejected-rows list (5 columns): it extends the grid,
        # and the main list's widths are its own
        assert ws.auto_filter.ref.startswith("A")
        widths = [ws.column_dimensions[chr(ord("A") + i)].width for i in range(5)]
        assert widths[4] <= 44


def test_demo_county_villages_and_projects(db_url, tmp_path):
    """The demo county with its village, hamlet and project tables: 村级信息 and 帮扶项目 carry rows (万元)."""
    demo = pytest.importorskip("fupin_tui.demo.generator")
    villages = pytest.importorskip("fupin_tui.villages")
    files_dir = tmp_path / "files"
    demo.generate_county(files_dir, households=120, seed=3)
    engine = get_engine(db_url)
    villages.import_with_tables(engine, sorted(p for p in files_dir.iterdir() if p.suffix in (".xlsx", ".csv")))
    out = tmp_path / "r.xlsx"
    result = write_report(engine, out)
    assert result.sheets["村级信息"] > 0 and result.sheets["帮扶项目"] > 0
    wb = load_workbook(out)
    ws = wb["帮扶项目"]
    hdr = [c.value for c in ws[1]]
    total = hdr.index("总投资（万元）") + 1
    assert ws.cell(row=2, column=total).number_format == "#,##0.00"
    assert isinstance(ws.cell(row=2, column=total).value, (int, float))
    assert wb["抽样清单"]["A2"].value.startswith("未运行")  # no sample drawn


@pytest.mark.postgres
def test_report_on_both_backends(storage_db, tmp_path):
    """The same report (and its unmasked-export record) on SQLite and on PostgreSQL."""
    engine = get_engine(storage_db)
    info = build_report_county(engine)
    out = tmp_path / "u.xlsx"
    result = write_report(engine, out, unmasked=True, inspector="王五")
    assert result.sheets["问题明细"] == 6 and result.sheets["抽样清单"] == 12
    assert not {k for k in result.not_run if k not in ("帮扶项目", "复核一致性")}, result.not_run
    wb = load_workbook(out)
    ids = {c.value for _, c in all_cells(wb) if isinstance(c.value, str) and FULL_ID.fullmatch(c.value)}
    assert ids and ids <= set(info["ids"])
    with session_scope(engine) as s:
        assert s.scalars(select(Action).where(Action.action == "report.unmasked")).one().inspector == "王五"
        assert verify_chain(s).ok
