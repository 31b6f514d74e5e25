"""The comparison as one call: read lists, tell their departments, store them, match, apply the rules, upsert clues.

Two steps so a refusal happens before anything is written: :func:`prepare` reads every file and infers every
department (raising :class:`~fupin_tui.compare.readers.ReadError` or
:class:`~fupin_tui.compare.infer.AmbiguousDepartment`), then :func:`run_comparison` stores and compares in ONE
transaction. :func:`compare_files` does both.

The departments of the files given now are (re)computed from ALL their stored lists (a 民政 低保 file and a 民政 特困
file imported on different days both count); other departments' clues are left as they are, so comparing the 民政
list today and the 公安 list tomorrow keeps both sets of clues active. Clues are upserted by key, so re-running with
the same files changes nothing and keeps every verdict.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine

from fupin_tui.glossary import CLUE_PENDING, DEPARTMENTS, clue_kind_label
from fupin_tui.idnumber import IdKind, mask_id, mask_text, normalize_id
from fupin_tui.importing.readers import gc_paused
from fupin_tui.models.db import bulk_connection, read_session, resolve_county
from fupin_tui.models.tables import Clue

from .infer import Inference, infer_department
from .matching import MemberIndex, Record, name_key, name_suggestion
from .readers import DeptTable, SkippedSheet, read_department_file
from .rules import ABSENCE_TESTS, Rule, all_hold, fields_read, load_rules, render
from .store import (
    active_department_files,
    clue_key,
    load_population,
    load_records,
    store_list,
    upsert_clues,
    village_resolver,
)

log = logging.getLogger(__name__)
_CL = Clue.__table__

_REJECT_REASONS = {
    IdKind.EMPTY: "缺少证件号码，无法比对",
    IdKind.CORRUPTED: "证件号码被 Excel 存成了数字，后几位已丢失，无法比对（请部门重新导出为文本）",
    IdKind.INVALID: "证件号码位数或字符不对，无法比对",
}


#: A note shown with a list of these departments.
DEPT_NOTES = {
    "organization": "组织部名单（党员、大学生村官）按通知属村级记录，村干部/大学生村官在册的线索"
                    "由 fupin import 导入村级表时生成；这里只做证件号码与姓名比对",
}


@dataclass
class PreparedList:
    """A read list and its department: the table, the inference, the records and the rejected/skipped rows."""

    table: DeptTable
    inference: Inference
    records: list[Record] = field(default_factory=list)
    rejected: list[tuple[int, str, str]] = field(default_factory=list)  # (row, column, reason)
    rejected_kinds: dict[str, int] = field(default_factory=dict)
    skipped: int = 0


@dataclass
class ListReport:
    """What happened to one list (file + sheet): department inferred and why, row counts, matches.

    ``matched``: records whose ID matched at least one member; ``unmatched``: valid-ID records that matched nobody;
    ``typo``: unmatched records with a possible-typo candidate; ``rejected``: rows with an empty, corrupted or invalid
    ID (never matched); ``reused``: the same bytes were stored before.
    """

    file: str
    sheet: str
    dept: str
    dept_label: str
    inferred_from: str
    reason: str
    header_row: int
    id_header: str
    name_header: str
    rows: int = 0
    records: int = 0
    matched: int = 0
    matched_id15: int = 0
    unmatched: int = 0
    typo: int = 0
    rejected: int = 0
    rejected_kinds: dict[str, int] = field(default_factory=dict)
    skipped: int = 0
    reused: bool = False
    import_file_id: int | None = None
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return dict(self.__dict__)


@dataclass
class CompareResult:
    """The outcome of a comparison: per-list reports, the clues of the compared departments (active, with their
    current status), upsert counts, the departments compared, timings in seconds."""

    county_code: str
    lists: list[ListReport]
    clues: list[dict[str, Any]]
    counts: dict[str, int]
    depts_compared: list[str]
    timings: dict[str, float] = field(default_factory=dict)
    skipped: list[SkippedSheet] = field(default_factory=list)


def _json_value(value: Any) -> Any:
    if isinstance(value, (dt.datetime,)):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    if isinstance(value, str):
        return value.strip()
    if value is None or isinstance(value, (int, float, bool)):
        return value
    return str(value)


def _blank_row(row: list[object]) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in row)


def build_records(table: DeptTable, dept: str) -> tuple[list[Record], list[tuple[int, str, str]], dict[str, int], int]:
    """Rows of a table → ``(records, rejected (row, column, reason), rejected counts by ID kind, blank rows)``."""
    records: list[Record] = []
    rejected: list[tuple[int, str, str]] = []
    kinds: dict[str, int] = {}
    skipped = 0
    first_row = table.header_row + 1
    columns = [*table.fields.items(), *table.extras.items()]  # dept fields first, then other columns by header
    id_col = table.id_col
    for offset, row in enumerate(table.rows):
        rowno = first_row + offset
        cell = row[id_col] if id_col < len(row) else None
        if (cell is None or cell == "") and _blank_row(row):
            skipped += 1
            continue
        info = normalize_id(cell)
        if not info.matchable:
            rejected.append((rowno, table.id_header, _REJECT_REASONS.get(info.kind, "证件号码无法识别")))
            kinds[info.kind.value] = kinds.get(info.kind.value, 0) + 1
            continue
        name = None
        if table.name_col is not None and table.name_col < len(row):
            raw_name = row[table.name_col]
            name = str(raw_name).strip() if raw_name not in (None, "") else None
        fields: dict[str, Any] = {}
        n = len(row)
        for f, col in columns:
            if col < n:
                v = row[col]
                v = v.strip() if type(v) is str else _json_value(v)
                if v is not None and v != "" and f not in fields:
                    fields[f] = v
        if info.disability_category:
            fields.setdefault("certificate_category_digit", info.disability_category)
            fields.setdefault("certificate_grade_digit", info.disability_grade)
        records.append(Record(
            dept=dept, file_name=table.file_name, sheet=table.sheet, row=rowno, name=name,
            id_number=info.raw, id_norm=info.value, id_kind=info.kind.value, fields=fields,
        ))
    return records, rejected, kinds, skipped


class PreparedLists(list):
    """The :class:`PreparedList` items of :func:`prepare` (a list), with ``skipped``: the sheets left out because they
    are the county's own export tables (:class:`~fupin_tui.compare.readers.SkippedSheet`)."""

    def __init__(self, items=(), skipped: list[SkippedSheet] | None = None) -> None:  # noqa: ANN001
        super().__init__(items)
        self.skipped: list[SkippedSheet] = list(skipped or [])


