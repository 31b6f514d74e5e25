"""``fupin demo``: the whole job on a generated county, through the same paths an inspector uses.

Generate export files (roster, income table, department lists, village and project tables) → ``fupin import`` →
``fupin check`` → ``fupin compare`` → ``fupin sample`` → the TUI (or, with ``--no-tui`` or without a terminal, stop and
print the database path). Re-running on the same directory reuses the database: imports are idempotent and a sample
that already holds marks is kept, so a newcomer never loses what they marked.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from fupin_tui.cli import app
from fupin_tui.cli.common import console, err_console, fail, is_interactive, open_engine


@app.command("demo")
def demo_command(
    households: Annotated[int, typer.Option("--households", min=10, help="演示县的户数。")] = 300,
    seed: Annotated[int, typer.Option("--seed", help="随机种子：同样的种子生成同样的县和样本。")] = 1,
    directory: Annotated[Path, typer.Option("--dir", help="生成文件和数据库的目录。")] = Path("fupin-demo"),
    no_tui: Annotated[bool, typer.Option("--no-tui", help="只生成、导入、核查、抽样，不打开核查界面。")] = False,
    inspector: Annotated[str, typer.Option("--inspector", help="演示用的核查人员（姓名@单位）。")] = "演示核查员@省扶贫办",
    n: Annotated[int, typer.Option("--n", help="样本户数（默认 60：5% 可容忍差错率、95% 置信度、零预期差错时需 59 户）。")] = 60,
) -> None:
    """演示：生成一个虚构县（导出文件格式与全国系统一致、人员均为虚构），导入、自动核查、部门比对、抽样，然后打开核查界面。"""
    from fupin_tui.checks import run_checks
    from fupin_tui.compare import compare_files
    from fupin_tui.demo import generate_county
    from fupin_tui.importing import ImportFailure, import_files
    from fupin_tui.models import session_scope
    from fupin_tui.sampling import SampleRequest, SamplingError, active_sample, draw_sample
    from fupin_tui.villages import VILLAGE_TABLES

    directory = directory.expanduser()
    db = directory / "demo.db"
    console.print(f"[bold]1/5 生成演示县[/]（{households} 户，种子 {seed}）→ {directory}")
    county = generate_county(directory, households=households, seed=seed)
    console.print(f"    {county.county_name}（{county.county_code}），数据年度 {county.data_year}：{county.households} 户 "
                  f"{county.members} 人，故意埋入的数据问题 {len(county.problems)} 处（见 demo_manifest.json）")

    engine = open_engine(str(db), create=True)
    console.print("[bold]2/5 导入[/]花名册、户收入表和村级、项目表")
    county_files = [county.roster, county.income] + [
        p for p in (county.villages, county.hamlets, county.county_record, county.projects, county.organization)
        if p is not None
    ]
    try:
        # as ``fupin import``: the village, natural-village, county, project and 组织部 tables in the same transaction
        report = import_files(engine, county_files, tables=VILLAGE_TABLES)
        tables = report.tables
    except ImportFailure as exc:
        fail(str(exc))
    console.print(f"    {report.households} 户 {report.members} 人；表头以下 {report.rows_total} 行，导入 {report.rows_imported} 行")
    console.print(f"    村级与项目表：导入 {tables.rows_imported} 行（行政村 {tables.counts.get('villages_updated', 0)} 个，"
                  f"帮扶项目 {tables.counts.get('projects', 0)} 个）")

    console.print("[bold]3/5 自动核查[/]")
    checks = run_checks(engine, county.county_code)
    severe = sum(1 for f in checks.findings if f.get("severity") == "严重")
    console.print(f"    规则 {len(checks.results)} 条，疑点 {len(checks.findings)} 条（严重 {severe} 条），用时 {checks.seconds:.2f} 秒")

    dept_files = list(county.departments.values()) + ([county.organization] if county.organization else [])
    console.print(f"[bold]4/5 部门比对[/]（{len(dept_files)} 份部门名单）")
    result = compare_files(engine, dept_files, county=county.county_code)
    console.print(f"    比对部门 {len(result.depts_compared)} 个，线索 {len(result.clues)} 条（待核实，由核查人员判断）")

    console.print(f"[bold]5/5 抽样[/]（按乡镇分层，{n} 户，种子 {seed}）")
    with session_scope(engine) as s:
        existing = active_sample(s, county.county_code)
        if existing is not None:
            console.print(f"    沿用已有样本（{existing.n} 户，种子 {existing.seed}）：其中的核查记录全部保留")
        else:
            try:
                outcome = draw_sample(s, county.county_code, SampleRequest(
                    n=n, method="stratified", by="township", seed=seed, created_by=inspector))
            except SamplingError as exc:
                fail(str(exc))
            console.print(f"    已抽取 {outcome.sample.n} 户")

    console.print(f"\n数据库：[bold]{db}[/]")
    console.print(f"接着可以：fupin inspect --db {db}    fupin grade --db {db}    fupin report --db {db} --out 报告.xlsx")
    if no_tui or not is_interactive():
        if not no_tui:
            err_console.print("（没有终端，不打开核查界面）")
        return
    from fupin_tui.app import run_tui

    raise typer.Exit(run_tui(engine, county.county_code, inspector, False))
