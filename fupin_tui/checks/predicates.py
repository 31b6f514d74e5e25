"""The registered predicates of the rulebook: short, set-based functions over a county's column arrays.

A predicate takes ``(data: CheckData, params: Params)`` and returns :class:`Hits`: the rows of its level's table that
break the rule (household, member or county rows) and the values involved, aligned with those rows. It never queries
per row: everything is evaluated over numpy arrays fetched once per run (:mod:`fupin_tui.checks.frame`); the few that
need the database (IDs shared with other counties) run one set-based, dialect-neutral query.

Register with ``@predicate(name, level, params=(required parameter names…))``. Generic predicates (``household_where``,
``member_where``, ``sum_identity``, ``type_without_allowance``, ``cause_without_member``) let a rules file add rules
without code. New levels (village, project) register a :class:`LevelSpec` in :data:`LEVELS` saying how a hit row
becomes a finding's keys.

Ages are completed years on 31 December of the county's data year (``data.mem.age``); thresholds come from the rule's
params, resolved for that data year.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

import numpy as np
from sqlalchemy import distinct, func, select

from fupin_tui import glossary as g
from fupin_tui.checks.frame import CheckData, isin, map_values, present_values
from fupin_tui.checks.rulebook import Params
from fupin_tui.idnumber import IdKind, check_digit, clean_id_text, id_key
from fupin_tui.models.tables import County, Member

# ------------------------------------------------------------------------------------------------------------ registry


@dataclass
class Hits:
    """Rows that break a rule: ``index`` into the level's table, and ``values`` aligned with ``index``.

    A value is a sequence as long as ``index`` (one entry per hit) or a scalar (the same for every hit).
    """

    index: np.ndarray
    values: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.index.size)

    def value_at(self, k: int) -> dict[str, Any]:
        """The values of the ``k``-th hit."""
        return {name: (v[k] if isinstance(v, np.ndarray) else v) for name, v in self.values.items()}


def hits(mask: np.ndarray, **values: Any) -> Hits:
    """Hits from a boolean ``mask`` over the level's rows. Array values as long as ``mask`` are sliced to the hits;
    dict values map a row index to its value (lists and dicts allowed); anything else is a scalar for every hit."""
    index = np.flatnonzero(mask)
    out: dict[str, Any] = {}
    for name, v in values.items():
        if isinstance(v, np.ndarray) and v.shape[:1] == mask.shape[:1]:
            out[name] = v[index]
        elif isinstance(v, dict):
            out[name] = per_hit([v.get(int(i)) for i in index])
        else:
            out[name] = v
    return Hits(index=index, values=out)


def no_hits() -> Hits:
    """No row breaks the rule."""
    return Hits(index=np.zeros(0, dtype=np.int64))


@dataclass(frozen=True)
class PredicateSpec:
    """A registered predicate: its name, level, required parameter names and function."""

    name: str
    level: str
    fn: Callable[[CheckData, Params], Hits]
    params: tuple[str, ...] = ()
    doc: str = ""


PREDICATES: dict[str, PredicateSpec] = {}


def predicate(name: str, level: str, params: tuple[str, ...] = ()) -> Callable:
    """Register ``fn`` as predicate ``name`` for rules of ``level`` needing ``params``."""

    def register(fn: Callable[[CheckData, Params], Hits]) -> Callable[[CheckData, Params], Hits]:
        if name in PREDICATES:
            raise ValueError(f"predicate {name} registered twice")
        PREDICATES[name] = PredicateSpec(name, level, fn, tuple(params), (fn.__doc__ or "").strip())
        return fn

    return register


@dataclass(frozen=True)
class RecordKey:
    """The keys of one finding: household (id and 户编号), member (人编号) or ``target`` (village code, project id…)."""

    household_id: int | None
    household_no: str | None
    member_no: str | None
    target: str = ""


@dataclass(frozen=True)
class LevelSpec:
    """How a hit row of one level becomes a finding's keys."""

    name: str
    keys: Callable[[CheckData, int], RecordKey]


def _household_keys(d: CheckData, i: int) -> RecordKey:
    return RecordKey(int(d.hh.id[i]), str(d.hh.household_no[i]) or None, None)


def _member_keys(d: CheckData, i: int) -> RecordKey:
    h = int(d.mem.hh[i])
    household_no = str(d.mem.household_no[i]) or (str(d.hh.household_no[h]) if h >= 0 else "")
    return RecordKey(int(d.mem.household_id[i]), household_no or None, str(d.mem.member_no[i]) or None)


def _county_keys(d: CheckData, i: int) -> RecordKey:
    return RecordKey(None, None, None, d.county.code)


#: Levels a rule may have. Village / project levels (issue 8) add themselves here with their loaders.
LEVELS: dict[str, LevelSpec] = {
    "household": LevelSpec("household", _household_keys),
    "member": LevelSpec("member", _member_keys),
    "county": LevelSpec("county", _county_keys),
}

# ------------------------------------------------------------------------------------------------------------- helpers

#: Field identifier → Chinese label, for messages.
FIELD_LABELS: dict[str, str] = {
    **g.HOUSEHOLD_FIELDS, **g.MEMBER_FIELDS, "bank_account": "银行账号", "new_rural_coop": "新农合",
    "pension_insurance": "养老保险", "political_status": "政治面貌", "fuel_type": "主要燃料类型",
}


def nonblank(values: np.ndarray) -> np.ndarray:
    """Element-wise: the cell is not blank."""
    return ~isin(values, "")


def known(values: np.ndarray) -> np.ndarray:
    """Element-wise: the number is present (not NaN)."""
    return ~np.isnan(values)


def _yes(values: np.ndarray) -> np.ndarray:
    return isin(values, ("是", "1", "有"))  # labels as exported, the code 1, 有 (glossary.yes_no)


def _no(values: np.ndarray) -> np.ndarray:
    return isin(values, ("否", "0", "无"))


def _with_aliases(labels: Any) -> list[str]:
    labels = [labels] if isinstance(labels, str) else list(labels)
    extra = [alias for alias, label in g.HOUSEHOLD_TYPE_ALIASES.items() if label in labels]
    return labels + extra


