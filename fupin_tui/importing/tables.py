"""Generic tables: find a header row by a synonym lookup and yield mapped rows with their spreadsheet row numbers.

Reusable by every importer (roster, income table, village/project tables, department lists): give a lookup built by
:func:`fupin_tui.headers.build_lookup` (normalised synonym → field) and get, per sheet, a :class:`HeaderMatch` and
the rows below it as :class:`TableRow` (field → raw cell value, unmapped columns by header text, and the row's kind:
data / blank / total / repeated header).

Header location: the header may sit on any of the first ``max_rows`` rows (default 15) under title rows; a two-row
header (a group label above, the field labels below, or labels split over two rows) is merged column by column (the
lower label first, then the upper, then both joined); horizontally merged group labels are spread over their columns.
The row (or pair of rows) that maps the most distinct fields wins; on a tie the single row wins, then the earlier one.

Example::

    lookup = build_lookup({"village": ("行政村", "村"), "code": ("行政区划代码",)})
    for table in read_table("村表.xlsx", lookup, required=("village",)):
        for row in table.rows():
            if row.kind == DATA:
                print(row.row, row.values["village"])
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import chain
from pathlib import Path

from fupin_tui.headers import match_field, normalize_header
from fupin_tui.importing.errors import column_letter
from fupin_tui.importing.readers import SheetData, Workbook, open_workbook
from fupin_tui.importing.values import is_total_text, to_text

#: Row kinds yielded by :func:`iter_rows`.
DATA, BLANK, TOTAL, HEADER = "data", "blank", "total", "header"

#: How many rows from the top are searched for the header.
HEADER_SCAN_ROWS = 15


@dataclass
class HeaderMatch:
    """Where a header was found and how its columns map.

    Attributes:
        row: 1-based spreadsheet row of the (last) header row; data starts on the next row.
        first_row: 1-based row of the first header row (``row - 1`` for a two-row header).
        fields: column position in the row lists → field (the first column of a field wins).
        labels: column position → header text as shown (two-row labels joined with ``/``) for every labelled column.
        unmapped: column position → header text of columns that map to no field (or to a field already taken).
        title_lines: texts of the rows above the header (title rows), each row's cells joined by spaces.
        first_col: 0-based absolute column of position 0 (to name columns by letter).
    """

    row: int
    first_row: int
    fields: dict[int, str]
    labels: dict[int, str]
    unmapped: dict[int, str]
    title_lines: list[str] = field(default_factory=list)
    first_col: int = 0

    @property
    def field_set(self) -> set[str]:
        """The fields found."""
        return set(self.fields.values())

    def column_of(self, fld: str) -> int | None:
        """Column position of ``fld``, or None."""
        for pos, f in self.fields.items():
            if f == fld:
                return pos
        return None

    def column_name(self, pos: int) -> str:
        """``F（户编号）``: the column letter with its header text."""
        letter = column_letter(self.first_col + pos)
        label = self.labels.get(pos, "").replace("\n", "")
        return f"{letter}（{label}）" if label else letter

    def field_column(self, fld: str) -> str:
        """:meth:`column_name` of a field's column, ``""`` when the field is absent."""
        pos = self.column_of(fld)
        return "" if pos is None else self.column_name(pos)

    def mapping(self) -> list[tuple[str, str, str | None]]:
        """``[(column letter, header text, field or None)]`` in column order (for ``--dry-run``)."""
        out = []
        for pos in sorted(self.labels):
            out.append((column_letter(self.first_col + pos), self.labels[pos], self.fields.get(pos)))
        return out


@lru_cache(maxsize=4096)
def _match(text: str, lookup_id: int) -> str | None:
    return match_field(text, _LOOKUPS[lookup_id])


_LOOKUPS: dict[int, Mapping[str, str]] = {}


def _lookup_id(lookup: Mapping[str, str]) -> int:
    key = id(lookup)
    _LOOKUPS[key] = lookup
    return key


def _cell_label(value: object) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        return value.strip()
    return ""  # numbers and dates are never header labels


def _spread(labels: list[str], row_index: int, merged: Sequence[tuple[tuple[int, int], tuple[int, int]]],
            first_col: int) -> list[str]:
    """Copy a horizontally merged label over every column of its range."""
    out = list(labels)
    for (r0, c0), (r1, c1) in merged:
        if r0 <= row_index <= r1 and c1 > c0:
            src = c0 - first_col
            if 0 <= src < len(out) and out[src]:
                for c in range(max(src + 1, 0), min(c1 - first_col + 1, len(out))):
                    if not out[c]:
                        out[c] = out[src]
    return out


