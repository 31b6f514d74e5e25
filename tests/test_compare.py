"""Department comparison on the shared sample county's eight department lists (issue 5)."""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest
from builders import department_files, load_sample_roster
from sqlalchemy import func, select
from typer.testing import CliRunner

from fupin_tui.compare import (
    clue_summary,
    clues_for_household,
    compare_files,
    confirmed_clue_households,
    prepare,
)
from fupin_tui.models import Clue, DeptRecord, ImportFile, session_scope

EXPECTED_DEPTS = {
    "人社_养老保险待遇领取人员.xlsx": "social_security",
    "住建_农村危房改造对象.xlsx": "housing",
    "公安_人口状态变动.xlsx": "public_security",
    "公安交管_机动车登记.xlsx": "vehicles",
    "工商_市场主体登记.xlsx": "market",
    "残联_持证残疾人.xlsx": "disability",
    "民政_低保特困人员名单.xlsx": "civil_affairs",
    "财政供养人员名单.xlsx": "staffing",
}

FULL_ID = re.compile(r"(?<!\d)\d{17}[\dX](?!\d)")


@pytest.fixture
def compared(sample_dir, db_url):
    engine = load_sample_roster(db_url, sample_dir)
    result = compare_files(engine, department_files(sample_dir))
    return engine, result


def test_sample_departments_inferred_from_headers(sample_dir):
    prepared = prepare(department_files(sample_dir))
    got = {p.table.file_name: (p.inference.dept, p.inference.source) for p in prepared}
    assert {k: v[0] for k, v in got.items()} == EXPECTED_DEPTS
    assert all(src == "headers" for _, src in got.values())
    reasons = {p.table.file_name: p.inference.reason for p in prepared}
    assert "残疾人证号" in reasons["残联_持证残疾人.xlsx"]
    assert "人员状态" in reasons["公安_人口状态变动.xlsx"]


def test_sample_clues(compared):
    _engine, result = compared
    kinds = Counter(c["kind"] for c in result.clues)
    # Dead per 公安: three 18-digit IDs and three old 15-digit IDs (upgraded: "19" inserted, check digit computed).
    assert kinds["dead_registered"] == 6
    assert kinds["public_employee"] == 3
    assert kinds["vehicle_owner"] == 3
    assert kinds["company_owner"] == 3
    assert kinds["urban_pension"] == 3
    assert kinds["dilapidated_mismatch"] == 6  # 3 flagged but not on the list, 3 on the list but flagged 否
    assert kinds["disabled_without_certificate"] == 3
    assert kinds["subsistence_not_on_list"] == 3
    assert kinds["possible_id_typo"] == 6
    assert "name_mismatch" not in kinds
    dead = {c["member_no"] for c in result.clues if c["kind"] == "dead_registered"}
    assert "4228220000018801" in dead  # 苏帆帅: 15-digit ID in the 公安 list
    typo = [c for c in result.clues if c["kind"] == "possible_id_typo" and c["dept"] == "disability"]
    assert [c["household_no"] for c in typo] == ["42282200000082"]
    # The typo-linked member is not also reported as lacking a certificate.
    assert not any(c["kind"] == "disabled_without_certificate" and c["household_no"] == "42282200000082"
                   for c in result.clues)
    reports = {r.file: r for r in result.lists}
    assert reports["公安_人口状态变动.xlsx"].matched == 6
    assert reports["民政_低保特困人员名单.xlsx"].matched == 261
    assert reports["民政_低保特困人员名单.xlsx"].typo == 5
    # Keys are stable and unique; clue texts never carry a full ID number.
    assert len({c["key"] for c in result.clues}) == len(result.clues)
    for c in result.clues:
        for f in ("their_value", "our_value", "message", "suggestion"):
            assert not FULL_ID.search(c[f] or ""), (c["kind"], f)
    severities = {c["kind"]: c["severity"] for c in result.clues}
    assert severities["dead_registered"] == "严重" and severities["public_employee"] == "严重"


