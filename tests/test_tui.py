"""Pilot tests of every screen and binding of the inspection TUI (App.run_test, a tmp SQLite county)."""

from __future__ import annotations

import io
import sqlite3

import pytest
from _tui_builder import build_county, household_no
from textual.widgets import Footer, Input, RadioButton, RadioSet, Select
from textual.widgets._footer import FooterKey

from fupin_tui.app import FupinApp, run_tui
from fupin_tui.review import Reviewer
from fupin_tui.screens.dialogs import (
    ClueDialog,
    ConfirmDialog,
    DiscardDialog,
    FindingDialog,
    InspectorPrompt,
    MarkDialog,
)
from fupin_tui.screens.grade import GradeScreen
from fupin_tui.screens.help import HelpScreen
from fupin_tui.screens.household import HouseholdScreen
from fupin_tui.screens.overview import OverviewScreen
from fupin_tui.screens.sample_list import SampleListScreen
from fupin_tui.screens.village import VillageScreen
from fupin_tui.widgets import CluesList, FindingsList, MarksList, MemberTable

INSPECTOR = "张三@省扶贫办"
COUNTY = "422822"


@pytest.fixture(autouse=True)
def _config_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


@pytest.fixture
def county_db(db_url):
    build_county(db_url, households=30, sample_n=10)
    return db_url


def make_app(db: str, **kw) -> FupinApp:
    kw.setdefault("remember", False)
    return FupinApp(db, COUNTY, kw.pop("inspector", INSPECTOR), **kw)


def q(db: str, sql: str, *args):
    con = sqlite3.connect(db)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def sample_order(db: str) -> list[str]:
    return [hh for (hh,) in q(db, "SELECT household_no FROM sample_item ORDER BY \"order\"")]


async def settle(pilot, app) -> None:
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


def text_of(widget) -> str:
    """The plain text a Static shows (Rich tables rendered wide, so nothing wraps)."""
    from rich.console import Console

    content = widget.content
    if isinstance(content, str):
        return content
    console = Console(width=300, record=True, file=io.StringIO())
    console.print(content)
    return console.export_text()


def cell_grid(line: str) -> list[str]:
    """A rendered line as one entry per terminal cell (a double-width character, then "" for its second cell)."""
    from rich.cells import cell_len

    out: list[str] = []
    for ch in line:
        out.append(ch)
        out.extend([""] * (cell_len(ch) - 1))
    return out


def footer_fits(screen, width: int) -> bool:
    """Every footer key ends left of the docked palette key and inside the terminal width."""
    keys = list(screen.query_one(Footer).query(FooterKey))
    palette = [k for k in keys if k.has_class("-command-palette")]
    others = [k for k in keys if not k.has_class("-command-palette")]
    limit = palette[0].region.x if palette else width
    return all(k.region.right <= limit for k in others) and all(k.region.right <= width for k in keys)


async def fill_mark(pilot, app, category="income", severity_index=0, note="", member=None) -> None:
    dlg = app.screen
    assert isinstance(dlg, MarkDialog)
    dlg.query_one("#mk-category", Select).value = category
    dlg.query_one("#mk-severity", RadioSet).query(RadioButton)[severity_index].value = True
    if member:
        dlg.query_one("#mk-member", Select).value = member
    dlg.query_one("#mk-note", Input).value = note
    await pilot.press("ctrl+s")
    await pilot.pause()


class TestStart:
    async def test_resumes_at_first_pending_household_with_inspector_in_header(self, county_db):
        app = make_app(county_db)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot, app)
            assert isinstance(app.screen, HouseholdScreen)
            assert app.screen.household_no == sample_order(county_db)[0]
            assert "张三" in app.sub_title and "省扶贫办" in app.sub_title
            assert [type(s) for s in app.screen_stack[1:]] == [OverviewScreen, HouseholdScreen]

    async def test_reopening_resumes_at_first_not_reviewed(self, county_db):
        order = sample_order(county_db)
        Reviewer(make_app(county_db).engine, COUNTY, INSPECTOR).set_status(order[0], "核查无误")
        app = make_app(county_db)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            assert app.screen.household_no == order[1]

    async def test_inspector_prompt_on_first_start(self, county_db):
        app = make_app(county_db, inspector=None, remember=True)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            assert isinstance(app.screen, InspectorPrompt)
            await pilot.press("ctrl+s")  # empty name refused
            assert isinstance(app.screen, InspectorPrompt)
            app.screen.query_one("#ip-name", Input).value = "王五"
            app.screen.query_one("#ip-unit", Input).value = "州扶贫办"
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert isinstance(app.screen, HouseholdScreen)
            assert app.reviewer.inspector == "王五@州扶贫办"
        assert q(county_db, "SELECT name, unit FROM inspector") == [("王五", "州扶贫办")]
        app2 = make_app(county_db, inspector=None)
        async with app2.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            assert app2.screen.query_one("#ip-name", Input).value == "王五"  # remembered on this computer

    async def test_inspector_prompt_escape_quits(self, county_db):
        app = make_app(county_db, inspector=None)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            await pilot.press("escape")
            await pilot.pause()
        assert app.return_code in (0, None)

    async def test_no_sample_stays_on_overview(self, db_url):
        build_county(db_url, households=5, sample_n=0)
        app = make_app(db_url)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot, app)
            assert isinstance(app.screen, OverviewScreen)
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, OverviewScreen)

    def test_run_tui_refuses_missing_database(self, tmp_path, capsys):
        assert run_tui(tmp_path / "missing.db") == 1
        assert "数据库文件不存在" in capsys.readouterr().err


