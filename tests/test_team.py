"""Issue 7: bundles export/merge (idempotent, refused on another frame, conflicts listed), back-check agreement,
the audit CLI, privacy of created files, the same storage on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import stat

import pytest
from sqlalchemy import func, select, update
from typer.testing import CliRunner

from fupin_tui.audit import append_action, verify_chain
from fupin_tui.cli import app
from fupin_tui.glossary import ReviewStatus
from fupin_tui.models import (
    Action,
    Backcheck,
    County,
    Household,
    Mark,
    MergeConflict,
    Sample,
    SampleItem,
    Township,
    Village,
    get_engine,
    session_scope,
)
from fupin_tui.team import (
    TeamError,
    assign_backcheck,
    backcheck_agreement,
    cohen_kappa,
    export_bundle,
    merge_bundles,
    record_backcheck,
)

runner = CliRunner()


def build_county(db: str, households: int = 10, frame_hash: str = "f" * 64) -> None:
    """A tiny county with an active sample of every household (direct model rows; no personal data needed)."""
    engine = get_engine(db)
    with session_scope(engine) as s:
        s.add(County(code="422822", name="建始县", data_year=2015))
        s.flush()
        t = Township(county_code="422822", name="业州镇")
        s.add(t)
        s.flush()
        v = Village(county_code="422822", township_id=t.id, name="业州东坪村")
        s.add(v)
        s.flush()
        sample = Sample(county_code="422822", seed=1, generator="numpy.PCG64", method="random", n=households,
                        population=households, frame_hash=frame_hash)
        s.add(sample)
        s.flush()
        for i in range(households):
            h = Household(county_code="422822", household_no=f"422822{i:08d}", township_id=t.id, village_id=v.id)
            s.add(h)
            s.flush()
            s.add(SampleItem(sample_id=sample.id, household_id=h.id, household_no=h.household_no, order=i,
                             stratum="业州镇"))


def add_mark(db: str, hh_no: str, inspector: str, category: str = "income", status: str = ReviewStatus.ISSUES) -> str:
    engine = get_engine(db)
    with session_scope(engine) as s:
        h = s.scalars(select(Household).where(Household.household_no == hh_no)).one()
        m = Mark(county_code="422822", household_id=h.id, household_no=hh_no, category=category, inspector=inspector)
        s.add(m)
        s.execute(update(SampleItem).where(SampleItem.household_no == hh_no).values(status=status, reviewed_by=inspector))
        append_action(s, inspector=inspector, action="mark.add", target=f"household:{hh_no}", new={"category": category})
        return m.uuid


def set_status(db: str, hh_no: str, inspector: str, status: str) -> None:
    with session_scope(get_engine(db)) as s:
        s.execute(update(SampleItem).where(SampleItem.household_no == hh_no).values(status=status, reviewed_by=inspector))
        append_action(s, inspector=inspector, action="status.set", target=f"household:{hh_no}", new=status)


def test_export_merge_idempotent_and_conflicts(tmp_path):
    lead, a, b = (str(tmp_path / f"{n}.db") for n in ("lead", "a", "b"))
    for db in (lead, a, b):
        build_county(db)
    add_mark(a, "42282200000000", "甲")
    add_mark(a, "42282200000001", "甲", "identity")
    set_status(b, "42282200000001", "乙", ReviewStatus.CLEAN)  # conflicts with 甲's 有问题 after the first merge
    add_mark(b, "42282200000002", "乙", "exit")
    ba, bb = tmp_path / "a.json", tmp_path / "b.json"
    counts = export_bundle(get_engine(a), ba)
    assert counts["marks"] == 2 and counts["statuses"] == 2 and counts["actions"] == 2
    assert stat.S_IMODE(os.stat(ba).st_mode) == 0o600
    export_bundle(get_engine(b), bb)
    assert "证件号码" not in ba.read_text(encoding="utf-8")

    report = merge_bundles(get_engine(lead), [ba, bb], lead="组长")
    assert report.marks_added == 3 and report.statuses_set == 3
    assert len(report.conflicts) == 1 and report.conflicts[0].household_no == "42282200000001"
    with session_scope(get_engine(lead)) as s:
        assert s.scalar(select(func.count()).select_from(Mark)) == 3
        item = s.scalars(select(SampleItem).where(SampleItem.household_no == "42282200000001")).one()
        assert item.status == ReviewStatus.ISSUES  # the first value stays; the conflict is listed, not overwritten
    again = merge_bundles(get_engine(lead), [ba, bb], lead="组长")
    assert (again.marks_added, again.marks_updated, again.statuses_set, again.actions_added) == (0, 0, 0, 0)
    with session_scope(get_engine(lead)) as s:
        assert s.scalar(select(func.count()).select_from(Mark)) == 3
        assert s.scalar(select(func.count()).select_from(MergeConflict)) == 1
        assert verify_chain(s).ok


def test_merge_refuses_other_sample(tmp_path):
    lead, other = str(tmp_path / "lead.db"), str(tmp_path / "other.db")
    build_county(lead)
    build_county(other, frame_hash="e" * 64)
    add_mark(other, "42282200000000", "甲")
    bundle = tmp_path / "o.json"
    export_bundle(get_engine(other), bundle)
    with pytest.raises(TeamError, match="抽样框指纹"):
        merge_bundles(get_engine(lead), [bundle])
    with session_scope(get_engine(lead)) as s:
        assert s.scalar(select(func.count()).select_from(Mark)) == 0
    result = runner.invoke(app, ["merge-marks", str(bundle), "--db", lead])
    assert result.exit_code == 1 and "抽样框指纹" in result.output


def test_merge_rejects_non_bundle(tmp_path):
    lead = str(tmp_path / "lead.db")
    build_county(lead)
    junk = tmp_path / "junk.json"
    junk.write_text(json.dumps({"hello": 1}), encoding="utf-8")
    with pytest.raises(TeamError, match="不是 fupin 核查结果包"):
        merge_bundles(get_engine(lead), [junk])


def _reviewed_county(db: str) -> None:
    """20 households reviewed by 甲: every fourth with an income mark, the rest 核查无误."""
    build_county(db, households=20)
    for i in range(20):
        hh = f"422822{i:08d}"
        if i % 4 == 0:
            add_mark(db, hh, "甲", "income")
        else:
            set_status(db, hh, "甲", ReviewStatus.CLEAN)


def test_backcheck_assignment_and_agreement(tmp_path):
    db = str(tmp_path / "c.db")
    _reviewed_county(db)
    chosen = assign_backcheck(get_engine(db), second_inspector="乙", share=0.5, seed=7)
    assert len(chosen) == 10
    db2 = str(tmp_path / "d.db")
    _reviewed_county(db2)
    assert assign_backcheck(get_engine(db2), second_inspector="乙", share=0.5, seed=7) == chosen
    for hh in chosen:  # the second inspector agrees except on one household
        first_has = int(hh[-2:]) % 4 == 0
        status = ReviewStatus.ISSUES if first_has else ReviewStatus.CLEAN
        record_backcheck(get_engine(db), household_no=hh, inspector="乙", status=status,
                         categories=["income"] if first_has else [])
    flip = chosen[0]
    record_backcheck(get_engine(db), household_no=flip, inspector="乙", status=ReviewStatus.ISSUES, categories=["exit"])
    with session_scope(get_engine(db)) as s:
        agreements, disagreements = backcheck_agreement(s, "422822")
        assert s.scalar(select(func.count()).select_from(Backcheck)) == 10
    verdict = next(a for a in agreements if a.category == "__verdict__")
    assert verdict.households == 10 and [d["household_no"] for d in disagreements] == [flip]
    with pytest.raises(TeamError):
        record_backcheck(get_engine(db), household_no="42282200000001", inspector="丙", status=ReviewStatus.CLEAN,
                         categories=[])


def test_cohen_kappa_known_values():
    assert cohen_kappa([True, True, False, False], [True, True, False, False]) == pytest.approx(1.0)
    assert cohen_kappa([True, False, True, False], [False, True, False, True]) == pytest.approx(-1.0)
    # 20 items: both yes 5, a-only 2, b-only 3, both no 10 → po 0.75, pe 0.35*0.4+0.65*0.6 = 0.53, kappa 0.4681
    a = [True] * 5 + [True] * 2 + [False] * 3 + [False] * 10
    b = [True] * 5 + [False] * 2 + [True] * 3 + [False] * 10
    assert cohen_kappa(a, b) == pytest.approx((0.75 - 0.53) / 0.47)
    assert cohen_kappa([False, False], [False, False]) is None


def test_audit_verify_cli(tmp_path):
    db = str(tmp_path / "c.db")
    build_county(db)
    add_mark(db, "42282200000000", "甲")
    add_mark(db, "42282200000001", "甲")
    ok = runner.invoke(app, ["audit", "verify", "--db", db])
    assert ok.exit_code == 0 and "完好" in ok.output
    with session_scope(get_engine(db)) as s:
        s.execute(update(Action).where(Action.id == 1).values(new_value='{"category": "exit"}'))
    bad = runner.invoke(app, ["audit", "verify", "--db", db])
    assert bad.exit_code == 1 and "id=1" in bad.output


def test_storage_roundtrip_on_both_backends(storage_db):
    """The same storage test on SQLite and PostgreSQL: county, sample, marks, chain, bundle export."""
    build_county(storage_db, households=5)
    add_mark(storage_db, "42282200000000", "甲")
    add_mark(storage_db, "42282200000001", "甲", "identity")
    with session_scope(get_engine(storage_db)) as s:
        assert s.scalar(select(func.count()).select_from(Mark)) == 2
        assert verify_chain(s).ok and verify_chain(s).rows == 2
        assert s.scalars(select(Sample)).one().frame_hash == "f" * 64


def test_offline_backcheck_on_a_copy_merges_back(tmp_path):
    """The second inspector works offline on a copy of the lead's file; the bundle carries the back-check results."""
    import shutil

    lead = str(tmp_path / "lead.db")
    build_county(lead, households=8)
    for i in range(8):
        set_status(lead, f"422822{i:08d}", "甲", ReviewStatus.CLEAN)
    chosen = assign_backcheck(get_engine(lead), second_inspector="乙", share=0.5, seed=3)
    assert len(chosen) == 4
    from fupin_tui.models import dispose_all

    dispose_all()
    laptop = str(tmp_path / "laptop.db")
    shutil.copyfile(lead, laptop)
    for hh in chosen:
        record_backcheck(get_engine(laptop), household_no=hh, inspector="乙", status=ReviewStatus.CLEAN, categories=[])
    bundle = tmp_path / "yi.json"
    assert export_bundle(get_engine(laptop), bundle)["backchecks"] == 4
    report = merge_bundles(get_engine(lead), [bundle], lead="组长")
    assert report.backchecks_set == 4 and not report.conflicts
    assert report.actions_added == 4  # only the laptop's new trail rows, not the shared beginning
    again = merge_bundles(get_engine(lead), [bundle], lead="组长")
    assert (again.backchecks_set, again.actions_added, len(again.conflicts)) == (0, 0, 0)
    with session_scope(get_engine(lead)) as s:
        agreements, disagreements = backcheck_agreement(s, "422822")
        verdict = next(a for a in agreements if a.category == "__verdict__")
        assert verdict.households == 4 and verdict.agree_share == 1.0 and not disagreements


