"""Test-time writers of export files in every layout and with every defect of issue 4 (no binaries in the repo).

- :func:`make_households`: a small synthetic county (made-up names, valid-checksum IDs of synthetic people).
- :func:`roster_rows`: the roster table (optional title rows, header variants, values on the 户主 row or repeated).
- Writers: :func:`write_xlsx` (a minimal hand-written OOXML writer: inline strings, numbers, formulas WITH cached
  values, date-formatted numbers, merged cells — openpyxl cannot write cached formula values), :func:`write_xls`
  (BIFF via xlwt, a test-only dependency: skipped when absent), :func:`write_ods`, :func:`write_csv`,
  :func:`write_html_xls`, :func:`write_spreadsheetml`.

Cells may be :class:`Formula` (expression + cached value) or :class:`DateCell` (a number shown as a date).
"""

from __future__ import annotations

import datetime as dt
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

from stdnum.cn import ric

from fupin_tui.importing.errors import column_letter

COUNTY = "422822"
COUNTY_NAME = "建始县"

ROSTER_HEADER = [
    "序号", "县(市、区、旗)", "乡(镇)", "行政村", "自然村", "户编号", "人编号", "姓名", "证件号码", "人数", "与户主关系",
    "民族", "文化程度", "在校生状况", "健康状况", "劳动技能", "务工状况", "务工时间（月）", "参加大病医疗", "脱贫属性",
    "贫困户属性", "主要致贫原因", "危房户", "饮水安全", "饮水困难", "人均纯收入", "联系电话",
]
#: header label → key in a member dict (household keys for household-level columns).
ROSTER_KEYS = {
    "序号": "seq", "县(市、区、旗)": "county", "乡(镇)": "township", "行政村": "village", "自然村": "hamlet",
    "户编号": "household_no", "人编号": "member_no", "姓名": "name", "证件号码": "id_number", "人数": "size",
    "与户主关系": "relation", "民族": "ethnicity", "文化程度": "education", "在校生状况": "school_status",
    "健康状况": "health", "劳动技能": "labour_skill", "务工状况": "work_status", "务工时间（月）": "work_months",
    "参加大病医疗": "serious_illness_insurance", "脱贫属性": "poverty_status", "贫困户属性": "household_type",
    "主要致贫原因": "main_cause", "危房户": "dilapidated_house", "饮水安全": "water_safe", "饮水困难": "water_difficulty",
    "人均纯收入": "roster_per_capita_income", "联系电话": "phone",
}
HOUSEHOLD_KEYS = {
    "county", "township", "village", "hamlet", "size", "poverty_status", "household_type", "main_cause",
    "dilapidated_house", "water_safe", "water_difficulty", "roster_per_capita_income",
}
INCOME_HEADER = [
    "户编号", "户主姓名", "户主证件号码", "家庭人口数", "识别标准", "贫困户属性", "脱贫属性", "主要致贫原因", "工资性收入",
    "生产经营性收入", "财产性收入", "转移性收入", "计划生育金", "低保金", "五保金", "养老保险金", "生态补偿金",
    "其他转移性收入", "生产经营性支出", "年收入", "纯收入", "人均纯收入", "耕地面积（亩）", "住房面积（㎡）", "是否危房户",
    "是否易地扶贫搬迁户", "是否通生活用电", "入户路类型",
]

_SURNAMES = "甲乙丙丁戊己庚辛"
_GIVEN = ("一", "二", "三", "四", "五", "六")


def make_id(birth: dt.date, seq: int, male: bool, area: str = COUNTY) -> str:
    """A synthetic 18-character ID with a valid GB 11643 check digit."""
    order = seq * 2 + (1 if male else 0)
    body = f"{area}{birth:%Y%m%d}{order % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")  # stdnum drops the last character (the check digit)


@dataclass
class Formula:
    """A formula cell: ``expr`` (without ``=``) and the cached value Excel saved with it."""

    expr: str
    cached: object


@dataclass
class DateCell:
    """A number cell shown with a date format (Excel serial ``serial``)."""

    serial: float


@dataclass
class Hh:
    """A synthetic household: values by key (see ROSTER_KEYS) and members (dicts by key)."""

    values: dict[str, object]
    members: list[dict[str, object]] = field(default_factory=list)

    @property
    def no(self) -> str:
        return str(self.values["household_no"])