class TestHouseholdKeys:
    @pytest.mark.parametrize("next_key,prev_key", [("pagedown", "pageup"), ("n", "p")])
    async def test_next_previous(self, county_db, next_key, prev_key):
        order = sample_order(county_db)
        app = make_app(county_db)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            await pilot.press(next_key)
            await pilot.press(next_key)
            assert app.screen.household_no == order[2]
            await pilot.press(prev_key)
            assert app.screen.household_no == order[1]
            await pilot.press(prev_key, prev_key)
            assert app.screen.household_no == order[0]  # stays at the first

    async def test_pagedown_works_with_member_table_focused(self, county_db):
        order = sample_order(county_db)
        app = make_app(county_db)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            app.screen.query_one(MemberTable).focus()
            await pilot.press("pagedown")
            assert app.screen.household_no == order[1]

    @pytest.mark.parametrize("key", ["f2", "m"])
    async def test_mark_dialog_saves_before_showing(self, county_db, key):
        order = sample_order(county_db)
        app = make_app(county_db)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, MarkDialog)
            await fill_mark(pilot, app, "income", 1, "务工收入“未计入”…", member=f"{order[0]}01")
            assert isinstance(app.screen, HouseholdScreen)
            assert q(county_db, "SELECT household_no, category, severity, note, member_no FROM mark") == [
                (order[0], "income", "严重", "务工收入“未计入”…", f"{order[0]}01")]
            marks = app.screen.query_one(MarksList)
            assert marks.option_count == 1 and "务工收入" in str(marks.get_option_at_index(0).prompt)
            assert any("已保存" in str(n.message) for n in app._notifications)
            assert q(county_db, "SELECT status FROM sample_item WHERE household_no=?", order[0]) == [("有问题",)]

    async def test_mark_dialog_with_keys_and_chinese_typing(self, county_db):
        app = make_app(county_db)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            await pilot.press("f2")
            await pilot.pause()
            await pilot.press("enter", "down", "enter")  # open the category list, take the first category
            await pilot.pause()
            app.screen.query_one("#mk-note", Input).focus()
            await pilot.press(*"说明测试")
            await pilot.press("enter")  # Enter in the note saves
            await pilot.pause()
            assert isinstance(app.screen, HouseholdScreen)
        assert q(county_db, "SELECT category, note FROM mark") == [("identity", "说明测试")]

    async def test_mark_dialog_needs_category_and_cancels(self, county_db):
        app = make_app(county_db)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            await pilot.press("f2")
            await pilot.pause()
            await pilot.press("ctrl+s")
            assert isinstance(app.screen, MarkDialog)
            assert "类别" in text_of(app.screen.query_one(".dlg-error"))
            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, HouseholdScreen)
        assert q(county_db, "SELECT count(*) FROM mark") == [(0,)]

    @pytest.mark.parametrize("key", ["f3", "o"])
    async def test_clean(self, county_db, key):
        order = sample_order(county_db)
        app = make_app(county_db)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            await pilot.press(key)
            await pilot.pause()
        assert q(county_db, "SELECT status, reviewed_by FROM sample_item WHERE household_no=?", order[0]) == [
            ("核查无误", INSPECTOR)]

    async def test_clean_refused_with_marks(self, county_db):
        order = sample_order(county_db)
        app = make_app(county_db)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            app.reviewer.add_mark(order[0], "income", "一般")
            app.screen.load(order[0])
            await pilot.press("f3")
            await pilot.pause()
            assert any("不能设为" in str(n.message) for n in app._notifications)
        assert q(county_db, "SELECT status FROM sample_item WHERE household_no=?", order[0]) == [("有问题",)]

    @pytest.mark.parametrize("undo_key,redo_key", [("ctrl+z", "ctrl+y"), ("u", "r")])
    async def test_undo_redo(self, county_db, undo_key, redo_key):
        order = sample_order(county_db)
        app = make_app(county_db)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            await pilot.press("f3")
            await pilot.press("pagedown")
            await pilot.press(undo_key)
            await pilot.pause()
            # undo shows the household it concerned
            assert app.screen.household_no == order[0]
            assert q(county_db, "SELECT status FROM sample_item WHERE household_no=?", order[0]) == [("未核查",)]
            await pilot.press(redo_key)
            await pilot.pause()
            assert q(county_db, "SELECT status FROM sample_item WHERE household_no=?", order[0]) == [("核查无误",)]
            await pilot.press(redo_key)  # nothing left to redo
            await pilot.pause()
            assert any("没有可重做" in str(n.message) for n in app._notifications)
        assert [a for (a,) in q(county_db, "SELECT action FROM action ORDER BY id")] == ["status.set", "undo", "redo"]

    async def test_ctrl_r_shows_a_colleagues_mark(self, county_db):
        order = sample_order(county_db)
        app = make_app(county_db)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            colleague = Reviewer(app.engine, COUNTY, "李四@市扶贫办")  # another TUI on the same file
            colleague.add_mark(order[0], "income", "一般", "同事的标记")
            assert app.screen.query_one(MarksList).current_id is None
            await pilot.press("ctrl+r")
            await pilot.pause()
            assert "同事的标记" in str(app.screen.query_one(MarksList).get_option_at_index(0).prompt)

    async def test_ctrl_c_explains_how_to_quit(self, county_db):
        app = make_app(county_db)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            await pilot.press("ctrl+c")
            await pilot.pause()
            assert any("Ctrl+Q" in str(n.message) for n in app._notifications)
            assert isinstance(app.screen, HouseholdScreen)

    async def test_escape_goes_back_to_overview(self, county_db):
        app = make_app(county_db)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            await pilot.press("escape")
            await settle(pilot, app)
            assert isinstance(app.screen, OverviewScreen)
            await pilot.press("escape")  # the overview stays
            assert isinstance(app.screen, OverviewScreen)

    @pytest.mark.parametrize("key", ["f6", "v"])
    async def test_village_view(self, county_db, key):
        app = make_app(county_db)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, VillageScreen)
            text = text_of(app.screen.query_one("#vl-record"))
            assert "行政村" in text
            assert footer_fits(app.screen, 80)
            table = app.screen.query_one("#vl-sampled")
            if table.row_count:
                table.focus()
                await pilot.press("enter")
                await pilot.pause()
                assert isinstance(app.screen, HouseholdScreen)

    async def test_village_view_without_village(self, db_url):
        build_county(db_url, households=6, sample_n=3)
        q(db_url, "SELECT 1")
        con = sqlite3.connect(db_url)
        con.execute("UPDATE household SET village_id = NULL")
        con.commit()
        con.close()
        app = make_app(db_url)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            await pilot.press("f6")
            await pilot.pause()
            assert "无村级数据" in text_of(app.screen.query_one("#vl-record"))


