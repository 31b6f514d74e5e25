"""The village view: the village record, its natural villages (自然村), its assistance projects and its sampled
households (Enter opens one). Village tables come with the villages issue; until then the view says 无村级数据."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from fupin_tui.review import VillageDetail
from fupin_tui.widgets.fmt import number, status_text
from fupin_tui.widgets.table import FupinTable

_YN = {True: "是", False: "否", None: "—"}


def _records(rows: list[dict], empty: str) -> Table | Text:
    if not rows:
        return Text(empty, style="dim")
    cols = list(rows[0])
    t = Table(expand=False, show_edge=False)
    for c in cols:
        t.add_column(str(c))
    for r in rows[:50]:
        t.add_row(*[_YN[v] if isinstance(v, bool) or v is None else str(v) for v in (r.get(c) for c in cols)])
    return t


class VillageScreen(Screen):
    """Village context of one household's administrative village."""

    BINDINGS = [
        Binding("escape", "app.back", "返回", key_display="Esc"),
        Binding("f1", "app.help", "帮助", key_display="F1"),
        Binding("question_mark", "app.help", "帮助", show=False),
    ]

    def __init__(self, household_no: str) -> None:
        super().__init__()
        self.household_no = household_no

    def compose(self) -> ComposeResult:
        yield Header(icon="≡")
        with VerticalScroll(id="vl-body"):
            yield Static("", id="vl-record", classes="panel")
            yield Static("", id="vl-hamlets", classes="panel")
            yield Static("", id="vl-projects", classes="panel")
            yield Static("", id="vl-sampled-title", classes="section-title")
            status = () if getattr(self.app, "backcheck", False) else ("核查状态",)  # back-check: no first-review statuses
            yield FupinTable(("序号", "户编号", "户主", "人数", "贫困户属性", "脱贫属性", *status), id="vl-sampled")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.show(self.app.reviewer.village(self.household_no))

    def show(self, d: VillageDetail) -> None:
        """Render the village."""
        record = self.query_one("#vl-record", Static)
        if d.village is None:
            record.update(Text(f"户 {self.household_no}：无村级数据", style="yellow"))
            self.query_one("#vl-sampled-title", Static).update("")
            self.query_one("#vl-sampled").display = False
            return
        v = d.village
        t = Table.grid(padding=(0, 2))
        t.add_column(style="dim")
        t.add_column()
        t.add_column(style="dim")
        t.add_column()
        t.add_row("行政村", f"{d.township} {v.name}", "行政区划代码", v.code or "—")
        t.add_row("贫困村", _YN[v.is_poor_village], "摘帽", f"{_YN[v.delisted]}{f'（{v.delisted_year}）' if v.delisted_year else ''}")
        t.add_row("总户数", number(v.total_households), "总人口", number(v.total_population))
        t.add_row("贫困户数", number(v.poor_households), "贫困人口", number(v.poor_population))
        t.add_row("党员数", number(v.party_members), "大学生村官", number(v.college_officials))
        t.add_row("本库贫困户", f"{d.households:,}", "", "")
        head = Table.grid()
        head.add_row(Text("村级信息", style="bold"))
        if all(getattr(v, k) is None for k in ("is_poor_village", "total_households", "party_members", "code")):
            head.add_row(Text("无村级数据（未导入村表，只有花名册中的村名）", style="yellow"))
        head.add_row(t)
        record.update(head)
        ham = Table.grid()
        ham.add_row(Text("自然村", style="bold"))
        ham.add_row(_records(d.hamlets, "无自然村数据"))
        self.query_one("#vl-hamlets", Static).update(ham)
        proj = Table.grid()
        proj.add_row(Text("帮扶项目", style="bold"))
        proj.add_row(_records(d.projects, "无帮扶项目数据"))
        self.query_one("#vl-projects", Static).update(proj)
        self.query_one("#vl-sampled-title", Static).update(Text(f"本村样本户（{len(d.sampled)}）", style="bold"))
        table = self.query_one("#vl-sampled", FupinTable)
        hide = getattr(self.app, "backcheck", False)
        table.show([(str(r.order), r.household_no, r.head_name, number(r.size), r.household_type, r.poverty_status,
                     *(() if hide else (status_text(r.status),))) for r in d.sampled],
                   keys=[r.household_no for r in d.sampled])

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value:
            self.app.open_household(event.row_key.value)
