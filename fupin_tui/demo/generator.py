"""Seeded generator of a synthetic county as national-system export FILES (roster, income table, department lists,
village / natural-village / county / project tables and the 组织部 list).

Used by ``fupin demo``, by tests (small counties, clean or with deliberate problems) and by the benchmarks (a
40,000-household county; 20 counties for a province). The layouts are those of the shared sample
``../shared/samples/county-422822/`` (see ``ROSTER_HEADER``, ``INCOME_HEADER``, ``DEPARTMENT_FILES``).

Facts the generated data obey when ``problems=False`` (so the rulebook of issue 3 finds nothing, and the department
comparison of issue 5 and the village checks of issue 8 find no clue):

- every ID number is a valid GB 11643 number (python-stdnum ``cn.ric``, region code valid for the birth year), unique
  in the county; its region code is the county's (or the county's earlier code for people born before it existed);
- one 户主 per household, at most one 配偶 of the other sex, relations agree with the sex in the ID, children ≥ 20
  years younger than the head and the spouse, parents ≥ 22 years older, grandchildren ≥ 38 years younger;
- ages are completed years on 31 December of the data year; 学龄前儿童 only under 6; 在校生状况 within the age bands of
  issue 3; everyone 6–15 is in school; nobody under 16 has labour skill or migrant work; 16–59, 健康, 非在校 people
  are 普通/技能劳动力; 务工时间 1–12 only with a 务工状况;
- incomes in 元 per year, integers, never negative: 年收入 = Σ four parts, 转移性收入 = Σ six parts, 纯收入 = 年收入 −
  生产经营性支出, 人均纯收入 = round-half-up(纯收入 ÷ member rows); 已脱贫/预脱贫 ≥ ``EXIT_LINE`` + 300, unlifted 一般贫困户
  ≤ ``ORDINARY_LINE`` − 100, 低保金 > 0 on 低保贫困户, 五保金 > 0 on 五保贫困户 (policy: the Hubei notice of 2016 on
  2015 data: exit line 4000 元, ordinary poor households at most 3000 元);
- 五保贫困户 have one or two members, none 普通/技能劳动力; 因残 households have a 残疾 member, 因病 a sick one;
- lifted households have 危房户 否, 饮水安全 是 and every member 参加大病医疗 是; no relocation households (the county
  has no relocation task); head phones are unique 11-digit mobiles 1[3-9]… or landlines with an area code;
- department lists: every 低保贫困户 has members on the 民政 list as 农村低保 and every 五保贫困户 member is on it as 特困供养;
  every 残疾 member holds a 残联 certificate; every 危房户 head is on the 住建 list; the other lists hold only people who
  are not registered (and cheap vehicles of registered people, below the 30,000 元 price line);
- villages: hamlet records for every poor village, poor-household and poor-people counts equal the roster's, party
  member and 大学生村官 counts equal the 组织部 list, 摘帽 villages hold only lifted households; projects' parts sum to the
  total (exactly, even in floating point), every project has special-fund money and distinct registered beneficiaries.

With ``problems=True`` each problem kind of ``PROBLEM_KINDS`` (see ``fupin_tui.demo.problems``) is planted a few
times (``households // 2000``, at least once when ``households >= 100``) and recorded as a ``Problem``.
Determinism: the same arguments give byte-identical files (``random.Random`` seeded with strings, fixed export time,
fixed zip timestamps).
"""

from __future__ import annotations

import itertools
import json
import math
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

from stdnum.cn import ric

from fupin_tui import glossary as g
from fupin_tui.demo import names as nm
from fupin_tui.demo.tables import write_table

#: Exit line (元 per person per year): lifted households must reach it (Hubei notice, 2015 data).
EXIT_LINE = 4000
#: Ordinary poor households (一般贫困户) not lifted must stay at or below this line (元 per person per year).
ORDINARY_LINE = 3000
#: Number of households that share one phone in a planted ``shared_phone`` problem.
SHARED_PHONE_GROUP = 3
#: Price line (元) above which a vehicle of a registered member is a clue (issue 5 default); cheap ones stay below.
VEHICLE_PRICE_LINE = 30000

ROSTER_TITLE = "建档立卡贫困人口花名册"
ROSTER_SHEET = "贫困人口花名册"
ROSTER_HEADER = (
    "序号", "县(市、区、旗)", "乡(镇)", "行政村", "自然村", "户编号", "人编号", "姓名", "证件号码", "人数", "与户主关系",
    "民族", "文化程度", "在校生状况", "健康状况", "劳动技能", "务工状况", "务工时间（月）", "参加大病医疗", "脱贫属性",
    "贫困户属性", "主要致贫原因", "危房户", "饮水安全", "饮水困难", "人均纯收入", "联系电话",
)
INCOME_SHEET = "户收入及生产生活条件"
INCOME_HEADER = (
    "户编号", "户主姓名", "户主证件号码", "家庭人口数", "识别标准", "贫困户属性", "脱贫属性", "主要致贫原因", "工资性收入",
    "生产经营性收入", "财产性收入", "转移性收入", "计划生育金", "低保金", "五保金", "养老保险金", "生态补偿金",
    "其他转移性收入", "生产经营性支出", "年收入", "纯收入", "人均纯收入", "耕地面积（亩）", "住房面积（㎡）", "是否危房户",
    "是否易地扶贫搬迁户", "是否通生活用电", "入户路类型",
)
#: Income-table money columns in order → glossary household field (元 per year).
INCOME_MONEY_FIELDS = (
    "wage_income", "business_income", "property_income", "transfer_income", "family_planning_income",
    "subsistence_income", "five_guarantee_income", "pension_income", "ecological_income", "other_transfer_income",
    "business_expense", "annual_income", "net_income", "per_capita_net_income",
)

#: Department code (``glossary.DEPARTMENTS``) → (file stem as in the shared sample, header).
DEPARTMENT_FILES: dict[str, tuple[str, tuple[str, ...]]] = {
    "civil_affairs": ("民政_低保特困人员名单", ("姓名", "身份证号", "保障类型", "乡镇", "村")),
    "public_security": ("公安_人口状态变动", ("姓名", "公民身份号码", "性别", "民族", "人员状态", "变动日期")),
    "staffing": ("财政供养人员名单", ("姓名", "身份证号码", "工作单位", "编制类型")),
    "disability": ("残联_持证残疾人", ("姓名", "残疾人证号", "残疾类别", "残疾等级")),
    "housing": ("住建_农村危房改造对象", ("户主姓名", "身份证号", "纳入年度", "危房等级", "改造状态")),
    "market": ("工商_市场主体登记", ("法定代表人", "证件号码", "企业名称", "类型", "登记状态")),
    "vehicles": ("公安交管_机动车登记", ("所有人", "身份证明号码", "车辆类型", "号牌号码", "购置价格（元）")),
    "social_security": ("人社_养老保险待遇领取人员", ("姓名", "社会保障号码", "险种", "待遇状态", "月领取金额（元）")),
}
DEPARTMENT_SHEET = "Sheet1"

VILLAGE_FILE = "行政村信息"
VILLAGE_HEADER = (
    "行政村", "行政区划代码", "乡(镇)", "是否贫困村", "是否摘帽", "摘帽年度", "党员数", "大学生村官数", "总户数", "总人口",
    "贫困户数", "贫困人口数",
)
HAMLET_FILE = "自然村信息"
HAMLET_HEADER = ("自然村", "所属行政村", "户数", "人口数", "是否通路", "是否通电", "是否通自来水", "是否通宽带")
COUNTY_FILE = "贫困县信息"
#: Indicators of the county record → unit. 贫困户数/贫困人口 are the registered (建档立卡) counts, equal to the roster's
#: households and member rows for the data year; 脱贫人口 the members of lifted households; 贫困发生率 = people of
#: households not lifted ÷ 农业人口 × 100.
COUNTY_INDICATORS: dict[str, str] = {
    "总人口": "人", "农业人口": "人", "贫困户数": "户", "贫困人口": "人", "脱贫人口": "人", "贫困发生率": "%",
    "农民人均纯收入": "元", "贫困村数": "个", "摘帽贫困村数": "个", "地区生产总值": "万元", "地方公共财政预算收入": "万元",
}
PROJECT_FILE = "帮扶项目"
PROJECT_HEADER = (
    "项目编号", "项目类别", "项目名称", "年度", "总投资（万元）", "财政专项扶贫资金（中央）", "财政专项扶贫资金（省）",
    "财政专项扶贫资金（市县）", "行业部门资金", "社会帮扶资金", "信贷资金", "群众自筹", "其他", "受益户编号",
)
#: The three 财政专项扶贫资金 parts (indices into a project's ``parts``).
SPECIAL_FUND_PARTS = 3
ORGANIZATION_FILE = "组织部_党员及大学生村官"
ORGANIZATION_HEADER = ("姓名", "身份证号", "所属行政村", "身份类别")
PARTY_MEMBER, COLLEGE_OFFICIAL = "党员", "大学生村官"
MANIFEST_FILE = "demo_manifest.json"

