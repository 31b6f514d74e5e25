"""Row mapping: roster rows → households with their members; income-table rows → household income records.

Roster (贫困人口花名册, one row per person). Rules, in the order they apply:

- A row is placed by its 户编号. Rows of one household scattered through the file (or over several sheets/files of
  one run) are gathered; members keep their order of appearance (``position``).
- A row whose 户编号 is blank is *attached* (never silently): (1) to the household whose 户编号 is its 人编号 minus the
  last two digits (人编号 = 户编号 + a 2-digit sequence in national exports), when that household appears anywhere in
  the run; else (2) to the household of the data row directly above it in the same sheet (no blank or 合计 row in
  between), unless its 与户主关系 is 户主 (a new head starts a new household) or its 人编号 points elsewhere.
  The member records how (``extra["household_no_inferred"]`` = ``"member_no"`` / ``"previous_row"``) so the
  rulebook can report the blank cell. Vertically merged cells (a household's 户编号 merged over its rows) are filled
  before this and are not a defect. A row that cannot be attached is rejected (:data:`REASON_NO_HOUSEHOLD`).
- A 户编号 stored as an Excel number that lost digits (more than 15) is replaced by the 人编号 minus its last two
  digits when the 人编号 is intact, else kept as read; either way ``extra["corrupted"]`` lists ``household_no``.
- Household values (location, 人数, 脱贫属性, 贫困户属性, 致贫原因, 危房户, 饮水, 人均纯收入…) come from the first row of
  the household that carries them (the 户主 row, or repeated rows). A later row with a different value is recorded in
  the household's ``extra["conflicts"]`` as ``{field: [{"value", "file", "sheet", "row"}, …]}`` (first entry = the
  value kept) for the rulebook to report; values are compared after conversion (``6`` equals ``6.0``).
- Bad values are imported as they are (labels as exported). A number field whose cell is not a number stores None
  and keeps the text in ``extra["bad_values"]`` (``{field: text}``). ID numbers: ``id_number`` = the cell's text,
  ``id_norm``/``id_kind`` from :func:`fupin_tui.idnumber.normalize_id` (corrupted numbers flagged, never repaired).
  A corrupted 人编号, 银行账号 or 联系电话 (a number cell of more than 15 digits) is kept as read and listed in the
  member's ``extra["corrupted"]``. Every key cell stored as a number is counted per column in
  :attr:`SheetCounts.number_cells` (the importer warns about them).
- Unmapped columns (e.g. trailing 公安姓名 / 公安人员状态) are kept per member in ``extra["columns"]`` keyed by the
  normalised header text.

Income table (户收入及生产生活条件, one row per household): placed by 户编号; a row with a blank 户编号 is attached to the
roster household whose head (户主) has the same normalised 户主证件号码, else rejected. A second row of the same
household: its differing values go to ``extra["income_conflicts"]``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from fupin_tui.glossary import HEAD
from fupin_tui.idnumber import IdKind, id_value_kind
from fupin_tui.importing.errors import REASON_INCOME_NO_HOUSEHOLD, REASON_NO_HOUSEHOLD, REASON_NOT_DATA, Reject
from fupin_tui.importing.tables import BLANK, DATA, TOTAL, HeaderMatch, header_keys, is_blank
from fupin_tui.importing.values import clean_key, key_corrupted, to_int, to_number, to_text

# ---------------------------------------------------------------------------------------------------------- fields

#: Roster columns that describe the household (taken from the first row carrying them).
ROSTER_HOUSEHOLD_TEXT = (
    "township", "village", "hamlet", "identification_standard", "household_type", "poverty_status", "main_cause",
    "other_causes", "dilapidated_house", "water_safe", "water_difficulty", "relocation",
)
ROSTER_HOUSEHOLD_INT = ("size",)
ROSTER_HOUSEHOLD_FLOAT = ("roster_per_capita_income",)
#: Roster columns that describe the member.
MEMBER_TEXT = (
    "name", "sex", "relation", "ethnicity", "education", "school_status", "health", "labour_skill", "work_status",
    "serious_illness_insurance", "new_rural_coop", "pension_insurance", "political_status", "member_status",
)
MEMBER_KEYS = ("phone", "bank_account")
MEMBER_FLOAT = ("work_months",)
#: Member columns written by the importer, in the order of a member record (a tuple, see :data:`M`); ``extra`` is a
#: dict or None, ``sheet`` the run's sheet number (→ ``source_file_id`` when stored).
MEMBER_RECORD = (
    "member_no", "name", "id_number", "id_norm", "id_kind", "sex", "relation", "ethnicity", "education",
    "school_status", "health", "labour_skill", "work_status", "work_months", "serious_illness_insurance",
    "new_rural_coop", "pension_insurance", "political_status", "member_status", "phone", "bank_account",
    "position", "source_row", "extra", "sheet",
)
#: Member columns stored (every record field but ``sheet``).
MEMBER_COLUMNS = MEMBER_RECORD[:21]
#: Index of each field in a member record.
M = {name: i for i, name in enumerate(MEMBER_RECORD)}

#: Income-table columns (besides 户编号) by type.
INCOME_TEXT = (
    "head_name", "identification_standard", "household_type", "poverty_status", "main_cause", "other_causes",
    "dilapidated_house", "relocation", "electricity", "road_type", "water_safe", "water_difficulty", "fuel_type",
)
INCOME_INT = ("declared_size",)
INCOME_FLOAT = (
    "wage_income", "business_income", "property_income", "transfer_income", "family_planning_income",
    "subsistence_income", "five_guarantee_income", "pension_income", "ecological_income", "other_transfer_income",
    "business_expense", "annual_income", "net_income", "per_capita_net_income", "arable_land", "housing_area",
)
INCOME_KEYS = ("phone",)
#: Income-table columns that only the income table gives (always set by an income import).
INCOME_ONLY = frozenset(INCOME_INT + INCOME_FLOAT + ("electricity", "road_type", "fuel_type"))


@dataclass(frozen=True, slots=True)
class SheetRef:
    """A sheet being imported: file name, sheet name, the run's sheet number, and its header."""

    file: str
    sheet: str
    index: int
    header: HeaderMatch


