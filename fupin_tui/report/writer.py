"""Write the rating report workbook (``fupin report``).

:func:`write_report` reads one county (:func:`fupin_tui.report.data.collect`), renders every registered sheet
(:data:`fupin_tui.report.sheets.SHEETS`) with the masking policy, and saves the workbook atomically (a temporary file
in the target directory, then a rename). With ``unmasked=True`` the export is first recorded in the hash-chained
action log (action ``report.unmasked``, who asked, the file name) and committed; only then does the file appear
under its name. Report files are readable by their owner only (0600: even masked, they name households), like the
database. If recording fails, no unmasked file is left behind.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import stat
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from sqlalchemy.engine import Engine

from fupin_tui.audit import append_action
from fupin_tui.models import read_session, resolve_county, session_scope
from fupin_tui.report.blocks import Table, render
from fupin_tui.report.data import ReportData, Unavailable, collect
from fupin_tui.report.masking import Masker
from fupin_tui.report.sheets import SHEETS
from fupin_tui.scoring.rubric import Rubric, RubricError, load_rubric

__all__ = ["ReportError", "ReportResult", "build_workbook", "write_report"]


class ReportError(Exception):
    """A report that cannot be written (no county, bad output path, unmasked without an inspector); Chinese message."""


@dataclass
class ReportResult:
    """What :func:`write_report` wrote: the file, the county, rows per sheet, sections that did not run, timing."""

    path: Path
    county: str
    unmasked: bool
    sheets: dict[str, int] = field(default_factory=dict)
    not_run: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    action_id: int | None = None


def build_workbook(data: ReportData, masker: Masker | None = None) -> tuple[Workbook, dict[str, int]]:
    """Render every registered sheet of ``data`` into a new workbook. Returns (workbook, data rows per sheet)."""
    masker = masker or Masker(unmasked=data.unmasked, keep=data.keep_numbers)
    wb = Workbook()
    wb.remove(wb.active)
    counts: dict[str, int] = {}
    for spec in SHEETS:
        ws = wb.create_sheet(spec.name)
        blocks = spec.build(data)
        render(ws, blocks, masker, ncols=spec.ncols, fixed_widths=spec.fixed_widths, borders=spec.borders)
        counts[spec.name] = sum(len(b.rows) for b in blocks if isinstance(b, Table) and b.main) if any(
            isinstance(b, Table) and b.main for b in blocks) else 0
    wb.active = 0
    props = wb.properties
    props.title = f"{data.county.name or data.county.code} 建档立卡数据质量交叉检查报告"
    props.creator = "fupin-tui"
    props.lastModifiedBy = "fupin-tui"
    props.created = props.modified = data.generated_at.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return wb, counts


def _not_run(data: ReportData) -> dict[str, str]:
    out = {}
    for label, section in (("评分", data.grade), ("自动核查", data.rule_summary),
                           ("自动核查（样本户疑点）", data.findings), ("部门比对", data.clue_summary),
                           ("复核一致性", data.agreement), ("帮扶项目", data.projects)):
        if label == "自动核查（样本户疑点）" and isinstance(data.rule_summary, Unavailable):
            continue  # the same reason, said once
        if isinstance(section, Unavailable):
            out[label] = section.reason
    return out


def write_report(
    engine: Engine,
    out: str | os.PathLike[str],
    *,
    county: str | None = None,
    unmasked: bool = False,
    inspector: str = "",
    rubric: Any = None,
    now: dt.datetime | None = None,
) -> ReportResult:
    """Write the report of ``county`` (or the only county in the database) to ``out`` (.xlsx).

    ``unmasked``: full ID numbers and phones (each ID a text cell); requires ``inspector`` (who asked), recorded in
    the action log as ``report.unmasked`` with the file name as target. ``rubric``: a Rubric or a TOML path for the
    grade (default rubric when None). Raises :class:`ReportError` (Chinese) for a bad path or a missing inspector,
    :class:`~fupin_tui.models.DatabaseError` for a missing county.
    """
    start = time.perf_counter()
    path = Path(out).expanduser()
    if path.suffix.lower() != ".xlsx":
        raise ReportError(f"报告文件名须以 .xlsx 结尾：{path.name}")
    if not path.parent.exists():
        raise ReportError(f"输出目录不存在：{path.parent}")
    if path.is_dir():
        raise ReportError(f"输出路径是一个目录：{path}")
    if unmasked and not inspector.strip():
        raise ReportError("导出未脱敏报告须注明导出人（--inspector 姓名），以便记入操作日志")
    if rubric is not None and not isinstance(rubric, Rubric):
        try:
            rubric = load_rubric(Path(rubric))
        except RubricError as exc:
            raise ReportError(str(exc)) from None

    with read_session(engine) as session:  # one snapshot, no write lock: inspectors keep saving meanwhile
        c = resolve_county(session, county)
        data = collect(session, c.code, rubric=rubric, requested_by=inspector.strip(), unmasked=unmasked, now=now)
        session.expunge_all()
    wb, counts = build_workbook(data)

    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".xlsx.tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    result = ReportResult(path=path, county=data.county.code, unmasked=unmasked, sheets=counts,
                          not_run=_not_run(data))
    try:
        os.chmod(tmp, stat.S_IRUSR | stat.S_IWUSR)  # names are personal data too: owner-only, like the database
        wb.save(tmp)
        if unmasked:
            with session_scope(engine) as session:
                row = append_action(
                    session, inspector=inspector.strip(), action="report.unmasked", target=path.name,
                    new={"county": data.county.code, "file": path.name, "sheets": list(counts)},
                    note="导出未脱敏报告（含完整证件号码与联系电话）",
                )
                result.action_id = row.id
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    result.seconds = time.perf_counter() - start
    return result