_ORDINARY, _SUBSISTENCE, _FIVE = g.ORDINARY, g.SUBSISTENCE, g.FIVE_GUARANTEE
_MALE, _FEMALE = g.SEX
_GRANDCHILD = {_MALE: "之孙子", _FEMALE: "之孙女"}
_CHILD = {_MALE: "之子", _FEMALE: "之女"}


# ====================================================================================================================
# Public records
# ====================================================================================================================


@dataclass
class Problem:
    """One deliberate data problem the generator planted.

    ``kind`` is a stable English id from ``fupin_tui.demo.problems.PROBLEM_KINDS`` (its family: identity, structure,
    age_school_labour, income, attributes, two_assurances, relocation, contact, clue_* department mismatches,
    village_*, project_*). ``household_no``/``member_no`` name the record (None for a village- or project-level
    problem, and for a beneficiary number that is registered nowhere); ``village`` and ``project_no`` name the village
    or project for those kinds. ``description`` is Chinese, for humans, and carries no names, ID numbers or phones.
    A problem on a pair (a duplicated ID, a shared phone) is recorded once per record of the pair or group.
    """

    kind: str
    household_no: str | None
    member_no: str | None
    description: str
    village: str | None = None
    project_no: str | None = None

    @property
    def family(self) -> str:
        """The rule family of the kind (``"identity"``, ``"income"``, ``"clue"``…)."""
        from fupin_tui.demo.problems import PROBLEM_KINDS

        return PROBLEM_KINDS[self.kind][0]


@dataclass
class SharedPerson:
    """A person of one county who may also be registered in another (a daughter who married out and was never
    taken off her parents' household): pass them as ``shared_people`` to ``generate_county`` of the other county."""

    name: str
    id_number: str
    sex: str
    birth: str  # ISO date
    ethnicity: str
    county_code: str
    household_no: str
    member_no: str


