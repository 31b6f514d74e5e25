"""The Textual app: opens the database, asks who is inspecting, resumes at the first sampled household not yet
reviewed, and holds the global keys (help, undo/redo, jumps between screens) and the command palette.

Screens live in :mod:`fupin_tui.screens`, widgets in :mod:`fupin_tui.widgets`; every read and change goes through
:class:`fupin_tui.review.Reviewer` (plain functions, no Textual), so this file stays short.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine
from textual import work
from textual.app import App
from textual.binding import Binding
from textual.command import CommandPalette

from fupin_tui.models import County, get_engine, session_scope
from fupin_tui.review import (
    Reviewer,
    ReviewError,
    ensure_inspector,
    inspector_label,
    parse_inspector,
    remember_inspector,
    remembered_inspector,
)
from fupin_tui.screens.dialogs import DiscardDialog, FupinDialog, InspectorPrompt
from fupin_tui.screens.grade import GradeScreen
from fupin_tui.screens.help import HelpScreen
from fupin_tui.screens.household import HouseholdScreen
from fupin_tui.screens.overview import OverviewScreen
from fupin_tui.screens.sample_list import SampleListScreen
from fupin_tui.screens.search import HouseholdSearch
from fupin_tui.screens.village import VillageScreen


class FupinApp(App):
    """The inspection workbench for one county.

    ``db``: a database path/URL or an Engine; ``county``: its 6-digit code (resolved by the caller);
    ``inspector``: ``"姓名@单位"`` or None to ask (pre-filled with the one remembered on this computer);
    ``blind``: hide findings on a household until the inspector has recorded a verdict on it; ``remember``:
    store the inspector for the next start (off in tests); ``backcheck``: back-check mode (``--backcheck``) — the
    inspector is the second inspector of a back-check: the home screen is the list of households assigned to them,
    the household screen shows none of the first review and records their own result (see
    :class:`~fupin_tui.review.Reviewer`); grade, overview, undo and redo are off.
    """

    CSS_PATH = "app.tcss"
    TITLE = "扶贫建档立卡交叉检查"
    COMMANDS = {HouseholdSearch}
    COMMAND_PALETTE_BINDING = "ctrl+p"
    BINDINGS = [
        Binding("ctrl+p", "command_palette", "查找", key_display="^P", priority=True, show=False),
        Binding("f1", "help", "帮助", key_display="F1", show=False),
        Binding("question_mark", "help", "帮助", show=False),
        Binding("ctrl+z", "undo", "撤销", key_display="^Z", show=False),
        Binding("ctrl+y", "redo", "重做", key_display="^Y", show=False),
        Binding("f7", "sample_list", "样本清单", show=False),
        Binding("f8", "grade", "评分", show=False),
        Binding("f9", "overview", "总览", show=False),
        Binding("ctrl+q", "quit", "退出", key_display="^Q", show=False, priority=True),
    ]

    def __init__(self, db: str | Engine, county: str, inspector: str | None = None, *, blind: bool = False,
                 remember: bool = True, resume: bool = True, backcheck: bool = False) -> None:
        super().__init__()
        self.engine = db if isinstance(db, Engine) else get_engine(db, create=False)
        self.county = county
        self.blind = blind
        self.backcheck = backcheck
        self.remember = remember
        self.resume_on_start = resume
        self.reviewer = Reviewer(self.engine, county, "")
        self.reviewer.backcheck = backcheck
        self._subtitle = ""
        self.reviewer.load_siblings = False  # fast first screen; preload() imports checks/compare in a worker
        self._requested_inspector = inspector
        self._preloaded = False
        with session_scope(self.engine) as s:
            c = s.get(County, county)
            if c is None:
                raise ReviewError(f"数据库中没有县代码 {county}")
            self.title = f"{c.name or '县'}（{c.code}）交叉检查"

    # -- start -------------------------------------------------------------------------------------------------------

    def on_mount(self) -> None:
        self.push_screen(SampleListScreen() if self.backcheck else OverviewScreen())
        if self._requested_inspector:
            self.set_inspector(*parse_inspector(self._requested_inspector))
            self.action_resume(quiet=True)
        else:
            name, unit = parse_inspector(remembered_inspector() or "") if remembered_inspector() else ("", "")
            self.push_screen(InspectorPrompt(name, unit), self._inspector_chosen)

    def preload_once(self) -> None:
        """Import the checks / compare / villages / grading modules in a worker, once (the household screen calls
        this after its first frame, so the first screen never waits for NumPy, SciPy or the importer)."""
        if not self._preloaded:
            self._preloaded = True
            self._preload()

    @work(thread=True, group="preload")
    def _preload(self) -> None:
        Reviewer.preload()

    def _inspector_chosen(self, result: tuple[str, str] | None) -> None:
        if not result:
            self.exit()
            return
        self.set_inspector(*result)
        self.action_resume(quiet=True)

    def set_inspector(self, name: str, unit: str) -> None:
        """Record the inspector (Inspector table), show them in every screen's header, remember them."""
        with session_scope(self.engine) as s:
            ensure_inspector(s, name, unit)
        label = inspector_label(name, unit)
        self.reviewer.inspector = label
        mode = "  [复核]" if self.backcheck else "  [盲审]" if self.blind else ""
        self._subtitle = self.sub_title = f"核查人员：{name}" + (f"（{unit}）" if unit else "") + mode
        if self.remember:
            remember_inspector(label)

    def show_backcheck_progress(self, done: int, total: int) -> None:
        """Back-check mode: "复核进度 done/total" in the header of every screen (first: visible at 80 columns)."""
        text = f"复核进度 {done}/{total} · {self._subtitle}"
        if self.sub_title != text:
            self.sub_title = text

    #: App actions that leave the current screen (or change the record under it): off while a dialog is open, so
    #: that Ctrl+P (a priority key, live in dialogs too: choosing a household would pop the dialog) never closes a
    #: dialog and its typed note behind the inspector's back. The other keys of the list are not live in a modal
    #: dialog anyway; they are listed so that it stays true if one becomes a priority key.
    _NOT_IN_DIALOG = frozenset({"sample_list", "grade", "overview", "resume", "back", "undo", "redo",
                                "command_palette"})

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Back-check mode: no grade or overview (they show the first review), no undo/redo (marks, not back-checks).
        if self.backcheck and action in ("grade", "overview", "undo", "redo"):
            return False
        if action in self._NOT_IN_DIALOG and self.open_dialog() is not None:
            return False
        return True

    def open_dialog(self, dirty: bool = False) -> FupinDialog | None:
        """The topmost open dialog (``dirty``: the topmost one with unsaved changes), or None."""
        for screen in reversed(self.screen_stack):
            if isinstance(screen, FupinDialog) and not isinstance(screen, DiscardDialog):
                if not dirty or screen.is_dirty():
                    return screen
        return None

    async def action_quit(self) -> None:
        """Ctrl+Q: quit at once (every change is saved as it is made) — unless a dialog holds unsaved changes: then
        ask "放弃未保存的内容并退出？" (Ctrl+Q again or Ctrl+D: quit; F2: save the dialog; Esc: back to it)."""
        top = self.screen
        if isinstance(top, DiscardDialog) and top.quitting:
            self.exit()  # Ctrl+Q twice
            return
        dialog = self.open_dialog(dirty=True)
        if dialog is None:
            self.exit()
            return
        if isinstance(top, DiscardDialog):  # Esc's question was open: ask the quit question instead
            top.dismiss(None)

        def answered(answer: str | None) -> None:
            if answer == "discard":
                self.exit()
            elif answer == "save" and dialog in self.screen_stack:
                dialog.pop_until_active()  # (defensive: no key opens a screen over a dialog today)
                dialog.action_save()

        self.push_screen(DiscardDialog(quitting=True), answered)

    # -- navigation --------------------------------------------------------------------------------------------------

    def open_household(self, household_no: str) -> None:
        """Show household ``household_no``: in the household screen on the stack if there is one, else a new one.
        Back-check mode opens only the households assigned to the inspector."""
        if self.backcheck and self.reviewer.backcheck_item(household_no) is None:
            self.notify(f"户 {household_no} 不在您的复核名单中（复核模式只能打开分配给您的户）", severity="warning")
            return
        for screen in reversed(self.screen_stack):
            if isinstance(screen, HouseholdScreen):
                while self.screen is not screen:
                    self.pop_screen()
                screen.load(household_no)
                return
        self.push_screen(HouseholdScreen(household_no))

    def _pop_to(self, kind: type) -> bool:
        for screen in reversed(self.screen_stack):
            if isinstance(screen, kind):
                while self.screen is not screen:
                    self.pop_screen()
                return True
        return False

    def action_resume(self, quiet: bool = False) -> None:
        """Open the first sampled household not yet reviewed (the place to resume)."""
        target = self.reviewer.resume()
        if target is None:
            if self.backcheck:
                # the assignment list (the home screen) says it too, when it is shown or resumed
                self.notify(no_backcheck_message(self.reviewer.inspector), severity="warning", timeout=10)
            elif not quiet:
                self.notify("尚未抽样：请先运行 fupin sample", severity="warning")
            return
        self.open_household(target)

    def action_sample_list(self) -> None:
        """Show the sample list (back-check mode: the list of households assigned to the inspector)."""
        if not self._pop_to(SampleListScreen):
            self.push_screen(SampleListScreen())

    def action_grade(self) -> None:
        """Show the grade screen."""
        if isinstance(self.screen, GradeScreen):
            self.screen.action_reload()
        elif not self._pop_to(GradeScreen):
            self.push_screen(GradeScreen())

    def action_overview(self) -> None:
        """Back to the overview."""
        self._pop_to(OverviewScreen)

    def action_back(self) -> None:
        """Esc: back to the previous screen (the overview stays at the bottom)."""
        if len(self.screen_stack) > 2:
            self.pop_screen()

    def action_help(self) -> None:
        """The help screen listing all keys."""
        if isinstance(self.screen, HelpScreen):
            return
        sections = [
            ("全局", self.BINDINGS),
            ("户核查界面", HouseholdScreen.BINDINGS),
            ("疑点 / 线索 / 标记列表（Tab 切换到列表）", [
                Binding("enter", "open", "核实所选疑点 / 线索，修改所选标记"),
                Binding("delete,ctrl+d", "delete", "删除所选标记（须确认，可撤销）"),
            ]),
            ("样本清单（复核模式：复核名单）", SampleListScreen.BINDINGS),
            ("总览", OverviewScreen.BINDINGS),
            ("评分", GradeScreen.BINDINGS),
            ("村级信息", VillageScreen.BINDINGS),
            ("对话框", [
                Binding("ctrl+s,f2", "save", "保存"),
                Binding("tab", "next", "下一项"),
                Binding("enter", "submit", "在说明框中回车：保存"),
                Binding("escape", "cancel", "取消（有未保存的内容时先询问）"),
            ]),
            ("“放弃未保存的内容？”（按 Esc 或 Ctrl+Q 时，对话框中有未保存的内容）", [
                Binding("ctrl+d", "discard", "放弃（Ctrl+Q 询问时再按 Ctrl+Q：放弃并退出）"),
                Binding("ctrl+s,f2", "save", "保存"),
                Binding("escape", "cancel", "继续编辑"),
            ]),
        ]
        if self.backcheck:
            sections.insert(1, ("复核模式（背对背：不显示首次核查的标记、状态、疑点和线索）", [
                Binding("pagedown,pageup", "step", "下一户 / 上一户（复核名单内）"),
                Binding("f2", "mark", "添加复核问题类别（附说明）"),
                Binding("f3", "clean", "复核结论：核查无误"),
                Binding("enter", "open", "在“复核发现的问题”中：修改所选类别"),
                Binding("delete", "delete", "在“复核发现的问题”中：删除所选类别"),
            ]))
        self.push_screen(HelpScreen(sections))

    def action_command_palette(self) -> None:
        """Ctrl+P: find a household by 户编号, 证件号码 or 姓名 (Chinese placeholder)."""
        if self.use_command_palette and not CommandPalette.is_open(self):
            self.push_screen(CommandPalette(id="--command-palette", placeholder="输入户编号、证件号码或姓名查找任意一户…"))

    def action_help_quit(self) -> None:
        """Ctrl+C: say how to quit (in Chinese) instead of quitting."""
        self.notify("按 Ctrl+Q 退出（所有标记都已随时保存）", title="要退出吗？")

    # -- undo / redo -------------------------------------------------------------------------------------------------

    def _after_change(self, household_no: str | None) -> None:
        refresh = getattr(self.screen, "after_change", None)
        if refresh is not None:
            refresh(household_no)

    def action_undo(self) -> None:
        """Undo this inspector's most recent action (recorded in the trail)."""
        self._replay("undo")

    def action_redo(self) -> None:
        """Redo the action undone last (recorded in the trail)."""
        self._replay("redo")

    def _replay(self, kind: str) -> None:
        if not self.reviewer.inspector:
            return
        try:
            result = self.reviewer.undo() if kind == "undo" else self.reviewer.redo()
        except ReviewError as exc:
            self.notify(str(exc), severity="error")
            return
        if result is None:
            self.notify("没有可撤销的操作" if kind == "undo" else "没有可重做的操作", timeout=2)
            return
        self._after_change(result.household_no)
        self.notify(result.description, timeout=3)


def no_backcheck_message(inspector: str) -> str:
    """The Chinese message shown when back-check mode finds nothing assigned to ``inspector``."""
    if not inspector:
        return "复核模式：请先填写核查人员（复核人员）姓名"
    name = inspector.partition("@")[0]
    return f"没有分配给 {inspector} 的复核户。请组长先运行：fupin backcheck assign --db 数据库 --to {name}"


def run_tui(db: str | Path | Engine, county: str | None = None, inspector: str | None = None,
            blind: bool = False, backcheck: bool = False) -> int:
    """Start the TUI on ``db`` (``fupin inspect`` and ``fupin demo`` call this). ``county`` may be None when the
    file holds one county; ``backcheck``: back-check mode (see :class:`FupinApp`). Returns the exit code (0; 1 with
    a Chinese message on stderr when the database or the county cannot be used)."""
    import sys

    from fupin_tui.models import DatabaseError, resolve_county

    try:
        engine = db if isinstance(db, Engine) else get_engine(str(db), create=False)
        with session_scope(engine) as s:
            code = resolve_county(s, county).code
        FupinApp(engine, code, inspector, blind=blind, backcheck=backcheck).run()
    except (DatabaseError, ReviewError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    return 0
