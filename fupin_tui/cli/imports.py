"""``fupin import FILE... --db DB [--county CODE] [--data-year YEAR] [--dry-run]``: import county export files.

Prints, per file: what it was recognised as (or why it was skipped), the sheet and header row, the rows below the
header (imported / rejected / skipped); the counties; every rejected row (file, sheet, row, column, reason); what a
corrected re-export changed; the row accounting total. Messages name households by 户编号 and members by 人编号,
never by name, ID number or phone. Exit codes: 0 imported (also with some rows rejected, or when every file had
been imported before); 1 a file could not be read at all (nothing written) or nothing could be imported; 2 usage.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from fupin_tui.cli import app
from fupin_tui.cli.common import DbOption, console, err_console, fail, open_engine
from fupin_tui.glossary import HOUSEHOLD_FIELDS, MEMBER_FIELDS
from fupin_tui.importing import ImportFailure, ImportReport, import_files
from fupin_tui.importing.report import ALREADY, DUPLICATE, IMPORTED, NOT_IMPORTED, SKIPPED, ImportChanges
from fupin_tui.models import DatabaseError
from fupin_tui.models.db import db_url, discard_sqlite_file, sqlite_file
from fupin_tui.villages import VILLAGE_TABLES

#: Labels for fields the glossary does not list (columns of the import, not of the screens).
_EXTRA_LABELS = {
    "seq": "序号", "county": "县(市、区、旗)", "township": "乡(镇)", "village": "行政村", "hamlet": "自然村",
    "township_id": "乡(镇)", "village_id": "行政村", "size": "人数", "roster_per_capita_income": "人均纯收入（花名册）",
    "new_rural_coop": "新农合", "pension_insurance": "养老保险", "political_status": "政治面貌",
    "bank_account": "银行账号", "fuel_type": "主要燃料类型", "water_safe": "饮水安全", "water_difficulty": "饮水困难",
    "head_name": "户主姓名", "head_id_number": "户主证件号码",
}
MAX_REJECT_LINES = 200
MAX_CHANGE_LINES = 50


def field_label(name: str | None) -> str:
    """Chinese label of a field identifier (for the header mapping and change lists)."""
    if name is None:
        return ""
    return _EXTRA_LABELS.get(name) or HOUSEHOLD_FIELDS.get(name) or MEMBER_FIELDS.get(name) or name


class _Bar:
    """A rich progress bar on stderr (only when stderr is a terminal)."""

    def __init__(self) -> None:
        self.progress = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
            console=err_console, transient=True,
        )
        self.task = None

    def start(self, label: str, total: int | None) -> None:
        self.progress.start()
        self.task = self.progress.add_task(f"读取 {label}", total=total)

    def advance(self, n: int) -> None:
        if self.task is not None:
            self.progress.advance(self.task, n)

    def finish(self) -> None:
        if self.task is not None:
            self.progress.remove_task(self.task)
            self.task = None
        self.progress.stop()


@app.command(
    "import",
    help=(
        "导入县级导出数据：贫困人口花名册、户收入及生产生活条件表，以及行政村、自然村、贫困县、帮扶项目表和组织部名单"
        "（.xlsx / .xls / .ods / .csv，以及网页或 XML 格式的 .xls）。按列名找表头（标题行在上方也可以），文件顺序不限；"
        "部门名单等其他表格会注明后跳过。"
        "全部文件在一个事务中导入：有文件无法读取时数据库保持原样。同一文件重复导入不会重复添加；"
        "同一县的整改后重新导出会按户编号更新，保留全部核查标记。"
    ),
)
def import_command(
    files: Annotated[list[Path], typer.Argument(help="要导入的文件（可用通配符，如 县/*.xlsx）。", show_default=False)],
    db: DbOption,
    county: Annotated[
        str | None, typer.Option("--county", help="县代码（6位行政区划代码）；默认取户编号的前6位。")
    ] = None,
    data_year: Annotated[
        int | None, typer.Option("--data-year", help="数据年度（花名册标题行中没有“数据年度”时使用），如 2015。")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="只检查不写入：列出识别出的文件、表头对应、行数和拒收行。")
    ] = False,
) -> None:
    """Import county export files into ``--db`` (see the module docstring)."""
    if dry_run and "://" not in db and not Path(db).expanduser().exists():
        engine = None
    else:
        target = sqlite_file(db)
        new_file = target is not None and not dry_run and not target.exists()
        engine = open_engine(db, create=not dry_run)
    bar = _Bar() if err_console.is_terminal else None
    imported = False
    try:
        try:
            # The village, natural-village, county, project and 组织部 tables among the files (fupin_tui/villages)
            # are recognised by the importer itself and written in its one transaction, after the county exports.
            report = import_files(engine, files, county=county, data_year=data_year, dry_run=dry_run, progress=bar,
                                  tables=VILLAGE_TABLES)
        except ImportFailure as exc:
            fail(f"{exc}。数据库未作任何改动。")
        except DatabaseError as exc:
            fail(str(exc))
        print_report(report)
        if report.nothing_imported:
            fail("没有导入任何数据：所给文件中没有可导入的数据行（花名册、户收入表、村级或项目表）。")
        imported = True
    finally:
        if engine is not None and new_file and not imported:
            # this run created the database file and wrote nothing into it: leave no empty database behind
            discard_sqlite_file(db)
    if dry_run:
        console.print("[bold]试运行（--dry-run）：未写入数据库。[/]")
    elif engine is not None:
        console.print(f"数据库：{_db_label(db)}")


def _db_label(db: str) -> str:
    url = db_url(db)
    return url[len("sqlite:///"):] if url.startswith("sqlite:///") else db.split("@")[-1]


def frame_lines(changes: ImportChanges) -> list[str]:
    """What the import did to each active sample's sampling frame (抽样框), in the terms ``fupin sample --verify``
    uses: the frame hash covers the households (户编号), their 乡镇 and 行政村 and the sample's stratification column,
    nothing else; households kept because of marks stay in it."""
    from fupin_tui.sampling import stratum_label

    out = []
    for sf in changes.samples:
        covers = "户编号、乡镇、行政村" + (f"及分层列“{stratum_label(sf.by)}”" if sf.by not in (None, "township",
                                                                                      "village") else "")
        sample = f"县 {sf.county_code} 已抽取的样本（编号 {sf.sample_id}）"
        if sf.changed:
            what = [f"{label} {n} 户" for label, n in (
                ("新增", sf.added), ("删除", sf.removed), ("调整乡镇或行政村", sf.moved),
                (f"“{stratum_label(sf.by)}”取值变化", sf.restratified)) if n]
            out.append(f"抽样框已变化（{'，'.join(what) or '农户顺序变化'}）：{sample}的抽样框指纹已与抽样时不同，"
                       "fupin sample --verify 会列出差异。")
        elif sf.as_drawn:
            kept = (f"；新导出中没有的 {len(changes.flagged)} 户因有核查记录而保留，仍在抽样框中"
                    if changes.flagged else "")
            out.append(f"户数据有变化，但抽样框未变（{covers}都没有变化{kept}）：{sample}的抽样框指纹仍与抽样时一致。")
        else:
            out.append(f"本次导入未改变抽样框；但{sample}的抽样框在此前已与抽样时不同（fupin sample --verify 可查看）。")
    return out


def print_report(report: ImportReport) -> None:
    """Print an :class:`ImportReport` in Chinese (files, counties, rejects, changes, totals)."""
    out = console
    out.soft_wrap = True
    for f in report.files:
        if f.status == ALREADY or f.status == DUPLICATE:
            out.print(f"[dim]跳过[/] {f.name}：{f.message}")
            continue
        if f.status == SKIPPED:
            out.print(f"[yellow]跳过[/] {f.name}：{f.message}")
            continue
        for s in f.sheets:
            if s.kind in NOT_IMPORTED:
                if f.status == IMPORTED and len(f.sheets) > 1:
                    out.print(f"  [dim]{f.name} 工作表「{s.sheet}」：{s.note or '未导入'}[/]")
                continue
            c = s.counts
            skipped = f"跳过 {c.skipped}" + (
                f"（空行 {c.skipped_blank}，合计行 {c.skipped_total}，重复表头 {c.skipped_header}）" if c.skipped else ""
            )
            out.print(
                f"[green]{s.label}[/] {f.name}，工作表「{s.sheet}」，表头在第 {s.header_row} 行："
                f"表头以下 {c.total} 行 = 导入 {c.imported} + 拒收 {c.rejected} + {skipped}"
            )
            if report.dry_run:
                for letter, text, fld in s.mapping:
                    target = f"{fld}（{field_label(fld)}）" if fld else "（未对应字段，保存在 extra 中）"
                    out.print(f"    {letter:>3} {text.replace(chr(10), ' ')} → {target}")
    for w in report.warnings:
        out.print(f"[yellow]注意：[/]{w}")
    if report.tables is not None:
        for line in report.tables.lines():
            out.print(line, markup=False)
    for c in report.counties:
        name = c.name or "（文件中没有县名）"
        out.print(f"县 {c.code} {name}，数据年度 {c.data_year}：本次文件共 {c.households} 户，{c.members} 人")
    if report.rejects:
        out.print(f"[red]拒收行（{len(report.rejects)}）[/]：")
        for r in report.rejects[:MAX_REJECT_LINES]:
            out.print(f"  {r.message()}")
        if len(report.rejects) > MAX_REJECT_LINES:
            out.print(f"  ……另有 {len(report.rejects) - MAX_REJECT_LINES} 行（见数据库 rejected_row 表）")
    ch = report.changes
    if ch is not None and (ch.reexport or ch.households_updated or ch.removed or ch.flagged):
        out.print(
            f"[bold]更新已有数据{'（整改后重新导出）' if ch.reexport else ''}[/]：新增 {ch.households_added} 户，"
            f"有变化 {len(ch.households_updated)} 户，无变化 {ch.households_unchanged} 户，"
            f"删除 {len(ch.removed)} 户，已移除但保留（有核查记录）{len(ch.flagged)} 户；"
            f"成员新增 {ch.members_added}、变化 {ch.members_updated}、删除 {ch.members_removed}"
        )
        for hc in ch.households_updated[:MAX_CHANGE_LINES]:
            parts = []
            if hc.fields:
                parts.append("、".join(field_label(x) for x in hc.fields))
            for no, fields in hc.members_changed.items():
                parts.append(f"成员 {no}：{'、'.join(field_label(x) for x in fields)}")
            if hc.members_added:
                parts.append(f"新增成员 {'、'.join(hc.members_added)}")
            if hc.members_removed:
                parts.append(f"删除成员 {'、'.join(hc.members_removed)}")
            out.print(f"  户 {hc.household_no}：{'；'.join(parts)}")
        if len(ch.households_updated) > MAX_CHANGE_LINES:
            out.print(f"  ……另有 {len(ch.households_updated) - MAX_CHANGE_LINES} 户有变化")
        if ch.removed:
            out.print(f"  删除的户（新导出中没有）：{'、'.join(ch.removed[:MAX_CHANGE_LINES])}")
        if ch.flagged:
            out.print(f"  新导出中没有、因已有核查标记/样本/线索而保留的户：{'、'.join(ch.flagged[:MAX_CHANGE_LINES])}")
        if ch.households_updated or ch.removed or ch.households_added or ch.flagged:
            for line in frame_lines(ch):
                out.print(f"  [yellow]{line}[/]")
    out.print(
        f"合计：表头以下 {report.rows_total} 行 = 导入 {report.rows_imported} + 拒收 {report.rows_rejected}"
        f" + 跳过 {report.rows_skipped}；{report.households} 户，{report.members} 人"
    )
