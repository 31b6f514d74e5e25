"""Run the rulebook over a county: evaluate every enabled rule set-based, render messages, replace the findings.

One transaction per run (:func:`fupin_tui.models.db.bulk_connection`): the county's previous findings are deleted and
the new ones bulk-inserted, so a failed run leaves the previous findings in place. Verdicts (:class:`FindingVerdict`)
are keyed by (county, rule, household, member) and are never touched: a re-run finds them again.

Messages mask ID numbers and phones (first 6 / last 4, first 3 / last 4); the ``values`` JSON of a finding keeps the
values as stored (the database holds them anyway); the report masks what it prints.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import string
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Connection, Engine

from fupin_tui import glossary as g
from fupin_tui.checks.frame import CheckData, county_info, load_check_data
from fupin_tui.checks.predicates import FIELD_LABELS, LEVELS, PREDICATES, Hits
from fupin_tui.checks.rulebook import Rule, Rulebook, load_rulebook
from fupin_tui.idnumber import mask_account, mask_id, mask_phone
from fupin_tui.models.db import DatabaseError, bulk_connection
from fupin_tui.models.tables import County, Finding, Meta

META_PREFIX = "checks:"


class CheckError(RuntimeError):
    """A rule failed while running (bad parameters in a rules file…). ``str()`` is a Chinese message naming it."""


# ------------------------------------------------------------------------------------------------------ values, text


def jsonable(value: Any) -> Any:
    """A JSON-ready copy of a predicate value: numpy scalars → Python, NaN → None, whole floats → int,
    other floats rounded to 2 decimals, containers recursively."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return None
        return int(value) if value.is_integer() else round(value, 2)
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, np.ndarray)):
        return [jsonable(v) for v in value]
    if value is None or isinstance(value, (str, int, bool)):
        return value
    return str(value)


def _sensitive(key: str) -> str | None:
    if "id_number" in key or key in ("upgraded", "id"):
        return "id"
    if "phone" in key:
        return "phone"
    if "bank_account" in key:
        return "account"
    return None


def _mask(kind: str | None, value: Any) -> Any:
    if kind is None or value is None:
        return value
    if isinstance(value, list):
        return [_mask(kind, v) for v in value]
    text = str(value)
    return {"id": mask_id, "phone": mask_phone, "account": mask_account}[kind](text)


def _display(value: Any) -> str:
    if value is None:
        return "空"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dict):
        parts = []
        for k, v in value.items():
            shown = _mask(_sensitive(str(k)), v)
            parts.append(f"{FIELD_LABELS.get(str(k), str(k))}“{_display(shown)}”")
        return "、".join(parts)
    if isinstance(value, list):
        return "、".join(_display(v) for v in value) if value else "无"
    if value == "":
        return "空"
    return str(value)


class _MessageFormatter(string.Formatter):
    def __init__(self) -> None:
        super().__init__()
        self.missing: set[str] = set()

    def get_value(self, key: Any, args: Any, kwargs: Mapping[str, Any]) -> Any:
        if isinstance(key, int) or key not in kwargs:
            self.missing.add(str(key))
            return "？"
        return _mask(_sensitive(key), kwargs[key])

    def format_field(self, value: Any, format_spec: str) -> str:
        if format_spec and isinstance(value, (int, float)) and not isinstance(value, bool):
            return format(value, format_spec)
        return _display(value)


def render_message(template: str, values: Mapping[str, Any]) -> tuple[str, set[str]]:
    """Render a rule's message with JSON-ready ``values``: IDs, phones and accounts masked, None/blank → 空, lists
    joined with 、, dicts as ``字段“值”``. Returns the text and the placeholder names that had no value (shown ？)."""
    formatter = _MessageFormatter()
    try:
        text = formatter.vformat(template, (), dict(values))
    except (ValueError, IndexError) as exc:
        return template, {f"模板错误：{exc}"}
    return text, formatter.missing


# --------------------------------------------------------------------------------------------------------- results