def _map_labels(labels: Sequence[str], lid: int) -> tuple[dict[int, str], dict[int, str]]:
    fields: dict[int, str] = {}
    unmapped: dict[int, str] = {}
    taken: set[str] = set()
    for pos, label in enumerate(labels):
        if not label:
            continue
        f = _match(label, lid)
        if f is None or f in taken:
            unmapped[pos] = label
        else:
            fields[pos] = f
            taken.add(f)
    return fields, unmapped


def _map_two(top: Sequence[str], bottom: Sequence[str], lid: int) -> tuple[dict[int, str], dict[int, str], dict[int, str]]:
    fields: dict[int, str] = {}
    unmapped: dict[int, str] = {}
    labels: dict[int, str] = {}
    taken: set[str] = set()
    for pos in range(max(len(top), len(bottom))):
        t = top[pos] if pos < len(top) else ""
        b = bottom[pos] if pos < len(bottom) else ""
        if not t and not b:
            continue
        label = f"{t}/{b}" if t and b and t != b else (b or t)
        labels[pos] = label
        found = None
        for cand in ((b, t, t + b) if b else (t,)):
            if cand:
                f = _match(cand, lid)
                if f is not None and f not in taken:
                    found = f
                    break
        if found is None:
            unmapped[pos] = label
        else:
            fields[pos] = found
            taken.add(found)
    return fields, unmapped, labels


def _looks_like_data(row: Sequence[object]) -> bool:
    for v in row:
        if v is None or v == "":
            continue
        if not isinstance(v, str):
            return True  # numbers and dates are data, never labels
        t = v.strip()
        if len(t) >= 10 and t.replace("X", "").replace("x", "").isdigit():
            return True  # an ID or a household number
    return False


def find_header(
    head: Sequence[Sequence[object]],
    lookup: Mapping[str, str],
    *,
    required: Iterable[str] = (),
    min_fields: int = 2,
    max_rows: int = HEADER_SCAN_ROWS,
    merged: Sequence[tuple[tuple[int, int], tuple[int, int]]] = (),
    first_col: int = 0,
) -> HeaderMatch | None:
    """Find the header among the first ``max_rows`` rows of ``head`` (rows from spreadsheet row 1).

    Returns the best :class:`HeaderMatch` with at least ``min_fields`` distinct fields and every ``required`` field,
    or None. ``merged``: the sheet's merged ranges (absolute, 0-based) to spread group labels; ``first_col``: the
    absolute column of position 0.
    """
    lid = _lookup_id(lookup)
    req = set(required)
    rows = [[_cell_label(v) for v in r] for r in head[:max_rows + 1]]
    best: tuple[tuple[int, int, int], HeaderMatch] | None = None
    for r in range(min(max_rows, len(rows))):
        labels = _spread(rows[r], r, merged, first_col)
        if not any(labels):
            continue
        fields, unmapped = _map_labels(labels, lid)
        got = set(fields.values())
        if len(got) >= min_fields and req <= got:
            cand = HeaderMatch(r + 1, r + 1, fields, {i: t for i, t in enumerate(labels) if t}, unmapped)
            key = (len(got), 1, -r)
            if best is None or key > best[0]:
                best = (key, cand)
        if r + 1 < len(rows) and not _looks_like_data(head[r + 1]):
            bottom = _spread(rows[r + 1], r + 1, merged, first_col)
            if any(bottom):
                f2, u2, l2 = _map_two(labels, bottom, lid)
                got2 = set(f2.values())
                single_bottom = set(_map_labels(bottom, lid)[0].values())
                if (len(got2) >= min_fields and req <= got2 and len(got2) > len(got)
                        and len(got2) > len(single_bottom)):
                    cand = HeaderMatch(r + 2, r + 1, f2, l2, u2)
                    key = (len(got2), 0, -r)
                    if best is None or key > best[0]:
                        best = (key, cand)
    if best is None:
        return None
    match = best[1]
    match.first_col = first_col
    match.title_lines = [
        " ".join(t for t in (to_text(v) for v in head[i]) if t) for i in range(match.first_row - 1)
    ]
    match.title_lines = [t for t in match.title_lines if t]
    return match


def header_keys(match: HeaderMatch) -> dict[int, str]:
    """Column position → normalised header text of unmapped columns (the keys used in ``extra["columns"]``)."""
    return {pos: normalize_header(label.replace("/", "")) or column_letter(match.first_col + pos)
            for pos, label in match.unmapped.items()}


@dataclass(slots=True)
class TableRow:
    """One row below a header: 1-based spreadsheet ``row``, ``kind`` (:data:`DATA`, :data:`BLANK`, :data:`TOTAL`,
    :data:`HEADER` for a repeated header), ``values`` (field → raw cell value, non-empty only), ``extra``
    (unmapped header text → raw value, non-empty only)."""

    row: int
    kind: str
    values: dict[str, object]
    extra: dict[str, object]


