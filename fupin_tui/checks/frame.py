"""Fetch a county's households and members ONCE per check run into column arrays (numpy), plus derived columns.

Predicates evaluate set-based over these arrays (no query per row). Text columns are numpy OBJECT arrays of ``str``
with ``""`` for NULL (``COALESCE`` in the query; values as stored, the importer strips them): compare them with ``==``
or :func:`isin`, not ``np.char``. Numeric columns are float arrays with NaN for NULL, so a comparison with a missing
value is False.
Units as stored: incomes in 元 per year, 人均纯收入 in 元 per person per year, work time in 月, sizes in 人.

Derived member columns: ``hh`` (index of the member's household in the household arrays, -1 if none), the ID's
``kind`` / ``norm`` (stored by the importer, recomputed with :func:`fupin_tui.idnumber.normalize_id` only where
absent), ``checksum_ok`` (GB 11643 check digit by python-stdnum's ``cn.ric``), ``birth_ok``, ``birth_year``,
``age`` (completed years on 31 December of the county's data year, never today's date; NaN when unknown),
``id_sex`` and ``sex_eff`` (the ID's sex, else the 性别 column).
"""

from __future__ import annotations

import json
import weakref
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import String, cast, func, or_, select
from sqlalchemy.engine import Connection

from fupin_tui import glossary as g
from fupin_tui.idnumber import IdKind, check_digit, normalize_id
from fupin_tui.models.tables import County, Household, Member

HOUSEHOLD_TEXT = (
    "household_no", "hamlet", "head_id_number", "identification_standard", "household_type", "poverty_status",
    "main_cause", "other_causes", "dilapidated_house", "water_safe", "water_difficulty", "relocation", "electricity",
    "road_type", "fuel_type", "phone",
)
HOUSEHOLD_NUMBERS = (
    "size", "declared_size", "roster_per_capita_income", "wage_income", "business_income", "property_income",
    "transfer_income", "family_planning_income", "subsistence_income", "five_guarantee_income", "pension_income",
    "ecological_income", "other_transfer_income", "business_expense", "annual_income", "net_income",
    "per_capita_net_income", "arable_land", "housing_area",
)
MEMBER_TEXT = (
    "member_no", "id_number", "id_norm", "id_kind", "sex", "relation", "ethnicity", "education",
    "school_status", "health", "labour_skill", "work_status", "serious_illness_insurance", "new_rural_coop",
    "pension_insurance", "political_status", "member_status", "phone", "bank_account",
)
MEMBER_NUMBERS = ("work_months",)


class Table:
    """Named column arrays of equal length ``n`` (attribute or item access)."""

    def __init__(self, n: int, columns: dict[str, np.ndarray]) -> None:
        self.n = n
        self.columns = columns

    def __getattr__(self, name: str) -> np.ndarray:
        try:
            return self.__dict__["columns"][name]
        except KeyError:
            raise AttributeError(name) from None

    def __getitem__(self, name: str) -> np.ndarray:
        return self.columns[name]

    def __setitem__(self, name: str, value: np.ndarray) -> None:
        self.columns[name] = value

    def __contains__(self, name: object) -> bool:
        return name in self.columns


def text_array(values: Any) -> np.ndarray:
    """An object array of the given texts (the loader's ``COALESCE`` already turned NULL into ``""``)."""
    out = np.empty(len(values), dtype=object)
    if len(values):
        out[:] = list(values)
    return out


_CODES: dict[int, tuple[weakref.ref, np.ndarray, dict[Any, int]]] = {}
_FACTORIZE_MIN = 2000


