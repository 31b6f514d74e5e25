"""Readers: one interface over every file layout counties send (calamine first).

:func:`open_workbook` sniffs the file's bytes, never trusting the extension:

- ZIP (``PK``) → .xlsx/.xlsm/.ods through python-calamine;
- OLE2 (``D0 CF 11 E0``) → legacy .xls (BIFF) through python-calamine, or an encrypted Office file (refused);
- HTML (``<html``/``<table`` near the start) → the stdlib :mod:`html.parser` (web systems export these as ``.xls``);
- SpreadsheetML 2003 XML (``<?xml`` + ``urn:schemas-microsoft-com:office:spreadsheet``) → :mod:`xml.etree`;
- any other text → CSV, UTF-8 (with or without BOM) or GBK/GB18030, delimiter sniffed (``,`` ``\\t`` ``;`` ``|``);
  but a file whose extension claims a binary spreadsheet (.xlsx, .xls, .ods …) must then look like a delimited table
  (:func:`looks_delimited`): a note or a document renamed to ``.xlsx`` is refused, not read as a one-column CSV;
- anything else (binary, empty, a ZIP that is not a workbook such as a .docx, a truncated file) →
  :class:`ImportFailure` with a Chinese explanation (the reader's exception class only goes to the debug log).

Every sheet gives its rows as lists of cell values (``""`` for an empty cell) from spreadsheet row 1 on: row ``i``
of :meth:`SheetData.rows` is spreadsheet row ``i + 1``; cell ``j`` is column ``first_col + j``. Merged ranges are
reported as ``((row0, col0), (row1, col1))``, 0-based inclusive, absolute.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime as dt
import gc
import hashlib
import io
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree as ET

from fupin_tui.importing.errors import ImportFailure

Merged = tuple[tuple[int, int], tuple[int, int]]

_log = logging.getLogger(__name__)

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_MARK = "EncryptedPackage".encode("utf-16-le")
_SS_NS = "urn:schemas-microsoft-com:office:spreadsheet"
_CALAMINE_EXT = {".xlsx", ".xlsm", ".xlsb", ".xla", ".xlam", ".ods", ".xls"}


@dataclass
class SheetData:
    """One sheet's rows (see the module docstring for positions). ``height``: number of rows (for progress)."""

    name: str
    index: int
    first_col: int
    height: int
    merged: list[Merged]
    _rows: Callable[[], Iterator[list]]
    hidden: bool = False

    def rows(self) -> Iterator[list]:
        """Rows from spreadsheet row 1, each a list of cell values starting at column ``first_col``."""
        return self._rows()


@dataclass
class Workbook:
    """An opened file: ``name`` (file name), ``format`` (xlsx, xls, ods, csv, html, spreadsheetml), ``sha256`` of its
    bytes, ``encoding`` (text formats) and its sheet names. :meth:`load` reads one sheet."""

    path: Path
    name: str
    format: str
    sha256: str
    sheet_names: list[str]
    encoding: str | None = None
    _loader: Callable[[int], SheetData] | None = None
    hidden: list[bool] = field(default_factory=list)

    def load(self, index: int) -> SheetData:
        """Read sheet ``index`` (0-based). Raises :class:`ImportFailure` naming the sheet when it cannot be read."""
        assert self._loader is not None
        return self._loader(index)

    def sheets(self) -> Iterator[SheetData]:
        """Every sheet in workbook order."""
        for i in range(len(self.sheet_names)):
            yield self.load(i)


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a bulk job (import, comparison) builds hundreds of thousands of
    long-lived small objects (cells, tuples, dicts, records): its full passes over the growing heap cost about as much
    as the work itself (measured: mapping 137k roster rows 0.77 s → 0.51 s of CPU; ``benchmarks/compare_bench.py``).
    Such jobs create no reference cycles worth collecting; the previous state is restored."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def release_memory() -> None:
    """Give memory freed by the spreadsheet parser back to the operating system (glibc ``malloc_trim``), so a parsed
    sheet's buffers do not stay in the process after it was read. A no-op elsewhere."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def file_sha256(path: Path) -> str:
    """sha256 (hex) of a file's bytes, read in 1 MiB chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def sniff_format(head: bytes) -> str:
    """Format of a file from its first bytes: ``zip``, ``ole``, ``html``, ``spreadsheetml``, ``text`` or ``binary``.

    ``head`` should be the first few KiB. Empty input is ``empty``.
    """
    if not head:
        return "empty"
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if head.startswith(_OLE_MAGIC):
        return "ole"
    text = _head_text(head)
    low = text.lstrip("\ufeff \t\r\n").lower()
    if low.startswith("<?xml") or low.startswith("<workbook") or low.startswith("<ss:workbook"):
        if _SS_NS in low or "<workbook" in low or "<ss:workbook" in low:
            return "spreadsheetml"
        if "<html" in low or "<table" in low:
            return "html"
        return "binary"
    if low.startswith(("<!doctype html", "<html", "<table", "<meta", "<head", "<body", "<!--")) or (
        low.startswith("<") and "<table" in low
    ):
        return "html"
    if b"\x00" in head and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "binary"
    return "text"


