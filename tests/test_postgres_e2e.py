"""The whole job on SQLite and on PostgreSQL (issue 7, "Shared server"): the same commands through the CLI on a
generated county — import → check → compare → sample (and --verify) → marks, statuses, verdicts, undo/redo through
the review service → grade --json → report → audit verify → export-marks — and the same figures on both backends,
down to every cell of the report (timestamps and hashes aside). Plus a Pilot run of the App on each backend.

The PostgreSQL half runs when ``FUPIN_TEST_PG`` names a server (``.ci/run`` starts one), else it is skipped.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select
from typer.testing import CliRunner

from fupin_tui.audit import verify_chain
from fupin_tui.cli import app as cli
from fupin_tui.models import (
    Action,
    Clue,
    Finding,
    Hamlet,
    Household,
    Mark,
    Member,
    Project,
    SampleItem,
    Village,
    dispose_all,
    get_engine,
    session_scope,
)
from fupin_tui.review import Reviewer

pytestmark = pytest.mark.postgres

INSPECTOR = "张三@省扶贫办"
SECOND = "李四@州扶贫办"
HOUSEHOLDS = 80
STAMP = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:?\d{2}|Z)?")
HASH = re.compile(r"\b(?=[0-9a-f]*[a-f])[0-9a-f]{12,64}\b")
UUID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")

_FIGURES: dict[str, dict] = {}


@pytest.fixture(scope="module")
def county_files(tmp_path_factory):
    """A generated county (80 households, planted problems, department lists, village and project tables)."""
    from fupin_tui.demo import generate_county

    return generate_county(tmp_path_factory.mktemp("e2e_county"), households=HOUSEHOLDS, seed=1)


@pytest.fixture(autouse=True)
def _config_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    # A provincial server runs in China's time zone: PGTZ gives the PostgreSQL sessions that zone (the timestamps
    # must still be stored as UTC, as on SQLite).
    monkeypatch.setenv("PGTZ", "Asia/Shanghai")


def _recent_utc(value: dt.datetime | None) -> bool:
    """``value`` (naive UTC as read back, or aware) lies within 10 minutes of now."""
    if value is None:
        return False
    if value.tzinfo is not None:
        value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    return abs(value - now) < dt.timedelta(minutes=10)


def _run(*args) -> str:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exit_code == 0, f"fupin {' '.join(map(str, args[:1]))}: exit {result.exit_code}\n{result.output}"
    return result.stdout


def _norm(value):
    """A cell or JSON value with timestamps, hashes and UUIDs blanked (they differ between any two runs)."""
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return "<time>"
    if isinstance(value, float):
        return round(value, 9)
    if isinstance(value, str):
        return HASH.sub("<hash>", UUID.sub("<uuid>", STAMP.sub("<time>", value)))
    if isinstance(value, dict):
        return {k: _norm(v) for k, v in value.items() if k not in ("seconds", "elapsed", "ms")}
    if isinstance(value, list):
        return [_norm(v) for v in value]
    return value


def run_pipeline(db: str, files, out_dir: Path) -> dict:
    """The job through the CLI and the review service on ``db``; returns every figure worth comparing."""
    figures: dict = {}
    county = files.county_code
    tables = [p for p in (files.villages, files.hamlets, files.county_record, files.projects) if p is not None]
    _run("import", "--db", db, files.roster, files.income, *tables)
    again = _run("import", "--db", db, files.roster, files.income)  # idempotent
    figures["import_again"] = "".join(_norm(again).split()).split("数据库")[0]
    engine = get_engine(db)
    with session_scope(engine) as s:
        figures["counts"] = {t.__tablename__: s.scalar(select(func.count()).select_from(t))
                             for t in (Household, Member, Village, Hamlet, Project)}
        figures["households"] = list(s.execute(
            select(Household.household_no, Household.head_name, Household.size, Household.poverty_status,
                   Household.net_income, Household.per_capita_net_income).order_by(Household.household_no)))
        figures["members"] = list(s.execute(
            select(Member.member_no, Member.id_norm, Member.relation, Member.phone).order_by(Member.member_no)))

    check = json.loads(_run("check", "--db", db, "--json"))
    figures["findings"] = sorted(
        json.dumps(_norm({k: v for k, v in f.items() if k not in ("id",)}), ensure_ascii=False, sort_keys=True)
        for f in check["findings"])
    figures["check_summary"] = _norm(check["summary"])
    assert figures["findings"], "the planted problems give findings"

    depts = [*files.departments.values(), *([files.organization] if files.organization else [])]
    compare = json.loads(_run("compare", "--db", db, *depts, "--json"))
    figures["clues"] = sorted(json.dumps(_norm({k: v for k, v in c.items() if k not in ("id",)}), ensure_ascii=False,
                                         sort_keys=True) for c in compare["clues"])
    figures["compare_counts"] = _norm(compare["counts"])
    assert figures["clues"], "the department lists give clues"

    _run("sample", "--db", db, "--n", "20", "--by", "township", "--seed", "7", "--certainty", "severe-findings",
         "--inspector", INSPECTOR)
    _run("sample", "--db", db, "--verify")
    with session_scope(engine) as s:
        order = list(s.execute(select(SampleItem.household_no, SampleItem.stratum, SampleItem.certainty)
                               .order_by(SampleItem.order, SampleItem.id)))
        first_finding = s.scalars(select(Finding.id).where(Finding.household_no.in_([o[0] for o in order]))
                                  .order_by(Finding.household_no, Finding.rule_id, Finding.member_no)).first()
        first_clue = s.scalars(select(Clue.id).where(Clue.household_id.is_not(None))
                               .order_by(Clue.household_no, Clue.dept, Clue.kind, Clue.member_no)).first()
    figures["sample"] = [tuple(o) for o in order]
    nos = [o[0] for o in order]

    # The inspectors' work, through the same service the TUI calls.
    a, b = Reviewer(engine, county, INSPECTOR), Reviewer(engine, county, SECOND)
    a.add_mark(nos[0], "income", "严重", "务工收入未计入——“核实”…")
    m2 = a.add_mark(nos[1], "identity", "一般", "证件号码有误", member_no=f"{nos[1]}01")
    b.add_mark(nos[2], "attributes", "一般", "贫困户属性与低保名单不符")
    a.set_status(nos[3], "核查无误")
    b.set_status(nos[4], "核查无误")
    a.edit_mark(m2.uuid, severity="严重")
    a.delete_mark(m2.uuid)
    a.undo()  # the deletion
    a.redo()  # deleted again
    a.undo()  # and back
    if first_finding is not None:
        a.finding_verdict(first_finding, "属实", "入户核实属实")
    if first_clue is not None:
        b.clue_status(first_clue, "不属实", "已核对户口簿")
    with session_scope(engine) as s:
        figures["marks"] = sorted(
            (m.household_no, m.member_no or "", m.category, m.severity, m.note, m.source, m.inspector, m.deleted)
            for m in s.scalars(select(Mark)))
        figures["statuses"] = list(s.execute(select(SampleItem.household_no, SampleItem.status, SampleItem.reviewed_by)
                                             .order_by(SampleItem.order, SampleItem.id)))
        figures["trail"] = [(r.inspector, r.action, _norm(r.target), _norm(r.old_value), _norm(r.new_value), r.note)
                            for r in s.scalars(select(Action).order_by(Action.id))]
        # timestamps are stored as UTC whatever the server's (session's) time zone
        assert all(_recent_utc(m.created_at) and _recent_utc(m.updated_at) for m in s.scalars(select(Mark)))
        assert all(_recent_utc(i.reviewed_at) for i in s.scalars(select(SampleItem).where(
            SampleItem.reviewed_at.is_not(None))))
        chain = verify_chain(s)
        assert chain.ok, chain
        figures["chain_rows"] = chain.rows

    grade = json.loads(_run("grade", "--db", db, "--json"))
    figures["grade"] = _norm(grade)
    assert grade["reviewed"] >= 5 and grade["with_issues"] >= 3

    report = out_dir / "报告.xlsx"
    _run("report", "--db", db, "--out", report)
    wb = load_workbook(report, read_only=True)
    details = list(wb["问题明细"].iter_rows(values_only=True))
    times = [row[details[0].index("时间")] for row in details[1:]]
    local_now = dt.datetime.now()
    assert times and all(isinstance(t, dt.datetime) and abs(t - local_now) < dt.timedelta(minutes=10) for t in times)
    figures["report"] = {ws.title: [[_norm(c) for c in row] for row in ws.iter_rows(values_only=True)]
                         for ws in wb.worksheets}
    wb.close()
    log = figures["report"]["操作日志"]
    if log and "哈希（前12位）" in log[0]:  # 12 hex digits may all be digits: blank the column itself
        col = log[0].index("哈希（前12位）")
        for row in log[1:]:
            row[col] = "<hash>"
    assert "操作日志" in figures["report"]

    verify = _run("audit", "verify", "--db", db)
    figures["audit"] = "".join(verify.split())
    bundle = out_dir / "bundle.json"
    _run("export-marks", "--db", db, "--out", bundle)
    data = json.loads(bundle.read_text(encoding="utf-8"))
    figures["bundle"] = {k: len(v) if isinstance(v, list) else _norm(v) for k, v in data.items()
                         if k not in ("exported_at", "instance_id", "created_at")}
    dispose_all()
    return figures


def _backend(db: str) -> str:
    return "postgresql" if db.startswith("postgresql") else "sqlite"


def _same_figures(source: str, files, storage_db: str, tmp_path: Path, tmp_path_factory) -> None:
    figures = run_pipeline(storage_db, files, tmp_path)
    _FIGURES[f"{source}/{_backend(storage_db)}"] = figures
    if _backend(storage_db) == "sqlite":
        return
    reference = _FIGURES.get(f"{source}/sqlite")
    if reference is None:  # the SQLite half did not run first (-k, ordering): compute it here
        work = tmp_path_factory.mktemp("e2e_sqlite")
        reference = run_pipeline(str(work / "ref.db"), files, work)
    for key in reference:
        if key == "report":
            assert list(figures["report"]) == list(reference["report"])
            for sheet, rows in reference["report"].items():
                assert figures["report"][sheet] == rows, f"sheet {sheet} differs"
        else:
            assert figures[key] == reference[key], f"{key} differs between SQLite and PostgreSQL"


def test_whole_job_same_figures_on_both_backends(storage_db, county_files, tmp_path, tmp_path_factory):
    """A generated county with every planted problem, village and project tables and the department lists."""
    _same_figures("generated", county_files, storage_db, tmp_path, tmp_path_factory)


@pytest.fixture
def pg_chinese_collation():
    """A PostgreSQL database whose default collation is ICU zh-CN (pinyin order, as a provincial server may be set
    up); skipped without FUPIN_TEST_PG or without ICU on the server."""
    import os
    import uuid

    import sqlalchemy as sa

    from fupin_tui.models import db_url

    admin = os.environ.get("FUPIN_TEST_PG")
    if not admin:
        pytest.skip("PostgreSQL not available: set FUPIN_TEST_PG (started by .ci/run via .ci/postgres.sh)")
    name = f"fupin_t_zh_{uuid.uuid4().hex[:10]}"
    engine = sa.create_engine(db_url(admin), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(f"CREATE DATABASE \"{name}\" TEMPLATE template0 LOCALE_PROVIDER icu "
                                 "ICU_LOCALE 'zh-CN' LOCALE 'C.UTF-8'")
    except sa.exc.DBAPIError as exc:
        engine.dispose()
        pytest.skip(f"server cannot create an ICU zh-CN database: {exc.orig}")
    yield admin.rsplit("/", 1)[0] + "/" + name
    dispose_all()
    from conftest import _drop_pg_database

    _drop_pg_database(engine, name)
    engine.dispose()


def test_whole_job_same_figures_with_chinese_collation(pg_chinese_collation, county_files, tmp_path,
                                                       tmp_path_factory):
    """On a server that sorts Chinese text by pinyin, every figure and every report row still reads as on SQLite
    (whatever is ordered by a name is ordered in Python, by code point)."""
    figures = run_pipeline(pg_chinese_collation, county_files, tmp_path)
    reference = _FIGURES.get("generated/sqlite")
    if reference is None:
        work = tmp_path_factory.mktemp("e2e_sqlite_zh")
        reference = run_pipeline(str(work / "ref.db"), county_files, work)
    assert [k for k in reference if figures[k] != reference[k]] == []


def test_shared_sample_same_figures_on_both_backends(storage_db, sample_dir, tmp_path, tmp_path_factory):
    """The shared sample county (real-world layout quirks), roster + income + department lists."""
    files = SimpleNamespace(
        county_code="422822", roster=sample_dir / "贫困人口花名册.xlsx", income=sample_dir / "户收入及生产生活条件.xlsx",
        villages=None, hamlets=None, county_record=None, projects=None, organization=None,
        departments={p.stem: p for p in sorted(sample_dir.glob("*.xlsx"))
                     if p.name not in ("贫困人口花名册.xlsx", "户收入及生产生活条件.xlsx")})
    _same_figures("shared", files, storage_db, tmp_path, tmp_path_factory)


async def test_app_marks_with_keys_on_both_backends(storage_db, county_files, tmp_path):
    """A Pilot run of the real App on each backend: F2 mark (keys only), PgDn, F3 无误, Ctrl+Z, Ctrl+R."""
    from fupin_tui.app import FupinApp
    from fupin_tui.screens.household import HouseholdScreen

    _run("import", "--db", storage_db, county_files.roster, county_files.income)
    _run("check", "--db", storage_db)
    _run("sample", "--db", storage_db, "--n", "10", "--seed", "3")
    engine = get_engine(storage_db)
    app = FupinApp(engine, county_files.county_code, INSPECTOR, remember=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, HouseholdScreen)
        first = app.screen.household_no
        await pilot.press("f2", "enter", "down", "down", "enter", "tab", "tab", "tab", "tab", *"pg", "enter")
        await pilot.pause()
        assert isinstance(app.screen, HouseholdScreen)
        assert any("已保存" in str(n.message) for n in app._notifications)
        await pilot.press("pagedown")
        second = app.screen.household_no
        await pilot.press("f3")
        await pilot.pause()
        await pilot.press("ctrl+z")  # undo 核查无误
        await pilot.pause()
        await pilot.press("ctrl+r")
        await pilot.pause()
        errors = [n.message for n in app._notifications if n.severity == "error"]
        assert errors == []
    with session_scope(engine) as s:
        marks = s.scalars(select(Mark)).all()
        assert [(m.household_no, m.note, m.inspector, m.deleted) for m in marks] == [(first, "pg", INSPECTOR, False)]
        statuses = dict(s.execute(select(SampleItem.household_no, SampleItem.status)).all())
        assert statuses[first] == "有问题" and statuses[second] == "未核查"
        actions = [a.action for a in s.scalars(select(Action).where(Action.inspector == INSPECTOR)
                                                .order_by(Action.id))]
        assert actions[-3:] == ["mark.add", "status.set", "undo"]
        assert verify_chain(s).ok


def test_laptop_bundles_merge_into_either_backend(storage_db, county_files, tmp_path):
    """Inspectors on SQLite laptops, the lead on ``storage_db`` (SQLite or the shared PostgreSQL server): the same
    import and sample give the same frame hash on both, so the bundles merge; merging twice changes nothing; a
    conflicting status is listed, not overwritten."""
    from fupin_tui.models import MergeConflict

    def prepare(db: str) -> list[str]:
        _run("import", "--db", db, county_files.roster, county_files.income)
        _run("sample", "--db", db, "--n", "12", "--seed", "5")
        with session_scope(get_engine(db)) as s:
            return list(s.scalars(select(SampleItem.household_no).order_by(SampleItem.order, SampleItem.id)))

    laptop = str(tmp_path / "laptop.db")
    nos = prepare(laptop)
    assert prepare(storage_db) == nos
    county = county_files.county_code
    field_reviewer = Reviewer(get_engine(laptop), county, SECOND)
    field_reviewer.add_mark(nos[0], "income", "严重", "外出务工收入未计入")
    field_reviewer.add_mark(nos[1], "生产生活条件不实", "一般", "危房改造未落实")
    field_reviewer.set_status(nos[2], "核查无误")
    Reviewer(get_engine(storage_db), county, INSPECTOR).add_mark(nos[2], "identity", "一般", "组长：证件待核")
    bundle = tmp_path / "乙.json"
    _run("export-marks", "--db", laptop, "--out", bundle)
    first = _run("merge-marks", "--db", storage_db, bundle, "--inspector", INSPECTOR)
    again = _run("merge-marks", "--db", storage_db, bundle, "--inspector", INSPECTOR)
    assert first != again
    with session_scope(get_engine(storage_db)) as s:
        marks = sorted((m.household_no, m.category, m.inspector) for m in s.scalars(select(Mark)))
        assert marks == sorted([(nos[0], "income", SECOND), (nos[1], "living_conditions", SECOND),
                                (nos[2], "identity", INSPECTOR)])
        statuses = dict(s.execute(select(SampleItem.household_no, SampleItem.status)).all())
        assert statuses[nos[2]] == "有问题"  # the lead's own status stays; the laptop's 核查无误 is a conflict
        conflicts = s.scalars(select(MergeConflict)).all()
        assert len(conflicts) == 1 and conflicts[0].household_no == nos[2]
        assert verify_chain(s).ok