class MergedFill:
    """Fills vertically merged cells below the header with their top-left value (clerks merge a household's cells)."""

    def __init__(self, merged: Sequence[tuple[tuple[int, int], tuple[int, int]]], header_row: int, first_col: int):
        self.by_row: dict[int, list[tuple[int, int]]] = {}
        self.starts: dict[int, list[int]] = {}
        self.values: dict[tuple[int, int], object] = {}
        for (r0, c0), (r1, c1) in merged:
            if r1 <= r0 or r0 < header_row:  # header_row is 1-based: data rows have 0-based index >= header_row
                continue
            for c in range(c0, c1 + 1):
                pos = c - first_col
                if pos < 0:
                    continue
                self.starts.setdefault(r0, []).append(pos)
                for r in range(r0 + 1, r1 + 1):
                    self.by_row.setdefault(r, []).append((pos, r0))

    def __bool__(self) -> bool:
        return bool(self.starts or self.by_row)

    def apply(self, index: int, row: list) -> list:
        """Row ``index`` (0-based) with merged cells filled (a copy when changed)."""
        starts = self.starts.pop(index, None)
        if starts:
            for pos in starts:
                if pos < len(row):
                    self.values[(index, pos)] = row[pos]
        fills = self.by_row.pop(index, None)
        if not fills:
            return row
        row = list(row)
        for pos, r0 in fills:
            if pos < len(row) and (row[pos] == "" or row[pos] is None):
                v = self.values.get((r0, pos))
                if v is not None:
                    row[pos] = v
        return row


class RowClassifier:
    """Classifies the non-blank rows below a header (see :meth:`kind`), with the header's texts precomputed."""

    def __init__(self, match: HeaderMatch, key_positions: Sequence[int]) -> None:
        self.keys = list(key_positions)
        mapped = list(match.fields)
        self.probe = self.keys[0] if self.keys else (mapped[0] if mapped else 0)
        self.labels = {pos: normalize_header(match.labels.get(pos, "")) for pos in mapped[:4]}
        self.single = len(match.fields) < 2

    def kind(self, row: Sequence[object]) -> str:
        """:data:`HEADER` (a repeated header: its first mapped cells equal their header texts), :data:`TOTAL`
        (合计/总计/小计/共计 in one of the first three filled cells, and no household/member number — 6 or more
        digits — in a key column) or :data:`DATA`."""
        probe = row[self.probe] if self.probe < len(row) else ""
        if type(probe) is str:
            if len(probe) >= 6 and probe.isdigit():
                return DATA  # a household/member number: the usual data row
        elif type(probe) is float and probe >= 100000:
            return DATA
        if type(probe) is str and probe and not probe[0].isdigit():
            hits = 0
            for pos, label in self.labels.items():
                v = row[pos] if pos < len(row) else ""
                if isinstance(v, str) and v.strip() and normalize_header(v) == label:
                    hits += 1
            if hits >= 2 or (hits and self.single):
                return HEADER
        seen = 0
        total = False
        for v in row:
            if type(v) is str:
                if not v:
                    continue
                t = v.strip()
                if not t:
                    continue
                if t.startswith(_TOTAL_PREFIXES) and is_total_text(t):
                    total = True
                    break
            elif v is None:
                continue
            seen += 1
            if seen >= 3:
                break
        if not total:
            return DATA
        for pos in self.keys:
            if pos < len(row):
                t = _KEY_SPACES.sub("", to_text(row[pos]))
                if len(t) >= 6 and t.isdigit():
                    return DATA
        return TOTAL


_TOTAL_PREFIXES = ("合", "总", "小", "共")
_KEY_SPACES = re.compile(r"[\s\u3000]+")


def classify(row: Sequence[object], match: HeaderMatch, key_positions: Sequence[int]) -> str:
    """Kind of one non-blank row (see :meth:`RowClassifier.kind`)."""
    return RowClassifier(match, key_positions).kind(row)


def is_blank(row: Sequence[object]) -> bool:
    """True when every cell is empty or white space."""
    if row.count("") == len(row):  # type: ignore[attr-defined]
        return True
    for v in row:
        if v is None:
            continue
        if isinstance(v, str):
            if v.strip():
                return False
        else:
            return False
    return True


