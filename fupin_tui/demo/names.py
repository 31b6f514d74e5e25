"""Name and place pools for the synthetic county (all people and most places are made up).

Han names are a surname (weighted by rough frequency) plus one or two given-name characters chosen by sex and birth
decade. About 5 % of households are "minority-named": Tibetan, Yi and Mongolian style names, and Uyghur / Kazakh names
written with the middle dot ``·`` (an ambiguous-width character the screens and snapshots must survive).
"""

from __future__ import annotations

import random

# Surnames with rough relative weights (common surnames first; the shared sample uses these).
_SURNAMES_WEIGHTED = (
    ("王", 70), ("李", 70), ("张", 66), ("刘", 54), ("陈", 45), ("杨", 32), ("黄", 24), ("赵", 22), ("吴", 20),
    ("周", 20), ("徐", 17), ("孙", 15), ("马", 14), ("朱", 13), ("胡", 13), ("郭", 12), ("何", 12), ("高", 12),
    ("林", 11), ("罗", 11), ("郑", 10), ("梁", 10), ("谢", 8), ("宋", 8), ("唐", 8), ("许", 7), ("韩", 7),
    ("冯", 7), ("邓", 7), ("曹", 7), ("彭", 7), ("曾", 6), ("肖", 6), ("田", 6), ("董", 6), ("袁", 5), ("潘", 5),
    ("于", 5), ("蒋", 5), ("蔡", 5), ("余", 5), ("杜", 5), ("叶", 5), ("程", 5), ("苏", 4), ("魏", 4), ("吕", 4),
    ("丁", 4), ("任", 4), ("沈", 4), ("姚", 4), ("卢", 4), ("姜", 4), ("崔", 3), ("钟", 3), ("谭", 3), ("陆", 3),
    ("汪", 3), ("范", 3), ("金", 3), ("石", 3), ("廖", 3), ("贾", 3), ("夏", 3), ("韦", 3), ("向", 3), ("覃", 3),
    ("付", 3), ("方", 3), ("白", 2), ("邹", 2), ("孟", 2), ("熊", 2), ("秦", 2), ("邱", 2), ("江", 2), ("尹", 2),
    ("薛", 2), ("闫", 2), ("段", 2), ("雷", 2), ("侯", 2), ("龙", 2), ("史", 2), ("黎", 2), ("贺", 2), ("顾", 2),
    ("毛", 2), ("郝", 2), ("龚", 2), ("邵", 2), ("万", 2), ("钱", 2), ("严", 2), ("牟", 2), ("冉", 2), ("谷", 1),
    ("欧阳", 1), ("司马", 1),
)
SURNAMES = tuple(s for s, _ in _SURNAMES_WEIGHTED)
SURNAME_WEIGHTS = tuple(w for _, w in _SURNAMES_WEIGHTED)

# Given-name characters by sex and era (born before 1970 / 1970–1989 / 1990 and later).
_MALE_OLD = "德明国华建平文富贵全生顺发成福祥学兴才清宗正昌海林山春荣贤光启武"
_MALE_MID = "伟军勇强刚杰涛辉波斌鹏超明平飞龙凯俊峰亮东华江洪宁旭阳帅宇"
_MALE_NEW = "浩宇轩然子涵博文俊杰鑫磊晨阳睿泽航宇豪铭皓天佳奕一诚辰逸"
_FEMALE_OLD = "秀英兰桂凤珍玉芳梅翠菊香莲花琴淑贞素巧云娥群芝彩银"
_FEMALE_MID = "丽敏芳萍霞红燕玲娟洁慧莉梅静云艳华琴英婷艳丹莉平"
_FEMALE_NEW = "婷欣怡雨涵梦琪佳悦诗雯思彤紫萱晨雪瑶可馨语嘉欣月"


def _pool(sex: str, birth_year: int) -> str:
    if birth_year < 1970:
        return _MALE_OLD if sex == "男" else _FEMALE_OLD
    if birth_year < 1990:
        return _MALE_MID if sex == "男" else _FEMALE_MID
    return _MALE_NEW if sex == "男" else _FEMALE_NEW


def given_name(rng: random.Random, sex: str, birth_year: int) -> str:
    """One or two given-name characters for a Han name (two in about 60 % of names)."""
    pool = _pool(sex, birth_year)
    if rng.random() < 0.6:
        return rng.choice(pool) + rng.choice(pool)
    return rng.choice(pool)


def surname(rng: random.Random) -> str:
    """A surname drawn by rough frequency."""
    return rng.choices(SURNAMES, SURNAME_WEIGHTS)[0]


# --------------------------------------------------------------------------------------------------------------------
# Minority-style names: ethnicity label → (male given names, female given names, dotted?)
# --------------------------------------------------------------------------------------------------------------------

_MINORITY_NAMES: dict[str, tuple[tuple[str, ...], tuple[str, ...], bool]] = {
    "维吾尔族": (
        ("艾力", "买买提", "阿不都", "吐尔逊", "艾尔肯", "努尔", "热合曼", "依明", "艾山", "阿迪力"),
        ("阿依古丽", "古丽娜尔", "热依拉", "米日古丽", "帕提古丽", "努尔古丽", "再努尔", "阿依努尔"),
        True,
    ),
    "哈萨克族": (
        ("努尔兰", "叶尔兰", "别克", "哈力木", "阿斯哈尔", "吾拉力"),
        ("阿依达娜", "古丽巴哈", "加娜尔", "阿克努尔"),
        True,
    ),
    "藏族": (
        ("扎西", "次仁", "多吉", "顿珠", "格桑", "平措", "洛桑", "尼玛", "旺堆", "达瓦"),
        ("卓玛", "央金", "拉姆", "德吉", "曲珍", "白玛", "次珍", "格桑梅朵"),
        False,
    ),
    "彝族": (
        ("阿苦日哈", "吉克阿呷", "沙马伍各", "阿西木呷", "海来拉且", "俄木子古"),
        ("阿西阿呷", "吉克曲布", "沙马阿芝", "海来阿卓", "俄底拉姆"),
        False,
    ),
    "蒙古族": (
        ("巴特尔", "额尔敦", "朝鲁", "苏和", "宝音", "孟和"),
        ("乌云其其格", "其其格", "斯琴", "萨仁", "娜仁花", "托娅"),
        False,
    ),
}
#: Minority ethnicities used for minority-style names, with weights (dotted names about a third of them).
MINORITY_ETHNICITIES = ("维吾尔族", "哈萨克族", "藏族", "彝族", "蒙古族")
MINORITY_WEIGHTS = (3, 1, 3, 2, 1)