def test_both_sides_editing_one_mark_is_a_conflict_not_an_overwrite(tmp_path):
    """Regression (QA): the lead and an inspector both edit the same mark → listed, the lead's text stays."""
    import shutil
    import time

    from fupin_tui.models import dispose_all

    lead = str(tmp_path / "lead.db")
    build_county(lead, households=3)
    uuid = add_mark(lead, "42282200000000", "甲")
    dispose_all()
    member = str(tmp_path / "member.db")
    shutil.copyfile(lead, member)
    time.sleep(1.1)  # edits well after creation

    def edit(db: str, note: str) -> None:
        with session_scope(get_engine(db)) as s:
            m = s.get(Mark, uuid)
            m.note, m.updated_at = note, m.updated_at.__class__.now(m.updated_at.tzinfo)

    edit(lead, "组长补充")
    edit(member, "张三补充：已通知村里")
    bundle = tmp_path / "m.json"
    export_bundle(get_engine(member), bundle)
    report = merge_bundles(get_engine(lead), [bundle], lead="组长")
    assert report.marks_updated == 0 and [c.kind for c in report.conflicts] == ["mark"]
    with session_scope(get_engine(lead)) as s:
        assert s.get(Mark, uuid).note == "组长补充"


def test_inspector_edits_after_a_merge_flow_to_the_lead(tmp_path):
    """A mark merged once and then edited only by its inspector is updated at the next merge (no false conflict)."""
    import time

    lead, member = str(tmp_path / "lead.db"), str(tmp_path / "member.db")
    build_county(lead)
    build_county(member)
    uuid = add_mark(member, "42282200000000", "甲")
    bundle = tmp_path / "m.json"
    export_bundle(get_engine(member), bundle)
    assert merge_bundles(get_engine(lead), [bundle]).marks_added == 1
    time.sleep(1.1)
    with session_scope(get_engine(member)) as s:
        m = s.get(Mark, uuid)
        m.note, m.updated_at = "第二次修改", m.updated_at.__class__.now(m.updated_at.tzinfo)
    export_bundle(get_engine(member), bundle)
    report = merge_bundles(get_engine(lead), [bundle])
    assert report.marks_updated == 1 and not report.conflicts
    with session_scope(get_engine(lead)) as s:
        assert s.get(Mark, uuid).note == "第二次修改"
