"""Masking for the report: every cell that may carry an ID number, a phone number or a bank account goes through here.

The masks themselves live in :mod:`fupin_tui.idnumber` (``mask_id``: first 6 and last 4 characters kept;
``mask_phone``: first 3 and last 4 digits; ``mask_account``: last 4 digits; ``mask_text`` for free text): this module
only decides *where* they apply. Structured columns (证件号码, 联系电话, 银行账号) are masked as a whole; free text (notes, finding messages, a
clue's department value, the action log's old/new values) is scanned for anything that looks like an ID number
(15/18 characters, 20/22-character 残疾人证号, an 18-digit ID mangled by Excel into scientific notation), a long
digit run (bank account) or a phone number (mobile 1[3-9]xxxxxxxxx, landline 0xx-xxxxxxx), and only those parts are
masked. Household and member numbers (户编号 / 人编号, long digit runs too) are passed in ``keep`` and left alone, and so
are UUIDs (the marks' keys in the action log).

Names stay unmasked: the report must identify households. With ``unmasked=True`` nothing is masked (the caller
records the export in the action log and writes every ID as a text cell).
"""

from __future__ import annotations

from collections.abc import Iterable

from fupin_tui.idnumber import id_shaped, looks_personal, mask_account, mask_id, mask_phone, mask_text

__all__ = ["Masker", "looks_personal"]


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
        if not id_shaped(text):
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
        if self.unmasked:
            return text
        return mask_text(text, keep=self.keep)
