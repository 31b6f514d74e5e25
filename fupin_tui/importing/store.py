"""Storage of an import run: one transaction, bulk Core statements (executemany of dicts), never per-row ORM objects.

New households and members are inserted; households already in the database (same county, same 户编号) are
UPDATED IN PLACE, so their ids, and every mark, verdict and sample item that refers to them, survive a corrected
re-export (整改). Members are matched within their household by 人编号 (then by normalised ID number): matched ones
are updated in place, new ones inserted, missing ones deleted (nothing refers to member ids).

Removed households: when a run brings a roster of a county that already has roster households, and the new roster
shares at least one household with the database (it is a re-export, not the next part of a roster split over several
runs), the county's roster households missing from it are *removed*: deleted with their members and stale findings
when nothing refers to them; kept and flagged with ``extra["removed"] = {"file": …, "import_file_id": …}`` when a
mark, a sample item or a clue refers to them (the flag is dropped if a later roster brings them back).

``extra`` keys owned by the roster (replaced when a roster brings the household again): ``conflicts``,
``bad_values``, ``corrupted``, ``removed``. Owned by the income table: ``income_conflicts`` (income values that
contradict the roster, or a second income row of the household; ``{field: [{"value", "file", "sheet", "row"}, …]}``,
first entry = the value kept), ``income_bad_values``, ``income_columns`` (unmapped income columns).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.engine import Connection, Engine

from fupin_tui.importing.errors import Reject
from fupin_tui.importing.extra import ExtraRun
from fupin_tui.importing.mapping import (
    INCOME_ONLY,
    MEMBER_COLUMNS,
    MEMBER_RECORD,
    ROSTER_HOUSEHOLD_FLOAT,
    ROSTER_HOUSEHOLD_INT,
    ROSTER_HOUSEHOLD_TEXT,
    HouseholdAcc,
    IncomeRecord,
)
from fupin_tui.importing.pipeline import RunPlan
from fupin_tui.importing.report import ROSTER, HouseholdChange, ImportChanges, ImportReport, SampleFrameChange
from fupin_tui.models.db import bulk_connection
from fupin_tui.models.tables import (
    Clue,
    County,
    Finding,
    Household,
    ImportFile,
    Mark,
    Member,
    RejectedRow,
    Sample,
    SampleItem,
    Township,
    Village,
)

HH = Household.__table__  # type: ignore[attr-defined]
MB = Member.__table__  # type: ignore[attr-defined]

ROSTER_EXTRA_KEYS = ("conflicts", "bad_values", "corrupted", "removed")
INCOME_EXTRA_KEYS = ("income_conflicts", "income_bad_values", "income_columns")
#: Household columns not compared when listing changes (provenance).
PROVENANCE = frozenset({"source_file_id", "source_row", "income_file_id", "income_row", "extra"})
#: Member columns compared when listing changes.
MEMBER_COMPARE = tuple(c for c in MEMBER_COLUMNS if c not in ("id_norm", "id_kind"))
CHUNK = 5000
#: SQLite page cache for an import's connection, KiB (restored to SQLite's default 2000 KiB afterwards).
BULK_CACHE_KIB = 32768

_HH_COLUMNS = [c.name for c in HH.columns if c.name != "id"]
_HH_TEMPLATE: dict[str, Any] = dict.fromkeys(_HH_COLUMNS)
_HH_TEMPLATE["has_income_record"] = False
#: Member columns of an insert: the record's columns (without ``sheet``) and the household/file keys.
MB_INSERT = ("county_code", "household_id", "household_no") + MEMBER_RECORD[:24] + ("source_file_id",)
_EXTRA_AT = MB_INSERT.index("extra")
_HH_EXTRA_AT = _HH_COLUMNS.index("extra")


def insert_many(conn: Connection, table: Any, columns: Sequence[str], rows: list[tuple], json_at: int | None) -> None:
    """Insert ``rows`` (tuples in ``columns`` order) in one executemany.

    SQLite: the driver's executemany on a prepared INSERT (JSON column ``json_at`` serialised here): measured
    ~2× faster than ``conn.execute(insert(table), dicts)`` on 137k members (SQLAlchemy's per-row parameter
    processing). Other backends: Core ``insert(table)`` with dicts.
    """
    if not rows:
        return
    if conn.dialect.name == "sqlite":
        q = conn.dialect.identifier_preparer.quote
        sql = (f"INSERT INTO {q(table.name)} ({', '.join(q(c) for c in columns)}) "
               f"VALUES ({', '.join('?' * len(columns))})")
        if json_at is not None:
            dumps = json.dumps
            j = json_at
            rows = [(*r[:j], dumps(x) if (x := r[j]) else "{}", *r[j + 1:]) for r in rows]
        conn.exec_driver_sql(sql, rows)
    else:
        if json_at is not None:
            rows = [r if r[json_at] is not None else (*r[:json_at], {}, *r[json_at + 1:]) for r in rows]
        conn.execute(insert(table), [dict(zip(columns, r)) for r in rows])


def ensure_county(conn: Connection, code: str, name: str = "", data_year: int | None = None) -> None:
    """Create the county ``code`` when missing; else fill its name / data year where they are still blank (never
    overwrites a value the database holds)."""
    have = conn.execute(select(County.name, County.data_year).where(County.code == code)).first()
    if have is None:
        conn.execute(insert(County.__table__).values(  # type: ignore[attr-defined]
            code=code, name=name, data_year=data_year, relocation_task=False, settings={}))
        return
    vals: dict[str, Any] = {}
    if name and not have.name:
        vals["name"] = name
    if data_year is not None and have.data_year is None:
        vals["data_year"] = data_year
    if vals:
        conn.execute(update(County.__table__).where(County.code == code).values(**vals))  # type: ignore[attr-defined]


def insert_rejects(conn: Connection, import_file_id: int, rejects: Iterable[Reject]) -> None:
    """Store rejected rows (拒收行) of one ImportFile (also for the village tables and the department lists)."""
    rows = [{"import_file_id": import_file_id, "file": r.file, "sheet": r.sheet, "row": r.row, "column": r.column,
             "reason": r.reason} for r in rejects]
    for chunk in _chunks(rows):
        conn.execute(insert(RejectedRow.__table__), list(chunk))  # type: ignore[attr-defined]


def supersede_file(conn: Connection, old_id: int, old_details: dict[str, Any] | None, new_id: int) -> None:
    """Mark ImportFile ``old_id`` as replaced by the newer version ``new_id`` of the same file and sheet
    (``details["superseded"]``, ``details["superseded_by"]``); the caller deletes its rows."""
    conn.execute(update(ImportFile.__table__).where(ImportFile.id == old_id).values(  # type: ignore[attr-defined]
        details={**(old_details or {}), "superseded": True, "superseded_by": new_id}))


class _Rollback(Exception):
    def __init__(self, changes: ImportChanges) -> None:
        super().__init__("dry run")
        self.changes = changes


def apply_run(
    engine: Engine, plan: RunPlan, report: ImportReport, *, dry_run: bool = False, extra: ExtraRun | None = None,
) -> ImportChanges:
    """Write ``plan``, then the sheets of the extra table kinds (``extra``, :mod:`fupin_tui.importing.extra`), in ONE
    transaction (rolled back when ``dry_run``, and when anything raises: the extra run's
    :class:`~fupin_tui.importing.errors.ImportFailure` too). Returns the changes to existing data and sets
    ``import_file_id`` on the report's sheets (None after a dry run)."""
    try:
        with bulk_connection(engine) as conn:
            if conn.dialect.name == "sqlite":
                # a bigger page cache for this job (the default 2 MiB spills while 100k+ rows and their indexes grow)
                # and foreign keys checked once at commit instead of per inserted row (both end with the job)
                conn.exec_driver_sql(f"PRAGMA cache_size=-{BULK_CACHE_KIB}")
                conn.exec_driver_sql("PRAGMA defer_foreign_keys=ON")
            try:
                changes = _Writer(conn, plan, report).run() if plan.sheets else ImportChanges()
                if extra is not None:
                    extra.write(conn, [c.code for c in report.counties])
            finally:
                if conn.dialect.name == "sqlite":
                    conn.exec_driver_sql("PRAGMA cache_size=-2000")
                    conn.exec_driver_sql("PRAGMA shrink_memory")  # give the bigger cache back
            if dry_run:
                raise _Rollback(changes)
    except _Rollback as rb:
        for f in report.files:
            for sres in f.sheets:
                sres.import_file_id = None
        return rb.changes
    return changes


