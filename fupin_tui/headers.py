"""Header normalisation: the ONE place that turns a header cell into a canonical key and maps synonyms to fields.

Real exports put line breaks, spaces and full-width parentheses in header cells, use synonyms (身份证号 for 证件号码,
家庭成员数 for 人数, 镇(乡) for 乡(镇), 社、组 for 自然村) and two-label headers ("劳动能力\\n页面（劳动技能）").
The importer (roster, income table, village tables) and the department comparison both go through
:func:`normalize_header` and the synonym tables here. Source: ``../shared/GLOSSARY.md`` (roster export layout).
"""

from __future__ import annotations

import re
import unicodedata

_PARENS = str.maketrans({"（": "(", "）": ")", "【": "(", "】": ")", "［": "(", "］": ")", "：": ":", "，": ","})
_WS = re.compile(r"[\s\u3000]+")


def normalize_header(value: object) -> str:
    """Canonical form of a header cell: NFKC, full-width → half-width parentheses, all white space removed.

    ``"务工时间\\n（月）"`` → ``"务工时间(月)"``; ``None`` → ``""``. Idempotent; never raises.
    """
    if value is None:
        return ""
    text = str(value)
    for _ in range(3):  # removing spaces can let combining marks compose: normalise until stable
        new = _WS.sub("", unicodedata.normalize("NFKC", text).translate(_PARENS))
        if new == text:
            break
        text = new
    return text


def header_variants(value: object) -> list[str]:
    """All the keys a header cell may stand for, most specific first.

    A two-label header such as ``"劳动能力\\n页面（劳动技能）"`` yields the whole text, the text in parentheses
    (``"劳动技能"``) and each line (``"劳动能力"``, ``"页面(劳动技能)"``). Units in parentheses are kept on the whole
    text and also stripped (``"耕地面积(亩)"`` → also ``"耕地面积"``).
    """
    if value is None:
        return []
    out: list[str] = []
    whole = normalize_header(value)
    if whole:
        out.append(whole)
    for inner in re.findall(r"\(([^()]+)\)", whole):
        out.append(inner)
    stripped = re.sub(r"\([^()]*\)", "", whole)
    if stripped and stripped != whole:
        out.append(stripped)
    for line in re.split(r"[\r\n]+", unicodedata.normalize("NFKC", str(value))):
        key = normalize_header(line)
        if key and key not in out:
            out.append(key)
    seen: set[str] = set()
    return [k for k in out if not (k in seen or seen.add(k))]


