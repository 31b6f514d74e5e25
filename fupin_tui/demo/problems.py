"""The deliberate data problems the demo generator plants, one planter per kind.

``PROBLEM_KINDS`` maps each stable kind id to (family, Chinese summary). Families follow the rulebook of issue 3
(identity, structure, age_school_labour, income, attributes, two_assurances, relocation, contact), the department
comparison of issue 5 (clue, kinds prefixed ``clue_``) and the village / project checks of issue 8 (village,
project). Each planter changes as little as possible so that the problem triggers its own rule and, as far as the
data allow, no other; identity problems go to households that are on no department list, so the lists keep the
right numbers. Pairs and groups (a duplicated ID, a shared phone) are recorded once per record.

A planter returns False when the county has no place for it (a tiny county); in counties of 100 households or more
every kind is planted at least once (household-level kinds ``households // 2000`` times, village and project kinds a
quarter of that, at least once).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date

from fupin_tui import glossary as g
from fupin_tui.demo.generator import (
    EXIT_LINE,
    ORDINARY_LINE,
    SHARED_PHONE_GROUP,
    Builder,
    Household,
    Member,
    Project,
    Village,
    check_digit,
    to_15_digit,
)
from fupin_tui.demo import names as nm

#: kind → (family, Chinese summary). Order: the planting order (kinds that rewrite a household's income come first,
#: so they get fresh households).
PROBLEM_KINDS: dict[str, tuple[str, str]] = {
    # income problems that regenerate a household's income (fresh households only)
    "lifted_below_line": ("income", f"已脱贫/预脱贫户人均纯收入低于 {EXIT_LINE} 元"),
    "ordinary_above_line": ("income", f"未脱贫一般贫困户人均纯收入高于 {ORDINARY_LINE} 元"),
    "subsistence_without_allowance": ("income", "低保贫困户低保金为 0"),
    "five_guarantee_without_allowance": ("income", "五保贫困户五保金为 0"),
    "five_guarantee_able_member": ("attributes", "五保贫困户有劳动年龄内的普通/技能劳动力"),
    "five_guarantee_too_many": ("attributes", "五保贫困户人数超过 2 人"),
    "school_age_out_of_school_lifted": ("two_assurances", "已脱贫户有 6–15 岁学龄儿童非在校"),
    # identity
    "bad_check_digit": ("identity", "证件号码校验位错误"),
    "bad_birth_date": ("identity", "证件号码中的出生日期不存在"),
    "birth_after_data_year": ("identity", "出生日期晚于数据年度"),
    "implausible_age": ("identity", "年龄不合理（超过 115 岁）"),
    "duplicate_id_across_households": ("identity", "同一证件号码登记在两户"),
    "duplicate_id_within_household": ("identity", "同一户内两名成员证件号码相同"),
    "id_15_digit": ("identity", "证件号码为 15 位旧号码"),
    "id_excel_corrupted": ("identity", "证件号码被 Excel 损坏（数值存储、科学计数法）"),
    "duplicate_id_across_counties": ("identity", "同一证件号码登记在两个县"),
    # household structure
    "two_heads": ("structure", "一户有两个户主"),
    "no_head": ("structure", "一户没有户主"),
    "two_spouses": ("structure", "一户有两个配偶"),
    "spouse_same_sex": ("structure", "户主与配偶性别相同"),
    "relation_sex": ("structure", "与户主关系与性别不符"),
    "size_mismatch": ("structure", "花名册人数与成员行数不符"),
    "generation_gap": ("structure", "子女与户主年龄差过小"),
    "household_without_members": ("structure", "收入表中的户在花名册中没有成员"),
    # age, school, labour
    "preschool_too_old": ("age_school_labour", "7 岁以上仍为学龄前儿童"),
    "school_status_age": ("age_school_labour", "在校生状况与年龄不符"),
    "child_labour": ("age_school_labour", "16 岁以下有劳动技能"),
    "child_migrant_work": ("age_school_labour", "16 岁以下有务工状况"),
    "work_months_range": ("age_school_labour", "务工时间超过 12 个月"),
    "able_no_labour": ("age_school_labour", "16–59 岁健康非在校生为无劳动力"),
    # income
    "income_identity": ("income", "年收入不等于四项收入之和"),
    "transfer_identity": ("income", "转移性收入不等于六项之和"),
    "net_identity": ("income", "纯收入不等于年收入减生产经营性支出"),
    "per_capita_identity": ("income", "人均纯收入不等于纯收入除以人数"),
    "declared_size_mismatch": ("income", "家庭人口数与成员行数不符"),
    "negative_amount": ("income", "收入项为负数"),
    "roster_income_mismatch": ("income", "花名册人均纯收入与收入表不符"),
    # attributes
    "disability_cause_no_disabled": ("attributes", "致贫原因为因残但无残疾成员"),
    "illness_cause_no_sick": ("attributes", "致贫原因为因病但无患病成员"),
    "missing_cause": ("attributes", "主要致贫原因为空"),
    "unknown_label": ("attributes", "代码表以外的取值"),
    # two assurances, three guarantees (lifted households)
    "lifted_dilapidated": ("two_assurances", "已脱贫户仍为危房户"),
    "lifted_unsafe_water": ("two_assurances", "已脱贫户饮水不安全"),
    "lifted_no_medical": ("two_assurances", "已脱贫户有成员未参加大病医疗"),
    # relocation, contact
    "relocation_no_task": ("relocation", "无易地扶贫搬迁任务的县有搬迁户"),
    "bad_phone": ("contact", "联系电话不是有效手机号"),
    "shared_phone": ("contact", f"同一联系电话登记在 {SHARED_PHONE_GROUP} 户"),
    # department clues
    "clue_dead_registered": ("clue", "公安登记死亡但仍在册"),
    "clue_moved_out_registered": ("clue", "公安登记迁出但仍在册"),
    "clue_public_employee": ("clue", "财政供养人员在册"),
    "clue_vehicle_owner": ("clue", "有机动车（价格高于 3 万元）"),
    "clue_company_owner": ("clue", "工商登记企业法定代表人"),
    "clue_urban_pension": ("clue", "领取城镇企业职工养老金"),
    "clue_subsistence_in_ordinary": ("clue", "民政农村低保对象所在户为一般贫困户"),
    "clue_subsistence_missing": ("clue", "低保贫困户无成员在民政低保名单"),
    "clue_disabled_no_certificate": ("clue", "健康状况为残疾但无残联证"),
    "clue_certificate_healthy": ("clue", "持残疾人证但健康状况为健康"),
    "clue_housing_not_listed": ("clue", "危房户不在住建危房改造名单"),
    "clue_housing_not_flagged": ("clue", "在住建危房改造名单但危房户为否"),
    "clue_name_mismatch": ("clue", "民政名单证件号码相同但姓名不同"),
    "clue_id_typo": ("clue", "民政名单同村同名、证件号码差一位"),
    # villages and projects
    "village_poor_without_hamlets": ("village", "贫困村没有自然村信息"),
    "village_delisted_unlifted": ("village", "摘帽村仍有大量未脱贫户"),
    "village_count_mismatch": ("village", "行政村贫困户数与花名册不符"),
    "village_party_count_mismatch": ("village", "行政村党员数与组织部名单不符"),
    "village_official_registered": ("village", "大学生村官登记为贫困人口"),
    "project_parts_sum": ("project", "项目各项资金之和不等于总投资"),
    "project_no_special_funds": ("project", "项目无财政专项扶贫资金"),
    "project_beneficiary_unregistered": ("project", "受益户不是本年度建档立卡户"),
    "project_duplicate_beneficiary": ("project", "同一户在一个项目中重复列出"),
}

Planter = Callable[[Builder, random.Random, int], bool]


def _plain(m: Member) -> bool:
    """A member whose ID is still a clean 18-character text."""
    return isinstance(m.id_number, str) and len(m.id_number) == 18


def _lifted_ordinary(h: Household) -> bool:
    return h.lifted and h.household_type == g.ORDINARY


def _income_ok(b: Builder, h: Household, test: Callable[[int], bool], tries: int, **kwargs) -> bool:
    for _ in range(tries):
        b.assign_income(b.rng_prob, h, **kwargs)
        if test(h.income["per_capita_net_income"]):
            return True
    return False


# ---------------------------------------------------------------------------------------------- income rewrites


def _lifted_below_line(b: Builder, rng: random.Random, i: int) -> bool:
    h = b.pick_household(rng, _lifted_ordinary, fresh_only=True)
    if h is None or not _income_ok(b, h, lambda pc: pc < EXIT_LINE, 5, pc_range=(EXIT_LINE - 700, EXIT_LINE - 150)):
        return False
    b.problem("lifted_below_line", h, None, f"已脱贫户人均纯收入 {h.income['per_capita_net_income']} 元，低于 {EXIT_LINE} 元")
    return True


def _ordinary_above_line(b: Builder, rng: random.Random, i: int) -> bool:
    h = b.pick_household(rng, lambda h: not h.lifted and h.household_type == g.ORDINARY, fresh_only=True)
    if h is None or not _income_ok(b, h, lambda pc: pc > ORDINARY_LINE, 5,
                                   pc_range=(ORDINARY_LINE + 200, EXIT_LINE - 100)):
        return False
    b.problem("ordinary_above_line", h, None,
              f"未脱贫一般贫困户人均纯收入 {h.income['per_capita_net_income']} 元，高于 {ORDINARY_LINE} 元")
    return True


def _zero_subsistence(b: Builder, h: Household, rng: random.Random) -> str:
    b.assign_income(rng, h, zero_subsistence=True)
    return "低保贫困户的低保金为 0"


def _zero_five_guarantee(b: Builder, h: Household, rng: random.Random) -> str:
    b.assign_income(rng, h, zero_five=True)
    return "五保贫困户的五保金为 0"


def _working_able(m: Member) -> bool:
    return 16 <= m.age <= 59 and m.labour in g.ABLE_LABOUR


def _five_guarantee_able_member(b: Builder, rng: random.Random, i: int) -> bool:
    h = b.pick_household(rng, lambda h: h.household_type == g.ORDINARY and len(h.members) <= 2
                         and any(_working_able(m) for m in h.members), fresh_only=True)
    if h is None:
        return False
    h.household_type = g.FIVE_GUARANTEE
    b.assign_income(rng, h)
    m = next(m for m in h.members if _working_able(m))
    b.problem("five_guarantee_able_member", h, m, f"五保贫困户成员 {m.age} 岁，劳动技能为{m.labour}")
    return True


def _five_guarantee_too_many(b: Builder, rng: random.Random, i: int) -> bool:
    h = b.pick_household(rng, lambda h: h.household_type != g.FIVE_GUARANTEE and len(h.members) >= 3
                         and all(m.age < 16 or m.age >= 60 for m in h.members), fresh_only=True)
    if h is None:
        return False
    h.household_type = g.FIVE_GUARANTEE
    for m in h.members:
        if m.age >= 16:
            m.labour = "无劳动力" if m.health == g.HEALTHY else "丧失劳动力"
            m.work_status = m.work_months = None
    b.assign_income(rng, h)
    b.problem("five_guarantee_too_many", h, None, f"五保贫困户有 {len(h.members)} 名成员")
    return True


def _school_age_out_of_school_lifted(b: Builder, rng: random.Random, i: int) -> bool:
    def child(m: Member) -> bool:
        return 7 <= m.age <= 14 and m.student

    h = b.pick_household(rng, lambda h: h.lifted and any(child(m) for m in h.members), fresh_only=True)
    if h is None:
        h = b.pick_household(rng, lambda h: any(child(m) for m in h.members) and h.household_type != g.FIVE_GUARANTEE,
                             fresh_only=True)
        if h is None:
            return False
        b.make_lifted(rng, h)
    m = next(m for m in h.members if child(m))
    m.school = g.NOT_IN_SCHOOL
    b.problem("school_age_out_of_school_lifted", h, m, f"已脱贫户 {m.age} 岁成员为非在校生")
    return True


# ---------------------------------------------------------------------------------------------- identity


def _bad_check_digit(b: Builder, rng: random.Random, i: int) -> bool:
    m = b.pick_member(rng, _plain, quiet=True)
    if m is None:
        return False
    right = m.id_number[17]
    m.id_number = m.id_number[:17] + rng.choice([c for c in "0123456789X" if c != right])
    b.problem("bad_check_digit", m.household, m, "证件号码第 18 位校验码与前 17 位不符")
    return True


def _bad_birth_date(b: Builder, rng: random.Random, i: int) -> bool:
    m = b.pick_member(rng, lambda m: _plain(m) and m.age >= 1, quiet=True)
    if m is None:
        return False
    year = m.birth.year
    month_day = rng.choice(("0230", "0231", "0431", "1301", "0015", "1132"))
    body = f"{b.region_for(year)}{year}{month_day}{m.id_number[14:17]}"
    m.id_number = body + check_digit(body)
    b.problem("bad_birth_date", m.household, m, "证件号码中的出生日期不存在（校验码正确）")
    return True


def _birth_after_data_year(b: Builder, rng: random.Random, i: int) -> bool:
    m = b.pick_member(rng, lambda m: _plain(m) and m.age <= 2, quiet=True)
    if m is None:
        return False
    birth = date(b.data_year + 1, rng.randint(1, 6), rng.randint(1, 28))
    m.id_number = b.new_id(rng, m.sex, birth)
    b.problem("birth_after_data_year", m.household, m, f"出生于 {birth.year} 年，晚于数据年度 {b.data_year}")
    return True


def _implausible_age(b: Builder, rng: random.Random, i: int) -> bool:
    m = b.pick_member(rng, lambda m: _plain(m) and m.age >= 70, quiet=True)
    if m is None:
        return False
    age = rng.randint(118, 122)
    birth = b.birth_for_age(rng, age)
    m.id_number = b.new_id(rng, m.sex, birth)
    b.problem("implausible_age", m.household, m, f"按证件号码年龄 {age} 岁")
    return True


def _duplicate_id_across_households(b: Builder, rng: random.Random, i: int) -> bool:
    for _attempt in range(30):
        a = b.pick_member(rng, _plain, quiet=True)
        if a is None:
            return False
        other = b.pick_member(rng, lambda m: _plain(m) and m.sex == a.sex and m.birth.year == a.birth.year
                              and m.household is not a.household, quiet=True)
        if other is not None:
            break
        a.household.touched = False  # no partner of the same sex and birth year: try another member
    else:
        return False
    other.name, other.id_number = a.name, a.id_number
    for m, partner in ((a, other), (other, a)):
        b.problem("duplicate_id_across_households", m.household, m,
                  f"证件号码与 {partner.household.household_no} 户的 {partner.member_no} 相同")
    return True


def _duplicate_id_within_household(b: Builder, rng: random.Random, i: int) -> bool:
    def pair(h: Household) -> tuple[Member, Member] | None:
        for relation in ("之子", "之女"):
            sibs = [m for m in h.members if m.relation == relation and m.age >= 18 and not m.student and _plain(m)]
            if len(sibs) >= 2:
                return sibs[0], sibs[1]
        return None

    h = b.pick_household(rng, lambda h: pair(h) is not None, quiet=True)
    if h is None:
        return False
    first, second = pair(h)
    second.id_number, second.birth, second.age = first.id_number, first.birth, first.age
    for m, partner in ((first, second), (second, first)):
        b.problem("duplicate_id_within_household", h, m, f"证件号码与同户成员 {partner.member_no} 相同")
    return True


def _id_15_digit(b: Builder, rng: random.Random, i: int) -> bool:
    m = b.pick_member(rng, lambda m: _plain(m) and 1920 <= m.birth.year <= 1984, quiet=True)
    if m is None:
        return False
    m.id_number = to_15_digit(m.id_number)
    b.problem("id_15_digit", m.household, m, "证件号码为 15 位旧号码，未升位")
    return True


def _id_excel_corrupted(b: Builder, rng: random.Random, i: int) -> bool:
    m = b.pick_member(rng, _plain, quiet=True)
    if m is None:
        return False
    if i % 2 == 0:
        m.id_number = int(m.id_number[:15] + "000")  # a number cell: Excel kept 15 significant digits
        how = "以数值存储，后 3 位变为 0"
    else:
        m.id_number = f"{float(m.id_number[:17]):.5E}"  # text of the scientific notation, as after a CSV round trip
        how = "为科学计数法文本"
    b.problem("id_excel_corrupted", m.household, m, f"证件号码被 Excel 损坏：{how}")
    return True


# ---------------------------------------------------------------------------------------------- structure


def _spouse(h: Household) -> Member | None:
    return next((m for m in h.members if m.relation == g.SPOUSE), None)


def _two_heads(b: Builder, rng: random.Random, i: int) -> bool:
    h = b.pick_household(rng, lambda h: _spouse(h) is not None)
    if h is None:
        return False
    m = _spouse(h)
    m.relation = g.HEAD
    b.problem("two_heads", h, m, "配偶的与户主关系填为户主，一户两个户主")
    return True


def _no_head(b: Builder, rng: random.Random, i: int) -> bool:
    h = b.pick_household(rng, lambda h: len(h.members) >= 2 and h.members[0].relation == g.HEAD)
    if h is None:
        return False
    h.members[0].relation = "其他"
    b.problem("no_head", h, h.members[0], "户主的与户主关系填为其他，一户没有户主")
    return True


def _two_spouses(b: Builder, rng: random.Random, i: int) -> bool:
    def extra(h: Household) -> Member | None:
        s = _spouse(h)
        if s is None:
            return None
        return next((m for m in h.members if m.relation not in (g.HEAD, g.SPOUSE) and m.sex == s.sex
                     and m.age >= 18), None)

    h = b.pick_household(rng, lambda h: extra(h) is not None)
    if h is None:
        return False
    m = extra(h)
    old = m.relation
    m.relation = g.SPOUSE
    b.problem("two_spouses", h, m, f"成员（原为{old}）的与户主关系填为配偶，一户两个配偶")
    return True


def _spouse_same_sex(b: Builder, rng: random.Random, i: int) -> bool:
    h = b.pick_household(rng, lambda h: _spouse(h) is not None and _plain(_spouse(h)))
    if h is None:
        return False
    m = _spouse(h)
    body = m.id_number[:17]
    seq = int(body[14:17])
    for candidate in (seq ^ 1, seq + 1, seq - 1, seq + 3, seq - 3):
        new = f"{body[:14]}{candidate % 1000:03d}"
        if candidate % 2 != seq % 2 and new not in b.used_bodies:
            break
    b.used_bodies.add(new)
    m.id_number = new + check_digit(new)
    b.problem("spouse_same_sex", h, m, "按证件号码配偶与户主同为" + ("男" if int(new[16]) % 2 else "女") + "性")
    return True


_RELATION_SWAP = {"之子": "之女", "之女": "之子", "之孙子": "之孙女", "之孙女": "之孙子"}


def _relation_sex(b: Builder, rng: random.Random, i: int) -> bool:
    m = b.pick_member(rng, lambda m: m.relation in _RELATION_SWAP)
    if m is None:
        return False
    old = m.relation
    m.relation = _RELATION_SWAP[old]
    b.problem("relation_sex", m.household, m, f"与户主关系为{m.relation}，按证件号码性别应为{old}")
    return True


def _size_mismatch(b: Builder, rng: random.Random, i: int) -> bool:
    h = b.pick_household(rng, lambda h: True)
    if h is None:
        return False
    n = len(h.members)
    h.roster_size = n + 1 if n == 1 or rng.random() < 0.5 else n - 1
    b.problem("size_mismatch", h, None, f"花名册人数填 {h.roster_size}，实有成员 {n} 行")
    return True


def _generation_gap(b: Builder, rng: random.Random, i: int) -> bool:
    def child(h: Household) -> Member | None:
        if h.members[0].relation != g.HEAD or h.members[0].age < 48:
            return None
        return next((m for m in h.members if m.relation in ("之子", "之女") and m.age >= 22 and not m.student
                     and _plain(m)), None)

    h = b.pick_household(rng, lambda h: child(h) is not None)
    if h is None:
        return False
    m = child(h)
    gap = rng.randint(8, 12)
    m.age = h.members[0].age - gap
    m.birth = b.birth_for_age(rng, m.age)
    m.id_number = b.new_id(rng, m.sex, m.birth)
    b.problem("generation_gap", h, m, f"{m.relation}仅比户主小 {gap} 岁")
    return True


def _household_without_members(b: Builder, rng: random.Random, i: int) -> bool:
    serial = b.id_offset + b.n_households + 1 + len(b.extra_income_households)
    h = b.new_extra_household(rng, serial)
    b.extra_income_households.append(h)
    b.problem("household_without_members", h, None, "收入表有此户，花名册中没有任何成员")
    return True


# ---------------------------------------------------------------------------------------------- age, school, labour


def _member_change(kind: str, pred: Callable[[Member], bool],
                   change: Callable[[Member, random.Random], str]) -> Planter:
    def planter(b: Builder, rng: random.Random, i: int) -> bool:
        m = b.pick_member(rng, pred)
        if m is None:
            return False
        b.problem(kind, m.household, m, change(m, rng))
        return True

    return planter


def _set(m: Member, **values: object) -> None:
    for k, v in values.items():
        setattr(m, k, v)


def _preschool_too_old(m: Member, rng: random.Random) -> str:
    m.education = g.PRESCHOOL
    return f"{m.age} 岁，文化程度为学龄前儿童"


def _school_status_age(m: Member, rng: random.Random) -> str:
    m.school = "高中一年级"
    return f"{m.age} 岁，在校生状况为高中一年级"


def _child_labour(m: Member, rng: random.Random) -> str:
    m.labour = "普通劳动力"
    return f"{m.age} 岁，劳动技能为普通劳动力"


def _child_migrant_work(m: Member, rng: random.Random) -> str:
    _set(m, work_status="省外务工", work_months=rng.randint(3, 10))
    return f"{m.age} 岁，务工状况为省外务工 {m.work_months} 个月"


def _work_months_range(m: Member, rng: random.Random) -> str:
    m.work_months = rng.choice((13, 14, 15, 18))
    return f"务工时间 {m.work_months} 个月，超过 12"


def _able_no_labour(m: Member, rng: random.Random) -> str:
    _set(m, labour="无劳动力", work_status=None, work_months=None)
    return f"{m.age} 岁、健康、非在校，劳动技能为无劳动力"


# ---------------------------------------------------------------------------------------------- income (no rewrite)


def _household_change(kind: str, pred: Callable[[Household], bool],
                      change: Callable[[Builder, Household, random.Random], str], *,
                      fresh_only: bool = False) -> Planter:
    def planter(b: Builder, rng: random.Random, i: int) -> bool:
        h = b.pick_household(rng, pred, fresh_only=fresh_only)
        if h is None:
            return False
        b.problem(kind, h, None, change(b, h, rng))
        return True

    return planter


def _income_identity(b: Builder, h: Household, rng: random.Random) -> str:
    key = "wage_income" if h.income["wage_income"] > 0 else "business_income"
    h.income[key] += rng.randint(3, 9) * 100
    return f"{'工资性收入' if key == 'wage_income' else '生产经营性收入'}多填，年收入 ≠ 四项之和"


def _transfer_identity(b: Builder, h: Household, rng: random.Random) -> str:
    h.income["other_transfer_income"] += rng.choice((200, 300, 500))
    return "其他转移性收入多填，转移性收入 ≠ 六项之和"


def _net_identity(b: Builder, h: Household, rng: random.Random) -> str:
    h.income["business_expense"] += rng.randint(2, 6) * 100
    return "生产经营性支出多填，纯收入 ≠ 年收入 − 支出"


def _away_from_lines(h: Household, delta: int) -> int:
    return delta if h.lifted else -delta


def _per_capita_identity(b: Builder, h: Household, rng: random.Random) -> str:
    pc = h.income["per_capita_net_income"] + _away_from_lines(h, rng.randint(150, 300))
    h.income["per_capita_net_income"] = h.roster_pc = pc
    return f"人均纯收入填 {pc} 元，不等于纯收入 ÷ {len(h.members)} 人"


def _declared_size_mismatch(b: Builder, h: Household, rng: random.Random) -> str:
    n = len(h.members)
    h.declared_size = n + 1 if n == 1 or rng.random() < 0.5 else n - 1
    return f"收入表家庭人口数 {h.declared_size}，成员 {n} 行"


def _negative_amount(b: Builder, h: Household, rng: random.Random) -> str:
    neg = -rng.randint(1, 5) * 100
    h.income["business_income"] += h.income["property_income"] - neg
    h.income["property_income"] = neg
    return f"财产性收入为 {neg} 元"


def _roster_income_mismatch(b: Builder, h: Household, rng: random.Random) -> str:
    h.roster_pc = h.income["per_capita_net_income"] + _away_from_lines(h, rng.randint(100, 300))
    return f"花名册人均纯收入 {h.roster_pc} 元，收入表 {h.income['per_capita_net_income']} 元"


# ---------------------------------------------------------------------------------------------- attributes


def _disability_cause(b: Builder, h: Household, rng: random.Random) -> str:
    h.main_cause = "因残"
    return "致贫原因为因残，成员中无残疾"


def _illness_cause(b: Builder, h: Household, rng: random.Random) -> str:
    h.main_cause = "因病"
    return "致贫原因为因病，成员中无长期慢性病或大病"


def _missing_cause(b: Builder, h: Household, rng: random.Random) -> str:
    h.main_cause = None
    return "主要致贫原因为空"


def _unknown_label(b: Builder, rng: random.Random, i: int) -> bool:
    if i % 2 == 0:
        m = b.pick_member(rng, lambda m: 18 <= m.age <= 40 and not m.student)
        if m is None:
            return False
        m.education = "中专"
        text = "文化程度为“中专”，不在代码表中"
    else:
        m = b.pick_member(rng, lambda m: m.health == g.HEALTHY and m.age >= 16)
        if m is None:
            return False
        m.health = "良好"
        text = "健康状况为“良好”，不在代码表中"
    b.problem("unknown_label", m.household, m, text)
    return True


# ---------------------------------------------------------------------------------------------- two assurances


def _lifted_dilapidated(b: Builder, h: Household, rng: random.Random) -> str:
    h.dilapidated = g.YES
    return "已脱贫户危房户为是"


def _lifted_unsafe_water(b: Builder, h: Household, rng: random.Random) -> str:
    h.water_safe, h.water_difficulty = g.NO, g.YES
    return "已脱贫户饮水安全为否"


def _lifted_no_medical(b: Builder, rng: random.Random, i: int) -> bool:
    h = b.pick_household(rng, lambda h: h.lifted)
    if h is None:
        return False
    m = rng.choice(h.members)
    m.medical = g.NO
    b.problem("lifted_no_medical", h, m, "已脱贫户成员参加大病医疗为否")
    return True


# ---------------------------------------------------------------------------------------------- relocation, contact


def _relocation(b: Builder, h: Household, rng: random.Random) -> str:
    h.relocation = g.YES
    return "易地扶贫搬迁户为是，本县无搬迁任务"


def _mobile(h: Household) -> bool:
    return h.phone.startswith("1")


def _bad_phone(b: Builder, h: Household, rng: random.Random) -> str:
    variant = rng.randrange(3)
    if variant == 0:
        h.phone = h.phone[:-1]
        return "联系电话只有 10 位"
    if variant == 1:
        h.phone = "12" + h.phone[2:]
        return "联系电话以 12 开头"
    h.phone = h.phone + str(rng.randrange(10))
    return "联系电话有 12 位"


def _shared_phone(b: Builder, rng: random.Random, i: int) -> bool:
    group: list[Household] = []
    for _ in range(SHARED_PHONE_GROUP):
        h = b.pick_household(rng, lambda h: _mobile(h) and h not in group)
        if h is None:
            return False
        group.append(h)
    phone = group[0].phone
    for h in group:
        h.phone = phone
    for h in group:
        others = "、".join(o.household_no for o in group if o is not h)
        b.problem("shared_phone", h, None, f"联系电话与 {others} 户相同")
    return True


# ---------------------------------------------------------------------------------------------- department clues


def _clue(kind: str, pred: Callable[[Member], bool], action: Callable[[Builder, Member, random.Random, int], str],
          household: Callable[[Household], bool] = lambda h: True) -> Planter:
    def planter(b: Builder, rng: random.Random, i: int) -> bool:
        if not b.with_departments:
            return False
        m = b.pick_member(rng, lambda m: _plain(m) and pred(m), household=household)
        if m is None:
            return False
        b.problem(kind, m.household, m, action(b, m, rng, i))
        return True

    return planter


def _police(status: str) -> Callable[[Builder, Member, random.Random, int], str]:
    def action(b: Builder, m: Member, rng: random.Random, i: int) -> str:
        shown = m.id_number
        old = i % 2 == 0 and 1900 <= m.birth.year <= 1984
        if old:
            shown = to_15_digit(m.id_number)
        b.dept_extra["public_security"].append((m.name, shown, m.sex, m.ethnicity, status, b.change_date(rng)))
        return f"公安人口状态为{status}" + ("（公安名单为 15 位旧号码）" if old else "") + "，仍在册"

    return action


def _staff(b: Builder, m: Member, rng: random.Random, i: int) -> str:
    b.dept_extra["staffing"].append((m.name, m.id_number, f"{b.county_name}教育局", "事业编制"))
    return "在财政供养人员名单中"


def _vehicle(b: Builder, m: Member, rng: random.Random, i: int) -> str:
    price = rng.randint(50, 200) * 1000
    b.dept_extra["vehicles"].append(b.vehicle_row(rng, m.name, m.id_number, price, cheap=False))
    return f"公安交管登记机动车，购置价格 {price} 元"


def _company(b: Builder, m: Member, rng: random.Random, i: int) -> str:
    b.dept_extra["market"].append(b.company_row(rng, m.name, m.id_number))
    return "工商登记为企业法定代表人"


def _pension(b: Builder, m: Member, rng: random.Random, i: int) -> str:
    b.dept_extra["social_security"].append(b.pension_row(rng, m.name, m.id_number))
    return "领取城镇企业职工基本养老金"


def _civil_in_ordinary(b: Builder, m: Member, rng: random.Random, i: int) -> str:
    v = m.household.village
    b.dept_extra["civil_affairs"].append((m.name, m.id_number, "农村低保", v.township, v.name))
    return "在民政农村低保名单中，所在户为一般贫困户"


def _certificate_healthy(b: Builder, m: Member, rng: random.Random, i: int) -> str:
    b.dept_extra["disability"].append(b.certificate_row(m.name, m.id_number, ("4", "4")))
    return "持残疾人证（肢体四级），健康状况为健康"


def _altered_name(rng: random.Random, m: Member) -> str:
    while True:
        if "·" in m.name:
            name = nm.minority_name(rng, "维吾尔族", m.sex)
        else:
            name = m.name[0] + nm.given_name(rng, m.sex, m.birth.year)
        if name != m.name:
            return name


def _name_mismatch(b: Builder, m: Member, rng: random.Random, i: int) -> str:
    b.civil_replace[m.member_no] = (_altered_name(rng, m), m.id_number)
    return "民政名单中证件号码相同、姓名不同"


def _id_typo(b: Builder, m: Member, rng: random.Random, i: int) -> str:
    while True:
        pos = rng.randint(14, 16)
        digit = rng.choice([c for c in "0123456789" if c != m.id_number[pos]])
        typo = m.id_number[:pos] + digit + m.id_number[pos + 1:]
        if typo[:17] not in b.used_bodies:
            break
    b.civil_replace[m.member_no] = (m.name, typo)
    return f"民政名单中同村同名，证件号码第 {pos + 1} 位不同"


def _household_clue(kind: str, pred: Callable[[Household], bool],
                    action: Callable[[Builder, Household, random.Random], str]) -> Planter:
    """:func:`_household_change` for a clue: planted only when the department lists are generated."""
    change = _household_change(kind, pred, action)

    def planter(b: Builder, rng: random.Random, i: int) -> bool:
        return b.with_departments and change(b, rng, i)

    return planter


def _subsistence_missing(b: Builder, h: Household, rng: random.Random) -> str:
    b.civil_omit.add(h.household_no)
    return "低保贫困户的成员都不在民政低保名单中"


def _housing_not_listed(b: Builder, h: Household, rng: random.Random) -> str:
    b.housing_omit.add(h.household_no)
    return "危房户为是，不在住建危房改造名单中"


def _housing_not_flagged(b: Builder, h: Household, rng: random.Random) -> str:
    b.dept_extra["housing"].append(b.housing_row(rng, h.head.name, h.head.id_number))
    return "在住建危房改造名单中（未改造），危房户为否"


def _disabled_no_certificate(b: Builder, rng: random.Random, i: int) -> bool:
    if not b.with_departments:
        return False
    m = b.pick_member(rng, lambda m: m.health == g.DISABLED and _plain(m))
    if m is None:
        return False
    b.disability_omit.add(m.member_no)
    b.problem("clue_disabled_no_certificate", m.household, m, "健康状况为残疾，残联名单中无此人")
    return True


def _subsistence_pair(h: Household) -> bool:
    return h.household_type == g.SUBSISTENCE and len(h.members) >= 2


# ---------------------------------------------------------------------------------------------- the household stage

_HOUSEHOLD_PLANTERS: dict[str, Planter] = {
    "lifted_below_line": _lifted_below_line,
    "ordinary_above_line": _ordinary_above_line,
    "subsistence_without_allowance": _household_change(
        "subsistence_without_allowance", lambda h: h.household_type == g.SUBSISTENCE, _zero_subsistence,
        fresh_only=True),
    "five_guarantee_without_allowance": _household_change(
        "five_guarantee_without_allowance", lambda h: h.household_type == g.FIVE_GUARANTEE, _zero_five_guarantee,
        fresh_only=True),
    "five_guarantee_able_member": _five_guarantee_able_member,
    "five_guarantee_too_many": _five_guarantee_too_many,
    "school_age_out_of_school_lifted": _school_age_out_of_school_lifted,
    "bad_check_digit": _bad_check_digit,
    "bad_birth_date": _bad_birth_date,
    "birth_after_data_year": _birth_after_data_year,
    "implausible_age": _implausible_age,
    "duplicate_id_across_households": _duplicate_id_across_households,
    "duplicate_id_within_household": _duplicate_id_within_household,
    "id_15_digit": _id_15_digit,
    "id_excel_corrupted": _id_excel_corrupted,
    "two_heads": _two_heads,
    "no_head": _no_head,
    "two_spouses": _two_spouses,
    "spouse_same_sex": _spouse_same_sex,
    "relation_sex": _relation_sex,
    "size_mismatch": _size_mismatch,
    "generation_gap": _generation_gap,
    "household_without_members": _household_without_members,
    "preschool_too_old": _member_change(
        "preschool_too_old", lambda m: 8 <= m.age <= 12 and m.school == "小学", _preschool_too_old),
    "school_status_age": _member_change(
        "school_status_age", lambda m: 7 <= m.age <= 9 and m.school == "小学", _school_status_age),
    "child_labour": _member_change("child_labour", lambda m: 8 <= m.age <= 15, _child_labour),
    "child_migrant_work": _member_change("child_migrant_work", lambda m: 12 <= m.age <= 15, _child_migrant_work),
    "work_months_range": _member_change("work_months_range", lambda m: m.work_status is not None, _work_months_range),
    "able_no_labour": _member_change(
        "able_no_labour", lambda m: 16 <= m.age <= 59 and m.health == g.HEALTHY and not m.student
        and m.labour in g.ABLE_LABOUR, _able_no_labour),
    "income_identity": _household_change("income_identity", lambda h: True, _income_identity),
    "transfer_identity": _household_change("transfer_identity", lambda h: True, _transfer_identity),
    "net_identity": _household_change("net_identity", lambda h: True, _net_identity),
    "per_capita_identity": _household_change("per_capita_identity", lambda h: True, _per_capita_identity),
    "declared_size_mismatch": _household_change("declared_size_mismatch", lambda h: True, _declared_size_mismatch),
    "negative_amount": _household_change("negative_amount", lambda h: True, _negative_amount),
    "roster_income_mismatch": _household_change("roster_income_mismatch", lambda h: True, _roster_income_mismatch),
    "disability_cause_no_disabled": _household_change(
        "disability_cause_no_disabled",
        lambda h: h.main_cause != "因残" and not any(m.health == g.DISABLED for m in h.members), _disability_cause),
    "illness_cause_no_sick": _household_change(
        "illness_cause_no_sick",
        lambda h: h.main_cause != "因病" and not any(m.health in g.SICK for m in h.members), _illness_cause),
    "missing_cause": _household_change("missing_cause", lambda h: True, _missing_cause),
    "unknown_label": _unknown_label,
    "lifted_dilapidated": _household_change("lifted_dilapidated", lambda h: h.lifted, _lifted_dilapidated),
    "lifted_unsafe_water": _household_change("lifted_unsafe_water", lambda h: h.lifted, _lifted_unsafe_water),
    "lifted_no_medical": _lifted_no_medical,
    "relocation_no_task": _household_change("relocation_no_task", lambda h: True, _relocation),
    "bad_phone": _household_change("bad_phone", _mobile, _bad_phone),
    "shared_phone": _shared_phone,
    "clue_dead_registered": _clue("clue_dead_registered", lambda m: 1920 <= m.birth.year <= 1984, _police("死亡")),
    "clue_moved_out_registered": _clue("clue_moved_out_registered", lambda m: m.age >= 18, _police("迁出")),
    "clue_public_employee": _clue("clue_public_employee", lambda m: 22 <= m.age <= 55, _staff),
    "clue_vehicle_owner": _clue("clue_vehicle_owner", lambda m: 20 <= m.age <= 60, _vehicle),
    "clue_company_owner": _clue("clue_company_owner", lambda m: 22 <= m.age <= 60, _company),
    "clue_urban_pension": _clue("clue_urban_pension", lambda m: m.age >= 60, _pension),
    "clue_subsistence_in_ordinary": _clue(
        "clue_subsistence_in_ordinary", lambda m: True, _civil_in_ordinary,
        household=lambda h: h.household_type == g.ORDINARY),
    "clue_subsistence_missing": _household_clue(
        "clue_subsistence_missing", lambda h: h.household_type == g.SUBSISTENCE, _subsistence_missing),
    "clue_disabled_no_certificate": _disabled_no_certificate,
    "clue_certificate_healthy": _clue(
        "clue_certificate_healthy", lambda m: m.health == g.HEALTHY, _certificate_healthy),
    "clue_housing_not_listed": _household_clue(
        "clue_housing_not_listed", lambda h: h.dilapidated == g.YES, _housing_not_listed),
    "clue_housing_not_flagged": _household_clue(
        "clue_housing_not_flagged", lambda h: h.dilapidated == g.NO and not h.lifted and _plain(h.head),
        _housing_not_flagged),
    "clue_name_mismatch": _clue(
        "clue_name_mismatch", lambda m: m.index > 1, _name_mismatch, household=_subsistence_pair),
    "clue_id_typo": _clue("clue_id_typo", lambda m: m.index > 1, _id_typo, household=_subsistence_pair),
}


def _per_kind(b: Builder) -> int:
    return max(1, b.n_households // 2000) if b.n_households >= 100 else 1


def plant_household_problems(b: Builder) -> None:
    """Plant every household- and member-level kind, and record the department clue directives."""
    rng = b.rng_prob
    count = _per_kind(b)
    for kind, planter in _HOUSEHOLD_PLANTERS.items():
        for i in range(count):
            if not planter(b, rng, i):
                break


# ---------------------------------------------------------------------------------------------- villages, projects


def _pick_village(b: Builder, rng: random.Random, pred: Callable[[Village], bool]) -> Village | None:
    candidates = [v for v in b.villages if pred(v)]
    fresh = [v for v in candidates if not v.touched]
    pool = fresh or (candidates if b.n_households >= 100 else [])
    if not pool:
        return None
    v = rng.choice(pool)
    v.touched = True
    return v


def _village_poor_without_hamlets(b: Builder, rng: random.Random, i: int) -> bool:
    v = _pick_village(b, rng, lambda v: v.poor and not v.omit_hamlets and not v.delisted)
    if v is None:
        return False
    v.omit_hamlets = True
    b.problem("village_poor_without_hamlets", None, None, "贫困村没有自然村信息", village=v)
    return True


def _village_delisted_unlifted(b: Builder, rng: random.Random, i: int) -> bool:
    def unlifted_share(v: Village) -> float:
        roster = [h for h in v.households if h.in_roster]
        return sum(1 for h in roster if not h.lifted) / len(roster) if roster else 0.0

    v = _pick_village(b, rng, lambda v: v.poor and not v.delisted and not v.omit_hamlets and unlifted_share(v) >= 0.5)
    if v is None:
        return False
    v.delisted = True
    b.problem("village_delisted_unlifted", None, None,
              f"{b.data_year} 年摘帽，{unlifted_share(v):.0%} 的贫困户未脱贫", village=v)
    return True


def _village_count_mismatch(b: Builder, rng: random.Random, i: int) -> bool:
    v = _pick_village(b, rng, lambda v: v.poor_households_delta == 0 and any(h.in_roster for h in v.households))
    if v is None:
        return False
    v.poor_households_delta = rng.choice((-1, 1, 2, 3))
    actual = sum(1 for h in v.households if h.in_roster)
    b.problem("village_count_mismatch", None, None,
              f"贫困户数填 {actual + v.poor_households_delta}，花名册 {actual} 户", village=v)
    return True


def _village_party_count_mismatch(b: Builder, rng: random.Random, i: int) -> bool:
    v = _pick_village(b, rng, lambda v: v.party_delta == 0)
    if v is None:
        return False
    v.party_delta = rng.choice((-3, -2, 2, 3, 5))
    b.problem("village_party_count_mismatch", None, None,
              f"党员数填 {len(v.party) + v.party_delta}，组织部名单 {len(v.party)} 人", village=v)
    return True


def _village_official_registered(b: Builder, rng: random.Random, i: int) -> bool:
    m = b.pick_member(rng, lambda m: _plain(m) and 21 <= m.age <= 35)
    if m is None:
        return False
    m.household.village.officials.append((m.name, m.id_number))
    b.problem("village_official_registered", m.household, m, "组织部名单中的大学生村官登记为贫困人口")
    return True


def _pick_project(b: Builder, rng: random.Random, used: set[str], pred: Callable[[Project], bool]) -> Project | None:
    pool = [p for p in b.projects if p.project_no not in used and pred(p)]
    if not pool:
        return None
    p = rng.choice(pool)
    used.add(p.project_no)
    return p


def plant_village_problems(b: Builder) -> None:
    """Plant the village- and project-level kinds (after the projects exist)."""
    rng = b.rng_prob
    count = max(1, _per_kind(b) // 4)
    for planter in (_village_poor_without_hamlets, _village_delisted_unlifted, _village_count_mismatch,
                    _village_party_count_mismatch, _village_official_registered):
        for i in range(count):
            if not planter(b, rng, i):
                break
    used: set[str] = set()
    for i in range(count):
        p = _pick_project(b, rng, used, lambda p: True)
        if p is None:
            break
        p.total_delta = rng.choice((-250, -100, 100, 300, 500))
        b.problem("project_parts_sum", None, None,
                  f"总投资与各项资金之和相差 {p.total_delta / 100:g} 万元", village=p.village, project=p)
    for i in range(count):
        p = _pick_project(b, rng, used, lambda p: True)
        if p is None:
            break
        p.parts = b.project_parts(rng, sum(p.parts), special=False)
        b.problem("project_no_special_funds", None, None, "财政专项扶贫资金（中央、省、市县）均为 0",
                  village=p.village, project=p)
    for i in range(count):
        p = _pick_project(b, rng, used, lambda p: True)
        if p is None:
            break
        bogus = b.household_no(b.id_offset + b.n_households + 10000 + i)
        p.beneficiaries.append(bogus)
        b.problem("project_beneficiary_unregistered", None, None, f"受益户编号 {bogus} 不是本年度建档立卡户",
                  village=p.village, project=p)
    for i in range(count):
        p = _pick_project(b, rng, used, lambda p: len(p.beneficiaries) >= 1)
        if p is None:
            break
        dup = rng.choice(p.beneficiaries)
        p.beneficiaries.append(dup)
        h = next(h for h in b.households if h.household_no == dup)
        b.problem("project_duplicate_beneficiary", h, None, "同一户在该项目受益户中出现两次", village=p.village, project=p)