@dataclass(slots=True)
class HouseholdAcc:
    """A household gathered from roster rows (see the module docstring). ``members``: member records (tuples in
    :data:`MEMBER_RECORD` order); ``origin``: field → (sheet number, row) of the value kept when it is not the
    household's first row (``sheet``, ``row``)."""

    household_no: str
    sheet: int
    row: int
    county_name: str | None = None
    values: dict[str, Any] = field(default_factory=dict)
    origin: dict[str, tuple[int, int]] | None = None
    conflicts: dict[str, list[dict[str, Any]]] | None = None
    bad_values: dict[str, str] | None = None
    corrupted: bool = False
    phone: str | None = None
    head_name: str | None = None
    head_id: str | None = None
    head_id_norm: str | None = None
    head_row: tuple[int, int] | None = None
    phone_row: tuple[int, int] | None = None
    members: list[tuple] = field(default_factory=list)


@dataclass(slots=True)
class IncomeRecord:
    """One household's row of the income table: converted values, provenance, unmapped columns, bad values."""

    household_no: str
    sheet: int
    row: int
    values: dict[str, Any]
    extra: dict[str, Any] | None
    bad_values: dict[str, str] | None
    conflicts: dict[str, list[dict[str, Any]]] | None = None
    head_id_norm: str | None = None
    inferred: bool = False


@dataclass
class SheetCounts:
    """Row accounting of one sheet: every row below the header is imported, rejected or skipped."""

    total: int = 0
    imported: int = 0
    rejected: int = 0
    skipped_blank: int = 0
    skipped_total: int = 0
    skipped_header: int = 0
    #: key columns (户编号, 人编号, 证件号码, 联系电话, 银行账号 …) with cells stored as Excel numbers:
    #: field → [cells, of which more than 15 digits (truncated by Excel)]
    number_cells: dict[str, list[int]] = field(default_factory=dict)

    def note_number(self, fld: str, truncated: bool) -> None:
        """Count a key cell of ``fld`` stored as a number (``truncated``: it had more than 15 digits)."""
        c = self.number_cells.get(fld)
        if c is None:
            c = self.number_cells[fld] = [0, 0]
        c[0] += 1
        c[1] += truncated

    @property
    def skipped(self) -> int:
        return self.skipped_blank + self.skipped_total + self.skipped_header

    def skip(self, kind: str) -> None:
        """Count a row that is not data (:data:`~fupin_tui.importing.tables.BLANK`, ``TOTAL`` or a repeated
        ``HEADER``)."""
        if kind == BLANK:
            self.skipped_blank += 1
        elif kind == TOTAL:
            self.skipped_total += 1
        else:
            self.skipped_header += 1