def _match(table: Any, conditions: Mapping[str, Any] | None, *, any_of: bool = False) -> np.ndarray | None:
    """Rows where every (or, with ``any_of``, some) ``field ∈ labels`` condition holds; None when no conditions."""
    if not conditions:
        return None
    masks = []
    for name, labels in conditions.items():
        if name not in table:
            raise KeyError(f"没有字段 {name}")
        labels = _with_aliases(labels) if name == "household_type" else labels
        masks.append(isin(table[name], labels))
    return np.logical_or.reduce(masks) if any_of else np.logical_and.reduce(masks)


def _fields_of(*conditions: Mapping[str, Any] | None) -> list[str]:
    out: list[str] = []
    for cond in conditions:
        for name in cond or {}:
            if name not in out:
                out.append(name)
    return out


def _member_nos(d: CheckData, idx: list[int]) -> list[str]:
    return [str(d.mem.member_no[i]) or f"第{k + 1}人" for k, i in enumerate(idx)]


def per_hit(values: list[Any]) -> np.ndarray:
    """An object array of arbitrary per-hit values (lists, dicts), aligned with the hits."""
    out = np.empty(len(values), dtype=object)
    for i, v in enumerate(values):
        out[i] = v
    return out


# ------------------------------------------------------------------------------------------------- generic predicates


@predicate("household_where", "household", params=("where",))
def household_where(d: CheckData, p: Params) -> Hits:
    """Households where every ``where`` condition holds (field → list of labels, ``""`` = blank) and, when given,
    at least one ``any`` condition. Values: the fields named."""
    where, any_ = p["where"], p.get("any")
    mask = _match(d.hh, where)
    alt = _match(d.hh, any_, any_of=True)
    if alt is not None:
        mask = alt if mask is None else mask & alt
    if mask is None:
        return no_hits()
    return hits(mask, **{name: d.hh[name] for name in _fields_of(where, any_)})


@predicate("member_where", "member")
def member_where(d: CheckData, p: Params) -> Hits:
    """Members where every ``where`` condition and (when given) some ``any`` condition hold, whose household matches
    ``household`` (conditions on household fields), and whose age is within ``age_min``–``age_max`` (inclusive, on
    31 Dec of the data year; members of unknown age are skipped when a bound is given). Values: the fields, ``age``,
    ``age_min`` and ``age_max``."""
    where, any_, household = p.get("where"), p.get("any"), p.get("household")
    mask = np.ones(d.mem.n, dtype=bool)
    for m in (_match(d.mem, where), _match(d.mem, any_, any_of=True)):
        if m is not None:
            mask &= m
    if household:
        hh_mask = _match(d.hh, household)
        mask &= np.where(d.mem.hh >= 0, hh_mask[np.clip(d.mem.hh, 0, None)] if d.hh.n else False, False)
    age = d.mem.age
    if "age_min" in p:
        mask &= age >= p["age_min"]
    if "age_max" in p:
        mask &= age <= p["age_max"]
    values: dict[str, Any] = {name: d.mem[name] for name in _fields_of(where, any_)}
    values.update({name: d.household_column(name) for name in _fields_of(household)})
    return hits(mask, age=age, age_min=p.get("age_min"), age_max=p.get("age_max"), **values)


@predicate("sum_identity", "household", params=("total", "parts"))
def sum_identity(d: CheckData, p: Params) -> Hits:
    """``total`` ≠ Σ ``parts`` − Σ ``minus`` beyond ``tolerance`` 元 (default 1), where ``total`` is present and at
    least one part is; a blank part counts as 0. Values: ``total``, ``expected``, ``diff`` (元)."""
    total = d.hh[p["total"]]
    parts = [d.hh[name] for name in p["parts"]]
    minus = [d.hh[name] for name in p.get("minus", [])]
    any_part = np.logical_or.reduce([known(x) for x in parts])
    expected = np.sum([np.nan_to_num(x) for x in parts], axis=0) - (
        np.sum([np.nan_to_num(x) for x in minus], axis=0) if minus else 0)
    diff = total - expected
    mask = known(total) & any_part & (np.abs(diff) > p.get("tolerance", 1))
    return hits(mask, total=total, expected=expected, diff=diff, tolerance=p.get("tolerance", 1))


@predicate("type_without_allowance", "household", params=("household_type", "field"))
def type_without_allowance(d: CheckData, p: Params) -> Hits:
    """Households of ``household_type`` (aliases included) with an income record whose ``field`` (元) is blank or
    not above 0. Values: ``household_type``, ``amount``."""
    amount = d.hh[p["field"]]
    mask = isin(d.hh.household_type, _with_aliases(p["household_type"])) & d.hh.has_income_record & ~(amount > 0)
    return hits(mask, household_type=d.hh.household_type, amount=amount)


@predicate("cause_without_member", "household", params=("cause", "health"))
def cause_without_member(d: CheckData, p: Params) -> Hits:
    """Households whose 主要致贫原因 is ``cause`` but no member's 健康状况 is in ``health`` (a 残疾人证号 counts as
    残疾 when 残疾 is listed). Households without members are left to their own rule. Values: ``main_cause``."""
    health = list(p["health"])
    member_ok = isin(d.mem.health, health)
    if g.DISABLED in health:
        member_ok |= d.mem.kind == IdKind.DISABILITY.value
    mask = (d.hh.main_cause == p["cause"]) & (d.hh.n_members > 0) & ~d.any_by_household(member_ok)
    return hits(mask, main_cause=d.hh.main_cause, health="、".join(health))


# -------------------------------------------------------------------------------------------------------- identity


@predicate("id_empty", "member")
def id_empty(d: CheckData, p: Params) -> Hits:
    """Members whose 证件号码 is blank."""
    return hits(d.mem.kind == IdKind.EMPTY.value)


@predicate("id_invalid_format", "member")
def id_invalid_format(d: CheckData, p: Params) -> Hits:
    """证件号码 that is neither an 18-character ID, a 15-digit old ID nor a 20/22-character 残疾人证号.
    Values: ``id_number``, ``length``."""
    mask = d.mem.kind == IdKind.INVALID.value
    length = {int(i): len(d.mem.id_number[i]) for i in np.flatnonzero(mask)}
    return hits(mask, id_number=d.mem.id_number, length=length)