class TestFindingsAndClues:
    def _with_findings_and_clues(self, db) -> str:
        # household 9 (0-based): findings (i % 3 == 0) and a clue (i % 4 == 1)
        hh = household_no(9)
        assert q(db, "SELECT count(*) FROM finding WHERE household_no=?", hh)[0][0] > 0
        assert q(db, "SELECT count(*) FROM clue WHERE household_no=?", hh)[0][0] > 0
        return hh

    async def test_confirm_finding_with_f4(self, db_url):
        build_county(db_url, households=12, sample_n=12)
        hh = self._with_findings_and_clues(db_url)
        app = make_app(db_url)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            app.open_household(hh)
            await pilot.pause()
            findings = app.screen.query_one(FindingsList)
            assert findings.option_count >= 1 and "待核实" in str(findings.get_option_at_index(0).prompt)
            await pilot.press("f4")
            await pilot.pause()
            assert isinstance(app.screen, FindingDialog)
            await pilot.press("ctrl+s")  # 属实 is preselected
            await pilot.pause()
            assert isinstance(app.screen, HouseholdScreen)
        assert q(db_url, "SELECT verdict FROM finding_verdict") == [("属实",)]
        assert q(db_url, "SELECT source FROM mark")[0][0].startswith("rule:")

    async def test_dismiss_finding_needs_note(self, db_url):
        build_county(db_url, households=12, sample_n=12)
        hh = self._with_findings_and_clues(db_url)
        app = make_app(db_url)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            app.open_household(hh)
            await pilot.pause()
            app.screen.query_one(FindingsList).focus()
            await pilot.press("enter")
            await pilot.pause()
            dlg = app.screen
            assert isinstance(dlg, FindingDialog)
            dlg.query_one("#fd-verdict", RadioSet).query(RadioButton)[1].value = True
            await pilot.press("ctrl+s")
            assert isinstance(app.screen, FindingDialog)  # note required
            dlg.query_one("#fd-note", Input).value = "入户核实无误"
            await pilot.press("ctrl+s")
            await pilot.pause()
        assert q(db_url, "SELECT verdict, note FROM finding_verdict") == [("不属实", "入户核实无误")]
        assert q(db_url, "SELECT count(*) FROM mark") == [(0,)]

    async def test_clue_status_with_f5(self, db_url):
        build_county(db_url, households=12, sample_n=12)
        hh = self._with_findings_and_clues(db_url)
        app = make_app(db_url)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            app.open_household(hh)
            await pilot.pause()
            assert app.screen.query_one(CluesList).option_count == 1
            await pilot.press("f5")
            await pilot.pause()
            dlg = app.screen
            assert isinstance(dlg, ClueDialog)
            dlg.query_one("#cl-status", RadioSet).query(RadioButton)[1].value = True  # 属实
            dlg.query_one("#cl-note", Input).value = "民政名单核对"
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert "属实" in str(app.screen.query_one(CluesList).get_option_at_index(0).prompt)
        assert q(db_url, "SELECT status, note FROM clue WHERE household_no=?", hh) == [("属实", "民政名单核对")]
        assert q(db_url, "SELECT source FROM mark")[0][0] == "clue:dibao_missing"

    async def test_f4_on_focused_clue_list(self, db_url):
        build_county(db_url, households=12, sample_n=12)
        hh = self._with_findings_and_clues(db_url)
        app = make_app(db_url)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            app.open_household(hh)
            await pilot.pause()
            app.screen.query_one(CluesList).focus()
            await pilot.press("f4")
            await pilot.pause()
            assert isinstance(app.screen, ClueDialog)

    async def test_blind_mode_hides_findings_until_verdict(self, db_url):
        build_county(db_url, households=12, sample_n=12)
        hh = self._with_findings_and_clues(db_url)
        app = make_app(db_url, blind=True)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            assert "盲审" in app.sub_title
            app.open_household(hh)
            await pilot.pause()
            findings = app.screen.query_one(FindingsList)
            assert "盲审" in str(findings.get_option_at_index(0).prompt)
            assert all(not (o.id or "").startswith("finding:") for o in findings._options)
            await pilot.press("f2")
            await pilot.pause()
            await fill_mark(pilot, app, "other", 0, "先记结论")
            findings = app.screen.query_one(FindingsList)
            assert any((o.id or "").startswith("finding:") for o in findings._options)

    async def test_marks_list_edit_and_delete(self, county_db):
        order = sample_order(county_db)
        app = make_app(county_db)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            app.reviewer.add_mark(order[0], "income", "一般", "初记")
            app.screen.load(order[0])
            await pilot.pause()
            marks = app.screen.query_one(MarksList)
            marks.focus()
            marks.highlighted = 0
            await pilot.press("enter")
            await pilot.pause()
            dlg = app.screen
            assert isinstance(dlg, MarkDialog) and dlg.query_one("#mk-note", Input).value == "初记"
            dlg.query_one("#mk-note", Input).value = "改过"
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert q(county_db, "SELECT note FROM mark") == [("改过",)]
            app.screen.query_one(MarksList).focus()
            await pilot.press("delete")
            await pilot.pause()
            assert isinstance(app.screen, ConfirmDialog)
            await pilot.press("enter")
            await pilot.pause()
        assert q(county_db, "SELECT deleted FROM mark") == [(1,)]
        assert [a for (a,) in q(county_db, "SELECT action FROM action ORDER BY id")] == [
            "mark.add", "mark.edit", "mark.delete"]


