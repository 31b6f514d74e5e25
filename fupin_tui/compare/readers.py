"""Read department lists (部门名单): spreadsheets (python-calamine), CSV, and HTML tables saved as ``.xls``.

Each department exports its own layout: the header row may sit below title rows, the ID column is called
身份证号, 公民身份号码, 社会保障号码, 残疾人证号… and the name column 姓名, 户主姓名, 法定代表人, 所有人…
The header row is the first of the top :data:`HEADER_SCAN_ROWS` rows holding an ID column (synonyms in
:mod:`fupin_tui.headers`); the other columns map to the fields of :data:`fupin_tui.headers.DEPT_FIELD_SYNONYMS` or
keep their normalised header text.

Files are opened by the importer's readers (:func:`fupin_tui.importing.readers.open_workbook`: calamine for
.xlsx/.xls/.ods, HTML and SpreadsheetML saved as .xls, CSV in UTF-8 or GBK); only the header search is specific to
department lists (their ID and name synonyms differ from the roster's).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from fupin_tui.headers import (
    DEPT_FIELD_LOOKUP,
    DEPT_ID_SYNONYMS,
    DEPT_NAME_SYNONYMS,
    header_variants,
    match_field,
    normalize_header,
)
from fupin_tui.importing.errors import ImportFailure
from fupin_tui.importing.readers import open_workbook

#: How many top rows are searched for the header row.
HEADER_SCAN_ROWS = 30

_ID_KEYS = [normalize_header(s) for s in DEPT_ID_SYNONYMS]
_NAME_KEYS = [normalize_header(s) for s in DEPT_NAME_SYNONYMS]


class ReadError(Exception):
    """A department file that cannot be read or holds no usable list. ``str()`` is a Chinese message naming the file."""


@dataclass(frozen=True)
class SkippedSheet:
    """A sheet left out of the comparison because it is one of the county's own export tables (花名册, 户收入及生产
    生活条件, 行政村 / 自然村 / 贫困县 / 帮扶项目 / 受益户 tables), recognised by the importer's sheet classification:
    file name, sheet name, the table's Chinese name, the header row (1-based, 0 when unknown)."""

    file: str
    sheet: str
    label: str
    header_row: int = 0

    def message(self) -> str:
        """Chinese line: what was skipped and why."""
        where = self.file + (f"（工作表 {self.sheet}）" if self.sheet else "")
        return f"跳过 {where}：这是县级导出数据（{self.label}），不是部门名单；请用 fupin import 导入"


def county_export_kind(rows: list[list[object]]) -> tuple[str, int] | None:
    """``(Chinese table name, header row)`` when a sheet (rows from spreadsheet row 1) is one of the county's own
    export tables by the importer's classification (:func:`fupin_tui.importing.pipeline.classify_sheet` with the
    village table kinds, and :func:`~fupin_tui.importing.pipeline.incomplete_export` for a roster or income table
    missing a key column), else None. 组织部 lists (党员, 大学生村官) stay department lists."""
    from fupin_tui.importing.pipeline import classify_sheet, incomplete_export
    from fupin_tui.importing.report import INCOME, KIND_LABELS, ROSTER
    from fupin_tui.importing.tables import HEADER_SCAN_ROWS as IMPORT_SCAN_ROWS
    from fupin_tui.villages import VILLAGE_TABLES  # here: fupin_tui.villages imports this package
    from fupin_tui.villages.kinds import ORGANIZATION

    head = rows[:IMPORT_SCAN_ROWS + 1]
    kind, match = classify_sheet(head, (), 0, VILLAGE_TABLES)
    if match is not None and kind in (ROSTER, INCOME):
        return KIND_LABELS[kind], match.row
    if match is not None and kind in VILLAGE_TABLES.labels and kind != ORGANIZATION:
        return VILLAGE_TABLES.labels[kind], match.row
    inc = incomplete_export(head)
    if inc is not None:
        return inc.label, inc.header.row
    return None