@predicate("id_checksum", "member")
def id_checksum(d: CheckData, p: Params) -> Hits:
    """18-character IDs (and the ID part of a 残疾人证号) whose GB 11643 check digit is wrong (python-stdnum
    ``cn.ric``). Values: ``id_number``, ``check_digit`` (found), ``expected``."""
    mask = d.mem.has18 & ~d.mem.checksum_ok & (d.mem.kind != IdKind.ID15.value)
    expected = {int(i): (check_digit(d.mem.norm[i][:17]) if d.mem.norm[i][:17].isdigit() else "?")
                for i in np.flatnonzero(mask)}
    last = {int(i): d.mem.norm[i][17:18] for i in np.flatnonzero(mask)}
    return hits(mask, id_number=d.mem.id_number, check_digit=last, expected=expected)


@predicate("id_birth_date", "member")
def id_birth_date(d: CheckData, p: Params) -> Hits:
    """IDs whose birth date (digits 7–14) is not a real date, or is after 31 Dec of the data year.
    Values: ``birth`` (YYYYMMDD), ``reason``, ``data_year``."""
    year = d.county.data_year
    after = d.mem.birth_year > year if year is not None else np.zeros(d.mem.n, dtype=bool)
    bad = d.mem.has18 & ~d.mem.birth_ok
    mask = bad | (d.mem.has18 & after)
    birth = {int(i): d.mem.norm[i][6:14] for i in np.flatnonzero(mask)}
    reason = np.where(bad, "不是真实日期", f"晚于数据年度 {year} 年末")
    return hits(mask, birth=birth, reason=reason, data_year=year)


@predicate("id_age_range", "member", params=("max_age",))
def id_age_range(d: CheckData, p: Params) -> Hits:
    """Members older than ``max_age`` on 31 Dec of the data year (younger than 0 is the birth-date rule's).
    Values: ``age``, ``max_age``."""
    return hits(d.mem.age > p["max_age"], age=d.mem.age, max_age=p["max_age"])


@predicate("id_excel_corrupted", "member")
def id_excel_corrupted(d: CheckData, p: Params) -> Hits:
    """证件号码 mangled by an Excel number (scientific notation, 15 significant digits then zeros): reported, never
    matched. Values: ``id_number``."""
    return hits(d.mem.kind == IdKind.CORRUPTED.value, id_number=d.mem.id_number)


@predicate("id_old_15", "member")
def id_old_15(d: CheckData, p: Params) -> Hits:
    """15-digit old IDs (issued before 2000). Values: ``id_number``, ``upgraded`` (the 18-character form)."""
    return hits(d.mem.kind == IdKind.ID15.value, id_number=d.mem.id_number, upgraded=d.mem.norm)


def _disability_digits(d: CheckData) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rows = np.flatnonzero(d.mem.kind == IdKind.DISABILITY.value)
    cat = np.full(d.mem.n, "", dtype="<U1")
    grade = np.full(d.mem.n, "", dtype="<U1")
    for i in rows:
        text = clean_id_text(d.mem.id_number[i])
        cat[i], grade[i] = text[18:19], text[19:20]
    return rows, cat, grade


@predicate("disability_card_code", "member")
def disability_card_code(d: CheckData, p: Params) -> Hits:
    """A 20-digit 残疾人证号 in 证件号码 is accepted (its ID part goes through the ID rules), but its 类别 digit must
    be 1–7 and its 等级 digit 1–4. Values: ``id_number``, ``disability_category``, ``disability_grade``."""
    rows, cat, grade = _disability_digits(d)
    mask = np.zeros(d.mem.n, dtype=bool)
    mask[rows] = ~isin(cat[rows], list(g.DISABILITY_CATEGORIES)) | ~isin(grade[rows], list(g.DISABILITY_GRADES))
    return hits(mask, id_number=d.mem.id_number, disability_category=cat, disability_grade=grade)


@predicate("disability_card_health", "member")
def disability_card_health(d: CheckData, p: Params) -> Hits:
    """Members whose 证件号码 is a 残疾人证号 but whose 健康状况 is filled and not 残疾. Values: ``health``."""
    mask = (d.mem.kind == IdKind.DISABILITY.value) & nonblank(d.mem.health) & (d.mem.health != g.DISABLED)
    return hits(mask, health=d.mem.health)


def _duplicate_groups(d: CheckData) -> dict[str, list[int]]:
    """Normalised ID → member indices, only for IDs held by more than one member row of the county."""
    cached = d.cache.get("duplicate_groups")
    if cached is not None:
        return cached
    counts = Counter(d.mem.norm.tolist())
    counts.pop("", None)
    repeated = {v for v, n in counts.items() if n > 1}
    groups: dict[str, list[int]] = {}
    if repeated:
        for i in np.flatnonzero(isin(d.mem.norm, repeated)):
            groups.setdefault(str(d.mem.norm[i]), []).append(int(i))
    d.cache["duplicate_groups"] = groups
    return groups


@predicate("duplicate_id_in_household", "member")
def duplicate_id_in_household(d: CheckData, p: Params) -> Hits:
    """Members whose normalised ID is held by another member of the SAME household. Values: ``id_number``,
    ``others`` (the other members' 人编号)."""
    mask = np.zeros(d.mem.n, dtype=bool)
    others: dict[int, list[str]] = {}
    for rows in _duplicate_groups(d).values():
        by_hh: dict[int, list[int]] = {}
        for i in rows:
            by_hh.setdefault(int(d.mem.hh[i]), []).append(i)
        for same in by_hh.values():
            if len(same) > 1:
                for i in same:
                    mask[i] = True
                    others[i] = _member_nos(d, [j for j in same if j != i])
    return hits(mask, id_number=d.mem.id_number, others=others)


@predicate("duplicate_id_between_households", "member")
def duplicate_id_between_households(d: CheckData, p: Params) -> Hits:
    """Members whose normalised ID is also held by a member of ANOTHER household of the county (one finding per member
    row). Values: ``id_number``, ``households`` (the other households' 户编号), ``count``."""
    mask = np.zeros(d.mem.n, dtype=bool)
    others: dict[int, list[str]] = {}
    for rows in _duplicate_groups(d).values():
        households = {int(d.mem.hh[i]) for i in rows}
        if len(households) > 1:
            for i in rows:
                mask[i] = True
                own = int(d.mem.hh[i])
                others[i] = sorted({str(d.mem.household_no[j]) for j in rows if int(d.mem.hh[j]) != own})
    count = {i: len(v) + 1 for i, v in others.items()}
    return hits(mask, id_number=d.mem.id_number, households=others, count=count)


