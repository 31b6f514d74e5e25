"""The help screen (F1 or ?): every key of every screen, grouped by action, built from the screens' BINDINGS so it
cannot drift from what the keys do. Input-method-safe keys (F-keys, PgUp/PgDn, Ctrl chords) come first; letters
are extra shortcuts that only work while the input method is off."""

from __future__ import annotations

from collections.abc import Iterable

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

_KEY_NAMES = {
    "pagedown": "PgDn", "pageup": "PgUp", "escape": "Esc", "enter": "Enter", "delete": "Del", "tab": "Tab",
    "question_mark": "?", "left_square_bracket": "[", "right_square_bracket": "]",
}


def key_name(key: str) -> str:
    """Display name of a Textual key (``ctrl+z`` → ``Ctrl+Z``, ``f2`` → ``F2``, ``pagedown`` → ``PgDn``)."""
    parts = key.split("+")
    out = []
    for p in parts:
        if p in _KEY_NAMES:
            out.append(_KEY_NAMES[p])
        elif p == "ctrl":
            out.append("Ctrl")
        elif len(p) <= 3 and p.startswith("f") and p[1:].isdigit():
            out.append(p.upper())
        elif len(p) == 1:
            out.append(p.upper() if out else p)
        else:
            out.append(p.capitalize())
    return "+".join(out)


def _ime_safe(key: str) -> bool:
    return key.startswith(("f", "ctrl+", "page", "escape", "enter", "delete", "tab")) and not (len(key) == 1)


def binding_rows(bindings: Iterable[Binding | tuple]) -> list[tuple[str, str, str]]:
    """(IME-safe keys, letter keys, description) per action, in first-seen order."""
    grouped: dict[str, tuple[list[str], list[str], str]] = {}
    for b in bindings:
        if not isinstance(b, Binding):
            b = Binding(*b)
        for key in b.key.split(","):
            key = key.strip()
            safe, letters, desc = grouped.setdefault(b.action, ([], [], b.description))
            if not desc and b.description:
                grouped[b.action] = (safe, letters, b.description)
            (safe if _ime_safe(key) else letters).append(key_name(key))
    return [(" / ".join(s), " / ".join(l), d) for s, l, d in grouped.values() if d]


class HelpScreen(ModalScreen[None]):
    """All keys by screen. ``sections``: (screen title, bindings) pairs."""

    BINDINGS = [
        Binding("escape", "dismiss", "关闭", key_display="Esc"),
        Binding("f1", "dismiss", "关闭", show=False),
        Binding("question_mark", "dismiss", "关闭", show=False),
        Binding("q", "dismiss", "关闭", show=False),
    ]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 90; max-width: 100%; height: 100%; max-height: 100%;
        border: thick $accent; background: $surface; padding: 0 1;
    }
    """

    def __init__(self, sections: list[tuple[str, list]]) -> None:
        super().__init__()
        self.sections = sections

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body"):
            intro = Text("按键帮助", style="bold")
            intro.append("（Esc 关闭）\n", style="dim")
            intro.append("开着中文输入法时字母键会被输入法接收：请用第一列的功能键、翻页键和 Ctrl 组合键；"
                         "字母键只在输入法关闭时有效。", style="dim")
            yield Static(intro)
            for title, bindings in self.sections:
                table = Table(title=title, title_justify="left", title_style="bold", expand=True,
                              show_edge=False, pad_edge=False)
                table.add_column("按键（输入法下可用）", no_wrap=True, ratio=3)
                table.add_column("字母键", no_wrap=True, ratio=2)
                table.add_column("作用", ratio=4)
                for safe, letters, desc in binding_rows(bindings):
                    table.add_row(safe or "—", letters or "", desc)
                yield Static(table)