_KIND_TEXT = {k: k.value for k in IdKind}


def _text(v: object) -> str | None:
    """Text of a label cell, stripped, without Excel's apostrophe; None when blank."""
    if type(v) is str:
        t = v.strip()
        if t[:1] == "'":
            t = t[1:].strip()
    else:
        t = to_text(v)
    return t or None


# -------------------------------------------------------------------------------------------------------- roster


def _label_reader(cache: dict[str, str | None]):  # noqa: ANN202
    """A converter for label columns: text cells cached (labels repeat), other cells through :func:`to_text`."""

    def read(v: object) -> str | None:
        if type(v) is str:
            t = cache.get(v)
            if t is None and v not in cache:
                t = _text(v)
                cache[v] = t
            return t
        return to_text(v) or None

    return read


PROGRESS_EVERY = 2000


def _counted(
    rows: Iterator[tuple[int, str, list]], counts: SheetCounts, progress: Callable[[int], None] | None,
) -> Iterator[tuple[int, str, list]]:
    """``rows`` as they are, each counted in ``counts.total`` and reported to ``progress`` every
    :data:`PROGRESS_EVERY` rows (the rest at the end)."""
    tick = 0
    for item in rows:
        counts.total += 1
        tick += 1
        if tick >= PROGRESS_EVERY and progress is not None:
            progress(tick)
            tick = 0
        yield item
    if progress is not None and tick:
        progress(tick)


class _SheetBuilder:
    """What the roster and income builders share: the sheets read (``sheets``, by number in ``_refs``), their row
    accounting (``counts``), rejects ``(sheet number, Reject)``, the fields seen, rows waiting for :meth:`finish`
    (``_pending``) and the label cache."""

    def __init__(self) -> None:
        self.sheets: list[SheetRef] = []
        self.counts: dict[int, SheetCounts] = {}
        self.rejects: list[tuple[int, Reject]] = []
        self.fields: set[str] = set()
        self._pending: list[Any] = []
        self._labels: dict[str, str | None] = {}
        self._refs: dict[int, SheetRef] = {}

    def _start_sheet(self, ref: SheetRef) -> SheetCounts:
        """Register a sheet about to be mapped; returns its (new) counts."""
        self.sheets.append(ref)
        self._refs[ref.index] = ref
        self.fields |= ref.header.field_set
        counts = self.counts[ref.index] = SheetCounts()
        return counts

    def _merge_sheets(self, other: _SheetBuilder) -> None:
        """Take over a later file's sheets, counts, rejects and pending rows (the records are the caller's)."""
        self.sheets.extend(other.sheets)
        self._refs.update(other._refs)
        self.counts.update(other.counts)
        self.rejects.extend(other.rejects)
        self.fields |= other.fields
        self._pending.extend(other._pending)