def _head_text(head: bytes) -> str:
    for enc in ("utf-8", "gb18030", "utf-16"):
        try:
            return head.decode(enc)
        except UnicodeDecodeError:
            continue
    return head.decode("latin-1")


def open_workbook(path: str | Path, sha256: str | None = None) -> Workbook:
    """Open any supported file (see the module docstring). Raises :class:`ImportFailure` (Chinese, naming the file)
    when it is missing, empty, encrypted, not a spreadsheet or damaged. ``sha256``: the file's digest when the caller
    computed it already."""
    path = Path(path)
    name = path.name
    if not path.exists():
        raise ImportFailure("文件不存在", name)
    if path.is_dir():
        raise ImportFailure("这是一个文件夹，不是文件", name)
    try:
        size = path.stat().st_size
        with open(path, "rb") as fh:
            head = fh.read(8192)
    except OSError as exc:
        raise ImportFailure(f"无法读取文件（{exc.strerror or exc}）", name) from exc
    if size == 0:
        raise ImportFailure("文件为空（0 字节）", name)
    kind = sniff_format(head)
    digest = sha256 or file_sha256(path)
    if kind == "ole" and _is_encrypted(path):
        raise ImportFailure("文件有密码保护（已加密），无法读取；请在 Excel 中取消密码后另存为 .xlsx 再导入", name)
    if kind in ("zip", "ole"):
        return _open_calamine(path, name, digest, kind)
    if kind == "html":
        return _open_html(path, name, digest)
    if kind == "spreadsheetml":
        return _open_spreadsheetml(path, name, digest)
    ext = path.suffix.lower()
    if kind == "text":
        if ext in _CALAMINE_EXT and not looks_delimited(_head_text(head)):
            raise ImportFailure(
                f"{NOT_A_TABLE}（扩展名是 {ext}，内容却是普通文字：既不是 Excel 工作簿，也不是逗号或制表符分隔的 CSV 表格，"
                "可能是改了扩展名的其他文件）", name)
        return _open_csv(path, name, digest)
    what = f"扩展名是 {ext}，内容却" if ext in _CALAMINE_EXT or ext == ".csv" else "内容"
    raise ImportFailure(f"{NOT_A_TABLE}（{what}不是 Excel 工作簿、CSV、网页或 XML 表格，是其他二进制文件）", name)


#: The start of the message for a file that is not a spreadsheet at all.
NOT_A_TABLE = "不是有效的 Excel/CSV 文件"


