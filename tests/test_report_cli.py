"""``fupin report`` through typer's CliRunner, and the whole job on the shared sample county ending in a report."""

from __future__ import annotations

import re
import sys
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from typer.testing import CliRunner

from fupin_tui.cli import app
from fupin_tui.models import Action, SampleItem, get_engine, session_scope

sys.path.insert(0, str(Path(__file__).parent))
from builders import build_report_county  # noqa: E402

runner = CliRunner()
FULL_ID = re.compile(r"(?<!\d)\d{17}[\dX](?!\d)")


@pytest.fixture
def db(db_url):
    build_report_county(get_engine(db_url))
    return db_url


def test_help_is_chinese():
    r = runner.invoke(app, ["report", "--help"])
    assert r.exit_code == 0
    assert "评比报告" in r.output and "--unmasked" in r.output and "脱敏" in r.output


def test_writes_a_masked_report(db, tmp_path):
    out = tmp_path / "评比报告.xlsx"
    r = runner.invoke(app, ["report", "--db", db, "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert "已写出" in r.output and "已脱敏" in r.output
    assert load_workbook(out).sheetnames[0] == "汇总"


def test_unmasked_needs_inspector_usage_error(db, tmp_path):
    out = tmp_path / "u.xlsx"
    r = runner.invoke(app, ["report", "--db", db, "--out", str(out), "--unmasked"])
    assert r.exit_code == 2
    assert "--inspector" in r.output and not out.exists()


def test_unmasked_with_inspector_is_recorded(db, db_url, tmp_path):
    out = tmp_path / "u.xlsx"
    r = runner.invoke(app, ["report", "--db", db, "--out", str(out), "--unmasked", "--inspector", "王五@省扶贫办"])
    assert r.exit_code == 0, r.output
    assert "未脱敏" in r.output and "操作日志" in r.output
    with session_scope(get_engine(db_url)) as s:
        row = s.scalars(select(Action).where(Action.action == "report.unmasked")).one()
        assert (row.inspector, row.target) == ("王五@省扶贫办", "u.xlsx")


@pytest.mark.parametrize("args, message", [
    (["--out", "r.csv"], ".xlsx"),
    (["--out", "/nonexistent-dir/r.xlsx"], "输出目录不存在"),
    (["--out", "r.xlsx", "--county", "999999"], "999999"),
    (["--out", "r.xlsx", "--rubric", "missing.toml"], "missing.toml"),
])
def test_data_errors_exit_1_with_chinese_message(db, tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    r = runner.invoke(app, ["report", "--db", db, *args])
    assert r.exit_code == 1, r.output
    assert "错误" in r.output and message in r.output


def test_missing_database_exits_1(tmp_path):
    r = runner.invoke(app, ["report", "--db", str(tmp_path / "none.db"), "--out", str(tmp_path / "r.xlsx")])
    assert r.exit_code == 1 and "数据库文件不存在" in r.output


def test_whole_job_on_the_shared_sample(sample_dir, db_url, tmp_path):
    """import → check → compare → sample → marks → report, through the real modules (skipped when one is absent)."""
    importing = pytest.importorskip("fupin_tui.importing")
    sampling = pytest.importorskip("fupin_tui.sampling")
    review = pytest.importorskip("fupin_tui.review")
    engine = get_engine(db_url)
    roster, income = sample_dir / "贫困人口花名册.xlsx", sample_dir / "户收入及生产生活条件.xlsx"
    importing.import_files(engine, [roster, income])
    try:
        from fupin_tui.checks import run_checks

        run_checks(engine)
    except ImportError:
        pass
    try:
        from fupin_tui.compare import compare_files

        compare_files(engine, sorted(p for p in sample_dir.glob("*.xlsx") if p not in (roster, income)))
    except ImportError:
        pass
    with session_scope(engine) as s:
        sampling.draw_sample(s, "422822", sampling.SampleRequest(n=60, method="stratified", by="township",
                                                                 allocation="proportional", seed=1))
    with session_scope(engine) as s:
        nos = list(s.scalars(select(SampleItem.household_no).order_by(SampleItem.order)))
        review.add_mark(s, "张明@省扶贫办", nos[0], "income", "一般", note="年收入与各项收入之和不符")
        review.add_mark(s, "张明@省扶贫办", nos[1], "identity", "严重", note="证件号码错误")
        review.set_status(s, "张明@省扶贫办", nos[2], "核查无误")
    out = tmp_path / "r.xlsx"
    r = runner.invoke(app, ["report", "--db", db_url, "--out", str(out)])
    assert r.exit_code == 0, r.output
    wb = load_workbook(out)
    assert len(wb.sheetnames) == 11
    assert wb["抽样清单"].max_row >= 61
    marks = wb["问题明细"]
    assert marks.max_row >= 3
    with zipfile.ZipFile(out) as z:
        xml = "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml"))
    # (hex digests such as the frame hash and float values are not IDs: digit runs inside them are skipped)
    assert not re.search(r"(?<![0-9a-f.])\d{17}[\dX](?![0-9a-f])", xml), "a full ID number in the masked report"
    with session_scope(engine) as s:
        from fupin_tui.models import Member

        ids = {i for i in s.scalars(select(Member.id_number)) if i and len(i) >= 15}
    assert ids and not any(i in xml for i in ids)
    summary = " ".join(str(c.value) for row in wb["汇总"].iter_rows() for c in row if c.value is not None)
    assert "建始县" in summary and "等级" in summary