def make_households(n: int = 6, members: tuple[int, ...] = (3, 2, 4, 1, 3, 2)) -> list[Hh]:
    """``n`` households of county 422822 (户编号 42282200000001…, 人编号 = 户编号 + 2 digits)."""
    out = []
    seq = 0
    for i in range(n):
        no = f"{COUNTY}{i + 1:08d}"
        size = members[i % len(members)]
        town = "业州镇" if i % 2 == 0 else "高坪镇"
        hh = Hh({
            "county": COUNTY_NAME, "township": town, "village": f"{town[:2]}东坪村", "hamlet": f"{i % 5 + 1}组",
            "household_no": no, "size": size, "poverty_status": "未脱贫" if i % 3 else "已脱贫",
            "household_type": "一般贫困户" if i % 2 == 0 else "低保贫困户", "main_cause": "缺技术",
            "dilapidated_house": "否", "water_safe": "是", "water_difficulty": "否",
            "roster_per_capita_income": 2800 + 10 * i,
        })
        for j in range(size):
            seq += 1
            male = j % 2 == 0
            birth = dt.date(1950 + (i * 7 + j * 13) % 60, 1 + (i + j) % 12, 1 + (i * 3 + j) % 28)
            hh.members.append({
                "member_no": f"{no}{j + 1:02d}",
                "name": _SURNAMES[i % len(_SURNAMES)] + _GIVEN[j % len(_GIVEN)],
                "id_number": make_id(birth, seq, male),
                "relation": "户主" if j == 0 else ("配偶" if j == 1 else ("之子" if male else "之女")),
                "ethnicity": "汉族" if j % 3 else "土家族", "education": "初中", "school_status": "非在校生",
                "health": "健康", "labour_skill": "普通劳动力", "work_status": "", "work_months": "",
                "serious_illness_insurance": "是",
                "phone": f"181{i:04d}{j:04d}" if j == 0 else "",
            })
        out.append(hh)
    return out


def roster_rows(
    hhs: list[Hh], *, header: list[str] | None = None, title: bool = True, repeat: bool = False,
    data_year: int | None = 2015, key_map: dict[str, str] | None = None,
) -> list[list[object]]:
    """The roster table: two title rows (``建档立卡贫困人口花名册``, ``建始县 数据年度：2015 …``) unless ``title`` is
    False, the header, one row per member. Household values on the 户主 row only, or on every row with ``repeat``.
    ``header``: the header labels to write (variants allowed); ``key_map``: label → key for labels not in
    ROSTER_KEYS."""
    header = header or ROSTER_HEADER
    keys = {**ROSTER_KEYS, **(key_map or {})}
    rows: list[list[object]] = []
    if title:
        rows.append(["建档立卡贫困人口花名册"] + [""] * (len(header) - 1))
        year = f"    数据年度：{data_year}" if data_year else ""
        rows.append([f"{COUNTY_NAME}{year}    导出时间：2016-02-20"] + [""] * (len(header) - 1))
    rows.append(list(header))
    seq = 0
    for hh in hhs:
        for j, m in enumerate(hh.members):
            seq += 1
            row: list[object] = []
            for label in header:
                key = keys.get(label, label)
                if key == "seq":
                    row.append(seq)
                elif key in HOUSEHOLD_KEYS and key not in ("county", "township", "village", "hamlet"):
                    row.append(hh.values.get(key, "") if (j == 0 or repeat) else "")
                elif key in hh.values and key in ("county", "township", "village", "hamlet", "household_no"):
                    row.append(hh.values[key])
                else:
                    row.append(m.get(key, ""))
            rows.append(row)
    return rows


def income_rows(hhs: list[Hh]) -> list[list[object]]:
    """The income table (header on the first row), one row per household; incomes obey the identities."""
    rows: list[list[object]] = [list(INCOME_HEADER)]
    for i, hh in enumerate(hhs):
        head = hh.members[0] if hh.members else {"name": "", "id_number": ""}
        wage, business, prop = 5000 + 100 * i, 3000, 0
        parts = [0, 0, 0, 600, 0, 0]
        transfer = sum(parts)
        annual = wage + business + prop + transfer
        expense = 500
        net = annual - expense
        size = len(hh.members) or 1
        rows.append([
            hh.no, head["name"], head["id_number"], len(hh.members), "国家标准", hh.values["household_type"],
            hh.values["poverty_status"], hh.values["main_cause"], wage, business, prop, transfer, *parts, expense,
            annual, net, round(net / size), 1.5, 80, "否", "否", "是", "水泥路",
        ])
    return rows


