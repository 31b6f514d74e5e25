"""Modal dialogs: the mark dialog, the verdict dialog for a finding, the clue status dialog, a confirmation, and
the inspector prompt asked on first start. Each returns its result with ``dismiss`` (None when cancelled); the
screen that opened it calls the review service, which commits before anything is shown as saved.

Keys inside a dialog work with an input method switched on: Ctrl+S or F2 saves, Esc cancels, Tab moves, Enter in
the note saves. A dialog whose fields were changed (:meth:`FupinDialog.is_dirty`) is never closed silently: Esc asks
"放弃未保存的内容？" (:class:`DiscardDialog`: Ctrl+D 放弃, F2 / Ctrl+S 保存, Esc or Enter 继续编辑), and so does Ctrl+Q
anywhere while such a dialog is open (the app asks; Ctrl+Q again 放弃并退出). Note inputs keep their text when focused
(cursor at the end, nothing selected), so the first key typed never replaces a note being edited.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, RadioButton, RadioSet, Select, Static

from fupin_tui.glossary import CATEGORIES, CLUE_STATUSES, HOUSEHOLD_FIELDS, MEMBER_FIELDS, Severity, clue_kind_label
from fupin_tui.models import Clue, Mark
from fupin_tui.widgets.fmt import dept_text

_SAVE_BINDINGS = [
    Binding("ctrl+s", "save", "保存", key_display="^S"),
    Binding("f2", "save", "保存", show=False),
    Binding("escape", "cancel", "取消", key_display="Esc"),
]

_NONE = "__none__"


def note_input(value: str, placeholder: str, id: str) -> Input:  # noqa: A002 - Textual's name
    """A compact one-line Input that does NOT select its text when focused: the cursor goes to the end, so the
    first key typed adds to the text instead of replacing it (Textual selects all on focus by default)."""
    return Input(value, placeholder=placeholder, id=id, compact=True, select_on_focus=False)


class FupinDialog(ModalScreen[Any]):
    """A centred box with a title, a form grid, an error line and 保存 / 取消 buttons.

    The state of its fields (Inputs, Selects, RadioSets) is recorded when it opens; :meth:`is_dirty` tells whether
    the inspector changed any since, and Esc then asks before discarding (see :class:`DiscardDialog`)."""

    BINDINGS = _SAVE_BINDINGS
    DEFAULT_CSS = """
    FupinDialog { align: center middle; }
    FupinDialog > Vertical {
        width: 76; max-width: 100%; height: auto; max-height: 100%;
        border: thick $accent; background: $surface; padding: 0 1;
    }
    FupinDialog .dlg-title { text-style: bold; color: $text-accent; width: 100%; margin-bottom: 1; }
    FupinDialog .dlg-info { color: $text-muted; margin-bottom: 1; }
    FupinDialog Grid { grid-size: 2; grid-columns: 10 1fr; grid-rows: auto; grid-gutter: 1 1; height: auto; }
    FupinDialog Grid > Label { color: $text-muted; padding-top: 0; }
    FupinDialog .dlg-error { color: $error; height: auto; }
    FupinDialog .dlg-buttons { height: auto; align-horizontal: right; margin-top: 1; }
    FupinDialog .dlg-buttons Button { margin-left: 2; }
    """

    def _buttons(self) -> Horizontal:
        return Horizontal(
            Button("保存 (^S)", variant="primary", id="dlg-save", compact=True),
            Button("取消 (Esc)", id="dlg-cancel", compact=True),
            classes="dlg-buttons",
        )

    @on(Button.Pressed, "#dlg-save")
    def _save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#dlg-cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    _initial_state: tuple | None = None

    def on_mount(self) -> None:
        self._initial_state = self.form_state()

    def form_state(self) -> tuple:
        """The current value of every field: Input text (stripped, as saved), Select value, RadioSet choice."""
        state: list[object] = []
        for widget in self.query("Input, Select, RadioSet"):
            if isinstance(widget, Input):
                state.append(widget.value.strip())
            elif isinstance(widget, Select):
                state.append(widget.value)
            elif isinstance(widget, RadioSet):
                state.append(tuple(button.value for button in widget.query(RadioButton)))
        return tuple(state)

    def is_dirty(self) -> bool:
        """True when a field was changed since the dialog opened (and not changed back)."""
        return self._initial_state is not None and self.form_state() != self._initial_state

    def action_cancel(self) -> None:
        """Esc: close at once when nothing was changed, else ask whether to discard (or save) the changes."""
        if not self.is_dirty():
            self.dismiss(None)
            return

        def answered(answer: str | None) -> None:
            if answer == "discard":
                self.dismiss(None)
            elif answer == "save":
                self.action_save()

        self.app.push_screen(DiscardDialog(), answered)

    def action_save(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def error(self, message: str) -> None:
        """Show ``message`` in the dialog's error line (the dialog stays open)."""
        self.query_one(".dlg-error", Static).update(message)


