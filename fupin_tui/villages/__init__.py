"""Villages, natural villages, the county record, assistance projects and the 组织部 list (issue 8).

Headless (no Textual). Public API:

- import: :data:`VILLAGE_TABLES`, the extra table kinds of the county-export importer
  (``import_files(..., tables=VILLAGE_TABLES)``: recognised by its file-kind detection, every file read once, ONE
  transaction; a file that cannot be read raises :class:`~fupin_tui.importing.errors.ImportFailure` and nothing is
  written); :func:`import_with_tables` (what ``fupin import`` runs) → ``(ImportReport, VillageImportReport)``;
  :func:`import_village_tables` → :class:`VillageImportReport`; :func:`recognise` tells a file's table kind;
- the 组织部 comparison: :func:`refresh_organization_clues` (in a transaction), :func:`compare_organization`;
- checks: the ``village`` / ``project`` levels and predicates of :mod:`fupin_tui.villages.checks`, rules in
  ``fupin_tui/villages/rulebook.toml`` (merged into the rulebook by :func:`fupin_tui.checks.load_rulebook`);
- read side: :func:`village_context`, :func:`projects_for_household`, :func:`village_view`,
  :func:`village_sheet_rows`, :func:`project_sheet_rows` (alias :func:`project_rows` for the report).

Models: :class:`~fupin_tui.models.Hamlet`, :class:`~fupin_tui.models.CountyIndicator`,
:class:`~fupin_tui.models.Project`, :class:`~fupin_tui.models.ProjectBeneficiary`, :class:`~fupin_tui.models.OrgPerson`
and the village attributes on :class:`~fupin_tui.models.Village`.
"""

from fupin_tui.villages.importer import (
    VILLAGE_TABLES,
    VillageImport,
    VillageImportReport,
    import_village_tables,
    import_with_tables,
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
    "KINDS", "KIND_LABELS", "VILLAGE_TABLES", "VillageImport", "VillageImportReport", "classify", "compare_organization",
    "import_village_tables", "import_with_tables", "project_rows", "project_sheet_rows", "projects_for_household",
    "recognise", "refresh_organization_clues", "split_beneficiaries", "village_context", "village_sheet_rows",
    "village_view",
]