class TestOtherScreens:
    async def test_overview(self, county_db):
        app = make_app(county_db)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            await pilot.press("f9")
            await settle(pilot, app)
            screen = app.screen
            assert isinstance(screen, OverviewScreen)
            assert "贫困户" in text_of(screen.query_one("#ov-county"))
            assert "样本 10 户" in text_of(screen.query_one("#ov-progress"))
            assert screen.query_one("#ov-rules").row_count > 0
            assert screen.query_one("#ov-clues").row_count > 0
            assert "等级" in text_of(screen.query_one("#ov-grade"))
            assert footer_fits(screen, 80)
            await pilot.press("f5")
            await settle(pilot, app)
            await pilot.press("enter")  # continue reviewing
            await pilot.pause()
            assert isinstance(app.screen, HouseholdScreen)

    @pytest.mark.parametrize("key", ["f7", "l"])
    async def test_sample_list_filter_and_open(self, county_db, key):
        order = sample_order(county_db)
        app = make_app(county_db)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            await pilot.press("f3")  # first household clean
            await pilot.press("escape")
            await settle(pilot, app)
            await pilot.press(key)
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, SampleListScreen)
            table = screen.query_one("#sl-table")
            assert table.row_count == 10
            assert footer_fits(screen, 80)
            await pilot.press("f4")  # 未核查
            assert table.row_count == 9
            await pilot.press("f4")  # 有问题
            assert table.row_count == 0
            await pilot.press("f", "f")  # 核查无误, then 全部
            assert table.row_count == 10
            await pilot.press("f4", "f4", "f4")
            assert table.row_count == 1
            await pilot.press("f6")  # one page only: stays
            await pilot.press("f5")
            assert table.row_count == 1
            table.focus()
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, HouseholdScreen) and app.screen.household_no == order[0]
            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, SampleListScreen)

    async def test_sample_list_pages(self, db_url, monkeypatch):
        import fupin_tui.screens.sample_list as sl

        monkeypatch.setattr(sl, "PAGE_SIZE", 4)
        build_county(db_url, households=12, sample_n=10)
        app = make_app(db_url)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            await pilot.press("f7")
            await pilot.pause()
            table = app.screen.query_one("#sl-table")
            assert table.row_count == 4
            await pilot.press("f6", "f6")
            assert table.row_count == 2
            await pilot.press("f6")  # no further page
            assert table.row_count == 2
            await pilot.press("f5")
            assert table.row_count == 4

    @pytest.mark.parametrize("key", ["f8", "g"])
    async def test_grade_screen(self, county_db, key):
        order = sample_order(county_db)
        app = make_app(county_db)
        reviewer = app.reviewer
        reviewer.inspector = INSPECTOR
        reviewer.add_mark(order[0], "income", "严重", "x")
        for hh in order[1:6]:
            reviewer.set_status(hh, "核查无误")
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            await pilot.press("escape")
            await settle(pilot, app)
            await pilot.press(key)
            await settle(pilot, app)
            screen = app.screen
            assert isinstance(screen, GradeScreen)
            figures = text_of(screen.query_one("#gr-figures"))
            assert "等级" in figures
            if screen.grade is not None:
                assert "已核查户数" in figures
                bars = text_of(screen.query_one("#gr-bars"))
                assert "█" in bars or "▏" in bars or "尚无" in bars
            assert footer_fits(screen, 80)
            await pilot.press("f5")
            await settle(pilot, app)
            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, OverviewScreen)

    @pytest.mark.parametrize("key", ["f1", "question_mark"])
    async def test_help_lists_keys(self, county_db, key):
        app = make_app(county_db)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, HelpScreen)
            text = " ".join(text_of(w) for w in app.screen.query("Static"))
            for word in ("PgDn", "下一户", "F2", "标记", "Ctrl+Z", "撤销", "F3", "F4", "Ctrl+P", "筛选", "F1"):
                assert word in text
            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, HouseholdScreen)

    async def test_palette_jumps_to_any_household(self, county_db):
        order = sample_order(county_db)
        outside = next(household_no(i) for i in range(30) if household_no(i) not in order)
        app = make_app(county_db)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            await pilot.press("ctrl+p")
            await pilot.pause()
            await pilot.press(*outside)
            await pilot.pause(0.5)
            await app.workers.wait_for_complete()
            await pilot.pause(0.3)
            await pilot.press("down", "enter")
            await pilot.pause(0.3)
            assert isinstance(app.screen, HouseholdScreen)
            assert app.screen.household_no == outside
            assert app.screen.detail.status is None  # not sampled
            await pilot.press("pagedown")  # from outside the sample: back to the resume position
            assert app.screen.household_no == order[0]

    @pytest.mark.parametrize("size", [(80, 24), (160, 48)])
    async def test_footer_fits_on_household_screen(self, county_db, size):
        app = make_app(county_db)
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            assert footer_fits(app.screen, size[0])
            labels = [k.description for k in app.screen.query_one(Footer).query(FooterKey)]
            assert {"下一户", "上一户", "标记", "无误", "撤销", "帮助"} <= set(labels)

    async def test_resize_switches_layout(self, county_db):
        app = make_app(county_db)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            assert not app.screen.has_class("-wide")
            await pilot.resize_terminal(160, 48)
            await pilot.pause()
            assert app.screen.has_class("-wide")
            assert app.screen.query_one("#hh-income-wide").display


