"""Masking for the report: every cell that may carry an ID number, a phone number or a bank account goes through here.

The masks themselves live in :mod:`fupin_tui.idnumber` (``mask_id``: first 6 and last 4 characters kept;
``mask_phone``: first 3 and last 4 digits; ``mask_account``: last 4 digits): this module only decides *where* they
apply. Structured columns (证件号码, 联系电话, 银行账号) are masked as a whole; free text (notes, finding messages, a
clue's department value, the action log's old/new values) is scanned for anything that looks like an ID number
(15/18 characters, 20/22-character 残疾人证号, an 18-digit ID mangled by Excel into scientific notation), a long
digit run (bank account) or a phone number (mobile 1[3-9]xxxxxxxxx, landline 0xx-xxxxxxx), and only those parts are
masked. Household and member numbers (户编号 / 人编号, long digit runs too) are passed in ``keep`` and left alone, and so
are UUIDs (the marks' keys in the action log).

Names stay unmasked: the report must identify households. With ``unmasked=True`` nothing is masked (the caller
records the export in the action log and writes every ID as a text cell).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from fupin_tui.idnumber import mask_account, mask_id, mask_phone

__all__ = ["Masker", "looks_personal"]

# An ID-like run: 17 digits + X (an 18-character ID, or a 残疾人证号 whose ID part ends in X, + 2/4 digits), or any
# run of 15 or more digits (IDs, 残疾人证号, bank accounts, corrupted IDs). Letters around it do not protect it.
_LONG_RUN = re.compile(r"(?<!\d)(?:\d{17}[Xx]\d{0,4}|\d{15,})(?!\d)")
# An ID turned into a float by Excel: 4.22822195212036E+17 (15 significant digits).
_SCIENTIFIC = re.compile(r"(?<![0-9.])(\d\.\d{4})(\d+)([eE]\+?\d{1,2})(?![0-9])")
# Mobile numbers: 11 digits starting 1[3-9]; landlines: 0 + 2–3 digit area code, optional dash, 7–8 digits.
_MOBILE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?1[3-9]\d{9}(?!\d)")
_LANDLINE = re.compile(r"(?<![\d-])0\d{2,3}-?\d{7,8}(?![\d-])")
_ID_SHAPE = re.compile(r"^(\d{17}[\dXx](\d{2}(\d{2})?)?|\d{15})$")
# A UUID (a mark's key, ``mark:<uuid>`` in the action log): never personal, but its hex groups can hold a digit run
# that looks like a landline (…-c0482206988e) — left whole so the log still names the mark.
_UUID = re.compile(r"(?<![0-9A-Za-z-])[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
                   r"(?![0-9A-Za-z-])")


def looks_personal(text: str) -> bool:
    """True when ``text`` contains something :meth:`Masker.text` would mask (an ID, a long digit run, a phone)."""
    return bool(_LONG_RUN.search(text) or _SCIENTIFIC.search(text) or _MOBILE.search(text) or _LANDLINE.search(text))


class Masker:
    """Applies the report's masking policy.

    Args:
        unmasked: when True every method returns its input unchanged (as text).
        keep: digit strings never masked in free text (the county's 户编号 and 人编号).
    """

    def __init__(self, unmasked: bool = False, keep: Iterable[str] = ()) -> None:
        self.unmasked = unmasked
        self.keep: set[str] = set(keep)

    # Structured columns -------------------------------------------------------------------------------------------

    def id(self, value: object) -> str:
        """An ID-number column (证件号码, 残疾人证号…): ``mask_id`` of the text; blank → ``""``."""
        text = "" if value is None else str(value).strip()
        if self.unmasked or not text:
            return text
        if not _ID_SHAPE.match(text):
            # Not a clean ID (corrupted by Excel, spaces, letters): mask whatever personal digits it carries,
            # and never show more than mask_id would.
            masked = self.text(text)
            return masked if masked != text else mask_id(text)
        return mask_id(text)

    def phone(self, value: object) -> str:
        """A phone column (联系电话): each number in it masked with ``mask_phone``; blank → ``""``."""
        text = "" if value is None else str(value).strip()
        if self.unmasked or not text:
            return text
        masked = self.text(text)
        return masked if masked != text else mask_phone(text)

    def account(self, value: object) -> str:
        """A bank-account column: ``mask_account`` (last 4 digits kept); blank → ``""``."""
        text = "" if value is None else str(value).strip()
        if self.unmasked or not text:
            return text
        return mask_account(text)

    # Free text ----------------------------------------------------------------------------------------------------

    def text(self, value: object) -> str:
        """Free text with every ID, long digit run and phone number inside it masked; ``None`` → ``""``.

        Digit runs listed in ``keep`` (household and member numbers) are left as they are.
        """
        if value is None:
            return ""
        text = str(value)
        if self.unmasked or not text:
            return text
        if not any(ch.isdigit() for ch in text):
            return text
        if _UUID.search(text):  # mask around the UUIDs, not inside them
            parts = _UUID.split(text)
            uuids = _UUID.findall(text)
            return "".join(self.text(p) + (uuids[i] if i < len(uuids) else "") for i, p in enumerate(parts))
        text = _LONG_RUN.sub(self._long_run, text)
        text = _SCIENTIFIC.sub(lambda m: m.group(1) + "*" * len(m.group(2)) + m.group(3), text)
        text = _MOBILE.sub(lambda m: mask_phone(m.group(0)), text)
        text = _LANDLINE.sub(lambda m: mask_phone(m.group(0)), text)
        return text

    def _long_run(self, match: re.Match[str]) -> str:
        run = match.group(0)
        if run in self.keep:
            return run
        if _ID_SHAPE.match(run):
            return mask_id(run)
        return mask_account(run)
