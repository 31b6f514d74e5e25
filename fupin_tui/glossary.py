"""One place for the vocabulary of 建档立卡 data: English identifiers ↔ Chinese labels, code lists, the issue taxonomy.

Every module that needs a code list, a field's Chinese label, a review status or a mark category imports it from here,
so the importer, the rulebook, the department comparison, the screens and the report all say the same thing.

Source: ``../shared/GLOSSARY.md`` (2015–2017 national-system exports) and the Hubei notice of February 2016 on
建档立卡 data quality (鄂扶贫发〔2016〕, "关于进一步做好扶贫对象动态管理和建档立卡数据质量核查工作的通知").
Exports carry labels, not codes: every list below is a tuple of labels as exported, in the system's order.

Terms added by this code base beyond the shared glossary (English identifier — 中文):

- ``finding`` — 疑点: one rule's hit on one record (household or member), from the rulebook.
- ``verdict`` — 核实结论: an inspector's decision on a finding (confirmed 属实 / dismissed 不属实) or a clue.
- ``mark`` — 问题标记: an issue an inspector records on a household (category, severity, note); what the grade counts.
- ``review status`` — 核查状态: 未核查 / 有问题 / 核查无误 of one sampled household.
- ``sample item`` — 样本户: one household drawn into the frozen sample.
- ``frame`` / ``frame hash`` — 抽样框 / 抽样框指纹: the ordered list of household numbers a sample was drawn from.
- ``action`` — 操作日志: one row of the append-only, hash-chained audit trail.
- ``rejected row`` — 拒收行: an input row that could not be placed at all (file, sheet, row, column, reason).
- ``import file`` — 导入文件: one sheet of one input file, with its sha256 and row accounting.
- ``department list`` / ``dept`` — 部门名单: a list from another department used for comparison (clues).
- ``certainty stratum`` — 必查层: households reviewed in full (severe findings, confirmed clues), reported apart.
"""

from __future__ import annotations

import functools
from enum import StrEnum
from pathlib import Path

# --------------------------------------------------------------------------------------------------------------------
# Review statuses, severities, the issue taxonomy (marks, rule categories and clue categories share it)
# --------------------------------------------------------------------------------------------------------------------


class ReviewStatus(StrEnum):
    """Review status of one sampled household (issue 2: 未核查, 有问题 = at least one mark, 核查无误)."""

    PENDING = "未核查"
    ISSUES = "有问题"
    CLEAN = "核查无误"


class Severity(StrEnum):
    """Severity of a mark or a rule: 一般 (minor) or 严重 (severe). Default grading weights 0.5 and 1."""

    MINOR = "一般"
    SEVERE = "严重"


#: The fixed issue taxonomy: English identifier → Chinese label (issue 2, mark dialog). Order is the display order.
CATEGORIES: dict[str, str] = {
    "identity": "身份信息错误",
    "member_info": "家庭成员信息错误",
    "income": "收入数据不实或不符逻辑",
    "attributes": "属性标识错误",
    "living_conditions": "生产生活条件不实",
    "eligibility": "不符合识别标准",
    "exit": "应退未退或错退",
    "missing": "信息缺失",
    "other": "其他",
}
CATEGORY_BY_LABEL: dict[str, str] = {label: key for key, label in CATEGORIES.items()}


def category_label(key: str) -> str:
    """Chinese label of a category identifier (``"income"`` → ``"收入数据不实或不符逻辑"``); unknown keys pass through."""
    return CATEGORIES.get(key, key)


def category_key(label_or_key: str) -> str:
    """Category identifier for a Chinese label or an identifier. Raises ``KeyError`` for anything else."""
    if label_or_key in CATEGORIES:
        return label_or_key
    return CATEGORY_BY_LABEL[label_or_key]


# --------------------------------------------------------------------------------------------------------------------
# Code lists (labels as exported)
# --------------------------------------------------------------------------------------------------------------------

SEX = ("男", "女")