def iter_raw(
    sheet: SheetData, match: HeaderMatch, *, key_fields: Iterable[str] = (), rows: Iterator[list] | None = None,
) -> Iterator[tuple[int, str, list]]:
    """``(row number, kind, cells)`` for every row below the header: 1-based spreadsheet row, kind (:data:`DATA`,
    :data:`BLANK`, :data:`TOTAL`, :data:`HEADER`), the row's cells padded to the header's width with vertically merged
    cells filled. The fast path under :func:`iter_rows` (no dict per row)."""
    it = rows if rows is not None else sheet.rows()
    keyset = set(key_fields)
    classifier = RowClassifier(match, [p for p, f in match.fields.items() if f in keyset])
    width = max(list(match.labels) + list(match.fields) + [-1]) + 1
    fill = MergedFill(sheet.merged, match.row, sheet.first_col)
    header_row = match.row
    kind = classifier.kind
    index = -1
    for raw in it:
        index += 1
        if index < header_row:
            if fill:
                fill.apply(index, raw)
            continue
        if fill:
            raw = fill.apply(index, raw)
        n = len(raw)
        if n < width:
            raw = list(raw) + [""] * (width - n)
            n = width
        if raw.count("") == n:
            yield index + 1, BLANK, raw
        else:
            yield index + 1, kind(raw), raw


def iter_rows(
    sheet: SheetData, match: HeaderMatch, *, key_fields: Iterable[str] = (), rows: Iterator[list] | None = None,
) -> Iterator[TableRow]:
    """Rows below the header of ``sheet`` as :class:`TableRow` (every row: blank and totals rows included, so callers
    can account for each). ``rows``: the sheet's row iterator when the caller already consumed the head (pass an
    iterator positioned at row 1, e.g. ``chain(head, rest)``). ``key_fields``: fields whose value (a number of 6 or
    more digits) makes a row data even when 合计 appears in it."""
    fields = list(match.fields.items())
    extra_keys = list(header_keys(match).items())
    for number, kind, raw in iter_raw(sheet, match, key_fields=key_fields, rows=rows):
        if kind != DATA:
            yield TableRow(number, kind, {}, {})
            continue
        values = {}
        for pos, f in fields:
            v = raw[pos]
            if v != "" and v is not None:
                values[f] = v
        extra = {}
        for pos, key in extra_keys:
            v = raw[pos]
            if v != "" and v is not None:
                extra[key] = v
        yield TableRow(number, DATA, values, extra)


@dataclass
class Table:
    """One sheet of a file with a recognised header (from :func:`read_table`)."""

    file: str
    workbook: Workbook
    sheet: SheetData
    header: HeaderMatch
    _head: list[list]
    _rest: Iterator[list]
    key_fields: tuple[str, ...] = ()

    def rows(self) -> Iterator[TableRow]:
        """The rows below the header (consumes the sheet: call once)."""
        return iter_rows(self.sheet, self.header, key_fields=self.key_fields,
                         rows=chain(self._head, self._rest))


def scan_sheet(sheet: SheetData, rows_needed: int = HEADER_SCAN_ROWS + 1) -> tuple[list[list], Iterator[list]]:
    """The first ``rows_needed`` rows of a sheet and an iterator over the rest (a sheet is read once)."""
    it = sheet.rows()
    head: list[list] = []
    for row in it:
        head.append(row)
        if len(head) >= rows_needed:
            break
    return head, it


def read_table(
    path: str | Path,
    lookup: Mapping[str, str],
    *,
    required: Iterable[str] = (),
    min_fields: int = 2,
    key_fields: Iterable[str] = (),
) -> list[Table]:
    """Every sheet of ``path`` whose header maps through ``lookup`` (see :func:`find_header`).

    Returns one :class:`Table` per matching sheet (possibly none). Raises
    :class:`~fupin_tui.importing.errors.ImportFailure` when the file cannot be read at all.
    ``key_fields``: fields whose value makes a row a data row even when a 合计 appears elsewhere in it.
    """
    wb = open_workbook(path)
    out: list[Table] = []
    req = tuple(required)
    for i in range(len(wb.sheet_names)):
        sheet = wb.load(i)
        head, rest = scan_sheet(sheet)
        match = find_header(head, lookup, required=req, min_fields=min_fields, merged=sheet.merged,
                            first_col=sheet.first_col)
        if match is not None:
            out.append(Table(wb.name, wb, sheet, match, head, rest, tuple(key_fields)))
    return out


_YEAR = re.compile(r"数据年度\s*[:：]?\s*(\d{4})|(\d{4})\s*年度")
_COUNTY_NAME = re.compile(r"([\u4e00-\u9fff]{1,12}?(?:自治县|自治旗|县|市|区|旗))")


def title_data_year(lines: Iterable[str]) -> int | None:
    """The data year (数据年度) in title rows: ``"建始县    数据年度：2015    导出时间：2016-02-20"`` → 2015."""
    for line in lines:
        m = _YEAR.search(line)
        if m:
            return int(m.group(1) or m.group(2))
    return None


def title_county_name(lines: Iterable[str]) -> str | None:
    """The county name at the start of a title row (``"建始县    数据年度：2015"`` → ``"建始县"``), or None."""
    for line in lines:
        first = line.split()[0] if line.split() else ""
        if "数据年度" in line or "导出" in line:
            m = _COUNTY_NAME.match(first)
            if m and m.group(1) == first:
                return first
    return None