@dataclass
class RuleResult:
    """One rule's outcome in a run: findings and households hit, time taken (s), missing message placeholders."""

    rule: Rule
    findings: int = 0
    households: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready summary row."""
        r = self.rule
        return {"rule": r.id, "title": r.title, "level": r.level, "category": r.category,
                "category_label": r.category_label, "severity": r.severity, "findings": self.findings,
                "households": self.households}


@dataclass
class CheckReport:
    """The result of :func:`run_checks`: the findings written (dicts with the :class:`Finding` columns) and counts.

    ``households`` / ``members``: rows evaluated; ``results``: per rule, in book order; ``seconds``: wall time of the
    whole run (fetch, evaluation, write); ``warnings``: Chinese notes (placeholders without values…).
    """

    counties: list[str]
    rulebook: Rulebook
    findings: list[dict[str, Any]] = field(default_factory=list)
    results: dict[str, RuleResult] = field(default_factory=dict)
    households: int = 0
    members: int = 0
    seconds: float = 0.0
    run_at: dt.datetime | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def severe_households(self) -> set[tuple[str, str]]:
        """(county, 户编号) of households with at least one 严重 finding."""
        return {(f["county_code"], f["household_no"]) for f in self.findings
                if f["severity"] == g.Severity.SEVERE.value and f["household_no"]}

    def summary(self) -> dict[str, Any]:
        """Counts for ``--json`` and screens: counties, households, members, findings, households with findings and
        with a 严重 finding (and its share), per rule (book order, rules without findings included)."""
        with_any = {(f["county_code"], f["household_no"]) for f in self.findings if f["household_no"]}
        severe = self.severe_households
        return {
            "counties": self.counties,
            "households": self.households,
            "members": self.members,
            "rules_run": len(self.results),
            "findings": len(self.findings),
            "households_with_findings": len(with_any),
            "households_with_severe": len(severe),
            "severe_share": round(len(severe) / self.households, 4) if self.households else 0.0,
            "by_rule": [r.as_dict() for r in self.results.values()],
            "rulebook": {"sources": self.rulebook.sources, "digest": self.rulebook.digest},
            "seconds": round(self.seconds, 3),
        }

    def to_json(self) -> dict[str, Any]:
        """``{"findings": [{"rule", "household_no", "member_no", "severity", "category", "message", …}], "summary"}``
        (items also carry county, level, title and category_label; never the raw values)."""
        items = []
        for f in self.findings:
            rule = self.rulebook.get(f["rule_id"])
            items.append({
                "rule": f["rule_id"], "household_no": f["household_no"], "member_no": f["member_no"],
                "severity": f["severity"], "category": f["category"], "message": f["message"],
                "county": f["county_code"], "level": f["level"], "title": rule.title if rule else f["rule_id"],
                "category_label": g.category_label(f["category"]),
            })
        return {"findings": items, "summary": self.summary()}


# ---------------------------------------------------------------------------------------------------------- running


def evaluate_rule(rule: Rule, data: CheckData) -> Hits:
    """Evaluate one rule over one county's data. Raises :class:`CheckError` (Chinese) when the predicate fails."""
    spec = PREDICATES[rule.predicate]
    try:
        return spec.fn(data, rule.params_for(data.county.data_year))
    except Exception as exc:  # noqa: BLE001 - a bad rules file must name the rule, not show a traceback
        detail = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        raise CheckError(f"规则 {rule.id}（{rule.title}）执行出错：{detail}") from exc


