"""Reusable Textual widgets (the only code besides ``screens/`` and ``app.py`` that imports textual)."""

from fupin_tui.widgets.cards import HouseholdCard, IncomeCard
from fupin_tui.widgets.lists import CluesList, FindingsList, MarksList
from fupin_tui.widgets.members import MemberTable
from fupin_tui.widgets.table import FupinTable

__all__ = ["CluesList", "FindingsList", "FupinTable", "HouseholdCard", "IncomeCard", "MarksList", "MemberTable"]
