"""Automatic checks (自动核查): a declarative rulebook, set-based predicates, a runner writing findings (疑点).

Public API:

- :func:`load_rulebook` (``extra_path`` merged over the shipped ``rulebook.toml`` by rule id) → :class:`Rulebook`;
- :func:`run_checks` (engine, county=None, rules_path=None) → :class:`CheckReport`, replacing the county's findings
  in one transaction and keeping the inspectors' verdicts;
- :func:`findings_for_household`, :func:`findings_with_verdicts` → :class:`FindingView` (with verdicts);
- :func:`summary_by_rule` → :class:`RuleSummary`; :func:`severe_households` → set of 户编号;
  :func:`finding_counts_by_household`, :func:`overview`, :func:`last_run`.

Headless: no Textual here.
"""

from fupin_tui.checks.predicates import LEVELS, PREDICATES, Hits, LevelSpec, hits, predicate
from fupin_tui.checks.queries import (
    FindingView,
    RuleSummary,
    finding_counts_by_household,
    findings_for_household,
    findings_with_verdicts,
    last_run,
    overview,
    severe_households,
    summary_by_rule,
)
from fupin_tui.checks.rulebook import Rule, Rulebook, RulebookError, load_rulebook
from fupin_tui.checks.runner import CheckError, CheckReport, evaluate_rules, render_message, run_checks

__all__ = [
    "LEVELS", "PREDICATES", "CheckError", "CheckReport", "FindingView", "Hits", "LevelSpec", "Rule", "RuleSummary",
    "Rulebook", "RulebookError", "evaluate_rules", "finding_counts_by_household", "findings_for_household",
    "findings_with_verdicts", "hits", "last_run", "load_rulebook", "overview", "predicate", "render_message",
    "run_checks", "severe_households", "summary_by_rule",
]
