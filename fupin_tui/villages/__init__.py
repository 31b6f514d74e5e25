"""Villages, natural villages, the county record, assistance projects and the 组织部 list (issue 8).

Headless (no Textual). Public API:

- import: :func:`import_village_tables` (engine, paths) → :class:`VillageImportReport` (one transaction; a file that
  cannot be read raises :class:`~fupin_tui.importing.errors.ImportFailure` and nothing is written);
  :func:`import_with_tables` runs the county-export importer and this one over one list of files (what
  ``fupin import`` needs); :func:`recognise` tells a file's table kind; :class:`VillageImport` the run in steps;
- the 组织部 comparison: :func:`refresh_organization_clues` (in a transaction), :func:`compare_organization`;
- checks: the ``village`` / ``project`` levels and predicates of :mod:`fupin_tui.villages.checks`, rules in
  ``fupin_tui/villages/rulebook.toml`` (merged into the rulebook by :func:`fupin_tui.checks.load_rulebook`);
- read side: :func:`village_context`, :func:`projects_for_household`, :func:`village_view`,
  :func:`village_sheet_rows`, :func:`project_sheet_rows` (alias :func:`project_rows` for the report).

Models: :class:`~fupin_tui.models.Hamlet`, :class:`~fupin_tui.models.CountyIndicator`,
:class:`~fupin_tui.models.Project`, :class:`~fupin_tui.models.ProjectBeneficiary`, :class:`~fupin_tui.models.OrgPerson`
and the village attributes on :class:`~fupin_tui.models.Village`.
"""

from fupin_tui.villages.dispatch import import_with_tables
from fupin_tui.villages.importer import (
    VillageImport,
    VillageImportReport,
    import_village_tables,
    recognise,
    split_beneficiaries,
)
from fupin_tui.villages.kinds import KIND_LABELS, KINDS, classify
from fupin_tui.villages.organization import compare_organization, refresh_organization_clues
from fupin_tui.villages.queries import (
    project_rows,
    project_sheet_rows,
    projects_for_household,
    village_context,
    village_sheet_rows,
    village_view,
)

__all__ = [
    "KINDS", "KIND_LABELS", "VillageImport", "VillageImportReport", "classify", "compare_organization",
    "import_village_tables", "import_with_tables", "project_rows", "project_sheet_rows", "projects_for_household",
    "recognise", "refresh_organization_clues", "split_beneficiaries", "village_context", "village_sheet_rows",
    "village_view",
]
