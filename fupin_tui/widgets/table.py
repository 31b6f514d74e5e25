"""The ONE DataTable subclass used everywhere (members, the sample list, the overview's summaries, the village view).

It only ever holds a household's members or one page of rows (``../shared/STYLE.md``: a DataTable of 10k rows takes
seconds to become ready), so :meth:`FupinTable.show` replaces all rows in one go.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.widgets import DataTable


def fit_widths(natural: Sequence[int], available: int, flex: int, optional: Sequence[int] = (), *,
               padding: int = 1, min_flex: int = 10) -> tuple[list[int], list[int]]:
    """Column widths (cells) that fit ``available`` cells: every column keeps its ``natural`` width (its widest
    cell, header included) except column ``flex``, which gets what is left (at most its natural width, at least
    ``min_flex`` or its natural width when smaller); the ``optional`` columns are left out, last first, while the flex
    column would get less than ``min_flex``. ``padding``: cells on each side of every column. Returns (the indices of
    the columns kept, their widths)."""
    kept = list(range(len(natural)))
    drop = list(optional)
    while True:
        others = sum(natural[i] + 2 * padding for i in kept if i != flex) + 2 * padding
        room = available - others
        if room >= min(min_flex, natural[flex]) or not drop:
            break
        kept.remove(drop.pop())
    widths = [natural[i] if i != flex else max(min(natural[i], room), min(min_flex, natural[i])) for i in kept]
    return kept, widths


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
        self._fitted: tuple | None = None
        self._fitted_width = -1

    def show_fitted(self, columns: Sequence[tuple[str, str]], rows: Iterable[Sequence[str]], *, flex: int = 0,
                    optional: Sequence[int] = (), min_flex: int = 10) -> None:
        """Replace every row, with the columns sized to the table's width so that it never scrolls sideways (a
        header cut at the right edge, or a wide Han character straddling it, would no longer line up with its
        column). ``columns``: (label, justify) pairs, justify ``"left"`` or ``"right"`` (numbers); widths are
        measured in terminal cells (a Han character takes two). Column ``flex`` (e.g. a rule's title) takes the
        width left over and its cells are cut with "…"; the ``optional`` columns are left out (last first) when
        the flex column would get fewer than ``min_flex`` cells. Fitted again when the table's width changes."""
        self._fitted = (tuple(columns), [tuple(r) for r in rows], flex, tuple(optional), min_flex)
        self._fitted_width = self.size.width
        self._render_fitted()

    def _render_fitted(self) -> None:
        assert self._fitted is not None
        columns, rows, flex, optional, min_flex = self._fitted
        natural = [max([cell_len(label), *(cell_len(str(r[i])) for r in rows)]) for i, (label, _) in enumerate(columns)]
        # the vertical scroll bar's width is always kept free: its coming and going must not refit the columns
        available = self.size.width - self.styles.scrollbar_size_vertical if self.size.width else 10_000
        kept, widths = fit_widths(natural, available, flex, optional, padding=self.cell_padding, min_flex=min_flex)
        self.clear(columns=True)
        self._columns = ()
        for i, width in zip(kept, widths):
            label, justify = columns[i]
            self.add_column(Text(label, justify=justify), width=width)  # type: ignore[arg-type]
        for row in rows:
            cells = []
            for i, width in zip(kept, widths):
                text = Text(str(row[i]), justify=columns[i][1], no_wrap=True)
                if text.cell_len > width:
                    text.truncate(width, overflow="ellipsis")
                cells.append(text)
            self.add_row(*cells)

    def on_resize(self, event: events.Resize) -> None:
        if self._fitted is not None and event.size.width != self._fitted_width:
            self._fitted_width = event.size.width
            self.call_later(self._render_fitted)  # not inside the resize: the new rows need a layout of their own

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