@dataclass
class DemoCounty:
    """A generated county: where its files are and what was planted in them.

    ``roster``/``income`` are the two county exports; ``departments`` maps department codes (``glossary.DEPARTMENTS``)
    to list files; ``villages``/``hamlets``/``county_record``/``projects``/``organization`` are None when generated
    with ``villages=False``. ``households`` and ``members`` count the roster (households with member rows, member
    rows); the income table may hold planted extra households without members. ``emigrants`` are people of this
    county that another county may register too (see ``SharedPerson``); ``shared_in`` are people of other counties
    registered here.
    """

    dir: Path
    county_code: str
    county_name: str
    data_year: int
    roster: Path
    income: Path
    departments: dict[str, Path]
    villages: Path | None
    hamlets: Path | None
    county_record: Path | None
    projects: Path | None
    organization: Path | None
    households: int
    members: int
    problems: list[Problem]
    seed: int | str = 1
    problems_enabled: bool = True
    id_offset: int = 0
    fmt: str = "xlsx"
    emigrants: list[SharedPerson] = field(default_factory=list)
    shared_in: list[SharedPerson] = field(default_factory=list)

    @property
    def files(self) -> list[Path]:
        """Every data file generated (roster first), without the manifest."""
        out = [self.roster, self.income, *self.departments.values()]
        out += [p for p in (self.villages, self.hamlets, self.county_record, self.projects, self.organization) if p]
        return out

    def manifest(self) -> dict:
        """JSON-able summary: county, sizes, file names (relative to ``dir``), lines used, planted problems."""
        from fupin_tui.demo.problems import PROBLEM_KINDS

        counts: dict[str, int] = {}
        for p in self.problems:
            counts[p.kind] = counts.get(p.kind, 0) + 1

        def rel(p: Path | None) -> str | None:
            return p.name if p else None

        return {
            "generator": "fupin_tui.demo",
            "format_version": 1,
            "county_code": self.county_code,
            "county_name": self.county_name,
            "data_year": self.data_year,
            "seed": self.seed,
            "id_offset": self.id_offset,
            "households": self.households,
            "members": self.members,
            "problems_enabled": self.problems_enabled,
            "exit_line": EXIT_LINE,
            "ordinary_line": ORDINARY_LINE,
            "relocation_task": False,
            "shared_phone_group": SHARED_PHONE_GROUP,
            "vehicle_price_line": VEHICLE_PRICE_LINE,
            "files": {
                "roster": rel(self.roster),
                "income": rel(self.income),
                "departments": {code: rel(p) for code, p in self.departments.items()},
                "villages": rel(self.villages),
                "hamlets": rel(self.hamlets),
                "county_record": rel(self.county_record),
                "projects": rel(self.projects),
                "organization": rel(self.organization),
            },
            "problem_counts": dict(sorted(counts.items(), key=lambda kv: list(PROBLEM_KINDS).index(kv[0]))),
            "problems": [{"family": p.family, **asdict(p)} for p in self.problems],
        }

    def write_manifest(self) -> Path:
        """(Re)write ``demo_manifest.json`` in ``dir``; returns its path."""
        path = self.dir / MANIFEST_FILE
        path.write_text(json.dumps(self.manifest(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        return path


# ====================================================================================================================
# In-memory model (internal)
# ====================================================================================================================


class Member:
    """One member while generating (internal). ``id_number`` is a str, or an int for an Excel-corrupted number."""

    __slots__ = (
        "household", "index", "name", "sex", "birth", "age", "id_number", "relation", "ethnicity", "education",
        "school", "health", "labour", "work_status", "work_months", "medical", "disability",
    )

    def __init__(self, household: Household, index: int) -> None:
        self.household = household
        self.index = index
        self.work_status: str | None = None
        self.work_months: int | None = None
        self.medical = g.YES
        self.disability: tuple[str, str] | None = None

    @property
    def member_no(self) -> str:
        return f"{self.household.household_no}{self.index:02d}"

    @property
    def student(self) -> bool:
        return self.school not in (g.NOT_IN_SCHOOL, "学前教育")


class Household:
    """One household while generating (internal). Money in ``income`` in 元 per year (glossary field names)."""

    __slots__ = (
        "serial", "household_no", "village", "hamlet", "members", "household_type", "poverty_status", "main_cause",
        "standard", "dilapidated", "water_safe", "water_difficulty", "relocation", "electricity", "road", "land",
        "housing_area", "phone", "income", "roster_size", "declared_size", "roster_pc", "in_roster", "touched",
        "minority",
    )

    def __init__(self, serial: int, household_no: str, village: Village, hamlet: str) -> None:
        self.serial = serial
        self.household_no = household_no
        self.village = village
        self.hamlet = hamlet
        self.members: list[Member] = []
        self.income: dict[str, int] = {}
        self.roster_size: int | None = None
        self.declared_size: int | None = None
        self.roster_pc: int | None = None
        self.in_roster = True
        self.touched = False
        self.relocation = g.NO
        self.electricity = g.YES

    @property
    def head(self) -> Member:
        return self.members[0]

    @property
    def lifted(self) -> bool:
        return self.poverty_status in g.LIFTED


class Village:
    """One administrative village (internal)."""

    __slots__ = (
        "name", "code", "township", "poor", "delisted", "hamlets", "households", "omit_hamlets",
        "poor_households_delta", "party_delta", "party", "officials", "touched",
    )

    def __init__(self, name: str, code: str, township: str, poor: bool, hamlets: list[str]) -> None:
        self.name = name
        self.code = code
        self.township = township
        self.poor = poor
        self.delisted = False
        self.hamlets = hamlets
        self.households: list[Household] = []
        self.omit_hamlets = False
        self.poor_households_delta = 0
        self.party_delta = 0
        self.party: list[tuple[str, str]] = []  # (name, id) from the 组织部 list
        self.officials: list[tuple[str, str]] = []
        self.touched = False


class Project:
    """One assistance project (internal); money in 0.01 万元 (= 100 元) units in ``parts`` (8 parts)."""

    __slots__ = ("project_no", "category", "name", "village", "parts", "total_delta", "beneficiaries")

    def __init__(self, project_no: str, category: str, name: str, village: Village) -> None:
        self.project_no = project_no
        self.category = category
        self.name = name
        self.village = village
        self.parts: list[int] = []
        self.total_delta = 0
        self.beneficiaries: list[str] = []


# ====================================================================================================================
# Small helpers
# ====================================================================================================================


def check_digit(body17: str) -> str:
    """GB 11643 check digit of a 17-digit body (python-stdnum ``cn.ric``)."""
    return ric.calc_check_digit(body17 + "0")


def to_15_digit(id18: str) -> str:
    """The old 15-digit form of an 18-digit ID born 1900–1999 (drop the century and the check digit)."""
    return id18[:6] + id18[8:17]


def round_half_up(numerator: int, denominator: int) -> int:
    """Integer division rounded half up (the per-capita rounding used throughout): ``(2n + d) // 2d``."""
    return (2 * numerator + denominator) // (2 * denominator)


_CUMULATIVE: dict[tuple, tuple[list, list[float]]] = {}


def _weighted(rng: random.Random, table: tuple[tuple[object, float], ...]) -> object:
    """One value of a ((value, weight), …) table drawn by weight (cumulative weights cached per table)."""
    prepared = _CUMULATIVE.get(table)
    if prepared is None:
        prepared = _CUMULATIVE[table] = ([v for v, _ in table], list(itertools.accumulate(w for _, w in table)))
    return rng.choices(prepared[0], cum_weights=prepared[1])[0]


def county_name_for(county_code: str) -> str:
    """Name of a known county code (``names.HUBEI_COUNTIES``), else a synthetic ``示例<code>县``."""
    return nm.HUBEI_COUNTIES.get(county_code, f"示例{county_code}县")


_HEALTH_BY_AGE = (
    (15, ((g.HEALTHY, 97.5), ("长期慢性病", 0.5), ("患有大病", 0.5), (g.DISABLED, 1.5))),
    (59, ((g.HEALTHY, 88), ("长期慢性病", 5), ("患有大病", 3), (g.DISABLED, 4))),
    (200, ((g.HEALTHY, 62), ("长期慢性病", 20), ("患有大病", 7), (g.DISABLED, 11))),
)
_EDUCATION_BY_AGE = (
    (24, (("小学", 5), ("初中", 55), ("高中", 30), ("大专及以上", 10))),
    (44, (("文盲或半文盲", 3), ("小学", 25), ("初中", 52), ("高中", 14), ("大专及以上", 6))),
    (64, (("文盲或半文盲", 15), ("小学", 45), ("初中", 33), ("高中", 7))),
    (200, (("文盲或半文盲", 50), ("小学", 42), ("初中", 8))),
)
_DISABILITY_CATEGORIES = (("4", 40), ("1", 15), ("2", 12), ("3", 4), ("5", 12), ("6", 10), ("7", 7))
_DISABILITY_GRADES = (("1", 15), ("2", 25), ("3", 30), ("4", 30))
_WORK_STATUSES = ((g.WORK_STATUS[0], 20), (g.WORK_STATUS[1], 20), (g.WORK_STATUS[2], 30), (g.WORK_STATUS[3], 30))
_CAUSES = (
    ("因病", 20), ("因残", 7), ("因学", 7), ("因灾", 4), ("缺土地", 4), ("缺水", 2), ("缺技术", 20), ("缺劳力", 10),
    ("缺资金", 18), ("交通条件落后", 4), ("自身发展动力不足", 3), ("其他", 1),
)
_FIVE_CAUSES = (("缺劳力", 60), ("因病", 25), ("因残", 15))
_ENSHI_ETHNICITIES = (("汉族", 55), ("土家族", 35), ("苗族", 8), ("侗族", 2))
_OTHER_ETHNICITIES = (("汉族", 95), ("土家族", 3), ("回族", 1), ("苗族", 1))
_ROADS = (("泥土路", 35), ("砂石路", 35), ("水泥路", 28), ("沥青路", 2))
_PLATE_LETTERS = {"4228": "鄂Q", "4203": "鄂C", "4211": "鄂J", "4209": "鄂K", "4205": "鄂E"}
_PROJECT_KINDS = (
    # category, name suffixes, total in 万元 (low, high), weight
    ("产业发展", ("茶叶种植", "核桃种植", "生猪养殖", "魔芋种植", "烟叶产业", "中药材种植", "山羊养殖"), (5, 80), 40),
    ("基础设施", ("通组公路硬化", "安全饮水工程", "农网改造", "产业路建设", "便民桥建设"), (20, 300), 25),
    ("教育扶贫", ("雨露计划职业教育补助", "贫困学生资助"), (1, 20), 10),
    ("危房改造", ("农村危房改造",), (5, 60), 10),
    ("金融扶贫", ("扶贫小额信贷贴息",), (10, 100), 8),
    ("就业扶贫", ("实用技术培训", "劳动力转移就业培训"), (2, 15), 7),
)


# ====================================================================================================================
# The builder
# ====================================================================================================================


class Builder:
    """Builds one county in memory, plants problems, then writes the files (internal; use ``generate_county``)."""

    def __init__(
        self,
        *,
        households: int,
        seed: int | str,
        county_code: str,
        county_name: str,
        data_year: int,
        departments: bool,
        id_offset: int,
        shared_people: Sequence[SharedPerson],
    ) -> None:
        if households < 1:
            raise ValueError("户数至少为 1")
        if not (len(county_code) == 6 and county_code.isdigit()):
            raise ValueError(f"县行政区划代码应为 6 位数字：{county_code!r}")
        if id_offset < 0 or id_offset + households + 20000 >= 10**8:
            raise ValueError("id_offset 超出 8 位户序号范围")
        self.n_households = households
        self.seed = seed
        self.county_code = county_code
        self.county_name = county_name
        self.data_year = data_year
        self.with_departments = departments
        self.id_offset = id_offset
        self.shared_people = list(shared_people)

        base = f"{seed}:{county_code}:{data_year}:{id_offset}"
        self.rng_geo = random.Random(base + ":geography")
        self.rng_hh = random.Random(base + ":households")
        self.rng_prob = random.Random(base + ":problems")
        self.rng_dept = random.Random(base + ":departments")
        self.rng_vil = random.Random(base + ":villages")

        self.used_bodies: set[str] = set()
        self.region_cache: dict[int, str] = {}
        self._check_region()
        self.problems: list[Problem] = []
        self.townships: list[tuple[str, str, list[Village]]] = []
        self.villages: list[Village] = []
        self.households: list[Household] = []
        self.extra_income_households: list[Household] = []
        self.projects: list[Project] = []
        self.emigrants: list[SharedPerson] = []
        self.shared_in: list[SharedPerson] = []
        # department directives, filled by the clue planters: extra rows, omissions, replaced (name, id) by member_no
        self.dept_extra: dict[str, list[tuple]] = {code: [] for code in DEPARTMENT_FILES}
        self.civil_omit: set[str] = set()  # household numbers
        self.civil_replace: dict[str, tuple[str, str]] = {}
        self.disability_omit: set[str] = set()  # member numbers
        self.housing_omit: set[str] = set()  # household numbers
        self.rural_population = 0  # people of all villages (set by village_tables, read by county_rows)

    # ---------------------------------------------------------------------------------------------------- identity

    def _check_region(self) -> None:
        for year in (1900, 1915, 1950, 1985, self.data_year + 1):
            self.region_for(year)

    def region_for(self, year: int) -> str:
        """Region code for an ID of someone born in ``year``: the county's code, or its earlier code, whichever
        python-stdnum accepts for that birth year. Raises ``ValueError`` for a code unknown there."""
        code = self.region_cache.get(year)
        if code is None:
            for candidate in (self.county_code, *nm.REGION_PREDECESSORS.get(self.county_code, ())):
                body = f"{candidate}{year:04d}0101001"
                if ric.is_valid(body + check_digit(body)):
                    code = candidate
                    break
            else:
                raise ValueError(
                    f"县代码 {self.county_code} 不能作为 {year} 年出生者的身份证地址码（python-stdnum 地区码表中没有）"
                )
            self.region_cache[year] = code
        return code

    def new_id(self, rng: random.Random, sex: str, birth: date) -> str:
        """A new unique, valid 18-digit ID for ``sex`` born on ``birth`` (region code of the county)."""
        prefix = f"{self.region_for(birth.year)}{birth.year:04d}{birth.month:02d}{birth.day:02d}"
        odd = 1 if sex == _MALE else 0
        while True:
            seq = rng.randrange(500) * 2 + odd
            if seq == 0:
                continue
            body = f"{prefix}{seq:03d}"
            if body not in self.used_bodies:
                self.used_bodies.add(body)
                return body + check_digit(body)

    def birth_for_age(self, rng: random.Random, age: int) -> date:
        """A birth date giving ``age`` completed years on 31 December of the data year."""
        year = self.data_year - age
        start = date(year, 1, 1).toordinal()
        return date.fromordinal(start + rng.randrange(date(year + 1, 1, 1).toordinal() - start))

    def new_person(self, rng: random.Random, sex: str, age: int) -> tuple[str, str, date]:
        """(name, id, birth) of a person who is not registered (department lists, 组织部)."""
        birth = self.birth_for_age(rng, age)
        return nm.surname(rng) + nm.given_name(rng, sex, birth.year), self.new_id(rng, sex, birth), birth

    def phone_for(self, serial: int) -> str:
        """The head's phone: an 11-digit mobile 1[3-9]…, about 2 % landlines ``0718-2xxxxxx``; unique for serials
        below 10⁶ (landlines 5·10⁵) and county codes that differ modulo 7000 (landlines 499)."""
        if serial % 50 == 7:
            area = nm.AREA_CODES.get(self.county_code[:4], "0710")
            return f"{area}-{2000000 + (int(self.county_code) % 499) * 10000 + (serial // 50 * 7919) % 10000}"
        x = (int(self.county_code) % 7000) * 10**6 + serial % 10**6
        y = (x * 2654435761 + 982451653) % 7_000_000_000
        return f"1{3 + y // 10**9}{y % 10**9:09d}"

    def household_no(self, serial: int) -> str:
        return f"{self.county_code}{serial:08d}"

    # ---------------------------------------------------------------------------------------------------- geography

    def build_geography(self) -> None:
        rng = self.rng_geo
        n = self.n_households
        n_townships = min(10, max(1, math.ceil(n / 30)))
        per_township = max(1, round(n / (n_townships * 270)))
        if self.county_code == "422822":
            township_names = list(nm.JIANSHI_TOWNSHIPS)
        else:
            stems = rng.sample(nm.TOWNSHIP_STEMS, 10)
            township_names = [s + ("镇" if i % 3 != 2 else "乡") for i, s in enumerate(stems)]
        township_names = township_names[:n_townships]
        town_no = village_no = 0
        for t_name in township_names:
            if t_name.endswith("镇"):
                t_code = f"{100 + town_no:03d}"
                town_no += 1
            else:
                t_code = f"{200 + village_no:03d}"
                village_no += 1
            prefix = t_name[:2]
            stems = rng.sample(nm.VILLAGE_STEMS, min(per_township, len(nm.VILLAGE_STEMS)))
            vs: list[Village] = []
            for j, stem in enumerate(stems):
                hamlets = [f"{k}组" for k in range(1, rng.randint(4, 10) + 1)]
                v = Village(f"{prefix}{stem}村", f"{self.county_code}{t_code}{201 + j:03d}", t_name, False, hamlets)
                vs.append(v)
            self.townships.append((t_name, t_code, vs))
            self.villages.extend(vs)
        # about 40 % poor villages (at least two when there are two), a tenth of them 摘帽 in the data year
        n_poor = max(min(2, len(self.villages)), round(len(self.villages) * 0.4))
        for v in rng.sample(self.villages, n_poor):
            v.poor = True
        poor = [v for v in self.villages if v.poor]
        if len(poor) >= 5:
            for v in rng.sample(poor, max(1, len(poor) // 10)):
                v.delisted = True

    # ---------------------------------------------------------------------------------------------------- households

    def build_households(self) -> None:
        rng = self.rng_hh
        weights = [3 if v.poor else 1 for v in self.villages]
        share_delisted = sum(w for v, w in zip(self.villages, weights) if v.delisted) / sum(weights)
        # lifted share outside 摘帽 villages so that about 20 % of all households are lifted
        p_lift = max(0.0, (0.20 - share_delisted) / max(1e-9, 1 - share_delisted))
        for i in range(1, self.n_households + 1):
            serial = self.id_offset + i
            if i <= len(self.villages):
                village = self.villages[i - 1]  # every village gets households
            else:
                village = rng.choices(self.villages, weights)[0]
            htype = _weighted(rng, ((_ORDINARY, 75), (_SUBSISTENCE, 20), (_FIVE, 5)))
            lifted = village.delisted or rng.random() < p_lift
            status = (("已脱贫" if rng.random() < 0.65 else "预脱贫") if lifted else g.NOT_LIFTED)
            h = self.make_household(rng, serial, village, rng.choice(village.hamlets), htype, status)
            self.households.append(h)
            village.households.append(h)

    def make_household(
        self, rng: random.Random, serial: int, village: Village, hamlet: str, htype: str, status: str
    ) -> Household:
        """One household with members, attributes, living conditions and income (all consistent)."""
        h = Household(serial, self.household_no(serial), village, hamlet)
        h.household_type = htype
        h.poverty_status = status
        h.minority = None
        if rng.random() < 0.04:
            h.minority = nm.MINORITY_ETHNICITIES[
                rng.choices(range(len(nm.MINORITY_ETHNICITIES)), nm.MINORITY_WEIGHTS)[0]
            ]
        comp = self.compose(rng, htype)
        self.add_members(rng, h, comp)
        self.choose_cause(rng, h)
        self.living_conditions(rng, h)
        h.phone = self.phone_for(serial)
        self.assign_income(rng, h)
        return h

    def compose(self, rng: random.Random, htype: str) -> list[tuple[str, str, int]]:
        """Relations, sexes and ages of a household's members (head first)."""
        if htype == _FIVE:
            r = rng.random()
            if r < 0.7:
                return [(g.HEAD, _MALE if rng.random() < 0.7 else _FEMALE, rng.randint(62, 90))]
            if r < 0.9:
                a = rng.randint(64, 88)
                return [(g.HEAD, _MALE, a), (g.SPOUSE, _FEMALE, max(60, a - rng.randint(0, 5)))]
            return [(g.HEAD, _MALE if rng.random() < 0.6 else _FEMALE, rng.randint(30, 59))]
        if rng.random() < 0.08:  # left-behind elderly with grandchildren
            a = rng.randint(62, 80)
            out = [(g.HEAD, _MALE, a)]
            if rng.random() < 0.7:
                out.append((g.SPOUSE, _FEMALE, a - rng.randint(0, 5)))
            for _ in range(rng.randint(1, 2)):
                sex = rng.choice(g.SEX)
                out.append((_GRANDCHILD[sex], sex, rng.randint(1, 14)))
            return out
        band = _weighted(rng, (((25, 34), 8), ((35, 44), 17), ((45, 54), 25), ((55, 64), 25), ((65, 74), 17),
                               ((75, 85), 8)))
        head_age = rng.randint(*band)
        head_sex = _MALE if rng.random() < 0.85 else _FEMALE
        out = [(g.HEAD, head_sex, head_age)]
        p_spouse = (0.85 if head_age < 70 else 0.6) if head_sex == _MALE else 0.25
        ages = [head_age]
        if rng.random() < p_spouse:
            delta = rng.randint(-2, 6)
            spouse_age = max(22, head_age - delta if head_sex == _MALE else head_age + delta)
            out.append((g.SPOUSE, _FEMALE if head_sex == _MALE else _MALE, spouse_age))
            ages.append(spouse_age)
        hi, lo = min(ages) - 20, max(0, max(ages) - 42)
        n_children = _weighted(rng, ((0, 15), (1, 35), (2, 35), (3, 15)))
        if hi >= lo and n_children:
            child_ages = sorted((rng.randint(lo, hi) for _ in range(n_children)), reverse=True)
            for age in child_ages:
                sex = rng.choice(g.SEX)
                out.append((_CHILD[sex], sex, age))
            sons = [a for rel, _, a in out if rel == "之子" and a >= 24]
            if sons and rng.random() < 0.4:
                son = sons[0]
                dil = min(son - rng.randint(-2, 5), min(ages) - 18)
                if dil >= 20:
                    out.append(("之儿媳", _FEMALE, dil))
                    ghi = min(son, dil, min(ages) - 38) - 20
                    if ghi >= 0:
                        for _ in range(rng.choice((0, 1, 1, 2))):
                            sex = rng.choice(g.SEX)
                            out.append((_GRANDCHILD[sex], sex, rng.randint(0, min(ghi, 16))))
        if head_age <= 58 and rng.random() < 0.2:
            base = max(ages)
            for rel, sex in (("之父", _MALE), ("之母", _FEMALE)):
                if rng.random() < 0.65:
                    age = base + rng.randint(22, 32)
                    if age <= 92:
                        out.append((rel, sex, age))
        return out

    def add_members(self, rng: random.Random, h: Household, comp: list[tuple[str, str, int]]) -> None:
        county_mix = _ENSHI_ETHNICITIES if self.county_code.startswith("4228") else _OTHER_ETHNICITIES
        head_sex = comp[0][1]
        spouse_sex = next((sex for rel, sex, _ in comp if rel == g.SPOUSE), None)
        head_surname, spouse_surname = nm.surname(rng), nm.surname(rng)
        if head_sex == _MALE:
            family_surname = head_surname
        elif spouse_sex == _MALE:
            family_surname = spouse_surname
        else:
            family_surname = nm.surname(rng)
        head_eth = h.minority or _weighted(rng, county_mix)
        spouse_eth = h.minority or _weighted(rng, county_mix)
        family_eth = head_eth if head_sex == _MALE or spouse_sex != _MALE else spouse_eth
        father_given: str | None = None
        for index, (relation, sex, age) in enumerate(comp, start=1):
            m = Member(h, index)
            m.relation, m.sex, m.age = relation, sex, age
            m.birth = self.birth_for_age(rng, age)
            m.id_number = self.new_id(rng, sex, m.birth)
            if relation == g.HEAD:
                surname_, m.ethnicity = head_surname, head_eth
            elif relation == g.SPOUSE:
                surname_, m.ethnicity = spouse_surname, spouse_eth
            elif relation in ("之儿媳", "之母"):
                surname_, m.ethnicity = nm.surname(rng), (h.minority or _weighted(rng, county_mix))
            elif relation == "之父":
                surname_, m.ethnicity = head_surname, head_eth
            else:
                surname_, m.ethnicity = family_surname, family_eth
            if h.minority:
                m.name = nm.minority_name(rng, h.minority, sex, father_given if relation in _CHILD.values() else None)
                if relation in (g.HEAD, g.SPOUSE) and sex == _MALE:
                    father_given = nm.dotted_given(m.name)
            else:
                m.name = surname_ + nm.given_name(rng, sex, m.birth.year)
            self.set_school(rng, m)
            m.health = _weighted(rng, next(t for top, t in _HEALTH_BY_AGE if age <= top))
            h.members.append(m)
        if h.household_type == _FIVE and len(comp) == 1 and comp[0][2] < 60:
            self.make_disabled(rng, h.members[0])
        if h.household_type == _SUBSISTENCE and all(m.health == g.HEALTHY for m in h.members) and rng.random() < 0.5:
            adults = [m for m in h.members if m.age >= 16] or h.members
            rng.choice(adults).health = rng.choice(g.SICK)
        for m in h.members:
            if m.health == g.DISABLED and m.disability is None:
                self.make_disabled(rng, m)
            self.set_labour(rng, m)

    def set_school(self, rng: random.Random, m: Member) -> None:
        """文化程度 and 在校生状况 for the member's age (bands of issue 3; everyone 6–15 in school)."""
        age = m.age
        if age <= 2:
            m.education, m.school = g.PRESCHOOL, g.NOT_IN_SCHOOL
        elif age <= 5:
            m.education, m.school = g.PRESCHOOL, ("学前教育" if rng.random() < 0.8 else g.NOT_IN_SCHOOL)
        elif age <= 11:
            m.education, m.school = "小学", "小学"
        elif age <= 14:
            m.education, m.school = "初中", ("七年级", "八年级", "九年级")[age - 12]
        elif age <= 17 and (age == 15 or rng.random() < 0.8):
            grade = ("一", "二", "三")[age - 15]
            if rng.random() < 0.6:
                m.education, m.school = "高中", f"高中{grade}年级"
            else:
                m.education, m.school = "初中", f"中职{grade}年级"
        elif age <= 17:
            m.education, m.school = ("初中" if rng.random() < 0.8 else "小学"), g.NOT_IN_SCHOOL
        elif age <= 21 and rng.random() < 0.25:
            if age <= 20 and rng.random() < 0.5:
                m.education, m.school = "高中", f"高职{('一', '二', '三')[age - 18]}年级"
            else:
                m.education, m.school = "大专及以上", "大专及以上"
        else:
            m.education = _weighted(rng, next(t for top, t in _EDUCATION_BY_AGE if age <= top))
            m.school = g.NOT_IN_SCHOOL

    def make_disabled(self, rng: random.Random, m: Member) -> None:
        m.health = g.DISABLED
        m.disability = (_weighted(rng, _DISABILITY_CATEGORIES), _weighted(rng, _DISABILITY_GRADES))

    def set_labour(self, rng: random.Random, m: Member) -> None:
        """劳动技能 and 务工 fields from age, health, schooling and the household type."""
        age, health = m.age, m.health
        m.work_status = m.work_months = None
        if age < 16 or m.student:
            m.labour = "无劳动力"
        elif m.household.household_type == _FIVE:
            m.labour = "无劳动力" if health == g.HEALTHY else "丧失劳动力"
        elif age <= 59:
            if health == g.HEALTHY:
                m.labour = "技能劳动力" if rng.random() < 0.12 else "普通劳动力"
            else:
                p_lost = {"长期慢性病": 0.45, "患有大病": 0.75, g.DISABLED: 0.6}[health]
                m.labour = "丧失劳动力" if rng.random() < p_lost else "普通劳动力"
        elif age <= 69:
            if health == g.HEALTHY:
                m.labour = "普通劳动力" if rng.random() < 0.65 else "无劳动力"
            else:
                m.labour = "丧失劳动力" if rng.random() < 0.7 else "无劳动力"
        elif health == g.HEALTHY:
            m.labour = "普通劳动力" if rng.random() < 0.15 else "无劳动力"
        else:
            m.labour = "丧失劳动力" if rng.random() < 0.7 else "无劳动力"
        if m.labour in g.ABLE_LABOUR and age <= 59 and rng.random() < (0.6 if m.labour == "技能劳动力" else 0.38):
            m.work_status = _weighted(rng, _WORK_STATUSES)
            m.work_months = rng.randint(2, 12)

    def choose_cause(self, rng: random.Random, h: Household) -> None:
        """主要致贫原因, adjusting a member's health so that 因病/因残 have a sick/disabled member."""
        table = _FIVE_CAUSES if h.household_type == _FIVE else _CAUSES
        for _ in range(5):
            cause = _weighted(rng, table)
            if cause == "因学" and not any(m.student and m.age >= 12 for m in h.members):
                continue
            break
        else:
            cause = "缺资金"
        if cause == "因病" and not any(m.health in g.SICK for m in h.members):
            candidates = [m for m in h.members if m.health == g.HEALTHY]
            if candidates:
                m = rng.choice([c for c in candidates if c.age >= 16] or candidates)
                m.health = rng.choice(g.SICK)
                self.set_labour(rng, m)
            else:
                cause = "因残"
        if cause == "因残" and not any(m.health == g.DISABLED for m in h.members):
            m = rng.choice([c for c in h.members if c.age >= 16] or h.members)
            self.make_disabled(rng, m)
            self.set_labour(rng, m)
        h.main_cause = cause

    def living_conditions(self, rng: random.Random, h: Household) -> None:
        h.standard = "国家标准" if rng.random() < 0.97 else "省定标准"
        h.dilapidated = g.YES if (not h.lifted and rng.random() < 0.12) else g.NO
        if h.lifted or rng.random() < 0.92:
            h.water_safe, h.water_difficulty = g.YES, g.NO
        else:
            h.water_safe, h.water_difficulty = g.NO, g.YES
        h.road = _weighted(rng, _ROADS)
        h.land = round(rng.randint(3, 40) / 10, 1)
        h.housing_area = rng.randint(40, 160)

    def income_range(self, h: Household) -> tuple[int, int]:
        """Clean per-capita net income range (元 per person per year) for the household's type and status."""
        if h.lifted:
            return EXIT_LINE + 300, 7800
        if h.household_type == _ORDINARY:
            return 1300, ORDINARY_LINE - 100
        return 1500, ORDINARY_LINE - 50

    def assign_income(
        self,
        rng: random.Random,
        h: Household,
        pc_range: tuple[int, int] | None = None,
        *,
        zero_subsistence: bool = False,
        zero_five: bool = False,
    ) -> None:
        """Income parts, identities and per-capita income (元 per year) for ``h``; ``pc_range`` overrides the target."""
        n = len(h.members)
        lo, hi = pc_range or self.income_range(h)
        elders = sum(1 for m in h.members if m.age >= 60)
        fixed = {
            "family_planning_income": 600 if rng.random() < 0.2 else 0,
            "subsistence_income": (
                n * rng.randint(45, 95) * 10 if h.household_type == _SUBSISTENCE and not zero_subsistence else 0
            ),
            "five_guarantee_income": (
                n * rng.randint(400, 480) * 10 if h.household_type == _FIVE and not zero_five else 0
            ),
            "pension_income": 840 * elders,
            "ecological_income": rng.choice((0, 0, 120, 300, 540)),
            "other_transfer_income": rng.choice((0, 0, 200, 500)),
        }
        prop = rng.choice((0, 0, 0, 100, 300))
        expense = rng.randint(200, 1500)
        target = rng.randint(lo, hi) * n + rng.randrange(n)
        earned = target + expense - sum(fixed.values()) - prop
        for optional in ("other_transfer_income", "ecological_income", "family_planning_income"):
            if earned >= 0:
                break
            earned += fixed[optional]
            fixed[optional] = 0
        if earned < 0:
            earned += prop
            prop = 0
        if earned < 0:  # transfers alone exceed the target (五保金): a little farming income on top
            earned = rng.randint(0, 60) * 10
        workers = [m for m in h.members if m.labour in g.ABLE_LABOUR]
        if any(m.work_status for m in h.members):
            share = rng.uniform(0.55, 0.8)
        elif workers:
            share = rng.uniform(0.05, 0.3)
        else:
            share = 0.0
        wage = int(earned * share)
        transfer = sum(fixed.values())
        inc = {
            "wage_income": wage,
            "business_income": earned - wage,
            "property_income": prop,
            "transfer_income": transfer,
            **fixed,
            "business_expense": expense,
        }
        inc["annual_income"] = inc["wage_income"] + inc["business_income"] + prop + transfer
        inc["net_income"] = inc["annual_income"] - expense
        inc["per_capita_net_income"] = round_half_up(inc["net_income"], n)
        h.income = inc
        h.roster_pc = None

    # ---------------------------------------------------------------------------------------------------- sharing

    def choose_emigrants(self, count: int = 10) -> None:
        """Daughters aged 24–38 of untouched households, offered to another county (``DemoCounty.emigrants``)."""
        for h in self.households:
            if len(self.emigrants) >= count:
                return
            if h.touched or not h.in_roster:
                continue
            m = next((m for m in h.members if m.relation == "之女" and 24 <= m.age <= 38
                      and isinstance(m.id_number, str)), None)
            if m is None:
                continue
            h.touched = True
            self.emigrants.append(SharedPerson(m.name, m.id_number, m.sex, m.birth.isoformat(), m.ethnicity,
                                               self.county_code, h.household_no, m.member_no))

    def register_shared_people(self) -> None:
        """Register other counties' people as wives here: each replaces a wife of the same sex whose age differs by
        −2…+5 years (closest first), so every age rule still holds. Placed people go to ``shared_in``."""
        for person in self.shared_people:
            birth = date.fromisoformat(person.birth)
            age = self.data_year - birth.year
            target = None
            for diff in (0, 1, -1, 2, -2, 3, 4, 5):
                target = next((m for h in self.households if not h.touched and h.in_roster for m in h.members
                               if m.relation == g.SPOUSE and m.sex == person.sex and age - m.age == diff), None)
                if target:
                    break
            if target is None:
                continue
            target.household.touched = True
            target.name, target.id_number, target.ethnicity = person.name, person.id_number, person.ethnicity
            target.birth, target.age = birth, age
            self.used_bodies.add(person.id_number[:17])
            self.shared_in.append(person)
            self.problems.append(Problem(
                "duplicate_id_across_counties", target.household.household_no, target.member_no,
                f"该成员（配偶）同时登记在县 {person.county_code} 的 {person.household_no} 户（人编号 {person.member_no}），"
                "证件号码相同", target.household.village.name,
            ))

    # ---------------------------------------------------------------------------------------------------- departments

    def build_departments(self) -> dict[str, list[tuple]]:
        """Rows of every department list (header excluded): registered matches, outsiders and planted clues."""
        rng = self.rng_dept
        out: dict[str, list[tuple]] = {code: [] for code in DEPARTMENT_FILES}
        roster = [h for h in self.households if h.in_roster]

        # 民政: 低保贫困户 (most members) and 五保贫困户 (all members, 特困供养)
        civil = out["civil_affairs"]
        for h in roster:
            if h.household_type not in (_SUBSISTENCE, _FIVE) or h.household_no in self.civil_omit:
                continue
            kind = "农村低保" if h.household_type == _SUBSISTENCE else "特困供养"
            members = h.members
            if h.household_type == _SUBSISTENCE and len(members) > 1 and rng.random() < 0.1:
                # a few households with only some members listed (never one whose row was planted)
                kept = {m.member_no for m in rng.sample(members[1:], rng.randint(0, len(members) - 2))}
                members = [m for m in members
                           if m.index == 1 or m.member_no in kept or m.member_no in self.civil_replace]
            for m in members:
                name, id_number = self.civil_replace.get(m.member_no, (m.name, m.id_number))
                civil.append((name, id_number, kind, h.village.township, h.village.name))
        for _ in range(max(2, len(civil) * 3 // 10)):
            v = rng.choice(self.villages)
            sex = rng.choice(g.SEX)
            name, id_number, _b = self.new_person(rng, sex, rng.randint(5, 88))
            civil.append((name, id_number, "农村低保" if rng.random() < 0.9 else "特困供养", v.township, v.name))

        # 公安: deaths of people not registered (some old 15-digit numbers) + planted
        police = out["public_security"]
        for _ in range(max(3, self.n_households // 50)):
            sex = rng.choice(g.SEX)
            age = rng.randint(55, 95)
            name, id_number, birth = self.new_person(rng, sex, age)
            shown = to_15_digit(id_number) if birth.year <= 1984 and rng.random() < 0.4 else id_number
            police.append((name, shown, sex, _weighted(rng, _ENSHI_ETHNICITIES), "死亡", self.change_date(rng)))

        # 财政供养
        staff = out["staffing"]
        units = ("教育局", "财政局", "人民医院", "第一中学", "农业局", "民政局", "公安局", "国土资源局")
        for _ in range(max(3, self.n_households // 10)):
            sex = rng.choice(g.SEX)
            name, id_number, _b = self.new_person(rng, sex, rng.randint(23, 59))
            if rng.random() < 0.3:
                unit = f"{self.county_name}{rng.choice(self.townships)[0]}人民政府"
            else:
                unit = f"{self.county_name}{rng.choice(units)}"
            staff.append((name, id_number, unit, _weighted(rng, (("行政编制", 40), ("事业编制", 50), ("参公管理", 10)))))

        # 残联: every registered 残疾 member + people not registered
        disabled = out["disability"]
        for h in roster:
            for m in h.members:
                if m.health == g.DISABLED and m.disability and m.member_no not in self.disability_omit:
                    disabled.append(self.certificate_row(m.name, m.id_number, m.disability))
        for _ in range(max(2, len(disabled) // 2)):
            sex = rng.choice(g.SEX)
            name, id_number, _b = self.new_person(rng, sex, rng.randint(3, 90))
            disabled.append(self.certificate_row(
                name, id_number, (_weighted(rng, _DISABILITY_CATEGORIES), _weighted(rng, _DISABILITY_GRADES))))

        # 住建: heads of 危房户 + households not registered
        housing = out["housing"]
        for h in roster:
            if h.dilapidated == g.YES and h.household_no not in self.housing_omit:
                housing.append(self.housing_row(rng, h.head.name, h.head.id_number))
        for _ in range(max(2, len(housing) * 3 // 10)):
            name, id_number, _b = self.new_person(rng, _MALE if rng.random() < 0.85 else _FEMALE, rng.randint(30, 85))
            housing.append(self.housing_row(rng, name, id_number))

        # 工商
        market = out["market"]
        for _ in range(max(3, self.n_households // 15)):
            sex = _MALE if rng.random() < 0.7 else _FEMALE
            name, id_number, _b = self.new_person(rng, sex, rng.randint(25, 65))
            market.append(self.company_row(rng, name, id_number))

        # 公安交管: owners not registered, and cheap vehicles (below the price line) of registered members
        vehicles = out["vehicles"]
        for _ in range(max(3, self.n_households // 8)):
            sex = _MALE if rng.random() < 0.8 else _FEMALE
            name, id_number, _b = self.new_person(rng, sex, rng.randint(22, 65))
            vehicles.append(self.vehicle_row(rng, name, id_number, rng.randint(60, 250) * 1000, cheap=False))
        for h in roster:
            if rng.random() < 0.01:
                owner = next((m for m in h.members if 20 <= m.age <= 60 and isinstance(m.id_number, str)), None)
                if owner:
                    price = rng.randint(3, 15) * 1000
                    vehicles.append(self.vehicle_row(rng, owner.name, owner.id_number, price, cheap=True))

        # 人社: urban employees' pensions of people not registered
        pensions = out["social_security"]
        for _ in range(max(3, self.n_households // 15)):
            sex = rng.choice(g.SEX)
            name, id_number, _b = self.new_person(rng, sex, rng.randint(55, 85))
            pensions.append(self.pension_row(rng, name, id_number))

        for code, rows in self.dept_extra.items():
            out[code].extend(rows)
        for rows in out.values():
            rng.shuffle(rows)
        return out

    def change_date(self, rng: random.Random) -> str:
        d = date.fromordinal(date(self.data_year - 1, 1, 1).toordinal() + rng.randrange(700))
        return d.isoformat() if d.year <= self.data_year else f"{self.data_year}-12-{rng.randint(1, 28):02d}"

    @staticmethod
    def certificate_row(name: str, id_number: str, disability: tuple[str, str]) -> tuple:
        cat, grade = disability
        return (name, f"{id_number}{cat}{grade}", g.DISABILITY_CATEGORIES[cat], g.DISABILITY_GRADES[grade])

    def housing_row(self, rng: random.Random, name: str, id_number: object) -> tuple:
        year = str(self.data_year + (1 if rng.random() < 0.85 else 0))
        return (name, id_number, year, "D级" if rng.random() < 0.8 else "C级", "未改造")

    def company_row(self, rng: random.Random, name: str, id_number: str) -> tuple:
        if rng.random() < 0.7:
            trade = rng.choice(("商贸", "建材", "农业开发", "物流", "餐饮管理", "茶业"))
            return (name, id_number, f"{self.county_name}{name}{trade}有限公司", "有限责任公司", "存续")
        return (name, id_number, f"{self.county_name}{name}种养殖专业合作社", "农民专业合作社", "存续")

    def vehicle_row(self, rng: random.Random, name: str, id_number: str, price: int, *, cheap: bool) -> tuple:
        letters = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
        plate = _PLATE_LETTERS.get(self.county_code[:4], "鄂A") + "".join(rng.choice(letters) for _ in range(5))
        kind = rng.choice(("普通二轮摩托车", "三轮汽车")) if cheap else rng.choice(("小型轿车", "小型普通客车", "轻型货车"))
        return (name, id_number, kind, plate, price)

    @staticmethod
    def pension_row(rng: random.Random, name: str, id_number: str) -> tuple:
        return (name, id_number, "城镇企业职工基本养老保险", "按月领取养老金", rng.randint(1500, 3600))

    # ---------------------------------------------------------------------------------------------------- villages

    def build_organization(self) -> None:
        """组织部 list: party members and 大学生村官 of every village (people not registered)."""
        rng = self.rng_vil
        for v in self.villages:
            for _ in range(rng.randint(12, 45)):
                name, id_number, _b = self.new_person(rng, _MALE if rng.random() < 0.75 else _FEMALE,
                                                      rng.randint(25, 82))
                v.party.append((name, id_number))
            if rng.random() < (0.6 if v.poor else 0.2):
                name, id_number, _b = self.new_person(rng, rng.choice(g.SEX), rng.randint(22, 30))
                v.officials.append((name, id_number))

    def build_projects(self) -> None:
        """2015 assistance projects: 2–4 per poor village, sometimes one elsewhere; beneficiaries from the village."""
        rng = self.rng_vil
        seq = 0
        for v in self.villages:
            households = [h for h in v.households if h.in_roster]
            if not households:
                continue
            n = rng.randint(2, 4) if v.poor else (1 if rng.random() < 0.4 else 0)
            if not self.projects and v is self.villages[-1]:
                n = max(n, 1)
            for _ in range(n):
                seq += 1
                category, suffixes, (low, high), _w = _PROJECT_KINDS[
                    rng.choices(range(len(_PROJECT_KINDS)), [k[3] for k in _PROJECT_KINDS])[0]
                ]
                p = Project(f"XM{self.county_code}{self.data_year}{seq:04d}", category,
                            f"{v.name}{rng.choice(suffixes)}", v)
                p.parts = self.project_parts(rng, rng.randint(low * 100, high * 100))
                pool = households
                if category == "教育扶贫":
                    pool = [h for h in households if any(m.student and m.age >= 15 for m in h.members)] or households
                chosen = rng.sample(pool, min(len(pool), rng.randint(3, 40)))
                p.beneficiaries = sorted(h.household_no for h in chosen)
                self.projects.append(p)

    @staticmethod
    def project_parts(rng: random.Random, total: int, *, special: bool = True) -> list[int]:
        """Split ``total`` (0.01 万元 units) into the 8 parts so that the float sum of the parts in 万元 equals the
        total exactly; with ``special`` the 财政专项扶贫资金 (中央 > 0, 省, 市县) take 40–95 %, else none."""
        while True:
            if special:
                central = max(1, int(total * rng.uniform(0.3, 0.6)))
                province = int(total * rng.uniform(0.05, 0.2))
                local = int(total * rng.uniform(0.05, 0.15))
            else:
                central = province = local = 0
            rest = total - central - province - local
            weights = [rng.random() if rng.random() < 0.6 else 0.0 for _ in range(5)]
            if not any(weights):
                weights[0] = 1.0
            shares = [int(rest * w / sum(weights)) for w in weights]
            shares[weights.index(max(weights))] += rest - sum(shares)
            parts = [central, province, local, *shares]
            if sum(p / 100 for p in parts) == total / 100:
                return parts

    # ---------------------------------------------------------------------------------------------------- rows

    def roster_rows(self) -> Iterable[list]:
        yield [ROSTER_TITLE]
        yield [f"{self.county_name}    数据年度：{self.data_year}    导出时间：{self.data_year + 1}-02-20"]
        yield list(ROSTER_HEADER)
        seq = 0
        for h in self.households:
            if not h.in_roster:
                continue
            inc = h.income
            size = h.roster_size if h.roster_size is not None else len(h.members)
            pc = h.roster_pc if h.roster_pc is not None else inc["per_capita_net_income"]
            for i, m in enumerate(h.members):
                seq += 1
                row = [
                    seq, self.county_name, h.village.township, h.village.name, h.hamlet, h.household_no, m.member_no,
                    m.name, m.id_number, None, m.relation, m.ethnicity, m.education, m.school, m.health, m.labour,
                    m.work_status, m.work_months, m.medical,
                ]
                if i == 0:
                    row[9] = size
                    row += [h.poverty_status, h.household_type, h.main_cause, h.dilapidated, h.water_safe,
                            h.water_difficulty, pc, h.phone]
                yield row

    def income_rows(self) -> Iterable[list]:
        yield list(INCOME_HEADER)
        for h in [*(h for h in self.households if h.in_roster), *self.extra_income_households]:
            inc = h.income
            size = h.declared_size if h.declared_size is not None else len(h.members)
            yield [
                h.household_no, h.head.name, h.head.id_number, size, h.standard, h.household_type, h.poverty_status,
                h.main_cause, *(inc[k] for k in INCOME_MONEY_FIELDS), h.land, h.housing_area, h.dilapidated,
                h.relocation, h.electricity, h.road,
            ]

    def village_tables(self) -> tuple[list[list], list[list]]:
        """Rows of the village table and of the natural-village table (headers first)."""
        rng = random.Random(f"{self.seed}:{self.county_code}:village-totals")
        villages: list[list] = [list(VILLAGE_HEADER)]
        hamlets: list[list] = [list(HAMLET_HEADER)]
        self.rural_population = 0
        for v in self.villages:
            roster = [h for h in v.households if h.in_roster]
            poor_h = len(roster)
            poor_p = sum(len(h.members) for h in roster)
            share = rng.uniform(0.15, 0.35) if v.poor else rng.uniform(0.04, 0.12)
            total_h = max(poor_h + 20, math.ceil(poor_h / share)) if poor_h else rng.randint(150, 600)
            total_p = poor_p + round((total_h - poor_h) * rng.uniform(3.0, 3.6))
            self.rural_population += total_p
            villages.append([
                v.name, v.code, v.township, g.YES if v.poor else g.NO, g.YES if v.delisted else g.NO,
                self.data_year if v.delisted else None, len(v.party) + v.party_delta, len(v.officials), total_h,
                total_p, poor_h + v.poor_households_delta, poor_p,
            ])
            rows = self.hamlet_rows(rng, v, roster, total_h - poor_h, total_p - poor_p)
            if not v.omit_hamlets:
                hamlets.extend(rows)
        return villages, hamlets

    def hamlet_rows(self, rng: random.Random, v: Village, roster: list[Household], extra_h: int,
                    extra_p: int) -> list[list]:
        weights = [rng.uniform(0.5, 1.5) for _ in v.hamlets]
        total_w = sum(weights)

        def split(amount: int) -> list[int]:
            shares = [int(amount * w / total_w) for w in weights]
            shares[0] += amount - sum(shares)
            return shares

        rows = []
        for hamlet, add_h, add_p in zip(v.hamlets, split(extra_h), split(extra_p)):
            in_hamlet = [h for h in roster if h.hamlet == hamlet]
            full = v.delisted
            rows.append([
                hamlet, v.name, len(in_hamlet) + add_h, sum(len(h.members) for h in in_hamlet) + add_p,
                g.YES if full or rng.random() < 0.95 else g.NO, g.YES if full or rng.random() < 0.99 else g.NO,
                g.YES if full or rng.random() < 0.75 else g.NO, g.YES if full or rng.random() < 0.45 else g.NO,
            ])
        return rows

    def county_rows(self) -> Iterable[list]:
        """Rows of the county record (header first): 农业人口 = the villages' people, 贫困户数/贫困人口 = the roster's
        households and member rows, 脱贫人口 = members of lifted households, 贫困村数/摘帽贫困村数 = the village table's."""
        # issue 8 (fupin_tui/villages): the 单位 column carries COUNTY_INDICATORS' units
        yield ["县名", "行政区划代码", "是否贫困县", "指标", "单位", f"{self.data_year - 1}年", f"{self.data_year}年"]
        rng = random.Random(f"{self.seed}:{self.county_code}:county")
        roster = [h for h in self.households if h.in_roster]
        households = len(roster)
        people = sum(len(h.members) for h in roster)
        lifted = sum(len(h.members) for h in roster if h.lifted)
        farm = self.rural_population  # the villages' people (call village_tables first)
        total = round(farm * rng.uniform(1.15, 1.3))
        poor_villages = sum(1 for v in self.villages if v.poor)
        delisted = sum(1 for v in self.villages if v.delisted)
        prev_people = people + round(people * rng.uniform(0.05, 0.12))
        values = {
            "总人口": (round(total * 0.995), total),
            "农业人口": (round(farm * 1.004), farm),
            "贫困户数": (households + round(households * rng.uniform(0.05, 0.12)), households),
            "贫困人口": (prev_people, people),
            "脱贫人口": (round(people * rng.uniform(0.08, 0.15)), lifted),
            "贫困发生率": (round(prev_people / round(farm * 1.004) * 100, 1), round((people - lifted) / farm * 100, 1)),
            "农民人均纯收入": (rng.randint(6200, 6900), rng.randint(7000, 7800)),
            "贫困村数": (poor_villages, poor_villages),
            "摘帽贫困村数": (0, delisted),
            "地区生产总值": (rng.randint(400000, 700000), rng.randint(720000, 900000)),
            "地方公共财政预算收入": (rng.randint(40000, 60000), rng.randint(61000, 80000)),
        }
        for indicator, (before, now) in values.items():
            yield [self.county_name, self.county_code, g.YES, indicator, COUNTY_INDICATORS[indicator], before, now]

    def project_rows(self) -> Iterable[list]:
        yield list(PROJECT_HEADER)
        for p in self.projects:
            total = sum(p.parts) + p.total_delta
            yield [p.project_no, p.category, p.name, self.data_year, total / 100, *(x / 100 for x in p.parts),
                   ",".join(p.beneficiaries)]

    def organization_rows(self) -> Iterable[list]:
        yield list(ORGANIZATION_HEADER)
        for v in self.villages:
            for name, id_number in v.party:
                yield [name, id_number, v.name, PARTY_MEMBER]
            for name, id_number in v.officials:
                yield [name, id_number, v.name, COLLEGE_OFFICIAL]

    # ---------------------------------------------------------------------------------------------------- problems

    def problem(self, kind: str, h: Household | None, m: Member | None, description: str, *,
                village: Village | None = None, project: Project | None = None) -> Problem:
        p = Problem(kind, h.household_no if h else None, m.member_no if m else None, description,
                    village.name if village else (h.village.name if h else None),
                    project.project_no if project else None)
        self.problems.append(p)
        return p

    def pick_household(self, rng: random.Random, pred: Callable[[Household], bool], *, fresh_only: bool = False,
                       quiet: bool = False) -> Household | None:
        """A random untouched roster household satisfying ``pred`` (marked touched); falls back to a touched one
        (unless ``fresh_only``) so that every kind is planted in counties of 100 households or more."""
        hs = self.households
        n = len(hs)
        start, stride = rng.randrange(n), _coprime_stride(n, rng)

        def ok(h: Household) -> bool:
            if not h.in_roster:
                return False
            if quiet and not _quiet(h):
                return False
            return pred(h)

        for i in range(n):
            h = hs[(start + i * stride) % n]
            if not h.touched and ok(h):
                h.touched = True
                return h
        if fresh_only or self.n_households < 100:
            return None
        for i in range(n):
            h = hs[(start + i * stride) % n]
            if ok(h):
                return h
        return None

    def pick_member(self, rng: random.Random, pred: Callable[[Member], bool], *, household: Callable[[Household],
                    bool] = lambda h: True, fresh_only: bool = False, quiet: bool = False) -> Member | None:
        """A random member satisfying ``pred`` in a household picked by ``pick_household``."""
        h = self.pick_household(rng, lambda h: household(h) and any(pred(m) for m in h.members),
                                fresh_only=fresh_only, quiet=quiet)
        if h is None:
            return None
        return rng.choice([m for m in h.members if pred(m)])

    def make_lifted(self, rng: random.Random, h: Household) -> None:
        """Turn ``h`` into a clean lifted household (status, housing and water, income)."""
        h.poverty_status = "已脱贫"
        h.dilapidated = g.NO
        h.water_safe, h.water_difficulty = g.YES, g.NO
        self.assign_income(rng, h)

    def new_extra_household(self, rng: random.Random, serial: int) -> Household:
        """An income-table household whose members are missing from the roster (planted)."""
        village = rng.choice(self.villages)
        h = self.make_household(rng, serial, village, rng.choice(village.hamlets), _ORDINARY, g.NOT_LIFTED)
        h.in_roster = False
        h.touched = True
        return h


def _quiet(h: Household) -> bool:
    """A household that is on no department list (一般贫困户, no 危房, no 残疾 member): identity problems go there so
    that the lists keep the right numbers."""
    return (h.household_type == _ORDINARY and h.dilapidated == g.NO
            and not any(m.health == g.DISABLED for m in h.members))


def _coprime_stride(n: int, rng: random.Random) -> int:
    if n <= 2:
        return 1
    while True:
        s = rng.randrange(1, n)
        if math.gcd(s, n) == 1:
            return s


# ====================================================================================================================
# Entry points
# ====================================================================================================================


def generate_county(
    out_dir: Path | str,
    *,
    households: int = 300,
    seed: int | str = 1,
    county_code: str = "422822",
    county_name: str | None = None,
    data_year: int = 2015,
    problems: bool = True,
    departments: bool = True,
    villages: bool = True,
    id_offset: int = 0,
    fmt: str = "xlsx",
    shared_people: Sequence[SharedPerson] = (),
) -> DemoCounty:
    """Generate a synthetic county as export files in ``out_dir`` (created if missing) and return what was written.

    ``households`` registered households (≈ 3.3 people each); ``seed`` fixes everything (same arguments → same
    bytes); ``county_code`` (6 digits, a code python-stdnum knows as an ID region, e.g. ``names.HUBEI_COUNTIES``) and
    ``county_name`` (default: the known name of the code); ``data_year`` (ages on 31 December of it, export dated
    February of the next year); ``problems`` plants every kind of ``problems.PROBLEM_KINDS`` (False: a clean county,
    no finding and no clue); ``departments``/``villages`` switch the department lists and the village, hamlet,
    county, project and 组织部 tables; ``id_offset`` shifts the household serials (户编号 = county code + 8-digit
    ``id_offset + i``; the head phones follow the serial); ``fmt`` "xlsx" (default) or "csv" (UTF-8 with BOM, same
    rows); ``shared_people`` registers people of another county here as wives (each a ``duplicate_id_across_counties``
    problem). Writes ``demo_manifest.json`` too.

    Raises ``ValueError`` for a bad code, size, offset or format; ``OSError`` when a file cannot be written.
    """
    from fupin_tui.demo import problems as planting

    if fmt not in ("xlsx", "csv"):
        raise ValueError(f"未知的文件格式：{fmt}（可用 xlsx 或 csv）")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    b = Builder(
        households=households, seed=seed, county_code=county_code,
        county_name=county_name or county_name_for(county_code), data_year=data_year, departments=departments,
        id_offset=id_offset, shared_people=shared_people,
    )
    b.build_geography()
    b.build_households()
    b.register_shared_people()
    if villages:
        b.build_organization()
    if problems:
        planting.plant_household_problems(b)
    b.choose_emigrants()
    if villages:
        b.build_projects()
        if problems:
            planting.plant_village_problems(b)
    dept_rows = b.build_departments() if departments else {}

    county = DemoCounty(
        dir=out, county_code=county_code, county_name=b.county_name, data_year=data_year,
        roster=write_table(out / "贫困人口花名册", ROSTER_SHEET, b.roster_rows(), width=len(ROSTER_HEADER), fmt=fmt),
        income=write_table(out / "户收入及生产生活条件", INCOME_SHEET, b.income_rows(), width=len(INCOME_HEADER),
                           fmt=fmt),
        departments={}, villages=None, hamlets=None, county_record=None, projects=None, organization=None,
        households=sum(1 for h in b.households if h.in_roster),
        members=sum(len(h.members) for h in b.households if h.in_roster),
        problems=b.problems, seed=seed, problems_enabled=problems, id_offset=id_offset, fmt=fmt,
        emigrants=b.emigrants, shared_in=b.shared_in,
    )
    for code, rows in dept_rows.items():
        stem, header = DEPARTMENT_FILES[code]
        county.departments[code] = write_table(out / stem, DEPARTMENT_SHEET, [header, *rows], width=len(header),
                                               fmt=fmt)
    if villages:
        village_rows, hamlet_rows = b.village_tables()
        county.villages = write_table(out / VILLAGE_FILE, VILLAGE_FILE, village_rows, width=len(VILLAGE_HEADER),
                                      fmt=fmt)
        county.hamlets = write_table(out / HAMLET_FILE, HAMLET_FILE, hamlet_rows, width=len(HAMLET_HEADER), fmt=fmt)
        county.county_record = write_table(out / COUNTY_FILE, COUNTY_FILE, b.county_rows(), width=7, fmt=fmt)
        county.projects = write_table(out / PROJECT_FILE, PROJECT_FILE, b.project_rows(), width=len(PROJECT_HEADER),
                                      fmt=fmt)
        county.organization = write_table(out / ORGANIZATION_FILE, ORGANIZATION_FILE, b.organization_rows(),
                                          width=len(ORGANIZATION_HEADER), fmt=fmt)
    county.write_manifest()
    return county


def generate_province(
    out_dir: Path | str,
    *,
    counties: int = 20,
    households: int = 40000,
    seed: int | str = 1,
    data_year: int = 2015,
    problems: bool = True,
    departments: bool = True,
    villages: bool = True,
    shared_per_county: int = 5,
    fmt: str = "xlsx",
    progress: Callable[[DemoCounty], None] | None = None,
) -> list[DemoCounty]:
    """Generate ``counties`` counties (real Hubei codes from ``names.HUBEI_COUNTIES``, one folder each under
    ``out_dir``, named by code) for a province benchmark. Each county after the first registers
    ``shared_per_county`` daughters of the previous county as wives, so the province holds people registered in two
    counties: both records carry a ``duplicate_id_across_counties`` problem (the earlier county's manifest is
    rewritten). ``progress`` is called with each county once written. Raises ``ValueError`` for more counties than
    known codes (25).
    """
    codes = list(nm.HUBEI_COUNTIES)
    if counties > len(codes):
        raise ValueError(f"最多生成 {len(codes)} 个县")
    result: list[DemoCounty] = []
    previous: DemoCounty | None = None
    for code in codes[:counties]:
        shared = previous.emigrants[:shared_per_county] if previous else []
        county = generate_county(
            Path(out_dir) / code, households=households, seed=seed, county_code=code, data_year=data_year,
            problems=problems, departments=departments, villages=villages, fmt=fmt, shared_people=shared,
        )
        if previous and county.shared_in:
            for person in county.shared_in:
                previous.problems.append(Problem(
                    "duplicate_id_across_counties", person.household_no, person.member_no,
                    f"该成员同时登记在县 {code}（作为配偶），证件号码相同",
                ))
            previous.write_manifest()
        if progress:
            progress(county)
        result.append(county)
        previous = county
    return result
