"""The rulebook: rules as data (``rulebook.toml`` shipped in this package), merged with a user file by rule id.

A rule is one table ``[rules.<id>]`` with:

- ``title`` — Chinese rule title (tables, report sheet 自动核查);
- ``level`` — ``household`` / ``member`` / ``county`` (more levels, e.g. ``village`` / ``project``, register themselves
  in :data:`fupin_tui.checks.predicates.LEVELS`);
- ``category`` — a key of :data:`fupin_tui.glossary.CATEGORIES` (the taxonomy marks use);
- ``severity`` — 一般 / 严重;
- ``message`` — a Chinese template naming the values that triggered it, ``str.format`` style
  (``"人均纯收入 {per_capita} 元低于脱贫标准 {exit_line} 元"``);
- ``source`` — the policy source text;
- ``predicate`` — the name of a registered predicate (:data:`fupin_tui.checks.predicates.PREDICATES`);
- ``params`` — thresholds and lists; a value may be a table keyed by data year (``exit_line = {2015 = 4000}``): the
  entry of the latest year not after the county's data year is used (the earliest when all are later; the latest when
  the data year is unknown);
- ``enabled`` — ``false`` switches the rule off.

A user file (``fupin check --rules FILE``) uses the same layout; it is merged over the shipped book by rule id: tables
merge key by key (``params`` too, year tables as well), other values replace. A rule absent from the shipped book must
give every field. ``[[rule]]`` arrays with an ``id`` key are accepted as well.
"""

from __future__ import annotations

import copy
import hashlib
import importlib
import json
import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from fupin_tui.glossary import CATEGORIES, Severity

SHIPPED_NAME = "rulebook.toml"
#: Issue 8 integration point: rule books shipped by other packages, merged after ``rulebook.toml`` (a rule of the
#: main book with the same id wins). Each entry: (module that registers the predicates and levels, package holding
#: the TOML file, file name, name shown in messages).
EXTRA_SHIPPED: tuple[tuple[str, str, str, str], ...] = (
    ("fupin_tui.villages.checks", "fupin_tui.villages", "rulebook.toml", "villages/rulebook.toml"),
)
RULE_ID = re.compile(r"^[a-z][a-z0-9_]*$")
REQUIRED = ("title", "level", "category", "severity", "message", "source", "predicate")
KNOWN_KEYS = frozenset(REQUIRED + ("params", "enabled", "id", "note"))
_YEAR_KEY = re.compile(r"^(19|20)\d\d$")


class RulebookError(ValueError):
    """A rulebook file is unreadable or a rule is malformed. ``str()`` is a Chinese message naming file and rule."""


def is_year_table(value: Any) -> bool:
    """True when ``value`` is a table keyed by data years (``{2015 = 4000, 2016 = 4000}``)."""
    return isinstance(value, Mapping) and bool(value) and all(_YEAR_KEY.match(str(k)) for k in value)


def resolve_year(value: Any, data_year: int | None) -> Any:
    """The value of a parameter for ``data_year``: a year table gives the entry of the latest year ≤ ``data_year``
    (the earliest entry when every year is later; the latest entry when ``data_year`` is None); anything else as is."""
    if not is_year_table(value):
        return value
    years = sorted((int(k), v) for k, v in value.items())
    if data_year is None:
        return years[-1][1]
    chosen = years[0][1]
    for year, v in years:
        if year <= data_year:
            chosen = v
    return chosen


class Params(Mapping[str, Any]):
    """A rule's parameters seen from one county: year tables resolved for its data year.

    ``params["exit_line"]`` → ``4000`` for 2015 data. Raises :class:`KeyError` naming the parameter when absent.
    """

    def __init__(self, raw: Mapping[str, Any], data_year: int | None) -> None:
        self._raw = dict(raw)
        self.data_year = data_year

    def __getitem__(self, key: str) -> Any:
        if key not in self._raw:
            raise KeyError(f"缺少参数 {key}")
        return resolve_year(self._raw[key], self.data_year)

    def __iter__(self) -> Iterator[str]:
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)


