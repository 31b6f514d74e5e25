"""A corrected re-export (整改) of the same county: households updated in place by 户编号, members by 人编号; marks,
verdicts and sample items kept; changes listed; removed households deleted or flagged; the frame hash changes."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from sqlalchemy import insert, select, text

from fixtures_gen import income_rows, make_households, roster_rows, write_xlsx
from fupin_tui.importing import import_files
from fupin_tui.models import Household, Mark, Member, Sample, SampleItem, get_engine, session_scope


def _ids(engine) -> dict[str, int]:  # noqa: ANN001
    with engine.connect() as c:
        return {no: i for i, no in c.execute(select(Household.id, Household.household_no))}


def _hh(engine, no: str) -> dict:  # noqa: ANN001
    with engine.connect() as c:
        return dict(c.execute(select(Household.__table__).where(Household.household_no == no)).one()._mapping)


def _members(engine, no: str) -> list[dict]:  # noqa: ANN001
    with engine.connect() as c:
        return [dict(r._mapping) for r in c.execute(
            select(Member.__table__).where(Member.household_no == no).order_by(Member.position))]


@pytest.fixture
def county(tmp_path: Path):  # noqa: ANN201
    hhs = make_households(6)
    e = get_engine(tmp_path / "c.db")
    v1 = write_xlsx(tmp_path / "花名册_v1.xlsx", {"S": roster_rows(hhs)})
    inc = write_xlsx(tmp_path / "户收入.xlsx", {"S": income_rows(hhs)})
    import_files(e, [v1, inc])
    ids = _ids(e)
    with session_scope(e) as s:
        s.execute(insert(Sample.__table__).values(  # type: ignore[attr-defined]
            id=1, county_code="422822", active=True, seed=1, generator="numpy.PCG64", method="random", n=2,
            population=6, frame_hash="x", strata=[], certainty=[], params={}))
        for no in ("42282200000001", "42282200000004"):
            s.execute(insert(SampleItem.__table__).values(  # type: ignore[attr-defined]
                sample_id=1, household_id=ids[no], household_no=no, stratum="全县", order=0, status="有问题"))
            s.add(Mark(county_code="422822", household_id=ids[no], household_no=no, category="income", note="核查发现"))
    return e, hhs, ids, tmp_path


def test_reexport_updates_in_place_and_keeps_marks(county) -> None:  # noqa: ANN001
    e, hhs, ids, tmp = county
    frame_before = _frame_hash(e)
    v2 = copy.deepcopy(hhs)
    v2[0].values["poverty_status"] = "未脱贫"  # household 1: a value changed (it has a mark)
    v2[1].members.append({**v2[1].members[-1], "member_no": "4228220000000203", "name": "乙三",
                          "relation": "之女", "id_number": ""})  # household 2: a member added
    v2[2].members.pop()  # household 3: a member removed
    v2[2].members[0]["education"] = "高中"  # …and a member changed
    removed_marked = v2.pop(3)  # household 4 (marked, sampled): gone from the export → kept, flagged
    assert removed_marked.no == "42282200000004"
    v2.pop(3)  # household 5 (nothing refers to it) → deleted
    new = make_households(7)[6]
    v2.append(new)  # household 7: new
    path = write_xlsx(tmp / "花名册_v2.xlsx", {"S": roster_rows(v2)})
    r = import_files(e, [path])
    ch = r.changes
    assert ch is not None and ch.reexport
    assert ch.households_added == 1 and ch.removed == ["42282200000005"] and ch.flagged == ["42282200000004"]
    changed = {c.household_no: c for c in ch.households_updated}
    assert changed["42282200000001"].fields == ["poverty_status"]
    assert changed["42282200000002"].members_added == ["4228220000000203"]
    assert changed["42282200000003"].members_removed == ["4228220000000304"]
    assert changed["42282200000003"].members_changed == {"4228220000000301": ["education"]}
    assert ch.households_unchanged == 1  # household 6
    after = _ids(e)
    for no in ("42282200000001", "42282200000002", "42282200000003", "42282200000004", "42282200000006"):
        assert after[no] == ids[no]  # updated in place: ids kept
    assert "42282200000005" not in after and "42282200000007" in after
    assert _hh(e, "42282200000001")["poverty_status"] == "未脱贫"
    assert _hh(e, "42282200000004")["extra"]["removed"]["file"] == "花名册_v2.xlsx"
    assert [m["member_no"][-2:] for m in _members(e, "42282200000003")] == ["01", "02", "03"]
    assert _members(e, "42282200000003")[0]["education"] == "高中"
    # income values of the first import survive a roster-only re-export
    assert _hh(e, "42282200000001")["has_income_record"] and _hh(e, "42282200000001")["wage_income"] == 5000
    with session_scope(e) as s:
        marks = s.scalars(select(Mark)).all()
        assert sorted(m.household_id for m in marks) == sorted([ids["42282200000001"], ids["42282200000004"]])
        assert len(s.scalars(select(SampleItem)).all()) == 2
    if frame_before is not None:
        assert _frame_hash(e) != frame_before
    # the same corrected file again adds nothing
    r2 = import_files(e, [path])
    assert r2.files[0].status == "already"
    # the same content in other bytes: nothing changes
    same = write_xlsx(tmp / "花名册_v2_copy.xlsx", {"另存": roster_rows(v2)})
    r3 = import_files(e, [same])
    assert r3.changes is not None and not r3.changes.households_updated and r3.changes.households_unchanged == 5
    assert r3.changes.removed == [] and r3.changes.flagged == ["42282200000004"]


def test_flag_is_dropped_when_the_household_comes_back(county) -> None:  # noqa: ANN001
    e, hhs, ids, tmp = county
    v2 = [h for h in hhs if h.no != "42282200000004"]
    import_files(e, [write_xlsx(tmp / "v2.xlsx", {"S": roster_rows(v2)})])
    assert "removed" in _hh(e, "42282200000004")["extra"]
    import_files(e, [write_xlsx(tmp / "v3.xlsx", {"第三版": roster_rows(hhs)})])
    assert "removed" not in _hh(e, "42282200000004")["extra"]
    assert _ids(e)["42282200000004"] == ids["42282200000004"]


def test_next_part_of_a_split_roster_removes_nothing(tmp_path: Path) -> None:
    hhs = make_households(6)
    e = get_engine(tmp_path / "c.db")
    import_files(e, [write_xlsx(tmp_path / "part1.xlsx", {"S": roster_rows(hhs[:3])})])
    r = import_files(e, [write_xlsx(tmp_path / "part2.xlsx", {"S": roster_rows(hhs[3:])})])
    assert r.changes is not None and not r.changes.reexport and r.changes.removed == []
    assert len(_ids(e)) == 6


def test_income_table_later_fills_existing_households(tmp_path: Path) -> None:
    hhs = make_households(3)
    e = get_engine(tmp_path / "c.db")
    import_files(e, [write_xlsx(tmp_path / "r.xlsx", {"S": roster_rows(hhs)})])
    before = _ids(e)
    inc = income_rows(hhs)
    inc[1][5] = "五保贫困户"  # 贫困户属性 contradicts the roster's
    r = import_files(e, [write_xlsx(tmp_path / "i.xlsx", {"S": inc})])
    assert _ids(e) == before
    h = _hh(e, "42282200000001")
    assert h["has_income_record"] and h["wage_income"] == 5000
    assert h["household_type"] == "一般贫困户"  # the roster's value is kept
    assert [c["value"] for c in h["extra"]["income_conflicts"]["household_type"]] == ["一般贫困户", "五保贫困户"]
    assert r.changes is not None and not r.changes.reexport and r.changes.removed == []
    with e.connect() as c:
        assert c.execute(text("SELECT count(*) FROM member")).scalar_one() == 9


def _frame_hash(engine) -> str | None:  # noqa: ANN001
    try:
        from fupin_tui.sampling.frame import load_frame
    except ImportError:
        return None
    with session_scope(engine) as s:
        return load_frame(s, "422822").hash


@pytest.mark.postgres
def test_import_and_reexport_on_both_backends(storage_db: str, tmp_path: Path) -> None:
    """The same import, re-export and rejects on SQLite and PostgreSQL (Core inserts there, driver executemany on
    SQLite)."""
    hhs = make_households(4)
    e = get_engine(storage_db)
    rows = roster_rows(hhs)
    rows.append([""] * 27)
    rows.append(["9", "建始县", "", "", "", "", "", "某人", "", 1, "户主"] + [""] * 16)
    r = import_files(e, [write_xlsx(tmp_path / "r.xlsx", {"S": rows}),
                         write_xlsx(tmp_path / "i.xlsx", {"S": income_rows(hhs)})])
    assert r.households == 4 and r.rows_rejected == 1
    ids = _ids(e)
    with session_scope(e) as s:
        s.add(Mark(county_code="422822", household_id=ids["42282200000002"], household_no="42282200000002",
                   category="income"))
    v2 = copy.deepcopy(hhs)
    v2[1].values["size"] = 9
    v2.pop(0)
    r2 = import_files(e, [write_xlsx(tmp_path / "r2.xlsx", {"S": roster_rows(v2)})])
    assert r2.changes is not None and r2.changes.removed == ["42282200000001"]
    assert [c.household_no for c in r2.changes.households_updated] == ["42282200000002"]
    assert _ids(e)["42282200000002"] == ids["42282200000002"]
    h = _hh(e, "42282200000002")
    assert h["size"] == 9 and h["has_income_record"] and h["extra"] == {}
    assert [m["member_no"] for m in _members(e, "42282200000003")][0] == "4228220000000301"
    with e.connect() as c:
        assert c.execute(text("SELECT count(*) FROM rejected_row")).scalar_one() == 1
        assert c.execute(text("SELECT count(*) FROM mark")).scalar_one() == 1