RELATIONS = (
    "户主", "配偶", "之子", "之女", "之儿媳", "之女婿", "之孙子", "之孙女", "之外孙子", "之外孙女",
    "之父", "之母", "之岳父", "之岳母", "之公公", "之婆婆", "之祖父", "之祖母", "之外祖父", "之外祖母", "其他",
    # later exports
    "之兄弟姐妹", "之曾孙子", "之曾孙女", "之侄儿", "之侄女", "之兄弟媳妇", "之叔伯",
)
HEAD = "户主"
SPOUSE = "配偶"
#: Relations that imply the member's sex (issue 3: relation vs sex).
RELATION_SEX: dict[str, str] = {
    "之子": "男", "之女婿": "男", "之孙子": "男", "之外孙子": "男", "之父": "男", "之岳父": "男", "之公公": "男",
    "之祖父": "男", "之外祖父": "男", "之曾孙子": "男", "之侄儿": "男", "之叔伯": "男",
    "之女": "女", "之儿媳": "女", "之孙女": "女", "之外孙女": "女", "之母": "女", "之岳母": "女", "之婆婆": "女",
    "之祖母": "女", "之外祖母": "女", "之曾孙女": "女", "之侄女": "女", "之兄弟媳妇": "女",
}
#: Relations by generation relative to the head: -1 children (and their spouses), -2 grandchildren, +1 parents, +2 grandparents.
RELATION_GENERATION: dict[str, int] = {
    "之子": -1, "之女": -1, "之儿媳": -1, "之女婿": -1, "之侄儿": -1, "之侄女": -1,
    "之孙子": -2, "之孙女": -2, "之外孙子": -2, "之外孙女": -2,
    "之曾孙子": -3, "之曾孙女": -3,
    "之父": 1, "之母": 1, "之岳父": 1, "之岳母": 1, "之公公": 1, "之婆婆": 1, "之叔伯": 1,
    "之祖父": 2, "之祖母": 2, "之外祖父": 2, "之外祖母": 2,
}

ETHNICITIES = (
    "汉族", "蒙古族", "回族", "藏族", "维吾尔族", "苗族", "彝族", "壮族", "布依族", "朝鲜族", "满族", "侗族", "瑶族", "白族",
    "土家族", "哈尼族", "哈萨克族", "傣族", "黎族", "傈僳族", "佤族", "畲族", "高山族", "拉祜族", "水族", "东乡族", "纳西族",
    "景颇族", "柯尔克孜族", "土族", "达斡尔族", "仫佬族", "羌族", "布朗族", "撒拉族", "毛南族", "仡佬族", "锡伯族", "阿昌族",
    "普米族", "塔吉克族", "怒族", "乌孜别克族", "俄罗斯族", "鄂温克族", "德昂族", "保安族", "裕固族", "京族", "塔塔尔族",
    "独龙族", "鄂伦春族", "赫哲族", "门巴族", "珞巴族", "基诺族", "其他",
)

EDUCATION = ("文盲或半文盲", "小学", "初中", "高中", "大专及以上", "学龄前儿童")
PRESCHOOL = "学龄前儿童"

SCHOOL_STATUS = (
    "非在校生", "学前教育", "小学", "七年级", "八年级", "九年级", "高中一年级", "高中二年级", "高中三年级",
    "中职一年级", "中职二年级", "中职三年级", "高职一年级", "高职二年级", "高职三年级", "大专及以上",
)
NOT_IN_SCHOOL = "非在校生"

HEALTH = ("健康", "长期慢性病", "患有大病", "残疾")
HEALTHY = "健康"
SICK = ("长期慢性病", "患有大病")
DISABLED = "残疾"

LABOUR_SKILL = ("普通劳动力", "技能劳动力", "丧失劳动力", "无劳动力", "弱劳动力或半劳动力")
ABLE_LABOUR = ("普通劳动力", "技能劳动力")

WORK_STATUS = ("乡(镇)内务工", "乡(镇)外县内务工", "县外省内务工", "省外务工", "其他")

POLITICAL_STATUS = ("中共党员", "中共预备党员", "共青团员", "民主党派", "无党派民主人士", "群众")

MEMBER_STATUS = ("正常", "死亡", "转出", "转入", "减少", "删除", "清退")

ROAD_TYPES = ("泥土路", "砂石路", "水泥路", "沥青路")
FUEL_TYPES = ("柴草", "干畜粪", "煤炭", "清洁能源", "其他")

