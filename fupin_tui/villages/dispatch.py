"""One import over a folder's files: county exports to :func:`fupin_tui.importing.import_files`, the issue-8 tables
(village, natural-village, county, project, beneficiary, 组织部) to :mod:`fupin_tui.villages.importer`.

Order of work, so that a file that cannot be read leaves the database unchanged and no big export is read twice:

1. every file up to :data:`PRE_READ_MAX_BYTES` is opened and, when one of its sheets is an issue-8 table, parsed at
   once (a damaged file raises :class:`~fupin_tui.importing.errors.ImportFailure` before anything is written);
2. the other files go to :func:`~fupin_tui.importing.import_files` (its own reading, its ONE transaction); a bigger
   file it skips as "not a county export" is then opened here and taken when it is an issue-8 table;
3. the issue-8 tables are placed (counties resolved — the roster's counties of this run count) and written in ONE
   transaction; villages then match the roster's villages just imported.

Step 3 runs after step 2 has committed: a database error in step 3, or a county that cannot be resolved for a table
bigger than :data:`PRE_READ_MAX_BYTES`, leaves the county exports imported; re-running the same command then imports
the remaining tables (files already imported are skipped).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from fupin_tui.importing.readers import open_workbook
from fupin_tui.villages.importer import VillageImport, VillageImportReport, apply_run, known_hashes

#: Files up to this size are opened before the county exports are imported, to recognise issue-8 tables (small
#: tables: a county's village or project table is well below it; a roster of 5,000 households is about 1 MB).
PRE_READ_MAX_BYTES = 2_000_000
_SKIPPED = "skipped"


def import_with_tables(
    engine: Engine | None,
    paths: Iterable[str | Path],
    *,
    county: str | None = None,
    data_year: int | None = None,
    dry_run: bool = False,
    progress: Any = None,
) -> tuple[Any, VillageImportReport]:
    """Import ``paths`` (any order, any mix): returns ``(ImportReport or None, VillageImportReport)``.

    The :class:`~fupin_tui.importing.ImportReport` is None when every file was an issue-8 table; files taken as issue-8
    tables are not listed in it. ``engine`` may be None only with ``dry_run`` (the tables are then parsed but not
    placed). Raises :class:`~fupin_tui.importing.errors.ImportFailure` as :func:`~fupin_tui.importing.import_files`
    does.
    """
    from fupin_tui.importing import import_files

    run = VillageImport(county=county)
    known: dict[str, str] = {}
    if engine is not None:
        with engine.connect() as conn:
            known = known_hashes(conn)
    rest: list[Path] = []
    for p in dict.fromkeys(Path(x) for x in paths):
        if _small(p):
            wb = open_workbook(p)
            if run.take(wb, p, known_sha=known):
                continue
        rest.append(p)
    report = None
    if rest:
        report = import_files(engine, rest, county=county, data_year=data_year, dry_run=dry_run, progress=progress)
        taken = set()
        for f in report.files:
            p = Path(f.path) if f.path else None
            if f.status == _SKIPPED and p is not None and p.is_file() and not _small(p):
                if run.take(open_workbook(p), p, known_sha=known):
                    taken.add(f.path)
        if taken:
            report.files = [f for f in report.files if f.path not in taken]
    if engine is None:
        run.report.dry_run = True
        run.report.rejects = [r for sh in run.sheets for r in sh.rejects]
        return report, run.report
    counties = [c.code for c in report.counties] if report is not None else []
    apply_run(engine, run, dry_run=dry_run, run_counties=counties)
    return report, run.report


def _small(path: Path) -> bool:
    try:
        return path.is_file() and path.stat().st_size <= PRE_READ_MAX_BYTES
    except OSError:
        return True  # open_workbook names the problem
