"""Write one-sheet tables as .xlsx or .csv, fast and byte-for-byte reproducible.

The .xlsx files have the shape of the national system's exports and of the shared sample (one sheet, strings as
inline strings, numbers as numbers, no styles beyond the default). They are written by streaming XML into the zip
archive, which is several times faster than openpyxl's write-only mode for the 40,000-household benchmark county,
and every zip entry carries a fixed timestamp, so the same rows give the same bytes. openpyxl (which writes the
report) cannot write inline strings, the way the national system's Java exporter does (STYLE.md: readers are twice as
slow on such files), so the demo would not exercise the layout real counties send.

Cell values: ``str`` → text cell (an ID number stays text), ``int``/``float`` → number cell (so an ID written as an
``int`` is a number cell, the way Excel corrupts it), ``None`` → no cell.
"""

from __future__ import annotations

import csv
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from fupin_tui.importing.errors import column_letter

_FIXED_TIME = (2016, 2, 20, 9, 30, 0)
_CHUNK_ROWS = 2000

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    '<Override PartName="/docProps/app.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
    '</Types>'
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/>'
    '<Relationship Id="rId2" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" '
    'Target="docProps/app.xml"/>'
    '</Relationships>'
)
_APP = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
    '<Application>fupin-tui demo generator</Application></Properties>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
    'Target="styles.xml"/>'
    '</Relationships>'
)
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<fonts count="1"><font><sz val="11"/><name val="宋体"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
    '</fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="常规" xfId="0" builtinId="0"/></cellStyles>'
    '</styleSheet>'
)


def _escape(text: str) -> str:
    if "&" in text or "<" in text or ">" in text:
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text


def _zipinfo(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    try:
        info.compress_level = 1  # type: ignore[attr-defined]  # Python ≥ 3.13
    except AttributeError:
        info._compresslevel = 1  # type: ignore[attr-defined]  # Python 3.11–3.12
    info.external_attr = 0o600 << 16
    return info


def write_xlsx(path: Path, sheet_name: str, rows: Iterable[Sequence[object]], *, width: int) -> None:
    """Write ``rows`` (each at most ``width`` cells) as the single sheet ``sheet_name`` of the .xlsx file ``path``.

    Strings become inline-string cells (text, as the national system writes them), ints and floats number cells, None
    no cell. Raises ``OSError`` when the file cannot be written.
    """
    letters = [column_letter(i) for i in range(width)]
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(_zipinfo("[Content_Types].xml"), _CONTENT_TYPES)
        zf.writestr(_zipinfo("_rels/.rels"), _ROOT_RELS)
        zf.writestr(_zipinfo("docProps/app.xml"), _APP)
        zf.writestr(
            _zipinfo("xl/workbook.xml"),
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            f'<sheets><sheet name="{_escape(sheet_name)}" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        zf.writestr(_zipinfo("xl/_rels/workbook.xml.rels"), _WORKBOOK_RELS)
        zf.writestr(_zipinfo("xl/styles.xml"), _STYLES)
        with zf.open(_zipinfo("xl/worksheets/sheet1.xml"), "w", force_zip64=True) as out:
            out.write(
                b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            )
            chunk: list[str] = []
            for r, row in enumerate(rows, start=1):
                cells = [f'<row r="{r}">']
                for letter, value in zip(letters, row):
                    if value is None:
                        continue
                    if isinstance(value, str):
                        text = _escape(value)
                        space = ' xml:space="preserve"' if text != text.strip() else ""
                        cells.append(f'<c r="{letter}{r}" t="inlineStr"><is><t{space}>{text}</t></is></c>')
                    else:
                        cells.append(f'<c r="{letter}{r}"><v>{value!r}</v></c>')
                cells.append("</row>")
                chunk.append("".join(cells))
                if len(chunk) >= _CHUNK_ROWS:
                    out.write("".join(chunk).encode())
                    chunk.clear()
            out.write("".join(chunk).encode())
            out.write(b"</sheetData></worksheet>")
    tmp.replace(path)


def _csv_value(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, int) and abs(value) >= 10**11:
        return f"{value:.5E}"  # a long number cell, as Excel's "General" format shows it: 4.22822E+17
    return value


def write_csv(path: Path, rows: Iterable[Sequence[object]]) -> None:
    """Write ``rows`` as UTF-8 CSV with a BOM (as Excel saves "CSV UTF-8"); None → empty field, a long int (an ID
    stored as a number) → its scientific notation as Excel shows it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    with tmp.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f, lineterminator="\r\n")
        for row in rows:
            writer.writerow([_csv_value(v) for v in row])
    tmp.replace(path)


def write_table(path: Path, sheet_name: str, rows: Iterable[Sequence[object]], *, width: int, fmt: str) -> Path:
    """Write a table as ``fmt`` ("xlsx" or "csv"); returns the path written (suffix set from ``fmt``).

    Raises ``ValueError`` for another ``fmt``.
    """
    if fmt == "xlsx":
        target = path.with_suffix(".xlsx")
        write_xlsx(target, sheet_name, rows, width=width)
    elif fmt == "csv":
        target = path.with_suffix(".csv")
        write_csv(target, rows)
    else:
        raise ValueError(f"未知的文件格式：{fmt}（可用 xlsx 或 csv）")
    return target