YES, NO = "是", "否"
YES_NO = (YES, NO)

IDENTIFICATION_STANDARDS = ("国家标准", "省定标准", "市定标准")

HOUSEHOLD_TYPES = ("一般贫困户", "低保贫困户", "五保贫困户")
#: Labels seen in exports that mean the same household type (normalised on import for stratification only).
HOUSEHOLD_TYPE_ALIASES = {"低保户": "低保贫困户", "五保户": "五保贫困户", "特困供养贫困户": "五保贫困户"}
ORDINARY = "一般贫困户"
SUBSISTENCE = "低保贫困户"
FIVE_GUARANTEE = "五保贫困户"

POVERTY_STATUS = ("未脱贫", "已脱贫", "预脱贫", "返贫")
NOT_LIFTED = "未脱贫"
LIFTED = ("已脱贫", "预脱贫")

MAIN_CAUSES = (
    "因病", "因残", "因学", "因灾", "缺土地", "缺水", "缺技术", "缺劳力", "缺资金", "交通条件落后", "自身发展动力不足", "其他",
)
OTHER_CAUSES = MAIN_CAUSES + ("因婚",)

DISABILITY_CATEGORIES = {"1": "视力", "2": "听力", "3": "言语", "4": "肢体", "5": "智力", "6": "精神", "7": "多重"}
DISABILITY_GRADES = {"1": "一级", "2": "二级", "3": "三级", "4": "四级"}

# --------------------------------------------------------------------------------------------------------------------
# Fields: English identifier → Chinese label (screens, report, finding messages, mark "field")
# --------------------------------------------------------------------------------------------------------------------

#: Member fields as shown to inspectors.
MEMBER_FIELDS: dict[str, str] = {
    "member_no": "人编号",
    "name": "姓名",
    "id_number": "证件号码",
    "sex": "性别",
    "age": "年龄",
    "relation": "与户主关系",
    "ethnicity": "民族",
    "education": "文化程度",
    "school_status": "在校生状况",
    "health": "健康状况",
    "labour_skill": "劳动技能",
    "work_status": "务工状况",
    "work_months": "务工时间（月）",
    "serious_illness_insurance": "参加大病医疗",
    "phone": "联系电话",
    "member_status": "人员状态",
}

#: Household fields as shown to inspectors (incomes in 元 per year, land in 亩, housing in 平方米).
HOUSEHOLD_FIELDS: dict[str, str] = {
    "household_no": "户编号",
    "head_name": "户主姓名",
    "head_id_number": "户主证件号码",
    "size": "人数",
    "declared_size": "家庭人口数",
    "identification_standard": "识别标准",
    "household_type": "贫困户属性",
    "poverty_status": "脱贫属性",
    "main_cause": "主要致贫原因",
    "other_causes": "其他致贫原因",
    "dilapidated_house": "危房户",
    "water_safe": "饮水安全",
    "water_difficulty": "饮水困难",
    "relocation": "易地扶贫搬迁户",
    "electricity": "通生活用电",
    "road_type": "入户路类型",
    "wage_income": "工资性收入",
    "business_income": "生产经营性收入",
    "property_income": "财产性收入",
    "transfer_income": "转移性收入",
    "family_planning_income": "计划生育金",
    "subsistence_income": "低保金",
    "five_guarantee_income": "五保金",
    "pension_income": "养老保险金",
    "ecological_income": "生态补偿金",
    "other_transfer_income": "其他转移性收入",
    "business_expense": "生产经营性支出",
    "annual_income": "年收入",
    "net_income": "纯收入",
    "per_capita_net_income": "人均纯收入",
    "roster_per_capita_income": "人均纯收入（花名册）",
    "arable_land": "耕地面积（亩）",
    "housing_area": "住房面积（㎡）",
    "phone": "联系电话",
}

#: The transfer-income parts (转移性收入 = Σ these), in 元 per year.
TRANSFER_PARTS = (
    "family_planning_income", "subsistence_income", "five_guarantee_income", "pension_income", "ecological_income",
    "other_transfer_income",
)
#: The annual-income parts (年收入 = Σ these), in 元 per year.
INCOME_PARTS = ("wage_income", "business_income", "property_income", "transfer_income")