def looks_delimited(text: str, max_lines: int = 40) -> bool:
    """True when ``text`` (the start of a file) looks like a delimited table (the delimiter sniffed as for CSV):
    after at most 3 leading one-cell lines (title rows), at least 60 % of the non-blank lines have the same number of
    cells, that number is ≥ 2, and at most 20 % of them are one-cell lines. Prose with the odd comma, a Markdown or
    Word text renamed to ``.xlsx`` fails."""
    lines = [ln for ln in text.splitlines()[:max_lines] if ln.strip()]
    if len(lines) > 1 and len(text) >= 4096:
        lines = lines[:-1]  # the last line of a cut-off head may be partial
    if not lines:
        return False
    delimiter = _sniff_delimiter("\n".join(lines))
    try:
        rows = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter))
    except csv.Error:
        return False
    lead = 0
    while lead < min(3, len(rows) - 1) and len(rows[lead]) <= 1:
        lead += 1
    rows = rows[lead:]
    counts: dict[int, int] = {}
    for r in rows:
        counts[len(r)] = counts.get(len(r), 0) + 1
    width, hits = max(counts.items(), key=lambda kv: (kv[1], kv[0]))
    single = sum(n for w, n in counts.items() if w <= 1)
    return width >= 2 and hits >= 0.6 * len(rows) and single <= 0.2 * len(rows)


def _is_encrypted(path: Path) -> bool:
    with open(path, "rb") as fh:
        data = fh.read()
    return _ENCRYPTED_MARK in data


# ---------------------------------------------------------------------------------------------------------- calamine


def _open_calamine(path: Path, name: str, digest: str, kind: str) -> Workbook:
    from python_calamine import CalamineWorkbook, PasswordError

    ext = path.suffix.lower()
    matches = (kind == "ole" and ext == ".xls") or (kind == "zip" and ext in _CALAMINE_EXT - {".xls"})
    try:
        if matches:
            wb = CalamineWorkbook.from_path(str(path))
        else:  # misnamed (an .xlsx called .xls, no extension): let calamine sniff the bytes
            with open(path, "rb") as fh:
                wb = CalamineWorkbook.from_filelike(fh)
        metadata = list(wb.sheets_metadata)
    except PasswordError as exc:
        raise ImportFailure("文件有密码保护（已加密），无法读取；请取消密码后再导入", name) from exc
    except Exception as exc:  # noqa: BLE001 - calamine raises several types for damaged or foreign files
        _log.debug("calamine cannot open %s: %s: %s", name, type(exc).__name__, exc)
        raise ImportFailure(_unreadable_reason(path, kind), name) from exc
    names = [m.name for m in metadata]
    hidden = [str(getattr(m.visible, "name", m.visible)) != "Visible" for m in metadata]
    fmt = "xls" if kind == "ole" else ("ods" if ext == ".ods" else "xlsx")

    def load(index: int) -> SheetData:
        sheet_name = names[index]
        try:
            sheet = wb.get_sheet_by_index(index)
            start = sheet.start
            end = sheet.end
            merged = list(sheet.merged_cell_ranges or [])
        except Exception as exc:  # noqa: BLE001
            _log.debug("calamine cannot read sheet %r of %s: %s: %s", sheet_name, name, type(exc).__name__, exc)
            raise ImportFailure("工作表无法读取（文件已损坏或不完整，可能下载或复制时中断）；请重新导出或重新复制该文件",
                                name, sheet_name) from exc
        first_col = start[1] if start else 0
        height = (end[0] + 1) if end else 0

        def rows() -> Iterator[list]:
            # python-calamine's iter_rows yields rows from row 0 (blank rows before the data included) and columns
            # from the first used column: pinned by tests/test_import_readers.py. (The sheet is parsed already.)
            return sheet.iter_rows()

        return SheetData(sheet_name, index, first_col, height, merged, rows, hidden[index])

    return Workbook(path, name, fmt, digest, names, None, load, hidden)


#: Parts inside a ZIP that tell what other document it is (an Office file that is not a workbook).
_ZIP_KINDS = (("word/", "Word 文档（.docx）"), ("ppt/", "PowerPoint 演示文稿（.pptx）"),
              ("visio/", "Visio 图（.vsdx）"))