def prepare(paths: Sequence[str | Path], dept: str | None = None) -> PreparedLists:
    """Read every file and tell each list's department, before anything is written.

    The county's own export files among them (roster, income table, village / natural-village / county / project
    tables: the importer's sheet classification) are not department lists: they are left out, listed in the
    result's ``skipped``, whatever ``dept`` says. Raises :class:`~fupin_tui.compare.readers.ReadError` (unreadable
    file, no ID column) or :class:`~fupin_tui.compare.infer.AmbiguousDepartment` (say ``--dept``); ``ValueError``
    for an unknown ``dept``.
    """
    out = PreparedLists()
    with gc_paused():
        for p in paths:
            for table in read_department_file(p, out.skipped):
                inference = infer_department(table.headers, table.file_name, dept)
                records, rejected, kinds, skipped = build_records(table, inference.dept)
                table.rows = []  # the records hold what is needed; let the raw cells go
                out.append(PreparedList(table, inference, records, rejected, kinds, skipped))
    return out


# --------------------------------------------------------------------------------------------------------------------
# Evaluation (pure: records, members, households in; clue dicts out)
# --------------------------------------------------------------------------------------------------------------------


_ID15_HINT = ("按15位旧身份证号匹配：升级为18位后前17位与本成员一致，校验位不同（本成员证件号码的校验位可能有误，"
              "请一并核实）")


@dataclass
class _Match:
    rec: Record
    members: list[dict[str, Any]]
    method: str


def _member_values(m: dict[str, Any]) -> dict[str, Any]:
    out = dict(m)
    out["id_masked"] = mask_id(m.get("id_norm") or m.get("id_number"))
    return out


