"""Import the village, natural-village, county, assistance-project tables and the 组织部 list (issue 8).

These are extra table kinds of the county-export importer (:mod:`fupin_tui.importing.extra`): :data:`VILLAGE_TABLES`
makes :func:`fupin_tui.importing.import_files` recognise them by its own file-kind detection, parse them while it
reads each file (once), and write them in its ONE transaction after the roster and income table. Hence the same
conventions:

- files are read by content (:func:`fupin_tui.importing.readers.open_workbook`), each sheet's header found by synonyms
  (:mod:`fupin_tui.headers`, :func:`fupin_tui.villages.kinds.classify`), rows mapped with their spreadsheet row
  numbers (:func:`fupin_tui.importing.tables.iter_rows`); every row below the header is imported, rejected
  (:class:`~fupin_tui.models.RejectedRow`, with file, sheet, row, column and a Chinese reason) or skipped (blank,
  合计, repeated header), counted on the sheet's :class:`~fupin_tui.importing.SheetResult`;
- one :class:`~fupin_tui.models.ImportFile` per sheet (kind ``village`` / ``hamlet`` / ``county`` / ``project`` /
  ``project_beneficiary`` / ``organization``) with its sha256 and row accounting; every stored row keeps
  ``source_file_id`` and its row (villages keep them in ``extra["village_table"]``);
- re-importing the same bytes adds nothing (the file is reported as already imported); a new version of a file (same
  name and sheet, other bytes) replaces the rows of the earlier version, whose ImportFile is marked ``superseded``;
- a file that cannot be read, or a sheet that cannot be placed in a county, raises
  :class:`~fupin_tui.importing.errors.ImportFailure` (Chinese, naming file, sheet, row and column) and the whole run
  (county exports included) is rolled back.

Placement: a village row matches an existing :class:`~fupin_tui.models.Village` (from the roster) by its 12-digit code,
else by name within its township, else by name alone when that name is unique in the county; an unknown village is
created (with its township) when the row names a township, else rejected. Natural villages, projects and 组织部 people
are placed in villages the same way. The county: ``county`` when given, else the 6-digit prefix of the villages'
12-digit codes, of the county table's code, or of the beneficiaries' 户编号; else the only county of the run or of the
database; else the run is refused ("请用 --county 指定").

Units: project money in 万元; households in 户, people in 人. After writing, the 组织部 comparison runs for every county
touched (:func:`fupin_tui.villages.organization.refresh_organization_clues`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Connection, Engine

from fupin_tui.glossary import yes_no
from fupin_tui.idnumber import IdKind, normalize_id
from fupin_tui.importing.errors import ImportFailure, Reject
from fupin_tui.importing.extra import ExtraKinds
from fupin_tui.importing.readers import SheetData, open_workbook
from fupin_tui.importing.report import ALREADY, IMPORTED, FileResult, ImportReport, RowTotals, SheetResult
from fupin_tui.importing.tables import DATA, HeaderMatch, header_keys, iter_rows, scan_sheet
from fupin_tui.importing.store import ensure_county, insert_rejects, supersede_file
from fupin_tui.importing.values import clean_key, key_corrupted, place_key, to_int, to_number, to_text
from fupin_tui.models.tables import (
    County,
    CountyIndicator,
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
from fupin_tui.villages.kinds import (
    BENEFICIARY,
    COUNTY,
    HAMLET,
    KIND_LABELS,
    KINDS,
    MONEY_FIELDS,
    ORGANIZATION,
    PROJECT,
    VILLAGE,
    classify,
    year_columns,
)

__all__ = [
    "VILLAGE_TABLES", "VillageImport", "VillageImportReport", "import_village_tables", "import_with_tables",
    "recognise",
]

# Reasons (Chinese, stable so tests and the report can refer to them).
REASON_NO_VILLAGE = "行政村名称和行政区划代码都为空，无法对应到任何行政村"
REASON_VILLAGE_NO_TOWNSHIP = "本县没有这个行政村，且没有乡(镇)名称，无法新建"
REASON_HAMLET_NO_NAME = "自然村名称为空"
REASON_HAMLET_NO_VILLAGE = "所属行政村为空，无法归入任何行政村"
REASON_HAMLET_UNKNOWN_VILLAGE = "所属行政村不在本县的行政村中（或有重名而没有乡(镇)），无法归入"
REASON_NO_INDICATOR = "指标名称为空"
REASON_NO_PROJECT = "项目编号和项目名称都为空"
REASON_BENEFICIARY_NO_PROJECT = "项目编号为空"
REASON_BENEFICIARY_UNKNOWN_PROJECT = "项目编号不在帮扶项目表中"
REASON_BENEFICIARY_EMPTY = "户编号和证件号码都为空"
REASON_ORG_EMPTY = "姓名和证件号码都为空"

_SPLIT = re.compile(r"[\s,，、;；/|]+")
_YEAR_TEXT = re.compile(r"((?:19|20)\d\d)")

_TABLES = {
    HAMLET: Hamlet.__table__, COUNTY: CountyIndicator.__table__, PROJECT: Project.__table__,
    BENEFICIARY: ProjectBeneficiary.__table__, ORGANIZATION: OrgPerson.__table__,
}
_IF = ImportFile.__table__
_V = Village.__table__
_T = Township.__table__
_H = Household.__table__
_M = Member.__table__
_P = Project.__table__
_B = ProjectBeneficiary.__table__


# ==================================================================================================== report


@dataclass
class VillageImportReport(RowTotals):
    """What the issue-8 tables of an import run did (``ImportReport.tables``; :func:`import_village_tables`).

    ``files``: the run's files with a sheet of these kinds (the importer's
    :class:`~fupin_tui.importing.FileResult`, also those skipped as already imported / duplicate), in run order;
    ``counts``: rows written by kind plus ``villages_matched`` / ``villages_created`` / ``villages_updated``;
    ``rejects``: the rejected rows of these sheets; ``clues``: the 组织部 comparison's upsert counts per county;
    ``warnings``: Chinese lines (people of the 组织部 list in no known village …); ``dry_run``: nothing was written.
    """

    files: list[FileResult] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    counties: list[str] = field(default_factory=list)
    clues: dict[str, dict[str, int]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    dry_run: bool = False

    def _sheets(self) -> Iterator[SheetResult]:
        for f in self.files:
            if f.status == IMPORTED:
                yield from (s for s in f.sheets if s.kind in KIND_LABELS)

    def lines(self) -> list[str]:
        """Chinese lines for the CLI beyond the importer's own (sheets, row accounting and rejected rows are printed
        with the county exports): the 组织部 clues per county and the warnings."""
        out = [f"组织部名单比对（县 {county}）：线索 {c.get('active', 0)} 条（新增 {c.get('new', 0)}）"
               for county, c in self.clues.items()]
        return out + self.warnings

    @property
    def anything(self) -> bool:
        """True when a row was imported now or a file had been imported before (``fupin import`` then succeeds)."""
        return self.rows_imported > 0 or any(f.status == ALREADY for f in self.files)


# ==================================================================================================== parsing


@dataclass
class _Row:
    """One mapped data row of a sheet: its 1-based row, converted values, unmapped columns, bad values."""

    row: int
    values: dict[str, Any]
    extra: dict[str, Any] = field(default_factory=dict)
    bad: dict[str, str] = field(default_factory=dict)


@dataclass
class _Sheet:
    file: FileResult
    result: SheetResult
    match: HeaderMatch
    rows: list[_Row] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    year_keys: dict[str, int] = field(default_factory=dict)  # county table: unmapped header key → year
    county: str | None = None

    def reject(self, row: int, fld: str | None, reason: str) -> None:
        self.rejects.append(Reject(self.file.name, self.result.sheet, row,
                                   self.match.field_column(fld) if fld else "", reason))
        self.result.counts.rejected += 1


_TEXT = {
    VILLAGE: ("county", "township", "village"),
    HAMLET: ("county", "township", "village", "name", "road", "electricity", "tap_water", "broadband"),
    COUNTY: ("county", "indicator", "unit", "is_poor_county"),
    PROJECT: ("county", "township", "village", "category", "name"),
    BENEFICIARY: ("project_name", "name"),
    ORGANIZATION: ("county", "township", "village", "name", "kind", "position", "party_member", "college_official"),
}
_INT = {
    VILLAGE: ("party_members", "college_officials", "total_households", "total_population", "poor_households",
              "poor_population"),
    HAMLET: ("households", "population"),
    PROJECT: ("beneficiary_count",),
}
_FLOAT = {PROJECT: MONEY_FIELDS}
#: Year columns (``2015``, ``2015年``, ``2015年度``).
_YEARS = {VILLAGE: ("delisted_year",), PROJECT: ("year",)}
_KEYS = {
    VILLAGE: ("code",), HAMLET: ("village_code",), COUNTY: ("code",), PROJECT: ("project_no",),
    BENEFICIARY: ("project_no", "household_no"),
}
#: Fields that make a row a data row even when a 合计 appears elsewhere in it.
_ROW_KEYS = {
    VILLAGE: ("village", "code"), HAMLET: ("name",), COUNTY: ("indicator",), PROJECT: ("project_no", "name"),
    BENEFICIARY: ("project_no", "household_no", "id_number"), ORGANIZATION: ("name", "id_number"),
}


def _year_value(value: object) -> tuple[int | None, bool]:
    n, ok = to_int(value)
    if n is not None or ok:
        return n, ok
    m = _YEAR_TEXT.search(to_text(value))
    return (int(m.group(1)), True) if m else (None, False)


def _convert(kind: str, values: dict[str, object]) -> tuple[dict[str, Any], dict[str, str], list[str]]:
    """Converted values, bad values (field → text) and corrupted key fields of one mapped row."""
    out: dict[str, Any] = {}
    bad: dict[str, str] = {}
    corrupted: list[str] = []
    for f in _TEXT.get(kind, ()):
        v = values.get(f)
        if v is not None:
            t = to_text(v)
            if t:
                out[f] = t
    for convert, fields in ((to_int, _INT.get(kind, ())), (to_number, _FLOAT.get(kind, ())),
                            (_year_value, _YEARS.get(kind, ()))):
        for f in fields:
            v = values.get(f)
            if v is not None:
                n, ok = convert(v)
                if n is not None:
                    out[f] = n
                elif not ok:
                    bad[f] = to_text(v)
    for f in _KEYS.get(kind, ()):
        v = values.get(f)
        if v is not None:
            raw = to_text(v)
            t = clean_key(raw)
            if t:
                out[f] = t
                if key_corrupted(v, raw):
                    corrupted.append(f)
    if kind == VILLAGE:
        for f in ("is_poor_village", "delisted"):
            v = values.get(f)
            if v is not None:
                t = to_text(v)
                flag = _flag(t, f)
                if flag is None and t:
                    bad[f] = t
                out[f] = flag
    if kind == PROJECT:
        v = values.get("beneficiary_households")
        if v is not None:
            out["beneficiary_households"] = to_text(v)
    if kind in (BENEFICIARY, ORGANIZATION):
        v = values.get("id_number")
        if v is not None:
            info = normalize_id(v)
            if info.raw:
                out["id_number"] = info.raw
                out["id_norm"] = info.value
                out["id_kind"] = str(info.kind)
    return out, bad, corrupted


def _flag(text: str, fld: str) -> bool | None:
    """是/否 of the 贫困村 / 摘帽 columns; also 贫困村 / 非贫困村, 已摘帽 / 未摘帽, 已出列 / 未出列."""
    flag = yes_no(text)
    if flag is not None:
        return flag
    t = place_key(text)
    if not t:
        return None
    if t.startswith(("非", "未", "不")):
        return False
    if fld == "is_poor_village" and t in ("贫困村", "重点贫困村", "建档立卡贫困村"):
        return True
    if fld == "delisted" and t in ("已摘帽", "摘帽", "已出列", "出列", "已退出", "退出"):
        return True
    return None


def split_beneficiaries(text: str) -> list[tuple[str | None, str | None]]:
    """The 受益户编号 cell split into ``(户编号, 证件号码)`` pairs: tokens separated by commas, 、, ; or blanks; a token
    that is a valid 18-character resident ID (correct check digit, real birth date) is an ID number, anything else a
    户编号."""
    out: list[tuple[str | None, str | None]] = []
    for token in _SPLIT.split(text or ""):
        token = clean_key(token)
        if not token:
            continue
        info = normalize_id(token)
        if len(token) == 18 and info.kind == IdKind.ID18 and info.checksum_ok and info.birth_date is not None:
            out.append((None, token))
        else:
            out.append((token, None))
    return out


def recognise(path: str | Path) -> str | None:
    """The kind of the first recognised sheet of a file (``"village"``, ``"project"`` …), or None.

    Raises :class:`ImportFailure` when the file cannot be read at all.
    """
    wb = open_workbook(path)
    for i in range(len(wb.sheet_names)):
        sheet = wb.load(i)
        head, _rest = scan_sheet(sheet)
        kind, _m = classify(head, sheet.merged, sheet.first_col)
        if kind is not None:
            return kind
    return None


# ==================================================================================================== the run


class VillageImport:
    """The issue-8 tables of one import run (an :class:`~fupin_tui.importing.extra.ExtraRun`): the importer hands it
    each recognised sheet while reading (:meth:`add_sheet`; a per-file run of the reader process is taken over by
    :meth:`merge` in file order), then :meth:`write` places and writes them in its transaction."""

    def __init__(self, county: str | None = None) -> None:
        self.county = county
        self.report = VillageImportReport()
        self.sheets: list[_Sheet] = []

    # ------------------------------------------------------------------------------------------------ reading
    def add_sheet(self, file: FileResult, sheet: SheetResult, data: SheetData, match: HeaderMatch,
                  rows: Iterator[list]) -> None:
        """Parse one sheet the importer recognised as one of :data:`~fupin_tui.villages.kinds.KINDS`; ``rows`` from
        spreadsheet row 1."""
        sh = _Sheet(file, sheet, match)
        if sheet.kind == COUNTY:
            keys = header_keys(match)
            sh.year_keys = {keys[pos]: year for pos, year in year_columns(match).items() if pos in keys}
        self._parse(sh, data, rows)
        self.sheets.append(sh)

    def merge(self, other: VillageImport) -> None:
        """Take over the sheets of another run (one file's)."""
        self.sheets += other.sheets

    def add_file(self, file: FileResult) -> None:
        """List a file of these kinds in the run's report (run order)."""
        self.report.files.append(file)

    @property
    def rejects(self) -> list[Reject]:
        """Rejected rows of every sheet (parse and placement)."""
        return [r for sh in self.sheets for r in sh.rejects]

    def finish(self, dry_run: bool) -> VillageImportReport:
        """The run's report (rejects filled in)."""
        self.report.dry_run = dry_run
        self.report.rejects = self.rejects
        if dry_run:
            for sh in self.sheets:
                sh.result.import_file_id = None
        return self.report

    def _parse(self, sh: _Sheet, sheet: SheetData, rows: Iterator[list]) -> None:
        kind = sh.result.kind
        counts = sh.result.counts
        match = sh.match
        for trow in iter_rows(sheet, match, key_fields=_ROW_KEYS[kind], rows=rows):
            counts.total += 1
            if trow.kind != DATA:
                counts.skip(trow.kind)
                continue
            values, bad, corrupted = _convert(kind, trow.values)
            extra: dict[str, Any] = {}
            if trow.extra:
                extra["columns"] = {k: to_text(v) for k, v in trow.extra.items()}
            if corrupted:
                extra["corrupted"] = corrupted
            if kind == COUNTY:
                years: dict[str, Any] = {}
                for key, year in sh.year_keys.items():
                    raw = trow.extra.get(key)
                    if raw is None or to_text(raw) == "":
                        continue
                    n, _ok = to_number(raw)
                    years[str(year)] = n if n is not None else to_text(raw)
                values["years"] = years
                cols = extra.get("columns")
                if cols:
                    for key in sh.year_keys:
                        cols.pop(key, None)
                    if not cols:
                        del extra["columns"]
            row = _Row(trow.row, values, extra, bad)
            reason = self._row_problem(kind, row)
            if reason is not None:
                sh.reject(trow.row, reason[0], reason[1])
                continue
            sh.rows.append(row)
            counts.imported += 1

    @staticmethod
    def _row_problem(kind: str, row: _Row) -> tuple[str | None, str] | None:
        v = row.values
        if kind == VILLAGE and not v.get("village") and not v.get("code"):
            return "village", REASON_NO_VILLAGE
        if kind == HAMLET:
            if not v.get("name"):
                return "name", REASON_HAMLET_NO_NAME
            if not v.get("village") and not v.get("village_code"):
                return "village", REASON_HAMLET_NO_VILLAGE
        if kind == COUNTY and not v.get("indicator"):
            return "indicator", REASON_NO_INDICATOR
        if kind == PROJECT and not v.get("project_no") and not v.get("name"):
            return "project_no", REASON_NO_PROJECT
        if kind == BENEFICIARY:
            if not v.get("project_no"):
                return "project_no", REASON_BENEFICIARY_NO_PROJECT
            if not v.get("household_no") and not v.get("id_number"):
                return "household_no", REASON_BENEFICIARY_EMPTY
        if kind == ORGANIZATION and not v.get("name") and not v.get("id_number"):
            return "name", REASON_ORG_EMPTY
        return None

    # ----------------------------------------------------------------------------------------------- counties
    def _resolve(self, conn: Connection, run_counties: Iterable[str] = ()) -> None:
        """Give every parsed sheet its county (see the module docstring). Reads only; raises :class:`ImportFailure`
        naming the file and sheet when a sheet cannot be placed."""
        if self.county is not None and not re.fullmatch(r"\d{6}", self.county):
            raise ImportFailure(f"县代码应为6位数字（行政区划代码），而不是“{self.county}”")
        db = [c for (c,) in conn.execute(select(County.code).order_by(County.code))]
        for sh in self.sheets:
            sh.county = self.county or self._own_county(sh)
        run = {sh.county for sh in self.sheets if sh.county} | set(run_counties)
        fallback = None
        if len(run) == 1:
            fallback = next(iter(run))
        elif not run and len(db) == 1:
            fallback = db[0]
        for sh in self.sheets:
            if sh.county is None:
                if fallback is None:
                    where = "数据库中有多个县" if len(db) > 1 or len(run) > 1 else "数据库中还没有任何县"
                    raise ImportFailure(
                        f"无法确定这张{sh.result.label}属于哪个县（表中没有行政区划代码，{where}）；"
                        "请用 --county 指定县代码",
                        sh.file.name, sh.result.sheet)
                sh.county = fallback
            sh.result.county_code = sh.county
        self.report.counties = sorted({sh.county for sh in self.sheets if sh.county})

    @staticmethod
    def _own_county(sh: _Sheet) -> str | None:
        kind = sh.result.kind
        prefixes: Counter[str] = Counter()
        for r in sh.rows:
            v = r.values
            if kind == VILLAGE:
                code = v.get("code") or ""
                if len(code) >= 6 and code[:6].isdigit():
                    prefixes[code[:6]] += 1
            elif kind == HAMLET:
                code = v.get("village_code") or ""
                if len(code) >= 12 and code[:6].isdigit():
                    prefixes[code[:6]] += 1
            elif kind == COUNTY:
                code = v.get("code") or ""
                if len(code) >= 6 and code[:6].isdigit():
                    prefixes[code[:6]] += 1
            elif kind == PROJECT:
                for hh_no, _id in split_beneficiaries(v.get("beneficiary_households", "")):
                    if hh_no and len(hh_no) >= 12 and hh_no[:6].isdigit():
                        prefixes[hh_no[:6]] += 1
            elif kind == BENEFICIARY:
                hh_no = v.get("household_no") or ""
                if len(hh_no) >= 12 and hh_no[:6].isdigit():
                    prefixes[hh_no[:6]] += 1
        if not prefixes:
            return None
        return min(prefixes.items(), key=lambda kv: (-kv[1], kv[0]))[0]

    # ------------------------------------------------------------------------------------------------ writing
    def write(self, conn: Connection, counties: Sequence[str] = ()) -> None:
        """Give every sheet its county (``counties``: those of the run's rosters; raises :class:`ImportFailure`
        when a sheet cannot be placed), write every parsed sheet inside ``conn``'s transaction, then refresh the
        组织部 clues of the counties."""
        if not self.sheets:
            return
        self._resolve(conn, counties)
        writer = _Writer(conn, self.report)
        order = {k: i for i, k in enumerate(KINDS)}
        for sh in sorted(self.sheets, key=lambda s: order[s.result.kind]):
            writer.sheet(sh)
        from fupin_tui.villages.organization import refresh_organization_clues

        for code in self.report.counties:
            if conn.execute(select(func.count()).select_from(OrgPerson.__table__)
                            .where(OrgPerson.__table__.c.county_code == code)).scalar():
                self.report.clues[code] = refresh_organization_clues(conn, code)


#: The issue-8 tables as extra table kinds of the importer (``fupin import`` passes it to
#: :func:`fupin_tui.importing.import_files`).
VILLAGE_TABLES = ExtraKinds(labels={k: KIND_LABELS[k] for k in KINDS}, classify=classify, new_run=VillageImport)


def import_with_tables(
    engine: Engine | None, paths: Iterable[str | Path], **options: Any,
) -> tuple[ImportReport, VillageImportReport]:
    """:func:`fupin_tui.importing.import_files` with :data:`VILLAGE_TABLES` (what ``fupin import`` runs): every file
    read once, ONE transaction. Returns ``(ImportReport, its VillageImportReport)``; ``options`` as for
    ``import_files`` (``county``, ``data_year``, ``dry_run``, ``progress``, ``parallel``)."""
    from fupin_tui.importing.pipeline import import_files

    report = import_files(engine, paths, tables=VILLAGE_TABLES, **options)
    return report, report.tables


def import_village_tables(
    engine: Engine, paths: Sequence[str | Path], *, county: str | None = None, dry_run: bool = False,
) -> VillageImportReport:
    """Import ``paths`` like ``fupin import`` and return the report of their issue-8 tables (village,
    natural-village, county, project, beneficiary, 组织部): :func:`import_with_tables`.

    ``county``: the 6-digit county code for every sheet (default: see the module docstring). ``dry_run``: parse, place
    and write, then roll back. Raises :class:`ImportFailure` (Chinese, naming file, sheet, row, column) when a file
    cannot be read or a sheet cannot be placed in a county; the database is then unchanged.
    """
    return import_with_tables(engine, paths, county=county, dry_run=dry_run)[1]


# ==================================================================================================== writer


class _Places:
    """Townships and villages of one county, for matching names and codes (and creating missing ones)."""

    def __init__(self, conn: Connection, county: str) -> None:
        self.conn = conn
        self.county = county
        self.towns: dict[str, int] = {}
        self.town_names: dict[int, str] = {}
        for tid, name in conn.execute(select(_T.c.id, _T.c.name).where(_T.c.county_code == county)):
            self.towns.setdefault(place_key(name), tid)
            self.town_names[tid] = name
        self.by_code: dict[str, int] = {}
        self.by_pair: dict[tuple[int, str], int] = {}
        self.by_name: dict[str, list[int]] = {}
        for vid, tid, name, code in conn.execute(select(_V.c.id, _V.c.township_id, _V.c.name, _V.c.code)
                                                 .where(_V.c.county_code == county).order_by(_V.c.id)):
            self._add(vid, tid, name, code)

    def _add(self, vid: int, tid: int, name: str, code: str | None) -> None:
        if code:
            self.by_code.setdefault(code, vid)
        self.by_pair.setdefault((tid, place_key(name)), vid)
        self.by_name.setdefault(place_key(name), []).append(vid)

    def find(self, township: str | None, village: str | None, code: str | None = None) -> int | None:
        """The village id for a 12-digit code, else (township, name) when the township is known, else a name unique
        in the county; or None."""
        if code and code in self.by_code:
            return self.by_code[code]
        v = place_key(village)
        if not v:
            return None
        t = place_key(township)
        if t:
            tid = self.towns.get(t)
            if tid is not None:
                # a known township: the village is that township's or a new one (same names recur across townships)
                return self.by_pair.get((tid, v))
            # a township unknown here (named differently, 乡 / 镇 suffix dropped…): fall back to a unique name
        ids = self.by_name.get(v, [])
        return ids[0] if len(ids) == 1 else None

    def create(self, township: str, village: str, code: str | None) -> int:
        """Create the village (and its township when missing); returns its id."""
        t = place_key(township)
        tid = self.towns.get(t)
        if tid is None:
            tid = int(self.conn.execute(insert(_T).values(county_code=self.county, name=township.strip()))
                      .inserted_primary_key[0])
            self.towns[t] = tid
            self.town_names[tid] = township.strip()
        vid = int(self.conn.execute(insert(_V).values(county_code=self.county, township_id=tid, name=village.strip(),
                                                      code=code, extra={})).inserted_primary_key[0])
        self._add(vid, tid, village.strip(), code)
        return vid


class _Writer:
    def __init__(self, conn: Connection, report: VillageImportReport) -> None:
        self.conn = conn
        self.report = report
        self.places: dict[str, _Places] = {}
        self.counts: Counter[str] = Counter()
        self._counties_ensured: set[str] = set()

    def place(self, county: str) -> _Places:
        if county not in self.places:
            self.places[county] = _Places(self.conn, county)
        return self.places[county]

    def ensure_county(self, code: str, name: str = "") -> None:
        if code not in self._counties_ensured:
            ensure_county(self.conn, code, name)
            self._counties_ensured.add(code)

    # ------------------------------------------------------------------------------------------ import files
    def _import_file(self, sh: _Sheet) -> int:
        res = sh.result
        county = sh.county
        assert county is not None
        year = self.conn.execute(select(County.__table__.c.data_year).where(County.__table__.c.code == county)).scalar()
        details = {"format": sh.file.format, "header": [list(x) for x in res.mapping],
                   "title": sh.match.title_lines}
        fid = int(self.conn.execute(insert(_IF).values(
            county_code=county, kind=res.kind, name=sh.file.name, sha256=sh.file.sha256, sheet=res.sheet,
            header_row=res.header_row, rows_total=res.counts.total, rows_imported=0, rows_rejected=0,
            rows_skipped=res.counts.skipped,
            data_year=year, imported_at=dt.datetime.now(dt.UTC), details=details,
        )).inserted_primary_key[0])
        res.import_file_id = fid
        return fid

    def _finish_file(self, sh: _Sheet, fid: int) -> None:
        res = sh.result
        self.conn.execute(update(_IF).where(_IF.c.id == fid).values(
            rows_imported=res.counts.imported, rows_rejected=res.counts.rejected, rows_skipped=res.counts.skipped))
        insert_rejects(self.conn, fid, sh.rejects)
        self._supersede(sh, fid)

    def _supersede(self, sh: _Sheet, fid: int) -> None:
        """Earlier versions of the same file and sheet (other bytes) are replaced: their rows deleted."""
        res = sh.result
        old = [r for r in self.conn.execute(select(_IF.c.id, _IF.c.details).where(
            _IF.c.county_code == sh.county, _IF.c.kind == res.kind, _IF.c.name == sh.file.name,
            _IF.c.sheet == res.sheet, _IF.c.sha256 != sh.file.sha256, _IF.c.id != fid))
            if not (r.details or {}).get("superseded")]
        for oid, details in old:
            if res.kind == PROJECT:
                self._drop_projects(oid, sh.county)
            elif res.kind in _TABLES:
                table = _TABLES[res.kind]
                col = table.c.source_file_id
                self.conn.execute(delete(table).where(col == oid))
            supersede_file(self.conn, oid, details, fid)

    def _drop_projects(self, old_fid: int, county: str | None) -> None:
        old = dict(self.conn.execute(select(_P.c.id, _P.c.project_no).where(_P.c.source_file_id == old_fid)).all())
        if not old:
            return
        # beneficiaries from separate lists follow the project to its new version (same 项目编号), else go
        new = {}
        for pid, no in self.conn.execute(select(_P.c.id, _P.c.project_no).where(
                _P.c.county_code == county, _P.c.source_file_id != old_fid)):
            new.setdefault(no, pid)
        for pid, no in old.items():
            self.conn.execute(delete(_B).where(_B.c.project_id == pid, _B.c.source_file_id == old_fid))
            if no in new:
                self.conn.execute(update(_B).where(_B.c.project_id == pid).values(project_id=new[no]))
            else:
                self.conn.execute(delete(_B).where(_B.c.project_id == pid))
        self.conn.execute(delete(_P).where(_P.c.source_file_id == old_fid))

    # ------------------------------------------------------------------------------------------------- sheets
    def sheet(self, sh: _Sheet) -> None:
        assert sh.county is not None
        self.ensure_county(sh.county)
        fid = self._import_file(sh)
        getattr(self, f"_{sh.result.kind}")(sh, fid)
        self._finish_file(sh, fid)
        self.report.counts.update(self.counts)
        self.counts.clear()

    def _village(self, sh: _Sheet, fid: int) -> None:
        places = self.place(sh.county)
        seen: dict[int, int] = {}
        for r in list(sh.rows):
            v = r.values
            code = v.get("code")
            name = v.get("village") or ""
            vid = places.find(v.get("township"), name, code)
            if vid is None:
                if not name or not v.get("township"):
                    self._reject_row(sh, r, "township" if name else "village",
                                     REASON_VILLAGE_NO_TOWNSHIP if name else REASON_NO_VILLAGE)
                    continue
                vid = places.create(v["township"], name, code)
                self.counts["villages_created"] += 1
            else:
                self.counts["villages_matched"] += 1
            if vid in seen:
                self.report.warnings.append(
                    f"文件 {sh.file.name}，工作表 {sh.result.sheet}，第 {r.row} 行：与第 {seen[vid]} 行是同一个行政村，"
                    f"以第 {seen[vid]} 行为准")
                continue
            seen[vid] = r.row
            extra_old = self.conn.execute(select(_V.c.extra).where(_V.c.id == vid)).scalar() or {}
            table_info: dict[str, Any] = {"file_id": fid, "file": sh.file.name, "sheet": sh.result.sheet,
                                          "row": r.row}
            if r.bad:
                table_info["bad_values"] = r.bad
            if r.extra:
                table_info.update(r.extra)
            vals = {f: v.get(f) for f in ("is_poor_village", "delisted", "delisted_year", "party_members",
                                           "college_officials", "total_households", "total_population",
                                           "poor_households", "poor_population")}
            if code:
                vals["code"] = code
            vals["extra"] = {**extra_old, "village_table": table_info}
            self.conn.execute(update(_V).where(_V.c.id == vid).values(**vals))
            self.counts["villages_updated"] += 1

    def _reject_row(self, sh: _Sheet, r: _Row, fld: str | None, reason: str) -> None:
        sh.rows.remove(r)
        sh.result.counts.imported -= 1
        sh.reject(r.row, fld, reason)

    def _hamlet(self, sh: _Sheet, fid: int) -> None:
        places = self.place(sh.county)
        rows = []
        for r in list(sh.rows):
            v = r.values
            vid = places.find(v.get("township"), v.get("village"), v.get("village_code"))
            if vid is None:
                self._reject_row(sh, r, "village", REASON_HAMLET_UNKNOWN_VILLAGE)
                continue
            extra = dict(r.extra)
            if r.bad:
                extra["bad_values"] = r.bad
            rows.append({
                "county_code": sh.county, "village_id": vid, "township": v.get("township", ""),
                "village_name": v.get("village", ""), "name": v["name"], "households": v.get("households"),
                "population": v.get("population"), "road": v.get("road"), "electricity": v.get("electricity"),
                "tap_water": v.get("tap_water"), "broadband": v.get("broadband"), "source_file_id": fid,
                "source_row": r.row, "extra": extra,
            })
        if rows:
            self.conn.execute(insert(Hamlet.__table__), rows)
        self.counts["hamlets"] += len(rows)

    def _county(self, sh: _Sheet, fid: int) -> None:
        rows = []
        poor: dict[str, bool] = {}
        names: dict[str, str] = {}
        for r in sh.rows:
            v = r.values
            code = v.get("code") or ""
            county = code[:6] if len(code) >= 6 and code[:6].isdigit() else sh.county
            self.ensure_county(county, v.get("county", ""))
            if v.get("county"):
                names.setdefault(county, v["county"])
            flag = yes_no(v.get("is_poor_county")) if v.get("is_poor_county") else None
            if flag is not None:
                poor.setdefault(county, flag)
            years = v.get("years", {})
            extra = dict(r.extra)
            texts = {y: t for y, t in years.items() if isinstance(t, str)}
            if texts:
                extra["texts"] = texts
            nums = {y: n for y, n in years.items() if not isinstance(n, str)}
            extra["values"] = nums
            rows.append({
                "county_code": county, "indicator": v["indicator"], "unit": v.get("unit", ""),
                "value_2014": nums.get("2014"), "value_2015": nums.get("2015"), "source_file_id": fid,
                "source_row": r.row, "extra": extra,
            })
        for county, flag in poor.items():
            self.conn.execute(update(County.__table__).where(County.__table__.c.code == county)
                              .values(is_poor_county=flag))
        if rows:
            self.conn.execute(insert(CountyIndicator.__table__), rows)
        self.counts["county_indicators"] += len(rows)

    def _resolver(self, county: str, ids: Iterable[str] = ()):  # noqa: ANN202
        """(户编号 → household id, normalised ID → household id for ``ids``, household id → village id) of the
        county's registered households."""
        by_no: dict[str, int] = {}
        villages: dict[int, int | None] = {}
        for no, hid, vid in self.conn.execute(select(_H.c.household_no, _H.c.id, _H.c.village_id)
                                              .where(_H.c.county_code == county)):
            by_no[no] = hid
            villages[hid] = vid
        return by_no, household_ids_by_member_id(self.conn, county, ids), villages

    def _project(self, sh: _Sheet, fid: int) -> None:
        places = self.place(sh.county)
        listed_ids = [normalize_id(idn).value for r in sh.rows
                      for _no, idn in split_beneficiaries(r.values.get("beneficiary_households", "")) if idn]
        by_no, by_id, hh_village = self._resolver(sh.county, listed_ids)
        for r in sh.rows:
            v = r.values
            extra = dict(r.extra)
            if r.bad:
                extra["bad_values"] = r.bad
            listed = split_beneficiaries(v.get("beneficiary_households", ""))
            resolved = [by_no.get(no) if no else by_id.get(normalize_id(idn).value or "") for no, idn in listed]
            vid = None
            if v.get("village"):
                vid = places.find(v.get("township"), v.get("village"))
            if vid is None:
                votes = Counter(hh_village.get(h) for h in resolved if h is not None and hh_village.get(h))
                if votes:
                    vid = min(votes.items(), key=lambda kv: (-kv[1], kv[0]))[0]
                    extra["village_from"] = "beneficiaries"
            pid = int(self.conn.execute(insert(_P).values(
                county_code=sh.county, project_no=v.get("project_no") or v.get("name"), category=v.get("category"),
                name=v.get("name"), year=v.get("year"), township=v.get("township", ""),
                village_name=v.get("village", ""), village_id=vid,
                **{f: v.get(f) for f in MONEY_FIELDS}, beneficiary_count=v.get("beneficiary_count"),
                source_file_id=fid, source_row=r.row, extra=extra,
            )).inserted_primary_key[0])
            self.counts["projects"] += 1
            if listed:
                rows = []
                for (no, idn), hid in zip(listed, resolved, strict=True):
                    info = normalize_id(idn) if idn else None
                    rows.append({
                        "county_code": sh.county, "project_id": pid, "project_no": v.get("project_no") or v.get("name"),
                        "household_no": no, "id_number": idn, "id_norm": info.value if info else None, "name": None,
                        "household_id": hid, "source_file_id": fid, "row": r.row, "extra": {"from": "project_row"},
                    })
                self.conn.execute(insert(_B), rows)
                self.counts["beneficiaries"] += len(rows)

    def _project_beneficiary(self, sh: _Sheet, fid: int) -> None:
        by_no, by_id, _v = self._resolver(sh.county, [r.values.get("id_norm") for r in sh.rows])
        projects: dict[str, int] = {}
        for pid, no in self.conn.execute(select(_P.c.id, _P.c.project_no).where(_P.c.county_code == sh.county)
                                         .order_by(_P.c.id.desc())):
            projects[no] = pid  # the latest project of that 项目编号 wins
        rows = []
        for r in list(sh.rows):
            v = r.values
            pid = projects.get(v["project_no"])
            if pid is None:
                self._reject_row(sh, r, "project_no", REASON_BENEFICIARY_UNKNOWN_PROJECT)
                continue
            no = v.get("household_no")
            norm = v.get("id_norm")
            hid = by_no.get(no) if no else None
            if hid is None and norm:
                hid = by_id.get(norm)
            extra = dict(r.extra)
            rows.append({
                "county_code": sh.county, "project_id": pid, "project_no": v["project_no"], "household_no": no,
                "id_number": v.get("id_number"), "id_norm": norm, "name": v.get("name"), "household_id": hid,
                "source_file_id": fid, "row": r.row, "extra": extra,
            })
        if rows:
            self.conn.execute(insert(_B), rows)
        self.counts["beneficiaries"] += len(rows)

    def _organization(self, sh: _Sheet, fid: int) -> None:
        places = self.place(sh.county)
        rows = []
        unplaced = 0
        for r in sh.rows:
            v = r.values
            vid = places.find(v.get("township"), v.get("village")) if v.get("village") else None
            if vid is None:
                unplaced += 1
            extra = dict(r.extra)
            rows.append({
                "county_code": sh.county, "name": v.get("name"), "id_number": v.get("id_number"),
                "id_norm": v.get("id_norm"), "id_kind": v.get("id_kind"), "township": v.get("township", ""),
                "village_name": v.get("village", ""), "village_id": vid, "kind": org_kind(v),
                "position": v.get("position"), "source_file_id": fid, "source_row": r.row, "extra": extra,
            })
        if rows:
            self.conn.execute(insert(OrgPerson.__table__), rows)
        self.counts["org_people"] += len(rows)
        if unplaced:
            self.report.warnings.append(
                f"文件 {sh.file.name}，工作表 {sh.result.sheet}：{unplaced} 人的所属行政村不在本县的行政村中"
                "（或为空），"
                "不计入各村党员数、大学生村官数的比对")


def household_ids_by_member_id(conn: Connection, county: str, id_norms: Iterable[str | None]) -> dict[str, int]:
    """Normalised ID number → id of the county's registered household with a member of that ID (the first one when
    several), for the given IDs (blanks ignored; queried 500 at a time)."""
    out: dict[str, int] = {}
    wanted = sorted({i for i in id_norms if i})
    for k in range(0, len(wanted), 500):
        for norm, hid in conn.execute(select(_M.c.id_norm, _M.c.household_id).where(
                _M.c.county_code == county, _M.c.id_norm.in_(wanted[k:k + 500]))):
            out.setdefault(norm, hid)
    return out


#: Labels of the 组织部 list's person kinds.
PARTY_MEMBER, COLLEGE_OFFICIAL = "党员", "大学生村官"


def org_kind(values: dict[str, Any]) -> str:
    """``大学生村官`` / ``党员`` / ``""`` for a 组织部 row: its 身份类别 when it names one, else its 是否大学生村官 /
    是否党员 columns."""
    text = place_key(values.get("kind"))
    if "村官" in text:
        return COLLEGE_OFFICIAL
    if "党员" in text:
        return PARTY_MEMBER
    if yes_no(values.get("college_official")):
        return COLLEGE_OFFICIAL
    if yes_no(values.get("party_member")):
        return PARTY_MEMBER
    return text
