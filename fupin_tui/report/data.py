"""Collect everything the report shows, from the database and the other modules, into plain rows.

:func:`collect` reads the models directly (county, imports, sample, marks, rejects, actions, villages) and asks the
other modules for what they own: the grade (:func:`fupin_tui.grading.grade_county`, a
:class:`~fupin_tui.scoring.grade.GradeResult`), counts by rule (:func:`fupin_tui.checks.summary_by_rule`), the
clue summary (:func:`fupin_tui.compare.clue_summary`), the double-review agreement
(:func:`fupin_tui.team.backcheck_agreement`) and the assistance projects. A module that is absent (not built yet in
this checkout) or fails leaves its section as :class:`Unavailable` with a Chinese reason ("未运行：…"), and the sheet
says so instead of disappearing.

Rows hold raw values (ID numbers and phones unmasked): masking happens when the workbook is written
(:mod:`fupin_tui.report.masking`). Times are timezone-aware UTC (SQLite returns naive UTC; they are tagged here) and
shown in local time by the writer.
"""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import logging
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fupin_tui.glossary import CLUE_STATUSES, ReviewStatus
from fupin_tui.models.tables import (
    Action,
    Clue,
    County,
    Finding,
    FindingVerdict,
    Household,
    ImportFile,
    Inspector,
    Mark,
    Member,
    RejectedRow,
    Sample,
    SampleItem,
    Township,
    Village,
)

__all__ = [
    "ReportData",
    "SampleRow",
    "MarkRow",
    "TownshipRow",
    "Unavailable",
    "collect",
    "optional_source",
]

log = logging.getLogger(__name__)

_CHUNK = 500


@dataclass(frozen=True)
class Unavailable:
    """A section whose source did not run: ``reason`` is a Chinese sentence starting 未运行 (or 无数据)."""

    reason: str


def optional_source(module: str, attr: str) -> Callable[..., Any] | Unavailable:
    """``module.attr`` when the module exists and has it, else :class:`Unavailable` naming what is missing.

    Only a missing module (or attribute) is tolerated: an error *inside* an existing module is a bug and raised.
    """
    try:
        mod = importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name and (module == exc.name or module.startswith(exc.name + ".")):
            return Unavailable(f"未运行：本安装中没有模块 {module}")
        raise
    fn = getattr(mod, attr, None)
    if fn is None:
        return Unavailable(f"未运行：模块 {module} 中没有 {attr}")
    return fn