def _clue(rule: Rule, dept: str, household: dict[str, Any] | None, member: dict[str, Any] | None,
          ns: dict[str, dict[str, Any]], *, source_file: str = "", source_row: int | None = None,
          suggestion: str = "") -> dict[str, Any]:
    their = mask_text(render(rule.their_value, ns), ids_only=True)
    ours = mask_text(render(rule.our_value, ns), ids_only=True)
    household_no = (member or {}).get("household_no") or (household or {}).get("household_no")
    member_no = (member or {}).get("member_no") if member is not None else None
    return {
        "key": clue_key(dept, rule.kind, household_no, member_no, their),
        "dept": dept, "kind": rule.kind, "rule_id": rule.id,
        "household_id": (member or {}).get("household_id") or (household or {}).get("id"),
        "household_no": household_no, "member_no": member_no or None,
        "their_value": their, "our_value": ours, "message": mask_text(render(rule.message, ns), ids_only=True),
        "severity": rule.severity, "category": rule.category, "suggestion": suggestion,
        "source_file": source_file, "source_row": source_row,
    }


def evaluate(
    rules: list[Rule],
    records: list[Record],
    index: MemberIndex,
    households: dict[int, dict[str, Any]],
    typo_rule: Rule | None = None,
) -> tuple[list[dict[str, Any]], dict[int, tuple[str, int]]]:
    """Apply the rules: ``(clue dicts, per-record outcome keyed by id(record) → (method or "typo"/"", n))``.

    Absence tests run only for departments with at least one record (that department's list was imported).
    """
    typo_params = typo_rule.params if typo_rule else {"max_distance": 2, "homophones": True}
    matches: list[_Match] = []
    typos: list[tuple[Record, list[Any]]] = []
    outcome: dict[int, tuple[str, int]] = {}
    for rec in records:
        found, method = index.match(rec)
        if found:
            matches.append(_Match(rec, found, method))
            outcome[id(rec)] = (method, len(found))
            continue
        cands = index.typo_candidates(rec, int(typo_params.get("max_distance", 2)),
                                      bool(typo_params.get("homophones", True)))
        if cands:
            typos.append((rec, cands))
            outcome[id(rec)] = ("typo", len(cands))
        else:
            outcome[id(rec)] = ("", 0)
    depts = {r.dept for r in records}
    by_dept: dict[str, tuple[list[_Match], list[tuple[Record, list[Any]]]]] = {d: ([], []) for d in depts}
    for mt in matches:
        by_dept[mt.rec.dept][0].append(mt)
    for rec, cands in typos:
        by_dept[rec.dept][1].append((rec, cands))
    clues: list[dict[str, Any]] = []
    for rule in rules:
        if rule.dept == "*":
            clues.extend(_apply(rule, matches, typos, households, depts))
        elif rule.dept in by_dept:
            clues.extend(_apply(rule, *by_dept[rule.dept], households, depts))
    return clues, outcome


