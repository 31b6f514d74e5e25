"""The 组织部 comparison (issue 8): the list of party members and 大学生村官 against the villages and the roster.

Two comparisons, as the notice asks:

- per village, the list's counts of 党员 and 大学生村官 against the village record's 党员数 / 大学生村官数 — a village-level
  rule of the rulebook (``village_org_counts`` in :mod:`fupin_tui.villages.checks`), computed by
  :func:`org_counts_by_village`;
- by ID, against the roster: a 大学生村官 (or a person whose 职务 names a village office) of the list who is a
  registered member is a clue (线索) of department ``organization``, kind ``village_official_registered``, written
  with the department comparison's :func:`fupin_tui.compare.store.upsert_clues` so verdicts survive re-runs. Party
  members who are registered are not clues by themselves (poor party members exist).

Policy source: the Hubei notice of 2016 (鄂扶贫发〔2016〕) on 建档立卡 data checks — the "四类人员" exclusion rule:
村干部 (and salaried 大学生村官) are not to be registered as poor.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine

from fupin_tui.compare.store import clue_key, upsert_clues
from fupin_tui.glossary import DEPARTMENTS
from fupin_tui.models.db import bulk_connection
from fupin_tui.models.tables import Household, Member, OrgPerson, Village
from fupin_tui.villages.importer import COLLEGE_OFFICIAL, PARTY_MEMBER

DEPT = "organization"
KIND = "village_official_registered"
#: Words of a 职务 that make a person a village official (村干部): same list as the comparison's ``village_official``.
OFFICIAL_POSITIONS: tuple[str, ...] = ("村官", "书记", "主任", "村委", "支委", "村干部")

_O = OrgPerson.__table__
_M = Member.__table__
_H = Household.__table__
_V = Village.__table__


def is_official(kind: str | None, position: str | None) -> bool:
    """True for a 大学生村官, or a person whose 职务 contains a village-office word (:data:`OFFICIAL_POSITIONS`)."""
    if kind == COLLEGE_OFFICIAL:
        return True
    pos = position or ""
    return any(w in pos for w in OFFICIAL_POSITIONS)


def organization_clues(conn: Connection, county_code: str) -> list[dict[str, Any]]:
    """The clues of the county's 组织部 list (dicts for :func:`upsert_clues`): one per registered member who is a
    village official on the list. ``their_value``: 身份类别/职务 and village on the list; ``our_value``: the member's
    registration (脱贫属性, 贫困户属性)."""
    people = conn.execute(
        select(_O.c.id_norm, _O.c.kind, _O.c.position, _O.c.village_name, _O.c.source_row, _O.c.source_file_id)
        .where(_O.c.county_code == county_code, _O.c.id_norm.is_not(None))
        .order_by(_O.c.source_file_id, _O.c.source_row)
    ).all()
    officials = [p for p in people if is_official(p.kind, p.position)]
    if not officials:
        return []
    wanted = sorted({p.id_norm for p in officials})
    members: dict[str, list[Any]] = {}
    for i in range(0, len(wanted), 500):
        for m in conn.execute(
            select(_M.c.id_norm, _M.c.member_no, _M.c.household_id, _M.c.household_no, _H.c.poverty_status,
                   _H.c.household_type, _V.c.name.label("village"))
            .join(_H, _H.c.id == _M.c.household_id).outerjoin(_V, _V.c.id == _H.c.village_id)
            .where(_M.c.county_code == county_code, _M.c.id_norm.in_(wanted[i:i + 500]))
        ):
            members.setdefault(m.id_norm, []).append(m)
    from fupin_tui.models.tables import ImportFile

    files = dict(conn.execute(select(ImportFile.__table__.c.id, ImportFile.__table__.c.name)
                              .where(ImportFile.__table__.c.county_code == county_code)).all())
    out = []
    for p in officials:
        for m in members.get(p.id_norm, []):
            role = p.kind or ""
            if p.position and p.position not in role:
                role = f"{role}（{p.position}）" if role else p.position
            their = f"{role} {p.village_name}".strip()
            status = "、".join(x for x in (m.poverty_status, m.household_type) if x) or "建档立卡成员"
            out.append({
                "key": clue_key(DEPT, KIND, m.household_no, m.member_no, their),
                "dept": DEPT, "kind": KIND, "household_id": m.household_id, "household_no": m.household_no,
                "member_no": m.member_no, "their_value": their, "our_value": f"建档立卡成员（{status}）",
                "message": (f"{DEPARTMENTS[DEPT]}名单上该成员为“{role}”（{p.village_name or '村不详'}），"
                            "村干部、大学生村官不应识别为贫困人口，请核实"),
                "severity": "严重", "category": "eligibility",
                "suggestion": "核实是否在任；属实的按“四类人员”清退",
                "source_file": files.get(p.source_file_id, ""), "source_row": p.source_row,
            })
    return out


def refresh_organization_clues(conn: Connection, county_code: str) -> dict[str, int]:
    """Recompute the county's ``village_official_registered`` clues and upsert them (only that kind is touched:
    clues no longer produced are deactivated, verdicts kept). Returns the upsert counts."""
    return upsert_clues(conn, county_code, organization_clues(conn, county_code), depts=[DEPT], kinds=[KIND])


def compare_organization(engine: Engine, county_code: str) -> dict[str, int]:
    """:func:`refresh_organization_clues` in its own transaction (e.g. after a roster was imported after the list)."""
    with bulk_connection(engine) as conn:
        return refresh_organization_clues(conn, county_code)


def org_counts_by_village(conn: Connection, county_code: str) -> dict[int, dict[str, int]]:
    """village id → ``{"党员": n, "大学生村官": n}`` counted from the county's 组织部 list (people placed in a village)."""
    out: dict[int, dict[str, int]] = {}
    for vid, kind in conn.execute(select(_O.c.village_id, _O.c.kind).where(
            _O.c.county_code == county_code, _O.c.village_id.is_not(None))):
        c = out.setdefault(vid, {PARTY_MEMBER: 0, COLLEGE_OFFICIAL: 0})
        if kind in c:
            c[kind] += 1
    return out
