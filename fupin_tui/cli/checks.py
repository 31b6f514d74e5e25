"""``fupin check`` (run the rulebook, replace the findings, keep the verdicts) and ``fupin county`` (settings)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from fupin_tui import glossary as g
from fupin_tui.checks import CheckError, RulebookError, load_rulebook, run_checks
from fupin_tui.cli import app
from fupin_tui.cli.common import (
    CountyOption, DbOption, InspectorOption, JsonOption, actor, console, fail, open_engine,
)
from fupin_tui.models import County, DatabaseError, resolve_county, session_scope

RulesOption = Annotated[
    Path | None,
    typer.Option("--rules", help="自定义规则文件（TOML），按规则编号合并到内置规则库之上："
                                 "改参数、停用（enabled = false）或新增规则。"),
]

CheckCountyOption = Annotated[
    str | None, typer.Option("--county", help="县代码（6位）；省略时检查数据库中的每个县。")
]

_YES = {"yes", "y", "true", "1", "是", "有"}
_NO = {"no", "n", "false", "0", "否", "无"}


@app.command("check", help="自动核查：按规则库检查户和人员数据，生成疑点"
                           "（重新运行会替换上次的疑点，保留核查人员的认定）。")
def check(
    db: DbOption,
    county: CheckCountyOption = None,
    rules: RulesOption = None,
    as_json: JsonOption = False,
) -> None:
    """Run the whole rulebook over one county (or every county of the file when ``--county`` is omitted)."""
    try:
        book = load_rulebook(rules)
    except RulebookError as exc:
        fail(str(exc))
    engine = open_engine(db)
    try:
        report = run_checks(engine, county, rulebook=book)
    except (CheckError, DatabaseError) as exc:
        fail(str(exc))
    if as_json:
        typer.echo(json.dumps(report.to_json(), ensure_ascii=False, indent=1))
        return
    summary = report.summary()
    table = Table(title=f"自动核查结果（{'、'.join(report.counties)}）", show_lines=True)
    table.add_column("规则（编号）", no_wrap=True)
    table.add_column("类别", overflow="fold")
    table.add_column("严重程度")
    table.add_column("疑点数", justify="right")
    table.add_column("涉及户数", justify="right")
    rows = sorted(report.results.values(), key=lambda r: (r.rule.severity != g.Severity.SEVERE.value, -r.findings))
    for r in rows:
        if not r.findings:
            continue
        sev = f"[bold red]{r.rule.severity}[/]" if r.rule.severity == g.Severity.SEVERE.value else r.rule.severity
        table.add_row(f"{r.rule.title}\n[dim]{r.rule.id}[/]", r.rule.category_label, sev, str(r.findings),
                      str(r.households))
    if summary["findings"]:
        console.print(table)
    clean = sum(1 for r in report.results.values() if not r.findings)
    console.print(
        f"共 {summary['households']} 户 {summary['members']} 人，运行 {summary['rules_run']} 条规则"
        f"（{clean} 条无疑点），疑点 {summary['findings']} 条，涉及 {summary['households_with_findings']} 户；"
        f"有严重疑点的户 {summary['households_with_severe']} 户（{summary['severe_share']:.1%}）。"
        f"用时 {report.seconds:.2f} 秒。"
    )
    for warning in report.warnings:
        console.print(f"[yellow]提示：{warning}[/]")


def _parse_yes_no(value: str, option: str) -> bool:
    text = value.strip().lower()
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise typer.BadParameter(f"应为 yes 或 no（收到“{value}”）", param_hint=option)


@app.command("county", help="查看或修改县的设置（是否有易地扶贫搬迁任务、数据年度）。")
def county_settings(
    db: DbOption,
    county: CountyOption = None,
    relocation_task: Annotated[
        str | None, typer.Option("--relocation-task", help="本县是否有易地扶贫搬迁任务：yes 或 no（默认无任务）。")
    ] = None,
    data_year: Annotated[
        int | None,
        typer.Option("--data-year", help="数据年度（如 2015）：年龄按该年12月31日计算。", min=2000, max=2100),
    ] = None,
    inspector: InspectorOption = None,
) -> None:
    """Show the county's settings; ``--relocation-task yes|no`` / ``--data-year`` change them (logged in the trail)."""
    task = _parse_yes_no(relocation_task, "--relocation-task") if relocation_task is not None else None
    engine = open_engine(db)
    from fupin_tui.audit import append_action

    try:
        with session_scope(engine) as session:
            row: County = resolve_county(session, county)
            old = {"relocation_task": row.relocation_task, "data_year": row.data_year}
            if task is not None:
                row.relocation_task = task
            if data_year is not None:
                row.data_year = data_year
            new = {"relocation_task": row.relocation_task, "data_year": row.data_year}
            if new != old:
                session.add(row)
                append_action(session, inspector=actor(inspector), action="county.settings",
                              target=f"county:{row.code}", old=old, new=new)
            code, name = row.code, row.name
    except DatabaseError as exc:
        fail(str(exc))
    table = Table(title=f"县设置：{name or code}（{code}）", show_header=False)
    table.add_column("项目")
    table.add_column("值")
    table.add_row("数据年度", str(new["data_year"]) if new["data_year"] else "未知")
    table.add_row("易地扶贫搬迁任务", "有" if new["relocation_task"] else "无")
    console.print(table)
    if new != old:
        console.print("已保存。设置影响自动核查结果，请重新运行 fupin check。")
