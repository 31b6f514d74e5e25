"""Pilot tests of back-check mode (``fupin inspect --backcheck``, issue 7): the second inspector reviews the households
assigned to them blind to the first inspector's marks, and records their own result without touching marks or
review statuses."""

from __future__ import annotations

import pytest
from _tui_builder import build_county, household_no
from test_tui import COUNTY, footer_fits, make_app, q, sample_order, settle, text_of
from textual.widgets import Footer, Input, Select, Static
from textual.widgets._footer import FooterKey

from fupin_tui.glossary import ReviewStatus
from fupin_tui.models import session_scope
from fupin_tui.review import Reviewer, ReviewError
from fupin_tui.screens.dialogs import ConfirmDialog, InspectorPrompt, MarkDialog
from fupin_tui.screens.help import HelpScreen
from fupin_tui.screens.household import HouseholdScreen
from fupin_tui.screens.sample_list import SampleListScreen
from fupin_tui.screens.village import VillageScreen
from fupin_tui.team import assign_backcheck, backcheck_agreement
from fupin_tui.widgets import CluesList, FindingsList, MarksList

FIRST = "张三@省扶贫办"
SECOND = "李四@县扶贫办"  # assigned as the bare name 李四 (``--to 李四``)
FIRST_NOTE = "首查备注：务工收入未计入"


@pytest.fixture(autouse=True)
def _config_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


@pytest.fixture
def reviewed_db(db_url):
    """30 households, all 10 sampled ones reviewed by 张三 (every other one with a mark, the rest 核查无误, one
    finding judged), then half of them assigned to 李四 for a back-check."""
    build_county(db_url, households=30, sample_n=10)
    first = Reviewer(make_app(db_url).engine, COUNTY, FIRST)
    for idx, hh in enumerate(sample_order(db_url)):
        if idx % 2 == 0:
            first.add_mark(hh, "income", "严重", FIRST_NOTE)
        else:
            first.set_status(hh, ReviewStatus.CLEAN.value)
    assigned = assign_backcheck(first.engine, second_inspector="李四", share=0.5, seed=3, lead="组长")
    assert len(assigned) == 5
    return db_url


def assigned(db: str) -> list[str]:
    return [hh for (hh,) in q(db, "SELECT household_no FROM backcheck ORDER BY id")]


def first_review(db: str) -> tuple[list, list, list]:
    """Everything the back-check must never change: marks, sample statuses, finding verdicts."""
    return (q(db, "SELECT uuid, category, severity, note, deleted, inspector FROM mark ORDER BY uuid"),
            q(db, "SELECT household_no, status, reviewed_by FROM sample_item ORDER BY id"),
            q(db, "SELECT * FROM finding_verdict ORDER BY id"))


def bc_app(db: str, inspector: str = SECOND):
    return make_app(db, inspector=inspector, backcheck=True)


async def add_category(pilot, app, category: str, note: str) -> None:
    await pilot.press("f2")
    await pilot.pause()
    dlg = app.screen
    assert isinstance(dlg, MarkDialog) and dlg.backcheck
    assert not dlg.query("#mk-severity") and not dlg.query("#mk-member")  # category and note only
    dlg.query_one("#mk-category", Select).value = category
    dlg.query_one("#mk-note", Input).value = note
    await pilot.press("ctrl+s")
    await pilot.pause()


