"""Database side of the comparison: department lists in, registered members out, clues upserted. Bulk Core statements.

- One :class:`~fupin_tui.models.ImportFile` (kind ``"department"``) per file and sheet; re-importing the same bytes
  (sha256) for the same county reuses it (no duplicate records). A file with the same name and sheet but new bytes
  replaces the earlier version: the old records are deleted and the old ImportFile is marked ``superseded``.
- Clues are upserted by ``key`` (:func:`clue_key`): a clue produced again keeps its status, note, verifier and mark;
  a clue no longer produced is set ``active = False`` (never deleted, its verdict stays).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.engine import Connection

from fupin_tui.glossary import CLUE_PENDING, HOUSEHOLD_TYPE_ALIASES
from fupin_tui.importing.errors import Reject
from fupin_tui.importing.store import insert_rejects, supersede_file
from fupin_tui.importing.values import place_key
from fupin_tui.models.tables import (
    Clue,
    DeptRecord,
    Household,
    ImportFile,
    Member,
    Township,
    Village,
    utcnow,
)

from .matching import Record

KIND = "department"

_IF = ImportFile.__table__
_DR = DeptRecord.__table__
_CL = Clue.__table__
_M = Member.__table__
_H = Household.__table__
_V = Village.__table__
_T = Township.__table__

#: Member columns always loaded for matching (rules add the fields they read).
MEMBER_CORE = ("id", "household_id", "household_no", "member_no", "name", "id_number", "id_norm", "id_kind")
#: Household columns always loaded (rules add the fields they read).
HOUSEHOLD_CORE = ("id", "household_no", "village_id")


def clue_key(dept: str, kind: str, household_no: str | None, member_no: str | None, their_value: str) -> str:
    """The stable identity of a clue across re-runs: ``dept|kind|household_no|member_no|their_value``."""
    return f"{dept}|{kind}|{household_no or ''}|{member_no or ''}|{their_value}"


def department_files(conn: Connection, county_code: str) -> list[dict[str, Any]]:
    """The county's department ImportFiles as dicts (``id``, ``name``, ``sheet``, ``sha256``, ``details``...)."""
    rows = conn.execute(select(_IF).where(_IF.c.county_code == county_code, _IF.c.kind == KIND).order_by(_IF.c.id))
    return [dict(r._mapping) for r in rows]


def active_department_files(conn: Connection, county_code: str) -> list[dict[str, Any]]:
    """Department ImportFiles not superseded by a newer version of the same file."""
    return [f for f in department_files(conn, county_code) if not (f["details"] or {}).get("superseded")]


def store_list(
    conn: Connection,
    county_code: str,
    *,
    file_name: str,
    sheet: str,
    sha256: str,
    header_row: int,
    dept: str,
    details: dict[str, Any],
    records: list[Record],
    rejected: list[tuple[int, str, str]],
    skipped: int,
    data_year: int | None,
) -> tuple[int, bool, str | None]:
    """Store one list (file + sheet): ``(import_file_id, reused, department it had before or None)``.

    ``rejected``: ``(row, column header, reason)`` for rows whose ID cannot be matched. When the same bytes were
    stored before, nothing is inserted (the department is updated if ``--dept`` now says otherwise); each record's
    ``import_file_id`` is set either way.
    """
    existing = [f for f in active_department_files(conn, county_code) if f["sha256"] == sha256 and f["sheet"] == sheet]
    if existing:
        f = existing[0]
        fid = f["id"]
        old_details = dict(f["details"] or {})
        before = old_details.get("dept")
        if before != dept:
            conn.execute(update(_DR).where(_DR.c.import_file_id == fid).values(dept=dept))
            conn.execute(update(_IF).where(_IF.c.id == fid).values(details={**old_details, **details, "dept": dept}))
        for r in records:
            r.import_file_id = fid
        return fid, True, before if before != dept else None
    now = utcnow()
    fid = conn.execute(insert(_IF).values(
        county_code=county_code, kind=KIND, name=file_name, sha256=sha256, sheet=sheet, header_row=header_row,
        rows_total=len(records) + len(rejected) + skipped, rows_imported=len(records), rows_rejected=len(rejected),
        rows_skipped=skipped, data_year=data_year, imported_at=now, details={**details, "dept": dept},
    )).inserted_primary_key[0]
    # Earlier versions of the same file (same name and sheet, other bytes) are replaced.
    before = None
    for old in active_department_files(conn, county_code):
        if old["id"] != fid and old["name"] == file_name and old["sheet"] == sheet and old["sha256"] != sha256:
            if (old["details"] or {}).get("dept") != dept:
                before = (old["details"] or {}).get("dept")
            conn.execute(delete(_DR).where(_DR.c.import_file_id == old["id"]))
            supersede_file(conn, old["id"], old["details"], fid)
    if records:
        _insert_records(conn, fid, dept, records)
    insert_rejects(conn, fid, (Reject(file_name, sheet, row, col, reason) for row, col, reason in rejected))
    for r in records:
        r.import_file_id = fid
    return fid, False, before