class TestUnsavedDialogs:
    """QA: typed mark text was lost without a prompt (Esc, Ctrl+Q); Tab into 说明 selected the whole note."""

    async def _open_edit(self, pilot, app, db, note="入户核实配偶…"):
        order = sample_order(db)
        app.reviewer.add_mark(order[0], "income", "一般", note)
        app.screen.load(order[0])
        await pilot.pause()
        marks = app.screen.query_one(MarksList)
        marks.focus()
        marks.highlighted = 0
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, MarkDialog)
        return app.screen

    async def test_escape_with_typed_note_asks_then_keeps_editing_or_discards(self, county_db):
        app = make_app(county_db)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            await pilot.press("f2")
            await pilot.pause()
            dlg = app.screen
            assert isinstance(dlg, MarkDialog) and not dlg.is_dirty()
            dlg.query_one("#mk-note").focus()
            await pilot.press(*"务工收入未计入")
            assert dlg.is_dirty()
            await pilot.press("escape")
            await pilot.pause()
            ask = app.screen
            assert isinstance(ask, DiscardDialog) and not ask.quitting
            shown = " ".join(text_of(w) for w in ask.query("Label, Static")) + " ".join(
                str(b.label) for b in ask.query("Button"))
            assert "放弃未保存的内容？" in shown and "^D" in shown and "F2" in shown and "Esc" in shown
            await pilot.press("enter")  # Enter never discards: the focused button is 继续编辑
            await pilot.pause()
            assert app.screen is dlg and dlg.query_one("#mk-note", Input).value == "务工收入未计入"
            await pilot.press("escape")
            await pilot.pause()
            await pilot.press("escape")  # Esc in the question: back to editing
            await pilot.pause()
            assert app.screen is dlg
            await pilot.press("escape")
            await pilot.pause()
            await pilot.press("ctrl+d")  # 放弃
            await pilot.pause()
            assert isinstance(app.screen, HouseholdScreen)
        assert q(county_db, "SELECT count(*) FROM mark") == [(0,)]

    async def test_escape_question_can_save(self, county_db):
        order = sample_order(county_db)
        app = make_app(county_db)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            await pilot.press("f2")
            await pilot.pause()
            app.screen.query_one("#mk-category", Select).value = "income"
            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, DiscardDialog)
            await pilot.press("f2")  # 保存, the dialogs' save key
            await pilot.pause()
            assert isinstance(app.screen, HouseholdScreen)
        assert q(county_db, "SELECT household_no, category FROM mark") == [(order[0], "income")]

    async def test_clean_dialogs_close_at_once(self, county_db):
        app = make_app(county_db)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            await self._open_edit(pilot, app, county_db)
            await pilot.press("escape")  # nothing changed
            await pilot.pause()
            assert isinstance(app.screen, HouseholdScreen)
            await pilot.press("f2")
            await pilot.pause()
            app.screen.query_one("#mk-note", Input).value = "  "  # blank, as saved: not a change
            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, HouseholdScreen)

    @pytest.mark.parametrize("change", ["severity", "member", "category", "note"])
    async def test_edit_dialog_any_change_is_dirty(self, county_db, change):
        order = sample_order(county_db)
        app = make_app(county_db)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            dlg = await self._open_edit(pilot, app, county_db)
            assert not dlg.is_dirty()
            if change == "severity":
                dlg.query_one("#mk-severity", RadioSet).query(RadioButton)[1].value = True
            elif change == "member":
                dlg.query_one("#mk-member", Select).value = f"{order[0]}01"
            elif change == "category":
                dlg.query_one("#mk-category", Select).value = "identity"
            else:
                await pilot.press("x")
            await pilot.pause()
            assert dlg.is_dirty()
            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, DiscardDialog)

    async def test_ctrl_q_with_dirty_dialog_asks(self, county_db):
        app = make_app(county_db)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            dlg = await self._open_edit(pilot, app, county_db)
            await pilot.press("x")
            await pilot.press("ctrl+q")
            await pilot.pause()
            ask = app.screen
            assert isinstance(ask, DiscardDialog) and ask.quitting
            assert "放弃未保存的内容并退出？" in text_of(ask.query_one(".dlg-title"))
            assert "^Q" in " ".join(str(b.label) for b in ask.query("Button"))
            await pilot.press("escape")  # back to the dialog, text kept, app still running
            await pilot.pause()
            assert app.screen is dlg and dlg.query_one("#mk-note", Input).value == "入户核实配偶…x"
            assert app.is_running
            await pilot.press("escape")  # Esc's question open: Ctrl+Q asks the quit question instead
            await pilot.pause()
            assert isinstance(app.screen, DiscardDialog) and not app.screen.quitting
            await pilot.press("ctrl+q")
            await pilot.pause()
            assert isinstance(app.screen, DiscardDialog) and app.screen.quitting
            await pilot.press("ctrl+q")  # Ctrl+Q again: 放弃并退出
            await pilot.pause()
            assert not app.is_running
        assert q(county_db, "SELECT note FROM mark") == [("入户核实配偶…",)]

    async def test_ctrl_q_question_can_save_the_dialog(self, county_db):
        app = make_app(county_db)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            await self._open_edit(pilot, app, county_db)
            await pilot.press("x", "ctrl+q")
            await pilot.pause()
            await pilot.press("f2")
            await pilot.pause()
            assert isinstance(app.screen, HouseholdScreen) and app.is_running
            await pilot.press("ctrl+q")  # nothing unsaved now: quits at once
            await pilot.pause()
            assert not app.is_running
        assert q(county_db, "SELECT note FROM mark") == [("入户核实配偶…x",)]

    async def test_ctrl_q_with_clean_dialog_quits_at_once(self, county_db):
        app = make_app(county_db)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            await pilot.press("f2")
            await pilot.pause()
            await pilot.press("ctrl+q")
            await pilot.pause()
            assert not app.is_running

    async def test_navigation_keys_do_not_close_an_open_dialog(self, county_db):
        app = make_app(county_db)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            await pilot.press("f2")
            await pilot.pause()
            dlg = app.screen
            dlg.query_one("#mk-note").focus()
            await pilot.press(*"说明")
            for key in ("f7", "f8", "f9", "ctrl+p", "ctrl+z"):
                await pilot.press(key)
                await pilot.pause()
                assert app.screen is dlg, key
            assert dlg.query_one("#mk-note", Input).value == "说明"

    async def test_note_focus_keeps_text_and_puts_cursor_at_end(self, county_db):
        app = make_app(county_db)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            dlg = await self._open_edit(pilot, app, county_db)
            note = dlg.query_one("#mk-note", Input)
            assert note.has_focus and note.selection.is_empty and note.cursor_position == len(note.value)
            await pilot.press("shift+tab")  # leave the note, then Tab back into it
            await pilot.pause()
            assert not note.has_focus
            await pilot.press("tab")
            await pilot.pause()
            assert note.has_focus and note.selection.is_empty
            await pilot.press("1")
            assert note.value == "入户核实配偶…1"
            await pilot.press("ctrl+s")
            await pilot.pause()
        assert q(county_db, "SELECT note FROM mark") == [("入户核实配偶…1",)]


