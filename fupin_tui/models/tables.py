"""SQLModel tables of the inspection database.

Everything is keyed by the 6-digit county code (行政区划代码), so one file can hold a province; the default is one file
per county. Values are stored as exported (labels, not codes; ID numbers as text): bad values are imported as they are
and reported by the rulebook. Units: incomes in 元 per year (人均纯收入 in 元 per person per year), land in 亩, housing
in 平方米, work time in 月, household size in 人.

Bulk paths (import, checks) use ``Model.__table__`` with Core inserts; screens use ORM objects for the handful of rows
they show. Only this package defines tables.
"""

from __future__ import annotations

import datetime as dt
import uuid as _uuid
from typing import Any, Optional

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

SCHEMA_VERSION = 1


def utcnow() -> dt.datetime:
    """Current time, timezone-aware UTC (stored naive-UTC by SQLite)."""
    return dt.datetime.now(dt.timezone.utc)


def new_uuid() -> str:
    """A random UUID4 as text: the key of marks, stable across merges."""
    return str(_uuid.uuid4())


class Meta(SQLModel, table=True):
    """Key/value settings of the database file (schema version, creation time)."""

    __tablename__ = "meta"
    key: str = Field(primary_key=True)
    value: str = ""


class County(SQLModel, table=True):
    """A county (县): code (6 digits), name, the data year (数据年度) of its export, county settings.

    ``relocation_task``: whether the county has an 易地扶贫搬迁 task (Hubei notice 2016: relocation households only in
    counties with a task); default False (no task). ``settings``: other county-level parameters (JSON).
    """

    __tablename__ = "county"
    code: str = Field(primary_key=True, max_length=12)
    name: str = ""
    data_year: Optional[int] = None
    relocation_task: bool = False
    is_poor_county: Optional[bool] = None
    settings: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False, default=dict))


class Township(SQLModel, table=True):
    """A township (乡/镇) of a county."""

    __tablename__ = "township"
    __table_args__ = (UniqueConstraint("county_code", "name"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    county_code: str = Field(foreign_key="county.code", index=True)
    name: str


class Village(SQLModel, table=True):
    """An administrative village (行政村). ``code`` is the 12-digit 行政区划代码 when known.

    Village-level attributes (poor village, 摘帽, party members, counts) come from the village table when imported.
    """

    __tablename__ = "village"
    __table_args__ = (UniqueConstraint("county_code", "township_id", "name"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    county_code: str = Field(foreign_key="county.code", index=True)
    township_id: int = Field(foreign_key="township.id", index=True)
    name: str
    code: Optional[str] = None
    is_poor_village: Optional[bool] = None
    delisted: Optional[bool] = None
    delisted_year: Optional[int] = None
    party_members: Optional[int] = None
    college_officials: Optional[int] = None
    total_households: Optional[int] = None
    total_population: Optional[int] = None
    poor_households: Optional[int] = None
    poor_population: Optional[int] = None
    extra: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False, default=dict))


class ImportFile(SQLModel, table=True):
    """One sheet of one imported file, with its row accounting: imported + rejected + skipped = rows below header."""

    __tablename__ = "import_file"
    id: Optional[int] = Field(default=None, primary_key=True)
    county_code: Optional[str] = Field(default=None, index=True)
    kind: str  # roster | income | village | hamlet | county | project | department | ...
    name: str  # file name (no directory: directories may hold personal paths)
    sha256: str = Field(index=True)
    sheet: str = ""
    header_row: int = 0  # 1-based row number of the (last) header row
    rows_total: int = 0
    rows_imported: int = 0
    rows_rejected: int = 0
    rows_skipped: int = 0
    data_year: Optional[int] = None
    imported_at: dt.datetime = Field(default_factory=utcnow)
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False, default=dict))


class RejectedRow(SQLModel, table=True):
    """A row that could not be placed at all (no household number, not a data row): file, sheet, row, column, reason."""

    __tablename__ = "rejected_row"
    id: Optional[int] = Field(default=None, primary_key=True)
    import_file_id: int = Field(foreign_key="import_file.id", index=True)
    file: str
    sheet: str
    row: int  # 1-based spreadsheet row
    column: str = ""  # column letter or header text
    reason: str = ""


