"""``fupin compare`` (issue 5): compare department lists with the register and record clues (线索)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from fupin_tui.cli import app
from fupin_tui.cli.common import CountyOption, DbOption, JsonOption, console, err_console, fail, open_engine
from fupin_tui.compare import AmbiguousDepartment, ReadError, RuleError, load_rules, prepare, run_comparison
from fupin_tui.glossary import DEPARTMENTS, clue_kind_label
from fupin_tui.models import DatabaseError

_DEPT_HELP = "指定部门（覆盖自动判断），可用：" + "、".join(f"{k}（{v}）" for k, v in DEPARTMENTS.items())
_DEPT_ORDER = {d: i for i, d in enumerate(DEPARTMENTS)}
#: How many clue rows the plain-text output lists before pointing to --json.
DETAIL_ROWS = 40


def _check_dept(value: str | None) -> str | None:
    if value is not None and value not in DEPARTMENTS:
        raise typer.BadParameter(f"未知的部门代码 {value}。{_DEPT_HELP}")
    return value


@app.command("compare")
def compare(
    files: Annotated[list[Path], typer.Argument(help="部门名单文件（.xlsx/.xls/.csv），可多个。", dir_okay=False)],
    db: DbOption,
    county: CountyOption = None,
    dept: Annotated[str | None, typer.Option("--dept", help=_DEPT_HELP, callback=_check_dept)] = None,
    rules: Annotated[
        Path | None, typer.Option("--rules", help="线索规则文件（TOML），默认用内置规则。", dir_okay=False)
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """部门数据比对：导入民政、公安、人社、住建、财政供养、残联、工商、车管等部门名单，按身份证号与建档立卡成员比对，生成待核实的线索。

    自动从表头（其次从文件名）判断名单来自哪个部门；判断不了时请用 --dept 指定。
    同一文件重复比对不会产生重复线索，已有的核实结论保留。
    """
    try:
        rule_list = load_rules(rules)
        prepared = prepare(files, dept)
    except (ReadError, AmbiguousDepartment, RuleError) as exc:
        fail(str(exc))
    if not prepared:
        for sk in prepared.skipped:
            err_console.print(sk.message(), markup=False)
        fail("没有可比对的部门名单：所给文件都是县级导出数据（花名册、户收入表、村级或项目表），请用 fupin import 导入。")
    engine = open_engine(str(db))
    try:
        result = run_comparison(engine, prepared, county, rule_list)
    except DatabaseError as exc:
        fail(str(exc))

    if as_json:
        clues = []
        for c in result.clues:
            row = {k: c.get(k) for k in ("dept", "kind", "household_no", "member_no", "their_value", "our_value",
                                         "message", "severity", "category", "suggestion", "status", "note",
                                         "verifier", "key", "source_file", "source_row")}
            row["kind_label"] = clue_kind_label(c["kind"])
            clues.append(row)
        out = {
            "county": result.county_code,
            "files": [r.as_dict() for r in result.lists],
            "skipped": [{"file": sk.file, "sheet": sk.sheet, "kind": sk.label, "header_row": sk.header_row,
                         "message": sk.message()} for sk in result.skipped],
            "depts_compared": result.depts_compared,
            "counts": result.counts,
            "summary": _summary(result.clues),
            "clues": clues,
        }
        typer.echo(json.dumps(out, ensure_ascii=False, indent=1, default=str))
        return

    for sk in result.skipped:
        console.print(f"[yellow]{sk.message()}[/]")
    for r in result.lists:
        where = f"{r.file}" + (f"（工作表 {r.sheet}）" if r.sheet and r.sheet != "Sheet1" else "")
        console.print(f"[bold]{where}[/]：{r.reason}。表头在第 {r.header_row} 行，证件号码列“{r.id_header}”"
                      + (f"，姓名列“{r.name_header}”" if r.name_header else "，[yellow]没有姓名列[/]")
                      + ("（与上次导入的文件相同，未重复入库）" if r.reused else ""))
        rej = ""
        if r.rejected:
            kinds = {"empty": "缺号码", "corrupted": "被 Excel 截断", "invalid": "格式不对"}
            rej = "，无法比对 " + str(r.rejected) + " 行（" + "、".join(
                f"{kinds.get(k, k)} {n}" for k, n in r.rejected_kinds.items()) + "）"
        console.print(f"  共 {r.rows} 行：匹配到成员 {r.matched} 行"
                      + (f"（其中15位旧号码 {r.matched_id15} 行）" if r.matched_id15 else "")
                      + f"，未匹配 {r.unmatched} 行" + (f"（疑似号码录错 {r.typo} 行）" if r.typo else "")
                      + rej + (f"，空行 {r.skipped}" if r.skipped else "") + "。")
        if r.note:
            console.print(f"  [dim]{r.note}。[/]")
    c = result.counts
    compared = sorted(result.depts_compared, key=lambda d: _DEPT_ORDER.get(d, 99))
    depts = "、".join(DEPARTMENTS.get(d, d) for d in compared)
    console.print(f"县 {result.county_code}：比对部门 {depts}；"
                  f"有效线索 {c['active']} 条（新增 {c['new']}，更新 {c['updated'] + c['reactivated']}，"
                  f"不变 {c['unchanged']}，不再出现 {c['deactivated']}）。")
    if not result.clues:
        console.print("没有发现线索。")
        return
    table = Table(title="线索（按部门和种类）")
    table.add_column("部门", overflow="fold")
    table.add_column("线索种类", overflow="fold")
    for col in ("条数", "待核实", "属实", "不属实", "已说明"):
        table.add_column(col, justify="right", no_wrap=True)
    for row in _summary(result.clues):
        table.add_row(row["dept_label"], row["kind_label"], str(row["total"]), *(str(row[s]) for s in
                      ("待核实", "属实", "不属实", "已说明")))
    console.print(table)
    shown = min(DETAIL_ROWS, len(result.clues))
    more = "，全部用 --json 查看）" if shown < len(result.clues) else "）"
    detail = Table(title=f"线索明细（{shown}/{len(result.clues)} 条{more}")
    detail.add_column("户编号", no_wrap=True)
    detail.add_column("人编号", no_wrap=True)
    detail.add_column("线索", overflow="fold")
    detail.add_column("部门值", overflow="fold")
    for cl in sorted(result.clues, key=lambda x: (x["severity"] != "严重", _DEPT_ORDER.get(x["dept"], 99), x["kind"],
                                                   x["household_no"] or "", x["member_no"] or ""))[:DETAIL_ROWS]:
        their = cl["their_value"] if cl["kind"] != "name_mismatch" else "（姓名不同，见户页面）"
        detail.add_row(cl["household_no"] or "", cl["member_no"] or "", clue_kind_label(cl["kind"]), their)
    console.print(detail)
    err_console.print("提示：线索只是待核实的线索，不是事实；请逐条核实（属实/不属实/已说明）。", style="dim")


def _summary(clues: list[dict]) -> list[dict]:
    """Clue counts by department and kind and status, in DEPARTMENTS order."""
    counts: Counter[tuple[str, str, str]] = Counter((c["dept"], c["kind"], c.get("status", "待核实")) for c in clues)
    order = {d: i for i, d in enumerate(DEPARTMENTS)}
    rows: dict[tuple[str, str], dict] = {}
    for (dept, kind, status), n in counts.items():
        row = rows.setdefault((dept, kind), {
            "dept": dept, "dept_label": DEPARTMENTS.get(dept, dept), "kind": kind, "kind_label": clue_kind_label(kind),
            "total": 0, "待核实": 0, "属实": 0, "不属实": 0, "已说明": 0})
        row["total"] += n
        row[status] = row.get(status, 0) + n
    return sorted(rows.values(), key=lambda r: (order.get(r["dept"], 99), r["kind"]))

