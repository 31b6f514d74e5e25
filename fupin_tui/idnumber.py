"""ID number normalisation: the ONE place that turns a cell into a comparable resident ID (公民身份号码).

Used by the importer (to store ``id_number_norm``), the rulebook (check digit, birth date, Excel corruption) and the
department comparison (matching). Standard: GB 11643-1999 (18 characters, ISO 7064 MOD 11-2 check digit, computed by
python-stdnum's ``stdnum.cn.ric``). Old 15-digit IDs (issued before 2000) become 18 characters by inserting "19" before
the two-digit birth year and computing the check digit. A 残疾人证号 is the 18-character ID followed by 2 digits
(残疾类别 1–7, 残疾等级 1–4); some systems use 22 characters (two more digits of sequence).

Excel keeps only 15 significant digits of a number: an 18-digit ID stored as a number comes back as
``4.22822195212036e+17`` or ``422822195212036000``. Such values are *corrupted*: reported, never matched, and the lost
digits are never guessed.
"""

from __future__ import annotations

import datetime as _dt
import re
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum

from stdnum.cn import ric as _ric


class IdKind(StrEnum):
    """What a normalised ID cell turned out to be."""

    EMPTY = "empty"  # blank cell
    ID18 = "id18"  # an 18-character ID (check digit may still be wrong: see ``checksum_ok``)
    ID15 = "id15"  # a 15-digit old ID, upgraded to 18 characters in ``value``
    DISABILITY = "disability"  # a 20/22-character 残疾人证号; ``value`` is its 18-character ID part
    CORRUPTED = "corrupted"  # a number mangled by Excel (scientific notation, 15 significant digits then zeros)
    INVALID = "invalid"  # anything else (wrong length, letters, ...)


_FULLWIDTH = str.maketrans({chr(0xFF10 + i): str(i) for i in range(10)} | {"ｘ": "X", "Ｘ": "X", "x": "X"})
_SPACES = re.compile(r"[\s\u3000'‘’`\-]+")
_SCI = re.compile(r"^\d(\.\d+)?[eE]\+?\d+$")
_DIGITS17 = re.compile(r"^\d{17}[\dX]$")
_CLEAN18 = re.compile(r"[0-9]{17}[0-9X]\Z")  # ASCII only: full-width digits take the slow path


@dataclass(frozen=True, slots=True)
class IdInfo:
    """The result of normalising one ID cell.

    Attributes:
        raw: the cell as text (stripped), ``""`` when blank.
        kind: see :class:`IdKind`.
        value: the comparable 18-character ID (upper-case X), or ``None`` for EMPTY / CORRUPTED / INVALID.
        checksum_ok: True when ``value`` has a correct GB 11643 check digit (15-digit upgrades always do).
        birth_date: the birth date encoded in the ID, or ``None`` when absent or not a real date.
        sex: ``"男"`` (17th digit odd) / ``"女"`` (even), or ``None``.
        disability_category / disability_grade: the 残疾人证号's 类别 (1–7) and 等级 (1–4) digits, else ``None``.
    """

    raw: str
    kind: IdKind
    value: str | None = None
    checksum_ok: bool = False
    birth_date: _dt.date | None = None
    sex: str | None = None
    disability_category: str | None = None
    disability_grade: str | None = None

    @property
    def matchable(self) -> bool:
        """True when ``value`` may be used to match people across lists (not corrupted, not invalid)."""
        return self.value is not None