class TestBackcheckList:
    async def test_opens_first_assigned_household_with_progress_in_header(self, reviewed_db):
        nos = assigned(reviewed_db)
        app = bc_app(reviewed_db)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot, app)
            assert isinstance(app.screen, HouseholdScreen)
            assert app.screen.household_no == nos[0]
            assert "[复核]" in app.sub_title and "复核进度 0/5" in app.sub_title
            summary = text_of(app.screen.query_one("#hh-summary", Static))
            assert "复核第 1/5 户" in summary and "未核查" in summary and "有问题" not in summary
            seen = [app.screen.household_no]
            for _ in range(6):
                await pilot.press("pagedown")
                seen.append(app.screen.household_no)
            assert seen[:5] == nos and seen[5:] == [nos[-1]] * 2  # only assigned households; stops at the last
            assert any("复核名单最后一户" in str(n.message) for n in app._notifications)

    async def test_assignment_list_shows_only_own_results(self, reviewed_db):
        nos = assigned(reviewed_db)
        app = bc_app(reviewed_db)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot, app)
            await pilot.press("f7")
            await settle(pilot, app)
            screen = app.screen
            assert isinstance(screen, SampleListScreen)
            table = screen.query_one("#sl-table")
            assert [str(c.label) for c in table.columns.values()][:5] == ["序号", "户编号", "户主", "复核结论", "类别"]
            rows = [table.get_row_at(i) for i in range(table.row_count)]
            assert [r[1] for r in rows] == nos
            assert {str(r[3]) for r in rows} == {"未核查"} and {r[4] for r in rows} == {""}
            assert "复核名单" in text_of(screen.query_one("#sl-filter", Static))
            assert footer_fits(screen, 80)
            labels = {k.description for k in screen.query_one(Footer).query(FooterKey)}
            assert "评分" not in labels and "总览" not in labels
            table.move_cursor(row=2)
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, HouseholdScreen) and app.screen.household_no == nos[2]

    async def test_no_assignments_shows_a_chinese_message(self, reviewed_db):
        app = bc_app(reviewed_db, inspector="王五")
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot, app)
            assert isinstance(app.screen, SampleListScreen)
            text = text_of(app.screen.query_one("#sl-filter", Static))
            assert "没有分配给 王五 的复核户" in text and "fupin backcheck assign" in text
            assert any("没有分配给" in str(n.message) for n in app._notifications)

    async def test_inspector_prompt_then_assignments_and_help(self, reviewed_db):
        app = bc_app(reviewed_db, inspector=None)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            assert isinstance(app.screen, InspectorPrompt)
            app.screen.query_one("#ip-name", Input).value = "李四"
            app.screen.query_one("#ip-unit", Input).value = "县扶贫办"
            await pilot.press("ctrl+s")
            await settle(pilot, app)
            assert isinstance(app.screen, HouseholdScreen)
            assert app.screen.household_no == assigned(reviewed_db)[0]
            await pilot.press("f1")
            await pilot.pause()
            assert isinstance(app.screen, HelpScreen)
            assert any("复核模式" in text_of(w) for w in app.screen.query(Static))

    async def test_households_not_assigned_cannot_be_opened(self, reviewed_db):
        other = next(hh for hh in sample_order(reviewed_db) if hh not in assigned(reviewed_db))
        app = bc_app(reviewed_db)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot, app)
            before = app.screen.household_no
            app.open_household(other)
            await pilot.pause()
            assert app.screen.household_no == before
            assert any("不在您的复核名单中" in str(n.message) for n in app._notifications)


class TestBlindToFirstReview:
    async def test_first_inspectors_marks_statuses_findings_and_clues_invisible(self, reviewed_db):
        marked = [hh for hh in assigned(reviewed_db)
                  if q(reviewed_db, "SELECT count(*) FROM mark WHERE household_no=?", hh)[0][0]]
        assert marked, "the seed should assign at least one household 张三 marked"
        app = bc_app(reviewed_db)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot, app)
            app.open_household(marked[0])
            await pilot.pause()
            screen = app.screen
            d = screen.detail
            assert d.marks == [] and d.findings == [] and d.clues == [] and d.status == ReviewStatus.PENDING
            assert not screen.query_one(FindingsList).display and not screen.query_one(CluesList).display
            marks = screen.query_one(MarksList)
            prompts = " ".join(str(marks.get_option_at_index(i).prompt) for i in range(marks.option_count))
            assert "张三" not in prompts and FIRST_NOTE not in prompts and "尚未记录复核结论" in prompts
            summary = text_of(screen.query_one("#hh-summary", Static))
            assert "有问题" not in summary and "复核（背对背）" in summary
            assert "户基本情况" in str(screen.query_one("#hh-card").border_title)  # the record is shown
            hint = str(screen.query_one("#hh-card").border_subtitle)  # QA: it used to name 疑点 here too
            assert "复核结论" in hint and "疑点" not in hint and "标记" not in hint
            assert footer_fits(screen, 80)
            ordered = [k.description for k in screen.query_one(Footer).query(FooterKey)]
            assert ordered[:2] == ["下一户", "上一户"]
            labels = set(ordered)
            assert {"下一户", "上一户", "标记", "无误", "帮助"} <= labels
            assert "核实" not in labels and "撤销" not in labels
            await pilot.press("f4")  # no verdicts on findings in back-check mode
            await pilot.pause()
            assert isinstance(app.screen, HouseholdScreen)
            await pilot.press("f6")  # village context without the first review's statuses
            await pilot.pause()
            assert isinstance(app.screen, VillageScreen)
            cols = [str(c.label) for c in app.screen.query_one("#vl-sampled").columns.values()]
            assert "核查状态" not in cols

    def test_reviewer_in_backcheck_mode_refuses_first_review_changes(self, reviewed_db):
        r = Reviewer(make_app(reviewed_db).engine, COUNTY, SECOND)
        r.backcheck = True
        hh = assigned(reviewed_db)[0]
        for call in (lambda: r.add_mark(hh, "income", "一般"), lambda: r.set_status(hh, "核查无误"),
                     lambda: r.undo(), lambda: r.redo()):
            with pytest.raises(ReviewError, match="复核模式"):
                call()
        with pytest.raises(ReviewError, match="不在"):
            r.detail(household_no(29))


