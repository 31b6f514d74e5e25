"""Workbook styling for the report: Chinese-aware column widths, header and title styles, A4 landscape print setup.

Widths are in Excel's column-width unit (about one Latin character of the default font); a Han character (and any
other East Asian wide or full-width character) counts as 2 units, so a column of 户主 names or 乡镇 names fits.
Row heights are set explicitly for wrapped text (Excel does not grow rows by itself when opening a file), estimated
from the same widths: 15 points per line.
"""

from __future__ import annotations

import math

from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.worksheet import Worksheet

__all__ = [
    "BODY_FONT",
    "HEADER_ALIGN",
    "HEADER_BORDER",
    "HEADER_FILL",
    "HEADER_FONT",
    "LINE_HEIGHT",
    "display_width",
    "lines_needed",
    "setup_print",
]

FONT_NAME = "宋体"
BODY_FONT = Font(name=FONT_NAME, size=10)
HEADER_FONT = Font(name=FONT_NAME, size=10, bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_THIN = Side(style="thin", color="8EA9C1")
HEADER_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
BODY_BORDER = Border(left=Side(style="thin", color="D9D9D9"), right=Side(style="thin", color="D9D9D9"),
                     top=Side(style="thin", color="D9D9D9"), bottom=Side(style="thin", color="D9D9D9"))
HEADER_ALIGN = Alignment(horizontal="center", vertical="center", wrap_text=True)
WRAP_ALIGN = Alignment(vertical="top", wrap_text=True)
TOP_ALIGN = Alignment(vertical="top")
TITLE_FONT = Font(name=FONT_NAME, size=16, bold=True)
SECTION_FONT = Font(name=FONT_NAME, size=11, bold=True, color="1F4E79")
SECTION_FILL = PatternFill("solid", fgColor="F2F2F2")
LABEL_FONT = Font(name=FONT_NAME, size=10, bold=True)
NOTE_FONT = Font(name=FONT_NAME, size=10, italic=True, color="7F7F7F")
WARN_FONT = Font(name=FONT_NAME, size=10, bold=True, color="C00000")
OUTSIDE_FILL = PatternFill("solid", fgColor="FFF2CC")  # a mark outside the sample (样本外, not graded)

#: Points per line of 10-point text (row height).
LINE_HEIGHT = 15.0
#: Share of a column's display width (Han = 2) that 10-point text really takes when printed (see lines_needed).
WIDTH_FACTOR = 0.88


def display_width(text: str) -> int:
    """Width of ``text`` in column units: 2 per Han / wide / full-width character, 1 otherwise (longest line).

    Fast path: a character of 3 or 4 UTF-8 bytes (CJK, full-width forms, and a few ambiguous marks such as “” —
    counted wide, the safe side) is 2 units; 1- and 2-byte characters are 1.
    """
    if not text:
        return 0
    if "\n" in text:
        return max(display_width(line) for line in text.split("\n"))
    if text.isascii():
        return len(text)
    size = len(text.encode("utf-8"))
    two_byte = sum(1 for ch in text if 0x80 <= ord(ch) < 0x800)
    return len(text) + (size - len(text) - two_byte) // 2


def lines_needed(text: str, width: float) -> int:
    """Lines ``text`` takes when wrapped in a column ``width`` units wide (explicit line breaks counted)."""
    if not text:
        return 1
    usable = max(width - 0.3, 1.0)
    # Measured in LibreOffice at 10 pt (a column unit is the default 11 pt font's digit, ~7 px, plus 5 px padding):
    # a Han character takes ~1.75 units and a Latin letter ~0.8, so a line holds ~width / 0.88 display units.
    return sum(max(1, math.ceil(display_width(line) * WIDTH_FACTOR / usable)) for line in text.split("\n"))


def setup_print(ws: Worksheet, *, title_rows: str | None = "1:1", fit_width: bool = True) -> None:
    """A4 landscape, fit to one page wide (as many pages tall as needed), header rows repeated, page numbers.

    ``title_rows``: rows repeated at the top of every printed page (``"1:1"`` = the header row), None for none.
    """
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    if fit_width:
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.page_margins.header = ws.page_margins.footer = 0.3
    ws.print_options.horizontalCentered = True
    if title_rows:
        ws.print_title_rows = title_rows
    ws.oddFooter.center.text = "&A　第 &P 页，共 &N 页"
    ws.oddFooter.center.size = 9
