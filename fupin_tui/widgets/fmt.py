"""Small display helpers shared by the widgets and screens: amounts, percentages, times, labels."""

from __future__ import annotations

import datetime as dt

from rich.text import Text

from fupin_tui.glossary import CATEGORIES, DEPARTMENTS, HOUSEHOLD_FIELDS, MEMBER_FIELDS, ReviewStatus

STATUS_STYLE = {
    ReviewStatus.PENDING.value: "dim",
    ReviewStatus.ISSUES.value: "bold red",
    ReviewStatus.CLEAN.value: "bold green",
}
SEVERITY_STYLE = {"严重": "bold red", "一般": "yellow"}


def money(value: float | None) -> str:
    """元 with thousands separators, no decimals for whole amounts; ``—`` when missing."""
    if value is None:
        return "—"
    if abs(value - round(value)) < 0.005:
        return f"{value:,.0f}"
    return f"{value:,.2f}"


def pct(value: float | None, digits: int = 1) -> str:
    """A fraction as a percentage (0.0487 → ``4.9%``); ``—`` when None."""
    return "—" if value is None else f"{value * 100:.{digits}f}%"


def number(value: float | int | None) -> str:
    """A count or measure without trailing zeros; ``—`` when None."""
    if value is None:
        return "—"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:g}"
    return f"{int(value):,}"


def local_time(value: dt.datetime | None) -> str:
    """A stored UTC time shown in local time as ``MM-DD HH:MM``."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone().strftime("%m-%d %H:%M")


def status_text(status: str | None) -> Text:
    """A review status, coloured; ``非样本`` outside the sample."""
    if status is None:
        return Text("非样本", style="italic dim")
    return Text(status, style=STATUS_STYLE.get(status, ""))


def severity_text(severity: str) -> Text:
    """``[严重]`` / ``[一般]`` coloured."""
    return Text(f"[{severity}]", style=SEVERITY_STYLE.get(severity, ""))


def category_text(key: str) -> str:
    """Chinese label of a category key."""
    return CATEGORIES.get(key, key)


def field_text(key: str | None) -> str:
    """Chinese label of a field key (member fields first)."""
    if not key:
        return ""
    return MEMBER_FIELDS.get(key) or HOUSEHOLD_FIELDS.get(key) or key


def dept_text(code: str) -> str:
    """Chinese name of a department code."""
    return DEPARTMENTS.get(code, code)


def source_text(source: str) -> str:
    """Where a mark came from: 核查人员 / 疑点属实 / 线索属实."""
    if source.startswith("rule:"):
        return f"疑点属实（{source[5:]}）"
    if source.startswith("clue:"):
        return f"线索属实（{source[5:]}）"
    return "核查人员"