def _table(mapping: dict[str, tuple[str, ...]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for field, names in mapping.items():
        for name in names:
            out[normalize_header(name)] = field
    return out


#: Roster (贫困人口花名册) columns: field → header synonyms as they appear in exports.
ROSTER_SYNONYMS: dict[str, tuple[str, ...]] = {
    "seq": ("序号",),
    "county": ("县(市、区、旗)", "县(市、区)", "县", "县(区)", "县名"),
    "township": ("乡(镇)", "镇(乡)", "乡镇", "乡(镇、街道)"),
    "village": ("行政村", "村", "村(社区)"),
    "hamlet": ("自然村", "社、组", "组", "自然村(组)", "村民小组"),
    # not 户号: 公安 户籍 lists call the 户口簿 number 户号 and carry 与户主关系 too (they would read as rosters)
    "household_no": ("户编号", "农户编号"),
    "member_no": ("人编号", "成员编号"),
    "name": ("姓名",),
    "id_number": ("证件号码", "身份证号", "身份证号码", "公民身份号码", "证件号"),
    "sex": ("性别",),
    "size": ("人数", "家庭成员数", "家庭人口数", "家庭人数"),
    "relation": ("与户主关系",),
    "ethnicity": ("民族",),
    "education": ("文化程度",),
    "school_status": ("在校生状况", "在校生情况"),
    "health": ("健康状况",),
    "labour_skill": ("劳动技能", "劳动能力"),
    "work_status": ("务工状况", "务工情况"),
    "work_months": ("务工时间(月)", "务工时间"),
    "serious_illness_insurance": ("参加大病医疗", "是否参加大病医疗", "参加大病医疗保险"),
    "new_rural_coop": ("参加新型农村合作医疗", "新农合", "是否参加新农合"),
    "pension_insurance": ("参加城乡居民基本养老保险", "养老保险", "是否参加养老保险"),
    "poverty_status": ("脱贫属性", "脱贫标志"),
    "household_type": ("贫困户属性",),
    "main_cause": ("主要致贫原因",),
    "other_causes": ("其他致贫原因",),
    "dilapidated_house": ("危房户", "是否危房户"),
    "water_safe": ("饮水安全", "是否饮水安全"),
    "water_difficulty": ("饮水困难", "是否饮水困难"),
    "roster_per_capita_income": ("人均纯收入", "人均纯收入(元)"),
    "phone": ("联系电话", "电话", "手机号码"),
    "political_status": ("政治面貌",),
    "member_status": ("人员状态",),
    "relocation": ("易地扶贫搬迁户", "是否易地扶贫搬迁户", "易地搬迁"),
    "identification_standard": ("识别标准",),
    "bank_account": ("银行账号", "开户银行账号", "银行卡号"),
}

#: Household income and living-conditions table (户收入及生产生活条件) columns: field → synonyms.
INCOME_SYNONYMS: dict[str, tuple[str, ...]] = {
    "household_no": ("户编号", "农户编号"),
    "head_name": ("户主姓名",),
    "head_id_number": ("户主证件号码", "户主身份证号", "户主身份证号码"),
    "declared_size": ("家庭人口数", "家庭成员数", "人数"),
    "identification_standard": ("识别标准",),
    "household_type": ("贫困户属性",),
    "poverty_status": ("脱贫属性", "脱贫标志"),
    "main_cause": ("主要致贫原因",),
    "other_causes": ("其他致贫原因",),
    "wage_income": ("工资性收入", "工资性收入(元)"),
    "business_income": ("生产经营性收入", "生产经营性收入(元)"),
    "property_income": ("财产性收入", "财产性收入(元)"),
    "transfer_income": ("转移性收入", "转移性收入(元)"),
    "family_planning_income": ("计划生育金",),
    "subsistence_income": ("低保金",),
    "five_guarantee_income": ("五保金", "特困供养金"),
    "pension_income": ("养老保险金", "养老金"),
    "ecological_income": ("生态补偿金", "生态补偿金(元)"),
    "other_transfer_income": ("其他转移性收入",),
    "business_expense": ("生产经营性支出", "生产经营性支出(元)"),
    "annual_income": ("年收入", "家庭年收入"),
    "net_income": ("纯收入", "家庭纯收入"),
    "per_capita_net_income": ("人均纯收入", "人均纯收入(元)"),
    "arable_land": ("耕地面积(亩)", "耕地面积"),
    "housing_area": ("住房面积(㎡)", "住房面积(m2)", "住房面积(平方米)", "住房面积"),
    "dilapidated_house": ("是否危房户", "危房户"),
    "relocation": ("是否易地扶贫搬迁户", "易地扶贫搬迁户", "是否易地搬迁户"),
    "electricity": ("是否通生活用电", "通生活用电"),
    "road_type": ("入户路类型",),
    "water_safe": ("饮水安全", "是否饮水安全"),
    "water_difficulty": ("饮水困难", "是否饮水困难"),
    "fuel_type": ("主要燃料类型",),
    "phone": ("联系电话",),
}

#: Department lists: person-identifying columns (issue 5). Order matters: the first synonym found wins.
DEPT_ID_SYNONYMS: tuple[str, ...] = (
    "身份证号", "身份证号码", "公民身份号码", "证件号码", "身份证明号码", "社会保障号码", "残疾人证号", "户主证件号码",
    "户主身份证号", "证件号",
)
DEPT_NAME_SYNONYMS: tuple[str, ...] = ("姓名", "户主姓名", "法定代表人", "所有人", "被保险人姓名", "人员姓名")

#: Department lists: the other columns the clue rules read (issue 5), field → header synonyms. Columns not listed
#: here are kept under their normalised header text. Examples: ``../shared/samples/county-422822/`` (民政, 公安, 人社,
#: 住建, 财政供养, 残联, 工商, 公安交管); 农业 and 组织部 layouts are guesses to confirm against real lists.
DEPT_FIELD_SYNONYMS: dict[str, tuple[str, ...]] = {
    "county": ("县", "县(市、区)", "县(市、区、旗)", "县名"),
    "township": ("乡镇", "乡(镇)", "镇(乡)", "乡(镇、街道)", "所属乡镇", "乡镇(街道)", "街道"),
    "village": ("村", "行政村", "村(社区)", "社区", "所属村", "村名", "村(居)"),
    "sex": ("性别",),
    "person_status": ("人员状态", "户口状态", "人口状态", "变动类型", "变动情况"),
    "change_date": ("变动日期", "死亡日期", "注销日期", "迁出日期", "变动时间"),
    "benefit_type": ("保障类型", "救助类型", "保障类别", "救助类别", "低保类别", "保障对象类别"),
    "benefit_amount": ("月保障金额", "保障金额", "月救助金额", "保障金额(元)", "月保障金额(元)"),
    "staffing_type": ("编制类型", "编制性质", "人员类别", "经费形式"),
    "employer": ("工作单位", "单位名称", "所在单位", "供职单位"),
    "position": ("职务", "现任职务", "担任职务", "人员身份"),
    "dilapidation_level": ("危房等级", "鉴定等级", "房屋危险等级"),
    "renovation_status": ("改造状态", "改造进度", "改造情况"),
    "renovation_year": ("纳入年度", "改造年度", "实施年度"),
    "company": ("企业名称", "市场主体名称", "字号名称", "名称"),
    "company_type": ("类型", "企业类型", "市场主体类型", "主体类型"),
    "registration_status": ("登记状态", "经营状态", "企业状态"),
    "capital": ("注册资本", "注册资本(万元)", "注册资金", "出资额"),
    "plate": ("号牌号码", "车牌号码", "号牌", "车牌号"),
    "vehicle_type": ("车辆类型", "车型"),
    "price": ("购置价格(元)", "购置价格", "车辆价格", "发票价格", "购车价格", "价格"),
    "scheme": ("险种", "险种类型", "参保险种", "险种名称"),
    "benefit_status": ("待遇状态", "领取状态", "参保状态"),
    "pension_amount": ("月领取金额(元)", "月领取金额", "待遇金额", "月养老金", "月待遇"),
    "disability_category": ("残疾类别",),
    "disability_grade": ("残疾等级",),
    "subsidy_type": ("补贴项目", "补贴类型", "补贴名称", "项目名称", "补贴种类"),
    "subsidy_amount": ("补贴金额", "补贴金额(元)", "发放金额", "发放金额(元)", "金额", "金额(元)"),
    "area": ("面积(亩)", "补贴面积", "种植面积", "补贴面积(亩)", "种植面积(亩)"),
    "party_member": ("是否党员", "党员"),
}

ROSTER_LOOKUP: dict[str, str] = _table(ROSTER_SYNONYMS)
INCOME_LOOKUP: dict[str, str] = _table(INCOME_SYNONYMS)


def match_field(header: object, lookup: dict[str, str]) -> str | None:
    """The field a header cell maps to in ``lookup`` (built by normalising synonyms), or None.

    Tries every variant of :func:`header_variants` in order, so a two-label header maps by either label.
    """
    for key in header_variants(header):
        field = lookup.get(key)
        if field is not None:
            return field
    return None


def build_lookup(mapping: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """Normalised synonym → field lookup for a ``field → synonyms`` mapping (for new tables such as villages)."""
    return _table(mapping)

DEPT_FIELD_LOOKUP: dict[str, str] = _table(DEPT_FIELD_SYNONYMS)


# --------------------------------------------------------------------------------------------------------------------
# Issue 8 (fupin_tui/villages): village, natural-village, county, assistance-project tables and the 组织部 list.
# Layouts vary by province and were not found in public sources: the demo generator's layouts plus common variants.
# --------------------------------------------------------------------------------------------------------------------

_PLACE_SYNONYMS: dict[str, tuple[str, ...]] = {
    "county": ("县(市、区、旗)", "县(市、区)", "县", "县(区)", "县名", "县名称"),
    "township": ("乡(镇)", "镇(乡)", "乡镇", "乡(镇、街道)", "所属乡镇", "所属乡(镇)", "乡镇名称"),
}

#: Village table (行政村信息): one row per administrative village.
VILLAGE_SYNONYMS: dict[str, tuple[str, ...]] = {
    **_PLACE_SYNONYMS,
    "village": ("行政村", "行政村名称", "村名", "村名称", "村", "村(社区)"),
    "code": ("行政区划代码", "村代码", "行政村代码", "区划代码", "村编码", "行政村编码", "村行政区划代码"),
    "is_poor_village": ("是否贫困村", "贫困村", "贫困村标识", "是否建档立卡贫困村", "村属性"),
    "delisted": ("是否摘帽", "贫困村摘帽", "摘帽", "是否出列", "出列", "贫困村出列", "是否退出", "摘帽标识"),
    "delisted_year": ("摘帽年度", "摘帽年份", "摘帽时间", "出列年度", "出列年份", "出列时间", "退出年度", "退出年份"),
    "party_members": ("党员数", "党员人数", "党员数(人)", "党员总数"),
    "college_officials": ("大学生村官数", "大学生村官人数", "大学生村官数(人)", "大学生村官"),
    "total_households": ("总户数", "全村总户数", "全村户数", "户数", "总户数(户)"),
    "total_population": ("总人口", "全村总人口", "总人口数", "人口数", "总人数", "总人口(人)"),
    "poor_households": ("贫困户数", "建档立卡贫困户数", "贫困户户数", "贫困户数(户)", "建档立卡户数"),
    "poor_population": ("贫困人口数", "建档立卡贫困人口数", "贫困人口", "贫困人数", "贫困人口数(人)", "建档立卡人口数"),
}

#: Natural-village table (自然村信息): one row per natural village (自然村 / 村民小组).
HAMLET_SYNONYMS: dict[str, tuple[str, ...]] = {
    **_PLACE_SYNONYMS,
    "village": ("所属行政村", "行政村", "行政村名称", "村名", "村"),
    "village_code": ("行政区划代码", "行政村代码", "村代码", "所属行政村代码"),
    "name": ("自然村", "自然村名称", "自然村(组)", "村民小组", "自然村名", "组名", "社、组"),
    "households": ("户数", "总户数", "自然村户数", "户数(户)"),
    "population": ("人口数", "人口", "总人口", "人数", "人口数(人)"),
    "road": ("是否通路", "通路", "是否通硬化路", "通硬化路", "是否通公路", "通公路", "是否通水泥路"),
    "electricity": ("是否通电", "通电", "是否通生活用电", "通生活用电", "是否通动力电"),
    "tap_water": ("是否通自来水", "通自来水", "自来水", "是否通水"),
    "broadband": ("是否通宽带", "通宽带", "宽带", "是否通网络", "是否通互联网"),
}

#: County table (贫困县信息), long layout: one row per indicator with the values of two years. The year columns
#: (``2014年``, ``2015``, ``2014年值`` …) are recognised by their year, not by synonyms.
COUNTY_TABLE_SYNONYMS: dict[str, tuple[str, ...]] = {
    "county": ("县名", "县", "县(市、区)", "县(市、区、旗)", "县名称"),
    "code": ("行政区划代码", "县代码", "区划代码"),
    "is_poor_county": ("是否贫困县", "贫困县", "是否国定贫困县", "贫困县标识"),
    "indicator": ("指标", "指标名称", "统计指标", "项目"),
    "unit": ("单位", "计量单位", "指标单位"),
}

#: Assistance-project table (帮扶项目): money in 万元.
PROJECT_SYNONYMS: dict[str, tuple[str, ...]] = {
    **_PLACE_SYNONYMS,
    "village": ("行政村", "村", "实施村", "所属行政村", "项目村"),
    "project_no": ("项目编号", "项目代码", "项目编码", "项目ID"),
    "category": ("项目类别", "项目类型", "帮扶措施类别", "措施类别", "帮扶措施", "项目大类"),
    "name": ("项目名称", "帮扶项目名称", "措施名称"),
    "year": ("年度", "项目年度", "实施年度", "年份", "建设年度"),
    "total": ("总投资(万元)", "总投资", "项目总投资", "投资总额", "总投资额", "项目总投资(万元)", "投资总额(万元)"),
    "central_special": ("财政专项扶贫资金(中央)", "中央财政专项扶贫资金", "财政专项扶贫资金中央", "中央财政扶贫资金",
                        "中央", "中央资金"),
    "provincial_special": ("财政专项扶贫资金(省)", "省级财政专项扶贫资金", "财政专项扶贫资金省", "省财政专项扶贫资金",
                           "省级财政扶贫资金", "省", "省级", "省级资金"),
    "local_special": ("财政专项扶贫资金(市县)", "市县财政专项扶贫资金", "财政专项扶贫资金市县", "市县级财政专项扶贫资金",
                      "市县财政扶贫资金", "市县", "市县级", "市县资金"),
    "industry": ("行业部门资金", "行业部门投入", "行业资金", "整合行业资金"),
    "social": ("社会帮扶资金", "社会帮扶", "社会资金", "社会扶贫资金"),
    "credit": ("信贷资金", "信贷", "扶贫贷款", "银行贷款"),
    "self_raised": ("群众自筹", "群众自筹资金", "自筹资金", "农户自筹"),
    "other": ("其他", "其他资金", "其它", "其它资金"),
    "beneficiary_households": ("受益户编号", "受益户户编号", "受益贫困户编号", "受益户", "受益贫困户户编号"),
    "beneficiary_count": ("受益户数", "受益贫困户数", "受益户数(户)", "覆盖贫困户数"),
}

#: Beneficiary list of projects (受益户名单), one row per household and project.
BENEFICIARY_SYNONYMS: dict[str, tuple[str, ...]] = {
    "project_no": ("项目编号", "项目代码", "项目编码"),
    "project_name": ("项目名称",),
    "household_no": ("户编号", "受益户编号", "受益户户编号"),
    "id_number": ("证件号码", "身份证号", "身份证号码", "户主证件号码", "户主身份证号", "户主身份证号码", "公民身份号码"),
    "name": ("户主姓名", "姓名", "受益户户主", "户主"),
}

#: 组织部 list of party members and college-graduate village officials (党员 / 大学生村官).
ORGANIZATION_SYNONYMS: dict[str, tuple[str, ...]] = {
    **_PLACE_SYNONYMS,
    "village": ("所属行政村", "行政村", "村", "村名", "所在村", "村(社区)", "任职村"),
    "name": ("姓名", "人员姓名"),
    "id_number": ("身份证号", "身份证号码", "公民身份号码", "证件号码", "身份证明号码"),
    # not 人员类别 / 类别: 财政供养 lists use them (``DEPT_FIELD_SYNONYMS["staffing_type"]``)
    "kind": ("身份类别", "人员身份", "党员或大学生村官", "党员/大学生村官", "身份(党员/大学生村官)"),
    "position": ("职务", "现任职务", "担任职务", "任职"),
    "party_member": ("是否党员", "党员"),
    "college_official": ("是否大学生村官", "大学生村官"),
}
