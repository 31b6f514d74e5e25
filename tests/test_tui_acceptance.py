"""The main job's acceptance run through the TUI (issue 2, "Done means"): import the shared sample county, draw a
stratified sample of 60 by township with seed 1, then in the TUI driven by Pilot: open, step through 3 households,
mark 2 issues, mark 1 no problem, undo one — and check the database and the trail."""

from __future__ import annotations

import json

from sqlalchemy import select

from fupin_tui.app import FupinApp
from fupin_tui.audit import verify_chain
from fupin_tui.importing import import_files
from fupin_tui.models import Action, Mark, SampleItem, get_engine, session_scope
from fupin_tui.sampling import SampleRequest, draw_sample
from fupin_tui.screens.dialogs import MarkDialog
from fupin_tui.screens.household import HouseholdScreen
from textual.widgets import Input, Select

INSPECTOR = "张三@省扶贫办"


async def test_import_sample_review_undo(sample_dir, db_url, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    engine = get_engine(db_url)
    report = import_files(engine, sorted(sample_dir.glob("*.xlsx")))
    assert report is not None
    with session_scope(engine) as s:
        draw_sample(s, "422822", SampleRequest(n=60, method="stratified", by="township", seed=1))
    with session_scope(engine) as s:
        order = list(s.scalars(select(SampleItem.household_no).order_by(SampleItem.order, SampleItem.id)))
    assert len(order) == 60

    app = FupinApp(engine, "422822", INSPECTOR, remember=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, HouseholdScreen) and screen.household_no == order[0]
        seen = [screen.household_no]
        for category, note in (("income", "务工收入未计入年收入"), ("member_info", "成员“之子”年龄与关系不符…")):
            await pilot.press("f2")
            await pilot.pause()
            assert isinstance(app.screen, MarkDialog)
            app.screen.query_one("#mk-category", Select).value = category
            app.screen.query_one("#mk-note", Input).value = note
            await pilot.press("ctrl+s")
            await pilot.pause()
            await pilot.press("pagedown")
            seen.append(app.screen.household_no)
        await pilot.press("f3")  # the third household: no problem
        await pilot.pause()
        await pilot.press("ctrl+z")  # undo the last action (the 核查无误)
        await pilot.pause()
        assert app.screen.household_no == seen[2]
    assert seen == order[:3]

    with session_scope(engine) as s:
        statuses = {i.household_no: i.status for i in s.scalars(select(SampleItem))}
        assert [statuses[h] for h in seen] == ["有问题", "有问题", "未核查"]
        marks = s.scalars(select(Mark).order_by(Mark.created_at)).all()
        assert [(m.household_no, m.category, m.inspector, m.deleted) for m in marks] == [
            (seen[0], "income", INSPECTOR, False), (seen[1], "member_info", INSPECTOR, False)]
        trail = s.scalars(select(Action).order_by(Action.id)).all()
        mine = [a for a in trail if a.inspector == INSPECTOR]
        assert [a.action for a in mine] == ["mark.add", "mark.add", "status.set", "undo"]
        assert mine[3].target == f"action:{mine[2].id}"
        assert json.loads(mine[2].new_value)  # old → new recorded
        assert mine[2].target == f"household:{seen[2]}"
        assert verify_chain(s).ok
