"""The grade screen: the figures from the grading module (rate, interval, upper bound, grade and guaranteed grade,
whether settled, the explanation) and a bar chart of township rates with their intervals in Unicode blocks."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from fupin_tui.glossary import CATEGORIES
from fupin_tui.widgets.bars import RateRow, rate_bars
from fupin_tui.widgets.fmt import pct


class GradeScreen(Screen):
    """The county's grade (computed in a worker thread by ``fupin_tui.grading``)."""

    BINDINGS = [
        Binding("f5", "reload", "刷新", key_display="F5"),
        Binding("f7", "app.sample_list", "样本清单", key_display="F7"),
        Binding("f9", "app.overview", "总览", key_display="F9"),
        Binding("escape", "app.back", "返回", key_display="Esc"),
        Binding("f1", "app.help", "帮助", key_display="F1"),
        Binding("question_mark", "app.help", "帮助", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.grade: dict | None = None

    def compose(self) -> ComposeResult:
        yield Header(icon="≡")
        with VerticalScroll(id="gr-body"):
            yield Static("正在计算等级…", id="gr-figures", classes="panel")
            yield Static("", id="gr-bars", classes="panel")
            yield Static("", id="gr-categories", classes="panel")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.action_reload()

    def on_resize(self) -> None:
        if self.grade is not None:
            self._bars(self.grade)

    def action_reload(self) -> None:
        """Recompute (worker thread)."""
        self.load()

    @work(thread=True, exclusive=True, group="grade")
    def load(self) -> None:
        """Call the grading module off the UI thread."""
        try:
            grade, error = self.app.reviewer.grade()
        except Exception as exc:  # noqa: BLE001
            grade, error = None, f"无法计算等级：{exc}"
        self.app.call_from_thread(self.show, grade, error)

    def show(self, grade: dict | None, error: str) -> None:
        """Render the figures, the township bars and the categories."""
        self.grade = grade
        figures = self.query_one("#gr-figures", Static)
        if grade is None:
            figures.update(Text(error or "尚无评分", style="yellow"))
            self.query_one("#gr-bars", Static).update("")
            self.query_one("#gr-categories", Static).update("")
            return
        t = Table.grid(padding=(0, 2))
        t.add_column(style="dim", no_wrap=True)
        t.add_column()
        grade_text = Text(str(grade.get("grade") or "—"), style="bold")
        status = grade.get("status") or ("确定" if grade.get("settled") else "待定")
        grade_text.append(f"（{status}）", style="green" if grade.get("settled") else "yellow")
        t.add_row("等级", grade_text)
        if grade.get("guaranteed_grade"):
            t.add_row("保证等级", str(grade["guaranteed_grade"]))
        t.add_row("已核查户数", f"{grade.get('reviewed', 0)}（有问题 {grade.get('with_issues', 0)} 户）")
        t.add_row("户错误率", pct(grade.get("rate"), 2))
        conf = grade.get("confidence") or 0.95
        if grade.get("ci_low") is not None:
            t.add_row(f"{conf * 100:.0f}% 置信区间", f"[{pct(grade.get('ci_low'), 2)}, {pct(grade.get('ci_high'), 2)}]")
        if grade.get("upper_bound") is not None:
            t.add_row("单侧置信上限", pct(grade.get("upper_bound"), 2))
        if grade.get("weighted_rate") is not None:
            t.add_row("按严重程度加权", pct(grade.get("weighted_rate"), 2))
        if grade.get("extra_to_settle"):
            t.add_row("确定等级还需", f"约 {grade['extra_to_settle']} 户（按当前错误率）")
        if grade.get("method_name") or grade.get("method"):
            t.add_row("估计方法", str(grade.get("method_name") or grade.get("method")))
        for cap in grade.get("caps_applied") or []:
            t.add_row("封顶", f"{cap.get('label', cap.get('key'))} → 最高 {cap.get('band')}")
        body = Table.grid()
        body.add_row(Text("等级评定", style="bold"))
        body.add_row(t)
        if grade.get("explanation"):
            body.add_row(Text(str(grade["explanation"]), style="dim"))
        warnings = [*(grade.get("notes") or []), *(grade.get("warnings") or [])]
        for w in warnings[:3]:
            body.add_row(Text(f"注意：{w}", style="yellow"))
        if len(warnings) > 3:
            body.add_row(Text(f"（另有 {len(warnings) - 3} 条提示，见 fupin grade 或报告）", style="dim"))
        figures.update(body)
        self._bars(grade)
        cats = grade.get("by_category") or []
        ct = Table(title="按问题类别（有该类问题的户 ÷ 已核查户）", title_justify="left", expand=False, show_edge=False)
        ct.add_column("类别")
        ct.add_column("户数", justify="right")
        ct.add_column("比率", justify="right")
        ct.add_column("95% 区间", justify="right")
        for c in cats:
            key = c.get("category", "")
            ct.add_row(CATEGORIES.get(key, key), str(c.get("x", 0)), pct(c.get("rate")),
                       f"[{pct(c.get('ci_low'))}, {pct(c.get('ci_high'))}]")
        self.query_one("#gr-categories", Static).update(ct if cats else Text("尚无问题类别统计", style="dim"))

    def _bars(self, grade: dict) -> None:
        rows = [RateRow(str(r.get("township", "")), int(r.get("n", 0)), int(r.get("x", 0)), r.get("rate"),
                        r.get("ci_low"), r.get("ci_high")) for r in grade.get("by_township") or []]
        limits = [(b["name"], b["max_rate"]) for b in (grade.get("rubric") or {}).get("bands", [])
                  if b.get("max_rate") is not None]
        title = Text("各乡镇户错误率与 95% 区间（█ 错误率，─┤ 区间，┊ 等级界限）\n", style="bold")
        if not rows:
            title.append("尚无分乡镇数据", style="dim")
            self.query_one("#gr-bars", Static).update(title)
            return
        width = max(self.query_one("#gr-bars", Static).size.width - 4, 40)
        title.append_text(rate_bars(rows, width, limits))
        self.query_one("#gr-bars", Static).update(title)