# --------------------------------------------------------------------------------------------------------- xlsx


def _cell_xml(ref: str, value: object) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, Formula):
        cached = value.cached
        if isinstance(cached, str):
            return f'<c r="{ref}" t="str"><f>{escape(value.expr)}</f><v>{escape(cached)}</v></c>'
        return f'<c r="{ref}"><f>{escape(value.expr)}</f><v>{cached}</v></c>'
    if isinstance(value, DateCell):
        return f'<c r="{ref}" s="1"><v>{value.serial}</v></c>'
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, (int, float)):
        return f'<c r="{ref}"><v>{value!r}</v></c>'
    text = str(value)
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{escape(text)}</t></is></c>'


def write_xlsx(path: Path, sheets: dict[str, list[list[object]]], merges: dict[str, list[str]] | None = None,
               first_row: int = 0) -> Path:
    """Write a minimal .xlsx: every sheet's rows from row 1 (+ ``first_row`` blank rows), inline strings."""
    merges = merges or {}
    names = list(sheets)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            + "".join(
                f'<Override PartName="/xl/worksheets/sheet{i + 1}.xml" '
                'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                for i in range(len(names)))
            + "</Types>"))
        z.writestr("_rels/.rels", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" '
            'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>'))
        z.writestr("xl/workbook.xml", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
            + "".join(f'<sheet name="{escape(n)}" sheetId="{i + 1}" r:id="rId{i + 1}"/>' for i, n in enumerate(names))
            + "</sheets></workbook>"))
        z.writestr("xl/_rels/workbook.xml.rels", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            + "".join(
                f'<Relationship Id="rId{i + 1}" '
                'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
                f'Target="worksheets/sheet{i + 1}.xml"/>' for i in range(len(names)))
            + f'<Relationship Id="rId{len(names) + 1}" '
            'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
            "</Relationships>"))
        z.writestr("xl/styles.xml", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
            '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
            '<borders count="1"><border/></borders>'
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
            '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
            '<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
            "</styleSheet>"))
        for i, n in enumerate(names):
            parts = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                     '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>']
            for r, row in enumerate(sheets[n]):
                rn = r + 1 + first_row
                cells = "".join(_cell_xml(f"{column_letter(c)}{rn}", v) for c, v in enumerate(row))
                parts.append(f'<row r="{rn}">{cells}</row>')
            parts.append("</sheetData>")
            if merges.get(n):
                parts.append(f'<mergeCells count="{len(merges[n])}">'
                             + "".join(f'<mergeCell ref="{m}"/>' for m in merges[n]) + "</mergeCells>")
            parts.append("</worksheet>")
            z.writestr(f"xl/worksheets/sheet{i + 1}.xml", "".join(parts))
    return path


# ---------------------------------------------------------------------------------------------------------- xls