class TestRecording:
    async def test_recording_saves_backcheck_and_trail_without_touching_marks(self, reviewed_db):
        nos = assigned(reviewed_db)
        before = first_review(reviewed_db)
        actions = q(reviewed_db, "SELECT count(*) FROM action")[0][0]
        app = bc_app(reviewed_db)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot, app)
            assert app.screen.household_no == nos[0]
            await add_category(pilot, app, "income", "复核：工资收入偏低")
            assert isinstance(app.screen, HouseholdScreen)
            assert q(reviewed_db, "SELECT second_status, second_categories, note, second_inspector FROM backcheck "
                                  "WHERE household_no=?", nos[0]) == [("有问题", '["income"]', "复核：工资收入偏低", "李四")]
            assert any("已保存" in str(n.message) for n in app._notifications)
            assert "复核进度 1/5" in app.sub_title
            marks = app.screen.query_one(MarksList)
            assert marks.get_option_at_index(0).id == "bc:income"
            await add_category(pilot, app, "exit", "复核：工资收入偏低")
            assert q(reviewed_db, "SELECT second_categories FROM backcheck WHERE household_no=?", nos[0]) == [
                ('["exit", "income"]',)]
            await pilot.press("f3")  # refused while categories are recorded
            await pilot.pause()
            assert q(reviewed_db, "SELECT second_status FROM backcheck WHERE household_no=?", nos[0]) == [("有问题",)]
            marks = app.screen.query_one(MarksList)
            marks.focus()
            marks.highlighted = next(i for i in range(marks.option_count)
                                     if marks.get_option_at_index(i).id == "bc:exit")
            await pilot.press("delete")
            await pilot.pause()
            assert isinstance(app.screen, ConfirmDialog)
            await pilot.press("enter")
            await pilot.pause()
            assert q(reviewed_db, "SELECT second_categories FROM backcheck WHERE household_no=?", nos[0]) == [
                ('["income"]',)]
            await pilot.press("pagedown", "f3")  # 核查无误 on the next one
            await pilot.pause()
            assert q(reviewed_db, "SELECT second_status, second_categories FROM backcheck WHERE household_no=?",
                     nos[1]) == [("核查无误", "[]")]
            assert "复核进度 2/5" in app.sub_title
            await pilot.press("ctrl+z")  # undo is off in back-check mode: nothing changes
            await pilot.pause()
        assert first_review(reviewed_db) == before  # no mark, status or verdict created or changed
        trail = q(reviewed_db, "SELECT action, inspector, target FROM action ORDER BY id")[actions:]
        assert [a for a, _, _ in trail] == ["backcheck.review"] * 4
        assert {t for _, _, t in trail} == {f"household:{nos[0]}", f"household:{nos[1]}"}
        assert q(reviewed_db, "SELECT count(*) FROM mark WHERE inspector LIKE '李四%'") == [(0,)]

    async def test_deleting_the_last_category_withdraws_the_result(self, reviewed_db):
        nos = assigned(reviewed_db)
        app = bc_app(reviewed_db)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot, app)
            await add_category(pilot, app, "attributes", "")
            marks = app.screen.query_one(MarksList)
            marks.focus()
            marks.highlighted = 0
            await pilot.press("delete")
            await pilot.pause()
            await pilot.press("enter")
            await pilot.pause()
            assert q(reviewed_db, "SELECT second_status, second_categories, reviewed_at FROM backcheck "
                                  "WHERE household_no=?", nos[0]) == [("未核查", "[]", None)]
            assert "复核进度 0/5" in app.sub_title

    async def test_agreement_computed_afterwards(self, reviewed_db):
        nos = assigned(reviewed_db)
        first_marked = {hh for (hh,) in q(reviewed_db, "SELECT DISTINCT household_no FROM mark")}
        flip = nos[0]
        app = bc_app(reviewed_db)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot, app)
            for hh in nos:
                assert app.screen.household_no == hh
                if (hh in first_marked) != (hh == flip):  # agrees with 张三 except on ``flip``
                    await add_category(pilot, app, "income", "")
                else:
                    await pilot.press("f3")
                    await pilot.pause()
                await pilot.press("pagedown")
            assert "复核进度 5/5" in app.sub_title
        with session_scope(app.engine) as s:
            agreements, disagreements = backcheck_agreement(s, COUNTY)
        verdict = next(a for a in agreements if a.category == "__verdict__")
        assert (verdict.first, verdict.second, verdict.households) == (FIRST, "李四", 5)
        assert verdict.agree_share == pytest.approx(4 / 5)
        assert [d["household_no"] for d in disagreements] == [flip]


def test_cli_inspect_help_mentions_backcheck():
    from typer.testing import CliRunner

    from fupin_tui.cli import app as cli_app

    result = CliRunner().invoke(cli_app, ["inspect", "--help"])
    assert result.exit_code == 0 and "--backcheck" in result.output and "复核" in result.output


def test_cli_inspect_backcheck_refuses_without_terminal(reviewed_db):
    from typer.testing import CliRunner

    from fupin_tui.cli import app as cli_app

    result = CliRunner().invoke(cli_app, ["inspect", "--db", reviewed_db, "--inspector", SECOND, "--backcheck"])
    assert result.exit_code == 1 and "终端" in result.output
