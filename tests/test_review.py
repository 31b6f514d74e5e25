"""The headless review service: marks committed with their trail row, statuses, verdicts, undo/redo, screen queries."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys

import pytest
from _tui_builder import build_county, household_no
from sqlalchemy import select

from fupin_tui import review as r
from fupin_tui.audit import verify_chain
from fupin_tui.models import Action, Clue, Finding, FindingVerdict, Mark, SampleItem, get_engine, session_scope

INSPECTOR = "张三@省扶贫办"
OTHER = "李四@市扶贫办"
COUNTY = "422822"


@pytest.fixture
def county_db(db_url):
    build_county(db_url, households=30, sample_n=10)
    return db_url


@pytest.fixture
def engine(county_db):
    return get_engine(county_db)


@pytest.fixture
def rv(engine):
    return r.Reviewer(engine, COUNTY, INSPECTOR)


def raw(db: str, sql: str, *args):
    """Read through a separate sqlite3 connection: only committed rows are visible."""
    con = sqlite3.connect(db)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def first_sampled(rv: r.Reviewer) -> str:
    return rv.page(limit=1).rows[0].household_no


def actions(engine) -> list[Action]:
    with session_scope(engine) as s:
        return list(s.scalars(select(Action).order_by(Action.id)))


class TestInspector:
    def test_parse_and_label(self):
        assert r.parse_inspector(" 张三 @ 省扶贫办 ") == ("张三", "省扶贫办")
        assert r.parse_inspector("张三") == ("张三", "")
        assert r.inspector_label("张三", "省扶贫办") == INSPECTOR
        assert r.inspector_label("张三") == "张三"
        with pytest.raises(r.ReviewError):
            r.parse_inspector("  @单位")

    def test_ensure_inspector_is_idempotent(self, engine):
        with session_scope(engine) as s:
            a = r.ensure_inspector(s, "张三", "省扶贫办")
            b = r.ensure_inspector(s, "张三", "省扶贫办")
            assert a.id == b.id

    def test_remembered_inspector(self, tmp_path, monkeypatch):
        monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
        assert r.remembered_inspector() is None
        r.remember_inspector(INSPECTOR)
        assert r.remembered_inspector() == INSPECTOR
        assert (tmp_path / "cfg" / "fupin-tui" / "inspector.json").stat().st_mode & 0o077 == 0


class TestMarks:
    def test_add_mark_is_committed_with_its_trail_row(self, rv, county_db, engine):
        hh = first_sampled(rv)
        mark = rv.add_mark(hh, "收入数据不实或不符逻辑", "严重", "务工收入“未计入”…", member_no=f"{hh}01",
                           field="年收入")
        rows = raw(county_db, "SELECT category, severity, note, member_no, field, inspector, deleted FROM mark")
        assert rows == [("income", "严重", "务工收入“未计入”…", f"{hh}01", "annual_income", INSPECTOR, 0)]
        assert raw(county_db, "SELECT status, reviewed_by FROM sample_item WHERE household_no=?", hh) == [
            ("有问题", INSPECTOR)]
        trail = raw(county_db, "SELECT action, target, inspector, old_value, new_value FROM action")
        assert len(trail) == 1
        action, target, who, old, new = trail[0]
        assert (action, target, who) == ("mark.add", f"mark:{mark.uuid}", INSPECTOR)
        new = json.loads(new)
        assert new[f"mark:{mark.uuid}"]["category"] == "income"
        assert any(k.startswith("item:") and v["status"] == "有问题" for k, v in new.items())
        assert json.loads(old)[f"mark:{mark.uuid}"] is None

    def test_bad_values_are_refused_and_nothing_written(self, rv, county_db):
        hh = first_sampled(rv)
        with pytest.raises(r.ReviewError, match="问题类别"):
            rv.add_mark(hh, "没有这一类", "一般")
        with pytest.raises(r.ReviewError, match="严重程度"):
            rv.add_mark(hh, "income", "很严重")
        with pytest.raises(r.ReviewError, match="人编号"):
            rv.add_mark(hh, "income", "一般", member_no="999")
        with pytest.raises(r.ReviewError, match="字段"):
            rv.add_mark(hh, "income", "一般", field="不存在的字段")
        with pytest.raises(r.ReviewError, match="户编号"):
            rv.add_mark("000", "income", "一般")
        assert raw(county_db, "SELECT count(*) FROM mark") == [(0,)]
        assert raw(county_db, "SELECT count(*) FROM action") == [(0,)]

    def test_edit_and_delete(self, rv, county_db):
        hh = first_sampled(rv)
        mark = rv.add_mark(hh, "income", "一般", "初记")
        rv.edit_mark(mark.uuid, severity="严重", note="改为严重")
        assert raw(county_db, "SELECT severity, note FROM mark") == [("严重", "改为严重")]
        rv.delete_mark(mark.uuid)
        assert raw(county_db, "SELECT deleted FROM mark") == [(1,)]
        assert raw(county_db, "SELECT status, reviewed_by FROM sample_item WHERE household_no=?", hh) == [
            ("未核查", None)]
        assert [a for (a,) in raw(county_db, "SELECT action FROM action ORDER BY id")] == [
            "mark.add", "mark.edit", "mark.delete"]
        with pytest.raises(r.ReviewError):
            rv.delete_mark(mark.uuid)

    def test_edit_without_change_records_nothing(self, rv, county_db):
        mark = rv.add_mark(first_sampled(rv), "income", "一般", "同样")
        rv.edit_mark(mark.uuid, note="同样")
        assert raw(county_db, "SELECT count(*) FROM action") == [(1,)]

    def test_mark_outside_sample_has_no_status(self, rv, county_db):
        sampled = {row.household_no for row in rv.page(limit=100).rows}
        outside = next(household_no(i) for i in range(30) if household_no(i) not in sampled)
        rv.add_mark(outside, "other", "一般", "样本外")
        assert raw(county_db, "SELECT count(*) FROM mark WHERE household_no=?", outside) == [(1,)]
        with pytest.raises(r.ReviewError, match="不在样本中"):
            rv.set_status(outside, "核查无误")


class TestStatus:
    def test_clean_refused_while_marks_exist(self, rv, county_db):
        hh = first_sampled(rv)
        rv.add_mark(hh, "income", "一般")
        with pytest.raises(r.ReviewError, match="问题标记"):
            rv.set_status(hh, "核查无误")
        with pytest.raises(r.ReviewError, match="自动"):
            rv.set_status(hh, "有问题")

    def test_clean_and_back(self, rv, county_db):
        hh = first_sampled(rv)
        rv.set_status(hh, "核查无误")
        assert raw(county_db, "SELECT status, reviewed_by FROM sample_item WHERE household_no=?", hh) == [
            ("核查无误", INSPECTOR)]
        rv.set_status(hh, "核查无误")  # unchanged: nothing recorded
        assert raw(county_db, "SELECT count(*) FROM action") == [(1,)]
        rv.add_mark(hh, "income", "一般")  # a mark turns it into 有问题
        assert raw(county_db, "SELECT status FROM sample_item WHERE household_no=?", hh) == [("有问题",)]


class TestUndoRedo:
    def test_undo_redo_are_recorded_and_restore(self, rv, county_db, engine):
        hh = first_sampled(rv)
        mark = rv.add_mark(hh, "income", "一般", "甲")
        result = rv.undo()
        assert result.action == "mark.add" and result.household_no == hh and "撤销" in result.description
        assert raw(county_db, "SELECT deleted FROM mark") == [(1,)]
        assert raw(county_db, "SELECT status FROM sample_item WHERE household_no=?", hh) == [("未核查",)]
        assert rv.undo() is None
        result = rv.redo()
        assert result.action == "mark.add"
        assert raw(county_db, "SELECT deleted, note FROM mark") == [(0, "甲")]
        assert raw(county_db, "SELECT status FROM sample_item WHERE household_no=?", hh) == [("有问题",)]
        trail = raw(county_db, "SELECT action, target, inspector FROM action ORDER BY id")
        first_id = raw(county_db, "SELECT min(id) FROM action")[0][0]
        assert trail == [("mark.add", f"mark:{mark.uuid}", INSPECTOR), ("undo", f"action:{first_id}", INSPECTOR),
                         ("redo", f"action:{first_id}", INSPECTOR)]
        with session_scope(engine) as s:
            assert verify_chain(s).ok

    def test_undo_order_and_status(self, rv, county_db):
        hh = first_sampled(rv)
        mark = rv.add_mark(hh, "income", "一般")
        rv.delete_mark(mark.uuid)
        rv.set_status(hh, "核查无误")
        assert rv.undo_state() == ("设置核查状态", None)
        rv.undo()
        assert raw(county_db, "SELECT status FROM sample_item WHERE household_no=?", hh) == [("未核查",)]
        rv.undo()
        assert raw(county_db, "SELECT deleted FROM mark") == [(0,)]
        assert raw(county_db, "SELECT status FROM sample_item WHERE household_no=?", hh) == [("有问题",)]
        assert rv.undo_state() == ("添加标记", "删除标记")

    def test_new_action_clears_redo(self, rv):
        hh = first_sampled(rv)
        rv.add_mark(hh, "income", "一般")
        rv.undo()
        assert rv.undo_state()[1] == "添加标记"
        rv.set_status(hh, "核查无误")
        assert rv.undo_state() == ("设置核查状态", None)
        assert rv.redo() is None

    def test_only_own_actions(self, rv, engine):
        hh = first_sampled(rv)
        rv.add_mark(hh, "income", "一般")
        other = r.Reviewer(engine, COUNTY, OTHER)
        assert other.undo() is None
        assert other.undo_state() == (None, None)

    def test_undo_refused_when_changed_by_someone_else(self, rv, engine, county_db):
        hh = first_sampled(rv)
        mark = rv.add_mark(hh, "income", "一般", "甲")
        r.Reviewer(engine, COUNTY, OTHER).edit_mark(mark.uuid, note="乙改过")
        with pytest.raises(r.ReviewError, match="已被修改"):
            rv.undo()
        assert raw(county_db, "SELECT note, deleted FROM mark") == [("乙改过", 0)]

    def test_survives_restart(self, rv, engine, county_db):
        hh = first_sampled(rv)
        rv.add_mark(hh, "income", "一般")
        fresh = r.Reviewer(get_engine(county_db), COUNTY, INSPECTOR)
        assert fresh.undo() is not None


class TestVerdicts:
    def _finding(self, engine, rv, severity="严重"):
        sampled = [row.household_no for row in rv.page(limit=100).rows]
        with session_scope(engine) as s:
            return s.scalars(select(Finding).where(Finding.household_no.in_(sampled),
                                                   Finding.severity == severity)).first()

    def test_confirm_creates_verdict_and_mark(self, rv, engine, county_db):
        f = self._finding(engine, rv)
        rv.finding_verdict(f.id, "属实")
        assert raw(county_db, "SELECT verdict, inspector FROM finding_verdict") == [("属实", INSPECTOR)]
        assert raw(county_db, "SELECT category, severity, source, member_no, note FROM mark") == [
            (f.category, f.severity, f"rule:{f.rule_id}", f.member_no, f.message)]
        assert raw(county_db, "SELECT status FROM sample_item WHERE household_no=?", f.household_no) == [("有问题",)]
        assert raw(county_db, "SELECT action FROM action") == [("finding.verdict",)]

    def test_dismiss_needs_note_and_removes_mark(self, rv, engine, county_db):
        f = self._finding(engine, rv)
        with pytest.raises(r.ReviewError, match="说明"):
            rv.finding_verdict(f.id, "不属实")
        rv.finding_verdict(f.id, "属实")
        rv.finding_verdict(f.id, "不属实", "入户核实：证件号码无误")
        assert raw(county_db, "SELECT verdict, note FROM finding_verdict") == [("不属实", "入户核实：证件号码无误")]
        assert raw(county_db, "SELECT deleted FROM mark") == [(1,)]
        assert raw(county_db, "SELECT status FROM sample_item WHERE household_no=?", f.household_no) == [("未核查",)]
        rv.finding_verdict(f.id, "属实")  # revives the same mark
        assert raw(county_db, "SELECT count(*), sum(deleted) FROM mark") == [(1, 0)]

    def test_undo_verdict(self, rv, engine, county_db):
        f = self._finding(engine, rv)
        r.confirm_finding  # the module-level names exist too
        with session_scope(engine) as s:
            r.confirm_finding(s, INSPECTOR, f.id)
        rv.undo()
        assert raw(county_db, "SELECT count(*) FROM finding_verdict") == [(0,)]
        assert raw(county_db, "SELECT deleted FROM mark") == [(1,)]
        rv.redo()
        assert raw(county_db, "SELECT verdict FROM finding_verdict") == [("属实",)]
        with session_scope(engine) as s:
            r.dismiss_finding(s, INSPECTOR, f.id, "不属实的理由")
            assert s.scalars(select(FindingVerdict)).one().verdict == "不属实"

    def test_clue_status(self, rv, engine, county_db):
        with session_scope(engine) as s:
            clue = s.scalars(select(Clue)).first()
        rv.clue_status(clue.id, "属实", "民政名单核对属实")
        assert raw(county_db, "SELECT status, verifier, note FROM clue WHERE id=?", clue.id) == [
            ("属实", INSPECTOR, "民政名单核对属实")]
        assert raw(county_db, "SELECT source, category, deleted FROM mark") == [
            (f"clue:{clue.kind}", clue.category, 0)]
        with pytest.raises(r.ReviewError, match="说明"):
            rv.clue_status(clue.id, "已说明")
        rv.clue_status(clue.id, "已说明", "村里已说明情况")
        assert raw(county_db, "SELECT deleted FROM mark") == [(1,)]
        rv.undo()
        assert raw(county_db, "SELECT status FROM clue WHERE id=?", clue.id) == [("属实",)]
        assert raw(county_db, "SELECT deleted FROM mark") == [(0,)]
        with pytest.raises(r.ReviewError):
            rv.clue_status(clue.id, "不知道")


class TestQueries:
    def test_resume_and_neighbours(self, rv, engine):
        rows = rv.page(limit=100).rows
        assert rv.resume() == rows[0].household_no
        rv.set_status(rows[0].household_no, "核查无误")
        assert rv.resume() == rows[1].household_no
        assert rv.neighbour(rows[0].household_no, 1) == rows[1].household_no
        assert rv.neighbour(rows[1].household_no, -1) == rows[0].household_no
        assert rv.neighbour(rows[0].household_no, -1) is None
        assert rv.neighbour(rows[-1].household_no, 1) is None
        for row in rows:
            rv.set_status(row.household_no, "核查无误")
        assert rv.resume() == rows[0].household_no  # all reviewed: back to the first

    def test_sample_page_filters_and_pages(self, rv):
        rows = rv.page(limit=100).rows
        rv.add_mark(rows[2].household_no, "income", "一般")
        page = rv.page("有问题")
        assert [x.household_no for x in page.rows] == [rows[2].household_no] and page.total == 1
        assert page.rows[0].marks == 1
        assert rv.page(offset=8, limit=5).rows == rows[8:10]
        assert page.counts == {"未核查": 9, "有问题": 1}

    def test_household_detail(self, rv):
        hh = household_no(2)  # a minority name with '·', three members, findings
        d = rv.detail(hh)
        assert "·" in d.household.head_name
        assert len(d.members) == 3 and d.members[0].age == 2015 - 1962
        assert d.members[0].id_sex in ("男", "女")
        assert d.findings is not None
        assert [c.holds for c in d.identities] == [True, True, True, True]
        assert d.village_info  # poor village context
        with pytest.raises(r.ReviewError):
            rv.detail("nope")

    def test_income_identity_flags_breach(self, rv):
        d = rv.detail(household_no(3))  # built with 年收入 500 too high
        assert d.identities[0].holds is False

    def test_blind_reviewed_flag(self, rv):
        hh = first_sampled(rv)
        assert rv.detail(hh).reviewed is False
        rv.set_status(hh, "核查无误")
        assert rv.detail(hh).reviewed is True

    def test_search(self, rv):
        hits = rv.search("4228220000001")
        assert hits and all(h.household_no.startswith("4228220000001") for h in hits)
        assert all("*" in h.masked_id for h in hits)
        by_name = rv.search("·")
        assert by_name and all("·" in (h.member_name or h.head_name) for h in by_name)
        d = rv.detail(household_no(4))
        id_number = d.members[0].member.id_number
        assert household_no(4) in [h.household_no for h in rv.search(id_number[:14])]
        assert household_no(4) in [h.household_no for h in rv.search(id_number[-6:])]
        assert len(rv.search("42282", limit=5)) == 5
        assert rv.search("   ") == []

    def test_overview(self, rv):
        o = rv.overview(with_grade=False)
        assert (o.households, o.townships, o.villages) == (30, 3, 6)
        assert o.people > 30
        assert o.sample["n"] == 10 and o.sample["pending"] == 10
        assert o.findings_by_rule and o.severe_households > 0
        assert o.clues and o.clues[0]["dept_label"] == "民政"

    def test_village_detail(self, rv):
        v = rv.village(household_no(0))
        assert v.village is not None and v.households > 0
        assert all(s.village == v.village.name for s in v.sampled)


def test_review_module_does_not_import_textual():
    code = "import sys, fupin_tui.review; assert 'textual' not in sys.modules, 'textual imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_marks_trail_never_holds_id_numbers(rv, county_db):
    hh = household_no(1)
    rv.add_mark(hh, "identity", "严重", member_no=f"{hh}01")
    d = rv.detail(hh)
    id_number = d.members[0].member.id_number
    for old, new in raw(county_db, "SELECT old_value, new_value FROM action"):
        assert id_number not in old and id_number not in new


def test_sample_item_status_values_are_review_statuses(rv, engine):
    rv.add_mark(first_sampled(rv), "income", "一般")
    with session_scope(engine) as s:
        assert set(s.scalars(select(SampleItem.status))) <= {"未核查", "有问题", "核查无误"}
        assert s.scalars(select(Mark)).one().inspector == INSPECTOR


@pytest.mark.postgres
def test_review_service_on_both_backends(storage_db):
    """Marks, statuses, verdicts, undo/redo and the screen queries on SQLite and on PostgreSQL."""
    build_county(storage_db, households=12, sample_n=6)
    engine = get_engine(storage_db)
    rv = r.Reviewer(engine, COUNTY, INSPECTOR)
    order = [row.household_no for row in rv.page(limit=10).rows]
    mark = rv.add_mark(order[0], "income", "严重", "务工收入“未计入”…")
    rv.set_status(order[1], "核查无误")
    with session_scope(engine) as s:
        finding = s.scalars(select(Finding).where(Finding.household_no.in_(order))).first()
        clue = s.scalars(select(Clue)).first()
    rv.finding_verdict(finding.id, "属实")
    rv.clue_status(clue.id, "不属实", "名单有误")
    assert rv.undo().action == "clue.status"
    assert rv.redo().action == "clue.status"
    rv.edit_mark(mark.uuid, note="改")
    rv.delete_mark(mark.uuid)
    rv.undo()
    d = rv.detail(order[0])
    assert [m.note for m in d.marks][:1] == ["改"] and d.status == "有问题"
    assert rv.resume() == order[2] or rv.resume() in order
    assert rv.search(order[0][:10])
    o = rv.overview(with_grade=False)
    assert o.sample["n"] == 6 and o.sample["issues"] >= 1
    with session_scope(engine) as s:
        assert verify_chain(s).ok
        kinds = [a.action for a in s.scalars(select(Action).order_by(Action.id))]
    assert kinds == ["mark.add", "status.set", "finding.verdict", "clue.status", "undo", "redo", "mark.edit",
                     "mark.delete", "undo"]
