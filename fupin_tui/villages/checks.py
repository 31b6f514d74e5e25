"""Village- and project-level rules of the rulebook (issue 8): levels, a loader, and the registered predicates.

Two levels join the rulebook's :data:`fupin_tui.checks.predicates.LEVELS`:

- ``village`` — one row per administrative village of the county (:class:`VillageTable`); a finding's ``target`` is
  the village's 12-digit code (or 乡镇/村名 when it has none), ``household_no`` is empty;
- ``project`` — one row per project followed by one row per beneficiary (:class:`ProjectTable`); a finding's
  ``target`` is the 项目编号 (``项目编号/户编号`` — or ``项目编号/第N行`` — on a beneficiary row), and
  ``household_id`` / ``household_no`` name the registered household a beneficiary row resolved to.

The tables are fetched ONCE per county and run (cached in ``CheckData.cache``) through the run's connection
(``CheckData.conn``); without a connection (data built from rows in tests) both tables are empty and the rules find
nothing. Money in 万元; counts in 户 / 人. The rules themselves are data: ``fupin_tui/villages/rulebook.toml``,
merged into the shipped rulebook by :func:`fupin_tui.checks.rulebook.load_rulebook`.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
from sqlalchemy import func, select

from fupin_tui.checks.frame import CheckData
from fupin_tui.checks.predicates import LEVELS, Hits, LevelSpec, RecordKey, hits, predicate
from fupin_tui.checks.rulebook import Params
from fupin_tui.idnumber import mask_id
from fupin_tui.models.tables import (
    Hamlet,
    Household,
    ImportFile,
    Member,
    OrgPerson,
    Project,
    ProjectBeneficiary,
    Township,
    Village,
)
from fupin_tui.villages.importer import COLLEGE_OFFICIAL, PARTY_MEMBER, household_ids_by_member_id
from fupin_tui.villages.organization import org_counts_by_village
from fupin_tui.villages.kinds import MONEY_PARTS, ORGANIZATION, SPECIAL_PARTS

_V, _T, _H, _M = Village.__table__, Township.__table__, Household.__table__, Member.__table__
_HM, _P, _B, _O, _IF = Hamlet.__table__, Project.__table__, ProjectBeneficiary.__table__, OrgPerson.__table__, \
    ImportFile.__table__

T = TypeVar("T")
_CACHE_VILLAGES = "villages:villages"
_CACHE_PROJECTS = "villages:projects"


# ======================================================================================================= tables


@dataclass
class VillageTable:
    """The county's villages as parallel lists (index = row of the ``village`` level).

    ``recorded``: the village has a row of the village table (``extra["village_table"]``); ``hamlets``: natural
    villages imported for it; ``households`` / ``people``: registered households and member rows of the roster;
    ``statuses``: per village, 脱贫属性 → number of households; ``org``: per village, ``{"党员": n, "大学生村官": n}``
    from the 组织部 list (None when the county has no 组织部 list).
    """

    ids: list[int] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)
    recorded: list[bool] = field(default_factory=list)
    hamlets: list[int] = field(default_factory=list)
    households: list[int] = field(default_factory=list)
    people: list[int] = field(default_factory=list)
    statuses: list[Counter] = field(default_factory=list)
    org: list[dict[str, int]] | None = None

    @property
    def n(self) -> int:
        return len(self.ids)

    def label(self, i: int) -> str:
        """``乡镇 村名`` of row ``i`` (for messages)."""
        r = self.rows[i]
        return f"{r['township']} {r['name']}" if r["township"] else r["name"]

    def target(self, i: int) -> str:
        """The finding target of row ``i``: the 12-digit code, else ``乡镇/村名``."""
        r = self.rows[i]
        return r["code"] or f"{r['township']}/{r['name']}"


@dataclass
class ProjectTable:
    """The county's projects then their beneficiaries (index = row of the ``project`` level).

    ``projects``: dicts of the :class:`~fupin_tui.models.Project` columns; ``beneficiaries``: dicts of the
    :class:`~fupin_tui.models.ProjectBeneficiary` columns plus ``project_index`` (row of its project) and the
    registered household it resolves to now — by (county, 户编号), else by a member's normalised ID: ``hh_id``,
    ``hh_no``, ``hh_type``, ``hh_status``, ``hh_removed`` (None when not registered).
    """

    projects: list[dict[str, Any]] = field(default_factory=list)
    beneficiaries: list[dict[str, Any]] = field(default_factory=list)

    @property
    def n(self) -> int:
        return len(self.projects) + len(self.beneficiaries)

    @property
    def n_projects(self) -> int:
        return len(self.projects)

    def project_mask(self) -> np.ndarray:
        """Boolean mask of the project rows."""
        m = np.zeros(self.n, dtype=bool)
        m[: self.n_projects] = True
        return m

    def beneficiary_listed(self, b: dict[str, Any]) -> str:
        """How a beneficiary is named in messages: its 户编号, else its masked ID, else its row."""
        if b.get("household_no"):
            return str(b["household_no"])
        if b.get("id_number"):
            return f"证件号码 {mask_id(str(b['id_number']))}"
        return f"第{b['row']}行"


def _county(d: CheckData) -> str:
    return d.county.code


def _cached(key: str) -> Callable[[Callable[[CheckData], T]], Callable[[CheckData], T]]:
    """A level table loaded once per county and run: kept in ``CheckData.cache`` under ``key``."""

    def wrap(load: Callable[[CheckData], T]) -> Callable[[CheckData], T]:
        @functools.wraps(load)
        def get(d: CheckData) -> T:
            table = d.cache.get(key)
            if table is None:
                table = d.cache[key] = load(d)
            return table

        return get

    return wrap


@_cached(_CACHE_VILLAGES)
def village_table(d: CheckData) -> VillageTable:
    """The ``village`` level's table for this county and run (loaded once, cached)."""
    t = VillageTable()
    conn = d.conn
    if conn is not None:
        code = _county(d)
        rows = conn.execute(
            select(_V, _T.c.name.label("township")).select_from(_V.outerjoin(_T, _T.c.id == _V.c.township_id))
            .where(_V.c.county_code == code).order_by(_V.c.id)
        ).all()
        hamlets = dict(conn.execute(select(_HM.c.village_id, func.count()).where(_HM.c.county_code == code)
                                    .group_by(_HM.c.village_id)).all())
        households = dict(conn.execute(select(_H.c.village_id, func.count()).where(_H.c.county_code == code)
                                       .group_by(_H.c.village_id)).all())
        people = dict(conn.execute(
            select(_H.c.village_id, func.count(_M.c.id)).select_from(_M.join(_H, _H.c.id == _M.c.household_id))
            .where(_H.c.county_code == code).group_by(_H.c.village_id)).all())
        statuses: dict[int, Counter] = {}
        for vid, status, n in conn.execute(select(_H.c.village_id, _H.c.poverty_status, func.count())
                                           .where(_H.c.county_code == code)
                                           .group_by(_H.c.village_id, _H.c.poverty_status)):
            statuses.setdefault(vid, Counter())[(status or "").strip()] += n
        has_org = bool(conn.execute(select(func.count()).select_from(_O).where(_O.c.county_code == code)).scalar())
        org: dict[int, dict[str, int]] = {}
        if has_org:
            org = org_counts_by_village(conn, code)
            t.org = []
        for r in rows:
            m = dict(r._mapping)
            extra = m.get("extra") or {}
            vid = m["id"]
            t.ids.append(vid)
            t.rows.append({"name": m["name"], "township": m.get("township") or "", "code": m.get("code") or "",
                           **{k: m.get(k) for k in ("is_poor_village", "delisted", "delisted_year", "party_members",
                                                    "college_officials", "total_households", "total_population",
                                                    "poor_households", "poor_population")}})
            t.recorded.append(isinstance(extra, dict) and "village_table" in extra)
            t.hamlets.append(int(hamlets.get(vid, 0)))
            t.households.append(int(households.get(vid, 0)))
            t.people.append(int(people.get(vid, 0)))
            t.statuses.append(statuses.get(vid, Counter()))
            if t.org is not None:
                t.org.append(org.get(vid, {PARTY_MEMBER: 0, COLLEGE_OFFICIAL: 0}))
    return t