def factorize(values: np.ndarray) -> tuple[np.ndarray, dict[Any, int]]:
    """Integer codes of a text column and its vocabulary (value → code), computed once per array object and kept
    while the array lives: membership tests and mappings then run on integers. Columns are never modified after
    loading (derive new arrays instead), so the cached codes stay true."""
    key = id(values)
    hit = _CODES.get(key)
    if hit is not None and hit[0]() is values:
        return hit[1], hit[2]
    lookup: dict[Any, int] = {}
    # code = index of the value's first occurrence (not dense; C-level map, no Python loop)
    codes = np.fromiter(map(lookup.setdefault, values.tolist(), range(len(values))), dtype=np.int64,
                        count=len(values))
    _CODES[key] = (weakref.ref(values, lambda _ref, key=key: _CODES.pop(key, None)), codes, lookup)
    return codes, lookup


def _codes_for(values: np.ndarray, *, compute: bool = True) -> tuple[np.ndarray, dict[Any, int]] | None:
    if values.dtype != object or len(values) < _FACTORIZE_MIN:
        return None
    hit = _CODES.get(id(values))
    if hit is not None and hit[0]() is values:
        return hit[1], hit[2]
    return factorize(values) if compute else None


def isin(values: np.ndarray, labels: Any) -> np.ndarray:
    """``values`` ∈ ``labels`` (a label or a list of labels; ``""`` stands for blank), element-wise, for text
    columns (object arrays of str) and any other array. Large text columns are compared through their integer codes
    (:func:`factorize`)."""
    if isinstance(labels, str):
        labels = [labels]
    labels = list(dict.fromkeys(labels))
    if not len(values) or not labels:
        return np.zeros(len(values), dtype=bool)
    # one or two labels on a column not factorized yet (IDs, numbers, phones…): compare directly
    factorized = _codes_for(values, compute=len(labels) > 2)
    if factorized is not None:
        codes, lookup = factorized
        wanted = [lookup[label] for label in labels if label in lookup]
        if not wanted:
            return np.zeros(len(values), dtype=bool)
        if len(wanted) <= 4:
            mask = codes == wanted[0]
            for code in wanted[1:]:
                mask |= codes == code
            return mask
        return np.isin(codes, wanted)
    if len(labels) > 4:
        wanted_set = set(labels)
        return np.fromiter((v in wanted_set for v in values.tolist()), dtype=bool, count=len(values))
    mask = np.asarray(values == labels[0], dtype=bool)
    for label in labels[1:]:
        mask = mask | (values == label)
    return mask


def present_values(values: np.ndarray) -> set[Any]:
    """The distinct values of a column."""
    factorized = _codes_for(values)
    return set(factorized[1]) if factorized is not None else set(values.tolist())


def map_values(values: np.ndarray, mapping: dict[Any, Any], default: Any, dtype: Any = float) -> np.ndarray:
    """``mapping[v]`` for every element (``default`` when absent), as an array of ``dtype``."""
    factorized = _codes_for(values)
    if factorized is not None:
        codes, lookup = factorized
        table = np.full(len(values), default, dtype=dtype)
        for value, code in lookup.items():
            if value in mapping:
                table[code] = mapping[value]
        return table[codes]
    get = mapping.get
    return np.fromiter((get(v, default) for v in values.tolist()), dtype=dtype, count=len(values))


def number_array(values: Any) -> np.ndarray:
    """A float array: None (and text that is not a number) → NaN."""
    values = values.tolist() if isinstance(values, np.ndarray) else list(values)
    try:
        return np.array(values, dtype=float) if values else np.array([], dtype=float)
    except (TypeError, ValueError):
        out = []
        for v in values:
            try:
                out.append(float(v) if v is not None and str(v).strip() != "" else np.nan)
            except (TypeError, ValueError):
                out.append(np.nan)
        return np.array(out, dtype=float)


@dataclass
class CountyInfo:
    """The county a run evaluates: code, data year (数据年度), relocation task, other settings."""

    code: str
    name: str = ""
    data_year: int | None = None
    relocation_task: bool = False
    settings: dict[str, Any] = field(default_factory=dict)


