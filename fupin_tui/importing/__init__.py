"""The importer: county export files (贫困人口花名册, 户收入及生产生活条件) → the inspection database.

Public API:

- :func:`import_files` (``fupin import``): any number of files, one transaction, an :class:`ImportReport`;
  raises :class:`ImportFailure` for a file that cannot be read at all (the database is then unchanged).
  ``tables=`` an :class:`ExtraKinds` adds table kinds written in the same transaction (``fupin import`` passes
  :data:`fupin_tui.villages.VILLAGE_TABLES`).
- :func:`open_workbook` (readers for .xlsx/.xls/.ods via python-calamine, CSV UTF-8/GBK, HTML and SpreadsheetML
  "xls"), :func:`read_table`, :func:`find_header`, :func:`iter_rows` (generic header location by a synonym lookup
  and mapped rows with their row numbers: for village/project tables and department lists).

See ``docs/importing.md`` for the rules (placement, conflicts, rejects, re-exports).
"""

from fupin_tui.importing.errors import ImportFailure, Reject
from fupin_tui.importing.extra import ExtraKinds, ExtraRun
from fupin_tui.importing.pipeline import Progress, import_files
from fupin_tui.importing.readers import SheetData, Workbook, open_workbook
from fupin_tui.importing.report import (
    CountySummary,
    FileResult,
    HouseholdChange,
    ImportChanges,
    ImportReport,
    SheetResult,
)
from fupin_tui.importing.tables import (
    BLANK,
    DATA,
    HEADER,
    TOTAL,
    HeaderMatch,
    Table,
    TableRow,
    find_header,
    iter_rows,
    read_table,
    title_county_name,
    title_data_year,
)

__all__ = [
    "BLANK", "DATA", "HEADER", "TOTAL", "CountySummary", "ExtraKinds", "ExtraRun", "FileResult", "HeaderMatch",
    "HouseholdChange",
    "ImportChanges", "ImportFailure", "ImportReport", "Progress", "Reject", "SheetData", "SheetResult", "Table",
    "TableRow", "Workbook", "find_header", "import_files", "iter_rows", "open_workbook", "read_table",
    "title_county_name", "title_data_year",
]