@predicate("duplicate_member_no", "member")
def duplicate_member_no(d: CheckData, p: Params) -> Hits:
    """Member rows whose 人编号 is also held by another member row of the county (the same 人编号 exported twice,
    issue 4). Blank 人编号 are left to the label/missing rules. Values: ``member_no``, ``count`` (rows holding it),
    ``households`` (the 户编号 of every row holding it)."""
    nos = [str(x) if x else "" for x in d.mem.member_no.tolist()]
    counts = Counter(nos)
    counts.pop("", None)
    repeated = {v for v, n in counts.items() if n > 1}
    mask = np.array([no in repeated for no in nos], dtype=bool) if nos else np.zeros(0, dtype=bool)
    households: dict[int, list[str]] = {}
    if repeated:
        by_no: dict[str, list[int]] = {}
        for i in np.flatnonzero(mask):
            by_no.setdefault(nos[i], []).append(int(i))
        for rows in by_no.values():
            hh_nos = sorted({str(d.mem.household_no[j]) for j in rows})
            for i in rows:
                households[i] = hh_nos
    count = {i: counts[nos[i]] for i in households}
    return hits(mask, member_no=d.mem.member_no, count=count, households=households)


@predicate("duplicate_id_between_counties", "member")
def duplicate_id_between_counties(d: CheckData, p: Params) -> Hits:
    """Members whose normalised ID is also registered in ANOTHER county of the same database (a province file).
    One grouped query over the stored ``id_norm`` (shared by all counties of a run). Values: ``id_number``,
    ``counties`` (the other county codes), ``households`` (their 户编号)."""
    if d.conn is None:
        return no_hits()
    shared = d.shared.get("ids_in_several_counties")
    if shared is None:
        shared = {}
        if d.conn.execute(select(func.count()).select_from(County.__table__)).scalar_one() > 1:
            m = Member.__table__.c
            multi = (select(m.id_norm).where(m.id_norm.is_not(None), m.id_norm != "").group_by(m.id_norm)
                     .having(func.count(distinct(m.county_code)) > 1))
            for id_norm, county, household_no in d.conn.execute(
                    select(m.id_norm, m.county_code, m.household_no).where(m.id_norm.in_(multi))):
                shared.setdefault(id_norm, set()).add((county, household_no))
        d.shared["ids_in_several_counties"] = shared
    mask = np.zeros(d.mem.n, dtype=bool)
    counties: dict[int, list[str]] = {}
    households: dict[int, list[str]] = {}
    if shared:
        for i in np.flatnonzero(isin(d.mem.norm, list(shared))):
            elsewhere = sorted(x for x in shared[str(d.mem.norm[i])] if x[0] != d.county.code)
            if elsewhere:
                mask[i] = True
                counties[int(i)] = sorted({c for c, _ in elsewhere})
                households[int(i)] = [h for _, h in elsewhere]
    return hits(mask, id_number=d.mem.id_number, counties=counties, households=households)


@predicate("sex_vs_id", "member")
def sex_vs_id(d: CheckData, p: Params) -> Hits:
    """Members whose 性别 column (when present) disagrees with the ID's 17th digit (odd 男, even 女).
    Values: ``sex``, ``id_sex``."""
    mask = nonblank(d.mem.sex) & nonblank(d.mem.id_sex) & (d.mem.sex != d.mem.id_sex)
    return hits(mask, sex=d.mem.sex, id_sex=d.mem.id_sex)


def _income_head_id(extra: Mapping[str, Any] | None) -> str | None:
    """The income table's 户主证件号码 when the importer recorded it as contradicting the roster, else None."""
    entries = ((extra or {}).get("income_conflicts") or {}).get("head_id_number")
    if isinstance(entries, list) and entries and isinstance(entries[-1], Mapping):
        value = entries[-1].get("value")
        return None if value is None else str(value)
    return None


@predicate("head_id_vs_roster", "household")
def head_id_vs_roster(d: CheckData, p: Params) -> Hits:
    """Households whose income-table 户主证件号码 is not the ID of the roster's (single) 户主, compared after
    normalisation (15-digit, spaces, lower-case x). The income table's value is the household's ``head_id_number``,
    or, when the importer kept the roster's, the one it recorded in ``extra["income_conflicts"]``.
    Values: ``head_id_number`` (income table), ``roster_head_id_number``."""
    hh = d.hh
    income_id = hh.head_id_number.astype(object)
    for i, extra in d.hh_extra.items():
        recorded = _income_head_id(extra)
        if recorded is not None:
            income_id[i] = recorded
    single = (hh.n_heads == 1) & nonblank(income_id)
    roster = d.member_at("norm", hh.head_idx)
    raw = d.member_at("id_number", hh.head_idx)
    mask = np.zeros(hh.n, dtype=bool)
    fast_equal = np.array([a.upper() == b for a, b in zip(income_id.tolist(), roster.tolist(), strict=True)],
                          dtype=bool).reshape(-1)
    for i in np.flatnonzero(single & ~fast_equal):
        ours = id_key(income_id[i])
        mask[i] = (ours != roster[i]) if (ours and roster[i]) else (
            clean_id_text(income_id[i]) != clean_id_text(raw[i]))
    return hits(mask, head_id_number=income_id, roster_head_id_number=raw)


_SCI = re.compile(r"^\s*\d(\.\d+)?[eE]\+?\d+\s*$")


def looks_sci(text: str) -> bool:
    """Text in scientific notation (``4.22822E+15``): a number Excel showed that way."""
    return ("E" in text or "e" in text) and _SCI.match(text) is not None


def _digits_then_zeros(text: str) -> bool:
    return text.isdigit() and len(text) > 15 and text[15:].strip("0") == ""


@predicate("value_excel_corrupted", "member", params=("fields",))
def value_excel_corrupted(d: CheckData, p: Params) -> Hits:
    """Member keys in ``fields`` (人编号, 银行账号, 联系电话) that went through an Excel number: the importer's
    ``extra["corrupted"]`` (人编号 of more than 15 digits in a number cell), scientific notation, or a 银行账号 of more
    than 15 digits ending in zeros. Values: ``fields`` (field → value)."""
    fields = list(p["fields"])
    found: dict[int, dict[str, str]] = {}
    for i, extra in d.mem_extra.items():
        for name in extra.get("corrupted") or []:
            if name in fields:
                found.setdefault(i, {})[name] = str(d.mem[name][i])
    for name in fields:
        col = d.mem[name]
        rows = np.flatnonzero(nonblank(col))
        values = col[rows].tolist()
        if name != "bank_account" and "e" not in "\x00".join(values).lower():
            continue  # no scientific notation anywhere in this column
        for i, v in zip(rows.tolist(), values, strict=True):
            if looks_sci(v) or (name == "bank_account" and _digits_then_zeros(v)):
                found.setdefault(i, {})[name] = v
    mask = np.zeros(d.mem.n, dtype=bool)
    mask[list(found)] = True
    return hits(mask, fields=found)


