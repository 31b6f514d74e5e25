"""The ONE DataTable subclass used everywhere (members, the sample list, the overview's summaries, the village view).

It only ever holds a household's members or one page of rows (``../shared/STYLE.md``: a DataTable of 10k rows takes
seconds to become ready), so :meth:`FupinTable.show` replaces all rows in one go.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rich.text import Text
from textual.widgets import DataTable


class FupinTable(DataTable):
    """A row-cursor DataTable with zebra stripes; :meth:`show` sets columns (once) and replaces the rows."""

    DEFAULT_CSS = """
    FupinTable {
        height: auto;
        max-height: 20;
    }
    """

    def __init__(self, columns: Sequence[str] = (), *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes, cursor_type="row", zebra_stripes=True)
        self._columns = tuple(columns)
        if self._columns:
            self.add_columns(*self._columns)

    def show(self, rows: Iterable[Sequence[str | Text]], keys: Iterable[str] | None = None,
             columns: Sequence[str] | None = None) -> None:
        """Replace every row (``keys``: one row key each, e.g. 户编号); ``columns`` redefines the columns."""
        if columns is not None and tuple(columns) != self._columns:
            self.clear(columns=True)
            self._columns = tuple(columns)
            self.add_columns(*self._columns)
        else:
            self.clear()
        key_list = list(keys) if keys is not None else None
        for i, row in enumerate(rows):
            self.add_row(*row, key=key_list[i] if key_list is not None else None)

    @property
    def current_key(self) -> str | None:
        """The row key under the cursor (e.g. a 户编号), or None when the table is empty."""
        if not self.row_count:
            return None
        try:
            key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key
        except Exception:  # noqa: BLE001 - cursor outside the rows
            return None
        return key.value