class Household(SQLModel, table=True):
    """A registered poor household (贫困户), keyed by (county_code, household_no 户编号).

    Roster values (from the first row of the household that carries them) and income-table values live side by side;
    incomes in 元 per year, ``per_capita_net_income`` in 元 per person per year, ``arable_land`` in 亩,
    ``housing_area`` in 平方米, sizes in 人. ``size`` is the roster's 人数; ``declared_size`` the income table's
    家庭人口数. Yes/no fields keep the exported label (是/否). ``extra`` holds unmapped columns.
    """

    __tablename__ = "household"
    __table_args__ = (UniqueConstraint("county_code", "household_no"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    county_code: str = Field(foreign_key="county.code", index=True)
    household_no: str
    township_id: Optional[int] = Field(default=None, foreign_key="township.id", index=True)
    village_id: Optional[int] = Field(default=None, foreign_key="village.id", index=True)
    hamlet: Optional[str] = None
    head_name: Optional[str] = None
    head_id_number: Optional[str] = None
    size: Optional[int] = None
    declared_size: Optional[int] = None
    identification_standard: Optional[str] = None
    household_type: Optional[str] = None
    poverty_status: Optional[str] = None
    main_cause: Optional[str] = None
    other_causes: Optional[str] = None
    dilapidated_house: Optional[str] = None
    water_safe: Optional[str] = None
    water_difficulty: Optional[str] = None
    relocation: Optional[str] = None
    electricity: Optional[str] = None
    road_type: Optional[str] = None
    fuel_type: Optional[str] = None
    roster_per_capita_income: Optional[float] = None
    wage_income: Optional[float] = None
    business_income: Optional[float] = None
    property_income: Optional[float] = None
    transfer_income: Optional[float] = None
    family_planning_income: Optional[float] = None
    subsistence_income: Optional[float] = None
    five_guarantee_income: Optional[float] = None
    pension_income: Optional[float] = None
    ecological_income: Optional[float] = None
    other_transfer_income: Optional[float] = None
    business_expense: Optional[float] = None
    annual_income: Optional[float] = None
    net_income: Optional[float] = None
    per_capita_net_income: Optional[float] = None
    arable_land: Optional[float] = None
    housing_area: Optional[float] = None
    phone: Optional[str] = None
    has_income_record: bool = False
    source_file_id: Optional[int] = Field(default=None, foreign_key="import_file.id")
    source_row: Optional[int] = None
    income_file_id: Optional[int] = Field(default=None, foreign_key="import_file.id")
    income_row: Optional[int] = None
    extra: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False, default=dict))


class Member(SQLModel, table=True):
    """A household member (家庭成员), keyed by (county_code, member_no 人编号) when present.

    ``id_number`` is the cell as exported (text); ``id_norm`` the normalised 18-character ID used for matching (None
    when empty, corrupted by Excel or invalid: see :mod:`fupin_tui.idnumber`); ``id_kind`` the normaliser's verdict.
    ``sex`` is the 性别 column when present (the ID's sex is derived, not stored). ``work_months`` in 月.
    """

    __tablename__ = "member"
    __table_args__ = (
        Index("ix_member_household", "household_id"),
        Index("ix_member_county_no", "county_code", "member_no"),
        Index("ix_member_id_norm", "id_norm"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    county_code: str = Field(foreign_key="county.code")
    household_id: int = Field(foreign_key="household.id")
    household_no: str
    member_no: Optional[str] = None
    name: Optional[str] = None
    id_number: Optional[str] = None
    id_norm: Optional[str] = None
    id_kind: Optional[str] = None
    sex: Optional[str] = None
    relation: Optional[str] = None
    ethnicity: Optional[str] = None
    education: Optional[str] = None
    school_status: Optional[str] = None
    health: Optional[str] = None
    labour_skill: Optional[str] = None
    work_status: Optional[str] = None
    work_months: Optional[float] = None
    serious_illness_insurance: Optional[str] = None
    new_rural_coop: Optional[str] = None
    pension_insurance: Optional[str] = None
    political_status: Optional[str] = None
    member_status: Optional[str] = None
    phone: Optional[str] = None
    bank_account: Optional[str] = None
    position: int = 0  # order within the household as exported
    source_file_id: Optional[int] = Field(default=None, foreign_key="import_file.id")
    source_row: Optional[int] = None
    extra: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False, default=dict))