def _unreadable_reason(path: Path, kind: str) -> str:
    """Chinese explanation for a file calamine cannot open, without the exception class (that goes to the debug
    log): a truncated or damaged ZIP, another Office document (.docx …), some other ZIP archive, a damaged .xls."""
    if kind != "zip":
        return "Excel 文件（.xls）已损坏或不完整（可能下载或复制时中断），无法读取；请重新导出或重新复制该文件"
    import zipfile

    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
            bad = zf.testzip()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, RuntimeError):
        return "Excel 文件已损坏或不完整（可能下载或复制时中断），无法读取；请重新导出或重新复制该文件"
    if bad is not None:
        return "Excel 文件已损坏（压缩包内的数据校验不通过），无法读取；请重新导出或重新复制该文件"
    for prefix, label in _ZIP_KINDS:
        if any(n.startswith(prefix) for n in names):
            return f"{NOT_A_TABLE}（这是 {label}，不是 Excel 表格）；请导入从系统导出的 .xlsx/.xls/.csv 文件"
    if not any(n.startswith("xl/") for n in names) and "content.xml" not in names:
        return f"{NOT_A_TABLE}（这是一个 ZIP 压缩包，不是 Excel 工作簿）；请先解压，再导入其中的表格文件"
    return "Excel 文件已损坏（工作簿结构不完整），无法读取；请在 Excel 中打开后另存为 .xlsx 再导入"


# ------------------------------------------------------------------------------------------------------ in-memory


def _memory_workbook(
    path: Path, name: str, digest: str, fmt: str, sheets: list[tuple[str, list[list], list[Merged]]],
    encoding: str | None,
) -> Workbook:
    def load(index: int) -> SheetData:
        sheet_name, rows, merged = sheets[index]
        return SheetData(sheet_name, index, 0, len(rows), merged, lambda: iter(rows))

    return Workbook(path, name, fmt, digest, [s[0] for s in sheets], encoding, load, [False] * len(sheets))


