"""The importer's hook for table kinds beyond the county exports (village, project, 组织部 … tables of issue 8).

:func:`fupin_tui.importing.import_files` takes ``tables=`` an :class:`ExtraKinds`: its ``classify`` is asked about
every sheet that is neither a roster nor an income table (the importer's own file-kind detection, so each file is
opened and read ONCE), its run parses the rows of the sheets it recognises while the file is read (in the reader
process too: a run is pickled with the file's outcome), and writes them inside the importer's ONE transaction, after
the roster and income table (so the tables see the villages and households of the same run). A file that cannot be
read, or a table that cannot be placed, rolls the whole run back. The sheets are :class:`SheetResult` rows of the
:class:`~fupin_tui.importing.ImportReport` like the roster's, so the printed row accounting covers every file.

:mod:`fupin_tui.villages` provides one (:data:`fupin_tui.villages.VILLAGE_TABLES`); ``fupin import`` passes it.

Why a run object rather than a ``{kind: (lookup, writer)}`` table: the issue-8 kinds are told apart by scoring several
lookups against each other (:func:`fupin_tui.villages.kinds.classify`), and their writer keeps state across sheets
(villages created by the village table are found by the natural-village table; the county is resolved over the
whole run), so the hook is "classify a sheet" + "a run that parses sheets and writes them all".
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy.engine import Connection

from fupin_tui.importing.errors import Reject
from fupin_tui.importing.readers import SheetData
from fupin_tui.importing.report import FileResult, SheetResult
from fupin_tui.importing.tables import HeaderMatch


class ExtraRun(Protocol):
    """The parsed sheets of the extra kinds of one run (or of one file, in the reader process). Must pickle."""

    def add_sheet(self, file: FileResult, sheet: SheetResult, data: SheetData, match: HeaderMatch,
                  rows: Iterator[list]) -> None:
        """Parse one recognised sheet: ``rows`` from spreadsheet row 1 (header included); fills ``sheet.counts``
        (every row below the header imported, rejected or skipped)."""

    def merge(self, other: ExtraRun) -> None:
        """Take over the sheets another run (one file's, from the reader process) parsed, in file order."""

    def add_file(self, file: FileResult) -> None:
        """A file of these kinds, in run order: imported now, or skipped (already imported, duplicate in the run)."""

    def write(self, conn: Connection, counties: Sequence[str]) -> None:
        """Place and write every parsed sheet inside ``conn``'s transaction (``counties``: the county codes of the
        run's rosters / income tables). Raises :class:`~fupin_tui.importing.errors.ImportFailure` when a sheet cannot
        be placed; the importer's transaction is then rolled back. May update ``sheet.counts`` (rows rejected when
        placed)."""

    @property
    def rejects(self) -> list[Reject]:
        """Rows rejected so far (parse and placement)."""

    def finish(self, dry_run: bool) -> Any:
        """The run's own report (kept on ``ImportReport.tables``), once everything is done."""


@dataclass(frozen=True)
class ExtraKinds:
    """A set of extra table kinds: ``labels`` kind → Chinese name (also ``ImportFile.kind``); ``classify(head, merged,
    first_col)`` → ``(kind, HeaderMatch)`` or ``(None, None)`` for a sheet's first rows; ``new_run(county)`` an empty
    :class:`ExtraRun` (``county``: ``--county`` or None). Module-level callables only (it is sent to the reader
    process)."""

    labels: Mapping[str, str]
    classify: Callable[[Sequence[Sequence[Any]], Any, int], tuple[str | None, HeaderMatch | None]]
    new_run: Callable[[str | None], ExtraRun]
