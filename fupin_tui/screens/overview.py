"""The overview screen: the county, counts of households / people / villages, sample progress, automatic-check
findings by rule (and the share of households with a 严重 finding), department clues by department and status, and
the current grade estimate. The figures load in a worker thread (plain core functions), counts first, grade second.
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from fupin_tui.glossary import CATEGORIES, CLUE_STATUSES, STRATIFY_COLUMNS
from fupin_tui.review import OverviewData
from fupin_tui.widgets.fmt import pct
from fupin_tui.widgets.table import FupinTable


_METHODS = {"random": "简单随机", "stratified": "分层随机", "systematic": "系统抽样"}

#: The findings-by-rule table: (header, justify). The title takes the width left over (cut with …); 类别 is left out
#: when the title would get fewer than 24 cells (below ~100 columns), so the table never scrolls sideways.
RULE_COLUMNS = (("疑点规则", "left"), ("严重程度", "left"), ("疑点", "right"), ("户数", "right"), ("属实", "right"),
                ("不属实", "right"), ("类别", "left"))
CLUE_COLUMNS = (("部门", "left"), ("线索", "right"), *((status, "right") for status in CLUE_STATUSES))


def progress_bar(done: int, total: int, width: int = 30) -> Text:
    """``██████░░░░ 12/60`` in ``width`` cells."""
    filled = int(width * done / total) if total else 0
    text = Text("█" * filled, style="green")
    text.append("░" * (width - filled), style="dim")
    text.append(f" {done}/{total}")
    return text


def grade_lines(grade: dict | None, error: str) -> Text:
    """The grade estimate as a few lines of text (from the grading module's JSON-like dict)."""
    if grade is None:
        return Text(error or "尚无评分", style="dim")
    text = Text()
    text.append("等级 ")
    text.append(str(grade.get("grade") or "—"), style="bold")
    status = grade.get("status") or ("确定" if grade.get("settled") else "待定")
    text.append(f"（{status}）", style="green" if grade.get("settled") else "yellow")
    if grade.get("guaranteed_grade") and grade.get("guaranteed_grade") != grade.get("grade"):
        text.append(f"  保证等级 {grade['guaranteed_grade']}")
    text.append(f"\n户错误率 {pct(grade.get('rate'))}")
    if grade.get("ci_low") is not None:
        text.append(f"  95%区间 [{pct(grade.get('ci_low'))}, {pct(grade.get('ci_high'))}]")
    text.append(f"\n已核查 {grade.get('reviewed', 0)}，有问题 {grade.get('with_issues', 0)}")
    return text


class OverviewScreen(Screen):
    """The county at a glance (the app's home screen)."""

    BINDINGS = [
        Binding("enter", "app.resume", "继续核查", key_display="Enter"),
        Binding("c", "app.resume", "继续核查", show=False),
        Binding("f7", "app.sample_list", "样本清单", key_display="F7"),
        Binding("l", "app.sample_list", "样本清单", show=False),
        Binding("f8", "app.grade", "评分", key_display="F8"),
        Binding("g", "app.grade", "评分", show=False),
        Binding("f5", "reload", "刷新", key_display="F5"),
        Binding("f1", "app.help", "帮助", key_display="F1"),
        Binding("question_mark", "app.help", "帮助", show=False),
        Binding("ctrl+q", "app.quit", "退出", key_display="^Q"),
    ]

    def compose(self) -> ComposeResult:
        yield Header(icon="≡")
        with VerticalScroll(id="ov-body"):
            with Horizontal(id="ov-top"):
                yield Static("正在统计…", id="ov-county", classes="panel")
                yield Static("", id="ov-progress", classes="panel")
                yield Static("", id="ov-grade", classes="panel")
            yield Static("", id="ov-checks-title", classes="section-title")
            # the headers from the start: a DataTable laid out empty (height 0) was not laid out again at some widths
            yield FupinTable([label for label, _ in RULE_COLUMNS], id="ov-rules")
            yield Static("", id="ov-clues-title", classes="section-title")
            yield FupinTable([label for label, _ in CLUE_COLUMNS], id="ov-clues")
        yield Footer(compact=True)

    def on_screen_resume(self) -> None:
        # Loads when shown (also the first time): at start the household screen covers the overview at once, and
        # counting 40,000 households (and importing the grading's SciPy) must not slow that first screen down.
        if self.app.screen is self:
            self.action_reload()

    def action_reload(self) -> None:
        """Reload every figure (worker thread)."""
        self.load()

    @work(thread=True, exclusive=True, group="overview")
    def load(self) -> None:
        """Counts first, then the grade (which may take longer)."""
        reviewer = self.app.reviewer
        try:
            data = reviewer.overview(with_grade=False)
        except Exception as exc:  # noqa: BLE001 - shown, never a crash
            self.app.call_from_thread(self.notify, f"无法统计：{exc}", severity="error")
            return
        self.app.call_from_thread(self.show, data)
        try:
            grade, error = reviewer.grade()
        except Exception as exc:  # noqa: BLE001
            grade, error = None, f"无法计算等级：{exc}"
        self.app.call_from_thread(self.show_grade, grade, error)

    def show(self, d: OverviewData) -> None:
        """Render the counts."""
        county = Text()
        county.append(f"{d.county_name or '（未命名）'}（{d.county_code}）\n", style="bold")
        county.append(f"数据年度 {d.data_year or '未知'}\n", style="dim")
        grid = Table.grid(padding=(0, 1))
        grid.add_column(style="dim")
        grid.add_column(justify="right")
        for label, value in (("乡镇", d.townships), ("行政村", d.villages), ("贫困户", d.households),
                             ("贫困人口", d.people)):
            grid.add_row(label, f"{value:,}")
        table = Table.grid()
        table.add_row(county)
        table.add_row(grid)
        self.query_one("#ov-county", Static).update(table)
        prog = Text()
        if d.sample is None:
            prog.append("样本\n", style="bold")
            prog.append("尚未抽样（fupin sample）", style="yellow")
        else:
            s = d.sample
            reviewed = s["issues"] + s["clean"]
            prog.append(f"样本 {s['n']} 户\n", style="bold")
            method = _METHODS.get(s["method"], s["method"])
            by = STRATIFY_COLUMNS.get(s.get("by") or "", s.get("by") or "")
            prog.append(f"{method}{'·' + by if by else ''}·种子 {s['seed']}\n", style="dim")
            prog.append_text(progress_bar(reviewed, s["n"], 20))
            prog.append(f"\n未核查 {s['pending']}  ", style="dim")
            prog.append(f"有问题 {s['issues']}  ", style="red")
            prog.append(f"无误 {s['clean']}", style="green")
            if d.marks_outside_sample:
                prog.append(f"\n样本外标记 {d.marks_outside_sample} 条（不计入评分）", style="dim")
        self.query_one("#ov-progress", Static).update(prog)
        title = self.query_one("#ov-checks-title", Static)
        rules = self.query_one("#ov-rules", FupinTable)
        if d.findings_by_rule is None:
            title.update(Text("自动核查：未运行自动核查（fupin check）", style="yellow"))
            rules.display = False
        else:
            head = Text("自动核查疑点", style="bold")
            head.append(f"  有严重疑点的户 {d.severe_households:,} 户，占 {pct(d.severe_share)}", style="")
            title.update(head)
            rules.display = bool(d.findings_by_rule)
            rules.show_fitted(RULE_COLUMNS, [
                (r.get("title") or r.get("rule_id", ""), r.get("severity", ""), f"{r.get('findings', 0):,}",
                 f"{r.get('households', 0):,}", f"{r.get('confirmed', 0) or 0:,}", f"{r.get('dismissed', 0) or 0:,}",
                 CATEGORIES.get(r.get("category", ""), r.get("category", "")))
                for r in d.findings_by_rule], flex=0, optional=(6,), min_flex=24)
        ctitle = self.query_one("#ov-clues-title", Static)
        clues = self.query_one("#ov-clues", FupinTable)
        if d.clues is None:
            ctitle.update(Text("部门比对：尚无线索（fupin compare）", style="dim"))
            clues.display = False
        else:
            ctitle.update(Text("部门比对线索（按部门、核实状态）", style="bold"))
            clues.display = True
            clues.show_fitted(CLUE_COLUMNS, [(c.get("dept_label", c.get("dept", "")), f"{c.get('total', 0):,}",
                                              *(f"{c.get(st, 0):,}" for st in CLUE_STATUSES)) for c in d.clues])

    def show_grade(self, grade: dict | None, error: str) -> None:
        """Render the grade estimate."""
        text = Text("等级估计\n", style="bold")
        text.append_text(grade_lines(grade, error))
        self.query_one("#ov-grade", Static).update(text)
