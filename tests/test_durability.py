"""Durability and sharing of the SQLite file (issue 7): the kill loop, two inspectors on one file, network shares.

- Kill loop: the real App in a child process adds marks with the real keys and reports each mark the UI shows as
  saved; the parent kills it with SIGKILL right after a confirmation (immediately or after a few ms, some rounds at
  a random moment) and checks on a fresh connection that every confirmed mark is in the file, the file is intact
  and the action log's chain holds (``tests/_kill_harness.py``; ``benchmarks/kill_test.py`` runs 100 rounds).
- Two people, one file: two TUI processes and two tight-loop writers on one file at once — no "database is locked",
  every confirmed mark present, one unbroken chain; two Apps in one event loop each see the other's marks after
  Ctrl+R (reload).
- A SQLite file on an NFS / SMB mount is warned about (``network_share_warning``, ``fupin inspect`` / ``import``).
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from _kill_harness import DRIVER, ROOT, build_kill_county, check_db, lane_inspector, run_kill_rounds
from typer.testing import CliRunner

from fupin_tui.cli import app as cli
from fupin_tui.models import db as dbmodule
from fupin_tui.models import get_engine, network_share_warning

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL and fork: POSIX only")

KILL_ROUNDS = 22


@pytest.fixture(scope="module")
def kill_county(tmp_path_factory):
    """One small generated county (30 households, 12 sampled), reused by every round of the module."""
    return build_kill_county(tmp_path_factory.mktemp("kill"))


@pytest.fixture(autouse=True)
def _config_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


def _describe(results) -> str:
    return "\n".join(
        f"round {r.round} ({r.kind}, {r.mode}, kill after {r.kill_after} +{r.delay * 1000:.1f} ms): exit "
        f"{r.exit_code}, confirmed {len(r.confirmed)}, missing {r.missing}, integrity {r.integrity}, chain "
        f"{r.chain_ok}, unlogged {r.marks_without_log} {r.error}" for r in results if not r.ok)


# ---------------------------------------------------------------------------------------------------------------------
# Kill loop
# ---------------------------------------------------------------------------------------------------------------------


def test_every_mark_the_ui_confirmed_survives_sigkill(kill_county):
    """≥ 20 rounds: two fork-server lanes and one lane of fresh interpreters, killing right after a confirmation."""
    results = run_kill_rounds(kill_county.db, kill_county.county, KILL_ROUNDS, lanes=("fork", "fork", "fresh"))
    assert len(results) == KILL_ROUNDS >= 20
    assert all(r.ok for r in results), _describe(results)
    # every child died by SIGKILL, none finished (or failed) on its own
    assert all(r.exit_code == -9 for r in results), [
        (r.round, r.kind, r.mode, r.exit_code, r.error) for r in results if r.exit_code != -9]
    assert {r.kind for r in results} == {"fork", "fresh"}
    after_confirm = [r for r in results if r.mode == "after-confirm"]
    assert after_confirm and all(len(r.confirmed) >= r.kill_after for r in after_confirm)
    assert {r.delay for r in after_confirm} >= {0.0, 0.002, 0.02}  # immediately and after a few ms
    # some kills at a random moment, possibly inside a transaction: the mark is there with its log row or neither
    assert any(r.mode == "random-time" for r in results)
    confirmed = [u for r in results for u in r.confirmed]
    assert len(set(confirmed)) == len(confirmed) >= KILL_ROUNDS
    final = check_db(kill_county.db, confirmed)
    assert final["missing"] == [] and final["integrity"] == "ok" and final["chain_ok"]
    assert final["chain_rows"] >= len(confirmed)
    con = sqlite3.connect(kill_county.db)
    try:
        # every confirmed mark active and attributed to its lane's inspector
        rows = con.execute(
            f"SELECT inspector, deleted FROM mark WHERE uuid IN ({','.join('?' * len(confirmed))})", confirmed
        ).fetchall()
    finally:
        con.close()
    assert len(rows) == len(confirmed)
    assert {r for r in rows} == {(lane_inspector(i), 0) for i in range(3)}
    engine = get_engine(kill_county.db, create=False)  # and the app's own engine opens the file as before
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL


# ---------------------------------------------------------------------------------------------------------------------
# Two people, one file
# ---------------------------------------------------------------------------------------------------------------------


def _spawn(args: list[str], tmp_path: Path) -> subprocess.Popen:
    env = dict(os.environ, XDG_CONFIG_HOME=str(tmp_path / "config"),
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH", "")])))
    return subprocess.Popen([sys.executable, str(DRIVER), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=env)


def test_two_tuis_and_two_writers_on_one_file(tmp_path):
    """Two TUI processes adding marks with the keys and two processes adding marks as fast as the review service
    allows, all at once on one SQLite file: every process ends normally, nobody sees "database is locked", every
    confirmed mark is there and the action log is ONE intact chain."""
    kc = build_kill_county(tmp_path / "shared")
    procs = {
        "甲@一组": _spawn([kc.db, kc.county, "--round", "1", "--marks", "4", "--inspector", "甲@一组"], tmp_path),
        "乙@二组": _spawn([kc.db, kc.county, "--round", "2", "--marks", "4", "--steps", "1", "--inspector", "乙@二组"],
                        tmp_path),
        "丙@三组": _spawn([kc.db, kc.county, "--service", "40", "--inspector", "丙@三组"], tmp_path),
        "丁@四组": _spawn([kc.db, kc.county, "--service", "40", "--inspector", "丁@四组"], tmp_path),
    }
    confirmed: dict[str, list[str]] = {}
    for who, proc in procs.items():
        out, err = proc.communicate(timeout=180)
        text = err.decode("utf-8", "replace")
        assert proc.returncode == 0, f"{who}: exit {proc.returncode}\n{text[-3000:]}"
        assert "locked" not in text and "busy" not in text.lower(), text[-3000:]
        lines = out.decode().splitlines()
        assert lines[-1] == "DONE"
        confirmed[who] = [line.split()[1] for line in lines if line.startswith("CONFIRMED ")]
    assert {who: len(v) for who, v in confirmed.items()} == {"甲@一组": 4, "乙@二组": 4, "丙@三组": 40, "丁@四组": 40}
    found = check_db(kc.db, [u for v in confirmed.values() for u in v])
    assert found["missing"] == [] and found["integrity"] == "ok" and found["marks_without_log"] == []
    assert found["chain_ok"] and found["chain_rows"] >= 88
    con = sqlite3.connect(kc.db)
    try:
        by_inspector = dict(con.execute(
            "SELECT inspector, count(*) FROM action WHERE action = 'mark.add' GROUP BY inspector").fetchall())
    finally:
        con.close()
    assert by_inspector == {"甲@一组": 4, "乙@二组": 4, "丙@三组": 40, "丁@四组": 40}


def _independent_engine(db: str):
    """A second engine on the same file with the same pragmas, as a second TUI process has (``get_engine`` caches
    one engine per URL in this process)."""
    url = dbmodule.db_url(db)
    first = dbmodule._ENGINES.pop(url)
    try:
        return get_engine(db, create=False)
    finally:
        dbmodule._ENGINES[url] = first


async def test_two_apps_see_each_others_marks_after_reload(tmp_path):
    """Two Apps (two inspectors, two engines) on one file in one event loop mark the same household at the same
    time with the keys; neither gets an error, and Ctrl+R on each shows the other's marks."""
    from fupin_tui.app import FupinApp
    from fupin_tui.screens.household import HouseholdScreen
    from fupin_tui.widgets import MarksList

    kc = build_kill_county(tmp_path / "pair")
    engine_a = get_engine(kc.db, create=False)
    engine_b = _independent_engine(kc.db)
    assert engine_a is not engine_b
    app_a = FupinApp(engine_a, kc.county, "甲@一组", remember=False)
    app_b = FupinApp(engine_b, kc.county, "乙@二组", remember=False)

    def shown(app) -> set[str]:
        lst = app.screen.query_one(MarksList)
        ids = (lst.get_option_at_index(i).id or "" for i in range(lst.option_count))
        return {i.partition(":")[2] for i in ids if i.startswith("mark:")}

    async def add_marks(pilot, n: int, downs: int) -> None:
        for i in range(n):
            await pilot.press("f2", "enter", *["down"] * downs, "enter", "ctrl+s")
            await pilot.pause()

    try:
        async with app_a.run_test(size=(100, 30)) as pa, app_b.run_test(size=(100, 30)) as pb:
            await pa.pause()
            await pb.pause()
            assert isinstance(app_a.screen, HouseholdScreen) and isinstance(app_b.screen, HouseholdScreen)
            household = app_a.screen.household_no
            assert app_b.screen.household_no == household  # both resume at the first household not reviewed
            await asyncio.gather(add_marks(pa, 3, 1), add_marks(pb, 3, 2))
            errors = [n.message for app in (app_a, app_b) for n in app._notifications if n.severity == "error"]
            assert errors == []
            own_a, own_b = shown(app_a), shown(app_b)
            await pa.press("ctrl+r")
            await pb.press("ctrl+r")
            await pa.pause()
            await pb.pause()
            assert shown(app_a) == shown(app_b) == own_a | own_b
            assert len(own_a | own_b) == 6
    finally:
        engine_b.dispose()
    con = sqlite3.connect(kc.db)
    try:
        rows = con.execute("SELECT inspector, count(*) FROM mark WHERE household_no = ? GROUP BY inspector",
                           (household,)).fetchall()
    finally:
        con.close()
    assert dict(rows) == {"甲@一组": 3, "乙@二组": 3}