@_cached(_CACHE_PROJECTS)
def project_table(d: CheckData) -> ProjectTable:
    """The ``project`` level's table for this county and run (loaded once, cached)."""
    t = ProjectTable()
    conn = d.conn
    if conn is not None:
        code = _county(d)
        t.projects = [dict(r._mapping) for r in conn.execute(
            select(_P).where(_P.c.county_code == code).order_by(_P.c.id))]
        index = {p["id"]: i for i, p in enumerate(t.projects)}
        households = {r.household_no: r for r in conn.execute(
            select(_H.c.id, _H.c.household_no, _H.c.household_type, _H.c.poverty_status, _H.c.extra)
            .where(_H.c.county_code == code))}
        by_id = {r.id: r for r in households.values()}
        bens = [dict(r._mapping) for r in conn.execute(
            select(_B).where(_B.c.county_code == code).order_by(_B.c.project_id, _B.c.row, _B.c.id))]
        id_household = household_ids_by_member_id(conn, code, (
            b.get("id_norm") for b in bens if not (b.get("household_no") and b["household_no"] in households)))
        for b in bens:
            if b["project_id"] not in index:
                continue
            b["project_index"] = index[b["project_id"]]
            hh = households.get(b.get("household_no") or "")
            if hh is None and b.get("id_norm"):
                hh = by_id.get(id_household.get(b["id_norm"], -1))
            b["hh_id"] = hh.id if hh is not None else None
            b["hh_no"] = hh.household_no if hh is not None else None
            b["hh_type"] = (hh.household_type or "").strip() if hh is not None else None
            b["hh_status"] = (hh.poverty_status or "").strip() if hh is not None else None
            b["hh_removed"] = bool((hh.extra or {}).get("removed")) if hh is not None and isinstance(
                hh.extra, dict) else False
            t.beneficiaries.append(b)
    return t