def test_rerun_same_files_no_duplicates_and_verdicts_kept(compared, sample_dir):
    engine, first = compared
    with session_scope(engine) as s:
        clue = s.scalars(select(Clue).where(Clue.kind == "dead_registered")).first()
        clue.status, clue.note, clue.verifier = "属实", "村委会证实已于2014年死亡", "王核查"
        n_files = s.scalar(select(func.count()).select_from(ImportFile))
        n_records = s.scalar(select(func.count()).select_from(DeptRecord))
        n_clues = s.scalar(select(func.count()).select_from(Clue))
        key = clue.key
    again = compare_files(engine, department_files(sample_dir))
    assert again.counts["new"] == 0 and again.counts["deactivated"] == 0
    assert again.counts["unchanged"] == len(first.clues)
    assert all(r.reused for r in again.lists)
    with session_scope(engine) as s:
        assert s.scalar(select(func.count()).select_from(ImportFile)) == n_files
        assert s.scalar(select(func.count()).select_from(DeptRecord)) == n_records
        assert s.scalar(select(func.count()).select_from(Clue)) == n_clues
        kept = s.scalars(select(Clue).where(Clue.key == key)).one()
        assert (kept.status, kept.note, kept.verifier) == ("属实", "村委会证实已于2014年死亡", "王核查")
        assert kept.active is True
    by_key = {c["key"]: c for c in again.clues}
    assert by_key[key]["status"] == "属实"


def test_comparing_one_list_later_keeps_the_others(compared, sample_dir):
    engine, first = compared
    again = compare_files(engine, [sample_dir / "公安_人口状态变动.xlsx"])
    assert again.counts["deactivated"] == 0
    assert again.depts_compared == ["public_security"]
    assert {c["dept"] for c in again.clues} == {"public_security"}
    with session_scope(engine) as s:
        active = s.scalar(select(func.count()).select_from(Clue).where(Clue.active.is_(True)))
    assert active == len(first.clues)


def test_queries(compared):
    engine, result = compared
    with session_scope(engine) as s:
        hh = "42282200000092"  # 郑旭勇: dead per 公安, and on the 住建 list
        clues = clues_for_household(s, "422822", hh)
        assert {c.kind for c in clues} >= {"dead_registered"}
        assert clues[0].severity == "严重"
        summary = clue_summary(s, "422822")
        by_dept = {row["dept"]: row for row in summary}
        assert by_dept["public_security"]["total"] == 6 and by_dept["public_security"]["待核实"] == 6
        assert sum(r["total"] for r in summary) == len(result.clues)
        assert [r["dept"] for r in summary][0] == "civil_affairs"  # DEPARTMENTS order
        by_kind = clue_summary(s, "422822", by_kind=True)
        assert any(r["kind"] == "vehicle_owner" and r["kind_label"] == "家庭成员有机动车" for r in by_kind)
        assert confirmed_clue_households(s, "422822") == set()
        clues[0].status = "属实"
    with session_scope(engine) as s:
        assert confirmed_clue_households(s, "422822") == {hh}
        assert sum(r["属实"] for r in clue_summary(s, "422822")) == 1


def _app():
    from fupin_tui.cli import app

    return app


def test_cli_json(sample_dir, db_url):
    load_sample_roster(db_url, sample_dir)
    files = [str(p) for p in department_files(sample_dir)]
    res = CliRunner().invoke(_app(), ["compare", *files, "--db", db_url, "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert {"dept", "kind", "household_no", "member_no", "their_value", "our_value"} <= set(data["clues"][0])
    assert {c["dept"] for c in data["clues"]} <= set(EXPECTED_DEPTS.values())
    assert {f["dept"] for f in data["files"]} == set(EXPECTED_DEPTS.values())
    assert not FULL_ID.search(json.dumps(data["clues"], ensure_ascii=False))
    assert any(c["kind"] == "dead_registered" for c in data["clues"])


def test_cli_text(sample_dir, db_url):
    load_sample_roster(db_url, sample_dir)
    res = CliRunner().invoke(_app(), ["compare", str(sample_dir / "公安_人口状态变动.xlsx"), "--db", db_url],
                             env={"COLUMNS": "120"})
    assert res.exit_code == 0, res.output
    assert "判断为公安名单" in res.stdout
    assert "匹配到成员 6 行" in res.stdout
    assert "死亡人员仍在册" in res.stdout
    assert not FULL_ID.search(res.stdout)