@predicate("household_no_corrupted", "household")
def household_no_corrupted(d: CheckData, p: Params) -> Hits:
    """户编号 that went through an Excel number in the export (the importer's ``extra["corrupted"]``: recovered from
    the 人编号 when possible) or that is scientific notation. Values: ``household_no``."""
    mask = np.array([looks_sci(v) for v in d.hh.household_no.tolist()], dtype=bool).reshape(-1)
    for i, extra in d.hh_extra.items():
        if "household_no" in (extra.get("corrupted") or []):
            mask[i] = True
    return hits(mask, household_no=d.hh.household_no)


@predicate("household_no_inferred", "member")
def household_no_inferred(d: CheckData, p: Params) -> Hits:
    """Roster rows whose 户编号 was blank (or lost), attached by the importer to a household by their 人编号 or by
    the row above (``extra["household_no_inferred"]``). Values: ``how``."""
    how: dict[int, str] = {}
    for i, extra in d.mem_extra.items():
        way = extra.get("household_no_inferred")
        if way:
            how[i] = {"member_no": "按人编号归户", "previous_row": "按上一行归户"}.get(str(way), str(way))
    mask = np.zeros(d.mem.n, dtype=bool)
    mask[list(how)] = True
    return hits(mask, how=how)


def _bad_values(extra: Mapping[str, Any], keys: tuple[str, ...]) -> dict[str, str]:
    out: dict[str, str] = {}
    for key in keys:
        values = extra.get(key)
        if isinstance(values, Mapping):
            out.update({str(k): str(v) for k, v in values.items()})
    return out


@predicate("household_bad_numbers", "household")
def household_bad_numbers(d: CheckData, p: Params) -> Hits:
    """Household number fields (人数, incomes, areas…) whose cell was not a number: stored empty by the importer,
    the text kept in ``extra["bad_values"]`` / ``extra["income_bad_values"]``. Values: ``fields`` (field → text)."""
    found = {i: b for i, e in d.hh_extra.items() if (b := _bad_values(e, ("bad_values", "income_bad_values")))}
    mask = np.zeros(d.hh.n, dtype=bool)
    mask[list(found)] = True
    return hits(mask, fields=found)


@predicate("member_bad_numbers", "member")
def member_bad_numbers(d: CheckData, p: Params) -> Hits:
    """Member number fields (务工时间) whose cell was not a number (``extra["bad_values"]``).
    Values: ``fields`` (field → text)."""
    found = {i: b for i, e in d.mem_extra.items() if (b := _bad_values(e, ("bad_values",)))}
    mask = np.zeros(d.mem.n, dtype=bool)
    mask[list(found)] = True
    return hits(mask, fields=found)


# ------------------------------------------------------------------------------------------------ household structure


@predicate("head_count", "household")
def head_count(d: CheckData, p: Params) -> Hits:
    """Households with members but not exactly one 户主. Values: ``heads``."""
    return hits((d.hh.n_members > 0) & (d.hh.n_heads != 1), heads=d.hh.n_heads)


@predicate("spouse_count", "household", params=("max_spouses",))
def spouse_count(d: CheckData, p: Params) -> Hits:
    """Households with more than ``max_spouses`` 配偶. Values: ``spouses``, ``max_spouses``."""
    return hits(d.hh.n_spouses > p["max_spouses"], spouses=d.hh.n_spouses, max_spouses=p["max_spouses"])


@predicate("head_spouse_sex", "household")
def head_spouse_sex(d: CheckData, p: Params) -> Hits:
    """Households whose (first) 户主 and a 配偶 have the same sex (the ID's sex, else the 性别 column).
    Values: ``sex``."""
    head_sex = d.member_at("sex_eff", d.hh.head_idx)
    head_sex_m = head_sex[np.clip(d.mem.hh, 0, None)] if d.hh.n and d.mem.n else np.full(d.mem.n, "", dtype=object)
    same = d.mem.is_spouse & nonblank(d.mem.sex_eff) & (d.mem.sex_eff == head_sex_m) & (d.mem.hh >= 0)
    return hits(d.any_by_household(same), sex=head_sex)


_MALE_RELATIONS = [r for r, s in g.RELATION_SEX.items() if s == "男"]
_FEMALE_RELATIONS = [r for r, s in g.RELATION_SEX.items() if s == "女"]


@predicate("relation_vs_sex", "member")
def relation_vs_sex(d: CheckData, p: Params) -> Hits:
    """Members whose 与户主关系 implies a sex (之子 男, 之女 女, …) other than theirs (the ID's sex, else 性别).
    Values: ``relation``, ``sex``, ``expected``."""
    rel = d.mem.relation
    expected = np.where(isin(rel, _MALE_RELATIONS), "男", np.where(isin(rel, _FEMALE_RELATIONS), "女", ""))
    mask = nonblank(expected) & nonblank(d.mem.sex_eff) & (d.mem.sex_eff != expected)
    return hits(mask, relation=rel, sex=d.mem.sex_eff, expected=expected)


@predicate("size_vs_rows", "household", params=("field",))
def size_vs_rows(d: CheckData, p: Params) -> Hits:
    """Households with members whose ``field`` (人数 ``size`` or 家庭人口数 ``declared_size``) differs from the
    number of member rows. Values: ``size``, ``members``."""
    size = d.hh[p["field"]]
    mask = known(size) & (d.hh.n_members > 0) & (size != d.hh.n_members)
    return hits(mask, size=size, members=d.hh.n_members)


@predicate("household_no_members", "household")
def household_no_members(d: CheckData, p: Params) -> Hits:
    """Households without any member row."""
    return hits(d.hh.n_members == 0)


@predicate("members_no_household_record", "household")
def members_no_household_record(d: CheckData, p: Params) -> Hits:
    """When the county's income table was imported: households that have member rows in the roster but no row in
    the income table (户收入及生产生活条件). Values: ``members``."""
    if not d.hh.has_income_record.any():
        return no_hits()
    return hits((d.hh.n_members > 0) & ~d.hh.has_income_record, members=d.hh.n_members)