class CheckData:
    """One county's data as column arrays: ``county``, ``hh`` (households), ``mem`` (members), derived helpers.

    ``hh_extra`` / ``mem_extra``: the importer's notes (``Household.extra`` / ``Member.extra``), only for rows that
    have any, keyed by row INDEX (conflicts, bad values, corrupted keys, inferred 户编号…). Households the importer
    flagged ``removed`` (gone from the latest roster, kept for their marks) are left out with their members.
    ``conn`` stays available to predicates that need a set-based query of their own (IDs shared with other counties).
    Build with :func:`load_check_data`.
    """

    def __init__(self, county: CountyInfo, hh: Table, mem: Table, conn: Connection | None = None, *,
                 hh_extra: dict[int, dict[str, Any]] | None = None,
                 mem_extra: dict[int, dict[str, Any]] | None = None) -> None:
        self.county = county
        self.conn = conn
        hh_extra = hh_extra or {}
        removed = [i for i, e in hh_extra.items() if e.get("removed")]
        if removed:
            keep = ~np.isin(hh.id, removed)
            hh = Table(int(keep.sum()), {k: v[keep] for k, v in hh.columns.items()})
            keep_m = ~np.isin(mem.household_id, removed)
            mem = Table(int(keep_m.sum()), {k: v[keep_m] for k, v in mem.columns.items()})
        self.hh = hh
        self.mem = mem
        hh_pos = {int(x): i for i, x in enumerate(hh.id)}
        mem_pos = {int(x): i for i, x in enumerate(mem.id)} if mem_extra else {}
        self.hh_extra: dict[int, dict[str, Any]] = {hh_pos[k]: v for k, v in hh_extra.items() if k in hh_pos}
        self.mem_extra: dict[int, dict[str, Any]] = {
            mem_pos[k]: v for k, v in (mem_extra or {}).items() if k in mem_pos}
        #: per-run memo of intermediate results shared by predicates of this county (duplicate groups, phones…)
        self.cache: dict[str, Any] = {}
        #: memo shared by every county of one run (e.g. IDs registered in several counties)
        self.shared: dict[str, Any] = {}
        self._derive()

    # --------------------------------------------------------------------------------------------------- derived
    def _derive(self) -> None:
        hh, mem = self.hh, self.mem
        order = np.argsort(hh.id, kind="stable")
        pos = np.searchsorted(hh.id[order], mem.household_id) if hh.n else np.zeros(mem.n, dtype=np.int64)
        pos = np.clip(pos, 0, max(hh.n - 1, 0))
        found = (hh.id[order][pos] == mem.household_id) if hh.n else np.zeros(mem.n, dtype=bool)
        mem["hh"] = np.where(found, order[pos] if hh.n else 0, -1).astype(np.int64)
        mem["household_no"] = np.where(found, hh.household_no[mem.hh] if hh.n else "", "").astype(object)
        self._derive_ids()
        valid = mem.hh >= 0
        hh["n_members"] = np.bincount(mem.hh[valid], minlength=hh.n)[: hh.n] if hh.n else np.zeros(0, dtype=np.int64)
        is_head = mem.relation == g.HEAD
        is_spouse = mem.relation == g.SPOUSE
        mem["is_head"] = np.asarray(is_head, dtype=bool)
        mem["is_spouse"] = np.asarray(is_spouse, dtype=bool)
        hh["n_heads"] = self.count_by_household(mem.is_head)
        hh["n_spouses"] = self.count_by_household(mem.is_spouse)
        hh["head_idx"] = self.first_by_household(mem.is_head)
        hh["spouse_idx"] = self.first_by_household(mem.is_spouse)
        hh["head_age"] = self.member_at("age", hh.head_idx, np.nan).astype(float)
        hh["spouse_age"] = self.member_at("age", hh.spouse_idx, np.nan).astype(float)
        pc = hh.per_capita_net_income
        hh["per_capita"] = np.where(np.isnan(pc), hh.roster_per_capita_income, pc) if hh.n else pc
        hh["lifted"] = isin(hh.poverty_status, g.LIFTED)

    def _derive_ids(self) -> None:
        mem = self.mem
        kind, norm = mem.id_kind.copy(), mem.id_norm.copy()
        for i in np.flatnonzero(kind == ""):  # rows stored without the importer's verdict: normalise here (rare)
            info = normalize_id(mem.id_number[i] or None)
            kind[i], norm[i] = info.kind.value, info.value or ""
        mem["kind"], mem["norm"] = kind, norm
        rows = np.flatnonzero(isin(kind, (IdKind.ID18.value, IdKind.ID15.value, IdKind.DISABILITY.value)))
        values = norm[rows].tolist()
        joined = "".join(values)
        if len(joined) != 18 * len(values) or not joined.isascii():  # a stray value: keep only clean 18s
            keep = np.array([len(v) == 18 and v.isascii() for v in values], dtype=bool)
            rows = rows[keep]
            values = [v for v, ok in zip(values, keep.tolist(), strict=True) if ok]
            joined = "".join(values)
        has18 = np.zeros(mem.n, dtype=bool)
        has18[rows] = True
        mem["has18"] = has18
        checksum = np.zeros(mem.n, dtype=bool)
        birth_year = np.full(mem.n, np.nan)
        birth_ok = np.zeros(mem.n, dtype=bool)
        id_sex = np.full(mem.n, "", dtype=object)
        if rows.size:
            digits = np.frombuffer(joined.encode("ascii"), dtype=np.uint8).reshape(-1, 18).astype(np.int64) - 48
            ok = ((digits[:, :17] >= 0) & (digits[:, :17] <= 9)).all(axis=1)
            checksum[rows] = checksums_ok(values, digits)
            y = digits[:, 6] * 1000 + digits[:, 7] * 100 + digits[:, 8] * 10 + digits[:, 9]
            m = digits[:, 10] * 10 + digits[:, 11]
            d = digits[:, 12] * 10 + digits[:, 13]
            real = ok & (y >= 1850) & (m >= 1) & (m <= 12) & (d >= 1) & (d <= _days_in_month(y, m))
            birth_ok[rows] = real
            birth_year[rows] = np.where(real, y, np.nan)
            id_sex[rows] = np.where(~ok, "", np.where(digits[:, 16] % 2 == 1, "男", "女"))
        mem["checksum_ok"] = checksum
        mem["birth_ok"] = birth_ok
        mem["birth_year"] = birth_year
        year = self.county.data_year
        mem["age"] = (year - birth_year) if year is not None else np.full(mem.n, np.nan)
        mem["id_sex"] = id_sex
        mem["sex_eff"] = np.where(id_sex != "", id_sex, mem.sex).astype(object) if mem.n else id_sex

    # --------------------------------------------------------------------------------------------------- helpers
    def count_by_household(self, member_mask: np.ndarray) -> np.ndarray:
        """Per household, how many members satisfy ``member_mask`` (int array of length ``hh.n``)."""
        sel = member_mask & (self.mem.hh >= 0)
        return np.bincount(self.mem.hh[sel], minlength=self.hh.n)[: self.hh.n] if self.hh.n else np.zeros(0, int)

    def any_by_household(self, member_mask: np.ndarray) -> np.ndarray:
        """Per household, whether any member satisfies ``member_mask`` (bool array of length ``hh.n``)."""
        return self.count_by_household(member_mask) > 0

    def first_by_household(self, member_mask: np.ndarray) -> np.ndarray:
        """Per household, the index of the first member (export order) satisfying ``member_mask``, or -1."""
        out = np.full(self.hh.n, -1, dtype=np.int64)
        sel = np.flatnonzero(member_mask & (self.mem.hh >= 0))
        # assign in reverse so the first member of each household wins
        out[self.mem.hh[sel[::-1]]] = sel[::-1]
        return out

    def members_by_household(self, member_mask: np.ndarray) -> dict[int, list[int]]:
        """Household index → member indices satisfying ``member_mask`` (only households that have some)."""
        out: dict[int, list[int]] = {}
        for i in np.flatnonzero(member_mask & (self.mem.hh >= 0)):
            out.setdefault(int(self.mem.hh[i]), []).append(int(i))
        return out

    def household_column(self, name: str, default: Any = "") -> np.ndarray:
        """A household column broadcast to members (``default`` for members without household)."""
        col = self.hh[name]
        if not self.mem.n:
            return col[:0]
        out = col[np.clip(self.mem.hh, 0, None)] if self.hh.n else np.full(self.mem.n, default)
        if (self.mem.hh < 0).any():
            out = out.copy()
            out[self.mem.hh < 0] = default
        return out

    def member_at(self, column: str, index: np.ndarray, default: Any = "") -> np.ndarray:
        """``mem[column][index]`` where ``index`` may hold -1 (→ ``default``)."""
        col = self.mem[column]
        if not col.size:
            return np.full(index.shape, default, dtype=object)
        out = col[np.clip(index, 0, None)]
        if (index < 0).any():
            out = out.astype(object) if out.dtype.kind in "USO" else out.astype(float)
            out[index < 0] = default
        return out