class Inspector(SQLModel, table=True):
    """An inspector (核查人员): name and unit (单位), recorded with every action."""

    __tablename__ = "inspector"
    __table_args__ = (UniqueConstraint("name", "unit"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    name: str
    unit: str = ""
    created_at: dt.datetime = Field(default_factory=utcnow)


class Sample(SQLModel, table=True):
    """A frozen sample of households: how it was drawn, so it can be redrawn and verified.

    ``generator``: the random generator used (e.g. ``numpy.PCG64``) so another machine redraws the same;
    ``strata``: per stratum ``{"name", "N", "n"}``; ``frame_hash``: sha256 of the ordered frame (household numbers
    and the values stratified by); ``params``: every option the command was given. Only one sample per county is
    active.
    """

    __tablename__ = "sample"
    id: Optional[int] = Field(default=None, primary_key=True)
    county_code: str = Field(foreign_key="county.code", index=True)
    active: bool = True
    seed: int
    generator: str
    method: str  # random | systematic | stratified
    by: Optional[str] = None
    allocation: Optional[str] = None
    n: int = 0
    population: int = 0
    frame_hash: str
    strata: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False, default=list))
    certainty: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False, default=list))
    params: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False, default=dict))
    created_by: str = ""
    created_at: dt.datetime = Field(default_factory=utcnow)


