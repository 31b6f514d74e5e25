"""Cell values as readers return them → the text or number stored.

Readers give ``str`` (text, ``""`` for an empty cell), ``float``/``int`` (numbers), ``bool``, and ``datetime.date`` /
``datetime.datetime`` / ``datetime.time`` / ``datetime.timedelta`` for cells formatted as dates. Rules:

- Text fields keep the text as exported, stripped, without Excel's leading apostrophe; a whole float is written
  without ``.0`` (``6.0`` → ``"6"``); a date cell becomes ISO text (``2016-02-20``).
- Key fields (户编号, 人编号, phones, bank accounts): the text above with full-width digits made half-width and inner
  spaces removed. A key that was stored as an Excel number with more than 15 significant digits (or shows scientific
  notation) has lost digits: it is kept as read and reported as corrupted (:func:`key_corrupted`), never repaired.
- Number fields (incomes in 元, land in 亩, months, sizes in 人): a number as is; text parsed after removing
  thousands separators, spaces and a trailing unit (``元``, ``亩``, ``人``, ``个月``, ``月``); a date cell (a number that
  Excel showed with a date format) goes back to its Excel serial number, which is the number that was typed.
  Anything else is *not a number*: the caller stores ``None`` and keeps the text in ``extra["bad_values"]``.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

_EXCEL_EPOCH = dt.datetime(1899, 12, 30)
_SCI = re.compile(r"^\d(\.\d+)?[eE]\+?\d+$")
_KEY_JUNK = re.compile(r"[\s\u3000'‘’`]+")
_NUM_JUNK = re.compile(r"[\s\u3000,，]+")
_UNITS = ("元/人", "元", "亩", "平方米", "㎡", "m2", "人", "个月", "月", "%")
_TOTAL_WORDS = ("合计", "总计", "小计", "共计", "合 计", "总 计")


def excel_serial(value: dt.date | dt.datetime | dt.time | dt.timedelta) -> float:
    """The Excel (1900 system) serial number of a date/time cell: days since 1899-12-30, fractions for time.

    Dates before 1900-03-01 account for Excel's fictitious 1900-02-29 (serial 1 = 1900-01-01).
    """
    if isinstance(value, dt.timedelta):
        return value.total_seconds() / 86400.0
    if isinstance(value, dt.time):
        return (value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6) / 86400.0
    if not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day)
    days = (value - _EXCEL_EPOCH).total_seconds() / 86400.0
    if value < dt.datetime(1900, 3, 1):
        days -= 1.0
    return days


def _float_text(value: float) -> str:
    if value != value:  # NaN
        return ""
    if value.is_integer():
        return str(int(value))
    return repr(value)


def to_text(value: object) -> str:
    """Text of any cell value (see module docstring); ``""`` when blank. Never raises."""
    if type(value) is str:
        text = value.strip()
        if text[:1] == "'":
            text = text[1:].strip()
        return text
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return _float_text(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return _float_text(excel_serial(value))
    return str(value).strip()


def clean_key(text: str) -> str:
    """A key's text (户编号, 人编号, phone): NFKC (full-width digits → half-width), inner spaces/apostrophes removed."""
    if text.isascii() and text.isalnum():
        return text
    for _ in range(10):  # removing a space can let a combining mark compose: normalise until stable
        new = _KEY_JUNK.sub("", unicodedata.normalize("NFKC", text))
        if new == text:
            break
        text = new
    return text


def key_text(value: object) -> str:
    """A key cell as text (:func:`to_text` then :func:`clean_key`)."""
    return clean_key(to_text(value))


def key_corrupted(value: object, text: str) -> bool:
    """True when a key cell (户编号, 人编号) lost digits through an Excel number: a number cell with more than 15
    digits (Excel keeps 15 significant digits), or text in scientific notation (``4.22822E+15``, as a CSV saved from
    Excel shows it). A 16-digit *text* cell ending in zeros is not flagged: 人编号 such as ``…0110`` are legitimate.
    """
    if isinstance(value, (float, int)) and not isinstance(value, bool):
        return len(text) > 15 or "e" in text.lower()
    return bool(_SCI.match(text))


def to_number(value: object) -> tuple[float | None, bool]:
    """``(number, ok)``: the number of a cell, ``(None, True)`` when blank, ``(None, False)`` when not a number."""
    t = type(value)
    if t is float:
        return (None, True) if value != value else (value, True)  # type: ignore[comparison-overlap]
    if t is int:
        return float(value), True  # type: ignore[arg-type]
    if t is str:
        text = value.strip()  # type: ignore[union-attr]
        if not text:
            return None, True
        try:
            return float(text), True
        except ValueError:
            pass
        text = _NUM_JUNK.sub("", unicodedata.normalize("NFKC", text)).lstrip("'")
        for unit in _UNITS:
            if text.endswith(unit):
                text = text[: -len(unit)]
                break
        if not text:
            return None, True
        try:
            number = float(text)
        except ValueError:
            return None, False
        return (number, True) if number == number and abs(number) != float("inf") else (None, False)
    if value is None:
        return None, True
    if isinstance(value, bool):
        return float(value), True
    if isinstance(value, (dt.date, dt.time, dt.timedelta)):
        return excel_serial(value), True
    return None, False


def to_int(value: object) -> tuple[int | None, bool]:
    """``(integer, ok)`` like :func:`to_number`; a number with a fraction is not an integer (``ok`` False)."""
    number, ok = to_number(value)
    if number is None:
        return None, ok
    if number.is_integer():
        return int(number), True
    return None, False


def place_key(text: object) -> str:
    """A place name (乡镇, 行政村, 自然村) for matching: every blank removed (``"高坪 太阳村"`` = ``"高坪太阳村"``);
    None → ``""``."""
    return "".join(str(text or "").split())


def is_total_text(text: str) -> bool:
    """True for the first cell of a totals row: 合计 / 总计 / 小计 / 共计 (also with a space or a colon)."""
    return text.startswith(_TOTAL_WORDS)