@predicate("generation_gap", "member",
           params=("child_gap", "grandchild_gap", "great_grandchild_gap", "parent_gap", "grandparent_gap"))
def generation_gap(d: CheckData, p: Params) -> Hits:
    """Members whose age gap to the 户主 AND to the 配偶 is smaller than their generation requires: children at least
    ``child_gap`` years younger than the head or the spouse, grandchildren ``grandchild_gap``, parents at least
    ``parent_gap`` older, grandparents ``grandparent_gap``. Relations in ``exclude`` (in-laws, nephews…) are skipped.
    Values: ``relation``, ``age``, ``head_age``, ``spouse_age``, ``min_gap``."""
    gaps = {-1: p["child_gap"], -2: p["grandchild_gap"], -3: p["great_grandchild_gap"], 1: p["parent_gap"],
            2: p["grandparent_gap"]}
    rel = d.mem.relation
    exclude = set(p.get("exclude", []))
    generation = {r: k for r, k in g.RELATION_GENERATION.items() if r not in exclude and k in gaps}
    gen = map_values(rel, generation, 0, np.int64)
    need = map_values(rel, {r: gaps[k] for r, k in generation.items()}, 0.0)
    head_age = d.household_column("head_age", np.nan) if d.mem.n else d.mem.age
    spouse_age = d.household_column("spouse_age", np.nan) if d.mem.n else d.mem.age
    age = d.mem.age
    sign = np.sign(gen)  # -1 younger generations, +1 older
    ok = (sign * (age - head_age) >= need) | (sign * (age - spouse_age) >= need)
    mask = (gen != 0) & known(age) & known(head_age) & ~ok
    return hits(mask, relation=rel, age=age, head_age=head_age, spouse_age=spouse_age, min_gap=need)


# ---------------------------------------------------------------------------------------------- age, school, labour


@predicate("school_status_age", "member", params=("bands",))
def school_status_age(d: CheckData, p: Params) -> Hits:
    """Members whose 在校生状况 does not fit their age: ``bands`` maps a status to ``[min, max]`` years (inclusive).
    Values: ``school_status``, ``age``, ``age_min``, ``age_max``."""
    bands = p["bands"]
    lo = map_values(d.mem.school_status, {k: v[0] for k, v in bands.items()}, np.nan)
    hi = map_values(d.mem.school_status, {k: v[1] for k, v in bands.items()}, np.nan)
    age = d.mem.age
    mask = known(lo) & known(age) & ((age < lo) | (age > hi))
    return hits(mask, school_status=d.mem.school_status, age=age, age_min=lo, age_max=hi)


@predicate("child_working", "member", params=("min_age",))
def child_working(d: CheckData, p: Params) -> Hits:
    """Members younger than ``min_age`` with a 务工状况 or 务工时间 above 0. Values: ``age``, ``work_status``,
    ``work_months``, ``min_age``."""
    age = d.mem.age
    working = nonblank(d.mem.work_status) | (d.mem.work_months > 0)
    return hits((age < p["min_age"]) & working, age=age, work_status=d.mem.work_status,
                work_months=d.mem.work_months, min_age=p["min_age"])


@predicate("work_months_range", "member", params=("min_months", "max_months"))
def work_months_range(d: CheckData, p: Params) -> Hits:
    """务工时间（月） outside ``min_months``–``max_months``. Values: ``work_months``."""
    wm = d.mem.work_months
    return hits((wm < p["min_months"]) | (wm > p["max_months"]), work_months=wm,
                min_months=p["min_months"], max_months=p["max_months"])


# -------------------------------------------------------------------------------------------------------------- income


@predicate("per_capita_identity", "household", params=("tolerance",))
def per_capita_identity(d: CheckData, p: Params) -> Hits:
    """人均纯收入 ≠ 纯收入 ÷ member rows (not 人数) beyond ``tolerance`` 元. Values: ``per_capita``, ``net``,
    ``members``, ``expected``."""
    hh = d.hh
    members = hh.n_members.astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = np.where(members > 0, hh.net_income / np.where(members > 0, members, 1), np.nan)
    pc = hh.per_capita_net_income
    mask = known(pc) & known(expected) & (np.abs(pc - expected) > p["tolerance"])
    return hits(mask, per_capita=pc, net=hh.net_income, members=hh.n_members, expected=expected)


@predicate("negative_amounts", "household", params=("fields",))
def negative_amounts(d: CheckData, p: Params) -> Hits:
    """Households with a negative amount in any of ``fields`` (元). Values: ``negative`` (field → amount)."""
    found: dict[int, dict[str, float]] = {}
    for name in p["fields"]:
        for i in np.flatnonzero(d.hh[name] < 0):
            found.setdefault(int(i), {})[name] = float(d.hh[name][i])
    mask = np.zeros(d.hh.n, dtype=bool)
    mask[list(found)] = True
    return hits(mask, negative=found)


@predicate("exit_below_line", "household", params=("exit_line", "statuses"))
def exit_below_line(d: CheckData, p: Params) -> Hits:
    """Households whose 脱贫属性 is in ``statuses`` (已脱贫, 预脱贫) with 人均纯收入 below ``exit_line`` 元 (the
    income table's figure, else the roster's). Values: ``poverty_status``, ``per_capita``, ``exit_line``."""
    pc = d.hh.per_capita
    mask = isin(d.hh.poverty_status, p["statuses"]) & (pc < p["exit_line"])
    return hits(mask, poverty_status=d.hh.poverty_status, per_capita=pc, exit_line=p["exit_line"])


@predicate("ordinary_above_line", "household", params=("ordinary_line", "household_types", "statuses"))
def ordinary_above_line(d: CheckData, p: Params) -> Hits:
    """Households of ``household_types`` (一般贫困户) whose 脱贫属性 is in ``statuses`` (not lifted out) with 人均纯收入
    above ``ordinary_line`` 元. Values: ``household_type``, ``poverty_status``, ``per_capita``, ``ordinary_line``."""
    pc = d.hh.per_capita
    mask = (isin(d.hh.household_type, _with_aliases(p["household_types"])) & isin(d.hh.poverty_status, p["statuses"])
            & (pc > p["ordinary_line"]))
    return hits(mask, household_type=d.hh.household_type, poverty_status=d.hh.poverty_status, per_capita=pc,
                ordinary_line=p["ordinary_line"])


