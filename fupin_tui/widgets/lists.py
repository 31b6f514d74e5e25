"""The household screen's lists: findings (疑点) with their verdicts, clues (线索) with their statuses, marks (问题标记).

Each is an OptionList (one line per item, wrapped when long); Enter on an item posts ``OptionList.OptionSelected``
and the household screen opens the matching dialog. Option ids: ``finding:<id>``, ``clue:<id>``, ``mark:<uuid>``.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from fupin_tui.models import Clue, Mark
from fupin_tui.widgets.fmt import category_text, dept_text, field_text, local_time, severity_text, source_text

_VERDICT_STYLE = {"属实": "bold red", "不属实": "green"}
_CLUE_STYLE = {"待核实": "yellow", "属实": "bold red", "不属实": "green", "已说明": "cyan"}


class ItemList(OptionList):
    """The one list widget of the household screen (findings, clues, marks): an OptionList with the shared look and
    the option id of the highlighted item (``"finding:<id>"``, ``"clue:<id>"``, ``"mark:<uuid>"``)."""

    DEFAULT_CSS = """
    ItemList, FindingsList, CluesList, MarksList {
        height: auto;
        max-height: 12;
        border: round $primary 50%;
        border-title-color: $text-accent;
        padding: 0 1;
        &:focus { border: round $accent; }
    }
    """

    _cache_width = -1

    def _on_resize(self, event) -> None:  # noqa: ANN001
        # OptionList drops its rendered lines on every resize; only the width matters for them, and the height of
        # these auto-height lists changes with every household (that drop cost an extra frame per household).
        if event.size.width != self._cache_width:
            self._cache_width = event.size.width
            self._clear_caches()

    def _set(self, title: str, options: list[Option | None]) -> None:
        self.border_title = title
        highlighted = self.highlighted
        self.set_options([o for o in options if o is not None])
        if self.option_count:
            self.highlighted = min(highlighted or 0, self.option_count - 1)

    def _note(self, text: str) -> Option:
        return Option(Text(text, style="dim italic"), disabled=True)

    @property
    def current_id(self) -> str | None:
        """The highlighted item's id (``finding:<id>`` …), or None."""
        option = self.highlighted_option
        return option.id if option is not None and not option.disabled else None


class FindingsList(ItemList):
    """A household's findings (疑点) with the inspector's verdict; Enter or F4 opens the verdict dialog."""

    BINDINGS = [Binding("y", "verdict", "核实", show=False)]

    def show(self, findings: list[Any] | None, *, hidden: bool = False) -> None:
        """``findings``: finding views (``fupin_tui.checks.FindingView``: severity, member_no, title, message,
        verdict, verdict_note) or None (checks never ran); ``hidden``: blind mode and not yet reviewed."""
        if hidden:
            self._set("疑点（盲审）", [self._note("盲审模式：记录本户结论（无误或问题标记）后显示自动核查疑点")])
            return
        if findings is None:
            self._set("疑点", [self._note("未运行自动核查（fupin check）")])
            return
        if not findings:
            self._set("疑点（0）", [self._note("自动核查未发现本户疑点")])
            return
        options: list[Option | None] = []
        pending = 0
        for f in findings:
            text = Text()
            text.append_text(severity_text(f.severity))
            text.append(" ")
            if f.member_no:
                text.append(f"[人 {f.member_no[-2:]}] ", style="cyan")
            text.append(f.message or f.title or f.rule_id)
            if f.verdict is None:
                pending += 1
                text.append("  待核实", style="yellow")
            else:
                text.append(f"  {f.verdict}", style=_VERDICT_STYLE.get(f.verdict, ""))
                if f.verdict_note:
                    text.append(f"：{f.verdict_note}", style="dim")
            options.append(Option(text, id=f"finding:{f.id}"))
        self._set(f"疑点（{len(findings)}，待核实 {pending}）", options)

    def action_verdict(self) -> None:
        if self.highlighted is not None:
            self.action_select()


class CluesList(ItemList):
    """A household's clues (线索) from the department comparison; Enter or F5 opens the status dialog."""

    def show(self, clues: list[Clue]) -> None:
        """``clues``: the household's active clues (empty list when no comparison ran or nothing matched)."""
        if not clues:
            self._set("部门比对线索（0）", [self._note("无部门比对线索")])
            return
        options: list[Option | None] = []
        for c in clues:
            text = Text()
            text.append(f"[{dept_text(c.dept)}] ", style="cyan")
            if c.member_no:
                text.append(f"[人 {c.member_no[-2:]}] ", style="cyan")
            text.append(c.message or c.kind)
            if c.their_value or c.our_value:
                text.append(f"（对方：{c.their_value or '—'}；本系统：{c.our_value or '—'}）", style="dim")
            text.append(f"  {c.status}", style=_CLUE_STYLE.get(c.status, ""))
            if c.note:
                text.append(f"：{c.note}", style="dim")
            options.append(Option(text, id=f"clue:{c.id}"))
        pending = sum(1 for c in clues if c.status == "待核实")
        self._set(f"部门比对线索（{len(clues)}，待核实 {pending}）", options)


class MarksList(ItemList):
    """The household's active marks (问题标记); Enter edits one, Delete removes it (both recorded in the trail)."""

    BINDINGS = [
        Binding("delete", "delete_mark", "删除标记", show=False),
        Binding("ctrl+d", "delete_mark", "删除标记", show=False),
    ]

    def show(self, marks: list[Mark]) -> None:
        """``marks``: the household's active marks in creation order."""
        if not marks:
            self._set("问题标记（0）", [self._note("本户尚无问题标记（F2 添加）")])
            return
        options: list[Option | None] = []
        for m in marks:
            text = Text()
            text.append_text(severity_text(m.severity))
            text.append(f" {category_text(m.category)}", style="bold")
            if m.member_no:
                text.append(f" · 人 {m.member_no[-2:]}", style="cyan")
            if m.field:
                text.append(f" · {field_text(m.field)}", style="cyan")
            if m.note:
                text.append(f" · {m.note}")
            text.append(f"  {m.inspector} {local_time(m.created_at)}", style="dim")
            if m.source != "inspector":
                text.append(f" · {source_text(m.source)}", style="dim")
            options.append(Option(text, id=f"mark:{m.uuid}"))
        self._set(f"问题标记（{len(marks)}）", options)

    def show_backcheck(self, categories: tuple[str, ...] | list[str], note: str, status: str | None) -> None:
        """Back-check mode: the second inspector's OWN result in this slot — one line per category found (id
        ``bc:<category key>``; Enter changes it, Delete removes it), then their note. The first inspector's marks are
        never shown here."""
        options: list[Option | None] = [
            Option(Text(category_text(c), style="bold red"), id=f"bc:{c}") for c in categories]
        if not categories:
            options.append(self._note("复核结论：核查无误" if status == "核查无误"
                                      else "尚未记录复核结论（F2 添加问题类别，F3 核查无误）"))
        if note:
            options.append(self._note(f"说明：{note}"))
        self._set(f"复核发现的问题（{len(categories)}）", options)

    class DeleteRequested(Message):
        """The inspector pressed Delete on a mark (``uuid``; in back-check mode a category key)."""

        def __init__(self, uuid: str) -> None:
            super().__init__()
            self.uuid = uuid

    def action_delete_mark(self) -> None:
        mark_id = self.current_id
        if mark_id:
            self.post_message(self.DeleteRequested(mark_id.partition(":")[2]))
