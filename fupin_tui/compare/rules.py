"""Clue rules as data: load ``rules.toml`` (or a user file), check it, evaluate conditions, render templates.

A rule is one kind of clue (see the comment block at the top of ``rules.toml`` for the format). This module knows
nothing about the database: :mod:`fupin_tui.compare.engine` feeds it records, members and households as plain dicts.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from fupin_tui.glossary import CATEGORIES, CLUE_KINDS, DEPARTMENTS, Severity, yes_no

TESTS = (
    "member_on_list", "member_not_on_list", "household_on_list", "household_not_on_list", "name_mismatch",
    "possible_id_typo",
)
#: Tests that need "absence from a list": they only run when that department's list was imported.
ABSENCE_TESTS = ("member_not_on_list", "household_not_on_list")
OPS = ("in", "not_in", "contains", "not_contains", "gte", "gt", "lte", "lt", "yes", "not_yes", "blank")
_SCOPES = ("record", "member", "household")


class RuleError(ValueError):
    """A rule file that cannot be used (missing, bad TOML, unknown key or value); message in Chinese."""


@dataclass(frozen=True)
class Condition:
    """One condition: ``field`` of the record/member/household, an operator of :data:`OPS` and its value.

    ``blank_passes``: a blank value satisfies the condition (e.g. a vehicle with no price is still a clue).
    ``fn``: the compiled test (value → bool), same result as :func:`check`.
    """

    field: str
    op: str
    value: Any
    blank_passes: bool = False
    fn: Callable[[Any], bool] = field(default=None, compare=False, repr=False)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.fn is None:
            object.__setattr__(self, "fn", _compile_condition(self))


@dataclass(frozen=True)
class Rule:
    """One clue rule. ``id`` is ``kind`` plus its position among rules of the same kind (``dilapidated_mismatch#2``)."""

    id: str
    kind: str
    dept: str  # a DEPARTMENTS code, or "*" for every department (name_mismatch, possible_id_typo)
    test: str
    message: str
    severity: str
    category: str
    label: str
    their_value: str = ""
    our_value: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    record: tuple[Condition, ...] = ()
    member: tuple[Condition, ...] = ()
    household: tuple[Condition, ...] = ()

    def applies_to(self, dept: str) -> bool:
        """True when the rule reads lists of ``dept``."""
        return self.dept == "*" or self.dept == dept


DEFAULT_RULES_PATH = "rules.toml"


def _resolve(value: Any, params: dict[str, Any], where: str) -> Any:
    if isinstance(value, str) and value.startswith("$"):
        name = value[1:]
        if name not in params:
            raise RuleError(f"{where}：参数 {name} 未定义（请在 params 或 [defaults] 中给出）")
        return params[name]
    return value


def _conditions(raw: Any, params: dict[str, Any], where: str) -> tuple[Condition, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise RuleError(f"{where}：条件应为内联表的数组")
    out: list[Condition] = []
    for item in raw:
        if not isinstance(item, dict) or "field" not in item:
            raise RuleError(f"{where}：每个条件都要有 field")
        ops = [k for k in item if k in OPS]
        unknown = [k for k in item if k not in OPS and k not in ("field", "blank_passes")]
        if unknown or len(ops) != 1:
            raise RuleError(f"{where}：条件 {item} 应恰有一个运算（{'、'.join(OPS)}）")
        op = ops[0]
        value = _resolve(item[op], params, where)
        if op in ("in", "not_in", "contains", "not_contains"):
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list):
                raise RuleError(f"{where}：{op} 的值应为文本数组")
            value = tuple(str(v) for v in value)
        elif op in ("gte", "gt", "lte", "lt"):
            try:
                value = float(value)
            except (TypeError, ValueError):
                raise RuleError(f"{where}：{op} 的值应为数字") from None
        elif op in ("yes", "not_yes", "blank"):
            value = bool(value)
        out.append(Condition(str(item["field"]), op, value, bool(item.get("blank_passes", False))))
    return tuple(out)


def parse_rules(text: str, source: str = DEFAULT_RULES_PATH) -> list[Rule]:
    """Parse a rule file's text into rules. Raises :class:`RuleError` naming the rule and the problem."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RuleError(f"规则文件 {source} 不是有效的 TOML：{exc}") from None
    defaults = data.get("defaults", {})
    raw_rules = data.get("rule", [])
    if not isinstance(raw_rules, list) or not raw_rules:
        raise RuleError(f"规则文件 {source} 中没有 [[rule]]")
    rules: list[Rule] = []
    seen: dict[str, int] = {}
    for i, r in enumerate(raw_rules, start=1):
        where = f"规则文件 {source} 第 {i} 条规则（{r.get('kind', '?')}）"
        for key in ("kind", "dept", "test", "message"):
            if not r.get(key):
                raise RuleError(f"{where}：缺少 {key}")
        allowed = {"kind", "dept", "test", "message", "severity", "category", "label", "their_value", "our_value",
                   "params", "record", "member", "household"}
        extra = set(r) - allowed
        if extra:
            raise RuleError(f"{where}：未知的键 {'、'.join(sorted(extra))}")
        if r["dept"] != "*" and r["dept"] not in DEPARTMENTS:
            raise RuleError(f"{where}：未知的部门代码 {r['dept']}（可用：{'、'.join(DEPARTMENTS)}）")
        if r["test"] not in TESTS:
            raise RuleError(f"{where}：未知的检验方式 {r['test']}（可用：{'、'.join(TESTS)}）")
        severity = r.get("severity", Severity.MINOR.value)
        if severity not in {s.value for s in Severity}:
            raise RuleError(f"{where}：严重程度应为 一般 或 严重，而不是 {severity}")
        category = r.get("category", "other")
        if category not in CATEGORIES:
            raise RuleError(f"{where}：未知的问题分类 {category}（可用：{'、'.join(CATEGORIES)}）")
        params = {**defaults, **r.get("params", {})}
        kind = str(r["kind"])
        seen[kind] = seen.get(kind, 0) + 1
        rule_id = kind if seen[kind] == 1 else f"{kind}#{seen[kind]}"
        rules.append(Rule(
            id=rule_id, kind=kind, dept=str(r["dept"]), test=str(r["test"]), message=str(r["message"]),
            severity=severity, category=category, label=str(r.get("label") or CLUE_KINDS.get(kind, kind)),
            their_value=str(r.get("their_value", "")), our_value=str(r.get("our_value", "")), params=params,
            record=_conditions(r.get("record"), params, where), member=_conditions(r.get("member"), params, where),
            household=_conditions(r.get("household"), params, where),
        ))
    return rules


def load_rules(path: str | Path | None = None) -> list[Rule]:
    """The built-in rules (``fupin_tui/compare/rules.toml``), or those of ``path``. Raises :class:`RuleError`."""
    if path is None:
        text = resources.files("fupin_tui.compare").joinpath(DEFAULT_RULES_PATH).read_text(encoding="utf-8")
        return parse_rules(text, DEFAULT_RULES_PATH)
    p = Path(path)
    if not p.exists():
        raise RuleError(f"规则文件不存在：{p.name}")
    return parse_rules(p.read_text(encoding="utf-8"), p.name)


# --------------------------------------------------------------------------------------------------------------------
# Evaluation
# --------------------------------------------------------------------------------------------------------------------


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def to_number(value: Any) -> float | None:
    """A cell as a number (``"86,000"`` → 86000.0, ``"3万"`` → 30000.0); None when blank or not a number."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value).strip().replace(",", "").replace("，", "").replace("元", "")
    factor = 1.0
    if text.endswith("万"):
        factor, text = 10000.0, text[:-1]
    try:
        return float(text) * factor
    except ValueError:
        return None


def check(cond: Condition, value: Any) -> bool:
    """True when ``value`` satisfies ``cond`` (see :data:`OPS`)."""
    if _blank(value):
        if cond.blank_passes:
            return True
        if cond.op in ("not_in", "not_contains"):
            return True
        if cond.op == "blank":
            return cond.value
        return False
    op = cond.op
    if op in ("gte", "gt", "lte", "lt"):
        num = to_number(value)
        if num is None:
            return cond.blank_passes
        return {"gte": num >= cond.value, "gt": num > cond.value, "lte": num <= cond.value, "lt": num < cond.value}[op]
    if op == "yes":
        return yes_no(value) is cond.value  # yes = true: 是; yes = false: 否 (blank and other text: neither)
    if op == "not_yes":
        return (yes_no(value) is not True) == cond.value
    if op == "blank":
        return not cond.value
    text = str(value).strip()
    if op == "in":
        return text in cond.value
    if op == "not_in":
        return text not in cond.value
    if op == "contains":
        return any(v in text for v in cond.value)
    if op == "not_contains":
        return not any(v in text for v in cond.value)
    raise AssertionError(op)


def _compile_condition(cond: Condition) -> Callable[[Any], bool]:
    """A fast test for the common text operators (blank handling as in :func:`check`); others go through check."""
    values = cond.value
    blank_result = cond.blank_passes or cond.op in ("not_in", "not_contains")
    if cond.op in ("in", "not_in"):
        allowed = frozenset(values)
        want = cond.op == "in"

        def test_in(v: Any) -> bool:
            if v is None:
                return blank_result
            text = v.strip() if type(v) is str else str(v).strip()
            if not text:
                return blank_result
            return (text in allowed) is want

        return test_in
    if cond.op in ("contains", "not_contains"):
        want = cond.op == "contains"

        def test_contains(v: Any) -> bool:
            if v is None:
                return blank_result
            text = v.strip() if type(v) is str else str(v).strip()
            if not text:
                return blank_result
            return any(w in text for w in values) is want

        return test_contains
    return lambda v: check(cond, v)


def all_hold(conds: tuple[Condition, ...], values: dict[str, Any]) -> bool:
    """True when every condition holds on ``values`` (a dict of fields)."""
    for c in conds:
        if not c.fn(values.get(c.field)):
            return False
    return True


_TEMPLATE = re.compile(r"\{([a-z_]+)\.([a-z_0-9]+)(?:\|([^}]*))?\}")


def _text(value: Any) -> str:
    if _blank(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (list, tuple)):
        return "、".join(str(v) for v in value)
    return str(value).strip()


_COMPILED: dict[str, list[tuple[str, str, str] | str]] = {}
_BLANKS = re.compile(r"\s{2,}")


def _compile(template: str) -> list[tuple[str, str, str] | str]:
    parts: list[tuple[str, str, str] | str] = []
    pos = 0
    for m in _TEMPLATE.finditer(template):
        if m.start() > pos:
            parts.append(template[pos:m.start()])
        parts.append((m.group(1), m.group(2), m.group(3) or ""))
        pos = m.end()
    if pos < len(template):
        parts.append(template[pos:])
    return parts


def render(template: str, namespaces: dict[str, dict[str, Any]]) -> str:
    """Fill ``{ns.field}`` / ``{ns.field|default}`` placeholders; unknown or blank values give the default or ``""``.

    The result has runs of blanks collapsed (``"死亡 "`` → ``"死亡"``). Templates are parsed once and cached.
    """
    parts = _COMPILED.get(template)
    if parts is None:
        parts = _COMPILED[template] = _compile(template)
    out: list[str] = []
    for part in parts:
        if isinstance(part, str):
            out.append(part)
        else:
            ns = namespaces.get(part[0])
            text = _text(ns.get(part[1])) if ns else ""
            out.append(text if text else part[2])
    text = "".join(out)
    return _BLANKS.sub(" ", text).strip()


def fields_read(rules: list[Rule]) -> tuple[set[str], set[str]]:
    """The member and household fields the rules read (conditions and templates): ``(member, household)``."""
    member: set[str] = set()
    household: set[str] = set()
    for r in rules:
        member.update(c.field for c in r.member)
        household.update(c.field for c in r.household)
        for template in (r.message, r.their_value, r.our_value):
            for ns, name, _default in _TEMPLATE.findall(template):
                if ns == "member":
                    member.add(name)
                elif ns == "household":
                    household.add(name)
    return member, household