class RosterBuilder(_SheetBuilder):
    """Gathers roster rows of a whole run into households (:class:`HouseholdAcc`) and rejects."""

    def __init__(self) -> None:
        super().__init__()
        self.households: dict[str, HouseholdAcc] = {}
        # rows with a blank 户编号: (sheet, row, record, household values, 户编号 column, 人编号, filled)
        self._pending: list[tuple[int, int, list, dict[str, Any] | None, str, str, bool]] = []

    # -- one sheet ----------------------------------------------------------------------------------------------
    def add_sheet(self, ref: SheetRef, rows: Iterator[tuple[int, str, list]], progress=None) -> SheetCounts:  # noqa: ANN001, C901
        """Map every row of one roster sheet (``rows`` from :func:`fupin_tui.importing.tables.iter_raw`); returns its
        counts (rows with a blank 户编号 not attached yet are resolved by :meth:`finish`)."""
        counts = self._start_sheet(ref)
        header = ref.header
        households = self.households
        sheet_i = ref.index
        hh_col = header.field_column("household_no")
        pos = {f: p for p, f in header.fields.items()}
        read_label = _label_reader(self._labels)
        lget = self._labels.get
        # member columns: (position, record index, converter kind)
        label_cols = [(pos[f], M[f]) for f in MEMBER_TEXT if f in pos and f != "name"]
        name_pos = pos.get("name")
        key_cols = [(pos[f], M[f], f) for f in MEMBER_KEYS if f in pos]
        float_cols = [(pos[f], M[f], f) for f in MEMBER_FLOAT if f in pos]
        id_pos = pos.get("id_number")
        mno_pos = pos.get("member_no")
        hno_pos = pos.get("household_no")
        rel_i = M["relation"]
        # household columns: (position, field, converter)
        hh_cols: list[tuple[int, str, int]] = []  # kind 0 label, 1 int, 2 float
        for f in ROSTER_HOUSEHOLD_TEXT + ("county",):
            if f in pos:
                hh_cols.append((pos[f], f, 0))
        for f in ROSTER_HOUSEHOLD_INT:
            if f in pos:
                hh_cols.append((pos[f], f, 1))
        for f in ROSTER_HOUSEHOLD_FLOAT:
            if f in pos:
                hh_cols.append((pos[f], f, 2))
        extra_cols = list(header_keys(header).items())
        n_rec = len(MEMBER_RECORD)
        prev: HouseholdAcc | None = None
        for row_no, kind, row in _counted(rows, counts, progress):
            if kind != DATA:
                prev = None
                counts.skip(kind)
                continue
            rec: list[Any] = [None] * n_rec
            mextra: dict[str, Any] | None = None
            filled = False
            for p, i in label_cols:
                v = row[p]
                if v != "":
                    t = lget(v)
                    if t is None:
                        t = read_label(v)
                    if t is not None:
                        rec[i] = t
                        filled = True
            if name_pos is not None:
                v = row[name_pos]
                if v != "":
                    t = v.strip() if type(v) is str else to_text(v)
                    if t:
                        rec[1] = t
                        filled = True
            for p, i, f in key_cols:
                v = row[p]
                if v != "":
                    raw_text = to_text(v)
                    t = clean_key(raw_text)
                    if t:
                        rec[i] = t
                        filled = True
                        if type(v) is not str:
                            bad = key_corrupted(v, raw_text)
                            counts.note_number(f, bad)
                            if bad:
                                mextra = mextra or {}
                                mextra.setdefault("corrupted", []).append(f)
            for p, i, f in float_cols:
                v = row[p]
                if v != "":
                    num, ok = to_number(v)
                    if num is not None:
                        rec[i] = num
                    elif not ok:
                        mextra = mextra or {}
                        mextra.setdefault("bad_values", {})[f] = to_text(v)
                    filled = True
            member_no = None
            if mno_pos is not None:
                v = row[mno_pos]
                if v != "":
                    if type(v) is str and v.isdigit() and v.isascii():
                        member_no = v
                        rec[0] = v
                    else:
                        raw_text = to_text(v)
                        member_no = clean_key(raw_text) or None
                        if member_no is not None:
                            rec[0] = member_no
                            if type(v) is not str:
                                counts.note_number("member_no", key_corrupted(v, raw_text))
                            if key_corrupted(v, raw_text):
                                mextra = mextra or {}
                                mextra.setdefault("corrupted", []).append("member_no")
                                member_no = None  # not usable to place the row
                    filled = filled or rec[0] is not None
            if id_pos is not None:
                v = row[id_pos]
                if v != "":
                    raw_id, norm, id_kind = id_value_kind(v)
                    if raw_id:
                        rec[2] = raw_id
                        rec[3] = norm
                        rec[4] = _KIND_TEXT[id_kind]
                        filled = True
                        if type(v) is not str:
                            counts.note_number("id_number", id_kind is IdKind.CORRUPTED)
            if extra_cols:
                cols = None
                for p, key in extra_cols:
                    v = row[p]
                    if v != "":
                        t = to_text(v)
                        if t:
                            if cols is None:
                                cols = {}
                            cols[key] = t
                if cols:
                    mextra = mextra or {}
                    mextra["columns"] = cols
            # household values: on a later row of a known household, only values that differ from the kept ones
            # (labels are shared objects, so most comparisons are identity checks)
            acc = None
            hh_no = None
            corrupted = False
            if hno_pos is not None:
                v = row[hno_pos]
                if v != "":
                    if type(v) is str and v.isdigit() and v.isascii():
                        hh_no = v
                    else:
                        raw_text = to_text(v)
                        hh_no = clean_key(raw_text) or None
                        if hh_no is not None and type(v) is not str:
                            counts.note_number("household_no", key_corrupted(v, raw_text))
                        if hh_no is not None and key_corrupted(v, raw_text):
                            corrupted = True
                            if member_no is not None and len(member_no) > 2:
                                hh_no = member_no[:-2]
                                mextra = mextra or {}
                                mextra["household_no_inferred"] = "member_no"
                if hh_no is not None:
                    acc = households.get(hh_no)
            known = acc.values if acc is not None else None
            hvals: dict[str, Any] | None = None
            for p, f, conv in hh_cols:
                v = row[p]
                if v == "":
                    continue
                if conv == 0:
                    t = lget(v)
                    if t is None:
                        t = read_label(v)
                        if t is None:
                            continue
                    if known is not None:
                        cur = known.get(f)
                        if cur is t or cur == t:
                            continue
                    val: Any = t
                else:
                    num, ok = to_int(v) if conv == 1 else to_number(v)
                    if num is None:
                        if not ok:
                            hvals = hvals or {}
                            hvals.setdefault("_bad", {})[f] = to_text(v)
                        continue
                    if known is not None and known.get(f) == num:
                        continue
                    val = num
                if hvals is None:
                    hvals = {}
                hvals[f] = val
            # placement
            if hh_no is None:
                if not filled and not hvals and is_blank(row):
                    counts.skipped_blank += 1  # only white space
                    prev = None
                    continue
                if filled and prev is not None and rec[rel_i] != HEAD and (
                    member_no is None or member_no[:-2] == prev.household_no
                ):
                    mextra = mextra or {}
                    mextra["household_no_inferred"] = "previous_row"
                    acc = prev
                else:
                    rec[M["extra"]] = mextra
                    self._pending.append((sheet_i, row_no, rec, hvals, hh_col, member_no or "", filled))
                    prev = None
                    continue
            else:
                if acc is None:
                    acc = HouseholdAcc(hh_no, sheet_i, row_no)
                    households[hh_no] = acc
                if corrupted:
                    acc.corrupted = True
            rec[M["extra"]] = mextra
            self._place(acc, rec, hvals, sheet_i, row_no)
            counts.imported += 1
            prev = acc
        return counts

    def _place(self, acc: HouseholdAcc, rec: list, hvals: dict[str, Any] | None, sheet_i: int, row: int) -> None:
        rec[21] = len(acc.members)  # position
        rec[22] = row  # source_row
        rec[24] = sheet_i
        acc.members.append(tuple(rec))
        phone = rec[19]
        if phone is not None and acc.phone is None:
            acc.phone = phone
            acc.phone_row = (sheet_i, row)
        if rec[6] == HEAD and acc.head_row is None:
            acc.head_name = rec[1]
            acc.head_id = rec[2]
            acc.head_id_norm = rec[3]
            acc.head_row = (sheet_i, row)
        if not hvals:
            return
        bad = hvals.pop("_bad", None)
        if bad:
            if acc.bad_values is None:
                acc.bad_values = {}
            for f, t in bad.items():
                acc.bad_values.setdefault(f, t)
        if not acc.values and row == acc.row and sheet_i == acc.sheet:
            acc.values = hvals  # the household's first row: nothing to compare with
            return
        for f, v in hvals.items():
            self._merge_value(acc, f, v, sheet_i, row)

    def _merge_value(self, acc: HouseholdAcc, f: str, v: Any, sheet_i: int, row: int) -> None:
        values = acc.values
        cur = values.get(f)
        if cur is None:
            values[f] = v
            if row != acc.row or sheet_i != acc.sheet:
                if acc.origin is None:
                    acc.origin = {}
                acc.origin[f] = (sheet_i, row)
        elif cur != v:
            if acc.conflicts is None:
                acc.conflicts = {}
            entries = acc.conflicts.get(f)
            if entries is None:
                osheet, orow = acc.origin.get(f, (acc.sheet, acc.row)) if acc.origin else (acc.sheet, acc.row)
                entries = [self._entry(cur, osheet, orow)]
                acc.conflicts[f] = entries
            entries.append(self._entry(v, sheet_i, row))

    def merge(self, other: RosterBuilder) -> None:
        """Add a later file's builder (read on its own, possibly in the reader process) as if its rows came after
        this builder's: households met again get its members appended and its values compared."""
        self._merge_sheets(other)
        if not self.households:
            self.households = other.households
            return
        for no, acc2 in other.households.items():
            acc = self.households.get(no)
            if acc is None:
                self.households[no] = acc2
                continue
            for m in acc2.members:
                self._place(acc, list(m), None, m[24], m[22])
            for f, v in acc2.values.items():
                osheet, orow = acc2.origin.get(f, (acc2.sheet, acc2.row)) if acc2.origin else (acc2.sheet, acc2.row)
                self._merge_value(acc, f, v, osheet, orow)
            for f, entries in (acc2.conflicts or {}).items():
                for e in entries[1:]:
                    sheet_i = next(i for i, r in self._refs.items() if r.file == e["file"] and r.sheet == e["sheet"])
                    self._merge_value(acc, f, e["value"], sheet_i, e["row"])
            if acc2.bad_values:
                acc.bad_values = {**acc2.bad_values, **(acc.bad_values or {})}
            acc.corrupted = acc.corrupted or acc2.corrupted

    def _entry(self, value: Any, sheet_i: int, row: int) -> dict[str, Any]:
        ref = self._refs[sheet_i]
        return {"value": value, "file": ref.file, "sheet": ref.sheet, "row": row}

    # -- after every sheet ----------------------------------------------------------------------------------------
    def finish(self) -> None:
        """Resolve rows with a blank 户编号 by their 人编号 (a household of this run whose 户编号 is the 人编号 minus its
        last two digits); reject the rest (:data:`REASON_NO_HOUSEHOLD`, or :data:`REASON_NOT_DATA` for a row with
        no member value at all, e.g. a note under the table)."""
        for sheet_i, row, rec, hvals, hh_col, member_no, filled in self._pending:
            target = member_no[:-2] if len(member_no) > 2 else ""
            acc = self.households.get(target) if target else None
            if acc is None:
                ref = self._refs[sheet_i]
                if filled:
                    self.rejects.append((sheet_i, Reject(ref.file, ref.sheet, row, hh_col, REASON_NO_HOUSEHOLD)))
                else:
                    self.rejects.append((sheet_i, Reject(ref.file, ref.sheet, row, "", REASON_NOT_DATA)))
                self.counts[sheet_i].rejected += 1
                continue
            extra = rec[M["extra"]] or {}
            extra["household_no_inferred"] = "member_no"
            rec[M["extra"]] = extra
            self._place(acc, rec, hvals, sheet_i, row)
            self.counts[sheet_i].imported += 1
        self._pending.clear()


