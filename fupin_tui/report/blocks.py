"""The building blocks a report sheet is made of, and the one renderer that writes them to a worksheet.

A sheet writer (see :mod:`fupin_tui.report.sheets`) is a small function that turns collected rows into a list of
blocks: :class:`Table` (a header row and data rows, typed columns), :class:`Note` (one line: 无数据, 未运行…),
:class:`Title`, :class:`Section`, :class:`KeyValues` (label / value pairs, used on 汇总) and :class:`Chart` (bars
with error bars, drawn from a table written just before it). :func:`render` lays the blocks out top to bottom and
applies masking, number formats, widths, the frozen header, the autofilter and the print setup, so every sheet looks
the same and no sheet writer touches openpyxl styling itself.

Column kinds decide masking and formats: ``id`` (证件号码: masked, always a text cell ``@``), ``phone``,
``account``, ``code`` (户编号 / 人编号 / rule ids: text ``@``, never masked), ``text`` (free text, scanned for
personal numbers), ``label`` (names and code labels: as is), ``int``, ``number``, ``ratio`` (three decimals),
``money`` (元, whole), ``wan`` (万元, two decimals), ``percent`` (a fraction 0..1 shown as %), ``datetime`` and
``date`` (naive local time).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from copy import copy
from dataclasses import dataclass, field
from typing import Any

from openpyxl.cell.cell import Cell
from openpyxl.chart import BarChart, Reference
from openpyxl.chart.data_source import NumDataSource, NumRef
from openpyxl.chart.error_bar import ErrorBars
from openpyxl.chart.text import RichText, Text
from openpyxl.chart.title import Title as ChartTitle
from openpyxl.drawing.text import CharacterProperties, Font, Paragraph, ParagraphProperties, RegularTextRun
from openpyxl.styles import Alignment, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from fupin_tui.report.masking import Masker
from fupin_tui.report.style import (
    BODY_BORDER,
    BODY_FONT,
    FONT_NAME,
    HEADER_ALIGN,
    HEADER_BORDER,
    HEADER_FILL,
    HEADER_FONT,
    LABEL_FONT,
    LINE_HEIGHT,
    NOTE_FONT,
    SECTION_FILL,
    SECTION_FONT,
    TITLE_FONT,
    TOP_ALIGN,
    WARN_FONT,
    WIDTH_FACTOR,
    WRAP_ALIGN,
    display_width,
    lines_needed,
    setup_print,
)

__all__ = ["Block", "Chart", "Column", "KeyValues", "Note", "Section", "Table", "Title", "render"]

TEXT_FORMAT = "@"
_FORMATS = {
    "int": "0",
    "number": "0.##",
    "ratio": "0.000",
    "money": "#,##0",
    "wan": "#,##0.00",
    "percent": "0.00%",
    "datetime": "yyyy-mm-dd hh:mm",
    "date": "yyyy-mm-dd",
    "id": TEXT_FORMAT,
    "phone": TEXT_FORMAT,
    "account": TEXT_FORMAT,
    "code": TEXT_FORMAT,
    "text": TEXT_FORMAT,  # free text may hold a bare ID (a clue's department value): never a number
}
_FIXED_WIDTH = {"datetime": 17, "date": 11, "percent": 9}


@dataclass(frozen=True)
class Column:
    """One column of a :class:`Table`: Chinese header, kind (see the module docstring), width policy.

    The width fits the content (a Han character = 2 units), at least ``min_width`` and at most ``max_width``; a
    header wider than its content wraps onto two lines rather than widening the column. ``wrap``: wrap text longer
    than the column and grow the row height (notes, messages); without it long text is cut at the column edge.
    """

    header: str
    kind: str = "label"
    max_width: float = 30
    min_width: float = 4
    wrap: bool = False


@dataclass
class Table:
    """A header row plus data rows (each a sequence of values in column order).

    ``caption``: a bold line above the header (multi-part sheets); ``empty``: the note written instead of data rows
    when there are none; ``main``: the sheet's main list (autofilter, print titles, page break before it);
    ``fill_of``: optional function row → a fill for the whole row (e.g. 样本外 marks).
    """

    columns: Sequence[Column]
    rows: Sequence[Sequence[Any]]
    caption: str | None = None
    empty: str = "无数据"
    main: bool = False
    fill_of: Callable[[Sequence[Any]], PatternFill | None] | None = None


@dataclass
class Note:
    """One line of text; ``level``: ``info`` (grey italic) or ``warn`` (red bold, e.g. 未运行 / 样本外)."""

    text: str
    level: str = "info"


@dataclass
class Title:
    """The sheet's title row (large bold, merged across the sheet's width)."""

    text: str


@dataclass
class Section:
    """A section heading row (bold on a grey band, merged across the sheet's width); ``page_break``: start a new
    printed page with it."""

    text: str
    page_break: bool = False


@dataclass
class KeyValues:
    """Label / value rows (汇总): label in the first column, value merged over the others (wrapped)."""

    pairs: Sequence[tuple[str, Any]]


@dataclass
class Chart:
    """A clustered bar chart of the table written just before it (same sheet), with error bars.

    ``category_col`` / ``value_col``: 1-based columns of that table holding the categories and the values;
    ``minus_col`` / ``plus_col``: columns with the error-bar lengths below / above each value (None: no bars);
    values are fractions shown as percentages.
    """

    title: str
    category_col: int
    value_col: int
    minus_col: int | None = None
    plus_col: int | None = None
    y_title: str = "户错误率"
    x_title: str = ""
    y_max: float | None = None
    height_cm: float = 7.5
    width_cm: float = 24.0


Block = Table | Note | Title | Section | KeyValues | Chart


@dataclass
class _State:
    ws: Worksheet
    masker: Masker
    ncols: int
    borders: bool = False
    row: int = 1
    widths: dict[int, float] = field(default_factory=dict)
    fixed: dict[int, float] = field(default_factory=dict)
    headers: list[tuple[int, list[tuple[str, tuple[int, int]]]]] = field(default_factory=list)  # for row heights
    grid: list[float] | None = None  # column widths set by the longest table (the others span over them)
    grid_table: Any = None
    boxed: list[tuple[int, int]] = field(default_factory=list)  # (row, last column) of cells to draw borders on
    freeze_row: int | None = None
    main_header_row: int | None = None
    first_header_row: int | None = None
    last_table: tuple[int, int] | None = None  # (first data row, last data row) of the last table written
    prev: str = ""


def _cell_value(kind: str, value: Any, masker: Masker) -> Any:
    if value is None or value == "":
        return None
    if kind == "id":
        return masker.id(value)
    if kind == "phone":
        return masker.phone(value)
    if kind == "account":
        return masker.account(value)
    if kind == "code":
        return str(value)
    if kind == "text":
        return masker.text(value)
    if kind == "label":
        return value if isinstance(value, (int, float)) else str(value)
    if kind in ("datetime", "date") and isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone().replace(tzinfo=None)
    return value


def _shown_width(kind: str, value: Any) -> float:
    if kind in _FIXED_WIDTH:
        return _FIXED_WIDTH[kind]
    if isinstance(value, float):
        return len(f"{value:,.2f}")
    return display_width(str(value))


def _header_width(text: str) -> float:
    """Width a header asks for: its own width when short, else half of it (it wraps onto two lines)."""
    w = display_width(text)
    return w if w <= 8 else max(8.0, math.ceil(w / 2) + 1)


def _span(state: _State, row: int) -> None:
    if state.ncols > 1:
        state.ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=state.ncols)


def _desired_widths(table: Table) -> list[float]:
    """Column widths a table asks for: content (raw values; masks keep their length) or header, within its limits."""
    out = []
    for j, col in enumerate(table.columns):
        content = 0.0
        if col.kind in _FIXED_WIDTH:
            content = _FIXED_WIDTH[col.kind] if any(len(v) > j and v[j] is not None for v in table.rows) else 0.0
        else:
            for values in table.rows:
                v = values[j] if j < len(values) else None
                if v is None or v == "":
                    continue
                w = _shown_width(col.kind, v)
                if w > content:
                    content = w
                    if content >= col.max_width:
                        break
        want = max(_header_width(col.header) + 1, content + 1.5 if content else 0.0, col.min_width)
        out.append(min(want, col.max_width))
    return out


def _spans(desired: list[float], grid: list[float]) -> list[tuple[int, int]]:
    """Lay a secondary table's columns over the sheet's column grid (set by the main list): each column takes as
    many consecutive grid columns as it needs for its desired width, leaving one for each later column; columns
    beyond the grid extend it. Returns 0-based (first, last) grid columns per table column."""
    spans: list[tuple[int, int]] = []
    pos, m = 0, len(desired)
    for i, want in enumerate(desired):
        if pos >= len(grid):
            grid.append(want)
            spans.append((pos, pos))
            pos += 1
            continue
        start, acc = pos, grid[pos]
        pos += 1
        while acc < want - 0.5 and pos < len(grid) and len(grid) - pos > m - i - 1:
            acc += grid[pos]
            pos += 1
        spans.append((start, pos - 1))
    return spans


def _write_table(state: _State, table: Table) -> None:
    ws, masker = state.ws, state.masker
    cols = list(table.columns)
    ncols = len(cols)
    grid = state.grid
    if grid is not None and table is not state.grid_table:
        spans = _spans(_desired_widths(table), grid)
    else:
        spans = [(j, j) for j in range(ncols)]
    first_col = [a + 1 for a, _ in spans]
    merged = [(a + 1, b + 1) for a, b in spans if b > a]
    if grid is not None:
        widths = [sum(grid[a:b + 1]) for a, b in spans]
    else:
        widths = [col.max_width for col in cols]
    if table.main and state.row > 25:
        ws.row_breaks.append(Break(id=state.row - 1))  # a long summary above: the main list starts a new page
    if table.caption:
        c = ws.cell(row=state.row, column=1, value=masker.text(table.caption))
        c.font = SECTION_FONT
        state.row += 1
    header_row = state.row
    for j, col in enumerate(cols):
        c = ws.cell(row=header_row, column=first_col[j], value=col.header)
        a, b = spans[j]
        for k in range(a + 1, b + 2):
            h = ws.cell(row=header_row, column=k)
            h.font, h.fill, h.border, h.alignment = HEADER_FONT, HEADER_FILL, HEADER_BORDER, HEADER_ALIGN
        if grid is None:
            want = max(_header_width(col.header) + 1, col.min_width)
            state.widths[j + 1] = max(state.widths.get(j + 1, 0), min(want, col.max_width))
    for a, b in merged:
        ws.merge_cells(start_row=header_row, start_column=a, end_row=header_row, end_column=b)
    state.headers.append((header_row, [(col.header, spans[j]) for j, col in enumerate(cols)]))
    if state.freeze_row is None:
        state.freeze_row = header_row + 1
    if state.first_header_row is None:
        state.first_header_row = header_row
    if table.main:
        state.main_header_row = header_row
    state.row += 1
    first = state.row
    if table.main:
        ws.auto_filter.ref = f"A{header_row}:{get_column_letter(spans[-1][1] + 1)}{header_row + max(len(table.rows), 1)}"
    if not table.rows:
        c = ws.cell(row=state.row, column=1, value=masker.text(table.empty))
        c.font = WARN_FONT if table.empty.startswith(("未运行", "未能")) else NOTE_FONT
        state.row += 1
        state.last_table = (first, first - 1)
        return
    formats = [_FORMATS.get(col.kind) for col in cols]
    kinds = [col.kind for col in cols]
    wraps = [col.wrap for col in cols]
    content_w = [0.0] * ncols
    # Styles are applied by copying a prototype cell's style array (one per column, fill and alignment): setting
    # font / format / alignment attribute by attribute costs ~10x more on a 5,000-row list.
    protos: dict[tuple[int, int, bool], Any] = {}

    def style(j: int, fill: PatternFill | None, top: bool) -> Any:
        key = (j, id(fill), top)
        if key not in protos:
            proto = Cell(ws)
            proto.font = BODY_FONT
            if formats[j] is not None:
                proto.number_format = formats[j]
            if wraps[j]:
                proto.alignment = WRAP_ALIGN
            elif top:
                proto.alignment = TOP_ALIGN
            if fill is not None:
                proto.fill = fill
            if state.borders:
                proto.border = BODY_BORDER
            protos[key] = proto._style
        return copy(protos[key])

    r = state.row
    for values in table.rows:
        fill = table.fill_of(values) if table.fill_of else None
        max_lines = 1
        written = []
        for j in range(ncols):
            v = _cell_value(kinds[j], values[j] if j < len(values) else None, masker)
            if v is None:
                if fill is not None or state.borders:
                    ws.cell(row=r, column=first_col[j])._style = style(j, fill, False)
                continue
            c = ws.cell(row=r, column=first_col[j], value=v)
            c._style = style(j, fill, False)
            written.append((j, c))
            w = _shown_width(kinds[j], v)
            if w > content_w[j]:
                content_w[j] = w
            if wraps[j] and (w * WIDTH_FACTOR > widths[j] - 0.3 or (isinstance(v, str) and "\n" in v)):
                max_lines = max(max_lines, lines_needed(str(v), widths[j]))
        for a, b in merged:
            ws.merge_cells(start_row=r, start_column=a, end_row=r, end_column=b)
        if max_lines > 1:
            ws.row_dimensions[r].height = LINE_HEIGHT * min(max_lines, 15)
            for j, c in written:  # a tall row: every cell at the top, so the row reads across
                if not wraps[j]:
                    c._style = style(j, fill, True)
        r += 1
    state.row = r
    state.last_table = (first, r - 1)
    if grid is None:
        for j, col in enumerate(cols, start=1):
            want = max(content_w[j - 1] + 1.5, col.min_width)
            state.widths[j] = max(state.widths.get(j, 0), min(want, col.max_width))


def _col_width(state: _State, j: int) -> float:
    return state.fixed.get(j) or state.widths.get(j) or 10


def _write_keyvalues(state: _State, block: KeyValues) -> None:
    ws = state.ws
    value_width = sum(_col_width(state, j) for j in range(2, state.ncols + 1))
    for label, value in block.pairs:
        r = state.row
        c = ws.cell(row=r, column=1, value=label)
        c.font, c.alignment = LABEL_FONT, Alignment(vertical="top", wrap_text=True)
        text = value if isinstance(value, (int, float, dt.datetime)) else state.masker.text("" if value is None else value)
        v = ws.cell(row=r, column=2, value=text)
        v.font = BODY_FONT
        v.alignment = Alignment(horizontal="left", vertical="top", wrap_text=True)
        if isinstance(value, float):
            v.number_format = "0.##"
        if state.ncols > 2:
            ws.merge_cells(start_row=r, start_column=2, end_row=r, end_column=state.ncols)
        lines = max(lines_needed(str(text), value_width) if isinstance(text, str) else 1,
                    lines_needed(label, _col_width(state, 1)))
        if lines > 1:
            ws.row_dimensions[r].height = LINE_HEIGHT * lines
        if state.borders:
            state.boxed.append((r, state.ncols))
        state.row += 1


def _chart_title(text: str, size: int = 1100) -> ChartTitle:
    """A chart title with an explicit font size (hundredths of a point) and a Chinese-capable font."""
    font = CharacterProperties(sz=size, b=True, latin=Font(typeface=FONT_NAME), ea=Font(typeface=FONT_NAME))
    run = RegularTextRun(rPr=font, t=text)
    para = Paragraph(pPr=ParagraphProperties(defRPr=font), r=[run])
    return ChartTitle(tx=Text(rich=RichText(p=[para])), overlay=False)


def _write_chart(state: _State, block: Chart) -> None:
    ws = state.ws
    if state.last_table is None:
        return
    first, last = state.last_table
    if last < first:
        return  # an empty table: nothing to draw
    chart = BarChart()
    chart.type = "col"
    chart.style = 10
    chart.title = _chart_title(block.title)
    chart.y_axis.title = _chart_title(block.y_title, 900)
    chart.y_axis.numFmt = "0%"
    chart.y_axis.scaling.min = 0
    if block.y_max is not None:
        chart.y_axis.scaling.max = block.y_max
    chart.y_axis.delete = False
    chart.x_axis.delete = False
    if block.x_title:
        chart.x_axis.title = _chart_title(block.x_title, 900)
    chart.legend = None
    data = Reference(ws, min_col=block.value_col, min_row=first - 1, max_row=last)
    cats = Reference(ws, min_col=block.category_col, min_row=first, max_row=last)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(cats)
    series = chart.series[0]
    series.graphicalProperties.solidFill = "5B9BD5"
    if block.minus_col and block.plus_col:
        sheet = ws.title.replace("'", "''")

        def ref(col: int) -> NumDataSource:
            letter = get_column_letter(col)
            return NumDataSource(numRef=NumRef(f=f"'{sheet}'!${letter}${first}:${letter}${last}"))

        series.errBars = ErrorBars(errDir="y", errBarType="both", errValType="cust", noEndCap=False,
                                   plus=ref(block.plus_col), minus=ref(block.minus_col))
    chart.height = block.height_cm
    chart.width = block.width_cm
    anchor_row = state.row + 1
    ws.add_chart(chart, f"A{anchor_row}")
    # Reserve the rows the chart covers (~0.53 cm per 15-point row), so later blocks do not sit under it.
    state.row = anchor_row + int(block.height_cm / 0.53) + 2


def render(
    ws: Worksheet,
    blocks: Sequence[Block],
    masker: Masker,
    *,
    ncols: int | None = None,
    fixed_widths: dict[int, float] | None = None,
    borders: bool = False,
) -> None:
    """Write ``blocks`` top to bottom on ``ws`` and style it.

    ``ncols``: the sheet's width in columns for titles, sections and key/value rows (default: the widest table);
    ``fixed_widths``: column number → width, overriding the computed widths (汇总 uses fixed widths);
    ``borders``: thin borders on table and key/value cells instead of printed grid lines (汇总).
    The first table's header row is frozen (or the title row); the main table gets the autofilter and its header
    repeats on every printed page; every sheet gets the A4 landscape setup.
    """
    tables = [b for b in blocks if isinstance(b, Table)]
    # The column grid follows the main list (the one people filter), or the longest table when the main list is
    # empty; the other tables lay their columns over it (see _spans).
    main = next((t for t in tables if t.main), None)
    grid_table = main if main is not None and main.rows else max(tables, key=lambda t: len(t.rows), default=None)
    grid = _desired_widths(grid_table) if grid_table is not None and not fixed_widths else None
    width = ncols or (len(grid) if grid else max((len(t.columns) for t in tables), default=2))
    state = _State(ws=ws, masker=masker, ncols=max(width, 2), borders=borders, grid=grid, grid_table=grid_table)
    if fixed_widths:
        state.fixed.update(fixed_widths)
    for block in blocks:
        if isinstance(block, Title):
            c = ws.cell(row=state.row, column=1, value=block.text)
            c.font = TITLE_FONT
            c.alignment = Alignment(horizontal="center", vertical="center")
            _span(state, state.row)
            ws.row_dimensions[state.row].height = 30
            if state.freeze_row is None:
                state.freeze_row = state.row + 1
            state.row += 1
        elif isinstance(block, Section):
            if state.row > 2:
                state.row += 1
            if block.page_break:
                ws.row_breaks.append(Break(id=state.row - 1))
            for j in range(1, state.ncols + 1):
                ws.cell(row=state.row, column=j).fill = SECTION_FILL
            c = ws.cell(row=state.row, column=1, value=block.text)
            c.font = SECTION_FONT
            _span(state, state.row)
            state.row += 1
        elif isinstance(block, Note):
            c = ws.cell(row=state.row, column=1, value=masker.text(block.text))
            c.font = WARN_FONT if block.level == "warn" else NOTE_FONT
            state.row += 1
        elif isinstance(block, KeyValues):
            _write_keyvalues(state, block)
        elif isinstance(block, Table):
            if state.prev in ("table", "note", "keyvalues"):
                state.row += 1  # a blank line between parts
            _write_table(state, block)
        elif isinstance(block, Chart):
            _write_chart(state, block)
        state.prev = type(block).__name__.lower()
    if state.grid is not None:
        state.widths = {j: w for j, w in enumerate(state.grid, start=1)}
    for j in range(1, max(state.ncols, len(state.widths)) + 1):
        w = state.fixed.get(j) or state.widths.get(j) or 10
        ws.column_dimensions[get_column_letter(j)].width = round(w, 1)
    for row, headers in state.headers:
        lines = max(lines_needed(h, sum(_col_width(state, k) for k in range(a + 1, b + 2))) for h, (a, b) in headers)
        if lines > 1:
            ws.row_dimensions[row].height = LINE_HEIGHT * lines
    for row, last in state.boxed:
        for j in range(1, last + 1):
            ws.cell(row=row, column=j).border = BODY_BORDER
    if state.freeze_row is not None and state.freeze_row > 1:
        ws.freeze_panes = f"A{state.freeze_row}"
    # Repeat the main list's header on every printed page (Excel and LibreOffice repeat print titles from the page
    # where they first appear, so a summary above it prints untouched); without a main list, the frozen rows.
    title_rows = None
    if state.main_header_row is not None:
        title_rows = f"{state.main_header_row}:{state.main_header_row}"
    elif state.freeze_row is not None and 1 < state.freeze_row <= 3:
        title_rows = f"1:{state.freeze_row - 1}"
    setup_print(ws, title_rows=title_rows)
    ws.print_options.gridLines = not borders
