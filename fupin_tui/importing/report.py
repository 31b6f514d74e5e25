"""What an import run did: per file and sheet results, rejects, totals, changes of a corrected re-export (整改).

Plain dataclasses (no database, no UI), filled by :mod:`fupin_tui.importing.pipeline` and printed by ``fupin import``.
Nothing here holds names, ID numbers or phone numbers: households and members are named by 户编号 / 人编号 only.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from fupin_tui.glossary import IMPORT_KINDS
from fupin_tui.importing.errors import Reject
from fupin_tui.importing.mapping import SheetCounts

#: Sheet kinds (an extra table kind of :mod:`fupin_tui.importing.extra` is any other string).
ROSTER, INCOME, OTHER, EMPTY = "roster", "income", "other", "empty"
KIND_LABELS = {ROSTER: IMPORT_KINDS[ROSTER], INCOME: IMPORT_KINDS[INCOME], OTHER: "非县级导出表", EMPTY: "空工作表"}
#: Kinds of sheets that are not imported.
NOT_IMPORTED = frozenset({OTHER, EMPTY})

#: File statuses.
IMPORTED, ALREADY, SKIPPED, DUPLICATE = "imported", "already", "skipped", "duplicate"


@dataclass
class SheetResult:
    """One sheet: its kind, header row (1-based, 0 when none), header mapping ``[(letter, header text, field)]``,
    row counts, the ImportFile id once stored, and a Chinese note (why a sheet was not imported). ``label``: the
    kind's Chinese name. ``warnings``: Chinese lines about the sheet (key columns stored as Excel numbers, no data
    rows), also on the report's ``warnings`` and stored in ``ImportFile.details["warnings"]``."""

    sheet: str
    kind: str
    label: str = ""
    header_row: int = 0
    mapping: list[tuple[str, str, str | None]] = field(default_factory=list)
    counts: SheetCounts = field(default_factory=SheetCounts)
    import_file_id: int | None = None
    county_code: str | None = None
    note: str = ""
    title: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass
class FileResult:
    """One input file: status (imported / already / skipped / duplicate), format, encoding, sha256, sheets, and a
    Chinese message for skipped files."""

    name: str
    path: str
    status: str
    format: str = ""
    encoding: str | None = None
    sha256: str = ""
    sheets: list[SheetResult] = field(default_factory=list)
    message: str = ""

    @property
    def kinds(self) -> set[str]:
        """Kinds of the sheets imported from this file."""
        return {s.kind for s in self.sheets if s.kind not in NOT_IMPORTED}


@dataclass
class HouseholdChange:
    """What a corrected re-export changed in one household: household fields, and members added / removed /
    changed (人编号 → fields). Field names are English identifiers (labels in :mod:`fupin_tui.glossary`)."""

    household_no: str
    fields: list[str] = field(default_factory=list)
    members_added: list[str] = field(default_factory=list)
    members_removed: list[str] = field(default_factory=list)
    members_changed: dict[str, list[str]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.fields or self.members_added or self.members_removed or self.members_changed)


@dataclass(frozen=True)
class SampleFrameChange:
    """What an import did to the sampling frame (抽样框, :mod:`fupin_tui.sampling.frame`) of a county's active
    sample: the frame hash covers the household set (户编号), each household's 乡镇 and 行政村 and the value of the
    sample's stratification column ``by``, nothing else. ``changed``: this import changed it; ``as_drawn``: after
    the import it still equals the hash stored when the sample was drawn (what ``fupin sample --verify`` checks);
    ``added``/``removed``: households that entered / left the frame, ``moved``: another 乡镇 or 行政村,
    ``restratified``: another value of ``by`` (counts of this import)."""

    county_code: str
    sample_id: int
    by: str | None
    changed: bool
    as_drawn: bool
    added: int = 0
    removed: int = 0
    moved: int = 0
    restratified: int = 0


@dataclass
class ImportChanges:
    """Changes to households already in the database (a corrected re-export, 整改, or an income table that fills
    households imported earlier).

    ``removed``: households of the county missing from the new roster, deleted (nothing referred to them);
    ``flagged``: missing households kept because marks, sample items or clues refer to them
    (``household.extra["removed"]`` is set on them; they stay in the household table, so in the sampling frame).
    ``samples``: the active samples of the run's counties and whether this import changed their frame.
    """

    households_added: int = 0
    households_updated: list[HouseholdChange] = field(default_factory=list)
    households_unchanged: int = 0
    removed: list[str] = field(default_factory=list)
    flagged: list[str] = field(default_factory=list)
    members_added: int = 0
    members_updated: int = 0
    members_removed: int = 0
    reexport: bool = False
    samples: list[SampleFrameChange] = field(default_factory=list)

    def summary(self) -> dict[str, int]:
        """Counts as a dict (stored on ImportFile.details)."""
        return {
            "households_added": self.households_added, "households_updated": len(self.households_updated),
            "households_unchanged": self.households_unchanged, "households_removed": len(self.removed),
            "households_flagged": len(self.flagged), "members_added": self.members_added,
            "members_updated": self.members_updated, "members_removed": self.members_removed,
        }


@dataclass
class CountySummary:
    """A county touched by the run: code, name, data year, households and members in this run's files."""

    code: str
    name: str
    data_year: int | None
    households: int
    members: int


class RowTotals:
    """Row accounting over the imported sheets a report lists (:meth:`_sheets`): rows below the header, imported,
    rejected and skipped (``rows_total`` = the three others)."""

    def _sheets(self) -> Iterator[SheetResult]:
        raise NotImplementedError

    @property
    def rows_total(self) -> int:
        return sum(s.counts.total for s in self._sheets())

    @property
    def rows_imported(self) -> int:
        return sum(s.counts.imported for s in self._sheets())

    @property
    def rows_rejected(self) -> int:
        return sum(s.counts.rejected for s in self._sheets())

    @property
    def rows_skipped(self) -> int:
        return sum(s.counts.skipped for s in self._sheets())


@dataclass
class ImportReport(RowTotals):
    """Result of :func:`fupin_tui.importing.import_files`.

    ``rows_total`` = ``rows_imported`` + ``rows_rejected`` + ``rows_skipped`` over every imported sheet (rows below the
    header), extra table kinds included. ``households``/``members``: how many the run's files hold (not only new
    ones). ``dry_run``: nothing was written. ``warnings``: Chinese lines to show. ``tables``: the report of the extra
    table kinds' run (:mod:`fupin_tui.importing.extra`; e.g. a
    :class:`~fupin_tui.villages.importer.VillageImportReport`), None without ``tables=``.
    """

    files: list[FileResult] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    changes: ImportChanges | None = None
    counties: list[CountySummary] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    dry_run: bool = False
    households: int = 0
    members: int = 0
    tables: Any = None

    def _sheets(self) -> Iterator[SheetResult]:
        for f in self.files:
            if f.status == IMPORTED:
                for s in f.sheets:
                    if s.kind not in NOT_IMPORTED:
                        yield s

    @property
    def imported_files(self) -> list[FileResult]:
        return [f for f in self.files if f.status == IMPORTED]

    @property
    def nothing_imported(self) -> bool:
        """True when no row of any file was imported and no file had been imported before (exit non-zero)."""
        if any(f.status == ALREADY for f in self.files) and not self.imported_files:
            return False
        return self.rows_imported == 0