def _village_keys(d: CheckData, i: int) -> RecordKey:
    return RecordKey(None, None, None, village_table(d).target(i))


def _project_keys(d: CheckData, i: int) -> RecordKey:
    t = project_table(d)
    if i < t.n_projects:
        return RecordKey(None, None, None, str(t.projects[i]["project_no"]))
    b = t.beneficiaries[i - t.n_projects]
    listed = b.get("household_no") or f"第{b['row']}行"
    return RecordKey(b.get("hh_id"), b.get("hh_no"), None, f"{b['project_no']}/{listed}")


LEVELS.setdefault("village", LevelSpec("village", _village_keys))
LEVELS.setdefault("project", LevelSpec("project", _project_keys))


def _county_has(d: CheckData, kind: str) -> bool:
    """True when a sheet of ``kind`` was imported for the county (a check about a table that was never imported
    would only say "table missing" for every record)."""
    key = f"villages:has:{kind}"
    if key not in d.cache:
        d.cache[key] = bool(d.conn is not None and d.conn.execute(
            select(func.count()).select_from(_IF).where(_IF.c.county_code == _county(d), _IF.c.kind == kind)).scalar())
    return d.cache[key]


# =================================================================================================== predicates


def _n(value: Any) -> int | None:
    return None if value is None else int(value)


@predicate("village_poor_without_hamlets", "village")
def village_poor_without_hamlets(d: CheckData, p: Params) -> Hits:
    """Poor villages (是否贫困村 = 是 in the village table) without a natural-village record. Values: ``village``,
    ``code``."""
    t = village_table(d)
    mask = np.array([bool(t.rows[i]["is_poor_village"]) and t.hamlets[i] == 0 for i in range(t.n)], dtype=bool)
    return hits(mask, village={i: t.label(i) for i in range(t.n)}, code={i: t.rows[i]["code"] for i in range(t.n)})


@predicate("village_delisted_unlifted", "village", params=("max_unlifted_share", "statuses"))
def village_delisted_unlifted(d: CheckData, p: Params) -> Hits:
    """摘帽 villages whose registered households include more than ``max_unlifted_share`` (a fraction, e.g. 0.2) of
    households whose 脱贫属性 is in ``statuses`` (未脱贫, 返贫). Values: ``village``, ``delisted_year``, ``households``,
    ``unlifted``, ``share`` (text, %), ``max_share`` (text, %)."""
    t = village_table(d)
    statuses = set(p["statuses"])
    limit = float(p["max_unlifted_share"])
    mask = np.zeros(t.n, dtype=bool)
    unlifted: dict[int, int] = {}
    share: dict[int, str] = {}
    for i in range(t.n):
        if not t.rows[i]["delisted"] or not t.households[i]:
            continue
        u = sum(n for s, n in t.statuses[i].items() if s in statuses)
        frac = u / t.households[i]
        if frac > limit:
            mask[i] = True
            unlifted[i] = u
            share[i] = f"{frac:.0%}"
    return hits(mask, village={i: t.label(i) for i in range(t.n)},
                delisted_year={i: t.rows[i]["delisted_year"] or "" for i in range(t.n)},
                households={i: t.households[i] for i in range(t.n)}, unlifted=unlifted, share=share,
                max_share=f"{limit:.0%}")


