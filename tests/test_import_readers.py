"""Readers: every file layout opens by content; row and column positions are spreadsheet positions."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from fixtures_gen import (
    DateCell,
    Formula,
    write_csv,
    write_html_xls,
    write_ods,
    write_spreadsheetml,
    write_xls,
    write_xlsx,
)
from fupin_tui.importing import ImportFailure, open_workbook
from fupin_tui.importing.readers import sniff_format
from fupin_tui.importing.values import excel_serial, key_corrupted, key_text, to_int, to_number, to_text

ROWS = [["户编号", "人编号", "姓名"], ["42282200000001", "4228220000000101", "甲一"], ["42282200000001", "4228220000000102", "甲二"]]


def _rows(path: Path, sheet: int = 0) -> list[list]:
    wb = open_workbook(path)
    s = wb.load(sheet)
    return [list(r) for r in s.rows()]


def test_calamine_rows_start_at_row_one_and_first_used_column(tmp_path: Path) -> None:
    # pins python-calamine's iter_rows behaviour the importer relies on for row numbers and column letters
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["C3"] = "户编号"
    ws["D4"] = "x"
    wb.save(tmp_path / "a.xlsx")
    book = open_workbook(tmp_path / "a.xlsx")
    sheet = book.load(0)
    rows = list(sheet.rows())
    assert sheet.first_col == 2
    assert rows[2][0] == "户编号"  # row index 2 = spreadsheet row 3, position 0 = column C
    assert rows[3][1] == "x"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_encodings(tmp_path: Path, encoding: str) -> None:
    p = write_csv(tmp_path / f"r_{encoding}.csv", ROWS, encoding=encoding)
    wb = open_workbook(p)
    assert wb.format == "csv"
    assert _rows(p) == ROWS


def test_csv_tab_delimited(tmp_path: Path) -> None:
    p = write_csv(tmp_path / "r.txt", ROWS, delimiter="\t")
    assert _rows(p) == ROWS


def test_html_as_xls_with_spans_and_gbk(tmp_path: Path) -> None:
    rows = [["标题", "", ""], ["户编号", "人编号", "姓名"], ["42282200000001", "4228220000000101", "甲一"],
            ["", "4228220000000102", "甲二"]]
    p = write_html_xls(tmp_path / "web.xls", rows, encoding="gbk", spans={(0, 0): (1, 3), (2, 0): (2, 1)})
    wb = open_workbook(p)
    assert wb.format == "html"
    s = wb.load(0)
    got = [list(r) for r in s.rows()]
    assert got[1] == ["户编号", "人编号", "姓名"]
    assert got[3] == ["", "4228220000000102", "甲二"]
    assert ((2, 0), (3, 0)) in s.merged and ((0, 0), (0, 2)) in s.merged


def test_spreadsheetml_as_xls(tmp_path: Path) -> None:
    rows = [["户编号", "", "姓名"], ["42282200000001", 3, Formula("1+1", 2)]]
    p = write_spreadsheetml(tmp_path / "xml.xls", {"花名册": rows, "第二页": [["a"]]})
    wb = open_workbook(p)
    assert wb.format == "spreadsheetml"
    assert wb.sheet_names == ["花名册", "第二页"]
    assert _rows(p) == [["户编号", "", "姓名"], ["42282200000001", 3.0, 2.0]]


def test_xlsx_formulas_dates_and_misnamed(tmp_path: Path) -> None:
    rows = [["a", "b", "c"], [Formula("1+2", 3), DateCell(42430), "'42282200000001"]]
    p = write_xlsx(tmp_path / "f.xlsx", {"S": rows})
    got = _rows(p)
    assert got[1][0] == 3.0  # the cached value of the formula
    assert isinstance(got[1][1], (dt.date, dt.datetime))
    assert excel_serial(got[1][1]) == 42430
    misnamed = tmp_path / "really_xlsx.xls"
    misnamed.write_bytes(p.read_bytes())
    assert open_workbook(misnamed).format == "xlsx"
    assert _rows(misnamed) == got


def test_xls_biff(tmp_path: Path) -> None:
    pytest.importorskip("xlwt", reason="xlwt (test-only) writes the BIFF .xls fixture")
    p = write_xls(tmp_path / "old.xls", {"花名册": ROWS + [[4.22822195212036e17, 12, "甲三"]]})
    wb = open_workbook(p)
    assert wb.format == "xls"
    got = _rows(p)
    assert got[:3] == ROWS
    assert key_corrupted(got[3][0], to_text(got[3][0]))


def test_ods(tmp_path: Path) -> None:
    p = write_ods(tmp_path / "r.ods", {"花名册": ROWS})
    wb = open_workbook(p)
    assert wb.format == "ods"
    assert _rows(p)[:3] == ROWS


def test_unreadable_files_fail_with_the_file_name(tmp_path: Path) -> None:
    empty = tmp_path / "空.xlsx"
    empty.write_bytes(b"")
    with pytest.raises(ImportFailure, match="空.xlsx.*文件为空"):
        open_workbook(empty)
    png = tmp_path / "图片.xlsx"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    with pytest.raises(ImportFailure, match="图片.xlsx.*不是有效的 Excel/CSV 文件"):
        open_workbook(png)
    enc = tmp_path / "加密.xlsx"
    enc.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500 + "EncryptedPackage".encode("utf-16-le"))
    with pytest.raises(ImportFailure, match="加密"):
        open_workbook(enc)
    zip_not_xlsx = tmp_path / "文档.xlsx"
    import zipfile

    with zipfile.ZipFile(zip_not_xlsx, "w") as z:
        z.writestr("word/document.xml", "<w/>")
    with pytest.raises(ImportFailure, match="文档.xlsx.*不是有效的 Excel/CSV 文件（这是 Word 文档") as info:
        open_workbook(zip_not_xlsx)
    assert "Error" not in str(info.value)  # no exception class names (ZipError, CalamineError) in messages
    with pytest.raises(ImportFailure, match="不存在"):
        open_workbook(tmp_path / "missing.xlsx")


def test_sniff() -> None:
    assert sniff_format(b"PK\x03\x04rest") == "zip"
    assert sniff_format(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1") == "ole"
    assert sniff_format("<html><table>".encode()) == "html"
    assert sniff_format(b'\xef\xbb\xbf<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet">') \
        == "spreadsheetml"
    assert sniff_format("户编号,人编号\n".encode("gbk")) == "text"
    assert sniff_format(b"") == "empty"


def test_values() -> None:
    assert to_text(6.0) == "6"
    assert to_text("'4228") == "4228"
    assert to_text(dt.datetime(2016, 2, 20)) == "2016-02-20"
    assert key_text("４２２８２２ 0000 0001") == "42282200000001"
    assert key_corrupted(4.22822e15, to_text(4.22822e15))
    assert key_corrupted("4.22822E+15", "4.22822E+15")
    assert not key_corrupted(42282200000001.0, "42282200000001")
    assert not key_corrupted("4228220000000110", "4228220000000110")
    assert to_number("1,234.5元") == (1234.5, True)
    assert to_number("无") == (None, False)
    assert to_number("") == (None, True)
    assert to_number(dt.date(1900, 1, 3)) == (3.0, True)  # a 3 typed into a date-formatted cell
    assert to_int("6人") == (6, True)
    assert to_int(2.5) == (None, False)


def test_read_table_generic_lookup_for_other_tables(tmp_path: Path) -> None:
    from fupin_tui.headers import build_lookup
    from fupin_tui.importing import BLANK, DATA, TOTAL, read_table

    lookup = build_lookup({"village": ("行政村", "村"), "code": ("行政区划代码",), "poor": ("是否贫困村",)})
    rows = [["某县行政村信息表"], ["", "", ""], ["行政村", "行政区划代码", "是否贫困村", "备注"],
            ["东坪村", "422822100201", "是", "x"], ["", "", ""], ["西坪村", 422822100202.0, "否", ""],
            ["合计", "", "", ""]]
    p = write_xlsx(tmp_path / "村.xlsx", {"说明": [["无表头"]], "村": rows})
    tables = read_table(p, lookup, required=("village",), key_fields=("code",))
    assert [t.sheet.name for t in tables] == ["村"]
    t = tables[0]
    assert t.header.row == 3 and t.header.title_lines == ["某县行政村信息表"]
    got = [(r.row, r.kind, r.values.get("village"), r.extra) for r in t.rows()]
    assert got == [(4, DATA, "东坪村", {"备注": "x"}), (5, BLANK, None, {}), (6, DATA, "西坪村", {}),
                   (7, TOTAL, None, {})]
    assert t.header.field_column("code") == "B（行政区划代码）"
