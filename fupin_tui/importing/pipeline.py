"""The import run: files → sheets → header → rows → households/members → one database transaction.

:func:`import_files` is the public entry point (``fupin import`` and ``fupin demo`` call it). Order of work:

1. Files already imported (same sha256 on an ``import_file`` row) are skipped before anything is read; a second copy
   of the same file in one run likewise.
2. Every other file is opened by content (:mod:`.readers`), each sheet's header searched with the roster lookup and
   the income lookup (:mod:`fupin_tui.headers`). A sheet is a *roster* when its header has 户编号 and person columns
   (人编号 or 与户主关系); an *income table* when it has 户编号 and at least two income/conditions columns. A sheet
   that looks like one of them but lacks a key column (:func:`incomplete_export`: a renamed 户编号 …) raises
   :class:`ImportFailure` naming file, sheet, header row and column. A file with neither but a recognisable header
   of another table (a department list: 姓名, 身份证号 …) is named and skipped; a file with no recognisable header at
   all, empty, encrypted or not a spreadsheet raises :class:`ImportFailure` and the run writes nothing. Mapped
   sheets get warnings (:func:`sheet_warnings`: no data rows, key columns stored as Excel numbers).
3. Rows are mapped (:mod:`.mapping`): rosters first, then income tables, whatever order the shell gave (files sorted
   by detected kind, then name).
4. County code: ``county`` when given, else the first 6 digits of 户编号 (national 户编号 start with the county's
   6-digit 行政区划代码, e.g. 42282200000001 → 422822), the most common prefix among the households of one county
   name (县(市、区、旗) column, or the title row); a ``county`` the 户编号 contradict gives a warning. County name:
   that column, else the title row.
   Data year: the roster's title row (``数据年度：2015``), else ``data_year``, else the county's year already in the
   database; refused when none gives it, or when files of one run (or the database) disagree.
5. Storage (:mod:`.store`) in one transaction (:func:`fupin_tui.models.bulk_connection`); ``dry_run`` rolls it back.

``tables=`` (:class:`~fupin_tui.importing.extra.ExtraKinds`, e.g. :data:`fupin_tui.villages.VILLAGE_TABLES`) adds
table kinds: a sheet that is neither roster nor income table is offered to its ``classify``; a recognised sheet is
parsed while its file is read and written in the same transaction after the county exports.

When the files after the first hold at least :data:`PARALLEL_MIN_BYTES`, a reader process reads them while the main
process reads the largest roster (python-calamine holds the GIL while it parses, so threads would not overlap); each
file's outcome is merged in file order, so the result is the same as reading one after another. See
``docs/importing.md`` for every rule.

Income rows whose household is not in any roster (this run's or the database's) are imported as households with
``has_income_record`` and no members: the rulebook reports households without members.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.engine import Engine

from fupin_tui import headers as _headers
from fupin_tui.headers import INCOME_LOOKUP, ROSTER_LOOKUP, build_lookup
from fupin_tui.importing.errors import ImportFailure, column_letter
from fupin_tui.importing.extra import ExtraKinds, ExtraRun
from fupin_tui.importing.mapping import (
    INCOME_FLOAT,
    HouseholdAcc,
    IncomeBuilder,
    IncomeRecord,
    RosterBuilder,
    SheetRef,
)
from fupin_tui.importing.readers import Workbook, file_sha256, gc_paused, open_workbook, release_memory
from fupin_tui.importing.report import (
    ALREADY,
    DUPLICATE,
    EMPTY,
    IMPORTED,
    INCOME,
    KIND_LABELS,
    NOT_IMPORTED,
    OTHER,
    ROSTER,
    SKIPPED,
    CountySummary,
    FileResult,
    ImportReport,
    SheetResult,
)
from fupin_tui.importing.tables import (
    HeaderMatch,
    find_header,
    is_blank,
    iter_raw,
    scan_sheet,
    title_county_name,
    title_data_year,
)
from fupin_tui.models.tables import ImportFile

#: Fields that make a sheet a roster (besides 户编号): person-level columns.
ROSTER_PERSON_FIELDS = frozenset({"member_no", "relation"})
#: Income-table fields that identify the income table (at least two besides 户编号).
INCOME_MARKERS = frozenset(INCOME_FLOAT) | {"electricity", "road_type", "declared_size"}
#: Fields whose value makes a roster/income row a data row (never a 合计 row).
ROSTER_KEYS = ("household_no", "member_no", "id_number", "name")
INCOME_KEYS = ("household_no", "head_id_number", "head_name")


def _other_lookups() -> list[dict[str, str]]:
    """Lookups of every other table :mod:`fupin_tui.headers` knows (department lists, and any ``*_SYNONYMS`` table
    such as village, hamlet, county, project tables): a sheet matching one of them is readable but not a county
    export, so it is skipped with a line instead of failing the run."""
    out = [build_lookup({"id": _headers.DEPT_ID_SYNONYMS, "name": _headers.DEPT_NAME_SYNONYMS})]
    for name in sorted(dir(_headers)):
        table = getattr(_headers, name)
        if name.endswith("_SYNONYMS") and name not in ("ROSTER_SYNONYMS", "INCOME_SYNONYMS") \
                and isinstance(table, dict) and table:
            out.append(build_lookup(table))
    return out


#: Recognisable table headers that are not county exports (department lists, village tables …).
OTHER_LOOKUPS: list[dict[str, str]] = _other_lookups()

#: Person-level roster fields that neither department lists nor the household-level income table carry: three of
#: them make a sheet look like a roster even without its key columns.
ROSTER_ONLY_FIELDS = frozenset({
    "member_no", "school_status", "labour_skill", "work_status", "work_months", "serious_illness_insurance",
    "new_rural_coop", "pension_insurance",
})


@dataclass(frozen=True)
class IncompleteExport:
    """A sheet that looks like a county export (roster or income table) but lacks a key column: ``label`` (花名册 /
    户收入及生产生活条件), its header, the Chinese names of the missing columns, why it looks like one (Chinese)."""

    label: str
    header: HeaderMatch
    missing: tuple[str, ...]
    why: str


def _dept_signature(match: HeaderMatch, min_score: int = 2) -> bool:
    """True when the header carries a department list's tell-tale columns (人员状态, 保障类型 … scored by
    :func:`fupin_tui.compare.infer.header_scores`, at least ``min_score`` points for one department; a roster's own
    危房户 scores 2 for 住建)."""
    from fupin_tui.compare.infer import header_scores  # here: fupin_tui.compare imports this package

    scores, _ = header_scores(list(match.labels.values()))
    return any(v >= min_score for v in scores.values())


def incomplete_export(
    head: Sequence[Sequence[Any]], merged=(), first_col: int = 0,  # noqa: ANN001
) -> IncompleteExport | None:
    """A sheet that is neither a roster nor an income table by :func:`classify_sheet` but looks like one with a key
    column missing (a renamed 户编号 column …), or None.

    Looks like a roster: a header with at least 3 roster columns under a title naming a 贫困人口 / 建档立卡 花名册
    (departments call their lists 花名册 too: 危房改造对象花名册); or at least 3 of :data:`ROSTER_ONLY_FIELDS`; or
    与户主关系 + 证件号码 + 姓名 — the first and last only without any department list's tell-tale column (a 公安 户籍
    list has 与户主关系 too, with 人员状态 …). Looks like an income table: 3 income columns
    (:data:`INCOME_MARKERS`), or a title naming 收入 and 3 income-table columns. Missing: 户编号, and for a roster
    人编号 or 与户主关系. Department lists and other tables are not matched: they are skipped, not refused.
    """
    rm = find_header(head, ROSTER_LOOKUP, min_fields=3, merged=merged, first_col=first_col)
    if rm is not None:
        got = rm.field_set
        title = "".join(rm.title_lines)
        why = ""
        if "花名册" in title and ("贫困" in title or "建档立卡" in title) and not _dept_signature(rm, 3):
            why = "标题为贫困人口花名册"
        elif len(got & ROSTER_ONLY_FIELDS) >= 3:
            why = "有" + "、".join(_labels(rm, got & ROSTER_ONLY_FIELDS)) + "等花名册列"
        elif {"relation", "id_number", "name"} <= got and not _dept_signature(rm):
            why = "有" + "、".join(_labels(rm, {"name", "id_number", "relation"})) + "等花名册列"
        if why:
            missing = []
            if "household_no" not in got:
                missing.append("户编号")
            if not got & ROSTER_PERSON_FIELDS:
                missing.append("人编号或与户主关系")
            if missing:
                return IncompleteExport(KIND_LABELS[ROSTER], rm, tuple(missing), why)
    im = find_header(head, INCOME_LOOKUP, min_fields=3, merged=merged, first_col=first_col)
    if im is not None and "household_no" not in im.field_set:
        markers = im.field_set & INCOME_MARKERS
        title = "".join(im.title_lines)
        if len(markers) >= 3 or ("收入" in title and len(im.field_set) >= 3):
            why = "有" + "、".join(_labels(im, markers)) + "等收入列" if markers else "标题为户收入表"
            return IncompleteExport(KIND_LABELS[INCOME], im, ("户编号",), why)
    return None


def _labels(match: HeaderMatch, fields: set[str] | frozenset[str], limit: int = 4) -> list[str]:
    """Header texts of ``fields`` in column order (at most ``limit``)."""
    out = [match.labels.get(pos, f).replace("\n", "") for pos, f in sorted(match.fields.items()) if f in fields]
    return out[:limit]


#: Unmapped header texts that may be the household number under another name (a hint in the refusal).
_HOUSEHOLD_NO_LIKE = re.compile(r"户.{0,3}(号|码|编号|编码|代码|ID)$", re.I)


def _incomplete_message(inc: IncompleteExport) -> str:
    """The refusal for an :class:`IncompleteExport` (the location is added by :class:`ImportFailure`)."""
    names = "、".join(f"“{m}”" for m in inc.missing)
    text = f"表头像是{inc.label}（{inc.why}），但没有{names}列，无法导入"
    if "户编号" in inc.missing:
        alt = [s for s in _headers.ROSTER_SYNONYMS["household_no"] if s != "户编号"]
        text += f"（“户编号”列也可以叫 {'、'.join(alt)}）" if alt else ""
        like = [(pos, t) for pos, t in sorted(inc.header.unmapped.items())
                if _HOUSEHOLD_NO_LIKE.search(_headers.normalize_header(t))]
        if like:
            cols = "、".join(inc.header.column_name(pos) for pos, _ in like)
            text += f"；若 {cols} 列就是建档立卡的户编号，请把列名改为“户编号”后重新导入"
        else:
            text += "；请从系统重新导出，保留“户编号”列"
    return text


class Progress(Protocol):
    """Progress sink (the CLI's rich bar). ``start`` a sheet with its row count, ``advance`` by rows, ``finish``."""

    def start(self, label: str, total: int | None) -> None: ...

    def advance(self, n: int) -> None: ...

    def finish(self) -> None: ...


@dataclass
class RunPlan:
    """Everything a run parsed, ready for :func:`fupin_tui.importing.store.apply_run`."""

    roster: RosterBuilder
    income: IncomeBuilder
    sheets: dict[int, tuple[FileResult, SheetResult, SheetRef]] = field(default_factory=dict)
    household_county: dict[str, str] = field(default_factory=dict)  # 户编号 → county code (roster households)
    income_county: dict[str, str] = field(default_factory=dict)  # 户编号 → county code (income records)
    county_names: dict[str, str] = field(default_factory=dict)
    county_years: dict[str, int | None] = field(default_factory=dict)
    roster_counties: set[str] = field(default_factory=set)


def _order_key(path: Path) -> tuple[int, str]:
    """Files by their likely kind (roster, income table, others), then name: the merge order of a run, so the result
    does not depend on the order the shell gave. (The kind itself is decided by each file's header.)"""
    name = path.name
    if "花名册" in name:
        return (0, name)
    if "收入" in name or "生产生活" in name:
        return (1, name)
    return (2, name)


def _main_file(paths: list[Path]) -> int:
    """Index of the file the main process reads itself (the others go to the reader process): the largest of the
    likely rosters, else the largest file — its rows are what the main process stores."""
    def size(p: Path) -> int:
        try:
            return p.stat().st_size
        except OSError:
            return 0

    rosters = [i for i, p in enumerate(paths) if _order_key(p)[0] == 0]
    pool = rosters or list(range(len(paths)))
    return max(pool, key=lambda i: size(paths[i]))


def _check_county(county: str | None) -> str | None:
    if county is None:
        return None
    county = county.strip()
    if not re.fullmatch(r"\d{6}", county):
        raise ImportFailure(f"县代码应为6位数字（行政区划代码），而不是“{county}”")
    return county


@dataclass
class FileOutcome:
    """What reading one file gave (in the main process or the reader process): the file's result, its own roster and
    income builders (merged into the run's in file order), the extra table kinds' run of its sheets (None without
    ``tables=``), its title-row data year and its sheets."""

    result: FileResult
    roster: RosterBuilder
    income: IncomeBuilder
    extra: ExtraRun | None = None
    sheets: dict[int, tuple[FileResult, SheetResult, SheetRef]] = field(default_factory=dict)
    title_year: int | None = None
    sheet_titles: dict[int, str | None] = field(default_factory=dict)


#: Files smaller than this (bytes, all "other" files together) are read in the main process: a second process costs
#: more than it saves.
PARALLEL_MIN_BYTES = 1 << 20


def read_file(
    path: Path, file_no: int, progress: Progress | None = None, sha256: str | None = None,
    tables: ExtraKinds | None = None, county: str | None = None,
) -> FileOutcome:
    """Open, classify and map one file (see the module docstring). Sheets are numbered ``file_no * 1000 + i``.
    ``tables``/``county``: extra table kinds and ``--county`` (for their run). Raises :class:`ImportFailure` for an
    unreadable file."""
    wb = open_workbook(path, sha256)
    result = FileResult(wb.name, str(path), IMPORTED, wb.format, wb.encoding, wb.sha256)
    out = FileOutcome(result, RosterBuilder(), IncomeBuilder(), tables.new_run(county) if tables else None)
    _read_file(wb, out, file_no, progress, tables)
    return out


def _read_in_worker(
    path: str, file_no: int, spool: str, sha256: str | None = None, tables: ExtraKinds | None = None,
    county: str | None = None,
) -> str | ImportFailure:
    """Reader-process entry point: the outcome pickled into the file ``spool`` (the main process loads it once it has
    finished its own file, so both never sit in its memory at once), or the ImportFailure as a value."""
    import pickle

    try:
        with gc_paused():
            out = read_file(Path(path), file_no, None, sha256, tables, county)
    except ImportFailure as exc:
        return exc
    with open(spool, "wb") as fh:
        pickle.dump(out, fh, protocol=pickle.HIGHEST_PROTOCOL)
    return spool


def _fork_safe() -> bool:
    """True where the reader process can be forked: Linux, and no other thread running (a TUI worker, a progress
    thread) whose locks a forked child could inherit held."""
    import sys
    import threading

    return sys.platform.startswith("linux") and threading.active_count() == 1


def _pool_context():  # noqa: ANN202
    import multiprocessing as mp

    return mp.get_context("fork" if _fork_safe() else "spawn")


def import_files(
    engine: Engine | None,
    paths: Iterable[str | Path],
    *,
    county: str | None = None,
    data_year: int | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
    parallel: bool | None = None,
    tables: ExtraKinds | None = None,
) -> ImportReport:
    """Import county export files (rosters, income tables) into the database of ``engine`` in ONE transaction.

    Args:
        engine: the database (:func:`fupin_tui.models.get_engine`); may be None only with ``dry_run`` (nothing is
            compared with a database then).
        paths: files in any order and any supported layout (see :mod:`fupin_tui.importing.readers`).
        county: the 6-digit county code for every household (default: the first 6 digits of 户编号).
        data_year: the data year (数据年度) when the roster's title row does not give it.
        dry_run: parse, map and compare, print-ready, but write nothing (the transaction is rolled back).
        progress: optional :class:`Progress` sink (the main process's file only).
        parallel: read the files after the first in a second process while the main process reads the first (the
            roster, by name) — ``None``: when they hold at least :data:`PARALLEL_MIN_BYTES`. Results are the same.
        tables: extra table kinds recognised, parsed and written in the same transaction
            (:mod:`fupin_tui.importing.extra`; ``fupin import`` passes :data:`fupin_tui.villages.VILLAGE_TABLES`).
            Without it, such tables are skipped as "not a county export".

    Returns an :class:`ImportReport` (``tables``: the extra run's report). Raises :class:`ImportFailure` (Chinese message naming file, sheet, row, column)
    when a file cannot be read at all or the run must be refused; the database is then unchanged.
    """
    county = _check_county(county)
    if engine is None and not dry_run:
        raise ValueError("engine is required unless dry_run")
    try:
        with gc_paused():
            return _import_files(engine, paths, county, data_year, dry_run, progress, parallel, tables)
    finally:
        release_memory()


def _import_files(
    engine: Engine | None, paths: Iterable[str | Path], county: str | None, data_year: int | None, dry_run: bool,
    progress: Progress | None, parallel: bool | None, tables: ExtraKinds | None,
) -> ImportReport:
    report = ImportReport(dry_run=dry_run)
    unique: dict[Path, None] = {}
    for p in paths:
        unique.setdefault(Path(p), None)
    ordered = sorted(unique, key=_order_key)

    kinds = (ROSTER, INCOME, *(tables.labels if tables else ()))
    known_sha = _imported_hashes(engine, kinds) if engine is not None else {}
    seen_sha: dict[str, str] = {}
    to_read: list[Path] = []
    digests: dict[Path, str] = {}
    results: dict[Path, FileResult] = {}
    for path in ordered:
        if not path.is_file() or path.stat().st_size == 0:
            to_read.append(path)  # open_workbook names the problem
            continue
        digest = file_sha256(path)
        if digest in known_sha or digest in seen_sha:
            result = FileResult(path.name, str(path), ALREADY if digest in known_sha else DUPLICATE, sha256=digest)
            result.message = (f"已导入过（与数据库中的 {known_sha[digest][0]} 内容相同），跳过" if digest in known_sha
                              else f"与本次的 {seen_sha[digest]} 内容相同，跳过")
            report.files.append(result)
            results[path] = result
            continue
        seen_sha[digest] = path.name
        digests[path] = digest
        to_read.append(path)

    outcomes = _read_all(to_read, progress, parallel, digests, tables, county)
    roster, income = RosterBuilder(), IncomeBuilder()
    plan = RunPlan(roster, income)
    extra = tables.new_run(county) if tables else None
    title_years: dict[str, int] = {}
    sheet_titles: dict[int, str | None] = {}
    for path, out in zip(to_read, outcomes, strict=True):
        report.files.append(out.result)
        results[path] = out.result
        roster.merge(out.roster)
        income.merge(out.income)
        if extra is not None and out.extra is not None:
            extra.merge(out.extra)
        plan.sheets.update(out.sheets)
        sheet_titles.update(out.sheet_titles)
        for sres in out.result.sheets:
            report.warnings.extend(sres.warnings)
        if out.title_year is not None:
            title_years[out.result.name] = out.title_year

    roster.finish()
    heads = {acc.head_id_norm: no for no, acc in roster.households.items() if acc.head_id_norm}
    income.finish(heads)

    _resolve_counties(plan, county, sheet_titles)
    if county is not None:
        mismatch = _county_mismatch(plan, county)
        if mismatch:
            report.warnings.append(mismatch)
    _resolve_years(plan, title_years, data_year, engine, report)

    order = {ROSTER: 0, INCOME: 1}
    report.files.sort(key=lambda f: (min((order.get(k, 2) for k in f.kinds), default=3), f.status, f.name))
    report.rejects = [r for _, r in sorted(roster.rejects + income.rejects, key=lambda x: (x[0], x[1].row))]
    report.households = len(set(roster.households) | set(income.records))
    report.members = sum(len(a.members) for a in roster.households.values())
    counts: dict[str, list[int]] = {}
    for no, acc in roster.households.items():
        c = counts.setdefault(plan.household_county[no], [0, 0])
        c[0] += 1
        c[1] += len(acc.members)
    for no, code in plan.income_county.items():
        if no not in roster.households:
            counts.setdefault(code, [0, 0])[0] += 1
    report.counties = [
        CountySummary(code, plan.county_names.get(code, ""), plan.county_years.get(code), hh, mm)
        for code, (hh, mm) in sorted(counts.items())
    ]

    if extra is not None:
        _list_extra_files(extra, ordered, results, known_sha, tables)
    if engine is not None and report.rows_imported + report.rows_rejected > 0:
        from fupin_tui.importing.store import apply_run

        report.changes = apply_run(engine, plan, report, dry_run=dry_run, extra=extra)
    if extra is not None:
        report.rejects += extra.rejects
        report.tables = extra.finish(dry_run or engine is None)
    return report


def _list_extra_files(
    extra: ExtraRun, ordered: list[Path], results: dict[Path, FileResult], known_sha: dict[str, tuple[str, str]],
    tables: ExtraKinds,
) -> None:
    """Tell the extra run its files in run order: those with a sheet of its kinds, those already imported as one of
    its kinds, and in-run copies of such files."""
    by_sha = {r.sha256: r for r in results.values() if r.status == IMPORTED}
    for path in ordered:
        r = results.get(path)
        if r is None:
            continue
        if r.status == IMPORTED:
            mine = any(s.kind in tables.labels for s in r.sheets)
        elif r.status == ALREADY:
            mine = known_sha[r.sha256][1] in tables.labels
        else:
            first = by_sha.get(r.sha256)
            mine = first is not None and any(s.kind in tables.labels for s in first.sheets)
        if mine:
            extra.add_file(r)


def _read_all(
    paths: list[Path], progress: Progress | None, parallel: bool | None, digests: dict[Path, str] | None = None,
    tables: ExtraKinds | None = None, county: str | None = None,
) -> list[FileOutcome]:
    """Read every file; the outcomes come back in ``paths`` order. With ``parallel``, the main process reads the
    largest likely roster (:func:`_main_file`) while a reader process reads the others (see :func:`import_files`)."""
    if not paths:
        return []
    main = _main_file(paths)
    rest = [i for i in range(len(paths)) if i != main]
    if parallel is None:
        size = 0
        for i in rest:
            try:
                size += paths[i].stat().st_size
            except OSError:
                pass
        # automatic only where fork is safe: spawn re-imports the caller's main module, which a script may not guard
        parallel = size >= PARALLEL_MIN_BYTES and _fork_safe()
    digests = digests or {}
    if not parallel or not rest:
        return [read_file(p, i, progress, digests.get(p), tables, county) for i, p in enumerate(paths)]
    import pickle
    import tempfile
    from concurrent.futures import ProcessPoolExecutor

    outcomes: list[FileOutcome | None] = [None] * len(paths)
    with tempfile.TemporaryDirectory(prefix="fupin-import-") as spool_dir, \
            ProcessPoolExecutor(max_workers=1, mp_context=_pool_context()) as pool:
        futures = [(i, pool.submit(_read_in_worker, str(paths[i]), i, str(Path(spool_dir) / f"{i}.pickle"),
                                   digests.get(paths[i]), tables, county)) for i in rest]
        try:
            outcomes[main] = read_file(paths[main], main, progress, digests.get(paths[main]), tables, county)
            for i, fut in futures:
                got = fut.result()
                if isinstance(got, ImportFailure):
                    raise got
                with open(got, "rb") as fh:
                    outcomes[i] = pickle.load(fh)  # noqa: S301 - our own reader process wrote it just now
                Path(got).unlink()
        except BaseException:
            for _i, fut in futures:
                fut.cancel()
            raise
    return [o for o in outcomes if o is not None]


def _imported_hashes(engine: Engine, kinds: Sequence[str]) -> dict[str, tuple[str, str]]:
    """sha256 → (file name, kind) of the files imported before as one of ``kinds`` (versions replaced by a newer file
    of the same name, ``details["superseded"]``, do not count)."""
    from fupin_tui.models.db import read_session

    with read_session(engine) as s:
        rows = s.execute(select(ImportFile.sha256, ImportFile.name, ImportFile.kind, ImportFile.details)
                         .where(ImportFile.kind.in_(kinds)))
        return {sha: (name, kind) for sha, name, kind, details in rows if not (details or {}).get("superseded")}


def classify_sheet(
    head: Sequence[Sequence[Any]], merged=(), first_col: int = 0, tables: ExtraKinds | None = None,  # noqa: ANN001
) -> tuple[str, HeaderMatch | None]:
    """(kind, header) of a sheet from its first rows (spreadsheet row 1 on; the importer reads 16): ``roster``,
    ``income``, an extra kind of ``tables``, else ``other`` (header of another known table, or None) / ``empty``.
    The department comparison uses it too, to skip the county's own export files."""
    if all(is_blank(r) for r in head):
        return EMPTY, None
    rm = find_header(head, ROSTER_LOOKUP, required=("household_no",), min_fields=3, merged=merged,
                     first_col=first_col)
    im = find_header(head, INCOME_LOOKUP, required=("household_no",), min_fields=3, merged=merged,
                     first_col=first_col)
    roster_ok = rm is not None and bool(rm.field_set & ROSTER_PERSON_FIELDS)
    income_ok = im is not None and len(im.field_set & INCOME_MARKERS) >= 2
    if roster_ok:  # person columns win: a roster also maps some income lookups (人数, 人均纯收入)
        return ROSTER, rm
    if income_ok:
        return INCOME, im
    if tables is not None:
        kind, m = tables.classify(head, merged, first_col)
        if kind is not None and m is not None:
            return kind, m
    for lookup in (*OTHER_LOOKUPS, ROSTER_LOOKUP, INCOME_LOOKUP):
        m = find_header(head, lookup, min_fields=2, merged=merged, first_col=first_col)
        if m is not None:
            return OTHER, m
    return OTHER, None


def _read_file(
    wb: Workbook, out: FileOutcome, file_no: int, progress: Progress | None, tables: ExtraKinds | None = None,
) -> None:
    result = out.result
    recognised_other = False
    unrecognised: list[str] = []
    for i in range(len(wb.sheet_names)):
        sheet = wb.load(i)
        head, rest = scan_sheet(sheet)
        kind, match = classify_sheet(head, sheet.merged, sheet.first_col, tables)
        label = KIND_LABELS.get(kind) or (tables.labels.get(kind, kind) if tables else kind)
        sres = SheetResult(sheet.name, kind, label)
        result.sheets.append(sres)
        if match is not None:
            sres.header_row = match.row
            sres.mapping = match.mapping()
            sres.title = match.title_lines
        if kind == EMPTY:
            sres.note = "空工作表"
            continue
        if kind == OTHER:
            inc = incomplete_export(head, sheet.merged, sheet.first_col)
            if inc is not None:
                raise ImportFailure(_incomplete_message(inc), wb.name, sheet.name, inc.header.row)
            if match is not None:
                recognised_other = True
                sres.note = "不是花名册或户收入表（表头中没有户编号及人员或收入列）"
            else:
                unrecognised.append(sheet.name)
                sres.note = "前 15 行中没有可识别的表头"
            continue
        assert match is not None
        if kind not in (ROSTER, INCOME):
            assert out.extra is not None
            out.extra.add_sheet(result, sres, sheet, match, chain(head, rest))
            del rest, head, sheet
            continue
        index = file_no * 1000 + i
        ref = SheetRef(wb.name, sheet.name, index, match)
        out.sheets[index] = (result, sres, ref)
        if kind == ROSTER:
            year = title_data_year(match.title_lines)
            if year is not None and out.title_year is None:
                out.title_year = year
            out.sheet_titles[index] = title_county_name(match.title_lines)
        keys = ROSTER_KEYS if kind == ROSTER else INCOME_KEYS
        rows = iter_raw(sheet, match, key_fields=keys, rows=chain(head, rest))
        below = max(sheet.height - match.row, 0)
        if progress is not None:
            progress.start(f"{wb.name}［{sheet.name}］", below or None)
        builder = out.roster if kind == ROSTER else out.income
        try:
            sres.counts = builder.add_sheet(ref, rows, progress.advance if progress is not None else None)
        finally:
            if progress is not None:
                progress.finish()
        sres.warnings.extend(sheet_warnings(wb.name, sres, match))
        del rows, rest, head, sheet
        release_memory()
    imported = [s for s in result.sheets if s.kind not in NOT_IMPORTED]
    if imported:
        for s in result.sheets:
            if s.kind == OTHER and not s.note:
                s.note = "未导入"
        return
    if recognised_other:
        result.status = SKIPPED
        result.message = "不是县级导出数据（没有“户编号”及人员或收入列：可能是部门名单），已跳过"
        return
    if unrecognised:
        sheet_name = unrecognised[0] if len(result.sheets) == 1 else None
        raise ImportFailure(
            "未找到可识别的表头（前 15 行中没有“户编号”“人编号”“证件号码”等列名），无法导入", wb.name, sheet_name
        )
    raise ImportFailure("文件中没有数据（所有工作表都是空的）", wb.name)


#: Key columns whose cells must be text: field → what happens to a number cell in the rulebook.
NUMBER_KEY_FIELDS = ("household_no", "member_no", "id_number", "head_id_number", "phone", "bank_account")


def number_warning(label: str, cells: int, truncated: int, file: str, sheet: str, column: str) -> str:
    """The warning for a key column (``label``: its header text) with ``cells`` values stored as Excel numbers,
    ``truncated`` of them longer than 15 digits (Excel keeps 15 significant digits: the rest is lost for good)."""
    where_ = f"（文件 {file}，工作表「{sheet}」，第 {column} 列）"
    if truncated == cells:
        return (f"{label}列有 {cells} 个值以数字形式存储，超过15位的数字已被 Excel 截断，无法恢复；"
                f"已按原样导入，核查时将逐条列为疑点{where_}")
    if truncated:
        return (f"{label}列有 {cells} 个值以数字形式存储，其中 {truncated} 个超过15位、已被 Excel 截断，无法恢复；"
                f"已按原样导入，核查时将逐条列为疑点{where_}")
    zero = "，但以 0 开头的号码会丢掉开头的 0" if "电话" in label or "手机" in label else ""
    return (f"{label}列有 {cells} 个值以数字形式存储（都不超过15位，数字未丢失{zero}）；"
            f"已按原样导入，请在原表中把该列设为文本格式{where_}")


def sheet_warnings(file: str, sres: SheetResult, match: HeaderMatch) -> list[str]:
    """Warnings about one roster / income sheet once mapped: no data rows below the header; key columns
    (:data:`NUMBER_KEY_FIELDS`) with cells stored as Excel numbers (:func:`number_warning`), in column order."""
    out: list[str] = []
    c = sres.counts
    if c.total - c.skipped == 0:
        what = "花名册" if sres.kind == ROSTER else "户收入表"
        out.append(f"{what} {file} 的工作表「{sres.sheet}」没有数据行（表头在第 {match.row} 行，其下"
                   + ("没有任何行" if c.total == 0 else f"只有 {c.total} 行空行、合计行或重复表头") + "），未导入任何"
                   + ("人员" if sres.kind == ROSTER else "户") + "；请检查导出的文件是否完整")
    positions = {f: p for p, f in sorted(match.fields.items(), reverse=True)}  # first column of a field wins
    for fld in sorted(c.number_cells, key=lambda f: positions.get(f, 0)):
        pos = positions.get(fld)
        if pos is None:
            continue
        cells, truncated = c.number_cells[fld]
        label = match.labels.get(pos, fld).replace("\n", "")
        out.append(number_warning(label, cells, truncated, file, sres.sheet, column_letter(match.first_col + pos)))
    return out


def _majority_prefix(numbers: Iterable[str]) -> str | None:
    c = Counter(n[:6] for n in numbers if len(n) >= 6 and n[:6].isdigit() and n[:6].isascii())
    if not c:
        return None
    return min(c.items(), key=lambda kv: (-kv[1], kv[0]))[0]


def _no_county(plan: RunPlan, sheet: int, row: int) -> ImportFailure:
    """The refusal for households whose 户编号 give no county code (first one: ``sheet`` index, ``row``)."""
    ref = plan.sheets[sheet][2]
    return ImportFailure("无法从户编号确定县代码（户编号应以6位行政区划代码开头）；请用 --county 指定县代码",
                         ref.file, ref.sheet, row, ref.header.field_column("household_no"))


def _county_mismatch(plan: RunPlan, county: str) -> str | None:
    """The warning when ``--county`` is not the prefix of the run's 户编号 (national 户编号 start with the county's
    6-digit code): how many households do not start with it, and the prefix most of them have."""
    numbers = list(plan.roster.households) + [no for no in plan.income.records if no not in plan.roster.households]
    if not numbers:
        return None
    odd = [no for no in numbers if not no.startswith(county)]
    if not odd:
        return None
    common = _majority_prefix(odd)
    name = plan.county_names.get(county) or ""
    same = common is not None and all(no.startswith(common) for no in odd)
    hint = (f"，都以 {common} 开头" if same else f"，其中多数以 {common} 开头") if common else ""
    named = f"；文件中的县名是{name}" if name else ""
    return (f"--county {county} 与户编号不符：本次 {len(numbers)} 户中有 {len(odd)} 户的户编号不以 {county} 开头{hint}"
            f"{named}。已按 --county {county} 导入；户编号应以县的6位行政区划代码开头，请确认县代码是否写错")


def _resolve_counties(plan: RunPlan, county: str | None, sheet_titles: dict[int, str | None]) -> None:
    roster, income = plan.roster, plan.income
    groups: dict[str, list[HouseholdAcc]] = {}
    for acc in roster.households.values():
        name = acc.values.get("county") or sheet_titles.get(acc.sheet) or ""
        acc.county_name = name or None
        groups.setdefault(name, []).append(acc)
    names_by_code: dict[str, Counter] = {}
    for name, accs in groups.items():
        code = county or _majority_prefix(a.household_no for a in accs)
        if code is None:
            raise _no_county(plan, accs[0].sheet, accs[0].row)
        for a in accs:
            plan.household_county[a.household_no] = code
        names_by_code.setdefault(code, Counter())[name] += len(accs)
        plan.roster_counties.add(code)
    for code, names in names_by_code.items():
        named = [(n, c) for n, c in names.items() if n]
        plan.county_names[code] = max(named, key=lambda x: x[1])[0] if named else ""
    loose: list[IncomeRecord] = []
    for no, rec in income.records.items():
        code = plan.household_county.get(no)
        if code is not None:
            plan.income_county[no] = code
        else:
            loose.append(rec)
    if loose:
        code = county or _majority_prefix(r.household_no for r in loose)
        if code is None:
            raise _no_county(plan, loose[0].sheet, loose[0].row)
        for rec in loose:
            plan.income_county[rec.household_no] = code
        plan.county_names.setdefault(code, "")
    titled = {n for n in sheet_titles.values() if n}
    if len(titled) == 1 and not roster.households:  # a roster without data rows still names its county (title)
        for code, name in plan.county_names.items():
            if not name:
                plan.county_names[code] = next(iter(titled))


def _resolve_years(
    plan: RunPlan, title_years: dict[str, int], data_year: int | None, engine: Engine | None, report: ImportReport,
) -> None:
    years = set(title_years.values())
    if len(years) > 1:
        detail = "，".join(f"{f} 为 {y}" for f, y in sorted(title_years.items()))
        raise ImportFailure(f"各文件标题行中的数据年度不一致（{detail}）；请分开导入到不同的数据库")
    title_year = next(iter(years)) if years else None
    if title_year is not None and data_year is not None and data_year != title_year:
        report.warnings.append(f"--data-year {data_year} 与花名册标题行的数据年度 {title_year} 不同，按标题行取 {title_year}")
    year = title_year if title_year is not None else data_year
    codes = set(plan.household_county.values()) | set(plan.income_county.values())
    db_years: dict[str, int | None] = {}
    if engine is not None and codes:
        from fupin_tui.models.db import read_session
        from fupin_tui.models.tables import County

        with read_session(engine) as s:
            for code, y in s.execute(select(County.code, County.data_year).where(County.code.in_(sorted(codes)))):
                db_years[code] = y
    for code in sorted(codes):
        have = db_years.get(code)
        if year is None and have is None:
            raise ImportFailure(
                f"无法确定县 {code} 的数据年度：花名册标题行中没有“数据年度”，数据库中也没有；请用 --data-year 指定（例如 --data-year 2015）"
            )
        if year is not None and have is not None and year != have:
            raise ImportFailure(
                f"数据库中县 {code} 的数据年度为 {have}，本次文件为 {year}；不同年度的数据请导入到另一个数据库"
            )
        plan.county_years[code] = year if year is not None else have