# -------------------------------------------------------------------------------------------------------- income


class IncomeBuilder(_SheetBuilder):
    """Collects income-table rows of a run (:class:`IncomeRecord` by 户编号) and rejects."""

    def __init__(self) -> None:
        super().__init__()
        self.records: dict[str, IncomeRecord] = {}
        self._pending: list[tuple[IncomeRecord, str]] = []  # rows with a blank 户编号, with its column

    def add_sheet(self, ref: SheetRef, rows: Iterator[tuple[int, str, list]], progress=None) -> SheetCounts:  # noqa: ANN001
        """Map every row of one income sheet (``rows`` from :func:`fupin_tui.importing.tables.iter_raw`)."""
        counts = self._start_sheet(ref)
        header = ref.header
        pos = {f: p for p, f in header.fields.items()}
        read_label = _label_reader(self._labels)
        lget = self._labels.get
        t_cols = [(pos[f], f) for f in INCOME_TEXT if f in pos]
        k_cols = [(pos[f], f) for f in INCOME_KEYS if f in pos]
        n_cols = [(pos[f], f, 1) for f in INCOME_INT if f in pos] + [(pos[f], f, 2) for f in INCOME_FLOAT if f in pos]
        hid_pos = pos.get("head_id_number")
        hno_pos = pos.get("household_no")
        extra_cols = list(header_keys(header).items())
        hh_col = header.field_column("household_no")
        for row_no, kind, row in _counted(rows, counts, progress):
            if kind != DATA:
                counts.skip(kind)
                continue
            out: dict[str, Any] = {}
            bad: dict[str, str] | None = None
            for p, f in t_cols:
                v = row[p]
                if v != "":
                    t = lget(v)
                    if t is None:
                        t = read_label(v)
                    if t is not None:
                        out[f] = t
            for p, f in k_cols:
                v = row[p]
                if v != "":
                    raw_text = to_text(v)
                    t = clean_key(raw_text)
                    if t:
                        out[f] = t
                        if type(v) is not str:
                            counts.note_number(f, key_corrupted(v, raw_text))
            for p, f, conv in n_cols:
                v = row[p]
                if v == "":
                    continue
                if type(v) is float:
                    if conv == 2:
                        out[f] = v
                        continue
                    if v.is_integer():
                        out[f] = int(v)
                        continue
                    num, ok = None, False
                else:
                    num, ok = to_int(v) if conv == 1 else to_number(v)
                if num is not None:
                    out[f] = num
                elif not ok:
                    bad = bad or {}
                    bad[f] = to_text(v)
            head_norm = None
            if hid_pos is not None:
                v = row[hid_pos]
                if v != "":
                    raw_id, norm, id_kind = id_value_kind(v)
                    if raw_id:
                        out["head_id_number"] = raw_id
                        head_norm = norm
                        if type(v) is not str:
                            counts.note_number("head_id_number", id_kind is IdKind.CORRUPTED)
            extra = None
            for p, key in extra_cols:
                v = row[p]
                if v != "":
                    t = to_text(v)
                    if t:
                        extra = extra or {}
                        extra[key] = t
            hh_no = ""
            if hno_pos is not None:
                v = row[hno_pos]
                if v != "":
                    hh_no = v if (type(v) is str and v.isdigit() and v.isascii()) else clean_key(to_text(v))
                    if hh_no and type(v) is not str:
                        counts.note_number("household_no", key_corrupted(v, to_text(v)))
            if not hh_no and not out and not extra and is_blank(row):
                counts.skipped_blank += 1  # only white space
                continue
            rec = IncomeRecord(hh_no, ref.index, row_no, out, extra, bad, None, head_norm)
            if not hh_no:
                self._pending.append((rec, hh_col))
                continue
            self._add(rec)
            counts.imported += 1
        return counts

    def _add(self, rec: IncomeRecord) -> None:
        first = self.records.get(rec.household_no)
        if first is None:
            self.records[rec.household_no] = rec
            return
        # a second row of the same household: record what differs
        for f, v in rec.values.items():
            cur = first.values.get(f)
            if cur is None:
                first.values[f] = v
            elif cur != v:
                if first.conflicts is None:
                    first.conflicts = {}
                entries = first.conflicts.setdefault(f, [self._entry(cur, first.sheet, first.row)])
                entries.append(self._entry(v, rec.sheet, rec.row))

    def _entry(self, value: Any, sheet_i: int, row: int) -> dict[str, Any]:
        ref = self._refs[sheet_i]
        return {"value": value, "file": ref.file, "sheet": ref.sheet, "row": row}

    def merge(self, other: IncomeBuilder) -> None:
        """Add a later file's builder as if its rows came after this builder's."""
        self._merge_sheets(other)
        if not self.records:
            self.records = other.records
            return
        for rec in other.records.values():
            own = rec.conflicts
            rec.conflicts = None
            self._add(rec)
            if own:
                first = self.records[rec.household_no]
                for f, entries in own.items():
                    if first.conflicts is None:
                        first.conflicts = {}
                    first.conflicts.setdefault(f, entries[:1]).extend(entries[1:])

    def finish(self, heads: dict[str, str]) -> None:
        """Attach rows with a blank 户编号 by 户主证件号码 (``heads``: normalised head ID → 户编号); reject the rest."""
        for rec, hh_col in self._pending:
            target = heads.get(rec.head_id_norm or "") if rec.head_id_norm else None
            if target is None:
                ref = self._refs[rec.sheet]
                self.rejects.append((rec.sheet, Reject(ref.file, ref.sheet, rec.row, hh_col,
                                                       REASON_INCOME_NO_HOUSEHOLD)))
                self.counts[rec.sheet].rejected += 1
                continue
            rec.household_no = target
            rec.inferred = True
            self._add(rec)
            self.counts[rec.sheet].imported += 1
        self._pending.clear()