def _ns(rule: Rule, dept: str, rec: Record | None, member: dict[str, Any] | None,
        household: dict[str, Any] | None, extra: dict[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    return {
        "rec": rec.values() if rec is not None else {},
        "member": _member_values(member) if member is not None else {},
        "household": household or {},
        "params": rule.params,
        "dept": {"code": dept, "label": DEPARTMENTS.get(dept, dept)},
        "match": extra or {},
    }


def _apply(rule: Rule, matches: list[_Match], typos: list[tuple[Record, list[Any]]],
           households: dict[int, dict[str, Any]], depts: set[str]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    test = rule.test
    if test in ABSENCE_TESTS and rule.dept not in depts:
        return out  # "absent from a list" needs that department's list
    if test == "member_on_list":
        for mt in matches:
            rec = mt.rec
            if not rule.applies_to(rec.dept) or not all_hold(rule.record, rec.fields):
                continue
            for m in mt.members:
                h = households.get(m["household_id"])
                if all_hold(rule.member, m) and all_hold(rule.household, h or {}):
                    out.append(_clue(rule, rec.dept, h, m, _ns(rule, rec.dept, rec, m, h),
                                     source_file=rec.file_name, source_row=rec.row,
                                     suggestion=_ID15_HINT if mt.method == "id15" else ""))
    elif test == "name_mismatch":
        for mt in matches:
            rec = mt.rec
            if not rule.applies_to(rec.dept) or not rec.name:
                continue
            for m in mt.members:
                if m.get("name") and name_key(m["name"]) != name_key(rec.name):
                    h = households.get(m["household_id"])
                    out.append(_clue(rule, rec.dept, h, m, _ns(rule, rec.dept, rec, m, h),
                                     source_file=rec.file_name, source_row=rec.row,
                                     suggestion=name_suggestion(rec.name, m["name"])))
    elif test == "possible_id_typo":
        for rec, cands in typos:
            if not rule.applies_to(rec.dept):
                continue
            for t in cands:
                m = t.member
                h = households.get(m["household_id"])
                extra = {"distance": t.distance, "positions": "、".join(str(p) for p in t.positions)}
                hint = ("姓名同音不同字（拼音相同），又只差几位号码，可能是同一人" if t.homophone
                        else "同名且号码只差几位：请核对身份证原件，以正确号码更正后重新比对")
                out.append(_clue(rule, rec.dept, h, m, _ns(rule, rec.dept, rec, m, h, extra),
                                 source_file=rec.file_name, source_row=rec.row, suggestion=hint))
    elif test in ("member_not_on_list", "household_not_on_list", "household_on_list"):
        present_members: set[int] = set()
        first_rec_by_household: dict[int, tuple[Record, dict[str, Any]]] = {}
        for mt in matches:
            if mt.rec.dept != rule.dept or not all_hold(rule.record, mt.rec.fields):
                continue
            for m in mt.members:
                present_members.add(m["id"])
                first_rec_by_household.setdefault(m["household_id"], (mt.rec, m))
        if rule.params.get("typo_counts_as_present", True):
            for rec, cands in typos:
                if rec.dept == rule.dept and all_hold(rule.record, rec.fields):
                    for t in cands:
                        present_members.add(t.member["id"])
                        if test != "household_on_list":
                            first_rec_by_household.setdefault(t.member["household_id"], (rec, t.member))
        files = "、".join(sorted({mt.rec.file_name for mt in matches if mt.rec.dept == rule.dept}))
        if test == "member_not_on_list":
            for h in households.values():
                if not all_hold(rule.household, h):
                    continue
                for m in h["members"]:
                    if m["id"] not in present_members and all_hold(rule.member, m):
                        out.append(_clue(rule, rule.dept, h, m, _ns(rule, rule.dept, None, m, h), source_file=files))
        elif test == "household_not_on_list":
            for hid, h in households.items():
                if hid not in first_rec_by_household and all_hold(rule.household, h):
                    out.append(_clue(rule, rule.dept, h, None, _ns(rule, rule.dept, None, None, h),
                                     source_file=files))
        else:  # household_on_list
            for hid, (rec, m) in first_rec_by_household.items():
                h = households.get(hid)
                if h is not None and all_hold(rule.household, h):
                    out.append(_clue(rule, rule.dept, h, None, _ns(rule, rule.dept, rec, m, h),
                                     source_file=rec.file_name, source_row=rec.row))
    return out


# --------------------------------------------------------------------------------------------------------------------
# The whole comparison
# --------------------------------------------------------------------------------------------------------------------


def run_comparison(
    engine: Engine,
    prepared: list[PreparedList],
    county: str | None = None,
    rules: list[Rule] | None = None,
) -> CompareResult:
    """Store the prepared lists, compare every stored list of the county, upsert clues; one transaction.

    Raises :class:`~fupin_tui.models.DatabaseError` when the county cannot be resolved (none, several without
    ``county``, or unknown). ``rules`` default to the built-in ``rules.toml``.
    """
    with gc_paused():
        return _run(engine, prepared, county, rules if rules is not None else load_rules())


def _run(engine: Engine, prepared: list[PreparedList], county: str | None, rules: list[Rule]) -> CompareResult:
    t0 = time.perf_counter()
    with read_session(engine) as s:
        c = resolve_county(s, county)
        county_code, data_year = c.code, c.data_year
    timings: dict[str, float] = {}
    with bulk_connection(engine) as conn:
        resolve = village_resolver(conn, county_code)
        reports: list[ListReport] = []
        current_ids: set[int] = set()
        scope: set[str] = set()
        for p in prepared:
            t = p.table
            for r in p.records:
                township, village = r.fields.get("township"), r.fields.get("village")
                r.has_village = bool(village)
                r.village_ids = resolve(township, village) if village else ()
            fid, reused, before = store_list(
                conn, county_code, file_name=t.file_name, sheet=t.sheet, sha256=t.sha256, header_row=t.header_row,
                dept=p.inference.dept,
                details={"inferred_from": p.inference.source, "reason": p.inference.reason,
                         "id_header": t.id_header, "name_header": t.name_header,
                         "columns": {**t.fields}, "rejected_kinds": p.rejected_kinds},
                records=p.records, rejected=p.rejected, skipped=p.skipped, data_year=data_year,
            )
            current_ids.add(fid)
            scope.add(p.inference.dept)
            if before:
                scope.add(before)  # relabelled or replaced: that department's clues are recomputed too
            reports.append(ListReport(
                file=t.file_name, sheet=t.sheet, dept=p.inference.dept, dept_label=p.inference.dept_label,
                inferred_from=p.inference.source, reason=p.inference.reason, header_row=t.header_row,
                id_header=t.id_header, name_header=t.name_header,
                rows=len(p.records) + len(p.rejected) + p.skipped, records=len(p.records), rejected=len(p.rejected),
                rejected_kinds=dict(p.rejected_kinds), skipped=p.skipped, reused=reused, import_file_id=fid,
                note=DEPT_NOTES.get(p.inference.dept, ""),
            ))
        timings["store"] = time.perf_counter() - t0
        # Earlier lists of the same departments (other files) take part too: a department's clues are computed
        # from all its stored lists.
        others = [f for f in active_department_files(conn, county_code)
                  if f["id"] not in current_ids and (f["details"] or {}).get("dept") in scope]
        old_records = load_records(conn, others)
        for r in old_records:
            village = r.fields.get("village")
            r.has_village = bool(village)
            r.village_ids = resolve(r.fields.get("township"), village) if village else ()
        # Each current list once (the same file given twice, or two files with the same bytes).
        seen_files: set[int] = set()
        records: list[Record] = []
        for p, rep in zip(prepared, reports, strict=True):
            if rep.import_file_id in seen_files:
                continue
            seen_files.add(rep.import_file_id)
            records.extend(p.records)
        records.extend(old_records)
        t1 = time.perf_counter()
        member_fields, household_fields = fields_read(rules)
        members, households = load_population(conn, county_code, member_fields, household_fields)
        index = MemberIndex(members)
        timings["load_population"] = time.perf_counter() - t1
        t2 = time.perf_counter()
        typo_rule = next((r for r in rules if r.test == "possible_id_typo"), None)
        clues, outcome = evaluate(rules, records, index, households, typo_rule)
        timings["match_and_rules"] = time.perf_counter() - t2
        for rep, p in zip(reports, prepared, strict=True):
            for r in p.records:
                method, _n = outcome.get(id(r), ("", 0))
                if method in ("exact", "id15"):
                    rep.matched += 1
                    rep.matched_id15 += method == "id15"
                else:
                    rep.unmatched += 1
                    rep.typo += method == "typo"
        t3 = time.perf_counter()
        counts = upsert_clues(conn, county_code, clues, scope, {r.kind for r in rules})
        verdicts = {row.key: row for row in conn.execute(
            select(_CL.c.key, _CL.c.id, _CL.c.status, _CL.c.note, _CL.c.verifier)
            .where(_CL.c.county_code == county_code, _CL.c.active.is_(True)))}
        timings["upsert"] = time.perf_counter() - t3
    active = _dedupe(clues)
    for c in active:
        v = verdicts.get(c["key"])
        c["id"] = v.id if v else None
        c["status"] = v.status if v else CLUE_PENDING
        c["note"] = v.note if v else ""
        c["verifier"] = v.verifier if v else ""
        c["kind_label"] = clue_kind_label(c["kind"])
        c["dept_label"] = DEPARTMENTS.get(c["dept"], c["dept"])
    log.info("compare county=%s lists=%d records=%d clues=%d", county_code, len(reports), len(records), len(active))
    timings["total"] = time.perf_counter() - t0
    return CompareResult(county_code, reports, active, counts, sorted(scope), timings,
                         list(getattr(prepared, "skipped", [])))


def _dedupe(clues: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: set[str] = set()
    out: list[dict[str, Any]] = []
    for c in clues:
        if c["key"] not in seen:
            seen.add(c["key"])
            out.append(dict(c))
    return out


def compare_files(
    engine: Engine,
    paths: Sequence[str | Path],
    county: str | None = None,
    dept: str | None = None,
    rules_path: str | Path | None = None,
) -> CompareResult:
    """Read, infer, store and compare department files in one call (see the module docstring).

    Raises ``ReadError``, ``AmbiguousDepartment``, ``RuleError`` (before anything is written) or ``DatabaseError``.
    """
    rules = load_rules(rules_path)
    with gc_paused():
        prepared = prepare(paths, dept)
        return run_comparison(engine, prepared, county, rules)