def cell_text(value: object) -> str:
    """The text of a cell as read by a spreadsheet reader, without float artefacts.

    ``None`` → ``""``; a float that is a whole number → its integer digits (``4.2e+17`` → ``"420000000000000000"``,
    which :func:`normalize_id` then recognises as corrupted); other values → ``str(value).strip()``. A leading
    apostrophe (Excel's text marker) is removed.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        if value != value:  # NaN
            return ""
        if value.is_integer():
            return str(int(value))
        return repr(value)
    text = str(value).strip()
    if text.startswith("'"):
        text = text[1:].strip()
    return text


def looks_excel_corrupted(text: str) -> bool:
    """True when ``text`` looks like an ID that passed through an Excel number.

    Scientific notation (``4.22822E+17``), or 16–20 digits whose 15 significant digits are followed only by zeros
    (Excel keeps 15 significant digits). Source: Microsoft, "Excel specifications and limits" (number precision).
    """
    t = text.strip()
    if _SCI.match(t):
        return True
    if t.endswith(".0"):
        t = t[:-2]
    return t.isdigit() and 16 <= len(t) <= 20 and t[15:].strip("0") == "" and not _is_valid18(t[:18])


def check_digit(body17: str) -> str:
    """The GB 11643 check digit (``0``–``9`` or ``X``) of a 17-digit body, by python-stdnum's ``cn.ric``.

    Note: ``stdnum.cn.ric.calc_check_digit`` expects the number WITH a check digit (it drops the last character),
    so the body gets a placeholder appended.
    """
    return _ric.calc_check_digit(body17 + "0")


def _is_valid18(text: str) -> bool:
    return len(text) == 18 and _DIGITS17.match(text) is not None and check_digit(text[:17]) == text[17]


def clean_id_text(value: object) -> str:
    """Strip, full-width → half-width, lower-case x → X, inner spaces and apostrophes removed. No validation."""
    text = unicodedata.normalize("NFKC", cell_text(value)) if not isinstance(value, float) else cell_text(value)
    return _SPACES.sub("", text.translate(_FULLWIDTH)).upper()


def upgrade15(id15: str) -> str:
    """Turn a 15-digit old ID into 18 characters: insert "19" before the 2-digit birth year, append the check digit.

    Raises ``ValueError`` when ``id15`` is not 15 digits.
    """
    if len(id15) != 15 or not id15.isdigit():
        raise ValueError("15位身份证号应为15位数字")
    body = id15[:6] + "19" + id15[6:]
    return body + check_digit(body)


def _birth(value18: str) -> _dt.date | None:
    try:
        return _dt.date(int(value18[6:10]), int(value18[10:12]), int(value18[12:14]))
    except ValueError:
        return None


def _sex(value18: str) -> str | None:
    digit = value18[16]
    return None if not digit.isdigit() else ("男" if int(digit) % 2 else "女")


def normalize_id(value: object) -> IdInfo:
    """Normalise one ID cell (any type a reader returns) into an :class:`IdInfo`. Never raises.

    Steps: cell text (float artefacts removed) → corrupted-by-Excel test on the raw text → strip, full-width digits,
    x → X, inner spaces → by length: 18 (ID), 15 digits (old ID, upgraded), 20 or 22 (残疾人证号: ID part + 类别/等级).
    """
    if type(value) is str and len(value) == 18 and _CLEAN18.match(value) and not looks_excel_corrupted(value):
        return _from18(value, value, IdKind.ID18)  # fast path: already a clean 18-character ID (the usual cell)
    raw = cell_text(value)
    if raw == "":
        return IdInfo(raw="", kind=IdKind.EMPTY)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        # A number cell: 15-digit old IDs survive as numbers; anything longer has lost digits.
        digits = raw
        if len(digits) == 15 and digits.isdigit():
            return _from18(raw, upgrade15(digits), IdKind.ID15)
        if isinstance(value, int) and len(digits) == 18 and digits.isdigit():
            return _from18(raw, digits, IdKind.ID18)  # an exact integer (not a float) kept all its digits
        return IdInfo(raw=raw, kind=IdKind.CORRUPTED)
    if looks_excel_corrupted(raw):
        return IdInfo(raw=raw, kind=IdKind.CORRUPTED)
    text = clean_id_text(value)
    if len(text) == 18 and _DIGITS17.match(text):
        return _from18(raw, text, IdKind.ID18)
    if len(text) == 15 and text.isdigit():
        return _from18(raw, upgrade15(text), IdKind.ID15)
    if len(text) in (20, 22) and _DIGITS17.match(text[:18]) and text[18:].isdigit():
        info = _from18(raw, text[:18], IdKind.DISABILITY)
        return IdInfo(
            raw=info.raw, kind=info.kind, value=info.value, checksum_ok=info.checksum_ok, birth_date=info.birth_date,
            sex=info.sex, disability_category=text[18], disability_grade=text[19],
        )
    return IdInfo(raw=raw, kind=IdKind.INVALID)


def id_value_kind(value: object) -> tuple[str, str | None, IdKind]:
    """``(raw, value, kind)`` exactly as :func:`normalize_id` gives them, without the derived fields (check digit,
    birth date, sex): the bulk importer's fast path. A well-formed 18-character text cell (17 ASCII digits, then a
    digit or ``X``, not ending in ``000``) is returned as is; anything else goes through :func:`normalize_id`.
    """
    if type(value) is str and len(value) == 18 and value.isascii():
        last = value[17]
        if value[:17].isdigit() and (last.isdigit() or last == "X") and value[15:] != "000":
            return value, value, IdKind.ID18
    info = normalize_id(value)
    return info.raw, info.value, info.kind


def _from18(raw: str, value18: str, kind: IdKind) -> IdInfo:
    return IdInfo(
        raw=raw, kind=kind, value=value18, checksum_ok=check_digit(value18[:17]) == value18[17],
        birth_date=_birth(value18), sex=_sex(value18),
    )


def id_key(value: object) -> str | None:
    """The matching key of a cell: the normalised 18-character ID, or None when empty, corrupted or invalid."""
    return normalize_id(value).value


def age_on(birth: _dt.date | None, data_year: int) -> int | None:
    """Completed years on 31 December of ``data_year`` (the glossary's rule: never today's date); None if unknown."""
    if birth is None:
        return None
    return data_year - birth.year  # on 31 Dec every birthday of the year has passed


def mask_id(value: str | None) -> str:
    """Mask an ID for reports: first 6 and last 4 characters kept, the rest ``*`` (issue 2). Blank → ``""``."""
    if not value:
        return ""
    if len(value) <= 10:
        return value[:2] + "*" * max(len(value) - 2, 0)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str | None) -> str:
    """Mask a phone number for reports: a mobile (11 characters or more) keeps its first 3 and last 4 digits
    (``181****9961``); anything shorter (a malformed number) keeps only its last 2, so at least half stays hidden.
    Blank → ``""``."""
    if not value:
        return ""
    if len(value) >= 11:
        return value[:3] + "*" * (len(value) - 7) + value[-4:]
    if len(value) <= 4:
        return "*" * len(value)
    return "*" * (len(value) - 2) + value[-2:]


def mask_account(value: str | None) -> str:
    """Mask a bank account for reports: last 4 digits kept. Blank → ``""``."""
    if not value:
        return ""
    return "*" * max(len(value) - 4, 0) + value[-4:]


# --------------------------------------------------------------------------------------------------- free text
# An ID-like run: 17 digits + X (an 18-character ID, or a 残疾人证号 whose ID part ends in X, + 2/4 digits), or any
# run of 15 or more digits (IDs, 残疾人证号, bank accounts, corrupted IDs). Letters around it do not protect it.
_LONG_RUN = re.compile(r"(?<!\d)(?:\d{17}[Xx]\d{0,4}|\d{15,})(?!\d)")
# An ID turned into a float by Excel: 4.22822195212036E+17 (15 significant digits).
_SCIENTIFIC = re.compile(r"(?<![0-9.])(\d\.\d{4})(\d+)([eE]\+?\d{1,2})(?![0-9])")
# Mobile numbers: 11 digits starting 1[3-9]; landlines: 0 + 2–3 digit area code, optional dash, 7–8 digits.
_MOBILE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?1[3-9]\d{9}(?!\d)")
_LANDLINE = re.compile(r"(?<![\d-])0\d{2,3}-?\d{7,8}(?![\d-])")
# The shape of an ID number: 18 characters (+ 2 or 4 digits: a 残疾人证号), or 15 digits.
_ID_SHAPE = re.compile(r"^(\d{17}[\dXx](\d{2}(\d{2})?)?|\d{15})$")
# A UUID (a mark's key, ``mark:<uuid>`` in the action log): never personal, but its hex groups can hold a digit run
# that looks like a landline (…-c0482206988e) — left whole so the text still names the mark.
_UUID = re.compile(r"(?<![0-9A-Za-z-])[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
                   r"(?![0-9A-Za-z-])")


def id_shaped(text: str) -> bool:
    """True when ``text`` is exactly an ID number's shape: 18 characters (17 digits + digit/X), optionally + 2 or 4
    digits (残疾人证号), or 15 digits. Says nothing of the check digit."""
    return bool(_ID_SHAPE.match(text))


def looks_personal(text: str) -> bool:
    """True when ``text`` contains something :func:`mask_text` would mask (an ID, a long digit run, a phone)."""
    return bool(_LONG_RUN.search(text) or _SCIENTIFIC.search(text) or _MOBILE.search(text) or _LANDLINE.search(text))


def mask_text(text: str, *, keep: Collection[str] = (), ids_only: bool = False) -> str:
    """Free text (a note, a finding message, a clue's values, the action log's old/new values) with the personal
    numbers inside it masked, the rest as it is.

    Masked: every ID number (15 or 18 characters, a 20/22-character 残疾人证号; :func:`mask_id`), and unless
    ``ids_only`` also an 18-digit ID mangled by Excel into scientific notation, any other run of 15+ digits (a bank
    account; :func:`mask_account`) and phone numbers (mobile ``1[3-9]xxxxxxxxx``, landline ``0xx-xxxxxxx``;
    :func:`mask_phone`). Digit runs in ``keep`` (household and member numbers) and UUIDs are left alone.
    ``ids_only`` is the comparison's policy for clue texts (a clue's key holds its text, so only IDs are masked there).
    """
    if not text or not any(ch.isdigit() for ch in text):
        return text
    if not ids_only and _UUID.search(text):  # mask around the UUIDs, not inside them
        parts = _UUID.split(text)
        uuids = _UUID.findall(text)
        return "".join(mask_text(p, keep=keep) + (uuids[i] if i < len(uuids) else "") for i, p in enumerate(parts))

    def long_run(match: re.Match[str]) -> str:
        run = match.group(0)
        if run in keep:
            return run
        if _ID_SHAPE.match(run):
            return mask_id(run)
        return run if ids_only else mask_account(run)

    text = _LONG_RUN.sub(long_run, text)
    if ids_only:
        return text
    text = _SCIENTIFIC.sub(lambda m: m.group(1) + "*" * len(m.group(2)) + m.group(3), text)
    text = _MOBILE.sub(lambda m: mask_phone(m.group(0)), text)
    return _LANDLINE.sub(lambda m: mask_phone(m.group(0)), text)
