"""The household card (attributes and living conditions) and the income card (breakdown and identities).

Both render plain :class:`rich.text.Text` laid out in aligned label/value columns (cell widths measured, so Han
characters, which take two cells, line up): much cheaper to redraw on every "next household" than a Rich table.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import Static

from fupin_tui.glossary import HOUSEHOLD_FIELDS, TRANSFER_PARTS
from fupin_tui.review import HouseholdDetail
from fupin_tui.widgets.fmt import money, number

_ATTRIBUTES = (
    "identification_standard", "household_type", "poverty_status", "main_cause", "other_causes",
)
_CONDITIONS = (
    "dilapidated_house", "water_safe", "water_difficulty", "relocation", "electricity", "road_type",
)
_SHORT = {
    "identification_standard": "识别标准", "household_type": "贫困户属性", "poverty_status": "脱贫属性",
    "main_cause": "主要致贫原因", "other_causes": "其他致贫原因", "dilapidated_house": "危房户",
    "water_safe": "饮水安全", "water_difficulty": "饮水困难", "relocation": "易地搬迁", "electricity": "通生活用电",
    "road_type": "入户路", "arable_land": "耕地（亩）", "housing_area": "住房（㎡）",
    "family_planning_income": "计划生育金", "subsistence_income": "低保金", "five_guarantee_income": "五保金",
    "pension_income": "养老保险金", "ecological_income": "生态补偿金", "other_transfer_income": "其他转移",
}
_WARN = {"dilapidated_house": "是", "water_safe": "否", "water_difficulty": "是", "electricity": "否"}


def _pad(text: Text, width: int) -> Text:
    gap = width - text.cell_len
    if gap > 0:
        text = text.copy()
        text.append(" " * gap)
    return text


def pairs_text(pairs: list[tuple[str, Text | str]], per_row: int) -> Text:
    """Label/value pairs, ``per_row`` to a line, each column padded to its widest cell (labels dim)."""
    cells = [(Text(label, style="dim"), value if isinstance(value, Text) else Text(value)) for label, value in pairs]
    rows = [cells[i:i + per_row] for i in range(0, len(cells), per_row)]
    label_w = [max((r[c][0].cell_len for r in rows if c < len(r)), default=0) for c in range(per_row)]
    value_w = [max((r[c][1].cell_len for r in rows if c < len(r)), default=0) for c in range(per_row)]
    out = Text(no_wrap=True, overflow="ellipsis")
    for n, row in enumerate(rows):
        if n:
            out.append("\n")
        for c, (label, value) in enumerate(row):
            if c:
                out.append("  ")
            out.append_text(_pad(label, label_w[c]))
            out.append(" ")
            out.append_text(_pad(value, value_w[c]) if c < len(row) - 1 else value)
    return out


class _Card(Static):
    """A bordered card that only asks for a new layout when its number of lines changes."""

    DEFAULT_CSS = """
    _Card, HouseholdCard, IncomeCard {
        height: auto; padding: 0 1; border: round $primary 50%; border-title-color: $text-accent;
    }
    """
    _lines = -1

    def _show(self, text: Text, title: str) -> None:
        lines = text.plain.count("\n") + 1
        self.border_title = title
        self.update(text, layout=lines != self._lines)
        self._lines = lines


class HouseholdCard(_Card):
    """Household attributes (识别标准, 贫困户属性, 脱贫属性, 致贫原因…), sizes and living conditions."""

    def show(self, detail: HouseholdDetail, per_row: int = 2) -> None:
        """Render ``detail``'s household, ``per_row`` label/value pairs per line."""
        h = detail.household
        rows = len(detail.members)
        size = Text(number(h.size))
        if h.size is not None and h.size != rows:
            size.append(f"（成员 {rows} 行）", style="bold red")
        declared = Text(number(h.declared_size))
        if h.declared_size is not None and h.declared_size != rows:
            declared.stylize("bold red")
        pairs: list[tuple[str, Text | str]] = [("人数", size), ("家庭人口数", declared)]
        for key in _ATTRIBUTES:
            pairs.append((_SHORT[key], getattr(h, key) or "—"))
        for key in _CONDITIONS:
            value = getattr(h, key) or "—"
            pairs.append((_SHORT[key], Text(value, style="bold red" if _WARN.get(key) == value else "")))
        pairs.append((_SHORT["arable_land"], number(h.arable_land)))
        pairs.append((_SHORT["housing_area"], number(h.housing_area)))
        self._show(pairs_text(pairs, per_row), "户基本情况")


class IncomeCard(_Card):
    """Income breakdown (元/年) and whether the four income identities hold (±1 元)."""

    def show(self, detail: HouseholdDetail, per_row: int = 2) -> None:
        """Render ``detail``'s incomes and identities, ``per_row`` label/value pairs per line."""
        h = detail.household
        if not h.has_income_record and h.annual_income is None:
            self._show(Text("无户收入数据（未导入户收入及生产生活条件表）", style="dim"), "收入（元/年）")
            return
        pairs: list[tuple[str, Text | str]] = [
            ("工资性收入", money(h.wage_income)), ("生产经营性收入", money(h.business_income)),
            ("财产性收入", money(h.property_income)), ("转移性收入", money(h.transfer_income)),
        ]
        pairs += [(_SHORT[k], money(getattr(h, k))) for k in TRANSFER_PARTS]
        pairs += [
            ("生产经营性支出", money(h.business_expense)), ("年收入", money(h.annual_income)),
            ("纯收入", money(h.net_income)), (HOUSEHOLD_FIELDS["per_capita_net_income"], money(h.per_capita_net_income)),
        ]
        if h.roster_per_capita_income is not None:
            pairs.append(("花名册人均", money(h.roster_per_capita_income)))
        text = pairs_text(pairs, per_row)
        width = max(cell_len(c.label) for c in detail.identities)
        for c in detail.identities:
            if c.holds is None:
                mark, style, figures = "？", "dim", "缺少数据"
            elif c.holds:
                mark, style, figures = "✓", "green", money(c.stored)
            else:
                mark, style, figures = "✗", "bold red", f"{money(c.stored)} ≠ {money(c.computed)}"
            text.append(f"\n{mark} ", style=style)
            text.append(c.label + " " * (width - cell_len(c.label)), style=style)
            text.append(f"  {figures}", style=style)
        self._show(text, "收入（元/年）与恒等式")
