"""``fupin compare`` given a whole county folder: the county's own export files (roster, income table, village and
project tables) are named and skipped, like ``fupin import`` skips department lists; only a genuinely ambiguous
department list is refused."""

from __future__ import annotations

import json
from pathlib import Path

from builders import department_files, load_sample_roster, xlsx
from typer.testing import CliRunner

from fupin_tui.cli import app
from fupin_tui.compare import prepare
from fupin_tui.demo.generator import generate_county

runner = CliRunner()


def has(result, text: str) -> bool:  # noqa: ANN001
    return "".join(text.split()) in "".join(result.output.split())


def test_sample_folder_skips_the_county_exports(sample_dir: Path, db_url: str) -> None:
    load_sample_roster(db_url, sample_dir)
    everything = sorted(str(p) for p in sample_dir.glob("*.xlsx"))
    r = runner.invoke(app, ["compare", *everything, "--db", db_url])
    assert r.exit_code == 0, r.output
    assert has(r, "跳过 户收入及生产生活条件.xlsx：这是县级导出数据（户收入及生产生活条件），不是部门名单；"
                  "请用 fupin import 导入")
    assert has(r, "跳过 贫困人口花名册.xlsx：这是县级导出数据（贫困人口花名册），不是部门名单；请用 fupin import 导入")
    assert not has(r, "无法判断")
    js = runner.invoke(app, ["compare", *everything, "--db", db_url, "--json"])
    data = json.loads(js.stdout)
    assert {s["file"]: s["kind"] for s in data["skipped"]} == {
        "户收入及生产生活条件.xlsx": "户收入及生产生活条件", "贫困人口花名册.xlsx": "贫困人口花名册"}
    assert len(data["files"]) == len(department_files(sample_dir))


def test_village_and_project_tables_are_skipped_too(tmp_path: Path) -> None:
    generate_county(tmp_path / "demo", households=40, seed=1)
    files = sorted((tmp_path / "demo").glob("*.xlsx"))
    prepared = prepare(files)
    skipped = {s.file: s.label for s in prepared.skipped}
    assert set(skipped.values()) == {"贫困人口花名册", "户收入及生产生活条件", "行政村信息表", "自然村信息表",
                                     "贫困县信息表", "帮扶项目表"}
    compared = {p.table.file_name for p in prepared}
    assert not compared & set(skipped)
    assert "组织部_党员及大学生村官.xlsx" in compared  # the 组织部 list stays a department list


def test_only_export_files_fail_and_ambiguous_lists_are_still_refused(sample_dir: Path, db_url: str,
                                                                       tmp_path: Path) -> None:
    load_sample_roster(db_url, sample_dir)
    r = runner.invoke(app, ["compare", str(sample_dir / "贫困人口花名册.xlsx"), "--db", db_url])
    assert r.exit_code == 1
    assert has(r, "跳过 贫困人口花名册.xlsx：这是县级导出数据（贫困人口花名册）")
    assert has(r, "没有可比对的部门名单")
    odd = xlsx(tmp_path / "名单.xlsx", [["姓名", "身份证号", "备注"], ["甲一", "422822195001010011", ""]])
    r = runner.invoke(app, ["compare", str(odd), "--db", db_url])
    assert r.exit_code == 1 and has(r, "无法判断文件 名单.xlsx 是哪个部门的名单")