class TestQaScreens:
    @pytest.mark.parametrize("width", [80, 100, 120])
    async def test_overview_rule_table_headers_line_up(self, db_url, width):
        build_county(db_url, households=30, sample_n=10)
        con = sqlite3.connect(db_url)  # a long title (42 cells, as village_org_counts'), ambiguous-width dash
        con.execute("UPDATE finding SET rule_id='village_org_counts' WHERE rule_id='id_checksum'")
        con.commit()
        con.close()
        app = make_app(db_url)
        async with app.run_test(size=(width, 30)) as pilot:
            await pilot.pause()
            await pilot.press("f9")
            await settle(pilot, app)
            table = app.screen.query_one("#ov-rules")
            assert table.row_count > 0
            assert table.virtual_size.width <= table.scrollable_content_region.width  # never scrolls sideways
            assert table.max_scroll_x == 0
            # every header label and every visible row's value sits in its column: left-aligned text starts at the
            # column's first cell, numbers end at its last (Han characters take two cells)
            labels = [str(c.label) for c in table.columns.values()]
            assert labels[:6] == ["疑点规则", "严重程度", "疑点", "户数", "属实", "不属实"]
            assert ("类别" in labels) == (width >= 100)  # left out at 80 columns so that the titles stay readable
            strips = app.screen._compositor.render_strips()
            top = table.region.y
            visible = min(table.row_count, table.region.height - 1)
            lines = [cell_grid("".join(seg.text for seg in strips[y])) for y in range(top, top + 1 + visible)]
            assert all(len(line) == width for line in lines)
            x = table.region.x
            for column in table.columns.values():
                inner = (x + table.cell_padding, x + table.cell_padding + column.width)
                x += column.get_render_width(table)
                right = str(column.label) != "疑点规则" and str(column.label) not in ("严重程度", "类别")
                for n, line in enumerate(lines):
                    text = "".join(line[inner[0]:inner[1]])
                    assert text.strip(), (column.label, n)
                    if right:
                        assert text == text.rstrip() and text.strip().replace(",", "").isdigit() or n == 0, text
                    else:
                        assert text == text.lstrip(), (column.label, n, text)
                    if n == 0:
                        assert text.strip() == str(column.label)
                    assert line[inner[0] - 1] in (" ", "") and (inner[1] >= width or line[inner[1]] == " ")

    async def test_clean_outside_sample_explains(self, county_db):
        order = sample_order(county_db)
        outside = next(household_no(i) for i in range(30) if household_no(i) not in order)
        app = make_app(county_db)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            app.open_household(outside)
            await pilot.pause()
            for key in ("f3", "o"):
                app._notifications.clear()
                await pilot.press(key)
                await pilot.pause()
                messages = [str(n.message) for n in app._notifications]
                assert any("样本外" in m and "不计入评分" in m and "不在抽样样本中" in m for m in messages), messages
            # the key stays dimmed in the footer, and nothing was recorded
            keys = {k.description: k for k in app.screen.query_one(Footer).query(FooterKey)}
            assert keys["无误"].has_class("-disabled")
        assert q(county_db, "SELECT count(*) FROM action") == [(0,)]

    async def test_scroll_hint_names_findings_outside_back_check(self, county_db):
        app = make_app(county_db)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            assert "疑点" in str(app.screen.query_one("#hh-card").border_subtitle)

    @pytest.mark.parametrize("size", [(80, 24), (160, 48)])
    async def test_footer_puts_next_household_first(self, county_db, size):
        app = make_app(county_db)
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            for focus in (None, "#hh-members"):
                if focus:
                    app.screen.query_one(focus).focus()
                    app.screen.refresh_bindings()
                    await pilot.pause()
                labels = [k.description for k in app.screen.query_one(Footer).query(FooterKey)]
                assert labels[:2] == ["下一户", "上一户"], labels
                assert footer_fits(app.screen, size[0])


