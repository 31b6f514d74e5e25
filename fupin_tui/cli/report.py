"""Report command (issue 2, deliverable 7): ``fupin report`` writes the rating report workbook (.xlsx)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from fupin_tui.cli import app
from fupin_tui.cli.common import CountyOption, DbOption, InspectorOption, console, err_console, fail, open_engine
from fupin_tui.models import DatabaseError

OutOption = Annotated[
    Path, typer.Option("--out", help="报告文件（.xlsx），如 评比报告.xlsx；同名文件将被替换。", dir_okay=False),
]
UnmaskedOption = Annotated[
    bool,
    typer.Option("--unmasked", help="不脱敏：写出完整证件号码、联系电话和银行账号（证件号码为文本单元格）；"
                                    "须用 --inspector 注明导出人，导出记入操作日志。"),
]
RubricOption = Annotated[
    Path | None,
    typer.Option("--rubric", help="评比标准文件（TOML），与 fupin grade --rubric 相同；省略时用默认标准。",
                 dir_okay=False),
]


@app.command("report", help=(
    "写出评比报告（Excel）：汇总（抽样设计、错误率与置信区间、等级、各乡镇错误率图）、问题明细、乡镇分布、抽样清单、"
    "自动核查、部门比对、拒收行、操作日志、复核一致性、村级信息、帮扶项目。默认对证件号码、联系电话、银行账号脱敏"
    "（证件号码保留前6位和后4位），姓名保留。"
))
def report_command(
    db: DbOption,
    out: OutOption,
    county: CountyOption = None,
    unmasked: UnmaskedOption = False,
    inspector: InspectorOption = None,
    rubric: RubricOption = None,
) -> None:
    """``fupin report --db DB [--county CODE] --out FILE.xlsx [--unmasked --inspector NAME] [--rubric FILE]``."""
    from fupin_tui.report import ReportError, write_report

    if unmasked and not (inspector or "").strip():
        err_console.print("[bold red]错误：[/]导出未脱敏报告须用 --inspector 注明导出人（姓名，或“姓名@单位”），以便记入操作日志。")
        raise typer.Exit(2)
    if rubric is not None and not rubric.exists():
        fail(f"找不到评比标准文件：{rubric}")
    engine = open_engine(db)
    try:
        result = write_report(engine, out, county=county, unmasked=unmasked, inspector=inspector or "",
                              rubric=rubric)
    except (ReportError, DatabaseError) as exc:
        fail(str(exc))
    except PermissionError as exc:
        fail(f"无法写入报告文件 {out}：没有权限（{exc.strerror}）")
    except OSError as exc:
        fail(f"无法写入报告文件 {out}：{exc.strerror or exc}")
    parts = "，".join(f"{name} {n} 行" for name, n in result.sheets.items() if n)
    console.print(f"已写出 {result.path}（县 {result.county}，{len(result.sheets)} 个工作表；{parts or '各表暂无明细'}；"
                  f"用时 {result.seconds:.1f} 秒）")
    if result.unmasked:
        console.print(f"[bold yellow]注意：[/]这是未脱敏报告（含完整证件号码），请妥善保管；已记入操作日志（第 {result.action_id} 条）。")
    else:
        console.print("证件号码、联系电话、银行账号已脱敏。")
    for section, reason in result.not_run.items():
        console.print(f"[yellow]{section}：{reason}[/]")