class MarkDialog(FupinDialog):
    """Record or edit an issue: category (fixed taxonomy), severity 一般/严重, optional member, optional field,
    Chinese note. Dismisses with {"category", "severity", "member_no", "field", "note"} or None.

    ``backcheck``: the back-check variant — only the category (pre-set to ``category``) and the note (pre-filled
    with ``note``, the second inspector's note on the household); dismisses with {"category", "note"} or None."""

    def __init__(self, household_no: str, members: list[tuple[str, str]], mark: Mark | None = None, *,
                 backcheck: bool = False, category: str | None = None, note: str = "") -> None:
        super().__init__()
        self.household_no = household_no
        self.members = members
        self.mark = mark
        self.backcheck = backcheck
        self.initial = (mark.category if mark else category, mark.note if mark else note)

    def compose(self) -> ComposeResult:
        m = self.mark
        category, note = self.initial
        if self.backcheck:
            title = f"复核：{'修改' if category else '添加'}问题类别 · 户 {self.household_no}"
        else:
            title = f"{'修改' if m else '标记'}问题 · 户 {self.household_no}"
        with Vertical():
            yield Label(title, classes="dlg-title")
            with Grid():
                yield Label("问题类别")
                yield Select([(label, key) for key, label in CATEGORIES.items()], prompt="选择类别",
                             value=category or Select.NULL, id="mk-category", compact=True)
                if not self.backcheck:
                    yield Label("严重程度")
                    with RadioSet(id="mk-severity", compact=True):
                        for sev in Severity:
                            yield RadioButton(sev.value,
                                              value=(m.severity if m else Severity.MINOR.value) == sev.value)
                    yield Label("成员")
                    yield Select([("（全户）", _NONE), *[(label, no) for no, label in self.members]],
                                 allow_blank=False, value=(m.member_no if m and m.member_no else _NONE),
                                 id="mk-member", compact=True)
                    yield Label("字段")
                    yield Select(self._field_options(m.member_no if m else None), allow_blank=False,
                                 value=(m.field if m and m.field else _NONE), id="mk-field", compact=True)
                yield Label("说明")
                yield note_input(note, f"{'复核' if self.backcheck else '问题'}说明（可输入中文；回车保存）", "mk-note")
            yield Static("", classes="dlg-error")
            yield self._buttons()

    def on_mount(self) -> None:
        self.query_one("#mk-category" if self.initial[0] is None else "#mk-note").focus()

    @staticmethod
    def _field_options(member_no: str | None) -> list[tuple[str, str]]:
        fields = MEMBER_FIELDS if member_no else HOUSEHOLD_FIELDS
        return [("（不指定）", _NONE), *[(label, key) for key, label in fields.items()]]

    @on(Select.Changed, "#mk-member")
    def _member_changed(self, event: Select.Changed) -> None:
        field = self.query_one("#mk-field", Select)
        member = None if event.value == _NONE else str(event.value)
        current = field.value
        options = self._field_options(member)
        field.set_options(options)
        field.value = current if any(v == current for _, v in options) else _NONE

    @on(Input.Submitted, "#mk-note")
    def _note_submitted(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        category = self.query_one("#mk-category", Select).value
        if category is Select.NULL:
            self.error("请选择问题类别")
            self.query_one("#mk-category").focus()
            return
        if self.backcheck:
            self.dismiss({"category": category, "note": self.query_one("#mk-note", Input).value.strip()})
            return
        pressed = self.query_one("#mk-severity", RadioSet).pressed_button
        severity = str(pressed.label) if pressed is not None else Severity.MINOR.value
        member = self.query_one("#mk-member", Select).value
        field = self.query_one("#mk-field", Select).value
        self.dismiss({
            "category": category, "severity": severity,
            "member_no": None if member in (_NONE, Select.NULL) else member,
            "field": None if field in (_NONE, Select.NULL) else field,
            "note": self.query_one("#mk-note", Input).value.strip(),
        })


class FindingDialog(FupinDialog):
    """Verdict on a finding: 属实 (becomes a mark with the rule's category) or 不属实 (a note is required).
    Dismisses with {"verdict", "note"} or None."""

    BINDINGS = [*_SAVE_BINDINGS, Binding("f4", "save", "保存", show=False)]

    def __init__(self, finding: Any, verdict: str | None = None, note: str = "") -> None:
        super().__init__()
        self.finding = finding
        self.verdict = verdict
        self.note = note

    def compose(self) -> ComposeResult:
        f = self.finding
        with Vertical():
            yield Label(f"核实疑点 · 户 {f.household_no or '—'}", classes="dlg-title")
            info = Text()
            info.append(f"[{f.severity}] ", style="bold red" if f.severity == "严重" else "yellow")
            info.append(f.message or f.rule_id)
            title = getattr(f, "title", "") or f.rule_id
            info.append(f"\n规则：{title}（{f.rule_id}）" + (f" · 人编号 {f.member_no}" if f.member_no else ""),
                        style="dim")
            yield Static(info, classes="dlg-info")
            with Grid():
                yield Label("结论")
                with RadioSet(id="fd-verdict", compact=True):
                    yield RadioButton("属实（生成问题标记）", value=self.verdict != "不属实")
                    yield RadioButton("不属实（须填写说明）", value=self.verdict == "不属实")
                yield Label("说明")
                yield note_input(self.note, "核实说明（不属实时必填；回车保存）", "fd-note")
            yield Static("", classes="dlg-error")
            yield self._buttons()

    def on_mount(self) -> None:
        self.query_one("#fd-verdict").focus()

    @on(Input.Submitted, "#fd-note")
    def _note_submitted(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        index = self.query_one("#fd-verdict", RadioSet).pressed_index
        verdict = "不属实" if index == 1 else "属实"
        note = self.query_one("#fd-note", Input).value.strip()
        if verdict == "不属实" and not note:
            self.error("判定“不属实”必须填写说明")
            self.query_one("#fd-note").focus()
            return
        self.dismiss({"verdict": verdict, "note": note})


class ClueDialog(FupinDialog):
    """Status of a clue: 待核实 / 属实 (becomes a mark) / 不属实 / 已说明 (both need a note).
    Dismisses with {"status", "note"} or None."""

    BINDINGS = [*_SAVE_BINDINGS, Binding("f5", "save", "保存", show=False)]

    def __init__(self, clue: Clue) -> None:
        super().__init__()
        self.clue = clue

    def compose(self) -> ComposeResult:
        c = self.clue
        with Vertical():
            yield Label(f"核实线索 · {dept_text(c.dept)} · 户 {c.household_no or '—'}", classes="dlg-title")
            info = Text(clue_kind_label(c.kind), style="bold")
            info.append(f"\n{c.message}" if c.message else "")
            if c.member_no:
                info.append(f"\n人编号 {c.member_no}", style="dim")
            info.append(f"\n对方：{c.their_value or '—'}    本系统：{c.our_value or '—'}", style="dim")
            if c.suggestion:
                info.append(f"\n建议：{c.suggestion}", style="dim")
            yield Static(info, classes="dlg-info")
            with Grid():
                yield Label("状态")
                with RadioSet(id="cl-status", compact=True):
                    for status in CLUE_STATUSES:
                        yield RadioButton(status, value=c.status == status)
                yield Label("说明")
                yield note_input(c.note, "核实说明（不属实、已说明时必填；回车保存）", "cl-note")
            yield Static("", classes="dlg-error")
            yield self._buttons()

    def on_mount(self) -> None:
        self.query_one("#cl-status").focus()

    @on(Input.Submitted, "#cl-note")
    def _note_submitted(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        index = self.query_one("#cl-status", RadioSet).pressed_index
        status = CLUE_STATUSES[index] if index >= 0 else CLUE_STATUSES[0]
        note = self.query_one("#cl-note", Input).value.strip()
        if status in ("不属实", "已说明") and not note:
            self.error(f"线索判定“{status}”必须填写说明")
            self.query_one("#cl-note").focus()
            return
        self.dismiss({"status": status, "note": note})


class ConfirmDialog(FupinDialog):
    """A yes/no question; dismisses with True (Enter / Ctrl+S / y) or False (Esc / n)."""

    BINDINGS = [
        Binding("enter", "save", "确定", show=False),
        Binding("ctrl+s", "save", "确定", key_display="^S"),
        Binding("y", "save", "确定", show=False),
        Binding("escape", "cancel", "取消", key_display="Esc"),
        Binding("n", "cancel", "取消", show=False),
    ]

    def __init__(self, question: str, title: str = "请确认") -> None:
        super().__init__()
        self.question = question
        self.title_text = title

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text, classes="dlg-title")
            yield Static(self.question, classes="dlg-info")
            yield Static("", classes="dlg-error")
            yield Horizontal(
                Button("确定 (Enter)", variant="primary", id="dlg-save", compact=True),
                Button("取消 (Esc)", id="dlg-cancel", compact=True),
                classes="dlg-buttons",
            )

    def action_save(self) -> None:
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)


class DiscardDialog(FupinDialog):
    """Asked before a dialog with unsaved changes is closed. Dismisses with ``"discard"`` (Ctrl+D, or Ctrl+Q when
    ``quitting``), ``"save"`` (F2 / Ctrl+S, the dialogs' save keys) or None (Esc, or Enter on the focused
    继续编辑 button: back to editing). Enter never discards: an inspector who pressed Esc by mistake and then Enter
    to save must not lose the note. ``quitting``: asked by Ctrl+Q (the app exits on "discard")."""

    BINDINGS = [
        Binding("ctrl+d", "discard", "放弃", key_display="^D"),
        Binding("ctrl+s,f2", "save", "保存", key_display="F2"),
        Binding("escape", "cancel", "继续编辑", key_display="Esc"),
    ]

    def __init__(self, quitting: bool = False) -> None:
        super().__init__()
        self.quitting = quitting

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("放弃未保存的内容并退出？" if self.quitting else "放弃未保存的内容？", classes="dlg-title")
            yield Static("对话框中填写或修改的内容尚未保存。", classes="dlg-info")
            yield Horizontal(
                Button("放弃并退出 (^Q)" if self.quitting else "放弃 (^D)", variant="error", id="dlg-discard",
                       compact=True),
                Button("保存 (F2)", variant="primary", id="dlg-save", compact=True),
                Button("继续编辑 (Esc)", id="dlg-cancel", compact=True),
                classes="dlg-buttons",
            )

    def on_mount(self) -> None:
        self.query_one("#dlg-cancel").focus()

    def is_dirty(self) -> bool:
        return False

    @on(Button.Pressed, "#dlg-discard")
    def _discard_pressed(self) -> None:
        self.action_discard()

    def action_discard(self) -> None:
        self.dismiss("discard")

    def action_save(self) -> None:
        self.dismiss("save")

    def action_cancel(self) -> None:
        self.dismiss(None)


class InspectorPrompt(FupinDialog):
    """Asked on first start: the inspector's name and unit. Dismisses with (name, unit); cannot be cancelled
    (Esc quits the app instead: nothing may be recorded without an inspector)."""

    BINDINGS = [
        Binding("ctrl+s", "save", "确定", key_display="^S"),
        Binding("escape", "quit", "退出", key_display="Esc"),
    ]

    def __init__(self, name: str = "", unit: str = "") -> None:
        super().__init__()
        self.initial = (name, unit)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("核查人员", classes="dlg-title")
            yield Static("每一条标记、状态和结论都记录核查人员（姓名和单位）。", classes="dlg-info")
            with Grid():
                yield Label("姓名")
                yield note_input(self.initial[0], "例如：张三", "ip-name")
                yield Label("单位")
                yield note_input(self.initial[1], "例如：省扶贫办（可空）", "ip-unit")
            yield Static("", classes="dlg-error")
            yield Horizontal(
                Button("确定 (^S)", variant="primary", id="dlg-save", compact=True),
                Button("退出 (Esc)", id="dlg-cancel", compact=True),
                classes="dlg-buttons",
            )

    def on_mount(self) -> None:
        self.query_one("#ip-name").focus()

    def is_dirty(self) -> bool:
        return False  # nothing can be recorded before it is answered: Esc / Ctrl+Q quit at once

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "ip-name" and not self.query_one("#ip-unit", Input).value:
            self.query_one("#ip-unit").focus()
        else:
            self.action_save()

    def action_cancel(self) -> None:
        self.app.exit()

    def action_quit(self) -> None:
        self.app.exit()

    def action_save(self) -> None:
        name = self.query_one("#ip-name", Input).value.strip()
        unit = self.query_one("#ip-unit", Input).value.strip()
        if not name:
            self.error("请填写姓名")
            self.query_one("#ip-name").focus()
            return
        if "@" in name or "@" in unit:
            self.error("姓名和单位中不能有“@”")
            return
        self.dismiss((name, unit))
