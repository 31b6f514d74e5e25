"""The command palette (Ctrl+P) provider: jump to any household of the county by 户编号, 证件号码 or 姓名, sampled
or not (prefix / LIKE queries in the database, at most 20 hits, IDs masked), plus the app's own commands."""

from __future__ import annotations

import asyncio
from functools import partial

from rich.text import Text
from textual.command import DiscoveryHit, Hit, Hits, Provider

_COMMANDS = (
    ("继续核查：下一未核查户", "resume", "打开样本中第一户未核查的户"),
    ("样本清单", "sample_list", "按核查状态筛选样本户"),
    ("评分", "grade", "等级评定与各乡镇错误率"),
    ("总览", "overview", "全县概况、抽样进度、疑点与线索"),
    ("按键帮助", "help", "所有按键"),
    ("撤销", "undo", "撤销本人最近一次操作"),
    ("重做", "redo", "重做刚撤销的操作"),
)


class HouseholdSearch(Provider):
    """Households by 户编号 (prefix), 证件号码 (prefix or last digits) or 姓名 (contains); app commands by name."""

    async def discover(self) -> Hits:
        for title, action, help_text in _COMMANDS:
            yield DiscoveryHit(title, partial(self.app.run_action, action), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, action, help_text in _COMMANDS:
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), partial(self.app.run_action, action), help=help_text)
        reviewer = getattr(self.app, "reviewer", None)
        if reviewer is None or not query.strip():
            return
        hits = await asyncio.to_thread(reviewer.search, query.strip(), 20)
        for rank, h in enumerate(hits):
            label = Text()
            label.append(h.household_no, style="bold")
            label.append(f"  {h.head_name}")
            if h.member_name and h.member_name != h.head_name:
                label.append(f"（{h.member_name}）")
            label.append("  样本户" if h.sampled else "  非样本", style="green" if h.sampled else "dim")
            label.append(f"  {h.masked_id}  {h.village or h.township}", style="dim")
            yield Hit(1.0 - rank / 100, label, partial(self.app.open_household, h.household_no),
                      text=f"{h.household_no} {h.head_name}", help=f"按{h.matched}找到")