@predicate("village_counts_vs_roster", "village", params=("tolerance",))
def village_counts_vs_roster(d: CheckData, p: Params) -> Hits:
    """Villages whose village-table counts disagree with the roster: 贫困户数 ≠ registered households or 贫困人口数 ≠
    member rows (by more than ``tolerance``), or 总户数 / 总人口 below the registered households / people. Only villages
    with a village-table row. Values: ``village``, ``differences`` (Chinese list)."""
    t = village_table(d)
    tol = float(p["tolerance"])
    diffs: dict[int, list[str]] = {}
    for i in range(t.n):
        if not t.recorded[i]:
            continue
        r = t.rows[i]
        out = []
        hh, pp = t.households[i], t.people[i]
        if r["poor_households"] is not None and abs(r["poor_households"] - hh) > tol:
            out.append(f"贫困户数 {r['poor_households']}，花名册 {hh} 户")
        if r["poor_population"] is not None and abs(r["poor_population"] - pp) > tol:
            out.append(f"贫困人口数 {r['poor_population']}，花名册 {pp} 人")
        if r["total_households"] is not None and r["total_households"] < hh:
            out.append(f"总户数 {r['total_households']} 少于花名册 {hh} 户")
        if r["total_population"] is not None and r["total_population"] < pp:
            out.append(f"总人口 {r['total_population']} 少于花名册 {pp} 人")
        if out:
            diffs[i] = out
    mask = np.zeros(t.n, dtype=bool)
    mask[list(diffs)] = True
    return hits(mask, village={i: t.label(i) for i in range(t.n)}, differences=diffs)


@predicate("village_org_counts", "village", params=("tolerance",))
def village_org_counts(d: CheckData, p: Params) -> Hits:
    """Villages whose 党员数 / 大学生村官数 differ (by more than ``tolerance``) from the 组织部 list's people placed in
    the village. Only when the county has a 组织部 list and the village a village-table row. Values: ``village``,
    ``differences`` (Chinese list)."""
    t = village_table(d)
    mask = np.zeros(t.n, dtype=bool)
    if t.org is None or not _county_has(d, ORGANIZATION):
        return hits(mask)
    tol = float(p["tolerance"])
    diffs: dict[int, list[str]] = {}
    for i in range(t.n):
        if not t.recorded[i]:
            continue
        r, org = t.rows[i], t.org[i]
        out = []
        if r["party_members"] is not None and abs(r["party_members"] - org[PARTY_MEMBER]) > tol:
            out.append(f"党员数 {r['party_members']}，组织部名单 {org[PARTY_MEMBER]} 人")
        if r["college_officials"] is not None and abs(r["college_officials"] - org[COLLEGE_OFFICIAL]) > tol:
            out.append(f"大学生村官数 {r['college_officials']}，组织部名单 {org[COLLEGE_OFFICIAL]} 人")
        if out:
            diffs[i] = out
    mask[list(diffs)] = True
    return hits(mask, village={i: t.label(i) for i in range(t.n)}, differences=diffs)


def _money(p: dict[str, Any], f: str) -> float:
    v = p.get(f)
    return 0.0 if v is None else float(v)


@predicate("project_parts_sum", "project", params=("tolerance",))
def project_parts_sum(d: CheckData, p: Params) -> Hits:
    """Projects whose 总投资 differs from the sum of its parts (财政专项扶贫资金 中央/省/市县, 行业部门资金, 社会帮扶资金,
    信贷资金, 群众自筹, 其他; blank parts count 0) by more than ``tolerance`` 万元. Values: ``project_no``, ``name``,
    ``total``, ``parts_sum``, ``difference`` (万元)."""
    t = project_table(d)
    tol = float(p["tolerance"])
    mask = np.zeros(t.n, dtype=bool)
    sums: dict[int, float] = {}
    for i, pr in enumerate(t.projects):
        if pr.get("total") is None:
            continue
        s = round(sum(_money(pr, f) for f in MONEY_PARTS), 4)
        if abs(float(pr["total"]) - s) > tol + 1e-9:
            mask[i] = True
            sums[i] = s
    return hits(mask, project_no={i: pr["project_no"] for i, pr in enumerate(t.projects)},
                name={i: pr.get("name") or "" for i, pr in enumerate(t.projects)},
                total={i: pr.get("total") for i, pr in enumerate(t.projects)}, parts_sum=sums,
                difference={i: round(float(t.projects[i]["total"]) - s, 4) for i, s in sums.items()})