def minority_name(rng: random.Random, ethnicity: str, sex: str, father_given: str | None = None) -> str:
    """A minority-style name; Uyghur / Kazakh names are ``given·father`` with the middle dot U+00B7."""
    males, females, dotted = _MINORITY_NAMES[ethnicity]
    own = rng.choice(males if sex == "男" else females)
    if not dotted:
        if len(own) <= 2 and rng.random() < 0.5:
            other = rng.choice(males if sex == "男" else females)
            if len(other) <= 2 and other != own:
                return own + other
        return own
    father = father_given or rng.choice(males)
    return f"{own}·{father}"


def dotted_given(name: str) -> str:
    """The person's own given part of a dotted name (``阿依古丽·买买提`` → ``阿依古丽``); the name itself otherwise."""
    return name.split("·", 1)[0]


# --------------------------------------------------------------------------------------------------------------------
# Places
# --------------------------------------------------------------------------------------------------------------------

#: The townships of 建始县 (422822) as in the shared sample.
JIANSHI_TOWNSHIPS = ("业州镇", "高坪镇", "红岩寺镇", "景阳镇", "官店镇", "花坪镇", "长梁乡", "茅田乡", "三里乡", "龙坪乡")

#: Two-character place stems for synthetic township names of other counties.
TOWNSHIP_STEMS = (
    "清江", "白杨", "石桥", "黄土", "青山", "柏杨", "大河", "沙坝", "椿木", "铜锣", "木坪", "太平", "两河", "溪丘",
    "金果", "茶店", "沙道", "板桥", "忠建", "椒园", "晓关", "万寨", "高罗", "李家", "长潭", "珠山", "新塘", "土堡",
    "野三", "绿葱", "官渡", "信陵", "杨柳", "柳池", "汪营", "团堡", "毛坝", "文斗", "沙溪", "南坪", "忠路",
    "建南", "凉雾", "元堡", "谋道", "东城", "龙驹", "坪坝", "鹤峰", "走马", "燕子", "中营", "下坪", "容美",
)

#: Village-name stems (joined to the township's first two characters, like 业州东坪村 in the sample).
VILLAGE_STEMS = (
    "东坪", "黄龙", "石门", "青龙", "白果", "柳树", "枫香", "双河", "三岔", "马鞍", "龙潭", "杉木", "桃园", "大坪",
    "高岩", "花园", "凉水", "岩口", "茶园", "坪坝", "金竹", "水井", "关口", "楠木", "响水", "太阳", "狮子", "老屋",
    "新桥", "长岭", "鸭池", "黑槽", "罗家", "田家", "向阳", "红花", "油房", "猫儿", "牛角", "桂花", "竹园", "板栗",
    "梨子", "核桃", "碾盘", "香树", "五里", "七里", "九龙", "回龙", "陈家", "李家", "覃家", "黄家", "钟家", "苏家",
    "河坪", "溪口", "垭口", "寨子", "堰塘", "麻柳", "漆树", "松树", "柏树", "槐树", "栗子", "观音", "土地", "峡口",
)

#: Real county codes with names for a province benchmark (Hubei; every code works as an ID region code with
#: python-stdnum for birth years 1915–2016, through the predecessor codes below).
HUBEI_COUNTIES: dict[str, str] = {
    "422822": "建始县", "422823": "巴东县", "422825": "宣恩县", "422826": "咸丰县", "422827": "来凤县",
    "422828": "鹤峰县", "422801": "恩施市", "422802": "利川市", "420322": "郧西县", "420323": "竹山县",
    "420324": "竹溪县", "420325": "房县", "420304": "郧阳区", "421122": "红安县", "421123": "罗田县",
    "421124": "英山县", "421125": "浠水县", "421126": "蕲春县", "421127": "黄梅县", "421181": "麻城市",
    "420922": "大悟县", "420526": "兴山县", "420527": "秭归县", "420528": "长阳土家族自治县", "420529": "五峰土家族自治县",
}

#: Earlier codes of a county, newest first: IDs of people born before a code existed carry an earlier one
#: (GB/T 2260 history as held by python-stdnum's ``cn/loc`` database).
REGION_PREDECESSORS: dict[str, tuple[str, ...]] = {
    "422801": ("422821",), "422802": ("422824",),
    "420322": ("422623",), "420323": ("422624",), "420324": ("422625",), "420325": ("422626",),
    "420304": ("420321", "422622"),
    "421122": ("422123",), "421123": ("422125",), "421124": ("422126",), "421125": ("422127",),
    "421126": ("422128",), "421127": ("422130",), "421181": ("422101", "422124"),
    "420922": ("422223",), "420526": ("422726",), "420527": ("422727",), "420528": ("422728",),
    "420529": ("422729",),
}

#: Telephone area codes for landlines (prefix of the county code → area code).
AREA_CODES = {"4228": "0718", "4203": "0719", "4211": "0713", "4209": "0712", "4205": "0717"}