def _insert_records(conn: Connection, fid: int, dept: str, records: list[Record]) -> None:
    """Bulk insert of DeptRecord rows: on SQLite through the driver's executemany in the SAME transaction (about a
    third faster than Core for 100,000 rows, STYLE.md), elsewhere through Core."""
    if conn.dialect.name == "sqlite":
        dumps = json.dumps
        raw = conn.connection.driver_connection
        raw.executemany(
            'INSERT INTO dept_record (import_file_id, dept, name, id_number, id_norm, id_kind, "row", payload) '
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(fid, dept, r.name, r.id_number, r.id_norm, r.id_kind, r.row,
              dumps({"fields": r.fields}, ensure_ascii=False, default=str)) for r in records],
        )
        return
    conn.execute(insert(_DR), [
        {"import_file_id": fid, "dept": dept, "name": r.name, "id_number": r.id_number, "id_norm": r.id_norm,
         "id_kind": r.id_kind, "row": r.row, "payload": {"fields": r.fields}}
        for r in records
    ])


def load_records(conn: Connection, files: Iterable[dict[str, Any]]) -> list[Record]:
    """Stored records of the given ImportFiles (dicts from :func:`department_files`), in file and row order."""
    by_id = {f["id"]: f for f in files}
    if not by_id:
        return []
    rows = conn.execute(
        select(_DR.c.import_file_id, _DR.c.dept, _DR.c.name, _DR.c.id_number, _DR.c.id_norm, _DR.c.id_kind,
               _DR.c.row, _DR.c.payload)
        .where(_DR.c.import_file_id.in_(list(by_id)))
        .order_by(_DR.c.import_file_id, _DR.c.row)
    )
    out: list[Record] = []
    for fid, dept, name, id_number, id_norm, id_kind, row, payload in rows:
        f = by_id[fid]
        out.append(Record(
            dept=dept, file_name=f["name"], sheet=f["sheet"], row=row, name=name, id_number=id_number or "",
            id_norm=id_norm, id_kind=id_kind or "", fields=dict((payload or {}).get("fields", {})),
            import_file_id=fid,
        ))
    return out


def load_population(
    conn: Connection,
    county_code: str,
    member_fields: Iterable[str] = (),
    household_fields: Iterable[str] = (),
) -> tuple[list[dict[str, Any]], dict[int, dict[str, Any]]]:
    """All members and households of a county as dicts: ``(members, households by id)``.

    Loads the core columns plus ``member_fields`` / ``household_fields`` (the ones the rules read; unknown names are
    ignored). Members carry their household's ``village_id``; households carry ``members`` (list) and a normalised
    ``household_type`` (低保户 → 低保贫困户 …, :data:`fupin_tui.glossary.HOUSEHOLD_TYPE_ALIASES`).
    """
    m_cols = list(dict.fromkeys([*MEMBER_CORE, *(f for f in member_fields if f in _M.c)]))
    h_cols = list(dict.fromkeys([*HOUSEHOLD_CORE, *(f for f in household_fields if f in _H.c)]))
    households: dict[int, dict[str, Any]] = {}
    for row in conn.execute(select(*[_H.c[c] for c in h_cols]).where(_H.c.county_code == county_code)).all():
        h = dict(zip(h_cols, row, strict=True))
        if "household_type" in h:
            t = (h["household_type"] or "").strip()
            h["household_type"] = HOUSEHOLD_TYPE_ALIASES.get(t, t) or None
        h["members"] = []
        households[h["id"]] = h
    members: list[dict[str, Any]] = []
    for row in conn.execute(
        select(*[_M.c[c] for c in m_cols]).where(_M.c.county_code == county_code)
    ).all():
        m = dict(zip(m_cols, row, strict=True))
        h = households.get(m["household_id"])
        if h is not None:
            m["village_id"] = h["village_id"]
            h["members"].append(m)
        else:
            m["village_id"] = None
        members.append(m)
    return members, households


