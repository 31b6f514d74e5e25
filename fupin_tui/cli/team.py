"""Team commands (issue 7): ``fupin audit verify``, ``fupin export-marks``, ``fupin merge-marks``, ``fupin backcheck``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from fupin_tui.audit import verify_chain
from fupin_tui.cli import app, audit_app
from fupin_tui.cli.common import CountyOption, DbOption, InspectorOption, actor, console, fail, open_engine
from fupin_tui.glossary import category_key, category_label
from fupin_tui.models import DatabaseError, read_session, resolve_county
from fupin_tui.team import TeamError, assign_backcheck, backcheck_agreement, export_bundle, merge_bundles, record_backcheck


@audit_app.command("verify")
def audit_verify(db: DbOption) -> None:
    """校验操作日志的哈希链：报告第一处断链（被修改、删除或插入的行）。"""
    engine = open_engine(db)
    with read_session(engine) as s:
        report = verify_chain(s)
    if report.ok:
        console.print(f"操作日志完好：共 {report.rows} 条，哈希链无断点。")
        return
    fail(f"操作日志在 id={report.broken_id} 的一行处断链：{report.reason}。已校验 {report.rows} 条。")


@app.command("export-marks")
def export_marks(
    db: DbOption,
    out: Annotated[Path, typer.Option("--out", help="结果包文件（.json），仅本人可读。")],
    county: CountyOption = None,
) -> None:
    """导出本机的核查结果包（标记、疑点结论、线索状态、核查状态、操作日志、抽样框指纹），交组长合并。"""
    engine = open_engine(db)
    try:
        counts = export_bundle(engine, out, county=county)
    except (TeamError, DatabaseError) as exc:
        fail(str(exc))
    console.print(
        f"已导出到 {out}：标记 {counts['marks']} 条，疑点结论 {counts['finding_verdicts']} 条，"
        f"线索状态 {counts['clue_statuses']} 条，核查状态 {counts['statuses']} 户，复核结论 {counts['backchecks']} 户，"
        f"操作日志 {counts['actions']} 条。"
    )


@app.command("merge-marks")
def merge_marks(
    files: Annotated[list[Path], typer.Argument(help="组员导出的结果包文件。", exists=True, dir_okay=False)],
    db: DbOption,
    inspector: InspectorOption = None,
) -> None:
    """把组员的结果包合并进组长的数据库：按 UUID 合并标记，重复合并无变化；冲突列出待组长裁定，绝不静默覆盖。"""
    engine = open_engine(db)
    try:
        report = merge_bundles(engine, files, lead=actor(inspector))
    except (TeamError, DatabaseError) as exc:
        fail(str(exc))
    console.print(
        f"已合并 {len(report.files)} 个结果包：新增标记 {report.marks_added}，更新标记 {report.marks_updated}，"
        f"新增疑点结论 {report.verdicts_added}，线索状态 {report.clues_updated}，核查状态 {report.statuses_set} 户，"
        f"复核结论 {report.backchecks_set} 户，"
        f"操作日志 {report.actions_added} 条。"
    )
    if report.conflicts:
        table = Table(title=f"冲突 {len(report.conflicts)} 处（组长的值保持不变，请裁定）")
        for col in ("类型", "户编号", "对象", "本库", "结果包", "结果包核查人", "文件"):
            table.add_column(col)
        kinds = {"status": "核查状态", "finding_verdict": "疑点结论", "clue_status": "线索状态", "backcheck": "复核结论", "mark": "问题标记"}
        for c in report.conflicts:
            table.add_row(kinds.get(c.kind, c.kind), c.household_no, c.target, f"{c.lead_value}（{c.lead_inspector}）",
                          c.bundle_value, c.bundle_inspector, c.bundle_file)
        console.print(table)


backcheck_app = typer.Typer(help="复核（双人背对背核查）：分配、录入、一致性。", no_args_is_help=True)
app.add_typer(backcheck_app, name="backcheck")


@backcheck_app.command("assign")
def backcheck_assign(
    db: DbOption,
    to: Annotated[str, typer.Option("--to", help="复核人员姓名。")],
    share: Annotated[float, typer.Option("--share", help="抽取已核查户的比例（默认 0.1 即 10%）。")] = 0.10,
    seed: Annotated[int, typer.Option("--seed", help="随机种子（可重现）。")] = 1,
    county: CountyOption = None,
    inspector: InspectorOption = None,
) -> None:
    """按随机种子从已核查户中抽取一定比例，分配给第二名核查人员背对背复核。"""
    engine = open_engine(db)
    try:
        households = assign_backcheck(engine, second_inspector=to, share=share, seed=seed, county=county,
                                      lead=actor(inspector))
    except (TeamError, DatabaseError) as exc:
        fail(str(exc))
    if not households:
        console.print("没有可分配的已核查户。")
        return
    console.print(f"已分配 {len(households)} 户给 {to} 复核：{'、'.join(households)}")


@backcheck_app.command("record")
def backcheck_record(
    db: DbOption,
    household: Annotated[str, typer.Option("--household", help="户编号。")],
    inspector: Annotated[str, typer.Option("--inspector", help="复核人员姓名。")],
    status: Annotated[str, typer.Option("--status", help="复核结论：有问题 / 核查无误。")],
    category: Annotated[list[str] | None, typer.Option("--category", help="发现的问题类别（可多次）。")] = None,
    note: Annotated[str, typer.Option("--note", help="说明。")] = "",
    county: CountyOption = None,
) -> None:
    """录入复核人员对一户的背对背结论（问题类别可用中文名或英文代码）。"""
    engine = open_engine(db)
    try:
        cats = [category_key(c) for c in (category or [])]
    except KeyError as exc:
        fail(f"未知的问题类别：{exc.args[0]}")
    try:
        record_backcheck(engine, household_no=household, inspector=inspector, status=status, categories=cats,
                         note=note, county=county)
    except (TeamError, DatabaseError) as exc:
        fail(str(exc))
    console.print(f"已记录户 {household} 的复核结论：{status}")


@backcheck_app.command("agreement")
def backcheck_agreement_cmd(db: DbOption, county: CountyOption = None) -> None:
    """显示复核一致性：每对核查人员、每个问题类别的一致比例与 Cohen's kappa，以及结论不一致的户。"""
    engine = open_engine(db)
    with read_session(engine) as s:
        try:
            c = resolve_county(s, county)
        except DatabaseError as exc:
            fail(str(exc))
        agreements, disagreements = backcheck_agreement(s, c.code)
    if not agreements:
        console.print("还没有完成的复核。")
        return
    table = Table(title="复核一致性")
    for col in ("首次核查", "复核", "类别", "户数", "一致比例", "kappa"):
        table.add_column(col)
    for a in agreements:
        label = "总体结论" if a.category == "__verdict__" else category_label(a.category)
        kappa = "—" if a.kappa is None else f"{a.kappa:.2f}"
        table.add_row(a.first, a.second, label, str(a.households), f"{a.agree_share:.0%}", kappa)
    console.print(table)
    if disagreements:
        console.print(f"结论不一致的户：{'、'.join(d['household_no'] for d in disagreements)}")
