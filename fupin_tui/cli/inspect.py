"""``fupin inspect``: open the inspection TUI on a county's database."""

from __future__ import annotations

import typer

from fupin_tui.cli import app
from fupin_tui.cli.common import CountyOption, DbOption, InspectorOption, fail, is_interactive, open_engine


@app.command("inspect")
def inspect_command(
    db: DbOption,
    county: CountyOption = None,
    inspector: InspectorOption = None,
    blind: bool = typer.Option(False, "--blind", help="盲审：在记录本户结论（无误或问题标记）之前不显示自动核查疑点。"),
    backcheck: bool = typer.Option(
        False, "--backcheck",
        help="复核（背对背）：只列出组长分配给本人（--inspector）的复核户，不显示首次核查的标记、状态、疑点和线索；"
             "F2 添加问题类别，F3 核查无误，结果记入复核记录，不改变标记、核查状态和评分。"),
) -> None:
    """逐户核查界面：按样本顺序查看每户，标记问题，判定疑点和线索；再次打开时从第一户未核查的样本户继续。

    开着中文输入法时请用功能键：PgDn/PgUp 下一户/上一户，F2 标记，F3 核查无误，F4 核实疑点，F5 核实线索，Ctrl+Z 撤销，F1 帮助，Ctrl+P 查找户。

    复核人员加 --backcheck：逐户查看分配给自己的复核户（组长用 fupin backcheck assign 分配），背对背记录复核结论。
    """
    from fupin_tui.models import DatabaseError, resolve_county, session_scope
    from fupin_tui.review import ReviewError, parse_inspector

    if inspector is not None:
        try:
            parse_inspector(inspector)
        except ReviewError as exc:
            fail(str(exc), code=2)
    engine = open_engine(db)
    try:
        with session_scope(engine) as s:
            code = resolve_county(s, county).code
    except DatabaseError as exc:
        fail(str(exc))
    if not is_interactive():
        fail("需要在终端中运行（标准输入和输出都应是终端）")
    from fupin_tui.app import run_tui

    raise typer.Exit(run_tui(engine, code, inspector, blind, backcheck=backcheck))