@predicate("project_no_special_funds", "project")
def project_no_special_funds(d: CheckData, p: Params) -> Hits:
    """Projects without 财政专项扶贫资金 (中央, 省 and 市县 all blank or 0). Values: ``project_no``, ``name``,
    ``total`` (万元)."""
    t = project_table(d)
    mask = np.zeros(t.n, dtype=bool)
    for i, pr in enumerate(t.projects):
        if sum(_money(pr, f) for f in SPECIAL_PARTS) <= 0:
            mask[i] = True
    return hits(mask, project_no={i: pr["project_no"] for i, pr in enumerate(t.projects)},
                name={i: pr.get("name") or "" for i, pr in enumerate(t.projects)},
                total={i: pr.get("total") for i, pr in enumerate(t.projects)})


def _beneficiary_values(t: ProjectTable, rows: dict[int, dict[str, Any]]) -> dict[str, dict[int, Any]]:
    return {
        "project_no": {i: b["project_no"] for i, b in rows.items()},
        "beneficiary": {i: t.beneficiary_listed(b) for i, b in rows.items()},
        "row": {i: b["row"] for i, b in rows.items()},
    }


@predicate("project_beneficiary_unregistered", "project")
def project_beneficiary_unregistered(d: CheckData, p: Params) -> Hits:
    """Beneficiaries that are no registered household of the county's roster (neither the 户编号 nor the ID matches).
    Values: ``project_no``, ``beneficiary`` (户编号, or the masked ID), ``row``."""
    t = project_table(d)
    mask = np.zeros(t.n, dtype=bool)
    rows: dict[int, dict[str, Any]] = {}
    for k, b in enumerate(t.beneficiaries):
        if b["hh_id"] is None:
            i = t.n_projects + k
            mask[i] = True
            rows[i] = b
    return hits(mask, **_beneficiary_values(t, rows))


@predicate("project_beneficiary_not_poor", "project", params=("household_types", "statuses"))
def project_beneficiary_not_poor(d: CheckData, p: Params) -> Hits:
    """Beneficiaries whose registered household is not a poor household: its 贫困户属性 is in ``household_types``
    (一般农户 …), its 脱贫属性 in ``statuses``, or it was dropped by a corrected roster. Values: ``project_no``,
    ``beneficiary``, ``row``, ``household_type``, ``poverty_status``."""
    t = project_table(d)
    types, statuses = set(p["household_types"]), set(p["statuses"])
    mask = np.zeros(t.n, dtype=bool)
    rows: dict[int, dict[str, Any]] = {}
    for k, b in enumerate(t.beneficiaries):
        if b["hh_id"] is None:
            continue
        if b["hh_type"] in types or b["hh_status"] in statuses or b["hh_removed"]:
            i = t.n_projects + k
            mask[i] = True
            rows[i] = b
    return hits(mask, **_beneficiary_values(t, rows),
                household_type={i: b["hh_type"] or "" for i, b in rows.items()},
                poverty_status={i: ("已从花名册删除" if b["hh_removed"] else b["hh_status"] or "")
                                for i, b in rows.items()})


@predicate("project_duplicate_beneficiary", "project")
def project_duplicate_beneficiary(d: CheckData, p: Params) -> Hits:
    """The same household listed more than once in one project (by the registered household it resolves to, else by
    the listed 户编号 / ID). One hit per household and project, on its first row. Values: ``project_no``,
    ``beneficiary``, ``count``, ``rows``."""
    t = project_table(d)
    groups: dict[tuple[int, Any], list[int]] = {}
    for k, b in enumerate(t.beneficiaries):
        key = b["hh_id"] if b["hh_id"] is not None else (b.get("household_no") or b.get("id_norm"))
        if key is None:
            continue
        groups.setdefault((b["project_index"], key), []).append(k)
    mask = np.zeros(t.n, dtype=bool)
    rows: dict[int, dict[str, Any]] = {}
    count: dict[int, int] = {}
    where: dict[int, list[int]] = {}
    for ks in groups.values():
        if len(ks) < 2:
            continue
        i = t.n_projects + ks[0]
        mask[i] = True
        rows[i] = t.beneficiaries[ks[0]]
        count[i] = len(ks)
        where[i] = sorted({t.beneficiaries[k]["row"] for k in ks})
    return hits(mask, **_beneficiary_values(t, rows), count=count, rows=where)