def _decode(data: bytes, name: str, declared: str | None = None) -> tuple[str, str]:
    """(text, encoding): BOM first, then a declared charset, then strict UTF-8, then GB18030 (a superset of GBK)."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), "utf-16"
    candidates = []
    if declared:
        candidates.append(declared)
    candidates += ["utf-8", "gb18030"]
    for enc in candidates:
        try:
            return data.decode(enc), ("gb18030" if enc.lower() in ("gbk", "gb2312", "gb18030") else enc)
        except (UnicodeDecodeError, LookupError):
            continue
    raise ImportFailure("无法识别文件编码（既不是 UTF-8 也不是 GBK/GB18030）", name)


# ------------------------------------------------------------------------------------------------------------- CSV


def _open_csv(path: Path, name: str, digest: str) -> Workbook:
    data = path.read_bytes()
    text, encoding = _decode(data, name)
    del data
    if "\x00" in text:
        raise ImportFailure(f"{NOT_A_TABLE}（含二进制内容，不是文字表格）", name)
    sample = text[:16384]
    delimiter = _sniff_delimiter(sample)
    lines = text.count("\n") + 1
    sheet_name = path.stem

    def load(index: int) -> SheetData:
        def rows() -> Iterator[list]:
            reader = csv.reader(io.StringIO(text), delimiter=delimiter)
            try:
                for row in reader:
                    yield row
            except csv.Error as exc:
                raise ImportFailure(f"CSV 格式错误：{exc}", name, None, reader.line_num) from exc

        return SheetData(sheet_name, 0, 0, lines, [], rows)

    return Workbook(path, name, "csv", digest, [sheet_name], encoding, load, [False])


def _sniff_delimiter(sample: str) -> str:
    lines = [ln for ln in sample.splitlines()[:30] if ln.strip()]
    best, best_score = ",", -1.0
    for delim in (",", "\t", ";", "|"):
        counts = [ln.count(delim) for ln in lines]
        if not counts or max(counts) == 0:
            continue
        # prefer a delimiter present on most lines, many times
        score = sum(1 for c in counts if c > 0) * 1000 + max(counts)
        if score > best_score:
            best, best_score = delim, score
    return best


# ------------------------------------------------------------------------------------------------------------ HTML


class _TableParser(HTMLParser):
    """Collect every <table> as rows of cell texts; colspan/rowspan become merged ranges (value in the top-left)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[tuple[list[list], list[Merged]]] = []
        self._stack: list[dict] = []
        self._cell: list[str] | None = None
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("style", "script"):
            self._skip += 1
            return
        if tag == "table":
            self._stack.append({"rows": [], "merged": [], "row": None, "occupied": {}})
        elif not self._stack:
            return
        elif tag == "tr":
            t = self._stack[-1]
            t["row"] = []
            t["rows"].append(t["row"])
        elif tag in ("td", "th"):
            t = self._stack[-1]
            if t["row"] is None:
                t["row"] = []
                t["rows"].append(t["row"])
            a = dict(attrs)
            r = len(t["rows"]) - 1
            row = t["row"]
            # skip cells occupied by a rowspan from above
            while (r, len(row)) in t["occupied"]:
                row.append("")
            c = len(row)
            colspan = _int_attr(a.get("colspan"))
            rowspan = _int_attr(a.get("rowspan"))
            self._cell = []
            t["cell_pos"] = (r, c, colspan, rowspan)
            if colspan > 1 or rowspan > 1:
                t["merged"].append(((r, c), (r + rowspan - 1, c + colspan - 1)))
                for rr in range(r, r + rowspan):
                    for cc in range(c, c + colspan):
                        if (rr, cc) != (r, c):
                            t["occupied"][(rr, cc)] = True
        elif tag == "br" and self._cell is not None:
            self._cell.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script"):
            self._skip = max(0, self._skip - 1)
            return
        if not self._stack:
            return
        t = self._stack[-1]
        if tag in ("td", "th") and self._cell is not None:
            self._close_cell(t)
        elif tag == "tr":
            if self._cell is not None:
                self._close_cell(t)
            t["row"] = None
        elif tag == "table":
            if self._cell is not None:
                self._close_cell(t)
            self._stack.pop()
            rows = t["rows"]
            # cells occupied by rowspans at the end of rows
            for (rr, cc) in t["occupied"]:
                while rr >= len(rows):
                    rows.append([])
                row = rows[rr]
                while len(row) <= cc:
                    row.append("")
            width = max((len(r) for r in rows), default=0)
            for r in rows:
                r.extend([""] * (width - len(r)))
            self.tables.append((rows, t["merged"]))

    def _close_cell(self, t: dict) -> None:
        text = "".join(self._cell or []).replace("\xa0", " ")
        lines = [" ".join(ln.split()) for ln in text.split("\n")]
        value = "\n".join(ln for ln in lines if ln)
        r, c, colspan, _ = t["cell_pos"]
        row = t["row"] if t["row"] is not None else t["rows"][r]
        while len(row) < c:
            row.append("")
        row.append(value)
        for _ in range(colspan - 1):
            row.append("")
        self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None and not self._skip:
            self._cell.append(data)


def _int_attr(value: str | None) -> int:
    try:
        return max(1, min(int(str(value).strip()), 10000))
    except (TypeError, ValueError):
        return 1


_CHARSET = re.compile(rb"charset\s*=\s*[\"']?([A-Za-z0-9_\-]+)", re.I)


