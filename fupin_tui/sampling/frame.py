"""The sampling frame (抽样框): a county's registered households in the roster's order, and its fingerprint.

Order: 乡(镇) name, 行政村 name, 户编号 — compared as Unicode text in Python (never by the database's collation, which
differs between SQLite and PostgreSQL), so the same data gives the same order on every backend. A household without a
township or village sorts first within its level (empty text).

Frame hash (抽样框指纹): sha256 (hex) over the line ``by=<column>`` followed by one line per household in frame order,
``户编号 ␟ 乡镇 ␟ 行政村 ␟ stratum value`` (fields joined by U+001F). Any household added, removed, moved to another
village, or given another value of the stratification column changes it, and ``fupin sample --verify`` says so.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import String, select
from sqlalchemy.orm import Session

from fupin_tui.glossary import HOUSEHOLD_FIELDS, HOUSEHOLD_TYPE_ALIASES, STRATIFY_COLUMNS
from fupin_tui.models.tables import Household, Township, Village
from fupin_tui.sampling.select import WHOLE_COUNTY, Unit

__all__ = ["BLANK", "Frame", "FrameRow", "frame_hash", "load_frame", "stratify_columns", "stratum_label"]

#: Stratum value of a household with an empty cell in the stratification column.
BLANK = "（空）"
#: Columns never offered for stratification (identifiers and personal data).
_NOT_STRATA = {"county_code", "household_no", "head_name", "head_id_number", "phone"}


def stratify_columns() -> dict[str, str]:
    """Columns ``--by`` accepts → Chinese label: the glossary's STRATIFY_COLUMNS first, then every other text column of
    the household table that is not an identifier (e.g. ``hamlet``, ``road_type``, ``water_safe``)."""
    out = dict(STRATIFY_COLUMNS)
    for col in Household.__table__.columns:  # type: ignore[attr-defined]
        name = col.name
        if name in out or name in _NOT_STRATA or name.endswith("_id") or name == "id":
            continue
        if isinstance(col.type, String):
            out[name] = HOUSEHOLD_FIELDS.get(name, {"hamlet": "自然村", "fuel_type": "主要燃料类型"}.get(name, name))
    return out


def stratum_label(by: str | None) -> str:
    """Chinese label of a stratification column (``township`` → 乡(镇)); 全县 when unstratified."""
    if not by:
        return WHOLE_COUNTY
    return stratify_columns().get(by, by)


@dataclass(frozen=True)
class FrameRow:
    """One household of the frame: id, 户编号, township and village names ("" when unknown), stratum value."""

    household_id: int
    household_no: str
    township: str
    village: str
    value: str

    def unit(self) -> Unit:
        """The selection unit (stratum = the value, or 全县 when the frame is not stratified)."""
        return Unit(self.household_id, self.household_no, self.value)


@dataclass(frozen=True)
class Frame:
    """The ordered frame of one county for one stratification column (``by`` None: one stratum 全县)."""

    county_code: str
    by: str | None
    rows: tuple[FrameRow, ...]
    hash: str

    def __len__(self) -> int:
        return len(self.rows)

    def units(self, exclude: set[int] | frozenset[int] = frozenset()) -> list[Unit]:
        """Selection units in frame order, leaving out the household ids in ``exclude`` (the certainty stratum)."""
        return [r.unit() for r in self.rows if r.household_id not in exclude]

    def by_id(self) -> dict[int, FrameRow]:
        """household id → row."""
        return {r.household_id: r for r in self.rows}

    def by_no(self) -> dict[str, FrameRow]:
        """户编号 → row."""
        return {r.household_no: r for r in self.rows}


def _clean(value: object) -> str:
    if value is None:
        return ""
    return str(value).strip()


def _value(by: str, township: str, village: str, raw: object) -> str:
    if by == "township":
        return township or BLANK
    if by == "village":
        return f"{township or BLANK}/{village or BLANK}"  # village names repeat across townships
    text = _clean(raw)
    if by == "household_type":
        text = HOUSEHOLD_TYPE_ALIASES.get(text, text)
    return text or BLANK


def frame_hash(rows: Sequence[FrameRow], by: str | None) -> str:
    """sha256 (hex) of the ordered frame (see the module docstring)."""
    h = hashlib.sha256()
    h.update(f"by={by or ''}\n".encode())
    for r in rows:
        h.update("\x1f".join((r.household_no, r.township, r.village, r.value)).encode("utf-8"))
        h.update(b"\n")
    return h.hexdigest()


def load_frame(session: Session, county_code: str, by: str | None = None) -> Frame:
    """The county's households ordered by 乡镇, 行政村, 户编号, with the value of column ``by`` for each.

    ``by``: a key of :func:`stratify_columns` or None. Raises ValueError (Chinese) for an unknown column.
    """
    if by is not None and by not in stratify_columns():
        raise ValueError(f"不能按 {by!r} 分层；可用的列：{'、'.join(stratify_columns())}")
    extra = getattr(Household, by) if by and by not in ("township", "village") else None
    cols = [Household.id, Household.household_no, Township.name, Village.name]
    if extra is not None:
        cols.append(extra)
    stmt = (
        select(*cols)
        .select_from(Household)
        .outerjoin(Township, Township.id == Household.township_id)
        .outerjoin(Village, Village.id == Household.village_id)
        .where(Household.county_code == county_code)
    )
    rows = []
    for rec in session.execute(stmt):
        township, village = _clean(rec[2]), _clean(rec[3])
        value = _value(by, township, village, rec[4] if extra is not None else None) if by else WHOLE_COUNTY
        rows.append(FrameRow(int(rec[0]), _clean(rec[1]), township, village, value))
    rows.sort(key=lambda r: (r.township, r.village, r.household_no))
    return Frame(county_code, by, tuple(rows), frame_hash(rows, by))