#: Household columns a sample can be stratified by (``--by``), with their Chinese labels.
STRATIFY_COLUMNS: dict[str, str] = {
    "township": "乡(镇)",
    "village": "行政村",
    "household_type": "贫困户属性",
    "poverty_status": "脱贫属性",
    "main_cause": "主要致贫原因",
    "identification_standard": "识别标准",
    "dilapidated_house": "危房户",
    "relocation": "易地扶贫搬迁户",
}

#: Department codes for ``fupin compare --dept`` and JSON ``dept`` → Chinese name (issue 5).
DEPARTMENTS: dict[str, str] = {
    "civil_affairs": "民政",
    "public_security": "公安",
    "social_security": "人社",
    "housing": "住建",
    "staffing": "编制/财政供养",
    "agriculture": "农业",
    "disability": "残联",
    "market": "工商",
    "vehicles": "公安交管",
    "organization": "组织部",
}

#: Clue kinds of the built-in comparison rules (``fupin_tui/compare/rules.toml``) → Chinese label. A rule file may add
#: kinds (with its own ``label``); the names ``dead_registered`` and ``public_employee`` are also grading cap keys.
CLUE_KINDS: dict[str, str] = {
    "dead_registered": "死亡人员仍在册",
    "moved_out": "已迁出人员仍在册",
    "public_employee": "财政供养人员在册",
    "vehicle_owner": "家庭成员有机动车",
    "company_owner": "家庭成员有工商注册企业",
    "subsistence_not_on_list": "低保贫困户不在民政低保名单",
    "five_guarantee_not_on_list": "五保贫困户不在民政特困供养名单",
    "subsistence_type_mismatch": "民政保障类型与贫困户属性不符",
    "disabled_without_certificate": "健康状况为残疾但无残疾人证",
    "certificate_but_healthy": "持残疾人证但健康状况为健康",
    "dilapidated_mismatch": "危房户标识与住建名单不符",
    "urban_pension": "家庭成员领取城镇职工养老保险或参加职工保险",
    "agriculture_subsidy": "家庭成员领取大额农业补贴",
    "village_official_registered": "组织部名单中的大学生村官或村干部登记为贫困人口",  # issue 8: fupin_tui/villages
    "name_mismatch": "证件号码相同但姓名不同",
    "possible_id_typo": "疑似证件号码录入错误",
}


def clue_kind_label(kind: str) -> str:
    """Chinese label of a clue kind (``"dead_registered"`` → ``"死亡人员仍在册"``); unknown kinds pass through."""
    return CLUE_KINDS.get(kind, kind)


#: The rule books shipped with the package (rule id → ``title`` is read from them by :func:`rule_title`).
SHIPPED_RULEBOOKS = ("checks/rulebook.toml", "villages/rulebook.toml")


@functools.cache
def _rule_titles() -> dict[str, str]:
    import tomllib

    base = Path(__file__).resolve().parent
    out: dict[str, str] = {}
    for rel in SHIPPED_RULEBOOKS:
        try:
            data = tomllib.loads((base / rel).read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError):
            continue
        for rule_id, spec in (data.get("rules") or {}).items():
            if isinstance(spec, dict) and spec.get("title"):
                out[rule_id] = str(spec["title"])
    return out


def rule_title(rule_id: str) -> str | None:
    """Chinese title of a rule of the shipped rule books (``"duplicate_id_across_households"`` → ``"证件号码跨户重复"``),
    or None. Read from the TOML files themselves (no import of the rulebook's runtime), so pure modules may call it."""
    return _rule_titles().get(rule_id)


def cap_label(key: str) -> str:
    """Chinese label of a grade cap key (the rubric's ``[caps]``: a rule id or a clue kind, see
    :func:`fupin_tui.scoring.cap_key_of`): the clue kind's label, else the rule's title, else the key itself."""
    return CLUE_KINDS.get(key) or rule_title(key) or key


#: Clue statuses (issue 5): only 属实 clues become marks and count in the grade.
CLUE_STATUSES = ("待核实", "属实", "不属实", "已说明")
CLUE_PENDING, CLUE_CONFIRMED, CLUE_REJECTED, CLUE_EXPLAINED = CLUE_STATUSES