def _utc(value: dt.datetime | str | None) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return None
    return value.replace(tzinfo=dt.timezone.utc) if value.tzinfo is None else value


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterable[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


@dataclass
class SampleRow:
    """One sampled household (抽样清单): review order, stratum, certainty, place, household values, status."""

    order: int
    stratum: str
    certainty: bool
    township: str
    village: str
    household_no: str
    head_name: str
    head_id_number: str
    size: int | None
    household_type: str
    poverty_status: str
    phone: str
    status: str
    marks: int
    reviewed_by: str
    reviewed_at: dt.datetime | None


@dataclass
class MarkRow:
    """One non-deleted mark (问题明细) with its household's place and the member's name; ``in_sample`` False →
    样本外 (listed, not graded)."""

    township: str
    village: str
    household_no: str
    head_name: str
    member_no: str
    member_name: str
    member_id_number: str
    category: str
    severity: str
    field: str
    note: str
    source: str
    inspector: str
    created_at: dt.datetime | None
    in_sample: bool
    order: int | None


@dataclass
class TownshipRow:
    """Per township (乡镇分布): households in the county, sampled, reviewed, with issues, rate and interval (fractions),
    and households outside the sample carrying marks (not graded)."""

    township: str
    households: int
    sampled: int
    reviewed: int
    with_issues: int
    rate: float | None
    ci_low: float | None
    ci_high: float | None
    outside_marked: int = 0


@dataclass
class ReportData:
    """Everything one county's report shows. Sections another module provides may be :class:`Unavailable`."""

    county: County
    generated_at: dt.datetime
    requested_by: str
    unmasked: bool
    households: int = 0
    people: int = 0
    townships: int = 0
    villages: int = 0
    imports: list[ImportFile] = field(default_factory=list)
    rejects: list[RejectedRow] = field(default_factory=list)
    sample: Sample | None = None
    sample_rows: list[SampleRow] = field(default_factory=list)
    marks: list[MarkRow] = field(default_factory=list)
    township_rows: list[TownshipRow] = field(default_factory=list)
    inspectors: list[dict[str, Any]] = field(default_factory=list)
    period: tuple[dt.datetime, dt.datetime] | None = None
    grade: Any = None  # GradeResult | Unavailable
    rule_summary: list[dict[str, Any]] | Unavailable = field(default_factory=list)
    findings: list[dict[str, Any]] | Unavailable = field(default_factory=list)
    findings_total: int = 0
    clue_summary: list[dict[str, Any]] | Unavailable = field(default_factory=list)
    clues: list[dict[str, Any]] | Unavailable = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    agreement: tuple[list[Any], list[dict[str, Any]]] | Unavailable = field(default_factory=lambda: ([], []))
    village_rows: list[dict[str, Any]] = field(default_factory=list)
    village_findings: list[dict[str, Any]] = field(default_factory=list)
    projects: list[dict[str, Any]] | Unavailable = field(default_factory=list)
    project_findings: list[dict[str, Any]] = field(default_factory=list)
    keep_numbers: set[str] = field(default_factory=set)
    rule_titles: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


# ----------------------------------------------------------------------------------------------------------------
# Collection
# ----------------------------------------------------------------------------------------------------------------


def collect(
    session: Session,
    county_code: str,
    *,
    rubric: Any = None,
    requested_by: str = "",
    unmasked: bool = False,
    now: dt.datetime | None = None,
) -> ReportData:
    """Read one county's report data. ``rubric``: a :class:`~fupin_tui.scoring.rubric.Rubric` or a TOML path
    (None: the default rubric), passed to the grading module. Raises ``KeyError`` when the county is not in the file.
    """
    county = session.get(County, county_code)
    if county is None:
        raise KeyError(county_code)
    data = ReportData(
        county=county, generated_at=now or dt.datetime.now(dt.timezone.utc), requested_by=requested_by,
        unmasked=unmasked,
    )
    towns = dict(session.execute(select(Township.id, Township.name).where(Township.county_code == county_code)).all())
    villages = dict(session.execute(select(Village.id, Village.name).where(Village.county_code == county_code)).all())
    data.townships, data.villages = len(towns), len(villages)
    data.households = session.scalar(
        select(func.count()).select_from(Household).where(Household.county_code == county_code)) or 0
    data.people = session.scalar(
        select(func.count()).select_from(Member).where(Member.county_code == county_code)) or 0
    data.keep_numbers = set(session.scalars(select(Household.household_no).where(Household.county_code == county_code)))
    data.keep_numbers.update(
        n for n in session.scalars(select(Member.member_no).where(Member.county_code == county_code)) if n)

    _imports(session, data)
    _sample(session, data, towns, villages)
    _marks(session, data, towns, villages)
    _grade(session, data, rubric)
    _townships(session, data, towns)
    _checks(session, data, towns, villages)
    _clues(session, data, towns, villages)
    _actions(session, data)
    _inspectors(session, data)
    _agreement(session, data)
    _villages(session, data, towns)
    _projects(session, data)
    return data


def _imports(session: Session, data: ReportData) -> None:
    code = data.county.code
    single = (session.scalar(select(func.count()).select_from(County)) or 0) <= 1
    cond = ImportFile.county_code == code
    if single:
        cond = cond | ImportFile.county_code.is_(None)
    data.imports = list(session.scalars(select(ImportFile).where(cond).order_by(ImportFile.id)))
    ids = [f.id for f in data.imports]
    rejects: list[RejectedRow] = []
    for part in _chunks(ids):
        rejects.extend(session.scalars(
            select(RejectedRow).where(RejectedRow.import_file_id.in_(part))
            .order_by(RejectedRow.import_file_id, RejectedRow.row, RejectedRow.id)))
    data.rejects = rejects


def _sample(session: Session, data: ReportData, towns: dict[int, str], villages: dict[int, str]) -> None:
    code = data.county.code
    sample = session.scalars(
        select(Sample).where(Sample.county_code == code, Sample.active.is_(True)).order_by(Sample.id.desc())
    ).first()
    data.sample = sample
    if sample is None:
        return
    marks = Counter(session.scalars(
        select(Mark.household_id).where(Mark.county_code == code, Mark.deleted.is_(False))))
    # Columns, not ORM objects: 5,000 households with their ~40 columns cost a second as objects.
    q = (
        select(SampleItem.order, SampleItem.stratum, SampleItem.certainty, SampleItem.status, SampleItem.reviewed_by,
               SampleItem.reviewed_at, Household.id, Household.township_id, Household.village_id,
               Household.household_no, Household.head_name, Household.head_id_number, Household.size,
               Household.household_type, Household.poverty_status, Household.phone)
        .join(Household, Household.id == SampleItem.household_id)
        .where(SampleItem.sample_id == sample.id)
        .order_by(SampleItem.order, SampleItem.id)
    )
    for (order, stratum, certainty, status, reviewed_by, reviewed_at, hid, tid, vid, no, head, head_id, size,
         hh_type, poverty, phone) in session.execute(q):
        data.sample_rows.append(SampleRow(
            order=order, stratum=stratum, certainty=bool(certainty), township=towns.get(tid, ""),
            village=villages.get(vid, ""), household_no=no, head_name=head or "", head_id_number=head_id or "",
            size=size, household_type=hh_type or "", poverty_status=poverty or "", phone=phone or "", status=status,
            marks=marks.get(hid, 0), reviewed_by=reviewed_by or "", reviewed_at=_utc(reviewed_at),
        ))


def _marks(session: Session, data: ReportData, towns: dict[int, str], villages: dict[int, str]) -> None:
    code = data.county.code
    order_of = {r.household_no: r.order for r in data.sample_rows}
    q = (
        select(Mark, Household.township_id, Household.village_id, Household.head_name)
        .join(Household, Household.id == Mark.household_id)
        .where(Mark.county_code == code, Mark.deleted.is_(False))
    )
    rows = session.execute(q).all()
    members = _member_names(session, code, (m.member_no for m, *_ in rows))
    out = []
    for m, town_id, village_id, head in rows:
        name, idn = members.get(m.member_no or "", ("", ""))
        order = order_of.get(m.household_no)
        out.append(MarkRow(
            township=towns.get(town_id, ""), village=villages.get(village_id, ""), household_no=m.household_no,
            head_name=head or "", member_no=m.member_no or "", member_name=name, member_id_number=idn,
            category=m.category, severity=m.severity, field=m.field or "", note=m.note, source=m.source,
            inspector=m.inspector, created_at=_utc(m.created_at), in_sample=order is not None, order=order,
        ))
    out.sort(key=lambda r: (not r.in_sample, r.order or 0, r.household_no,
                            r.created_at or dt.datetime.min.replace(tzinfo=dt.timezone.utc)))
    data.marks = out


def _var_kw(params: Any) -> bool:
    return any(p.kind is inspect.Parameter.VAR_KEYWORD for p in dict(params).values())


def _call(fn: Callable[..., Any], session: Session, county_code: str, **optional: Any) -> Any:
    """Call ``fn(session, county_code, ...)`` passing only the keyword arguments it accepts, inside a savepoint.

    A failure of another module's function (a bug there, a file it misses) must not cost the whole report: it
    becomes :class:`Unavailable` ("未能读取：…", with the error) and the savepoint keeps the session usable. The
    grading module's own refusal (``GradingError``: no reviewed sample, bad rubric) reads "未能评分：…".
    """
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        params = {}
    kwargs = {k: v for k, v in optional.items() if (k in params or _var_kw(params)) and v is not None}
    try:
        with session.begin_nested():
            return fn(session, county_code, **kwargs)
    except Exception as exc:  # noqa: BLE001 - reported in the sheet and by the CLI, logged with the traceback
        where = f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__name__', '?')}"
        if type(exc).__name__ == "GradingError":
            return Unavailable(f"未能评分：{exc}")
        log.warning("report source %s failed", where, exc_info=True)
        return Unavailable(f"未能读取：{where} 出错（{type(exc).__name__}: {exc}）")


def _grade(session: Session, data: ReportData, rubric: Any) -> None:
    fn = optional_source("fupin_tui.grading", "grade_county")
    if isinstance(fn, Unavailable):
        data.grade = Unavailable(fn.reason.replace("未运行", "未运行（评分）"))
        return
    if data.sample is None:
        data.grade = Unavailable("未运行：尚未抽样（fupin sample），无法评分")
        return
    data.grade = _call(fn, session, data.county.code, rubric=rubric)


def _townships(session: Session, data: ReportData, towns: dict[int, str]) -> None:
    code = data.county.code
    counts = dict(session.execute(
        select(Household.township_id, func.count()).where(Household.county_code == code)
        .group_by(Household.township_id)).all())
    by_name: dict[str, TownshipRow] = {}
    for tid, name in sorted(towns.items(), key=lambda kv: kv[1]):
        by_name[name] = TownshipRow(name, counts.get(tid, 0), 0, 0, 0, None, None, None)
    if None in counts:
        by_name.setdefault("", TownshipRow("", counts[None], 0, 0, 0, None, None, None))
    marked = {r.household_no for r in data.marks if r.in_sample}
    for r in data.sample_rows:
        row = by_name.setdefault(r.township, TownshipRow(r.township, 0, 0, 0, 0, None, None, None))
        row.sampled += 1
        if r.status != ReviewStatus.PENDING:
            row.reviewed += 1
            if r.household_no in marked:
                row.with_issues += 1
    outside = defaultdict(set)
    for m in data.marks:
        if not m.in_sample:
            outside[m.township].add(m.household_no)
    for name, hhs in outside.items():
        by_name.setdefault(name, TownshipRow(name, 0, 0, 0, 0, None, None, None)).outside_marked = len(hhs)

    graded = {}
    grade = data.grade
    if grade is not None and not isinstance(grade, Unavailable):
        graded = {ri.label: ri for ri in getattr(grade, "by_township", ())}
    if graded:
        for name, row in by_name.items():
            ri = graded.get(name) or (graded.get("（未注明乡镇）") if name == "" else None)
            if ri is not None:
                row.reviewed, row.with_issues = ri.n, ri.x
                row.rate, row.ci_low, row.ci_high = ri.rate, ri.ci_low, ri.ci_high
    else:
        from fupin_tui.scoring.intervals import rate_with_interval

        confidence = 0.95
        for row in by_name.values():
            ri = rate_with_interval(row.with_issues, row.reviewed, confidence)
            row.rate, row.ci_low, row.ci_high = ri.rate, ri.ci_low, ri.ci_high
    data.township_rows = [r for r in by_name.values() if r.households or r.sampled or r.outside_marked]


def _place_lookup(session: Session, county_code: str, household_nos: Iterable[str], towns, villages):  # noqa: ANN001, ANN202
    nos = sorted(set(n for n in household_nos if n))
    out: dict[str, tuple[str, str, str]] = {}
    for part in _chunks(nos):
        for no, tid, vid, head in session.execute(
            select(Household.household_no, Household.township_id, Household.village_id, Household.head_name)
            .where(Household.county_code == county_code, Household.household_no.in_(part))
        ):
            out[no] = (towns.get(tid, ""), villages.get(vid, ""), head or "")
    return out


def _member_names(session: Session, county_code: str, member_nos: Iterable[str]) -> dict[str, tuple[str, str]]:
    nos = sorted(set(n for n in member_nos if n))
    out: dict[str, tuple[str, str]] = {}
    for part in _chunks(nos):
        for no, name, idn in session.execute(
            select(Member.member_no, Member.name, Member.id_number)
            .where(Member.county_code == county_code, Member.member_no.in_(part))
        ):
            out.setdefault(no, (name or "", idn or ""))
    return out


def _checks(session: Session, data: ReportData, towns: dict[int, str], villages: dict[int, str]) -> None:
    code = data.county.code
    data.findings_total = session.scalar(
        select(func.count()).select_from(Finding).where(Finding.county_code == code)) or 0
    summary_fn = optional_source("fupin_tui.checks", "summary_by_rule")
    if isinstance(summary_fn, Unavailable):
        data.rule_summary = Unavailable(summary_fn.reason.replace("未运行", "未运行（自动核查）"))
    else:
        last_run = optional_source("fupin_tui.checks", "last_run")
        ran = data.findings_total > 0 or (not isinstance(last_run, Unavailable)
                                          and _call(last_run, session, code) not in (None, ))
        if ran:
            summary = _call(summary_fn, session, code)
            data.rule_summary = summary if isinstance(summary, Unavailable) else _normalise_rule_summary(summary, {})
        else:
            data.rule_summary = Unavailable("未运行：尚未对本县运行自动核查（fupin check）")
    titles = _rule_titles()
    if not isinstance(data.rule_summary, Unavailable):
        titles.update({r["rule_id"]: r["title"] for r in data.rule_summary if r["title"]})
    data.rule_titles = titles
    if isinstance(data.rule_summary, Unavailable) and data.findings_total == 0:
        data.findings = Unavailable(data.rule_summary.reason)
    else:
        data.findings = _sampled_findings(session, data)
    # Village- and project-level findings (issue 8) go to their own sheets.
    for f in session.scalars(select(Finding).where(Finding.county_code == code, Finding.level.in_(("village", "project")))
                             .order_by(Finding.rule_id, Finding.target)):
        row = {"rule_id": f.rule_id, "title": data.rule_titles.get(f.rule_id, ""), "target": f.target,
               "severity": f.severity, "category": f.category, "message": f.message}
        (data.village_findings if f.level == "village" else data.project_findings).append(row)


def _sampled_findings(session: Session, data: ReportData) -> list[dict[str, Any]] | Unavailable:
    """Findings on the sampled households with their verdicts, in review order (the checks module's query when it
    offers one, else a join of the two tables it fills)."""
    code = data.county.code
    sampled = [r.household_no for r in data.sample_rows]
    if not sampled:
        return []
    places = {r.household_no: (r.township, r.village, r.head_name, r.order) for r in data.sample_rows}
    rows: list[dict[str, Any]] = []
    query = optional_source("fupin_tui.checks", "findings_with_verdicts")
    if not isinstance(query, Unavailable):
        views = _call(query, session, code, household_nos=sampled)
        if isinstance(views, Unavailable):
            return views
        items = [(v.rule_id, v.title, v.household_no, v.member_no, v.severity, v.category, v.message, v.verdict,
                  v.verdict_note, v.verdict_inspector, v.verdict_at) for v in views]
    else:
        verdicts = {}
        findings: list[Finding] = []
        for part in _chunks(sampled):
            findings.extend(session.scalars(
                select(Finding).where(Finding.county_code == code, Finding.household_no.in_(part))))
            for v in session.scalars(select(FindingVerdict).where(
                    FindingVerdict.county_code == code, FindingVerdict.household_no.in_(part))):
                verdicts[(v.rule_id, v.household_no, v.member_no or "", v.target or "")] = v
        items = []
        for f in findings:
            v = verdicts.get((f.rule_id, f.household_no or "", f.member_no or "", f.target or ""))
            items.append((f.rule_id, data.rule_titles.get(f.rule_id, ""), f.household_no, f.member_no, f.severity,
                          f.category, f.message, v.verdict if v else None, v.note if v else "",
                          v.inspector if v else "", v.decided_at if v else None))
    members = _member_names(session, code, (it[3] for it in items if it[3]))
    for rule_id, title, hh, member, severity, category, message, verdict, note, inspector, at in items:
        town, village, head, order = places.get(hh or "", ("", "", "", 0))
        rows.append({
            "order": order, "township": town, "village": village, "household_no": hh or "", "head_name": head,
            "member_no": member or "", "member_name": members.get(member or "", ("",))[0], "rule_id": rule_id,
            "title": title if title != rule_id else data.rule_titles.get(rule_id, ""), "severity": severity,
            "category": category, "message": message, "verdict": verdict or "待核实", "verdict_note": note or "",
            "inspector": inspector or "", "decided_at": _utc(at),
        })
    sev = {"严重": 0}
    rows.sort(key=lambda r: (r["order"], sev.get(r["severity"], 1), r["rule_id"], r["member_no"]))
    return rows


def _rule_titles() -> dict[str, str]:
    """rule id → Chinese title from the checks module's rulebook, when it offers one (else empty)."""
    for attr in ("rule_titles", "RULE_TITLES"):
        src = optional_source("fupin_tui.checks", attr)
        if isinstance(src, Unavailable):
            continue
        try:
            titles = src() if callable(src) else src
            return {str(k): str(v) for k, v in dict(titles).items()}
        except Exception:  # noqa: BLE001 - titles are decoration; a failing rulebook shows up in its own command
            log.debug("rule titles unavailable", exc_info=True)
    return {}


def _get(obj: Any, *names: str, default: Any = None) -> Any:
    for name in names:
        if isinstance(obj, dict) and name in obj:
            return obj[name]
        if hasattr(obj, name):
            return getattr(obj, name)
    return default


def _normalise_rule_summary(rows: Any, titles: dict[str, str]) -> list[dict[str, Any]]:
    """The checks module's per-rule summary as dicts: rule_id, title, severity, category, count, households."""
    if isinstance(rows, dict):
        rows = rows.get("rules", rows.get("by_rule", list(rows.values())))
    out = []
    for r in rows or ():
        rule_id = str(_get(r, "rule_id", "rule", "id", default=""))
        out.append({
            "rule_id": rule_id,
            "title": _get(r, "title", "name", "label", default="") or titles.get(rule_id, ""),
            "severity": _get(r, "severity", default=""),
            "category": _get(r, "category", default=""),
            "count": _get(r, "count", "findings", "n", default=0),
            "households": _get(r, "households", "household_count", default=None),
            "confirmed": _get(r, "confirmed", default=None),
            "dismissed": _get(r, "dismissed", default=None),
        })
    return out


def _clues(session: Session, data: ReportData, towns: dict[int, str], villages: dict[int, str]) -> None:
    code = data.county.code
    fn = optional_source("fupin_tui.compare", "clue_summary")
    clues = list(session.scalars(select(Clue).where(Clue.county_code == code)
                                 .order_by(Clue.dept, Clue.kind, Clue.household_no, Clue.member_no, Clue.id)))
    if isinstance(fn, Unavailable):
        data.clue_summary = Unavailable(fn.reason.replace("未运行", "未运行（部门比对）"))
        if not clues:
            data.clues = Unavailable(data.clue_summary.reason)
            return
    else:
        summary = _call(fn, session, code)
        data.clue_summary = summary if isinstance(summary, Unavailable) else _normalise_clue_summary(summary)
    places = _place_lookup(session, code, (c.household_no for c in clues if c.household_no), towns, villages)
    members = _member_names(session, code, (c.member_no for c in clues if c.member_no))
    rows = []
    for c in clues:
        town, village, head = places.get(c.household_no or "", ("", "", ""))
        name, idn = members.get(c.member_no or "", ("", ""))
        rows.append({
            "dept": c.dept, "kind": c.kind, "township": town, "village": village,
            "household_no": c.household_no or "", "head_name": head, "member_no": c.member_no or "",
            "member_name": name, "member_id_number": idn, "their_value": c.their_value, "our_value": c.our_value,
            "message": c.message, "severity": c.severity, "category": c.category, "status": c.status,
            "verifier": c.verifier, "note": c.note, "source_file": c.source_file, "source_row": c.source_row,
            "active": c.active,
        })
    data.clues = rows


def _normalise_clue_summary(rows: Any) -> list[dict[str, Any]]:
    """The compare module's summary as dicts: dept, status → count (``counts``), total."""
    out: dict[str, dict[str, Any]] = {}
    if isinstance(rows, dict) and "by_dept" in rows:
        rows = rows["by_dept"]
    if isinstance(rows, dict):
        # {dept: {status: count}}
        for dept, counts in rows.items():
            if isinstance(counts, dict):
                out[str(dept)] = {"dept": str(dept), "counts": dict(counts)}
        rows = []
    for r in rows or ():
        dept = str(_get(r, "dept", "department", default=""))
        entry = out.setdefault(dept, {"dept": dept, "counts": {}})
        counts = _get(r, "counts", "by_status", default=None)
        if counts is None and isinstance(r, dict) and any(s in r for s in CLUE_STATUSES):
            counts = {s: r.get(s, 0) for s in CLUE_STATUSES}
        if isinstance(counts, dict):
            for k, v in counts.items():
                entry["counts"][str(k)] = entry["counts"].get(str(k), 0) + int(v or 0)
        else:
            status = str(_get(r, "status", default=""))
            entry["counts"][status] = entry["counts"].get(status, 0) + int(_get(r, "count", "n", default=0) or 0)
    return list(out.values())


def _action_in_county(target: str, households: set[str], marks: set[str], code: str) -> bool | None:
    kind, _, rest = target.partition(":")
    if kind == "household":
        return rest in households
    if kind == "mark":
        return rest in marks
    if kind == "county":
        return rest == code
    return None


def _actions(session: Session, data: ReportData) -> None:
    rows = list(session.scalars(select(Action).order_by(Action.id)))
    single = (session.scalar(select(func.count()).select_from(County)) or 0) <= 1
    if not single:
        code = data.county.code
        marks = set(session.scalars(select(Mark.uuid).where(Mark.county_code == code)))
        keep = []
        for a in rows:
            belongs = _action_in_county(a.target, data.keep_numbers, marks, code)
            if belongs is None:
                belongs = code in (a.target or "") or code in (a.new_value or "")
            if belongs:
                keep.append(a)
        rows = keep
    data.actions = rows


def _inspectors(session: Session, data: ReportData) -> None:
    units = {}
    for name, unit in session.execute(select(Inspector.name, Inspector.unit)):
        units.setdefault(name, unit)
    stats: dict[str, dict[str, Any]] = {}

    def entry(name: str) -> dict[str, Any]:
        base, _, unit = name.partition("@")
        return stats.setdefault(name, {"name": base, "unit": unit or units.get(name) or units.get(base, ""),
                                       "reviewed": 0, "marks": 0})

    times: list[dt.datetime] = []
    for r in data.sample_rows:
        if r.status != ReviewStatus.PENDING and r.reviewed_by:
            entry(r.reviewed_by)["reviewed"] += 1
        if r.reviewed_at:
            times.append(r.reviewed_at)
    for m in data.marks:
        if m.inspector:
            entry(m.inspector)["marks"] += 1
        if m.created_at:
            times.append(m.created_at)
    for a in data.actions:
        if a.action.startswith(("mark.", "status.", "finding.", "clue.", "backcheck.review", "undo", "redo")):
            t = _utc(a.ts)
            if t:
                times.append(t)
    data.inspectors = sorted(stats.values(), key=lambda s: (-s["reviewed"], s["name"]))
    if times:
        data.period = (min(times), max(times))


def _agreement(session: Session, data: ReportData) -> None:
    fn = optional_source("fupin_tui.team", "backcheck_agreement")
    if isinstance(fn, Unavailable):
        data.agreement = Unavailable(fn.reason.replace("未运行", "未运行（复核）"))
        return
    data.agreement = _call(fn, session, data.county.code)


def _villages(session: Session, data: ReportData, towns: dict[int, str]) -> None:
    code = data.county.code
    fn = optional_source("fupin_tui.villages", "village_sheet_rows")
    if not isinstance(fn, Unavailable):
        rows = _call(fn, session, code)
        if not isinstance(rows, Unavailable):
            data.village_rows = list(rows)
            return
        data.notes.append(rows.reason)
    counts = dict(session.execute(
        select(Household.village_id, func.count()).where(Household.county_code == code)
        .group_by(Household.village_id)).all())
    people = dict(session.execute(
        select(Household.village_id, func.count(Member.id)).join(Member, Member.household_id == Household.id)
        .where(Household.county_code == code).group_by(Household.village_id)).all())
    rows = []
    has_record = False
    for v in session.scalars(select(Village).where(Village.county_code == code).order_by(Village.township_id,
                                                                                        Village.name)):
        recorded = any(x is not None for x in (v.code, v.is_poor_village, v.delisted, v.total_households,
                                               v.party_members, v.college_officials))
        has_record = has_record or recorded
        rows.append({
            "township": towns.get(v.township_id, ""), "village": v.name, "code": v.code or "",
            "is_poor_village": v.is_poor_village, "delisted": v.delisted, "delisted_year": v.delisted_year,
            "party_members": v.party_members, "college_officials": v.college_officials,
            "total_households": v.total_households, "total_population": v.total_population,
            "poor_households": v.poor_households, "poor_population": v.poor_population,
            "registered_households": counts.get(v.id, 0), "registered_people": people.get(v.id, 0),
            "hamlets": len((v.extra or {}).get("hamlets", []) or []) if isinstance(v.extra, dict) else 0,
            "recorded": recorded,
        })
    data.village_rows = rows if has_record else []


def _projects(session: Session, data: ReportData) -> None:
    for module in ("fupin_tui.villages", "fupin_tui.projects", "fupin_tui.importing"):
        fn = optional_source(module, "project_rows")
        if not isinstance(fn, Unavailable):
            rows = _call(fn, session, data.county.code)
            data.projects = rows if isinstance(rows, Unavailable) else list(rows)
            return
    data.projects = Unavailable("未运行：本安装中还没有帮扶项目数据模块（帮扶项目表导入，见村级与项目数据的需求）")
