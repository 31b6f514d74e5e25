"""Helpers for the issue-8 tests (tests/test_villages*.py): a generated county imported into a file database, row
counts, and small hand-made tables (written as .xlsx by the demo writer, or as CSV)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import func, select

from fupin_tui.demo import generate_county
from fupin_tui.demo.tables import write_xlsx
from fupin_tui.importing import import_files
from fupin_tui.models import (
    Clue,
    CountyIndicator,
    Finding,
    Hamlet,
    ImportFile,
    OrgPerson,
    Project,
    ProjectBeneficiary,
    RejectedRow,
    Township,
    Village,
    get_engine,
)
from fupin_tui.villages import import_village_tables

ISSUE8_TABLES = (Village, Township, Hamlet, CountyIndicator, Project, ProjectBeneficiary, OrgPerson, ImportFile,
                 RejectedRow, Clue, Finding)


def demo(tmp_path: Path, households: int = 60, seed: int = 1, problems: bool = True, tables: bool = True):
    """Generate a county in ``tmp_path/demo``, import its roster and income table, then (``tables``) its issue-8
    tables. Returns ``(engine, county, village_report or None)``."""
    county = generate_county(tmp_path / "demo", households=households, seed=seed, problems=problems)
    engine = get_engine(tmp_path / "v.db")
    import_files(engine, [county.roster, county.income])
    report = import_village_tables(engine, county.files) if tables else None
    return engine, county, report


def counts(engine) -> dict[str, int]:  # noqa: ANN001
    """Rows per table of the tables issue 8 writes (to prove a failed import wrote nothing)."""
    out = {}
    with engine.connect() as conn:
        for model in ISSUE8_TABLES:
            out[model.__tablename__] = conn.execute(select(func.count()).select_from(model.__table__)).scalar()
    return out


def xlsx(path: Path, rows: Sequence[Sequence[object]], sheet: str = "Sheet1") -> Path:
    """Write ``rows`` as a one-sheet .xlsx (strings as text cells, numbers as numbers, None empty)."""
    write_xlsx(path, sheet, rows, width=max(len(r) for r in rows))
    return path