def _open_html(path: Path, name: str, digest: str) -> Workbook:
    data = path.read_bytes()
    m = _CHARSET.search(data[:4096])
    text, encoding = _decode(data, name, m.group(1).decode("ascii") if m else None)
    parser = _TableParser()
    try:
        parser.feed(text)
        parser.close()
    except Exception as exc:  # noqa: BLE001
        _log.debug("HTML parser failed on %s: %s: %s", name, type(exc).__name__, exc)
        raise ImportFailure("网页格式的表格（HTML）无法解析，文件可能已损坏或不完整；请重新导出该文件", name) from exc
    tables = [(f"表{i + 1}", rows, merged) for i, (rows, merged) in enumerate(parser.tables) if rows]
    if not tables:
        raise ImportFailure("HTML 文件中没有表格（<table>）", name)
    return _memory_workbook(path, name, digest, "html", tables, encoding)


# ---------------------------------------------------------------------------------------------- SpreadsheetML 2003


def _open_spreadsheetml(path: Path, name: str, digest: str) -> Workbook:
    ns = "{" + _SS_NS + "}"
    sheets: list[tuple[str, list[list], list[Merged]]] = []
    try:
        for _event, elem in ET.iterparse(str(path), events=("end",)):
            if elem.tag == f"{ns}Worksheet" or elem.tag == "Worksheet":
                sheets.append(_ss_sheet(elem, ns, len(sheets)))
                elem.clear()
    except ET.ParseError as exc:
        line = exc.position[0] if getattr(exc, "position", None) else None
        raise ImportFailure(f"XML 表格无法解析（第 {line} 行附近）", name) from exc
    if not sheets:
        raise ImportFailure("XML 文件中没有工作表（Worksheet）", name)
    return _memory_workbook(path, name, digest, "spreadsheetml", sheets, None)


def _ss_attr(elem: ET.Element, ns: str, attr: str) -> str | None:
    return elem.get(f"{ns}{attr}", elem.get(attr))


def _ss_sheet(ws: ET.Element, ns: str, index: int) -> tuple[str, list[list], list[Merged]]:
    sheet_name = _ss_attr(ws, ns, "Name") or f"Sheet{index + 1}"
    rows: list[list] = []
    merged: list[Merged] = []
    table = ws.find(f"{ns}Table")
    if table is None:
        table = ws.find("Table")
    if table is None:
        return sheet_name, rows, merged
    occupied: set[tuple[int, int]] = set()
    r = -1
    for row_el in table:
        if row_el.tag not in (f"{ns}Row", "Row"):
            continue
        idx = _ss_attr(row_el, ns, "Index")
        r = int(idx) - 1 if idx else r + 1
        while len(rows) <= r:
            rows.append([])
        row = rows[r]
        c = -1
        for cell in row_el:
            if cell.tag not in (f"{ns}Cell", "Cell"):
                continue
            cidx = _ss_attr(cell, ns, "Index")
            c = int(cidx) - 1 if cidx else c + 1
            while (r, c) in occupied and not cidx:
                c += 1
            across = int(_ss_attr(cell, ns, "MergeAcross") or 0)
            down = int(_ss_attr(cell, ns, "MergeDown") or 0)
            value = _ss_value(cell, ns)
            while len(row) <= c:
                row.append("")
            row[c] = value
            if across or down:
                merged.append(((r, c), (r + down, c + across)))
                for rr in range(r, r + down + 1):
                    for cc in range(c, c + across + 1):
                        if (rr, cc) != (r, c):
                            occupied.add((rr, cc))
            c += across
    width = max((len(x) for x in rows), default=0)
    for x in rows:
        x.extend([""] * (width - len(x)))
    return sheet_name, rows, merged


def _ss_value(cell: ET.Element, ns: str) -> object:
    data = cell.find(f"{ns}Data")
    if data is None:
        data = cell.find("Data")
    if data is None:
        return ""
    text = "".join(data.itertext())
    typ = _ss_attr(data, ns, "Type") or "String"
    if typ == "Number":
        try:
            return float(text)
        except ValueError:
            return text
    if typ == "DateTime":
        try:
            return dt.datetime.fromisoformat(text.rstrip("Z")[:26])
        except ValueError:
            return text
    if typ == "Boolean":
        return text.strip() in ("1", "true", "True")
    return text
