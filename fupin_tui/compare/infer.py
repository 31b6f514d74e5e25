"""Department inference: which department a list comes from, from its headers first and its file name second.

Each department's lists carry tell-tale columns (残疾人证号/残疾类别 → 残联, 人员状态/变动日期 → 公安, 保障类型 → 民政,
编制类型/工作单位 → 财政供养, 危房等级/改造状态 → 住建, 企业名称/法定代表人 → 工商, 号牌号码/车辆类型 → 公安交管,
险种/待遇 → 人社, 补贴 → 农业, 党员/大学生村官 → 组织部). Every header cell adds the weight of the strongest signature
it hits for a department; a department wins on headers when it scores at least 2 and clearly more than the runner-up
(2 points more, or twice as much). Otherwise the file name decides (longest keyword wins: 公安交管 beats 公安); when
neither does, the file is refused and the user must give ``--dept``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from fupin_tui.glossary import DEPARTMENTS
from fupin_tui.headers import header_variants, normalize_header

#: dept → (keyword, weight, exact?) — exact: the header (or one of its variants) equals the keyword; else contains it.
HEADER_SIGNATURES: dict[str, tuple[tuple[str, int, bool], ...]] = {
    "disability": (("残疾人证号", 3, True), ("残疾类别", 3, True), ("残疾等级", 3, True), ("持证", 1, False)),
    "public_security": (
        ("人员状态", 2, True), ("户口状态", 2, True), ("人口状态", 2, True), ("变动日期", 2, True),
        ("死亡日期", 3, True), ("注销日期", 2, True), ("迁出日期", 2, True), ("变动类型", 2, True),
        ("户籍地址", 1, False), ("公民身份号码", 1, True),
    ),
    "civil_affairs": (
        ("保障类型", 3, True), ("救助类型", 3, True), ("保障类别", 3, True), ("救助类别", 3, True), ("低保", 2, False),
        ("特困", 2, False), ("保障金额", 2, False), ("保障人口", 2, False),
    ),
    "staffing": (
        ("编制类型", 3, True), ("编制性质", 3, True), ("财政供养", 3, False), ("经费形式", 2, True),
        ("工作单位", 2, True), ("供职单位", 2, True),
    ),
    "housing": (
        ("危房等级", 3, True), ("改造状态", 3, True), ("鉴定等级", 2, True), ("危房", 2, False), ("改造", 1, False),
        ("纳入年度", 1, True),
    ),
    "market": (
        ("企业名称", 3, True), ("法定代表人", 3, True), ("统一社会信用代码", 3, False), ("注册资本", 2, False),
        ("市场主体", 2, False), ("注册号", 2, False), ("登记状态", 1, True), ("经营范围", 2, False),
    ),
    "vehicles": (
        ("号牌号码", 3, True), ("车辆类型", 3, True), ("车牌", 3, False), ("号牌", 2, False), ("发动机号", 2, False),
        ("车辆识别代号", 2, False), ("所有人", 1, True), ("身份证明号码", 1, True),
    ),
    "social_security": (
        ("险种", 3, False), ("待遇状态", 2, True), ("待遇", 2, False), ("社会保障号码", 2, True), ("参保", 2, False),
        ("养老金", 2, False), ("领取金额", 1, False),
    ),
    "agriculture": (
        ("补贴", 3, False), ("种植面积", 2, False), ("补贴面积", 2, False), ("农机", 2, False), ("种粮", 2, False),
    ),
    "organization": (
        ("党员", 3, False), ("村官", 3, False), ("入党", 3, False), ("党组织", 2, False), ("党支部", 2, False),
    ),
}

#: dept → file-name keywords (the longest keyword found wins).
FILE_NAME_KEYWORDS: dict[str, tuple[str, ...]] = {
    "vehicles": ("公安交管", "交管", "车管", "机动车", "车辆"),
    "public_security": ("公安", "户籍", "人口状态", "派出所", "死亡人员"),
    "civil_affairs": ("民政", "低保", "特困", "五保", "救助"),
    "social_security": ("人社", "社保", "养老保险", "人力资源", "社会保险"),
    "housing": ("住建", "危房", "住房和城乡建设"),
    "staffing": ("财政供养", "编制", "编办"),
    "agriculture": ("农业", "农委", "农机", "种粮", "农业补贴"),
    "disability": ("残联", "残疾"),
    "market": ("工商", "市场监管", "市场主体", "企业登记"),
    "organization": ("组织部", "党员", "村官"),
}


class AmbiguousDepartment(Exception):
    """The department of a list could not be told; ``str()`` is a Chinese message saying to give ``--dept``."""

    def __init__(self, message: str, candidates: list[str]) -> None:
        super().__init__(message)
        self.candidates = candidates


@dataclass(frozen=True)
class Inference:
    """What department a list was taken for and why.

    ``source``: ``"option"`` (``--dept``), ``"headers"`` or ``"file_name"``; ``reason``: a Chinese sentence;
    ``scores``: header score per department (only departments with a score > 0).
    """

    dept: str
    source: str
    reason: str
    scores: dict[str, int] = field(default_factory=dict)

    @property
    def dept_label(self) -> str:
        """Chinese name of the department."""
        return DEPARTMENTS.get(self.dept, self.dept)


def header_scores(headers: list[str]) -> tuple[dict[str, int], dict[str, list[str]]]:
    """Score every department on a header row: ``(dept → score, dept → the header cells that scored)``."""
    scores: dict[str, int] = {}
    hits: dict[str, list[str]] = {}
    for cell in headers:
        variants = header_variants(cell)
        if not variants:
            continue
        for dept, sigs in HEADER_SIGNATURES.items():
            best = 0
            for kw, weight, exact in sigs:
                if any((v == kw) if exact else (kw in v) for v in variants):
                    best = max(best, weight)
            if best:
                scores[dept] = scores.get(dept, 0) + best
                hits.setdefault(dept, []).append(normalize_header(cell))
    return scores, hits


def file_name_dept(file_name: str) -> tuple[str, str] | None:
    """The department a file name points to, ``(dept, keyword)``, or None (no keyword, or a tie between two)."""
    best: tuple[int, str, str] | None = None
    tie = False
    for dept, words in FILE_NAME_KEYWORDS.items():
        for w in words:
            if w in file_name:
                if best is None or len(w) > best[0]:
                    best, tie = (len(w), dept, w), False
                elif len(w) == best[0] and dept != best[1]:
                    tie = True
    if best is None or tie:
        return None
    return best[1], best[2]


def _option_hint(candidates: list[str]) -> str:
    pool = candidates or list(DEPARTMENTS)
    return "、".join(f"--dept {c}（{DEPARTMENTS[c]}）" for c in pool)


def infer_department(headers: list[str], file_name: str, dept: str | None = None) -> Inference:
    """Tell the department of a list. ``dept`` (from ``--dept``) overrides everything.

    Raises :class:`AmbiguousDepartment` when neither the headers nor the file name decide; ``ValueError`` when
    ``dept`` is not one of :data:`fupin_tui.glossary.DEPARTMENTS`.
    """
    scores, hits = header_scores(headers)
    if dept is not None:
        if dept not in DEPARTMENTS:
            raise ValueError(f"未知的部门代码 {dept}（可用：{'、'.join(DEPARTMENTS)}）")
        return Inference(dept, "option", f"按 --dept 指定为{DEPARTMENTS[dept]}", scores)
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
    if ranked:
        top, top_score = ranked[0]
        second = ranked[1][1] if len(ranked) > 1 else 0
        if top_score >= 2 and (top_score - second >= 2 or top_score >= 2 * second):
            cols = "、".join(f"“{h}”" for h in hits[top])
            return Inference(top, "headers", f"表头含 {cols}，判断为{DEPARTMENTS[top]}名单", scores)
    by_name = file_name_dept(file_name)
    strong = [d for d, s in ranked if s >= 2]
    if by_name is not None:
        name_dept, keyword = by_name
        if not strong or name_dept in [d for d, s in ranked if s >= (ranked[0][1] - 1)]:
            reason = f"表头无法判断，文件名含“{keyword}”，判断为{DEPARTMENTS[name_dept]}名单"
            return Inference(name_dept, "file_name", reason, scores)
    candidates = [d for d, _ in ranked[:3]] if ranked else []
    if candidates:
        looks = "、".join(f"{DEPARTMENTS[d]}（{s}分）" for d, s in ranked[:3])
        why = f"表头同时像 {looks}"
    else:
        why = "表头和文件名都看不出来源部门"
    raise AmbiguousDepartment(
        f"无法判断文件 {file_name} 是哪个部门的名单：{why}。请用 --dept 指定，例如 {_option_hint(candidates)}",
        candidates,
    )
