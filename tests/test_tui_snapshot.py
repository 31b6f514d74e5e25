"""Snapshot tests (pytest-textual-snapshot) of the household screen with Chinese content, at 80x24 and 160x48.

The household shown has a minority name with '·', findings whose messages hold “”, — and …, and a mark whose note
holds them too (ambiguous-width characters that shift rows in some terminals). Update the snapshots with
``pytest --snapshot-update tests/test_tui_snapshot.py`` after an intended change, and look at the report.
"""

from __future__ import annotations

import sqlite3
import time

import pytest
from _tui_builder import build_county, household_no

from fupin_tui.app import FupinApp
from fupin_tui.review import Reviewer

HOUSEHOLD = household_no(12)  # 阿依古丽·买买提: findings (one 严重), three members… see _tui_builder


@pytest.fixture
def snapshot_app(db_url, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time.tzset()
    build_county(db_url, households=30, sample_n=30)
    app = FupinApp(db_url, "422822", "张三@省扶贫办", remember=False)
    reviewer = Reviewer(app.engine, "422822", "张三@省扶贫办")
    reviewer.add_mark(HOUSEHOLD, "member_info", "严重", "户主姓名“阿依古丽·买买提”与户口簿不一致——待核…",
                      member_no=f"{HOUSEHOLD}01", field="name")
    con = sqlite3.connect(db_url)
    con.execute("UPDATE mark SET created_at = '2016-03-15 02:30:00.000000', updated_at = created_at")
    con.commit()
    con.close()
    yield app
    monkeypatch.delenv("TZ")
    time.tzset()


def _open(app: FupinApp):
    async def run_before(pilot) -> None:
        await pilot.pause()
        app.open_household(HOUSEHOLD)
        await pilot.pause()

    return run_before


def test_household_screen_80x24(snap_compare, snapshot_app):
    assert snap_compare(snapshot_app, terminal_size=(80, 24), run_before=_open(snapshot_app))


def test_household_screen_160x48(snap_compare, snapshot_app):
    assert snap_compare(snapshot_app, terminal_size=(160, 48), run_before=_open(snapshot_app))