@dataclass
class DeptTable:
    """One sheet of a department file, with its header located.

    Attributes:
        path: the file; ``file_name``: its name without directory (stored; directories may hold personal paths).
        sha256: hex digest of the whole file (re-importing the same file is recognised by it).
        sheet: sheet name (``""`` for CSV).
        header_row: 1-based row number of the header row.
        headers: the header cells as text, in column order.
        id_col / name_col: 0-based column indexes (``name_col`` None when the list has no name column).
        id_header / name_header: the header texts of those columns.
        fields: dept field (see ``DEPT_FIELD_SYNONYMS``) → column index, first match wins.
        extras: normalised header → column index for every other non-empty header.
        rows: the data rows below the header (lists of cell values as the reader returned them).
    """

    path: Path
    file_name: str
    sha256: str
    sheet: str
    header_row: int
    headers: list[str]
    id_col: int
    name_col: int | None
    id_header: str
    name_header: str
    fields: dict[str, int] = field(default_factory=dict)
    extras: dict[str, int] = field(default_factory=dict)
    rows: list[list[object]] = field(default_factory=list)

    @property
    def header_keys(self) -> list[str]:
        """Every normalised variant of every header cell (for department inference)."""
        out: list[str] = []
        for h in self.headers:
            out.extend(header_variants(h))
        return out


def read_sheets(path: Path) -> tuple[str, list[tuple[str, list[list[object]]]]]:
    """``(sha256 of the file, [(sheet name, rows)])`` through the importer's readers (format sniffed from the bytes).

    Row ``i`` is spreadsheet row ``i + 1``. Raises :class:`ReadError` (Chinese message naming the file) when the file
    is missing, empty, encrypted, damaged or not a table.
    """
    try:
        wb = open_workbook(path)
        return wb.sha256, [(sheet.name, [list(r) for r in sheet.rows()]) for sheet in wb.sheets()]
    except ImportFailure as exc:
        raise ReadError(str(exc)) from exc


def _find_col(cells: list[str], keys: list[str]) -> int | None:
    """Index of the first cell whose header variants hit ``keys``, preferring earlier synonyms."""
    variants = [header_variants(c) for c in cells]
    for key in keys:
        for i, vs in enumerate(variants):
            if key in vs:
                return i
    return None


def locate_header(rows: list[list[object]]) -> tuple[int, int, int | None] | None:
    """Find the header row: ``(row index 0-based, id column, name column or None)``, or None when no ID column.

    The first of the top :data:`HEADER_SCAN_ROWS` rows with an ID-synonym cell wins (title rows above are skipped).
    """
    for i, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        cells = ["" if c is None else str(c) for c in row]
        id_col = _find_col(cells, _ID_KEYS)
        if id_col is not None:
            return i, id_col, _find_col(cells, _NAME_KEYS)
    return None


def read_department_file(path: str | Path, skipped: list[SkippedSheet] | None = None) -> list[DeptTable]:
    """Read every sheet of a department file that holds a list (a header row with an ID column).

    Returns one :class:`DeptTable` per such sheet, in sheet order. Sheets that are the county's own export tables
    (:func:`county_export_kind`) are left out and appended to ``skipped``; a file with only such sheets gives ``[]``.
    Raises :class:`ReadError` when the file cannot be read or no sheet has an ID column (the message names the file
    and the accepted ID headers).
    """
    path = Path(path)
    digest, sheets = read_sheets(path)
    tables: list[DeptTable] = []
    exports: list[SkippedSheet] = []
    for sheet, rows in sheets:
        export = county_export_kind(rows)
        if export is not None:
            exports.append(SkippedSheet(path.name, sheet if len(sheets) > 1 else "", *export))
            continue
        found = locate_header(rows)
        if found is None:
            continue
        hi, id_col, name_col = found
        headers = ["" if c is None else str(c).strip() for c in rows[hi]]
        fields: dict[str, int] = {}
        extras: dict[str, int] = {}
        for col, text in enumerate(headers):
            if col in (id_col, name_col) or not text:
                continue
            f = match_field(text, DEPT_FIELD_LOOKUP)
            if f is not None and f not in fields:
                fields[f] = col
            else:
                key = normalize_header(text)
                if key and key not in extras:
                    extras[key] = col
        tables.append(DeptTable(
            path=path, file_name=path.name, sha256=digest, sheet=sheet, header_row=hi + 1, headers=headers,
            id_col=id_col, name_col=name_col, id_header=headers[id_col],
            name_header=headers[name_col] if name_col is not None else "", fields=fields, extras=extras,
            rows=[list(r) for r in rows[hi + 1:]],
        ))
    if skipped is not None:
        skipped.extend(exports)
    if not tables and exports:
        return tables
    if not tables:
        accepted = "、".join(DEPT_ID_SYNONYMS)
        raise ReadError(f"文件 {path.name} 中找不到证件号码列（表头应含以下之一：{accepted}）")
    return tables
