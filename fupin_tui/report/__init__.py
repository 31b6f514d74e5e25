"""The rating report (评比报告): an openpyxl workbook of one county's inspection, masked by default.

Headless (no Textual). Layout: :mod:`.data` collects rows from the models and the other modules, :mod:`.sheets`
holds the registry of sheet writers (one small function per sheet), :mod:`.blocks` renders their blocks with
:mod:`.style`, :mod:`.masking` applies :mod:`fupin_tui.idnumber`'s masks, :mod:`.writer` saves the file and records
an unmasked export in the action log.

Sheets: 汇总, 问题明细, 乡镇分布, 抽样清单, 自动核查, 部门比对, 拒收行, 操作日志, 复核一致性, 村级信息, 帮扶项目.
"""

from fupin_tui.report.blocks import Chart, Column, KeyValues, Note, Section, Table, Title
from fupin_tui.report.data import ReportData, Unavailable, collect
from fupin_tui.report.masking import Masker
from fupin_tui.report.sheets import SHEETS, SheetSpec, register_sheet
from fupin_tui.report.writer import ReportError, ReportResult, build_workbook, write_report

__all__ = [
    "SHEETS", "Chart", "Column", "KeyValues", "Masker", "Note", "ReportData", "ReportError", "ReportResult", "Section",
    "SheetSpec", "Table", "Title", "Unavailable", "build_workbook", "collect", "register_sheet", "write_report",
]