@predicate("roster_vs_income_table", "household", params=("tolerance",))
def roster_vs_income_table(d: CheckData, p: Params) -> Hits:
    """The roster's 人均纯收入 differs from the income table's by more than ``tolerance`` 元.
    Values: ``roster``, ``income_table``."""
    a, b = d.hh.roster_per_capita_income, d.hh.per_capita_net_income
    return hits(known(a) & known(b) & (np.abs(a - b) > p["tolerance"]), roster=a, income_table=b)


# ---------------------------------------------------------------------------------------------------------- attributes


@predicate("five_guarantee_able_member", "household", params=("age_min", "age_max"))
def five_guarantee_able_member(d: CheckData, p: Params) -> Hits:
    """五保贫困户 with a member aged ``age_min``–``age_max`` whose 劳动技能 is 普通/技能劳动力.
    Values: ``members`` (their 人编号)."""
    age = d.mem.age
    five = isin(d.hh.household_type, _with_aliases(g.FIVE_GUARANTEE))
    in_five = d.household_column("household_type", "") if d.mem.n else d.mem.labour_skill
    able = (isin(in_five, _with_aliases(g.FIVE_GUARANTEE)) & isin(d.mem.labour_skill, g.ABLE_LABOUR)
            & (age >= p["age_min"]) & (age <= p["age_max"]))
    holders = d.members_by_household(able)
    mask = five & d.any_by_household(able)
    return hits(mask, members={h: _member_nos(d, idx) for h, idx in holders.items()})


@predicate("five_guarantee_size", "household", params=("max_members",))
def five_guarantee_size(d: CheckData, p: Params) -> Hits:
    """五保贫困户 with more than ``max_members`` member rows. Values: ``members``, ``max_members``."""
    mask = isin(d.hh.household_type, _with_aliases(g.FIVE_GUARANTEE)) & (d.hh.n_members > p["max_members"])
    return hits(mask, members=d.hh.n_members, max_members=p["max_members"])


_YES_NO_ACCEPTED = frozenset(("是", "否", "1", "0", "有", "无"))


def _label_errors(table: Any, fields: list[str], n: int) -> dict[int, dict[str, str]]:
    found: dict[int, dict[str, str]] = {}
    for name in fields:
        col = table[name]
        allowed = set(g.CODE_LISTS[name])
        if g.CODE_LISTS[name] is g.YES_NO:
            allowed |= _YES_NO_ACCEPTED
        if name == "other_causes":
            wrong = {v for v in present_values(col)
                     if v and any(part not in g.OTHER_CAUSES for part in split_labels(v))}
        else:
            wrong = {v for v in present_values(col) if v and v not in allowed}
        if wrong:
            for i in np.flatnonzero(isin(col, wrong)).tolist():
                found.setdefault(i, {})[name] = str(col[i])
    return found


def split_labels(text: str) -> list[str]:
    """Labels of a multi-label cell (其他致贫原因): split on 、 , ， ; ； / and white space."""
    return [t for t in re.split(r"[、,，;；/\s]+", text.strip()) if t]


def _label_hits(table: Any, fields: list[str]) -> Hits:
    """The rows of ``table`` (members or households) with a value of ``fields`` outside its code list."""
    found = _label_errors(table, fields, table.n)
    mask = np.zeros(table.n, dtype=bool)
    mask[list(found)] = True
    return hits(mask, fields=found)


@predicate("member_labels", "member", params=("fields",))
def member_labels(d: CheckData, p: Params) -> Hits:
    """Member values of ``fields`` outside their code list (:data:`fupin_tui.glossary.CODE_LISTS`); blanks are not
    judged here. Values: ``fields`` (field → value)."""
    return _label_hits(d.mem, list(p["fields"]))


@predicate("household_labels", "household", params=("fields",))
def household_labels(d: CheckData, p: Params) -> Hits:
    """Household values of ``fields`` outside their code list (贫困户属性 accepts its aliases; 其他致贫原因 is split
    into labels); blanks are not judged here. Values: ``fields`` (field → value)."""
    return _label_hits(d.hh, list(p["fields"]))


@predicate("other_causes_count", "household", params=("max_causes",))
def other_causes_count(d: CheckData, p: Params) -> Hits:
    """其他致贫原因 listing more than ``max_causes`` labels. Values: ``other_causes``, ``count``."""
    count = np.array([len(split_labels(v)) if v else 0 for v in d.hh.other_causes.tolist()], dtype=np.int64)
    return hits(count > p["max_causes"], other_causes=d.hh.other_causes, count=count, max_causes=p["max_causes"])


@predicate("relocation_without_task", "household")
def relocation_without_task(d: CheckData, p: Params) -> Hits:
    """易地扶贫搬迁户 = 是 in a county without a relocation task (``fupin county --relocation-task``; default: no
    task). Values: ``relocation``."""
    if d.county.relocation_task:
        return no_hits()
    return hits(_yes(d.hh.relocation), relocation=d.hh.relocation)


# ------------------------------------------------------------------------------------------------------------ contact

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}(-\d{1,6})?$")


def split_phones(cell: str) -> list[str]:
    """The phone numbers of a 联系电话 cell: NFKC, brackets and spaces removed, split on / 、 , ; and a +86 prefix
    dropped. ``"(0718)3322123 / 18124229961"`` → ``["07183322123", "18124229961"]``."""
    if cell.isascii() and cell.isdigit():
        return [cell]
    text = unicodedata.normalize("NFKC", cell).replace("(", "").replace(")", "").replace("—", "-")
    out = []
    for part in re.split(r"[/、,;，；]+|\s{2,}", text):
        part = re.sub(r"\s+", "", part)
        if part.startswith("+86"):
            part = part[3:]
        elif part.startswith("86") and len(part) == 13:
            part = part[2:]
        if part:
            out.append(part)
    return out


def phone_valid(phone: str) -> bool:
    """A mobile of 11 digits starting 1[3-9], or a landline with its area code (0xx/0xxx + 7–8 digits)."""
    if len(phone) == 11 and phone[0] == "1" and phone[1] in "3456789" and phone.isdigit():
        return True
    return bool(_MOBILE.match(phone) or _LANDLINE.match(phone))