def village_resolver(conn: Connection, county_code: str):  # noqa: ANN201 - returns a closure
    """A function ``(township, village) → tuple of village ids`` for a record's 乡镇/村 (empty when unknown).

    Village names are compared without blanks; with a township the pair must agree, else every village of that name.
    """
    rows = conn.execute(
        select(_V.c.id, _V.c.name, _T.c.name).select_from(_V.outerjoin(_T, _V.c.township_id == _T.c.id))
        .where(_V.c.county_code == county_code)
    ).all()
    by_name: dict[str, list[int]] = {}
    by_pair: dict[tuple[str, str], list[int]] = {}
    for vid, vname, tname in rows:
        v, t = place_key(vname), place_key(tname)
        by_name.setdefault(v, []).append(vid)
        by_pair.setdefault((t, v), []).append(vid)

    def resolve(township: object, village: object) -> tuple[int, ...]:
        v = place_key(village)
        if not v:
            return ()
        t = place_key(township)
        if t and (t, v) in by_pair:
            return tuple(by_pair[(t, v)])
        return tuple(by_name.get(v, ()))

    return resolve


_CLUE_DATA = ("dept", "kind", "household_id", "household_no", "member_no", "their_value", "our_value", "message",
              "severity", "category", "suggestion", "source_file", "source_row")


#: Issue 8 integration point (fupin_tui/villages): clue kinds written by another package with its own call of
#: :func:`upsert_clues` (``kinds=``): the 组织部 list imported by ``fupin import`` gives ``village_official_registered``.
#: A comparison run (``kinds=None``) never deactivates them.
EXTERNAL_KINDS: frozenset[str] = frozenset({"village_official_registered"})


def upsert_clues(
    conn: Connection, county_code: str, clues: list[dict[str, Any]], depts: Iterable[str] | None = None,
    kinds: Iterable[str] | None = None,
) -> dict[str, int]:
    """Insert new clues, refresh produced ones, deactivate the rest. Verdicts (status, note, verifier, mark) are kept.

    ``clues``: dicts with ``key`` and the fields of :data:`_CLUE_DATA`. ``depts``: the departments compared this time;
    only their clues may be deactivated (None: every department). ``kinds``: only clues of these kinds may be
    deactivated (None: every kind but :data:`EXTERNAL_KINDS`). Returns counts ``{"new", "updated", "unchanged",
    "reactivated", "deactivated", "active"}``.
    """
    cols = ["id", "key", "active", *_CLUE_DATA]
    stmt = select(*[_CL.c[c] for c in cols]).where(_CL.c.county_code == county_code)
    if depts is not None:
        stmt = stmt.where(_CL.c.dept.in_(list(depts)))
    if kinds is not None:
        stmt = stmt.where(_CL.c.kind.in_(list(kinds)))
    else:
        stmt = stmt.where(_CL.c.kind.not_in(list(EXTERNAL_KINDS)))
    existing: dict[str, dict[str, Any]] = {}
    for row in conn.execute(stmt).all():
        existing[row[1]] = dict(zip(cols, row, strict=True))
    now = utcnow()
    new_rows: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    counts = {"new": 0, "updated": 0, "unchanged": 0, "reactivated": 0, "deactivated": 0}
    produced: set[str] = set()
    for c in clues:
        key = c["key"]
        if key in produced:
            continue
        produced.add(key)
        old = existing.get(key)
        if old is None:
            new_rows.append({"county_code": county_code, "key": key, **{k: c.get(k) for k in _CLUE_DATA},
                             "status": CLUE_PENDING, "note": "", "verifier": "", "active": True,
                             "created_at": now, "updated_at": now})
            counts["new"] += 1
            continue
        diff = any(old.get(k) != c.get(k) for k in _CLUE_DATA)
        if diff or not old["active"]:
            changed.append({"_id": old["id"], **{f"v_{k}": c.get(k) for k in _CLUE_DATA}, "v_active": True,
                            "v_updated_at": now})
            counts["reactivated" if not old["active"] else "updated"] += 1
        else:
            counts["unchanged"] += 1
    gone = [{"_id": old["id"], "v_active": False, "v_updated_at": now}
            for key, old in existing.items() if key not in produced and old["active"]]
    counts["deactivated"] = len(gone)
    if new_rows:
        conn.execute(insert(_CL), new_rows)
    if changed:
        conn.execute(update(_CL).where(_CL.c.id == bindparam("_id")).values(
            **{k: bindparam(f"v_{k}") for k in (*_CLUE_DATA, "active", "updated_at")}), changed)
    if gone:
        conn.execute(update(_CL).where(_CL.c.id == bindparam("_id")).values(
            active=bindparam("v_active"), updated_at=bindparam("v_updated_at")), gone)
    counts["active"] = len(produced)
    return counts

