"""The sample list: 乡镇, 行政村, 户编号, 户主, 人数, 贫困户属性, 脱贫属性, review status, one page at a time
(never the whole sample, let alone the county, in one DataTable); filter by status; Enter opens a household.

Back-check mode (``app.backcheck``): the same screen lists the households assigned to the second inspector, with
THEIR results (复核结论, number of categories found) — the review service gives it nothing of the first review."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from fupin_tui.glossary import ReviewStatus
from fupin_tui.widgets.fmt import number, status_text
from fupin_tui.widgets.table import FupinTable

PAGE_SIZE = 100
FILTERS: tuple[str | None, ...] = (None, ReviewStatus.PENDING.value, ReviewStatus.ISSUES.value, ReviewStatus.CLEAN.value)
COLUMNS = ("序号", "户编号", "户主", "核查状态", "标记", "乡镇", "行政村", "人数", "贫困户属性", "脱贫属性")
BACKCHECK_COLUMNS = ("序号", "户编号", "户主", "复核结论", "类别", *COLUMNS[5:])


class SampleListScreen(Screen):
    """The frozen sample in review order, a page of :data:`PAGE_SIZE` rows at a time."""

    BINDINGS = [
        Binding("enter", "open", "打开", key_display="Enter", show=False),
        Binding("f4", "cycle_filter", "筛选", key_display="F4"),
        Binding("f", "cycle_filter", "筛选", show=False),
        Binding("f5", "page(-1)", "上页", key_display="F5"),
        Binding("left_square_bracket", "page(-1)", "上页", show=False),
        Binding("f6", "page(1)", "下页", key_display="F6"),
        Binding("right_square_bracket", "page(1)", "下页", show=False),
        Binding("ctrl+r", "reload", "刷新", key_display="^R", show=False),
        Binding("f8", "app.grade", "评分", key_display="F8"),
        Binding("f9", "app.overview", "总览", key_display="F9"),
        Binding("escape", "app.back", "返回", key_display="Esc"),
        Binding("f1", "app.help", "帮助", key_display="F1"),
        Binding("question_mark", "app.help", "帮助", show=False),
    ]

    def __init__(self, status: str | None = None) -> None:
        super().__init__()
        self.filter_status = status
        self.page_offset = 0
        self.filter_total = 0

    def compose(self) -> ComposeResult:
        yield Header(icon="≡")
        yield Static("", id="sl-filter")
        yield FupinTable(BACKCHECK_COLUMNS if getattr(self.app, "backcheck", False) else COLUMNS, id="sl-table")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.reload()
        self.query_one("#sl-table").focus()

    def on_screen_resume(self) -> None:
        self.reload(keep_cursor=True)

    def after_change(self, _household_no: str | None = None) -> None:
        """Called by the app after an undo/redo."""
        self.reload(keep_cursor=True)

    def reload(self, keep_cursor: bool = False) -> None:
        """Load the current page under the current filter."""
        table = self.query_one("#sl-table", FupinTable)
        row = table.cursor_row if keep_cursor else 0
        page = self.app.reviewer.page(self.filter_status, self.page_offset, PAGE_SIZE)
        self.filter_total = page.total
        if self.page_offset and self.page_offset >= page.total:
            self.page_offset = max(0, (page.total - 1) // PAGE_SIZE * PAGE_SIZE)
            page = self.app.reviewer.page(self.filter_status, self.page_offset, PAGE_SIZE)
        table.show(
            [(str(r.order), r.household_no, r.head_name, status_text(r.status), str(r.marks) if r.marks else "",
              r.township, r.village, number(r.size), r.household_type, r.poverty_status) for r in page.rows],
            keys=[r.household_no for r in page.rows])
        if table.row_count:
            table.move_cursor(row=min(row, table.row_count - 1))
        text = Text("复核名单  筛选：" if getattr(self.app, "backcheck", False) else "筛选：", style="dim")
        total_all = sum(page.counts.values())
        for f in FILTERS:
            label = f or "全部"
            count = total_all if f is None else page.counts.get(f, 0)
            style = "bold reverse" if f == self.filter_status else "dim"
            text.append(f" {label} {count} ", style=style)
            text.append(" ")
        if not total_all and getattr(self.app, "backcheck", False):
            from fupin_tui.app import no_backcheck_message

            text = Text(no_backcheck_message(self.app.reviewer.inspector), style="yellow")
        elif not total_all:
            text = Text("尚未抽样：请先运行 fupin sample", style="yellow")
        elif page.total:
            text.append(f"  第 {self.page_offset + 1}–{self.page_offset + len(page.rows)} 行 / 共 {page.total} 行", style="dim")
        self.query_one("#sl-filter", Static).update(text)

    def action_reload(self) -> None:
        """Reload the page (statuses set by others sharing the database)."""
        self.reload(keep_cursor=True)

    def action_cycle_filter(self) -> None:
        """全部 → 未核查 → 有问题 → 核查无误 → 全部."""
        self.filter_status = FILTERS[(FILTERS.index(self.filter_status) + 1) % len(FILTERS)]
        self.page_offset = 0
        self.reload()

    def action_page(self, step: int) -> None:
        """Previous / next page of :data:`PAGE_SIZE` rows."""
        new = self.page_offset + step * PAGE_SIZE
        if new < 0 or new >= max(self.filter_total, 1):
            self.app.bell()
            return
        self.page_offset = new
        self.reload()

    def action_open(self) -> None:
        """Open the household under the cursor."""
        key = self.query_one("#sl-table", FupinTable).current_key
        if key:
            self.app.open_household(key)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value:
            self.app.open_household(event.row_key.value)