@dataclass
class _PhoneIndex:
    """The county's phones: distinct (household index, phone) pairs, and whether each phone is valid."""

    pairs: set[tuple[int, str]]
    valid: dict[str, bool]


def _phone_cells(d: CheckData) -> tuple[list[int], list[str], list[str]]:
    """Every non-blank 联系电话 cell: household index, holder (``"户"`` or the member's 人编号), cell text."""
    rows_h = np.flatnonzero(nonblank(d.hh.phone))
    rows_m = np.flatnonzero(nonblank(d.mem.phone) & (d.mem.hh >= 0))
    households = rows_h.tolist() + d.mem.hh[rows_m].tolist()
    holders = ["户"] * rows_h.size + [m or "成员" for m in d.mem.member_no[rows_m].tolist()]
    cells = d.hh.phone[rows_h].tolist() + d.mem.phone[rows_m].tolist()
    return households, holders, cells


def _phones(d: CheckData) -> _PhoneIndex:
    """Every 联系电话 of the county (household rows and member rows), split into numbers, once per run."""
    cached = d.cache.get("phones")
    if cached is not None:
        return cached
    households, _, cells = _phone_cells(d)
    pairs = set(zip(households, cells, strict=True))
    odd = {(h, c) for h, c in pairs if not (c.isdigit() and c.isascii())}  # several numbers, brackets, dashes…
    if odd:
        pairs -= odd
        pairs.update((h, ph) for h, c in odd for ph in split_phones(c))
    index = _PhoneIndex(pairs, {ph: phone_valid(ph) for ph in set(map(itemgetter(1), pairs))})
    d.cache["phones"] = index
    return index


@predicate("phone_format", "household")
def phone_format(d: CheckData, p: Params) -> Hits:
    """Households with a 联系电话 (household or member rows) that is neither an 11-digit mobile starting 1[3-9] nor a
    landline with its area code. Values: ``phone`` (the invalid numbers), ``holders``."""
    index = _phones(d)
    invalid = {ph for ph, ok in index.valid.items() if not ok}
    bad: dict[int, list[str]] = {}
    if invalid:
        for h, ph in index.pairs:
            if ph in invalid:
                bad.setdefault(h, []).append(ph)
        bad = {h: sorted(phones) for h, phones in bad.items()}
    holders: dict[int, list[str]] = {}
    if bad:
        for h, holder, cell in zip(*_phone_cells(d), strict=True):
            if h in bad and holder not in holders.get(h, []) and set(split_phones(cell)) & set(bad[h]):
                holders.setdefault(h, []).append(holder)
    mask = np.zeros(d.hh.n, dtype=bool)
    mask[list(bad)] = True
    return hits(mask, phone=bad, holders=holders)


@predicate("phone_shared", "household", params=("min_households",))
def phone_shared(d: CheckData, p: Params) -> Hits:
    """Households whose valid 联系电话 is also given by other households, ``min_households`` or more in all.
    Values: ``phone``, ``count`` (households), ``households`` (the others' 户编号, at most 10)."""
    index = _phones(d)
    pairs = index.pairs
    if any("-" in ph for ph in index.valid):
        pairs = {(h, ph.replace("-", "")) for h, ph in pairs}
    valid = {ph.replace("-", "") for ph, ok in index.valid.items() if ok}
    counts = Counter(map(itemgetter(1), pairs))
    shared = {ph for ph, n in counts.items() if n >= p["min_households"] and ph in valid}
    by_phone: dict[str, list[int]] = {}
    if shared:
        for h, ph in pairs:
            if ph in shared:
                by_phone.setdefault(ph, []).append(h)
    phone: dict[int, str] = {}
    count: dict[int, int] = {}
    others: dict[int, list[str]] = {}
    for ph, hs in sorted(by_phone.items()):
        for h in hs:
            if h not in count or len(hs) > count[h]:
                phone[h], count[h] = ph, len(hs)
                others[h] = sorted(str(d.hh.household_no[x]) for x in hs if x != h)[:10]
    mask = np.zeros(d.hh.n, dtype=bool)
    mask[list(phone)] = True
    return hits(mask, phone=phone, count=count, households=others)


# ---------------------------------------------------------------------------------------------------- import / county


_SENSITIVE_FIELDS = ("head_id_number", "id_number", "phone", "bank_account", "head_name", "name")


def _conflict_text(conflicts: Mapping[str, Any], exclude: list[str]) -> tuple[list[str], str]:
    """Field labels and a readable ``字段（值1／值2）`` text of an importer conflicts dict (personal values omitted)."""
    labels, parts = [], []
    for name, entries in conflicts.items():
        if name in exclude:
            continue
        label = FIELD_LABELS.get(name, name)
        labels.append(label)
        values = []
        for entry in entries if isinstance(entries, list) else [entries]:
            v = entry.get("value") if isinstance(entry, Mapping) else entry
            if v is None or v == "":
                text = "空"
            else:
                text = str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)
            if text not in values:
                values.append(text)
        parts.append(label if name in _SENSITIVE_FIELDS else f"{label}（{'／'.join(values)}）")
    return labels, "、".join(parts)


@predicate("household_conflicts", "household", params=("key",))
def household_conflicts(d: CheckData, p: Params) -> Hits:
    """Households for which the importer recorded conflicting values under ``extra[key]``: ``conflicts`` (the same
    household field given differently on several roster rows) or ``income_conflicts`` (the income table contradicts
    the roster, or a second income row). Fields in ``exclude`` are left to their own rules.
    Values: ``fields`` (Chinese labels), ``detail`` (``字段（值1／值2）``, personal values omitted)."""
    exclude = list(p.get("exclude", []))
    fields: dict[int, list[str]] = {}
    detail: dict[int, str] = {}
    for i, extra in d.hh_extra.items():
        conflicts = extra.get(p["key"])
        if isinstance(conflicts, Mapping) and conflicts:
            labels, text = _conflict_text(conflicts, exclude)
            if labels:
                fields[i], detail[i] = labels, text
    mask = np.zeros(d.hh.n, dtype=bool)
    mask[list(fields)] = True
    return hits(mask, fields=fields, detail=detail)


@predicate("county_data_year", "county")
def county_data_year(d: CheckData, p: Params) -> Hits:
    """The county has no data year (数据年度): ages and year-dependent thresholds cannot be applied."""
    return hits(np.array([d.county.data_year is None]))
