"""Helpers for the comparison tests: build a county from plain dicts, load the shared sample roster, write lists.

``load_sample_roster`` uses the importer (``fupin_tui.importing.import_files``) when it exists, and otherwise a small
loader here (roster only), so the comparison tests do not wait for the importer.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
from sqlalchemy import insert, select

from fupin_tui.headers import ROSTER_LOOKUP, match_field
from fupin_tui.idnumber import normalize_id
from fupin_tui.models import County, Household, Member, Township, Village, get_engine

COUNTY = "422822"


def build_county(db: str, households: list[dict[str, Any]], county: str = COUNTY, data_year: int = 2015):
    """Create a county with townships, villages, households and members from dicts; returns the engine.

    Household dict keys: ``household_no``, ``township``, ``village``, any Household column, and ``members`` (dicts
    with Member columns; ``id_norm``/``id_kind`` are filled from ``id_number`` by :func:`normalize_id`).
    """
    engine = get_engine(db)
    with engine.begin() as conn:
        if conn.execute(select(County.__table__.c.code).where(County.__table__.c.code == county)).first() is None:
            conn.execute(insert(County.__table__).values(code=county, name="测试县", data_year=data_year, settings={}))
        towns: dict[str, int] = {}
        villages: dict[tuple[str, str], int] = {}
        for h in households:
            t = h.get("township", "测试镇")
            v = h.get("village", "测试村")
            if t not in towns:
                towns[t] = conn.execute(
                    insert(Township.__table__).values(county_code=county, name=t)).inserted_primary_key[0]
            if (t, v) not in villages:
                villages[(t, v)] = conn.execute(insert(Village.__table__).values(
                    county_code=county, township_id=towns[t], name=v, extra={})).inserted_primary_key[0]
            cols = {k: val for k, val in h.items() if k not in ("members", "township", "village")}
            hid = conn.execute(insert(Household.__table__).values(
                county_code=county, township_id=towns[t], village_id=villages[(t, v)], extra={}, **cols,
            )).inserted_primary_key[0]
            rows = []
            for pos, m in enumerate(h.get("members", [])):
                info = normalize_id(m.get("id_number"))
                rows.append({"county_code": county, "household_id": hid, "household_no": h["household_no"],
                             "position": pos, "id_norm": info.value, "id_kind": info.kind.value, "extra": {}, **m})
            if rows:
                conn.execute(insert(Member.__table__), rows)
    return engine


def _roster_households(sample_dir: Path) -> list[dict[str, Any]]:
    from python_calamine import CalamineWorkbook

    rows = CalamineWorkbook.from_path(str(sample_dir / "贫困人口花名册.xlsx")).get_sheet_by_index(0).to_python()
    hi = next(i for i, r in enumerate(rows) if "户编号" in [str(c) for c in r])
    cols = {match_field(c, ROSTER_LOOKUP): i for i, c in enumerate(rows[hi])}
    households: dict[str, dict[str, Any]] = {}
    for r in rows[hi + 1:]:
        def g(f: str, r: list = r) -> Any:
            v = r[cols[f]] if f in cols else None
            return v if v not in ("", None) else None

        hno = str(g("household_no"))
        h = households.get(hno)
        if h is None:
            h = households[hno] = {"household_no": hno, "township": g("township"), "village": g("village"),
                                   "members": []}
        for f in ("household_type", "dilapidated_house", "poverty_status", "main_cause"):
            if g(f) is not None and f not in h:
                h[f] = g(f)
        h["members"].append({"member_no": str(g("member_no")), "name": g("name"), "id_number": str(g("id_number")),
                             "relation": g("relation"), "health": g("health"), "labour_skill": g("labour_skill")})
    return list(households.values())


def load_sample_roster(db: str, sample_dir: Path):
    """Load the sample county's roster into ``db`` (importer when available, else the small loader); the engine."""
    try:
        from fupin_tui.importing import import_files  # type: ignore[attr-defined]
    except ImportError:
        import_files = None
    if import_files is not None:
        engine = get_engine(db)
        import_files(engine, [sample_dir / "贫困人口花名册.xlsx", sample_dir / "户收入及生产生活条件.xlsx"])
        return engine
    return build_county(db, _roster_households(sample_dir))


def department_files(sample_dir: Path) -> list[Path]:
    """The eight department lists of the sample county."""
    exports = ("贫困人口花名册.xlsx", "户收入及生产生活条件.xlsx")
    return sorted(p for p in sample_dir.glob("*.xlsx") if p.name not in exports)


def write_xlsx(path: Path, rows: list[list[Any]], sheet: str = "Sheet1") -> Path:
    """Write rows to an .xlsx (every cell as given: pass IDs as text unless testing Excel corruption)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path