def test_cli_inspect_refuses_without_terminal(county_db):
    from typer.testing import CliRunner

    from fupin_tui.cli import app as cli_app

    result = CliRunner().invoke(cli_app, ["inspect", "--db", county_db, "--inspector", INSPECTOR])
    assert result.exit_code == 1
    assert "终端" in result.output


def test_cli_inspect_help_is_chinese():
    from typer.testing import CliRunner

    from fupin_tui.cli import app as cli_app

    result = CliRunner().invoke(cli_app, ["inspect", "--help"])
    assert result.exit_code == 0 and "盲审" in result.output and "--inspector" in result.output


def test_cli_inspect_missing_db(tmp_path):
    from typer.testing import CliRunner

    from fupin_tui.cli import app as cli_app

    result = CliRunner().invoke(cli_app, ["inspect", "--db", str(tmp_path / "none.db")])
    assert result.exit_code == 1


@pytest.mark.postgres
async def test_tui_on_both_backends(storage_db, tmp_path, monkeypatch):
    """Open, mark, step, 核查无误, undo — on SQLite and on PostgreSQL (``--db postgresql://…``)."""
    build_county(storage_db, households=8, sample_n=4)
    app = FupinApp(storage_db, COUNTY, INSPECTOR, remember=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        first = app.screen.household_no
        await pilot.press("f2")
        await pilot.pause()
        await fill_mark(pilot, app, "income", 0, "说明")
        await pilot.press("pagedown", "f3")
        await pilot.pause()
        await pilot.press("ctrl+z")
        await pilot.pause()
        assert app.screen.detail.status == "未核查"
        assert Reviewer(app.engine, COUNTY, INSPECTOR).detail(first).status == "有问题"