class SampleItem(SQLModel, table=True):
    """One sampled household: stratum, order of review, review status (未核查 / 有问题 / 核查无误)."""

    __tablename__ = "sample_item"
    __table_args__ = (UniqueConstraint("sample_id", "household_id"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    sample_id: int = Field(foreign_key="sample.id", index=True)
    household_id: int = Field(foreign_key="household.id", index=True)
    household_no: str
    stratum: str = ""
    order: int = 0
    certainty: bool = False
    status: str = "未核查"
    reviewed_by: Optional[str] = None
    reviewed_at: Optional[dt.datetime] = None
    updated_at: Optional[dt.datetime] = None


class Mark(SQLModel, table=True):
    """An issue an inspector marked on a household (问题标记), keyed by UUID so bundles merge without duplicates.

    ``category``: a key of :data:`fupin_tui.glossary.CATEGORIES`; ``severity``: 一般 / 严重; ``member_no`` and
    ``field`` optional; ``source``: ``"inspector"``, ``"rule:<rule id>"`` or ``"clue:<kind>"`` (only confirmed marks
    count). Deleting sets ``deleted`` (the trail keeps the history).
    """

    __tablename__ = "mark"
    uuid: str = Field(default_factory=new_uuid, primary_key=True)
    county_code: str = Field(foreign_key="county.code", index=True)
    household_id: int = Field(foreign_key="household.id", index=True)
    household_no: str
    member_no: Optional[str] = None
    field: Optional[str] = None
    category: str
    severity: str = "一般"
    note: str = ""
    source: str = "inspector"
    inspector: str = ""
    deleted: bool = False
    created_at: dt.datetime = Field(default_factory=utcnow)
    updated_at: dt.datetime = Field(default_factory=utcnow)


class Finding(SQLModel, table=True):
    """One rule's hit on one record (疑点): rule id, household, member (or None), the values involved.

    Replaced at every ``fupin check`` run; the inspectors' verdicts live in :class:`FindingVerdict`, attached by
    (county, rule, household, member) so they survive re-runs.
    """

    __tablename__ = "finding"
    __table_args__ = (Index("ix_finding_hh", "county_code", "household_no"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    county_code: str = Field(index=True)
    rule_id: str = Field(index=True)
    level: str = "household"  # household | member | county | village | project
    household_id: Optional[int] = None
    household_no: Optional[str] = None
    member_no: Optional[str] = None
    target: str = ""  # for village / project findings: the village code or project id
    severity: str = "一般"
    category: str = "other"
    message: str = ""
    values: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False, default=dict))
    run_at: dt.datetime = Field(default_factory=utcnow)


class FindingVerdict(SQLModel, table=True):
    """An inspector's verdict on a finding: 属实 (it becomes a mark with the rule's category) or 不属实 with a note."""

    __tablename__ = "finding_verdict"
    __table_args__ = (UniqueConstraint("county_code", "rule_id", "household_no", "member_no", "target"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    county_code: str
    rule_id: str
    household_no: str = ""
    member_no: str = ""
    target: str = ""
    verdict: str  # 属实 | 不属实
    note: str = ""
    inspector: str = ""
    mark_uuid: Optional[str] = None
    decided_at: dt.datetime = Field(default_factory=utcnow)


class DeptRecord(SQLModel, table=True):
    """One row of another department's list (部门名单), as imported by ``fupin compare``.

    ``id_norm`` is the normalised ID (None when missing, corrupted or invalid); ``payload`` the row's other columns.
    """

    __tablename__ = "dept_record"
    __table_args__ = (Index("ix_dept_record_id", "id_norm"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    import_file_id: int = Field(foreign_key="import_file.id", index=True)
    dept: str = Field(index=True)
    name: Optional[str] = None
    id_number: Optional[str] = None
    id_norm: Optional[str] = None
    id_kind: Optional[str] = None
    row: int = 0
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False, default=dict))


class Clue(SQLModel, table=True):
    """A mismatch with another department's list (线索): a lead to verify, not a fact.

    ``status``: 待核实 / 属实 / 不属实 / 已说明 (only 属实 clues become marks and count in the grade);
    ``key`` identifies the clue across re-runs (dept, kind, household, member, their value) so verdicts survive.
    """

    __tablename__ = "clue"
    __table_args__ = (UniqueConstraint("county_code", "key"), Index("ix_clue_hh", "county_code", "household_no"))
    id: Optional[int] = Field(default=None, primary_key=True)
    county_code: str
    key: str
    dept: str
    kind: str
    household_id: Optional[int] = None
    household_no: Optional[str] = None
    member_no: Optional[str] = None
    their_value: str = ""
    our_value: str = ""
    message: str = ""
    severity: str = "一般"
    category: str = "other"
    suggestion: str = ""
    status: str = "待核实"
    note: str = ""
    verifier: str = ""
    mark_uuid: Optional[str] = None
    source_file: str = ""
    source_row: Optional[int] = None
    active: bool = True  # False when the latest comparison no longer produces it (verdict kept)
    created_at: dt.datetime = Field(default_factory=utcnow)
    updated_at: dt.datetime = Field(default_factory=utcnow)


class Action(SQLModel, table=True):
    """One row of the append-only, hash-chained action log (操作日志).

    ``hash`` = sha256 of (prev_hash, ts, inspector, action, target, old_value, new_value, note); ``prev_hash`` is the
    previous row's hash ("" for the first). ``fupin audit verify`` reports the first broken link.
    """

    __tablename__ = "action"
    id: Optional[int] = Field(default=None, primary_key=True)
    ts: str  # ISO 8601 UTC with microseconds (text, so the hash is reproducible on every backend)
    inspector: str = ""
    action: str  # e.g. mark.add, mark.delete, status.set, finding.verdict, clue.status, undo, redo, report.unmasked
    target: str = ""  # e.g. household:42282200000001, mark:<uuid>
    old_value: str = ""  # JSON text
    new_value: str = ""  # JSON text
    note: str = ""
    prev_hash: str = ""
    hash: str = Field(index=True)


class MergeConflict(SQLModel, table=True):
    """A conflict found by ``fupin merge-marks``: two inspectors disagree on one household; the lead settles it.

    ``kind``: ``status`` (review status), ``finding_verdict`` or ``clue_status``; values are never overwritten
    silently: the lead's value stays until ``settled`` is set by the lead.
    """

    __tablename__ = "merge_conflict"
    __table_args__ = (UniqueConstraint("county_code", "kind", "target", "bundle_value", "bundle_inspector"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    county_code: str
    kind: str
    household_no: str = ""
    target: str = ""
    lead_value: str = ""
    lead_inspector: str = ""
    bundle_value: str = ""
    bundle_inspector: str = ""
    bundle_file: str = ""
    settled: bool = False
    created_at: dt.datetime = Field(default_factory=utcnow)


class ForeignAction(SQLModel, table=True):
    """An action-log row received in a marks bundle from another database (instance), kept with its own chain."""

    __tablename__ = "foreign_action"
    __table_args__ = (UniqueConstraint("instance_id", "hash"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    instance_id: str
    source_id: int
    ts: str
    inspector: str = ""
    action: str
    target: str = ""
    old_value: str = ""
    new_value: str = ""
    note: str = ""
    prev_hash: str = ""
    hash: str


class Backcheck(SQLModel, table=True):
    """A double-review (back-check, 复核) assignment: a reviewed household re-reviewed blind by a second inspector.

    ``second_status``: 未核查 until the second inspector records 有问题 / 核查无误; ``second_categories``: the
    category keys the second inspector marked (JSON list). The second review never changes the grade; it measures
    agreement (report sheet 复核一致性).
    """

    __tablename__ = "backcheck"
    __table_args__ = (UniqueConstraint("sample_id", "household_no"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    county_code: str
    sample_id: int = Field(foreign_key="sample.id")
    household_id: int = Field(foreign_key="household.id")
    household_no: str
    first_inspector: str = ""
    second_inspector: str
    seed: int = 0
    second_status: str = "未核查"
    second_categories: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False, default=list))
    note: str = ""
    assigned_at: dt.datetime = Field(default_factory=utcnow)
    reviewed_at: Optional[dt.datetime] = None


# --------------------------------------------------------------------------------------------------------------------
# Issue 8: natural villages, the county record, assistance projects, the 组织部 list (fupin_tui/villages imports them)
# --------------------------------------------------------------------------------------------------------------------


class Hamlet(SQLModel, table=True):
    """A natural village (自然村 / 村民小组) of an administrative village, from the natural-village table.

    ``households`` in 户, ``population`` in 人. ``road`` (通硬化路), ``electricity`` (通生活用电), ``tap_water``
    (通自来水) and ``broadband`` (通宽带) keep the exported label (是/否; read with :func:`fupin_tui.glossary.yes_no`).
    ``township`` / ``village_name`` are the names as exported; ``village_id`` the administrative village they resolved
    to (by 12-digit code, else by name within the township). Provenance: ``source_file_id`` / ``source_row``.
    """

    __tablename__ = "hamlet"
    id: Optional[int] = Field(default=None, primary_key=True)
    county_code: str = Field(foreign_key="county.code", index=True)
    village_id: Optional[int] = Field(default=None, foreign_key="village.id", index=True)
    township: str = ""
    village_name: str = ""
    name: str
    households: Optional[int] = None
    population: Optional[int] = None
    road: Optional[str] = None
    electricity: Optional[str] = None
    tap_water: Optional[str] = None
    broadband: Optional[str] = None
    source_file_id: Optional[int] = Field(default=None, foreign_key="import_file.id", index=True)
    source_row: Optional[int] = None
    extra: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False, default=dict))


class CountyIndicator(SQLModel, table=True):
    """One attribute of the poor-county record (贫困县信息), with its 2014 and 2015 values.

    ``indicator`` is the attribute's name as exported (e.g. 贫困人口数, 贫困发生率, 农村居民人均可支配收入); ``unit`` its
    unit as exported (人, 户, %, 元, 个 …); ``value_2014`` / ``value_2015`` the numbers in that unit (None when blank or
    not a number; the cell's text is then kept in ``extra["text_2014"]`` / ``extra["text_2015"]``).
    """

    __tablename__ = "county_indicator"
    id: Optional[int] = Field(default=None, primary_key=True)
    county_code: str = Field(foreign_key="county.code", index=True)
    indicator: str
    unit: str = ""
    value_2014: Optional[float] = None
    value_2015: Optional[float] = None
    source_file_id: Optional[int] = Field(default=None, foreign_key="import_file.id", index=True)
    source_row: Optional[int] = None
    extra: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False, default=dict))


class Project(SQLModel, table=True):
    """An assistance project (帮扶项目 / 帮扶措施) of the project table.

    ``project_no`` is the 项目编号 as exported; ``category`` 项目类别; ``year`` 年度. Money in 万元 (ten thousand
    yuan): ``total`` 总投资 = ``central_special`` + ``provincial_special`` + ``local_special`` (财政专项扶贫资金 中央 /
    省 / 市县) + ``industry`` (行业部门资金) + ``social`` (社会帮扶资金) + ``credit`` (信贷资金) + ``self_raised``
    (群众自筹) + ``other`` (其他). ``beneficiary_count`` is the table's own 受益户数 (户) when given.
    ``village_id``: the project's administrative village when the table names one. Provenance: ``source_file_id`` /
    ``source_row``.
    """

    __tablename__ = "project"
    __table_args__ = (Index("ix_project_county_no", "county_code", "project_no"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    county_code: str = Field(foreign_key="county.code", index=True)
    project_no: str
    category: Optional[str] = None
    name: Optional[str] = None
    year: Optional[int] = None
    township: str = ""
    village_name: str = ""
    village_id: Optional[int] = Field(default=None, foreign_key="village.id", index=True)
    total: Optional[float] = None
    central_special: Optional[float] = None
    provincial_special: Optional[float] = None
    local_special: Optional[float] = None
    industry: Optional[float] = None
    social: Optional[float] = None
    credit: Optional[float] = None
    self_raised: Optional[float] = None
    other: Optional[float] = None
    beneficiary_count: Optional[int] = None
    source_file_id: Optional[int] = Field(default=None, foreign_key="import_file.id", index=True)
    source_row: Optional[int] = None
    extra: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False, default=dict))


class ProjectBeneficiary(SQLModel, table=True):
    """One beneficiary household of a project (受益户), listed by 户编号 and/or 证件号码.

    ``id_number`` is the cell as exported, ``id_norm`` the normalised 18-character ID (None when absent or unusable).
    ``household_id`` is the registered household it resolved to when imported (by 户编号, else by a member's ID), or
    None; it is a hint, not a foreign key (a corrected roster may replace households): readers resolve again by
    (county, 户编号) / ID. ``row``: the 1-based spreadsheet row.
    """

    __tablename__ = "project_beneficiary"
    __table_args__ = (Index("ix_beneficiary_county_hh", "county_code", "household_no"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    county_code: str = Field(foreign_key="county.code", index=True)
    project_id: int = Field(foreign_key="project.id", index=True)
    project_no: str
    household_no: Optional[str] = None
    id_number: Optional[str] = None
    id_norm: Optional[str] = Field(default=None, index=True)
    name: Optional[str] = None
    household_id: Optional[int] = Field(default=None, index=True)
    source_file_id: Optional[int] = Field(default=None, foreign_key="import_file.id", index=True)
    row: int = 0
    extra: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False, default=dict))


class OrgPerson(SQLModel, table=True):
    """One person of the 组织部 list of party members and college-graduate village officials (党员 / 大学生村官).

    ``kind`` is ``党员`` or ``大学生村官`` (as the list gives it, or derived from its 是否党员 / 是否大学生村官 columns);
    ``position`` the 职务 when given (村支书, 村主任 …). ``id_norm`` the normalised ID used to match the roster.
    ``village_id``: the administrative village resolved from 乡镇/村 (None when unknown).
    """

    __tablename__ = "org_person"
    id: Optional[int] = Field(default=None, primary_key=True)
    county_code: str = Field(foreign_key="county.code", index=True)
    name: Optional[str] = None
    id_number: Optional[str] = None
    id_norm: Optional[str] = Field(default=None, index=True)
    id_kind: Optional[str] = None
    township: str = ""
    village_name: str = ""
    village_id: Optional[int] = Field(default=None, foreign_key="village.id", index=True)
    kind: str = ""
    position: Optional[str] = None
    source_file_id: Optional[int] = Field(default=None, foreign_key="import_file.id", index=True)
    source_row: Optional[int] = None
    extra: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False, default=dict))
