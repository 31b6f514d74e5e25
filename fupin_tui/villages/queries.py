"""Read-side of issue 8 for the screens and the report: village context, projects of a household, the village view,
and the rows of the report sheets 村级信息 and 帮扶项目 with their findings.

Every function takes an open :class:`sqlmodel.Session` and returns plain dicts and lists (JSON-ready, no ORM rows),
so a screen can keep them after the session closes. Money in 万元; counts in 户 / 人. A beneficiary is matched to a
household now (by county and 户编号, else by a member's normalised ID), so projects imported before the roster still
find their households.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import func, or_, select
from sqlmodel import Session

from fupin_tui.glossary import NOT_LIFTED
from fupin_tui.idnumber import id_key
from fupin_tui.models.tables import (
    Finding,
    Hamlet,
    Household,
    Member,
    OrgPerson,
    Project,
    ProjectBeneficiary,
    Sample,
    SampleItem,
    Township,
    Village,
)
from fupin_tui.villages.importer import COLLEGE_OFFICIAL, PARTY_MEMBER
from fupin_tui.villages.kinds import MONEY_FIELDS, SPECIAL_PARTS

__all__ = [
    "UNLIFTED_STATUSES", "hamlet_display_rows", "project_display_rows", "project_rows", "project_sheet_rows",
    "projects_for_household", "village_context", "village_sheet_rows", "village_view",
]

#: 脱贫属性 values of a household that is not (or no longer) lifted.
UNLIFTED_STATUSES: tuple[str, ...] = (NOT_LIFTED, "返贫")
_YN = {True: "是", False: "否", None: "未知"}
_VILLAGE_FIELDS = ("is_poor_village", "delisted", "delisted_year", "party_members", "college_officials",
                   "total_households", "total_population", "poor_households", "poor_population")


def _household(session: Session, household: Any) -> Household | None:
    if isinstance(household, Household):
        return household
    if household is None:
        return None
    return session.get(Household, int(household))


def _village_record(v: Village, township: str) -> dict[str, Any]:
    extra = v.extra if isinstance(v.extra, dict) else {}
    return {"id": v.id, "county_code": v.county_code, "township": township, "name": v.name, "code": v.code or "",
            **{f: getattr(v, f) for f in _VILLAGE_FIELDS}, "recorded": "village_table" in extra}


def _village_target(v: Village, township: str) -> str:
    return v.code or f"{township}/{v.name}"


def _counts(session: Session, village_id: int) -> dict[str, int]:
    households = session.scalar(select(func.count()).select_from(Household)
                                .where(Household.village_id == village_id)) or 0
    people = session.scalar(select(func.count(Member.id)).join(Household, Household.id == Member.household_id)
                            .where(Household.village_id == village_id)) or 0
    unlifted = session.scalar(select(func.count()).select_from(Household).where(
        Household.village_id == village_id, Household.poverty_status.in_(UNLIFTED_STATUSES))) or 0
    hamlets = session.scalar(select(func.count()).select_from(Hamlet).where(Hamlet.village_id == village_id)) or 0
    return {"registered_households": int(households), "registered_people": int(people),
            "unlifted_households": int(unlifted), "hamlets": int(hamlets)}


def _village_project_ids(session: Session, village: Village) -> list[int]:
    """Projects of a village: placed in it, or with a beneficiary household of it."""
    by_place = set(session.scalars(select(Project.id).where(Project.village_id == village.id)))
    hh_nos = select(Household.household_no).where(Household.village_id == village.id)
    by_ben = set(session.scalars(select(ProjectBeneficiary.project_id).where(
        ProjectBeneficiary.county_code == village.county_code, ProjectBeneficiary.household_no.in_(hh_nos))))
    by_hid = set(session.scalars(select(ProjectBeneficiary.project_id).join(
        Household, Household.id == ProjectBeneficiary.household_id).where(Household.village_id == village.id)))
    return sorted(by_place | by_ben | by_hid)


def _context_lines(rec: dict[str, Any], counts: dict[str, int], projects: int) -> list[str]:
    if rec.get("is_poor_village") is None and not rec.get("recorded"):
        return [f"行政村：{rec['township']} {rec['name']}（未导入行政村信息表）"]
    poor = _YN[rec.get("is_poor_village")]
    line = f"贫困村：{poor}"
    if rec.get("delisted"):
        year = rec.get("delisted_year")
        line += f"，已摘帽（{year}年）" if year else "，已摘帽"
    elif rec.get("delisted") is False and rec.get("is_poor_village"):
        line += "，未摘帽"
    lines = [line]
    parts = []
    if rec.get("total_households") is not None:
        parts.append(f"总户数 {rec['total_households']}")
    if rec.get("poor_households") is not None:
        parts.append(f"贫困户 {rec['poor_households']}（花名册 {counts['registered_households']}）")
    if rec.get("poor_population") is not None:
        parts.append(f"贫困人口 {rec['poor_population']}（花名册 {counts['registered_people']}）")
    if parts:
        lines.append("村级信息：" + "，".join(parts))
    lines.append(f"未脱贫户 {counts['unlifted_households']} 户；自然村 {counts['hamlets']} 个；帮扶项目 {projects} 个")
    return lines


def village_context(session: Session, household: Any) -> dict[str, Any]:
    """The village context of a household for the household screen.

    ``household``: a household id (or a :class:`Household`). Returns ``{}`` when the household does not exist or has
    no village; else ``village_id``, ``township``, ``village``, ``code``, the village record's fields
    (``is_poor_village``, ``delisted``, ``delisted_year``, ``party_members``, ``college_officials``,
    ``total_households``, ``total_population``, ``poor_households``, ``poor_population``; None when not imported),
    ``recorded`` (the village table gave a row), roster counts (``registered_households``, ``registered_people``,
    ``unlifted_households``), ``hamlets`` and ``projects`` (numbers), ``household_projects`` (projects this household
    benefited from) and ``lines`` (Chinese lines to show).

    Compatibility: given a :class:`Village` row instead (as ``fupin_tui.review.village_detail`` calls it), returns
    :func:`village_view` of that village with ``hamlets`` and ``projects`` as display rows keyed by Chinese column
    names (:func:`hamlet_display_rows`, :func:`project_display_rows`: the village screen shows a dict's keys as column
    headers); the raw rows stay under ``hamlet_rows`` / ``project_rows``.
    """
    if isinstance(household, Village):
        view = village_view(session, household.id)
        if view:
            view["hamlet_rows"], view["project_rows"] = view["hamlets"], view["projects"]
            view["hamlets"] = hamlet_display_rows(view["hamlets"])
            view["projects"] = project_display_rows(view["projects"])
        return view
    h = _household(session, household)
    if h is None or h.village_id is None:
        return {}
    v = session.get(Village, h.village_id)
    if v is None:
        return {}
    township = session.get(Township, v.township_id)
    rec = _village_record(v, township.name if township else "")
    counts = _counts(session, v.id)
    n_projects = len(_village_project_ids(session, v))
    mine = len(projects_for_household(session, h))
    return {
        "household_id": h.id, "village_id": v.id, "village": v.name, **{k: rec[k] for k in (
            "township", "code", "recorded", *_VILLAGE_FIELDS)},
        **counts, "projects": n_projects, "household_projects": mine,
        "lines": _context_lines(rec, counts, n_projects),
    }


def _money_text(value: Any) -> str:
    return "" if value is None else f"{value:g}"


def hamlet_display_rows(hamlets: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """:func:`village_view` hamlet rows keyed by Chinese column names (自然村, 户数, 人口, 通路, 通电, 通自来水, 通宽带)."""
    return [{"自然村": h["name"], "户数": h["households"], "人口": h["population"], "通路": h["road"] or "",
             "通电": h["electricity"] or "", "通自来水": h["tap_water"] or "", "通宽带": h["broadband"] or ""}
            for h in hamlets]


def project_display_rows(projects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """:func:`village_view` project rows keyed by Chinese column names (项目编号, 项目类别, 项目名称, 年度, 总投资（万元）,
    财政专项（万元）, 受益户, 本村受益户)."""
    return [{"项目编号": p["project_no"], "项目类别": p["category"], "项目名称": p["name"], "年度": p["year"] or "",
             "总投资（万元）": _money_text(p["total"]), "财政专项（万元）": _money_text(p["special"]),
             "受益户": p.get("beneficiaries", ""), "本村受益户": p.get("village_beneficiaries", "")} for p in projects]


def _project_dict(p: Project, village: str = "") -> dict[str, Any]:
    special = None
    if any(getattr(p, f) is not None for f in SPECIAL_PARTS):
        special = round(sum(getattr(p, f) or 0.0 for f in SPECIAL_PARTS), 4)
    return {
        "id": p.id, "project_no": p.project_no, "category": p.category or "", "name": p.name or "", "year": p.year,
        "township": p.township, "village": village or p.village_name,
        **{f: getattr(p, f) for f in MONEY_FIELDS}, "special": special, "beneficiary_count": p.beneficiary_count,
    }


def _label(d: dict[str, Any]) -> str:
    total = d.get("total")
    money = f"，总投资 {total:g} 万元" if isinstance(total, (int, float)) else ""
    special = d.get("special")
    special_text = f"（财政专项 {special:g} 万元）" if isinstance(special, (int, float)) else ""
    year = f"{d['year']}年 " if d.get("year") else ""
    return f"{year}{d['category'] or '项目'}：{d['name'] or d['project_no']}{money}{special_text}"


def projects_for_household(session: Session, household: Any) -> list[dict[str, Any]]:
    """The assistance projects a household benefited from (listed by its 户编号, a member's ID or the head's ID of the
    income table), in project order.

    ``household``: a household id (or a :class:`Household`). Each dict: ``id``, ``project_no``, ``category``,
    ``name``, ``year``, ``township``, ``village``, money in 万元 (``total``, ``central_special``,
    ``provincial_special``, ``local_special``, ``industry``, ``social``, ``credit``, ``self_raised``, ``other``,
    ``special`` = the three 财政专项 parts), ``beneficiary_count``, ``times`` (how often the household is listed in the
    project), ``label`` (one Chinese line). Empty when the household does not exist or benefited from nothing.
    """
    h = _household(session, household)
    if h is None:
        return []
    ids = {x for x in session.scalars(select(Member.id_norm).where(Member.household_id == h.id,
                                                                   Member.id_norm.is_not(None)))}
    head = id_key(h.head_id_number) if h.head_id_number else None
    if head:
        ids.add(head)
    ids = sorted(ids)
    cond = [ProjectBeneficiary.household_no == h.household_no, ProjectBeneficiary.household_id == h.id]
    if ids:
        cond.append(ProjectBeneficiary.id_norm.in_(ids))
    times = Counter(session.scalars(select(ProjectBeneficiary.project_id).where(
        ProjectBeneficiary.county_code == h.county_code, or_(*cond))))
    if not times:
        return []
    out = []
    for p, vname in session.execute(select(Project, Village.name).outerjoin(Village, Village.id == Project.village_id)
                                    .where(Project.id.in_(list(times))).order_by(Project.year, Project.project_no,
                                                                                 Project.id)):
        d = _project_dict(p, vname or "")
        d["times"] = times[p.id]
        d["label"] = _label(d)
        out.append(d)
    return out


def _findings_by_target(session: Session, county: str, level: str) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for f in session.scalars(select(Finding).where(Finding.county_code == county, Finding.level == level)
                             .order_by(Finding.rule_id, Finding.target)):
        out.setdefault(f.target, []).append({"rule_id": f.rule_id, "severity": f.severity, "category": f.category,
                                             "message": f.message, "target": f.target,
                                             "household_no": f.household_no or ""})
    return out


def _project_findings(found: dict[str, list[dict[str, Any]]], project_no: str) -> list[dict[str, Any]]:
    out = list(found.get(project_no, []))
    prefix = f"{project_no}/"
    for target, rows in found.items():
        if target.startswith(prefix):
            out.extend(rows)
    return out


def village_view(session: Session, village_id: int) -> dict[str, Any]:
    """Everything the village view shows for one administrative village.

    Returns ``{}`` for an unknown id, else: ``village`` (the record: ``id``, ``township``, ``name``, ``code``, the
    village-table fields, ``recorded``), ``township``, ``counts`` (registered households / people, unlifted
    households, hamlets), ``lines`` (Chinese context lines), ``hamlets`` (dicts: ``name``, ``households``,
    ``population``, ``road``, ``electricity``, ``tap_water``, ``broadband``), ``projects`` (dicts as
    :func:`projects_for_household` plus ``beneficiaries`` listed and ``village_beneficiaries`` of this village),
    ``households`` (registered households), ``sampled`` (the village's households in the active sample: ``order``,
    ``household_no``, ``head_name``, ``size``, ``household_type``, ``poverty_status``, ``status``, ``stratum``),
    ``org`` (``{"党员": n, "大学生村官": n}`` from the 组织部 list, None without a list) and ``findings`` (the
    village's village-level findings: ``rule_id``, ``severity``, ``category``, ``message``).
    """
    v = session.get(Village, village_id)
    if v is None:
        return {}
    township = session.get(Township, v.township_id)
    tname = township.name if township else ""
    rec = _village_record(v, tname)
    counts = _counts(session, v.id)
    hamlets = [{"name": hm.name, "households": hm.households, "population": hm.population, "road": hm.road,
                "electricity": hm.electricity, "tap_water": hm.tap_water, "broadband": hm.broadband}
               for hm in session.scalars(select(Hamlet).where(Hamlet.village_id == v.id).order_by(Hamlet.id))]
    pids = _village_project_ids(session, v)
    hh_nos = set(session.scalars(select(Household.household_no).where(Household.village_id == v.id)))
    projects = []
    if pids:
        listed: dict[int, list[str | None]] = {}
        for pid, no in session.execute(select(ProjectBeneficiary.project_id, ProjectBeneficiary.household_no)
                                       .where(ProjectBeneficiary.project_id.in_(pids))):
            listed.setdefault(pid, []).append(no)
        for p, vname in session.execute(
                select(Project, Village.name).outerjoin(Village, Village.id == Project.village_id)
                .where(Project.id.in_(pids)).order_by(Project.year, Project.project_no)):
            d = _project_dict(p, vname or "")
            nos = listed.get(p.id, [])
            d["beneficiaries"] = len(nos)
            d["village_beneficiaries"] = sum(1 for no in nos if no in hh_nos)
            d["label"] = _label(d)
            projects.append(d)
    sampled = []
    sample = session.scalars(select(Sample).where(Sample.county_code == v.county_code, Sample.active.is_(True))
                             .order_by(Sample.id.desc())).first()
    if sample is not None:
        for order, no, head, size, htype, status_p, status, stratum in session.execute(
            select(SampleItem.order, Household.household_no, Household.head_name, Household.size,
                   Household.household_type, Household.poverty_status, SampleItem.status, SampleItem.stratum)
            .join(Household, Household.id == SampleItem.household_id)
            .where(SampleItem.sample_id == sample.id, Household.village_id == v.id).order_by(SampleItem.order)
        ):
            sampled.append({"order": order, "household_no": no, "head_name": head or "", "size": size,
                            "household_type": htype or "", "poverty_status": status_p or "", "status": status,
                            "stratum": stratum or ""})
    org = None
    if session.scalar(select(func.count()).select_from(OrgPerson).where(OrgPerson.county_code == v.county_code)):
        kinds = Counter(session.scalars(select(OrgPerson.kind).where(OrgPerson.village_id == v.id)))
        org = {PARTY_MEMBER: kinds.get(PARTY_MEMBER, 0), COLLEGE_OFFICIAL: kinds.get(COLLEGE_OFFICIAL, 0)}
    findings = _findings_by_target(session, v.county_code, "village").get(_village_target(v, tname), [])
    return {
        "village": rec, "township": tname, "counts": counts, "lines": _context_lines(rec, counts, len(projects)),
        "hamlets": hamlets, "projects": projects, "households": counts["registered_households"], "sampled": sampled,
        "org": org, "findings": findings,
    }


def village_sheet_rows(session: Session, county_code: str) -> list[dict[str, Any]]:
    """Rows of the report sheet 村级信息: one per village of the county (township, then name).

    Keys: ``township``, ``village``, ``code``, the village-table fields (None when not imported), ``recorded``,
    ``registered_households``, ``registered_people``, ``unlifted_households``, ``hamlets``, ``org_party_members``
    / ``org_college_officials`` (None without a 组织部 list), ``projects``, ``findings`` (the village's findings:
    dicts with ``rule_id``, ``severity``, ``category``, ``message``). Empty when no village table was imported.
    """
    # Sorted here, not by ORDER BY: a PostgreSQL server with a Chinese collation orders names by pinyin, SQLite by
    # code point; the report must read the same on both backends.
    villages = sorted(session.execute(
        select(Village, Township.name).outerjoin(Township, Township.id == Village.township_id)
        .where(Village.county_code == county_code)).all(), key=lambda r: (r[1] or "", r[0].name or "", r[0].id))
    if not villages:
        return []
    hh = dict(session.execute(select(Household.village_id, func.count()).where(Household.county_code == county_code)
                              .group_by(Household.village_id)).all())
    people = dict(session.execute(
        select(Household.village_id, func.count(Member.id)).join(Member, Member.household_id == Household.id)
        .where(Household.county_code == county_code).group_by(Household.village_id)).all())
    unlifted = dict(session.execute(
        select(Household.village_id, func.count()).where(Household.county_code == county_code,
                                                         Household.poverty_status.in_(UNLIFTED_STATUSES))
        .group_by(Household.village_id)).all())
    hamlets = dict(session.execute(select(Hamlet.village_id, func.count()).where(Hamlet.county_code == county_code)
                                   .group_by(Hamlet.village_id)).all())
    has_org = bool(session.scalar(select(func.count()).select_from(OrgPerson)
                                  .where(OrgPerson.county_code == county_code)))
    org: dict[int, Counter] = {}
    if has_org:
        for vid, kind in session.execute(select(OrgPerson.village_id, OrgPerson.kind)
                                         .where(OrgPerson.county_code == county_code)):
            org.setdefault(vid, Counter())[kind] += 1
    projects: Counter[int] = Counter(session.scalars(select(Project.village_id).where(
        Project.county_code == county_code, Project.village_id.is_not(None))))
    found = _findings_by_target(session, county_code, "village")
    rows = []
    any_record = False
    for v, tname in villages:
        rec = _village_record(v, tname or "")
        any_record = any_record or rec["recorded"]
        rows.append({
            "township": tname or "", "village": v.name, "code": v.code or "",
            **{f: rec[f] for f in _VILLAGE_FIELDS}, "recorded": rec["recorded"],
            "registered_households": int(hh.get(v.id, 0)), "registered_people": int(people.get(v.id, 0)),
            "unlifted_households": int(unlifted.get(v.id, 0)), "hamlets": int(hamlets.get(v.id, 0)),
            "org_party_members": org.get(v.id, Counter()).get(PARTY_MEMBER, 0) if has_org else None,
            "org_college_officials": org.get(v.id, Counter()).get(COLLEGE_OFFICIAL, 0) if has_org else None,
            "projects": int(projects.get(v.id, 0)),
            "findings": found.get(_village_target(v, tname or ""), []),
        })
    return rows if any_record else []


def project_sheet_rows(session: Session, county_code: str) -> list[dict[str, Any]]:
    """Rows of the report sheet 帮扶项目: one per project of the county (year, 项目编号), money in 万元.

    Keys (those of ``fupin_tui.report.sheets.PROJECT_HEADERS``, in its order): ``project_id`` (the 项目编号),
    ``category``, ``name``, ``year``, ``township``, ``village``, ``total``, ``central_special``,
    ``provincial_special``, ``local_special``, ``industry``, ``social``, ``credit``, ``self_raised``, ``other``,
    ``beneficiaries`` (households listed), ``findings`` (number of project-level findings on the project and its
    beneficiaries). The findings themselves are the report's project findings (``Finding.level == "project"``).
    """
    found = _findings_by_target(session, county_code, "project")
    listed = Counter(session.scalars(select(ProjectBeneficiary.project_id).where(
        ProjectBeneficiary.county_code == county_code)))
    rows = []
    for p, vname, tname in session.execute(
            select(Project, Village.name, Township.name).outerjoin(Village, Village.id == Project.village_id)
            .outerjoin(Township, Township.id == Village.township_id).where(Project.county_code == county_code)
            .order_by(Project.year, Project.project_no, Project.id)):
        rows.append({
            "project_id": p.project_no, "category": p.category or "", "name": p.name or "", "year": p.year,
            "township": p.township or tname or "", "village": vname or p.village_name,
            **{f: getattr(p, f) for f in MONEY_FIELDS},
            "beneficiaries": listed.get(p.id, 0), "findings": len(_project_findings(found, p.project_no)),
        })
    return rows


#: The name the report's data collector looks for (``fupin_tui.report.data._projects``).
project_rows = project_sheet_rows
