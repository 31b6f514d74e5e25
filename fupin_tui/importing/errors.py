"""Errors and rejected rows of the importer: :class:`ImportFailure` (a file that cannot be read at all) and
:class:`Reject` (one row that could not be placed).

Messages are Chinese and name file, sheet, row and column; they may carry 户编号 / 人编号 but never names, ID numbers
or phone numbers (an input row's content is never quoted).
"""

from __future__ import annotations

from dataclasses import dataclass


def column_letter(index: int) -> str:
    """Spreadsheet column letter of a 0-based column index (0 → ``A``, 26 → ``AA``)."""
    out = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


def where(file: str | None, sheet: str | None = None, row: int | None = None, column: str | None = None) -> str:
    """Chinese location text: ``文件 a.xlsx，工作表 Sheet1，第 5 行，列 F（户编号）`` (parts left out when None)."""
    parts = []
    if file:
        parts.append(f"文件 {file}")
    if sheet:
        parts.append(f"工作表 {sheet}")
    if row:
        parts.append(f"第 {row} 行")
    if column:
        parts.append(f"列 {column}")
    return "，".join(parts)


class ImportFailure(Exception):
    """A file that cannot be read at all (not a spreadsheet, encrypted, empty, no recognisable header), or a run that
    must be refused (no data year, conflicting data years). Nothing is written when it is raised.

    Attributes: ``message`` (Chinese, without the location), ``file``, ``sheet``, ``row`` (1-based), ``column``
    (letter and header text). ``str()`` gives the location followed by the message.
    """

    def __init__(
        self, message: str, file: str | None = None, sheet: str | None = None, row: int | None = None,
        column: str | None = None,
    ) -> None:
        self.message = message
        self.file = file
        self.sheet = sheet
        self.row = row
        self.column = column
        loc = where(file, sheet, row, column)
        super().__init__(f"{loc}：{message}" if loc else message)

    def __reduce__(self):  # noqa: ANN204 - keep the parts when sent from the reader process
        return (ImportFailure, (self.message, self.file, self.sheet, self.row, self.column))


@dataclass(frozen=True, slots=True)
class Reject:
    """One input row that could not be placed (拒收行): file name, sheet, 1-based row, column, Chinese reason.

    ``column`` is the column letter with its header text (``F（户编号）``), or ``""`` for the row as a whole.
    """

    file: str
    sheet: str
    row: int
    column: str
    reason: str

    def message(self) -> str:
        """Chinese one-line message: location then reason."""
        return f"{where(self.file, self.sheet, self.row, self.column or None)}：{self.reason}"


# Reasons (Chinese, stable so tests and the report can refer to them).
REASON_NO_HOUSEHOLD = "户编号为空，无法根据人编号或上一行归入任何一户"
REASON_NOT_DATA = "不是数据行（没有户编号、人编号、姓名或证件号码）"
REASON_INCOME_NO_HOUSEHOLD = "户编号为空，户主证件号码也对不上花名册中的任何一户"
