"""The members table of the household screen (the shared :class:`FupinTable`, members' columns)."""

from __future__ import annotations

from rich.text import Text

from fupin_tui.review import MemberRow
from fupin_tui.widgets.fmt import number
from fupin_tui.widgets.table import FupinTable

COLUMNS = (
    "序", "姓名", "证件号码", "与户主关系", "性别", "年龄", "民族", "文化程度", "在校生状况", "健康状况", "劳动技能",
    "务工状况", "务工(月)", "大病医疗", "人员状态",
)
#: Fixed column widths (cells): every household's table is as wide as the last one, so moving to the next household
#: never changes the table's scrollable width (which would cost a second layout pass). Longer text is cut with …
WIDTHS = (2, 16, 21, 10, 5, 4, 10, 12, 10, 10, 16, 16, 8, 8, 8)


def _fit(value: str | Text, width: int) -> Text:
    text = value if isinstance(value, Text) else Text(value)
    if text.cell_len > width:
        text = text.copy()
        text.truncate(width - 1)
        text.append("…")
    gap = width - text.cell_len
    if gap > 0:
        text = text.copy() if text is value else text
        text.append(" " * gap)
    return text


class MemberTable(FupinTable):
    """One row per member: 性别 and 年龄 derived from the ID (年龄 on 31 December of the data year); a wrong check
    digit or a 性别 column that disagrees with the ID is shown in red. Row keys are 人编号."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(COLUMNS, id=id, classes=classes)

    def show_members(self, members: list[MemberRow]) -> None:
        """Replace the rows with ``members``."""
        rows, keys = [], []
        for i, row in enumerate(members, 1):
            m = row.member
            id_text = Text(m.id_number or "—")
            if m.id_number and not row.id_ok:
                id_text.stylize("bold red")
                id_text.append(" ✗", style="bold red")
            sex = Text(row.id_sex or (m.sex or "—"))
            if row.sex_conflict:
                sex = Text(f"{row.id_sex}≠{row.sex_conflict}", style="bold red")
            status = Text(m.member_status or "—", style="" if (m.member_status or "正常") == "正常" else "bold red")
            cells = (
                str(i), m.name or "—", id_text, m.relation or "—", sex, number(row.age), m.ethnicity or "—",
                m.education or "—", m.school_status or "—", m.health or "—", m.labour_skill or "—",
                m.work_status or "—", number(m.work_months), m.serious_illness_insurance or "—", status,
            )
            rows.append(tuple(_fit(c, w) for c, w in zip(cells, WIDTHS)))
            keys.append(m.member_no or f"#{m.id}")
        self.show(rows, keys)
        self.border_title = f"家庭成员（{len(members)} 人）"
        # the horizontal scrollbar is hidden (it cost a layout pass per household): say how to see the other columns
        self.border_subtitle = "Tab 选中后 ←/→ 查看其余各列"