@dataclass(frozen=True)
class Rule:
    """One rule of the book (see the module docstring for the fields). ``params`` keep their year tables."""

    id: str
    title: str
    level: str
    category: str
    severity: str
    message: str
    source: str
    predicate: str
    params: dict[str, Any] = field(default_factory=dict)
    enabled: bool = True
    note: str = ""

    def params_for(self, data_year: int | None) -> Params:
        """This rule's parameters for a county whose data year is ``data_year``."""
        return Params(self.params, data_year)

    @property
    def category_label(self) -> str:
        """Chinese label of the category (``"income"`` → ``"收入数据不实或不符逻辑"``)."""
        return CATEGORIES.get(self.category, self.category)

    def as_dict(self) -> dict[str, Any]:
        """Plain dict (JSON-ready) of this rule."""
        return {
            "id": self.id, "title": self.title, "level": self.level, "category": self.category,
            "severity": self.severity, "message": self.message, "source": self.source, "predicate": self.predicate,
            "params": self.params, "enabled": self.enabled, "note": self.note,
        }


@dataclass
class Rulebook:
    """The merged rulebook: rules by id in book order, and the files merged (shipped first)."""

    rules: dict[str, Rule]
    sources: list[str] = field(default_factory=list)

    def __iter__(self) -> Iterator[Rule]:
        return iter(self.rules.values())

    def __len__(self) -> int:
        return len(self.rules)

    def __contains__(self, rule_id: object) -> bool:
        return rule_id in self.rules

    def __getitem__(self, rule_id: str) -> Rule:
        return self.rules[rule_id]

    def get(self, rule_id: str) -> Rule | None:
        """The rule with this id, or None."""
        return self.rules.get(rule_id)

    @property
    def enabled(self) -> list[Rule]:
        """The rules that will run, in book order."""
        return [r for r in self.rules.values() if r.enabled]

    @property
    def digest(self) -> str:
        """sha256 of the merged book (canonical JSON): identifies the exact rules a check run used."""
        payload = json.dumps([r.as_dict() for r in self.rules.values()], ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _read_toml(text: str, where: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RulebookError(f"规则文件 {where} 不是有效的 TOML：{exc}") from exc


def _rule_tables(doc: Mapping[str, Any], where: str) -> dict[str, dict[str, Any]]:
    """``[rules.<id>]`` tables and ``[[rule]]`` entries of one file, by id, in file order."""
    unknown = set(doc) - {"rules", "rule", "version", "title", "note"}
    if unknown:
        names = "、".join(sorted(unknown))
        raise RulebookError(f"规则文件 {where} 有无法识别的顶层项：{names}（规则应写在 [rules.<规则编号>] 下）")
    out: dict[str, dict[str, Any]] = {}
    rules = doc.get("rules", {})
    if not isinstance(rules, Mapping):
        raise RulebookError(f"规则文件 {where}：rules 应为表（[rules.<规则编号>]）")
    for rule_id, table in rules.items():
        if not isinstance(table, Mapping):
            raise RulebookError(f"规则文件 {where}：规则 {rule_id} 应为表")
        out[str(rule_id)] = dict(table)
    entries = doc.get("rule", [])
    if not isinstance(entries, list):
        raise RulebookError(f"规则文件 {where}：[[rule]] 应为数组")
    for i, table in enumerate(entries, start=1):
        if not isinstance(table, Mapping) or not table.get("id"):
            raise RulebookError(f"规则文件 {where}：第 {i} 个 [[rule]] 缺少 id")
        out[str(table["id"])] = {k: v for k, v in table.items() if k != "id"}
    return out


def _deep_merge(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = _deep_merge(dict(out[key]), value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _build_rule(rule_id: str, table: Mapping[str, Any], where: str) -> Rule:
    from fupin_tui.checks.predicates import LEVELS, PREDICATES  # registry; imported late (it imports us)

    def bad(reason: str) -> RulebookError:
        return RulebookError(f"规则文件 {where}：规则 {rule_id} {reason}")

    if not RULE_ID.match(rule_id):
        raise bad("的编号应为英文小写、数字和下划线（snake_case）")
    unknown = set(table) - KNOWN_KEYS
    if unknown:
        raise bad(f"有无法识别的项：{'、'.join(sorted(unknown))}")
    missing = [k for k in REQUIRED if not table.get(k)]
    if missing:
        raise bad(f"缺少必填项：{'、'.join(missing)}")
    for key in REQUIRED:
        if not isinstance(table[key], str):
            raise bad(f"的 {key} 应为文本")
    if table["level"] not in LEVELS:
        raise bad(f"的层级 {table['level']} 无效（可用：{'、'.join(LEVELS)}）")
    if table["category"] not in CATEGORIES:
        raise bad(f"的类别 {table['category']} 无效（可用：{'、'.join(CATEGORIES)}）")
    if table["severity"] not in (Severity.MINOR.value, Severity.SEVERE.value):
        raise bad(f"的严重程度 {table['severity']} 无效（应为 一般 或 严重）")
    spec = PREDICATES.get(table["predicate"])
    if spec is None:
        raise bad(f"引用了未注册的判定函数 {table['predicate']}（可用：{'、'.join(sorted(PREDICATES))}）")
    if spec.level != table["level"]:
        raise bad(f"的层级 {table['level']} 与判定函数 {spec.name} 的层级 {spec.level} 不一致")
    params = table.get("params", {})
    if not isinstance(params, Mapping):
        raise bad("的 params 应为表")
    absent = [p for p in spec.params if p not in params]
    if absent:
        raise bad(f"缺少判定函数 {spec.name} 需要的参数：{'、'.join(absent)}")
    enabled = table.get("enabled", True)
    if not isinstance(enabled, bool):
        raise bad("的 enabled 应为 true 或 false")
    return Rule(
        id=rule_id, title=table["title"], level=table["level"], category=table["category"],
        severity=table["severity"], message=table["message"], source=table["source"], predicate=table["predicate"],
        params=dict(params), enabled=enabled, note=str(table.get("note", "")),
    )


def shipped_rulebook_text() -> str:
    """The text of the rulebook shipped in this package (``fupin_tui/checks/rulebook.toml``)."""
    return resources.files("fupin_tui.checks").joinpath(SHIPPED_NAME).read_text(encoding="utf-8")


def load_rulebook(extra_path: str | Path | None = None) -> Rulebook:
    """The shipped rulebook, merged with ``extra_path`` (a TOML file) by rule id when given.

    Raises :class:`RulebookError` (Chinese message naming the file and the rule) when a file is missing or not TOML,
    or a merged rule is malformed (unknown level, category, severity or predicate; a required field or a parameter
    the predicate needs missing; an id not in snake_case).
    """
    tables = _rule_tables(_read_toml(shipped_rulebook_text(), SHIPPED_NAME), SHIPPED_NAME)
    sources = [SHIPPED_NAME]
    origin = dict.fromkeys(tables, SHIPPED_NAME)
    for module, package, file_name, shown in EXTRA_SHIPPED:  # issue 8: village- and project-level rules
        importlib.import_module(module)
        text = resources.files(package).joinpath(file_name).read_text(encoding="utf-8")
        for rule_id, table in _rule_tables(_read_toml(text, shown), shown).items():
            if rule_id not in tables:
                tables[rule_id] = table
                origin[rule_id] = shown
    if extra_path is not None:
        path = Path(extra_path)
        try:
            text = path.read_text(encoding="utf-8-sig")
        except FileNotFoundError as exc:
            raise RulebookError(f"规则文件不存在：{path}") from exc
        except (OSError, UnicodeDecodeError) as exc:
            raise RulebookError(f"无法读取规则文件 {path}：{exc}") from exc
        for rule_id, table in _rule_tables(_read_toml(text, path.name), path.name).items():
            tables[rule_id] = _deep_merge(tables.get(rule_id, {}), table)
            origin[rule_id] = path.name
        sources.append(path.name)
    rules = {rule_id: _build_rule(rule_id, table, origin[rule_id]) for rule_id, table in tables.items()}
    return Rulebook(rules=rules, sources=sources)