_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
_CHECK_CHARS = np.frombuffer(b"10X98765432", dtype=np.uint8).astype(np.int64)


def checksums_ok(values: list[str], digits: np.ndarray | None = None) -> np.ndarray:
    """For 18-character ASCII IDs: is the GB 11643 check digit right? (bool array)

    Vectorised ISO 7064 MOD 11-2 over all IDs at once; every ID it rejects is re-judged by python-stdnum's
    ``cn.ric`` (:func:`fupin_tui.idnumber.check_digit`), so no finding rests on this module's arithmetic alone.
    ``digits``: the IDs as an (n, 18) array of character codes minus 48, when the caller has it already.
    """
    if not values:
        return np.zeros(0, dtype=bool)
    if digits is None:
        digits = np.frombuffer("".join(values).encode("ascii"), dtype=np.uint8).reshape(-1, 18).astype(np.int64) - 48
    ok = ((digits[:, :17] >= 0) & (digits[:, :17] <= 9)).all(axis=1)
    expected = _CHECK_CHARS[(np.clip(digits[:, :17], 0, 9) @ _WEIGHTS) % 11]
    good = ok & (expected == digits[:, 17] + 48)
    for k in np.flatnonzero(~good & ok).tolist():
        good[k] = check_digit(values[k][:17]) == values[k][17]
    return good


