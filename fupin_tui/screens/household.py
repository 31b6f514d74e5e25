"""The household screen: the household card, the income card with its identities, the members table, the findings
(with verdicts), the clues (with statuses) and the marks, and the keys to step through the sample and record.

Every action has an input-method-safe key (F-keys, PgUp/PgDn, Ctrl chords: the footer shows those and fits 80
columns) and, for when the input method is off, a letter: n/p next/previous, m mark, o 核查无误, u undo, r redo,
v village, Esc back, ? help. Every change goes through the review service, which commits it (with its trail row)
before the screen says 已保存.

Back-check mode (``fupin inspect --backcheck``, ``app.backcheck``): the same screen for the second inspector of a
back-check. PgDn/PgUp step through the households assigned to them; the findings and clues are hidden and the marks
slot shows their OWN result (the review service gives this screen none of the first review); F2 adds an issue
category, F3 records 核查无误, Enter / Del on a category changes / removes it — each saved through
``team.record_backcheck`` before 已保存 is shown. F4/F5 and undo/redo are off.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, OptionList, Static

from fupin_tui.glossary import ReviewStatus, category_label
from fupin_tui.models import Clue
from fupin_tui.review import HouseholdDetail, ReviewError
from fupin_tui.screens.dialogs import ClueDialog, ConfirmDialog, FindingDialog, MarkDialog
from fupin_tui.widgets.cards import HouseholdCard, IncomeCard
from fupin_tui.widgets.fmt import status_text
from fupin_tui.widgets.lists import CluesList, FindingsList, MarksList
from fupin_tui.widgets.members import MemberTable

#: Width (cells) from which the cards sit left of the members and lists.
WIDE = 120


class BodyScroll(VerticalScroll):
    """The household screen's scrolling body (↑/↓ when focused, the mouse wheel). It shows no scroll bar (the
    household card's subtitle says there is more below): the bar's width would make the content's width depend on
    its height, and its repaint cost a second frame per household. A new virtual size then needs no second layout
    pass either (Textual would otherwise lay the screen out again on every household whose page height differs
    from the previous one's)."""

    def _size_updated(self, size, virtual_size, container_size, layout: bool = True) -> bool:  # noqa: ANN001
        return super()._size_updated(size, virtual_size, container_size, layout=False)


class Column(Vertical):
    """A column of the body (height auto): its new size is known from the layout that produced it, so recording it
    needs no further layout pass (see :class:`BodyScroll`)."""

    def _size_updated(self, size, virtual_size, container_size, layout: bool = True) -> bool:  # noqa: ANN001
        return super()._size_updated(size, virtual_size, container_size, layout=False)


class HouseholdScreen(Screen):
    """One household at a time; ``load(户编号)`` replaces the content in place (no new screen per household)."""

    AUTO_FOCUS = "#hh-body"
    BINDINGS = [
        Binding("pagedown", "step(1)", "下一户", key_display="PgDn", priority=True),
        Binding("n", "step(1)", "下一户", show=False),
        Binding("pageup", "step(-1)", "上一户", key_display="PgUp", priority=True),
        Binding("p", "step(-1)", "上一户", show=False),
        Binding("f2", "mark", "标记", key_display="F2"),
        Binding("m", "mark", "标记", show=False),
        Binding("f3", "clean", "无误", key_display="F3"),
        Binding("o", "clean", "无误", show=False),
        Binding("f4", "verify", "核实", key_display="F4"),
        Binding("f5", "clue", "核实线索", key_display="F5", show=False),
        Binding("ctrl+z", "app.undo", "撤销", key_display="^Z"),
        Binding("u", "app.undo", "撤销", show=False),
        Binding("ctrl+y", "app.redo", "重做", key_display="^Y", show=False),
        Binding("r", "app.redo", "重做", show=False),
        Binding("ctrl+r", "reload", "刷新（看到同事的新标记）", key_display="^R", show=False),
        Binding("f6", "village", "村级信息", key_display="F6", show=False),
        Binding("v", "village", "村级信息", show=False),
        Binding("f7", "app.sample_list", "样本清单", show=False),
        Binding("f8", "app.grade", "评分", show=False),
        Binding("f9", "app.overview", "总览", show=False),
        Binding("escape", "app.back", "返回", show=False),
        Binding("f1", "app.help", "帮助", key_display="F1"),
        Binding("question_mark", "app.help", "帮助", show=False),
    ]

    #: Said when 核查无误 (F3 / o) is pressed on a household outside the sample (opened with Ctrl+P).
    OUTSIDE_SAMPLE = ("本户不在抽样样本中（样本外），没有核查状态，不能设为“核查无误”。"
                      "可以添加问题标记（F2）：标记会被记录，但属样本外，不计入评分。")

    def __init__(self, household_no: str) -> None:
        super().__init__()
        self.household_no = household_no
        self.detail: HouseholdDetail | None = None
        self._per_row = 0
        self._binding_state: tuple = ()

    def compose(self) -> ComposeResult:
        yield Header(icon="≡")
        yield Static("", id="hh-summary")
        with BodyScroll(id="hh-body"):
            # Two income cards: beside the household card when wide, after the lists when narrow (CSS shows one).
            with Column(id="hh-left"):
                yield HouseholdCard(id="hh-card")
                yield IncomeCard(id="hh-income-wide", classes="income-wide")
            with Column(id="hh-right"):
                yield MemberTable(id="hh-members")
                yield FindingsList(id="hh-findings")
                yield CluesList(id="hh-clues")
                yield MarksList(id="hh-marks")
                yield IncomeCard(id="hh-income-narrow", classes="income-narrow")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.set_class(self.backcheck, "-backcheck")
        self._layout(self.app.size.width)
        self.load(self.household_no)
        self.call_after_refresh(self.app.preload_once)

    def on_resize(self) -> None:
        if self._layout(self.size.width) and self.detail is not None:
            self._show_detail()

    def _layout(self, width: int) -> bool:
        """Wide or narrow layout for ``width`` cells; True when the layout or the pairs per card line changed."""
        wide = width >= WIDE
        changed = wide != self.has_class("-wide")
        self.set_class(wide, "-wide")
        per_row = 2 if wide or width < 74 else 3
        changed, self._per_row = changed or per_row != self._per_row, per_row
        return changed

    def on_screen_resume(self) -> None:
        if self.detail is not None:
            self.load(self.household_no)

    # ---------------------------------------------------------------------------------------------------------------

    @property
    def active_bindings(self):  # noqa: ANN201 - Textual's type
        """As Textual's, but ordered as this screen's BINDINGS (the footer follows this order): Textual orders the
        keys by the focused widget's bindings first, which put the scroll body's PgUp before PgDn 下一户."""
        bindings = super().active_bindings
        rank = {key: n for n, binding in enumerate(self.BINDINGS) for key in binding.key.split(",")}
        return dict(sorted(bindings.items(), key=lambda item: rank.get(item[0], len(rank))))

    @property
    def scroll_hint(self) -> str:
        """The household card's subtitle in the narrow layout: what lies below the card (back-check mode shows no
        findings or marks, only the second inspector's own result)."""
        if self.backcheck:
            return "↑↓ 滚动查看成员、复核结论、收入 · Tab 切换"
        return "↑↓ 滚动查看成员、疑点、标记、收入 · Tab 切换"

    @property
    def backcheck(self) -> bool:
        """Back-check mode (the second inspector's view, see the module docstring)."""
        return bool(getattr(self.app, "backcheck", False))

    @property
    def hidden_findings(self) -> bool:
        """Blind mode: findings stay hidden until this household has a status other than 未核查 or a mark."""
        return bool(self.app.blind) and self.detail is not None and not self.detail.reviewed

    def load(self, household_no: str) -> None:
        """Show household ``household_no`` (one query per section, ~2 ms; widgets updated in place)."""
        try:
            detail = self.app.reviewer.detail(household_no)
        except ReviewError as exc:
            self.notify(str(exc), severity="error")
            return
        self.household_no = household_no
        self.detail = detail
        self._show_detail()

    def _show_detail(self) -> None:
        d = self.detail
        assert d is not None
        h = d.household
        summary = Text()
        summary.append(f"户 {h.household_no}", style="bold")
        place = " ".join(x for x in (d.township, d.village.name if d.village else "", h.hamlet or "") if x)
        summary.append(f" · {place or '—'} · 户主 ")
        summary.append(h.head_name or "—", style="bold")
        if d.sampled:
            summary.append(f" · {'复核' if self.backcheck else ''}第 {d.position}/{d.sample_size} 户 · ")
        else:
            summary.append(" · ")
        summary.append_text(status_text(d.status))
        if d.village_info:
            summary.append(" · " + "，".join(d.village_info), style="dim")
        if d.projects:
            names = "、".join(p["name"] or p["project_no"] for p in d.projects[:3])
            summary.append(f" · 帮扶项目 {len(d.projects)} 个：{names}", style="dim")
        if self.backcheck:
            summary.append(" · 复核（背对背）", style="bold magenta")
        elif self.app.blind:
            summary.append(" · 盲审", style="bold magenta")
        with self.app.batch_update():
            self.query_one("#hh-summary", Static).update(summary)
            card = self.query_one(HouseholdCard)
            card.show(d, self._per_row)
            card.border_subtitle = "" if self.has_class("-wide") else self.scroll_hint
            if self.has_class("-wide"):
                self.query_one("#hh-income-wide", IncomeCard).show(d, 2)
            else:
                self.query_one("#hh-income-narrow", IncomeCard).show(d, self._per_row)
            self.query_one(MemberTable).show_members(d.members)
            if d.backcheck is not None:  # findings and clues stay hidden (CSS), the marks slot shows the own result
                self.query_one(MarksList).show_backcheck(d.backcheck.categories, d.backcheck.note, d.status)
            else:
                self.query_one(FindingsList).show(d.findings, hidden=self.hidden_findings)
                self.query_one(CluesList).show(d.clues)
                self.query_one(MarksList).show(d.marks)
        if d.backcheck is not None:
            self.app.show_backcheck_progress(d.backcheck.done, d.backcheck.total)
        state = (self.check_action("clean", ()),)
        if state != self._binding_state:  # the footer recomposes on every refresh_bindings: only when it changed
            self._binding_state = state
            self.refresh_bindings()

    def after_change(self, household_no: str | None = None) -> None:
        """Called by the app after an undo/redo: show the household it concerned (or reload this one)."""
        self.load(household_no or self.household_no)

    # ---------------------------------------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Only 核查无误 is dimmed (outside the sample). F4/F5 stay lit and explain when there is nothing to verify:
        # dimming them per household would recompose the footer on every "next household".
        if action == "clean" and self.detail is not None and not self.detail.sampled:
            return None
        if action in ("verify", "clue") and self.backcheck:
            return False  # no findings or clues in back-check mode
        return True

    def on_key(self, event: events.Key) -> None:
        # F3 / o are off (dimmed in the footer) outside the sample, so Textual would ignore them silently: say why.
        if event.key in ("f3", "o") and self.check_action("clean", ()) is None:
            event.stop()
            self.notify(self.OUTSIDE_SAMPLE, title="样本外", severity="warning", timeout=8)

    def action_reload(self) -> None:
        """Reload this household (another inspector sharing the database may have marked it)."""
        self.load(self.household_no)

    def action_step(self, step: int) -> None:
        """Next (+1) / previous (-1) household of the sample in review order."""
        target = self.app.reviewer.neighbour(self.household_no, step)
        if target is None:
            where = "复核名单" if self.backcheck else "样本"
            self.notify(f"已是{where}最后一户" if step > 0 else f"已是{where}第一户", timeout=2)
            return
        self.load(target)
        body = self.query_one("#hh-body")
        if body.scroll_y:
            body.scroll_home(animate=False)

    def _members(self) -> list[tuple[str, str]]:
        assert self.detail is not None
        return [(r.member.member_no, f"{r.member.member_no[-2:]} {r.member.name or ''}（{r.member.relation or ''}）")
                for r in self.detail.members if r.member.member_no]

    def action_mark(self) -> None:
        """Open the mark dialog; the mark is committed before 已保存 is shown."""
        if self.detail is None:
            return
        if self.backcheck:
            self.edit_category(None)
            return
        no = self.household_no

        def done(result: dict | None) -> None:
            if not result:
                return
            try:
                self.app.reviewer.add_mark(no, result["category"], result["severity"], result["note"],
                                           result["member_no"], result["field"])
            except ReviewError as exc:
                self.notify(str(exc), severity="error")
                return
            self.load(no)
            self.notify("已保存：问题标记", timeout=3)

        self.app.push_screen(MarkDialog(no, self._members()), done)

    def action_clean(self) -> None:
        """核查无误 (refused while marks exist)."""
        if self.detail is None:
            return
        if self.backcheck:
            self.backcheck_clean()
            return
        if self.detail.status == ReviewStatus.CLEAN:
            self.notify("本户已是“核查无误”", timeout=2)
            return
        try:
            self.app.reviewer.set_status(self.household_no, ReviewStatus.CLEAN.value)
        except ReviewError as exc:
            self.notify(str(exc), severity="error")
            return
        self.load(self.household_no)
        self.notify("已保存：核查无误（PgDn 下一户）", timeout=3)

    def _finding(self, finding_id: int):  # noqa: ANN202
        for f in (self.detail.findings or []) if self.detail else []:
            if f.id == finding_id:
                return f
        return None

    def _clue(self, clue_id: int) -> Clue | None:
        for c in self.detail.clues if self.detail else []:
            if c.id == clue_id:
                return c
        return None

    def action_verify(self) -> None:
        """F4: verdict on the highlighted clue when the clues list has focus, else on the highlighted finding (or
        the first finding), else on the first clue."""
        if self.focused is self.query_one(CluesList) or not (
                self.detail and self.detail.findings and not self.hidden_findings):
            if self.detail and self.detail.clues:
                self.action_clue()
                return
        self.action_finding()

    def action_finding(self) -> None:
        """Verdict on the highlighted finding (the first one when the list has no highlight)."""
        if self.hidden_findings or not (self.detail and self.detail.findings):
            self.notify("本户没有可核实的疑点" if not self.hidden_findings else "盲审：请先记录本户结论", timeout=2)
            return
        lst = self.query_one(FindingsList)
        option_id = lst.current_id or f"finding:{self.detail.findings[0].id}"
        lst.focus()
        self.open_finding(int(option_id.partition(":")[2]))

    def open_finding(self, finding_id: int) -> None:
        """Open the verdict dialog for finding ``finding_id``."""
        finding = self._finding(finding_id)
        if finding is None:
            return
        done = self._saving(lambda r: self.app.reviewer.finding_verdict(finding_id, r["verdict"], r["note"]),
                            lambda r: f"已保存：疑点{r['verdict']}")
        self.app.push_screen(FindingDialog(finding, finding.verdict, finding.verdict_note or ""), done)

    def action_clue(self) -> None:
        """Status of the highlighted clue (the first one when the list has no highlight)."""
        if not (self.detail and self.detail.clues):
            self.notify("本户没有部门比对线索", timeout=2)
            return
        lst = self.query_one(CluesList)
        option_id = lst.current_id or f"clue:{self.detail.clues[0].id}"
        lst.focus()
        self.open_clue(int(option_id.partition(":")[2]))

    def open_clue(self, clue_id: int) -> None:
        """Open the status dialog for clue ``clue_id``."""
        clue = self._clue(clue_id)
        if clue is None:
            return
        done = self._saving(lambda r: self.app.reviewer.clue_status(clue_id, r["status"], r["note"]),
                            lambda r: f"已保存：线索{r['status']}")
        self.app.push_screen(ClueDialog(clue), done)

    def _saving(self, save: Callable[[dict], object], saved: Callable[[dict], str]) -> Callable[[dict | None], None]:
        """The callback of a verdict/status dialog: save through the reviewer (committed before it returns), reload
        this household, then say 已保存; a refused change shows the reviewer's Chinese message instead."""
        no = self.household_no

        def done(result: dict | None) -> None:
            if not result:
                return
            try:
                save(result)
            except ReviewError as exc:
                self.notify(str(exc), severity="error")
                return
            self.load(no)
            self.notify(saved(result), timeout=3)

        return done

    def open_mark(self, uuid: str) -> None:
        """Edit mark ``uuid`` in the mark dialog."""
        mark = next((m for m in (self.detail.marks if self.detail else []) if m.uuid == uuid), None)
        if mark is None:
            return
        no = self.household_no

        def done(result: dict | None) -> None:
            if not result:
                return
            try:
                self.app.reviewer.edit_mark(uuid, category=result["category"], severity=result["severity"],
                                            note=result["note"], member_no=result["member_no"], field=result["field"])
            except ReviewError as exc:
                self.notify(str(exc), severity="error")
                return
            self.load(no)
            self.notify("已保存：标记已修改", timeout=3)

        self.app.push_screen(MarkDialog(no, self._members(), mark), done)

    def on_marks_list_delete_requested(self, event: MarksList.DeleteRequested) -> None:
        event.stop()
        if self.backcheck:
            self.delete_category(event.uuid)
        else:
            self.delete_mark(event.uuid)

    # -- back-check mode: the second inspector's own result (never a mark or a status) -------------------------------

    def _record_backcheck(self, status: str, categories: list[str], note: str, saved: str) -> None:
        """Save the second inspector's result (committed with its trail row), then reload and say 已保存."""
        no = self.household_no
        try:
            self.app.reviewer.record_backcheck(no, status, categories, note)
        except ReviewError as exc:
            self.notify(str(exc), severity="error")
            return
        self.load(no)
        self.notify(f"已保存：{saved}", timeout=3)

    def edit_category(self, category: str | None) -> None:
        """F2 (``category`` None: add one) or Enter on a recorded category (change it): the taxonomy dialog with
        the note; saved as 有问题 with the categories found."""
        item = self.detail.backcheck if self.detail else None
        if item is None:
            return

        def done(result: dict | None) -> None:
            if not result:
                return
            cats = [c for c in item.categories if c != category]
            if result["category"] not in cats:
                cats.append(result["category"])
            self._record_backcheck(ReviewStatus.ISSUES.value, cats, result["note"],
                                   f"复核问题类别“{category_label(result['category'])}”")

        self.app.push_screen(MarkDialog(self.household_no, [], backcheck=True, category=category, note=item.note),
                             done)

    def backcheck_clean(self) -> None:
        """F3: the second inspector's 核查无误 (refused while they have categories recorded)."""
        item = self.detail.backcheck if self.detail else None
        if item is None:
            return
        if item.categories:
            self.notify("已记录复核问题类别，不能设为核查无误（先在“复核发现的问题”中按 Del 删除）",
                        severity="error")
            return
        if item.status == ReviewStatus.CLEAN:
            self.notify("本户复核结论已是“核查无误”", timeout=2)
            return
        self._record_backcheck(ReviewStatus.CLEAN.value, [], item.note, "复核结论 核查无误（PgDn 下一户）")

    def delete_category(self, category: str) -> None:
        """Del on a recorded category: ask, then remove it (the last one withdraws the result to 未核查)."""
        item = self.detail.backcheck if self.detail else None
        if item is None or category not in item.categories:
            return
        rest = [c for c in item.categories if c != category]

        def done(ok: bool | None) -> None:
            if ok:
                status = ReviewStatus.ISSUES if rest else ReviewStatus.PENDING
                self._record_backcheck(status.value, rest, item.note, f"删除复核问题类别“{category_label(category)}”")

        self.app.push_screen(ConfirmDialog(f"删除复核问题类别“{category_label(category)}”？（操作记入日志）"), done)

    def delete_mark(self, uuid: str) -> None:
        """Ask, then soft-delete mark ``uuid`` (recorded in the trail; Ctrl+Z brings it back)."""
        no = self.household_no

        def done(ok: bool | None) -> None:
            if not ok:
                return
            try:
                self.app.reviewer.delete_mark(uuid)
            except ReviewError as exc:
                self.notify(str(exc), severity="error")
                return
            self.load(no)
            self.notify("已删除标记（^Z 可撤销）", timeout=3)

        self.app.push_screen(ConfirmDialog("删除这条问题标记？（操作记入日志，可用 Ctrl+Z 撤销）"), done)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        kind, _, ident = (event.option.id or "").partition(":")
        if kind == "finding":
            self.open_finding(int(ident))
        elif kind == "clue":
            self.open_clue(int(ident))
        elif kind == "mark":
            self.open_mark(ident)
        elif kind == "bc":
            self.edit_category(ident)

    def action_village(self) -> None:
        """Open the village view of this household's village."""
        from fupin_tui.screens.village import VillageScreen

        self.app.push_screen(VillageScreen(self.household_no))