def evaluate_rules(book: Rulebook, data: CheckData, run_at: dt.datetime | None = None,
                   report: CheckReport | None = None) -> list[dict[str, Any]]:
    """Evaluate every enabled rule of ``book`` over ``data``; return finding rows (dicts of :class:`Finding` columns,
    one per record per rule). Nothing is written. Per-rule counts and warnings go to ``report`` when given."""
    run_at = run_at or dt.datetime.now(dt.timezone.utc)
    rows: list[dict[str, Any]] = []
    for rule in book.enabled:
        started = time.perf_counter()
        found = evaluate_rule(rule, data)
        keys = LEVELS[rule.level].keys
        missing: set[str] = set()
        households: set[str] = set()
        for k, i in enumerate(found.index.tolist()):
            key = keys(data, int(i))
            values = jsonable(found.value_at(k))
            message, absent = render_message(rule.message, values)
            missing |= absent
            rows.append({
                "county_code": data.county.code, "rule_id": rule.id, "level": rule.level,
                "household_id": key.household_id, "household_no": key.household_no, "member_no": key.member_no,
                "target": key.target, "severity": rule.severity, "category": rule.category, "message": message,
                "values": values, "run_at": run_at,
            })
            if key.household_no:
                households.add(key.household_no)
        if report is not None:
            result = report.results.setdefault(rule.id, RuleResult(rule))
            result.findings += len(found)
            result.households += len(households)
            result.seconds += time.perf_counter() - started
            if missing:
                report.warnings.append(f"规则 {rule.id} 的提示模板中 {'、'.join(sorted(missing))} 没有对应的值")
    return rows


def _counties(conn: Connection, county: str | None) -> list[County]:
    t = County.__table__.c
    query = select(County.__table__).order_by(t.code)
    if county:
        query = query.where(t.code == county)
    rows = [County(**dict(r._mapping)) for r in conn.execute(query)]
    if county and not rows:
        raise DatabaseError(f"数据库中没有县代码 {county}")
    if not rows:
        raise DatabaseError("数据库中还没有任何县的数据（请先用 fupin import 导入）")
    return rows


def _write_meta(conn: Connection, county_code: str, record: dict[str, Any]) -> None:
    key = META_PREFIX + county_code
    table = Meta.__table__
    conn.execute(delete(table).where(table.c.key == key))
    conn.execute(insert(table).values(key=key, value=json.dumps(record, ensure_ascii=False, sort_keys=True)))


def run_checks(engine: Engine, county: str | None = None, rules_path: str | Path | None = None, *,
               rulebook: Rulebook | None = None) -> CheckReport:
    """Run the rulebook (shipped, merged with ``rules_path``) over ``county`` (every county of the database when
    None) and replace that county's findings in one transaction; verdicts are kept.

    Returns a :class:`CheckReport`. Raises :class:`fupin_tui.checks.rulebook.RulebookError` for a bad rules file,
    :class:`CheckError` when a rule fails, :class:`fupin_tui.models.db.DatabaseError` when the county is absent
    (all with Chinese messages). The run's rule titles, digest and counts are kept in ``meta`` (``checks:<county>``)
    for :func:`fupin_tui.checks.queries.last_run`.
    """
    book = rulebook or load_rulebook(rules_path)
    started = time.perf_counter()
    run_at = dt.datetime.now(dt.timezone.utc)
    shared: dict[str, Any] = {}
    with bulk_connection(engine) as conn:
        counties = _counties(conn, county)
        report = CheckReport(counties=[c.code for c in counties], rulebook=book, run_at=run_at)
        for c in counties:
            data = load_check_data(conn, county_info(c))
            data.shared = shared
            rows = evaluate_rules(book, data, run_at, report)
            conn.execute(delete(Finding.__table__).where(Finding.__table__.c.county_code == c.code))
            if rows:
                conn.execute(insert(Finding.__table__), rows)
            report.findings.extend(rows)
            report.households += data.hh.n
            report.members += data.mem.n
            counts: dict[str, int] = {}
            for row in rows:
                counts[row["rule_id"]] = counts.get(row["rule_id"], 0) + 1
            _write_meta(conn, c.code, {
                "run_at": run_at.isoformat(), "digest": book.digest, "sources": book.sources,
                "households": data.hh.n, "members": data.mem.n, "findings": len(rows), "counts": counts,
                "rules": {r.id: {"title": r.title, "level": r.level, "category": r.category, "severity": r.severity}
                          for r in book.enabled},
            })
    report.seconds = time.perf_counter() - started
    return report
