"""Reading clues back: per household (household screen), summaries (overview, report sheet 部门比对), certainty strata.

Only 属实 clues become marks and count in the grade; turning a clue into a mark is the review service's job
(``fupin_tui/review.py``), which sets ``status``, ``note``, ``verifier`` and ``mark_uuid`` on the :class:`Clue`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from fupin_tui.glossary import CLUE_CONFIRMED, CLUE_STATUSES, DEPARTMENTS, clue_kind_label
from fupin_tui.models.tables import Clue

#: Order of severities in lists: 严重 first.
_SEVERITY_ORDER = {"严重": 0, "一般": 1}


def clues_for_household(
    session: Session, county_code: str, household_no: str, *, include_inactive: bool = False
) -> list[Clue]:
    """The clues of one household, severe first, then by department, kind and member number.

    Inactive clues (no longer produced by the latest comparison) are left out unless ``include_inactive``; those
    with a verdict other than 待核实 are always included so a decided clue never disappears from the screen.
    """
    stmt = select(Clue).where(Clue.county_code == county_code, Clue.household_no == household_no)
    rows = list(session.scalars(stmt))
    if not include_inactive:
        rows = [c for c in rows if c.active or c.status != CLUE_STATUSES[0]]
    rows.sort(key=lambda c: (_SEVERITY_ORDER.get(c.severity, 9), c.dept, c.kind, c.member_no or "", c.id or 0))
    return rows


def clue_summary(session: Session, county_code: str, *, by_kind: bool = False) -> list[dict[str, Any]]:
    """Active clues counted by department (and kind with ``by_kind``) and status.

    Returns rows ``{"dept", "dept_label", ["kind", "kind_label",] "total", "待核实", "属实", "不属实", "已说明"}`` in
    :data:`fupin_tui.glossary.DEPARTMENTS` order (then kind), for the overview screen and the report's 部门比对 sheet.
    """
    cols = [Clue.dept, *([Clue.kind] if by_kind else []), Clue.status, func.count()]
    stmt = (select(*cols).where(Clue.county_code == county_code, Clue.active.is_(True))
            .group_by(Clue.dept, *([Clue.kind] if by_kind else []), Clue.status))
    table: dict[tuple[str, ...], dict[str, Any]] = {}
    for row in session.execute(stmt):
        dept = row[0]
        kind = row[1] if by_kind else None
        status, n = row[-2], row[-1]
        key = (dept, kind) if by_kind else (dept,)
        entry = table.get(key)
        if entry is None:
            entry = {"dept": dept, "dept_label": DEPARTMENTS.get(dept, dept)}
            if by_kind:
                entry.update(kind=kind, kind_label=clue_kind_label(kind))
            entry.update({"total": 0, **{s: 0 for s in CLUE_STATUSES}})
            table[key] = entry
        entry["total"] += n
        entry[status] = entry.get(status, 0) + n
    order = {d: i for i, d in enumerate(DEPARTMENTS)}
    return sorted(table.values(), key=lambda e: (order.get(e["dept"], 99), e["dept"], e.get("kind") or ""))


def confirmed_clue_households(session: Session, county_code: str) -> set[str]:
    """Household numbers with at least one 属实 clue (active or not: a confirmed clue stays confirmed).

    Used for the certainty stratum (必查层) of a sample.
    """
    stmt = select(Clue.household_no).where(
        Clue.county_code == county_code, Clue.status == CLUE_CONFIRMED, Clue.household_no.is_not(None)
    ).distinct()
    return {h for h in session.scalars(stmt) if h}


def clue_households(session: Session, county_code: str, *, status: str | None = None) -> set[str]:
    """Household numbers with an active clue (optionally only of ``status``), e.g. for a sample's frame notes."""
    stmt = select(Clue.household_no).where(Clue.county_code == county_code, Clue.active.is_(True),
                                           Clue.household_no.is_not(None))
    if status is not None:
        stmt = stmt.where(Clue.status == status)
    return {h for h in session.scalars(stmt.distinct()) if h}
