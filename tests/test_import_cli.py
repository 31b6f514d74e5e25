"""``fupin import`` through typer's CliRunner (and one real subprocess): the shared sample county, exit codes,
--dry-run, rejects printed without personal data."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select, text
from typer.testing import CliRunner

from fixtures_gen import make_households, roster_rows, write_xlsx
from fupin_tui.cli import app
from fupin_tui.models import County, ImportFile, get_engine, session_scope

DEPT_LISTS = (
    "人社_养老保险待遇领取人员.xlsx", "住建_农村危房改造对象.xlsx", "公安_人口状态变动.xlsx", "公安交管_机动车登记.xlsx",
    "工商_市场主体登记.xlsx", "残联_持证残疾人.xlsx", "民政_低保特困人员名单.xlsx", "财政供养人员名单.xlsx",
)
runner = CliRunner()


def _count(db: Path, table: str) -> int:
    with get_engine(db).connect() as c:
        return c.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()


def _sample_members(sample_dir: Path) -> int:
    from python_calamine import CalamineWorkbook

    rows = CalamineWorkbook.from_path(str(sample_dir / "贫困人口花名册.xlsx")).get_sheet_by_index(0).to_python()
    return sum(1 for r in rows[3:] if str(r[6]).strip())


def test_sample_county_imports_and_skips_department_lists(sample_dir: Path, tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    files = [str(p) for p in sorted(sample_dir.glob("*.xlsx"))]
    res = runner.invoke(app, ["import", *files, "--db", str(db)])
    assert res.exit_code == 0, res.output
    out = res.output
    for name in DEPT_LISTS:
        assert re.search(rf"跳过 {re.escape(name)}：不是县级导出数据", out), name
    assert "贫困人口花名册.xlsx，工作表「贫困人口花名册」，表头在第 3 行" in out
    assert "县 422822 建始县，数据年度 2015：本次文件共 300 户" in out
    members = _sample_members(sample_dir)
    assert _count(db, "household") == 300 and _count(db, "member") == members
    with session_scope(get_engine(db)) as s:
        county = s.get(County, "422822")
        assert county is not None and county.data_year == 2015 and county.name == "建始县"
        kinds = sorted(f.kind for f in s.scalars(select(ImportFile)))
        assert kinds == ["income", "roster"]
    assert re.search(r"合计：表头以下 (\d+) 行 = 导入 \1 \+ 拒收 0 \+ 跳过 0", out)
    # idempotent: the same files again add nothing and still exit 0
    res2 = runner.invoke(app, ["import", *reversed(files), "--db", str(db)])
    assert res2.exit_code == 0, res2.output
    assert "已导入过" in res2.output
    assert _count(db, "household") == 300 and _count(db, "member") == members and _count(db, "import_file") == 2


def test_dry_run_prints_mapping_and_writes_nothing(sample_dir: Path, tmp_path: Path) -> None:
    db = tmp_path / "none.db"
    res = runner.invoke(app, ["import", str(sample_dir / "贫困人口花名册.xlsx"), "--db", str(db), "--dry-run"])
    assert res.exit_code == 0, res.output
    assert "F 户编号 → household_no（户编号）" in res.output
    assert "I 证件号码 → id_number（证件号码）" in res.output
    assert "试运行" in res.output
    assert not db.exists()


def test_unreadable_file_exit_1_and_database_unchanged(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    good = write_xlsx(tmp_path / "花名册.xlsx", {"S": roster_rows(make_households(2))})
    assert runner.invoke(app, ["import", str(good), "--db", str(db)]).exit_code == 0
    before = _count(db, "member")
    bad = tmp_path / "坏文件.xlsx"
    bad.write_bytes(b"this is not a spreadsheet \x00\x01")
    other = write_xlsx(tmp_path / "花名册2.xlsx", {"S": roster_rows(make_households(4)[2:])})
    res = runner.invoke(app, ["import", str(other), str(bad), "--db", str(db)])
    assert res.exit_code == 1
    assert "坏文件.xlsx" in res.output and "数据库未作任何改动" in res.output
    assert _count(db, "member") == before


def test_nothing_importable_exit_1(tmp_path: Path) -> None:
    dept = write_xlsx(tmp_path / "民政.xlsx", {"Sheet1": [["姓名", "身份证号"], ["甲一", "422822195001010011"]]})
    res = runner.invoke(app, ["import", str(dept), "--db", str(tmp_path / "c.db")])
    assert res.exit_code == 1
    assert "没有导入任何数据" in res.output


def test_rejects_printed_without_personal_data(tmp_path: Path) -> None:
    hhs = make_households(2)
    rows = roster_rows(hhs)
    rows.append([""] * 27)
    rows.append(["9", "建始县", "", "", "", "", "", "某某某", hhs[0].members[0]["id_number"], 1, "户主"] + [""] * 16)
    p = write_xlsx(tmp_path / "r.xlsx", {"S": rows})
    res = runner.invoke(app, ["import", str(p), "--db", str(tmp_path / "c.db")])
    assert res.exit_code == 0, res.output  # imported with a row rejected
    assert f"文件 r.xlsx，工作表 S，第 {len(rows)} 行，列 F（户编号）：户编号为空" in res.output
    assert "拒收 1" in res.output
    assert "某某某" not in res.output and not re.search(r"\d{17}[\dX]", res.output)
    names = [m["name"] for h in hhs for m in h.members]
    assert not any(n in res.output for n in names)


def test_data_year_and_county_options(tmp_path: Path) -> None:
    p = write_xlsx(tmp_path / "r.xlsx", {"S": roster_rows(make_households(2), title=False)})
    db = tmp_path / "c.db"
    res = runner.invoke(app, ["import", str(p), "--db", str(db)])
    assert res.exit_code == 1 and "--data-year" in res.output
    assert not _count(db, "household")
    res = runner.invoke(app, ["import", str(p), "--db", str(db), "--data-year", "2016", "--county", "422801"])
    assert res.exit_code == 0, res.output
    assert "县 422801" in res.output and "数据年度 2016" in res.output


def test_help_is_chinese() -> None:
    res = runner.invoke(app, ["import", "--help"])
    assert res.exit_code == 0
    assert "导入县级导出数据" in res.output and "--dry-run" in res.output


def test_real_subprocess(tmp_path: Path) -> None:
    p = write_xlsx(tmp_path / "花名册.xlsx", {"S": roster_rows(make_households(3))})
    db = tmp_path / "c.db"
    proc = subprocess.run(
        [sys.executable, "-c", "from fupin_tui.cli import main; main()", "import", str(p), "--db", str(db)],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "导入 9" in proc.stdout
    assert _count(db, "member") == 9