#: Field → its code list (labels as exported), for the rulebook's "label outside the code lists" checks. Blank cells
#: are not judged here (missing values have their own rules). 贫困户属性 also accepts HOUSEHOLD_TYPE_ALIASES;
#: 其他致贫原因 holds up to two labels of OTHER_CAUSES separated by 、/,/; (see the rulebook).
CODE_LISTS: dict[str, tuple[str, ...]] = {
    "sex": SEX,
    "relation": RELATIONS,
    "ethnicity": ETHNICITIES,
    "education": EDUCATION,
    "school_status": SCHOOL_STATUS,
    "health": HEALTH,
    "labour_skill": LABOUR_SKILL,
    "work_status": WORK_STATUS,
    "political_status": POLITICAL_STATUS,
    "member_status": MEMBER_STATUS,
    "serious_illness_insurance": YES_NO,
    "new_rural_coop": YES_NO,
    "pension_insurance": YES_NO,
    "identification_standard": IDENTIFICATION_STANDARDS,
    "household_type": HOUSEHOLD_TYPES + tuple(HOUSEHOLD_TYPE_ALIASES),
    "poverty_status": POVERTY_STATUS,
    "main_cause": MAIN_CAUSES,
    "other_causes": OTHER_CAUSES,
    "dilapidated_house": YES_NO,
    "water_safe": YES_NO,
    "water_difficulty": YES_NO,
    "relocation": YES_NO,
    "electricity": YES_NO,
    "road_type": ROAD_TYPES,
    "fuel_type": FUEL_TYPES,
}

#: Finding verdicts.
VERDICT_CONFIRMED = "属实"
VERDICT_DISMISSED = "不属实"

#: ``ImportFile.kind`` (what one imported sheet was) → Chinese: the county exports (:mod:`fupin_tui.importing`), the
#: issue-8 tables (:mod:`fupin_tui.villages`) and the department lists (:mod:`fupin_tui.compare`).
IMPORT_KINDS: dict[str, str] = {
    "roster": "贫困人口花名册", "income": "户收入及生产生活条件", "village": "行政村信息表", "hamlet": "自然村信息表",
    "county": "贫困县信息表", "project": "帮扶项目表", "project_beneficiary": "帮扶项目受益户名单",
    "organization": "组织部党员及大学生村官名单", "department": "部门名单",
}

#: Action ids of the audit trail (``action`` column, :mod:`fupin_tui.audit`) → Chinese, for messages ("已撤销：添加标记"),
#: the TUI and the report's 操作日志, so they all say the same; unknown ids are shown as they are.
ACTION_LABELS: dict[str, str] = {
    "mark.add": "添加标记", "mark.edit": "修改标记", "mark.delete": "删除标记", "status.set": "设置核查状态",
    "finding.verdict": "疑点结论", "clue.status": "线索核实", "undo": "撤销", "redo": "重做",
    "report.unmasked": "导出未脱敏报告", "sample.draw": "抽样", "sample.extend": "扩大样本", "sample.replace": "重新抽样",
    "marks.merge": "合并核查成果", "backcheck.assign": "分配复核", "backcheck.review": "复核结论",
    "conflict.settle": "处理合并冲突", "county.settings": "县级设置",
}


def yes_no(value: object) -> bool | None:
    """Read a 是/否 field: ``"是"``/``"1"``/``True`` → True, ``"否"``/``"0"``/``False`` → False, blank → None.

    Codes follow the glossary (是 / 否, 0 / 1 in codes: 1 = 是). Any other text returns None (the rulebook reports
    labels outside the code lists separately).
    """
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    text = str(value).strip()
    if text in ("是", "1", "1.0", "有", "Y", "y"):
        return True
    if text in ("否", "0", "0.0", "无", "N", "n"):
        return False
    return None


def yes_no_label(value: bool | None) -> str:
    """The exported label of a yes/no value, the inverse of :func:`yes_no`: True → ``"是"``, False → ``"否"``,
    None → ``""``."""
    return "" if value is None else (YES if value else NO)