def _chunks(seq: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for i in range(0, len(seq), size):
        yield seq[i:i + size]


class _Writer:
    def __init__(self, conn: Connection, plan: RunPlan, report: ImportReport) -> None:
        self.conn = conn
        self.plan = plan
        self.report = report
        self.changes = ImportChanges()
        self.file_ids: dict[int, int] = {}
        self.townships: dict[tuple[str, str], int] = {}
        self.villages: dict[tuple[str, int, str], int] = {}
        self.codes = sorted(set(plan.household_county.values()) | set(plan.income_county.values()))
        self._income_only: list[str] | None = None

    # ------------------------------------------------------------------------------------------------------ run
    def run(self) -> ImportChanges:
        self._counties()
        before = self._frames()
        self._import_files()
        self._places()
        existing = self._existing()
        self._households(existing)
        self._rejects()
        self._details()
        self._frame_changes(before)
        return self.changes

    # -------------------------------------------------------------------------------------------- sampling frame
    def _frames(self) -> dict[int, tuple[str, str | None, str, Any]]:
        """Active samples of the run's counties: sample id → (county, by, hash stored at the draw, current
        :class:`~fupin_tui.sampling.frame.Frame`), read inside this transaction (``load_frame`` takes the
        connection)."""
        from fupin_tui.sampling.frame import load_frame  # here: sampling is not needed by a plain import

        out: dict[int, tuple[str, str | None, str, Any]] = {}
        rows = self.conn.execute(select(Sample.id, Sample.county_code, Sample.by, Sample.frame_hash).where(
            Sample.active.is_(True), Sample.county_code.in_(self.codes))).all()  # type: ignore[attr-defined]
        for sid, code, by, stored in rows:
            try:
                frame = load_frame(self.conn, code, by)  # type: ignore[arg-type]
            except ValueError:  # a stratification column this version does not know: nothing to compare
                continue
            out[int(sid)] = (code, by, stored, frame)
        return out

    def _frame_changes(self, before: dict[int, tuple[str, str | None, str, Any]]) -> None:
        """Compare each active sample's frame before and after this import (:class:`SampleFrameChange`)."""
        if not before:
            return
        after = self._frames()
        for sid, (code, by, stored, old) in sorted(before.items()):
            new = after[sid][3] if sid in after else old
            o, n = old.by_no(), new.by_no()
            moved = sum(1 for no in o.keys() & n.keys() if (o[no].township, o[no].village) !=
                        (n[no].township, n[no].village))
            restrat = sum(1 for no in o.keys() & n.keys() if o[no].value != n[no].value) if by else 0
            self.changes.samples.append(SampleFrameChange(
                code, sid, by, new.hash != old.hash, new.hash == stored, len(n.keys() - o.keys()),
                len(o.keys() - n.keys()), moved, restrat if by not in ("township", "village") else 0))

    # ------------------------------------------------------------------------------------------------- counties
    def _counties(self) -> None:
        for code in self.codes:
            ensure_county(self.conn, code, self.plan.county_names.get(code) or "", self.plan.county_years.get(code))

    # --------------------------------------------------------------------------------------------- import files
    def _import_files(self) -> None:
        plan = self.plan
        sheet_county: dict[int, str] = {}
        for no, acc in plan.roster.households.items():
            sheet_county.setdefault(acc.sheet, plan.household_county[no])
        for no, rec in plan.income.records.items():
            sheet_county.setdefault(rec.sheet, plan.income_county[no])
        default = self.codes[0] if len(self.codes) == 1 else None
        for index, (fres, sres, ref) in sorted(plan.sheets.items()):
            c = sres.counts
            code = sheet_county.get(index, default)
            sres.county_code = code
            details = {
                "format": fres.format, "encoding": fres.encoding, "title": sres.title,
                "header": [list(x) for x in sres.mapping],
                "skipped": {"blank": c.skipped_blank, "total": c.skipped_total, "header": c.skipped_header},
                "warnings": list(sres.warnings),
            }
            res = self.conn.execute(insert(ImportFile.__table__).values(  # type: ignore[attr-defined]
                county_code=code, kind=sres.kind, name=fres.name, sha256=fres.sha256, sheet=sres.sheet,
                header_row=sres.header_row, rows_total=c.total, rows_imported=c.imported, rows_rejected=c.rejected,
                rows_skipped=c.skipped, data_year=plan.county_years.get(code) if code else None,
                imported_at=dt.datetime.now(dt.timezone.utc), details=details,
            ))
            fid = int(res.inserted_primary_key[0])
            self.file_ids[index] = fid
            sres.import_file_id = fid

    def _details(self) -> None:
        summary = self.changes.summary()
        summary["reexport"] = self.changes.reexport
        for index, (fres, sres, _ref) in self.plan.sheets.items():
            c = sres.counts
            details = {
                "format": fres.format, "encoding": fres.encoding, "title": sres.title,
                "header": [list(x) for x in sres.mapping],
                "skipped": {"blank": c.skipped_blank, "total": c.skipped_total, "header": c.skipped_header},
                "warnings": list(sres.warnings),
                "changes": summary,
            }
            self.conn.execute(update(ImportFile.__table__).where(  # type: ignore[attr-defined]
                ImportFile.id == self.file_ids[index]).values(details=details))

    # ------------------------------------------------------------------------------------------ townships/villages
    def _places(self) -> None:
        conn, plan = self.conn, self.plan
        wanted_t: set[tuple[str, str]] = set()
        wanted_v: set[tuple[str, str, str]] = set()
        for no, acc in plan.roster.households.items():
            code = plan.household_county[no]
            t = acc.values.get("township")
            v = acc.values.get("village")
            if t is None and v is None:
                continue
            wanted_t.add((code, t or ""))
            if v is not None:
                wanted_v.add((code, t or "", v))
        if not wanted_t:
            return
        codes = sorted({c for c, _ in wanted_t})
        for tid, code, name in conn.execute(select(Township.id, Township.county_code, Township.name).where(
                Township.county_code.in_(codes))):
            self.townships[(code, name)] = tid
        missing = [{"county_code": c, "name": n} for c, n in sorted(wanted_t) if (c, n) not in self.townships]
        if missing:
            conn.execute(insert(Township.__table__), missing)  # type: ignore[attr-defined]
            for tid, code, name in conn.execute(select(Township.id, Township.county_code, Township.name).where(
                    Township.county_code.in_(codes))):
                self.townships[(code, name)] = tid
        for vid, code, tid, name in conn.execute(select(Village.id, Village.county_code, Village.township_id,
                                                        Village.name).where(Village.county_code.in_(codes))):
            self.villages[(code, tid, name)] = vid
        missing_v = []
        for c, t, v in sorted(wanted_v):
            tid = self.townships[(c, t)]
            if (c, tid, v) not in self.villages:
                missing_v.append({"county_code": c, "township_id": tid, "name": v, "extra": {}})
        if missing_v:
            conn.execute(insert(Village.__table__), missing_v)  # type: ignore[attr-defined]
            for vid, code, tid, name in conn.execute(select(Village.id, Village.county_code, Village.township_id,
                                                            Village.name).where(Village.county_code.in_(codes))):
                self.villages[(code, tid, name)] = vid

    # ------------------------------------------------------------------------------------------------ households
    def _existing(self) -> dict[tuple[str, str], int]:
        out: dict[tuple[str, str], int] = {}
        if not self.codes:
            return out
        for hid, code, no in self.conn.execute(select(HH.c.id, HH.c.county_code, HH.c.household_no).where(
                HH.c.county_code.in_(self.codes))):
            out[(code, no)] = hid
        return out

    def _loc(self, sheet_i: int, row: int | None) -> dict[str, Any]:
        _f, sres, ref = self.plan.sheets[sheet_i]
        return {"file": ref.file, "sheet": ref.sheet, "row": row}

    def _roster_columns(self, acc: HouseholdAcc, code: str) -> tuple[dict[str, Any], dict[str, Any]]:
        fields = self.plan.roster.fields
        values = acc.values
        d: dict[str, Any] = {}
        if "township" in fields or "village" in fields:
            t = values.get("township")
            v = values.get("village")
            if t is None and v is None:
                d["township_id"] = None
                d["village_id"] = None
            else:
                tid = self.townships[(code, t or "")]
                d["township_id"] = tid
                d["village_id"] = self.villages.get((code, tid, v)) if v is not None else None
        for f in ROSTER_HOUSEHOLD_TEXT + ROSTER_HOUSEHOLD_INT + ROSTER_HOUSEHOLD_FLOAT:
            if f in fields and f not in ("township", "village"):
                d[f] = values.get(f)
        d["head_name"] = acc.head_name
        d["head_id_number"] = acc.head_id
        d["phone"] = acc.phone
        d["source_file_id"] = self.file_ids[acc.sheet]
        d["source_row"] = acc.row
        extra: dict[str, Any] = {}
        if acc.conflicts:
            extra["conflicts"] = acc.conflicts
        if acc.bad_values:
            extra["bad_values"] = acc.bad_values
        if acc.corrupted:
            extra["corrupted"] = ["household_no"]
        return d, extra

    def _roster_origin(self, acc: HouseholdAcc, f: str) -> dict[str, Any]:
        if acc.origin and f in acc.origin:
            return self._loc(*acc.origin[f])
        if f in acc.values:
            return self._loc(acc.sheet, acc.row)
        if f in ("head_name", "head_id_number") and acc.head_row is not None:
            return self._loc(*acc.head_row)
        if f == "phone" and acc.phone_row is not None:
            return self._loc(*acc.phone_row)
        return self._loc(acc.sheet, acc.row)

    def _merge_income(
        self, d: dict[str, Any], rec: IncomeRecord, acc: HouseholdAcc | None, old: dict[str, Any] | None,
    ) -> dict[str, Any]:
        only = self._income_only
        if only is None:
            only = self._income_only = sorted(f for f in INCOME_ONLY if f in self.plan.income.fields)
        conflicts: dict[str, list[dict[str, Any]]] = {}
        vals = rec.values
        for f in only:
            d[f] = vals.get(f)
        for f, v in vals.items():
            if f in INCOME_ONLY:
                continue
            cur = d.get(f)
            if cur is None and old is not None and f not in d:
                cur = old.get(f)
                if cur is not None and cur != v and not (f == "head_id_number" and _same_id(cur, v)):
                    conflicts[f] = [{"value": cur, "file": "", "sheet": "", "row": None},
                                    {"value": v, **self._loc(rec.sheet, rec.row)}]
                    continue
            if cur is None:
                d[f] = v
                continue
            if cur != v and not (f == "head_id_number" and _same_id(cur, v)):
                origin = self._roster_origin(acc, f) if acc is not None else {"file": "", "sheet": "", "row": None}
                conflicts[f] = [{"value": cur, **origin}, {"value": v, **self._loc(rec.sheet, rec.row)}]
        d["has_income_record"] = True
        d["income_file_id"] = self.file_ids[rec.sheet]
        d["income_row"] = rec.row
        extra: dict[str, Any] = {}
        if rec.conflicts:
            for f, entries in rec.conflicts.items():
                conflicts.setdefault(f, []).extend(entries)
        if conflicts:
            extra["income_conflicts"] = conflicts
        if rec.bad_values:
            extra["income_bad_values"] = rec.bad_values
        if rec.extra:
            extra["income_columns"] = rec.extra
        return extra

    def _households(self, existing: dict[tuple[str, str], int]) -> None:
        conn, plan, ch = self.conn, self.plan, self.changes
        roster, income = plan.roster, plan.income
        run_keys: list[tuple[str, str]] = []
        for no in roster.households:
            run_keys.append((plan.household_county[no], no))
        for no in income.records:
            if no not in roster.households:
                run_keys.append((plan.income_county[no], no))
        update_keys = [k for k in run_keys if k in existing]
        old_rows: dict[int, dict[str, Any]] = {}
        if update_keys:
            ids = [existing[k] for k in update_keys]
            for chunk in _chunks(ids):
                for r in conn.execute(select(HH).where(HH.c.id.in_(chunk))):
                    old_rows[r.id] = dict(r._mapping)
        col_at = {c: i for i, c in enumerate(_HH_COLUMNS)}
        template = [_HH_TEMPLATE[c] for c in _HH_COLUMNS]
        i_code, i_no = col_at["county_code"], col_at["household_no"]
        pending: list[tuple] = []
        n_inserted = 0
        updates: dict[frozenset[str], list[dict[str, Any]]] = {}
        changed_fields: dict[tuple[str, str], HouseholdChange] = {}
        for key in run_keys:
            code, no = key
            acc = roster.households.get(no)
            rec = income.records.get(no)
            hid = existing.get(key)
            old = old_rows.get(hid) if hid is not None else None
            if acc is not None:
                d, extra = self._roster_columns(acc, code)
            else:
                d, extra = {}, {}
            if rec is not None:
                extra.update(self._merge_income(d, rec, acc, old))
            if old is None:
                row = template.copy()
                for f, v in d.items():
                    row[col_at[f]] = v
                row[i_code] = code
                row[i_no] = no
                row[_HH_EXTRA_AT] = extra or None
                pending.append(tuple(row))
                n_inserted += 1
                if len(pending) >= CHUNK:
                    insert_many(conn, HH, _HH_COLUMNS, pending, _HH_EXTRA_AT)
                    pending = []
                continue
            old_extra = dict(old.get("extra") or {})
            owned = (ROSTER_EXTRA_KEYS if acc is not None else ()) + (INCOME_EXTRA_KEYS if rec is not None else ())
            new_extra = {k: v for k, v in old_extra.items() if k not in owned}
            new_extra.update(extra)
            change = HouseholdChange(no, [f for f, v in d.items() if f not in PROVENANCE and old.get(f) != v])
            changed_fields[key] = change
            d["extra"] = new_extra
            d["_id"] = hid
            updates.setdefault(frozenset(d), []).append(d)
        insert_many(conn, HH, _HH_COLUMNS, pending, _HH_EXTRA_AT)
        ch.households_added = n_inserted
        for keys, rows in updates.items():
            cols = sorted(k for k in keys if k != "_id")
            stmt = update(HH).where(HH.c.id == bindparam("_id")).values({c: bindparam(c) for c in cols})
            for chunk in _chunks(rows):
                conn.execute(stmt, list(chunk))
        if update_keys:
            ch.reexport = any(no in roster.households for _c, no in update_keys)
        # ids of every household of the run
        ids: dict[tuple[str, str], int] = dict(existing)
        if n_inserted:
            for hid, code, no in conn.execute(select(HH.c.id, HH.c.county_code, HH.c.household_no).where(
                    HH.c.county_code.in_(self.codes))):
                ids[(code, no)] = hid
        self._members(ids, existing, changed_fields)
        for key, change in changed_fields.items():
            if change:
                ch.households_updated.append(change)
            else:
                ch.households_unchanged += 1
        ch.households_updated.sort(key=lambda c: c.household_no)
        self._removed(existing, set(run_keys))

    # -------------------------------------------------------------------------------------------------- members
    def _member_tuple(self, m: tuple, hid: int, code: str, no: str) -> tuple:
        return (code, hid, no, *m[:24], self.file_ids[m[24]])

    def _member_dict(self, m: tuple, hid: int, code: str, no: str) -> dict[str, Any]:
        d = dict(zip(MB_INSERT, self._member_tuple(m, hid, code, no)))
        if d["extra"] is None:
            d["extra"] = {}
        return d

    def _members(
        self, ids: dict[tuple[str, str], int], existing: dict[tuple[str, str], int],
        changed: dict[tuple[str, str], HouseholdChange],
    ) -> None:
        conn, plan, ch = self.conn, self.plan, self.changes
        new_rows: list[tuple] = []
        updated_hh: dict[int, tuple[str, str]] = {}
        file_ids = self.file_ids
        for no, acc in plan.roster.households.items():
            code = plan.household_county[no]
            key = (code, no)
            if key in existing:
                updated_hh[existing[key]] = key
                continue
            hid = ids[key]
            ch.members_added += len(acc.members)
            for m in acc.members:
                new_rows.append((code, hid, no, *m[:24], file_ids[m[24]]))
            if len(new_rows) >= 20000:
                insert_many(conn, MB, MB_INSERT, new_rows, _EXTRA_AT)
                new_rows = []
        insert_many(conn, MB, MB_INSERT, new_rows, _EXTRA_AT)
        if not updated_hh:
            return
        old_by_hh: dict[int, list[dict[str, Any]]] = {}
        for r in conn.execute(select(MB).where(MB.c.county_code.in_(self.codes))):
            if r.household_id in updated_hh:
                old_by_hh.setdefault(r.household_id, []).append(dict(r._mapping))
        inserts: list[tuple] = []
        updates: list[dict[str, Any]] = []
        deletes: list[int] = []
        i_no, i_id, i_pos = MEMBER_RECORD.index("member_no"), MEMBER_RECORD.index("id_norm"), \
            MEMBER_RECORD.index("position")
        for hid, (code, no) in updated_hh.items():
            acc = plan.roster.households[no]
            change = changed[(code, no)]
            old = sorted(old_by_hh.get(hid, []), key=lambda r: (r["position"], r["id"]))
            by_no: dict[str, list[dict[str, Any]]] = {}
            by_id: dict[str, list[dict[str, Any]]] = {}
            for r in old:
                if r["member_no"]:
                    by_no.setdefault(r["member_no"], []).append(r)
                if r["id_norm"]:
                    by_id.setdefault(r["id_norm"], []).append(r)
            used: set[int] = set()
            for m in acc.members:
                match = None
                for cand in by_no.get(m[i_no] or "", ()):
                    if cand["id"] not in used:
                        match = cand
                        break
                if match is None and m[i_id]:
                    for cand in by_id.get(m[i_id], ()):
                        if cand["id"] not in used and not (cand["member_no"] and m[i_no]):
                            match = cand
                            break
                label = m[i_no] or f"第{m[i_pos] + 1}人"
                if match is None:
                    inserts.append(self._member_tuple(m, hid, code, no))
                    change.members_added.append(label)
                    continue
                used.add(match["id"])
                row = self._member_dict(m, hid, code, no)
                diff = [c for c in MEMBER_COMPARE if match.get(c) != row.get(c)]
                if diff:
                    change.members_changed[label] = diff
                    ch.members_updated += 1
                row["_id"] = match["id"]
                updates.append(row)
            for r in old:
                if r["id"] not in used:
                    deletes.append(r["id"])
                    change.members_removed.append(r["member_no"] or f"第{r['position'] + 1}人")
        insert_many(conn, MB, MB_INSERT, inserts, _EXTRA_AT)
        if updates:
            cols = [c for c in updates[0] if c != "_id"]
            stmt = update(MB).where(MB.c.id == bindparam("_id")).values({c: bindparam(c) for c in cols})
            for chunk in _chunks(updates):
                conn.execute(stmt, list(chunk))
        for chunk in _chunks(deletes):
            conn.execute(delete(MB).where(MB.c.id.in_(chunk)))
        ch.members_added += len(inserts)
        ch.members_removed += len(deletes)

    # -------------------------------------------------------------------------------------------------- removed
    def _removed(self, existing: dict[tuple[str, str], int], run_keys: set[tuple[str, str]]) -> None:
        conn, plan, ch = self.conn, self.plan, self.changes
        roster_keys = {(plan.household_county[no], no) for no in plan.roster.households}
        candidates: list[tuple[int, str]] = []
        for code in sorted(plan.roster_counties):
            overlap = any(k in existing for k in roster_keys if k[0] == code)
            if not overlap:
                continue  # the next part of a roster split over several runs, not a re-export
            for (c, no), hid in existing.items():
                if c == code and (c, no) not in run_keys:
                    candidates.append((hid, no))
        if not candidates:
            return
        cand_ids = [hid for hid, _ in candidates]
        from_roster: set[int] = set()
        for chunk in _chunks(cand_ids):
            from_roster |= {hid for (hid,) in conn.execute(select(HH.c.id).where(
                HH.c.id.in_(chunk), HH.c.source_file_id.is_not(None)))}
        candidates = [(hid, no) for hid, no in candidates if hid in from_roster]
        if not candidates:
            return
        referenced: set[int] = set()
        for chunk in _chunks([hid for hid, _ in candidates]):
            for table_col in (Mark.household_id, SampleItem.household_id, Clue.household_id):
                referenced |= {h for (h,) in conn.execute(select(table_col).where(table_col.in_(chunk)).distinct())}
        to_delete = [hid for hid, _ in candidates if hid not in referenced]
        to_flag = [(hid, no) for hid, no in candidates if hid in referenced]
        for chunk in _chunks(to_delete):
            conn.execute(delete(MB).where(MB.c.household_id.in_(chunk)))
            conn.execute(delete(Finding.__table__).where(Finding.household_id.in_(chunk)))  # type: ignore[attr-defined]
            conn.execute(delete(HH).where(HH.c.id.in_(chunk)))
        no_of = dict(candidates)
        ch.removed = sorted(no_of[h] for h in to_delete)
        if to_flag:
            roster_files = [(ref.file, self.file_ids[i]) for i, (_f, s, ref) in sorted(plan.sheets.items())
                            if s.kind == ROSTER]
            flag = {"file": roster_files[0][0], "import_file_id": roster_files[0][1]} if roster_files else {}
            rows = []
            for chunk in _chunks([hid for hid, _ in to_flag]):
                for hid, extra in conn.execute(select(HH.c.id, HH.c.extra).where(HH.c.id.in_(chunk))):
                    new = dict(extra or {})
                    new["removed"] = flag
                    rows.append({"_id": hid, "extra": new})
            stmt = update(HH).where(HH.c.id == bindparam("_id")).values(extra=bindparam("extra"))
            conn.execute(stmt, rows)
            ch.flagged = sorted(no for _, no in to_flag)

    # -------------------------------------------------------------------------------------------------- rejects
    def _rejects(self) -> None:
        by_sheet: dict[int, list[Reject]] = {}
        for sheet_i, rej in self.plan.roster.rejects + self.plan.income.rejects:
            by_sheet.setdefault(sheet_i, []).append(rej)
        for sheet_i, rejects in by_sheet.items():
            insert_rejects(self.conn, self.file_ids[sheet_i], rejects)


def _same_id(a: Any, b: Any) -> bool:
    from fupin_tui.idnumber import id_key

    ka, kb = id_key(a), id_key(b)
    return ka is not None and ka == kb