def write_xls(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    """Write a legacy BIFF .xls with xlwt (test-only dependency; the caller skips when it is missing)."""
    import xlwt  # noqa: PLC0415

    wb = xlwt.Workbook(encoding="utf-8")
    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    for name, rows in sheets.items():
        ws = wb.add_sheet(name)
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                if v is None or v == "":
                    continue
                if isinstance(v, Formula):
                    ws.write(r, c, v.cached)
                elif isinstance(v, DateCell):
                    ws.write(r, c, v.serial, date_style)
                else:
                    ws.write(r, c, v)
    wb.save(str(path))
    return path


# ---------------------------------------------------------------------------------------------------------- ods


def write_ods(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    """Write a minimal OpenDocument spreadsheet (.ods)."""
    body = []
    for name, rows in sheets.items():
        body.append(f'<table:table table:name="{escape(name)}">')
        for row in rows:
            body.append("<table:table-row>")
            for v in row:
                if isinstance(v, (Formula, DateCell)):
                    v = v.cached if isinstance(v, Formula) else v.serial
                if v is None or v == "":
                    body.append("<table:table-cell/>")
                elif isinstance(v, (int, float)) and not isinstance(v, bool):
                    body.append(f'<table:table-cell office:value-type="float" office:value="{v}"><text:p>{v}'
                                "</text:p></table:table-cell>")
                else:
                    body.append(f'<table:table-cell office:value-type="string"><text:p>{escape(str(v))}</text:p>'
                                "</table:table-cell>")
            body.append("</table:table-row>")
        body.append("</table:table>")
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        "<office:body><office:spreadsheet>" + "".join(body) + "</office:spreadsheet></office:body>"
        "</office:document-content>"
    )
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("META-INF/manifest.xml", (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
            'manifest:version="1.2">'
            '<manifest:file-entry manifest:full-path="/" '
            'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
            '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
            "</manifest:manifest>"))
        z.writestr("content.xml", content)
    return path


# ------------------------------------------------------------------------------------------------ CSV, HTML, XML


def _plain(v: object) -> str:
    if isinstance(v, Formula):
        v = v.cached
    if isinstance(v, DateCell):
        v = v.serial
    if v is None:
        return ""
    return str(v)


def write_csv(path: Path, rows: list[list[object]], encoding: str = "utf-8", delimiter: str = ",") -> Path:
    """Write CSV (``encoding`` ``utf-8``, ``utf-8-sig`` (with BOM) or ``gbk``/``gb18030``)."""
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    for row in rows:
        w.writerow([_plain(v) for v in row])
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def write_html_xls(path: Path, rows: list[list[object]], encoding: str = "utf-8",
                   spans: dict[tuple[int, int], tuple[int, int]] | None = None) -> Path:
    """An "Excel" file that is really an HTML table (as web systems export under an .xls name).
    ``spans``: (row, col) → (rowspan, colspan) for merged cells (the covered cells are left out)."""
    spans = spans or {}
    covered: set[tuple[int, int]] = set()
    for (r, c), (rs, cs) in spans.items():
        for rr in range(r, r + rs):
            for cc in range(c, c + cs):
                if (rr, cc) != (r, c):
                    covered.add((rr, cc))
    charset = "gbk" if encoding.lower() in ("gbk", "gb18030") else "utf-8"
    out = [f'<html xmlns:x="urn:schemas-microsoft-com:office:excel"><head><meta http-equiv="Content-Type" '
           f'content="text/html; charset={charset}"><style>td {{ mso-number-format:"\\@"; }}</style></head><body>'
           "<table border=1>"]
    for r, row in enumerate(rows):
        out.append("<tr>")
        for c, v in enumerate(row):
            if (r, c) in covered:
                continue
            attrs = ""
            if (r, c) in spans:
                rs, cs = spans[(r, c)]
                attrs = f' rowspan="{rs}" colspan="{cs}"'
            text = escape(_plain(v)).replace("\n", "<br>")
            out.append(f"<td{attrs}>{text}</td>")
        out.append("</tr>\n")
    out.append("</table></body></html>")
    path.write_bytes("".join(out).encode(encoding))
    return path


def write_spreadsheetml(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    """An "Excel" file that is really SpreadsheetML 2003 XML."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n<?mso-application progid="Excel.Sheet"?>\n'
           '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" '
           'xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">']
    for name, rows in sheets.items():
        out.append(f'<Worksheet ss:Name="{escape(name)}"><Table>')
        for row in rows:
            out.append("<Row>")
            pending_index = None
            for c, v in enumerate(row):
                if v is None or v == "":
                    pending_index = c + 2
                    continue
                idx = f' ss:Index="{c + 1}"' if pending_index else ""
                pending_index = None
                if isinstance(v, Formula):
                    cached = v.cached
                    typ = "Number" if isinstance(cached, (int, float)) else "String"
                    out.append(f'<Cell{idx} ss:Formula="={escape(v.expr)}"><Data ss:Type="{typ}">'
                               f"{escape(str(cached))}</Data></Cell>")
                elif isinstance(v, (int, float)) and not isinstance(v, bool):
                    out.append(f'<Cell{idx}><Data ss:Type="Number">{v}</Data></Cell>')
                elif isinstance(v, DateCell):
                    out.append(f'<Cell{idx}><Data ss:Type="Number">{v.serial}</Data></Cell>')
                else:
                    out.append(f'<Cell{idx}><Data ss:Type="String">{escape(str(v))}</Data></Cell>')
            out.append("</Row>")
        out.append("</Table></Worksheet>")
    out.append("</Workbook>")
    path.write_text("".join(out), encoding="utf-8")
    return path