def _days_in_month(y: np.ndarray, m: np.ndarray) -> np.ndarray:
    leap = ((y % 4 == 0) & (y % 100 != 0)) | (y % 400 == 0)
    table = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31, 0, 0, 0] + [0] * 84)
    days = table[np.clip(m, 0, 99)]
    return np.where((m == 2) & leap, 29, days)


def _json_dict(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    if isinstance(value, str) and value:
        try:
            loaded = json.loads(value)
        except ValueError:
            return {}
        return loaded if isinstance(loaded, dict) else {}
    return {}


def county_info(county: County) -> CountyInfo:
    """A :class:`CountyInfo` from a County row."""
    return CountyInfo(code=county.code, name=county.name or "", data_year=county.data_year,
                      relocation_task=bool(county.relocation_task), settings=dict(county.settings or {}))


def fetch_rows(conn: Connection, stmt: Any) -> list[tuple[Any, ...]]:
    """All rows of a Core ``select`` as plain tuples, straight from the DBAPI cursor of ``conn`` (same transaction).

    The SQL is compiled by SQLAlchemy for the connection's dialect (portable); skipping SQLAlchemy's Row objects
    and result processing saves about a third of the fetch for the 100k-row member table. Only for statements whose
    columns need no result processing (text, numbers, booleans as stored).
    """
    compiled = stmt.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    params = compiled.params
    args: Any = tuple(params[k] for k in compiled.positiontup) if conn.dialect.positional else params
    cursor = conn.connection.cursor()
    try:
        cursor.execute(str(compiled), args)
        return cursor.fetchall()
    finally:
        cursor.close()


_EXTRA_KEYS = ("conflicts", "bad_values", "corrupted", "removed", "household_no_inferred")


def _extra_filter(column: Any) -> Any:
    """``extra`` rows that may carry a key the rulebook reads (text match on the JSON, any dialect)."""
    text = cast(column, String)
    return or_(*(text.like(f'%{key}"%') for key in _EXTRA_KEYS))


def load_check_data(conn: Connection, county: CountyInfo) -> CheckData:
    """Fetch one county's households and members into a :class:`CheckData`: two column queries, plus two for the
    rows whose ``extra`` holds an importer note the rulebook reads (Core selects, any dialect). Members come ordered
    by household and export position (so "first 户主" is the first as exported)."""
    h = Household.__table__.c
    m = Member.__table__.c
    h_cols = [h.id, h.has_income_record] + [func.coalesce(h[n], "") for n in HOUSEHOLD_TEXT] + [
        h[n] for n in HOUSEHOLD_NUMBERS]
    h_rows = fetch_rows(conn, select(*h_cols).where(h.county_code == county.code).order_by(h.id))
    m_cols = [m.id, m.household_id] + [func.coalesce(m[n], "") for n in MEMBER_TEXT] + [
        m[n] for n in MEMBER_NUMBERS]
    m_rows = fetch_rows(conn, select(*m_cols).where(m.county_code == county.code)
                        .order_by(m.household_id, m.position, m.id))
    hh_extra = {int(i): _json_dict(e) for i, e in conn.execute(select(h.id, h.extra).where(
        h.county_code == county.code, _extra_filter(h.extra)))}
    mem_extra = {int(i): _json_dict(e) for i, e in conn.execute(select(m.id, m.extra).where(
        m.county_code == county.code, _extra_filter(m.extra)))}
    hh = _columns(h_rows, ["id", "has_income_record", *HOUSEHOLD_TEXT, *HOUSEHOLD_NUMBERS])
    mem = _columns(m_rows, ["id", "household_id", *MEMBER_TEXT, *MEMBER_NUMBERS])
    hh_cols: dict[str, np.ndarray] = {
        "id": np.array(hh["id"], dtype=np.int64).reshape(-1),
        "has_income_record": np.array([bool(v) for v in hh["has_income_record"]], dtype=bool).reshape(-1),
    }
    for name in HOUSEHOLD_TEXT:
        hh_cols[name] = text_array(hh[name])
    for name in HOUSEHOLD_NUMBERS:
        hh_cols[name] = number_array(hh[name])
    mem_cols: dict[str, np.ndarray] = {
        "id": np.array(mem["id"], dtype=np.int64).reshape(-1),
        "household_id": np.array(mem["household_id"], dtype=np.int64).reshape(-1),
    }
    for name in MEMBER_TEXT:
        mem_cols[name] = mem[name]
    for name in MEMBER_NUMBERS:
        mem_cols[name] = number_array(mem[name])
    return CheckData(county, Table(len(h_rows), hh_cols), Table(len(m_rows), mem_cols), conn,
                     hh_extra={k: v for k, v in hh_extra.items() if v},
                     mem_extra={k: v for k, v in mem_extra.items() if v})


def _columns(rows: list[Any], names: list[str]) -> dict[str, Any]:
    """Column name → an object-array column (a view of one 2-D array) of ``rows``."""
    if not rows:
        return {n: np.empty(0, dtype=object) for n in names}
    table = np.empty((len(rows), len(names)), dtype=object)
    table[:] = rows
    return {n: table[:, j] for j, n in enumerate(names)}