# ---------------------------------------------------------------------------------------------------------------------
# Network shares
# ---------------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fstype", ["nfs", "nfs4", "cifs", "smb3"])
def test_network_share_is_warned_about(tmp_path, monkeypatch, fstype):
    monkeypatch.setattr(dbmodule, "filesystem_type", lambda path: fstype)
    warning = network_share_warning(str(tmp_path / "x.db"))
    assert warning is not None and fstype in warning and "网络" in warning and "PostgreSQL" in warning


def test_local_disk_and_postgres_are_not_warned_about(tmp_path, monkeypatch):
    assert network_share_warning(str(tmp_path / "x.db")) is None  # the real /proc/mounts: tmp is local
    monkeypatch.setattr(dbmodule, "filesystem_type", lambda path: "ext4")
    assert network_share_warning(str(tmp_path / "x.db")) is None
    monkeypatch.setattr(dbmodule, "filesystem_type", lambda path: "nfs")
    assert network_share_warning("postgresql://u:p@127.0.0.1:5433/db") is None  # a server: no file locking


def test_filesystem_type_reads_proc_mounts(tmp_path):
    if not Path("/proc/mounts").exists():
        pytest.skip("no /proc/mounts on this system")
    assert dbmodule.filesystem_type(tmp_path) not in (None, "")


def test_inspect_and_import_print_the_warning(tmp_path, monkeypatch):
    kc = build_kill_county(tmp_path / "share")
    monkeypatch.setattr(dbmodule, "filesystem_type", lambda path: "cifs")
    runner = CliRunner()
    # inspect: the warning comes before anything else (here it then stops: CliRunner is not a terminal)
    result = runner.invoke(cli, ["inspect", "--db", kc.db, "--inspector", "甲"])
    assert "网络共享（cifs）" in result.output
    export = tmp_path / "share" / "export"
    roster = next(export.glob("*花名册*"))
    result = runner.invoke(cli, ["import", "--db", str(tmp_path / "second.db"), str(roster)])
    assert "网络共享（cifs）" in result.output, result.output
    monkeypatch.setattr(dbmodule, "filesystem_type", lambda path: "ext4")
    result = runner.invoke(cli, ["inspect", "--db", kc.db, "--inspector", "甲"])
    assert "网络共享" not in result.output
