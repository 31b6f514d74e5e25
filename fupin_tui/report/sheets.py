"""The report's sheets: a registry of small writer functions, each turning collected rows into blocks.

Every sheet is one function ``ReportData -> list[Block]`` registered with :func:`register_sheet` under its Chinese
name; the workbook writer calls them in registration order and renders their blocks
(:func:`fupin_tui.report.blocks.render`). A section another module has not provided yet is an
:class:`~fupin_tui.report.data.Unavailable` and shows as a red "未运行：…" line under the sheet's header; an empty
section shows "无数据". A sheet is never left out silently.

To add a sheet (e.g. when a new data source appears), write ``def my_sheet(data) -> list[Block]`` and decorate it
with ``@register_sheet("名称")``.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from fupin_tui.glossary import (
    ACTION_LABELS,
    CATEGORIES,
    CLUE_STATUSES,
    DEPARTMENTS,
    HOUSEHOLD_FIELDS,
    IMPORT_KINDS,
    MEMBER_FIELDS,
    STRATIFY_COLUMNS,
    cap_label,
    category_label,
    yes_no_label,
)
from fupin_tui.report.blocks import Block, Chart, Column, KeyValues, Note, Section, Table, Title
from fupin_tui.report.data import MarkRow, ReportData, Unavailable, optional_source
from fupin_tui.report.style import OUTSIDE_FILL
from fupin_tui.scoring.grade import format_pct

__all__ = ["SHEETS", "SheetSpec", "register_sheet"]

SheetWriter = Callable[[ReportData], list[Block]]


@dataclass(frozen=True)
class SheetSpec:
    """A registered sheet: Chinese ``name``, its writer, and layout hints for the renderer (``ncols``: width in
    columns of titles / key-value rows; ``fixed_widths``: column → width)."""

    name: str
    build: SheetWriter
    ncols: int | None = None
    fixed_widths: dict[int, float] | None = None
    borders: bool = False


#: The sheets in workbook order.
SHEETS: list[SheetSpec] = []


def register_sheet(name: str, *, ncols: int | None = None, fixed_widths: dict[int, float] | None = None,
                   borders: bool = False) -> Callable[[SheetWriter], SheetWriter]:
    """Decorator: register ``fn`` as the writer of sheet ``name`` (replacing an earlier writer of that name)."""

    def deco(fn: SheetWriter) -> SheetWriter:
        spec = SheetSpec(name, fn, ncols, fixed_widths, borders)
        for i, s in enumerate(SHEETS):
            if s.name == name:
                SHEETS[i] = spec
                return fn
        SHEETS.append(spec)
        return fn

    return deco


# ------------------------------------------------------------------------------------------------------------------
# Small formatting helpers (Chinese labels)
# ------------------------------------------------------------------------------------------------------------------

NOT_GRADED = "否（样本外）"
IN_SAMPLE = "是"

def fmt_time(value: dt.datetime | None, with_time: bool = True) -> str:
    """Local time text ``YYYY-MM-DD HH:MM`` (or the date only) of an aware or naive-UTC datetime; None → ""."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    local = value.astimezone()
    return local.strftime("%Y-%m-%d %H:%M" if with_time else "%Y-%m-%d")


def field_label(field: str) -> str:
    """Chinese label of a mark's field (member fields first, then household fields); unknown names pass through."""
    if not field:
        return ""
    return MEMBER_FIELDS.get(field) or HOUSEHOLD_FIELDS.get(field) or field


def source_label(source: str, rule_titles: dict[str, str]) -> str:
    """人工 / 规则 <id>（title） / 线索 <kind label> for a mark's ``source``."""
    kind, _, rest = (source or "").partition(":")
    if kind == "inspector" or not source:
        return "人工"
    if kind == "rule":
        title = rule_titles.get(rest, "")
        return f"规则 {rest}" + (f"：{title}" if title else "")
    if kind == "clue":
        from fupin_tui import glossary

        return f"线索：{getattr(glossary, 'clue_kind_label', lambda k: k)(rest)}"
    return source


def inspector_text(label: str | None) -> str:
    """An inspector label ``姓名@单位`` shown as ``姓名（单位）``; a bare name as it is."""
    if not label:
        return ""
    name, sep, unit = label.partition("@")
    return f"{name}（{unit}）" if sep and unit else name


def member_text(name: str, member_no: str) -> str:
    """成员 cell: ``姓名（人编号）``, or whichever part exists."""
    if name and member_no:
        return f"{name}（{member_no}）"
    return name or member_no


def dept_label(dept: str) -> str:
    """Chinese name of a department code (``civil_affairs`` → 民政); unknown codes pass through."""
    return DEPARTMENTS.get(dept, dept)


#: Keys of the trail's old/new snapshots → Chinese (unknown keys are shown as they are).
VALUE_LABELS = {
    "status": "核查状态", "reviewed_by": "核查人员", "reviewed_at": "核查时间", "household_no": "户编号",
    "member_no": "人编号", "category": "问题类别", "severity": "严重程度", "note": "说明", "field": "字段",
    "source": "来源", "inspector": "核查人员", "deleted": "已删除", "verdict": "结论", "verifier": "核实人",
    "mark_uuid": "问题标记", "seed": "随机种子", "n": "样本量", "method": "抽样方法", "by": "分层依据",
    "households": "农户", "share": "比例", "categories": "问题类别",
}
_MISSING = object()
_ISO = re.compile(r"(\d{4}-\d\d-\d\d)T(\d\d:\d\d)(:\d\d(\.\d+)?)?([+-]\d\d:\d\d|Z)?")


def _shown(key: str, value: Any) -> str:
    if value is None or value is _MISSING:
        return "（无）"
    if isinstance(value, bool):
        return "是" if value else "否"
    if key in ("category", "categories"):
        if isinstance(value, list):
            return "、".join(category_label(str(v)) for v in value) or "（无）"
        return category_label(str(value))
    if key == "field":
        return field_label(str(value))
    if isinstance(value, dict):
        return "{" + "，".join(f"{VALUE_LABELS.get(k, k)}={_shown(k, v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "、".join(_shown(key, v) for v in value)
    return _ISO.sub(r"\1 \2", str(value))


def _load_json(text: str) -> Any:
    if not text:
        return _MISSING
    try:
        return json.loads(text)
    except (ValueError, TypeError):
        return text


def _pairs(value: Any, keys: list[str] | None = None) -> str:
    if isinstance(value, dict):
        keys = list(value) if keys is None else keys
        return "；".join(f"{VALUE_LABELS.get(k, k)}={_shown(k, value.get(k))}" for k in keys)
    return "（无）" if value is None or value is _MISSING else _shown("", value)


def action_diff(old_text: str, new_text: str) -> tuple[str, str]:
    """An action's old → new JSON as two short Chinese texts showing only what changed.

    Snapshots keyed by record (``mark:<uuid>``, ``item:<id>`` …, as the review service writes them) are compared
    field by field and only the changed fields are listed, one record per line; keys get Chinese labels, category
    keys their Chinese label, ISO times are cut to the minute. Text that is not JSON is returned as it is.
    """
    old, new = _load_json(old_text), _load_json(new_text)
    if not isinstance(old, dict) or not isinstance(new, dict):
        return ("" if old is _MISSING else _pairs(old)), ("" if new is _MISSING else _pairs(new))
    out_old, out_new = [], []
    for key in dict.fromkeys([*old, *new]):
        ov, nv = old.get(key, _MISSING), new.get(key, _MISSING)
        if isinstance(ov, dict) and isinstance(nv, dict):
            changed = [k for k in dict.fromkeys([*ov, *nv]) if ov.get(k) != nv.get(k)]
            if changed:
                out_old.append(f"{key}：{_pairs(ov, changed)}")
                out_new.append(f"{key}：{_pairs(nv, changed)}")
        elif ov != nv:
            nested = isinstance(ov, dict) or isinstance(nv, dict) or ":" in key
            if ov is not _MISSING:
                out_old.append(f"{key}：{_pairs(ov)}" if nested else f"{VALUE_LABELS.get(key, key)}={_shown(key, ov)}")
            if nv is not _MISSING:
                out_new.append(f"{key}：{_pairs(nv)}" if nested else f"{VALUE_LABELS.get(key, key)}={_shown(key, nv)}")
    return "\n".join(out_old), "\n".join(out_new)


def _unavailable_table(columns: Sequence[Column], section: Unavailable, caption: str | None = None,
                       main: bool = False) -> Table:
    return Table(columns, [], caption=caption, empty=section.reason, main=main)


# ------------------------------------------------------------------------------------------------------------------
# 汇总
# ------------------------------------------------------------------------------------------------------------------

_SUMMARY_WIDTHS = {1: 24, 2: 13, 3: 12, 4: 12, 5: 12, 6: 12, 7: 12, 8: 12}


def _grade_parts(data: ReportData) -> tuple[Any, str | None]:
    g = data.grade
    if g is None:
        return None, "未运行：评分结果为空"
    if isinstance(g, Unavailable):
        return None, g.reason
    return g, None


@register_sheet("汇总", ncols=8, fixed_widths=_SUMMARY_WIDTHS, borders=True)
def summary_sheet(data: ReportData) -> list[Block]:
    """汇总: county, dates, inspectors, sample design, counts, rate with interval, grade and the township chart."""
    c = data.county
    year = f"{c.data_year}年度" if c.data_year else ""
    blocks: list[Block] = [Title(f"{c.name or c.code}{year}建档立卡数据质量交叉检查报告")]
    if data.unmasked:
        blocks.append(Note(f"未脱敏：本文件含完整证件号码和联系电话，仅限授权人员使用，不得外传；本次导出已记入操作日志"
                           f"（导出人：{inspector_text(data.requested_by)}）。", "warn"))
    else:
        blocks.append(Note("已脱敏：证件号码只保留前6位和后4位，联系电话只保留前3位和后4位，银行账号只保留后4位；姓名保留以便识别农户。"))

    # 一、基本信息
    imports = [f for f in data.imports if f.kind != "department"] or data.imports
    if imports:
        first, last = min(f.imported_at for f in imports), max(f.imported_at for f in imports)
        import_text = fmt_time(first, False) if fmt_time(first, False) == fmt_time(last, False) else \
            f"{fmt_time(first, False)} 至 {fmt_time(last, False)}"
        import_text += f"（{len(imports)} 个文件/工作表）"
    else:
        import_text = "无导入记录"
    period = (f"{fmt_time(data.period[0], False)} 至 {fmt_time(data.period[1], False)}"
              if data.period else "尚未开始核查")
    inspectors = "、".join(f"{i['name']}（{i['unit']}）" if i["unit"] else i["name"] for i in data.inspectors)
    blocks += [
        Section("一、基本信息"),
        KeyValues([
            ("县（市、区）", f"{c.name}（行政区划代码 {c.code}）" if c.name else c.code),
            ("数据年度", str(c.data_year) if c.data_year else "未注明"),
            ("数据导入日期", import_text),
            ("核查期间", period),
            ("核查人员", inspectors or "（尚无核查记录）"),
            ("报告生成时间", f"{fmt_time(data.generated_at)}（{_tz_text(data.generated_at)}）"),
            ("报告导出人", inspector_text(data.requested_by) or "（未注明）"),
        ]),
    ]
    if data.inspectors:
        blocks.append(Table(
            [Column("核查人员"), Column("单位"), Column("复核户数", "int"), Column("问题标记数", "int")],
            [(i["name"], i["unit"], i["reviewed"], i["marks"]) for i in data.inspectors],
        ))

    # 二、抽样设计
    g, g_missing = _grade_parts(data)
    blocks.append(Section("二、抽样设计"))
    s = data.sample
    if s is None:
        blocks.append(Note("未运行：尚未抽样（fupin sample）", "warn"))
    else:
        methods = optional_source("fupin_tui.sampling", "METHODS")
        allocations = optional_source("fupin_tui.sampling", "ALLOCATIONS")
        modes = optional_source("fupin_tui.sampling", "CERTAINTY_MODES")
        label_of = optional_source("fupin_tui.sampling", "stratum_label")
        method = methods.get(s.method, s.method) if isinstance(methods, dict) else s.method
        if s.by:
            by = label_of(s.by) if callable(label_of) else STRATIFY_COLUMNS.get(s.by, s.by)
            method += f"，按{by}分层"
        if s.allocation:
            alloc = allocations.get(s.allocation, s.allocation) if isinstance(allocations, dict) else s.allocation
            method += f"，{alloc}"
        certainty = len(s.certainty or [])
        mode = (s.params or {}).get("certainty_mode") or (s.params or {}).get("certainty")
        if certainty and isinstance(mode, str):
            mode_text = modes.get(mode, mode) if isinstance(modes, dict) else mode
            method += f"；必查层：{mode_text}"
        blocks.append(KeyValues([
            ("抽样方法", method),
            ("随机种子", str(s.seed)),
            ("随机数发生器", s.generator),
            ("抽样框", f"{s.population} 户"),
            ("抽样框指纹（SHA-256）", s.frame_hash),
            ("样本量", f"随机部分 {s.n} 户" + (f"；必查层 {certainty} 户（全部复核，单独报告）" if certainty else "；无必查层")),
            ("抽样时间 / 抽样人", f"{fmt_time(s.created_at)}　{s.created_by or ''}".strip()),
        ]))
        strata_rows = _strata_rows(data, g)
        blocks.append(Table(
            [Column("层"), Column("总体户数 N_h", "int"), Column("样本户数 n_h", "int"), Column("已复核", "int"),
             Column("有问题", "int"), Column("错误率", "percent"), Column("权重", "ratio")],
            strata_rows,
        ))

    # 三、数量
    reviewed = sum(1 for r in data.sample_rows if r.status != "未核查")
    with_issues = sum(1 for r in data.sample_rows if r.status != "未核查" and r.marks > 0)
    outside = len({m.household_no for m in data.marks if not m.in_sample})
    blocks += [
        Section("三、数量"),
        KeyValues([
            ("贫困户 / 贫困人口", f"{data.households} 户 / {data.people} 人（{data.townships} 个乡镇，{data.villages} 个行政村）"),
            ("样本户", f"{len(data.sample_rows)} 户"),
            ("已复核", f"{reviewed} 户（未核查 {len(data.sample_rows) - reviewed} 户）"),
            ("有问题户", f"{with_issues} 户（问题标记 {sum(1 for m in data.marks if m.in_sample)} 条）"),
            ("样本外问题", f"{outside} 户（问题标记 {sum(1 for m in data.marks if not m.in_sample)} 条；列出但不计分）"),
        ]),
    ]

    # 四、评分
    blocks.append(Section("四、错误率与等级"))
    if g is None:
        blocks.append(Note(g_missing or "未运行", "warn"))
    else:
        conf = f"{g.confidence * 100:g}%"
        status = g.status or ""
        caps = getattr(g.decision, "caps_applied", ()) if hasattr(g, "decision") else ()
        pairs = [
            ("户错误率（点估计）", format_pct(g.rate) + (f"（未加权 {format_pct(g.unweighted_rate)}）"
                                              if g.unweighted_rate is not None and g.rate is not None
                                              and abs(g.unweighted_rate - g.rate) > 1e-9 else "")),
            (f"{conf} 置信区间（双侧）", f"{format_pct(g.ci_low)} ～ {format_pct(g.ci_high)}" if g.ci_low is not None else "—"),
            (f"{conf} 置信上限（单侧）", format_pct(g.upper_bound)),
            (f"{conf} 置信下限（单侧）", format_pct(getattr(g, "lower_bound", None))),
            ("按严重程度加权的错误率", format_pct(g.weighted_rate)),
            ("估计方法", g.method_name + (f"：{g.estimate.method_note}" if getattr(g, "estimate", None) else "")),
            ("等级", f"{g.grade}（{status}）" if g.grade else "尚无等级"),
            (f"{conf} 置信度下保证的等级", g.guaranteed_grade or "—"),
            (f"{conf} 置信度下可能的最好等级", getattr(g, "best_grade", None) or "—"),
        ]
        if caps:
            pairs.append(("封顶", "、".join(f"{cap_label(k)} → 最高{b}" for k, b in caps)))
        cert = getattr(g, "certainty", None)
        if cert:
            pairs.append(("必查层（不参与估计）", f"{cert['N']} 户，已复核 {cert['reviewed']} 户，有问题 {cert['with_issues']} 户"
                          + (f"（{format_pct(cert['rate'])}）" if cert.get("rate") is not None else "")
                          + "；全部复核，单独报告"))
        pairs.append(("说明", g.explanation))
        hints = [*g.warnings, *getattr(g, "notes", ())]
        if hints:
            pairs.append(("提示", "\n".join(hints)))
        blocks.append(KeyValues(pairs))
        cats = list(getattr(g, "by_category", ()))
        if cats:
            blocks.append(Table(
                [Column("问题类别"), Column("有问题户", "int"), Column("复核户", "int"), Column("错误率", "percent"),
                 Column("区间下限", "percent"), Column("区间上限", "percent")],
                [(category_label(ri.label), ri.x, ri.n, ri.rate, ri.ci_low, ri.ci_high) for ri in cats],
            ))

    # 五、乡镇错误率（图）
    blocks.append(Section(f"五、各乡镇户错误率及{_conf_text(g)}置信区间", page_break=True))
    chart_rows = [t for t in data.township_rows if t.reviewed > 0 and t.rate is not None]
    blocks.append(Table(
        [Column("乡镇"), Column("已复核", "int"), Column("有问题", "int"), Column("错误率", "percent"),
         Column("区间下限", "percent"), Column("区间上限", "percent"), Column("误差线（下）", "percent"),
         Column("误差线（上）", "percent")],
        [(t.township or "（未注明乡镇）", t.reviewed, t.with_issues, t.rate, t.ci_low, t.ci_high,
          t.rate - t.ci_low, t.ci_high - t.rate) for t in chart_rows],
        empty="无数据：尚无已复核的样本户",
    ))
    if chart_rows:
        top = max(t.ci_high for t in chart_rows)
        blocks.append(Chart(f"各乡镇户错误率（误差线为{_conf_text(g)}置信区间）", category_col=1, value_col=4,
                            minus_col=7, plus_col=8, y_max=min(1.0, math.ceil(top * 10 + 1e-9) / 10 or 0.1),
                            width_cm=min(27.0, max(16.0, 6 + 1.6 * len(chart_rows))), height_cm=8.5))
    return blocks


def _conf_text(g: Any) -> str:
    return f"{g.confidence * 100:g}% " if g is not None else "95% "


def _tz_text(value: dt.datetime) -> str:
    local = value.astimezone()
    offset = local.utcoffset() or dt.timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _strata_rows(data: ReportData, g: Any) -> list[tuple]:
    s = data.sample
    assert s is not None
    graded = {}
    if g is not None and getattr(g, "estimate", None) is not None:
        graded = {row["name"]: row for row in g.estimate.strata_json()}
    reviewed: dict[str, int] = {}
    issues: dict[str, int] = {}
    for r in data.sample_rows:
        if r.status != "未核查":
            reviewed[r.stratum] = reviewed.get(r.stratum, 0) + 1
            if r.marks:
                issues[r.stratum] = issues.get(r.stratum, 0) + 1
    rows = []
    for st in s.strata or []:
        name = st.get("name", "")
        gr = graded.get(name, {})
        n_rev = gr.get("n", reviewed.get(name, 0))
        x = gr.get("x", issues.get(name, 0))
        rows.append((name, st.get("N"), st.get("n"), n_rev, x, (x / n_rev) if n_rev else None, gr.get("weight")))
    return rows


# ------------------------------------------------------------------------------------------------------------------
# 问题明细
# ------------------------------------------------------------------------------------------------------------------

MARK_COLUMNS = [
    Column("序号", "int", max_width=6), Column("乡镇", max_width=12), Column("村", max_width=14, wrap=True),
    Column("户编号", "code"), Column("户主", max_width=10), Column("人编号", "code"), Column("成员", max_width=10),
    Column("问题类别", max_width=17, wrap=True), Column("严重程度", max_width=9), Column("字段", max_width=10, wrap=True),
    Column("说明", "text", max_width=30, wrap=True), Column("来源", max_width=16, wrap=True),
    Column("核查人员", max_width=20, wrap=True), Column("时间", "datetime"), Column("计入评分", max_width=12),
]


def _mark_row(i: int, m: MarkRow, titles: dict[str, str]) -> tuple:
    return (
        i, m.township, m.village, m.household_no, m.head_name, m.member_no, m.member_name,
        category_label(m.category), m.severity, field_label(m.field), m.note, source_label(m.source, titles),
        inspector_text(m.inspector), m.created_at, IN_SAMPLE if m.in_sample else NOT_GRADED,
    )


@register_sheet("问题明细")
def marks_sheet(data: ReportData) -> list[Block]:
    """问题明细: one row per non-deleted mark; marks outside the sample highlighted and flagged 样本外（不计分）."""
    rows = [_mark_row(i, m, data.rule_titles) for i, m in enumerate(data.marks, start=1)]
    blocks: list[Block] = [Table(MARK_COLUMNS, rows, main=True, empty="无数据：尚无问题标记",
                                 fill_of=lambda r: OUTSIDE_FILL if r[-1] == NOT_GRADED else None)]
    if any(not m.in_sample for m in data.marks):
        blocks.append(Note("黄色底纹的行是样本外农户上的问题：列出备查，不计入错误率和等级。"))
    return blocks


# ------------------------------------------------------------------------------------------------------------------
# 乡镇分布
# ------------------------------------------------------------------------------------------------------------------


@register_sheet("乡镇分布")
def townships_sheet(data: ReportData) -> list[Block]:
    """乡镇分布: per township households, sampled, reviewed, with issues, rate and its interval."""
    from fupin_tui.scoring.intervals import rate_with_interval

    g, _ = _grade_parts(data)
    conf = g.confidence if g is not None else 0.95
    cols = [Column("乡镇"), Column("贫困户数", "int"), Column("样本户", "int"), Column("已复核", "int"),
            Column("有问题", "int"), Column("户错误率", "percent"), Column(f"{conf * 100:g}%区间下限", "percent"),
            Column(f"{conf * 100:g}%区间上限", "percent"), Column("样本外问题户", "int")]
    rows = [(t.township or "（未注明乡镇）", t.households, t.sampled, t.reviewed, t.with_issues, t.rate, t.ci_low,
             t.ci_high, t.outside_marked) for t in data.township_rows]
    if rows:
        n = sum(t.reviewed for t in data.township_rows)
        x = sum(t.with_issues for t in data.township_rows)
        ri = rate_with_interval(x, n, conf)
        rows.append(("全县（合计，未加权）", sum(t.households for t in data.township_rows),
                     sum(t.sampled for t in data.township_rows), n, x, ri.rate, ri.ci_low, ri.ci_high,
                     sum(t.outside_marked for t in data.township_rows)))
    blocks: list[Block] = [Table(cols, rows, main=True, empty="无数据")]
    blocks.append(Note(f"区间为 Clopper–Pearson 精确双侧 {conf * 100:g}% 置信区间（各乡镇按简单随机样本计算）；"
                       "全县等级见“汇总”。样本外问题户不计分。"))
    return blocks


# ------------------------------------------------------------------------------------------------------------------
# 抽样清单
# ------------------------------------------------------------------------------------------------------------------


@register_sheet("抽样清单")
def sample_sheet(data: ReportData) -> list[Block]:
    """抽样清单: the frozen sample in review order with statuses."""
    cols = [
        Column("序号", "int", max_width=6), Column("层", max_width=12, wrap=True), Column("必查", max_width=5),
        Column("乡镇", max_width=12), Column("村", max_width=14, wrap=True), Column("户编号", "code"),
        Column("户主", max_width=10), Column("户主证件号码", "id"), Column("人数", "int", max_width=5),
        Column("贫困户属性", max_width=12), Column("脱贫属性", max_width=8), Column("联系电话", "phone"),
        Column("核查状态", max_width=9), Column("问题数", "int", max_width=5), Column("核查人员", max_width=20, wrap=True),
        Column("核查时间", "datetime"),
    ]
    rows = [(r.order, r.stratum, "必查" if r.certainty else "", r.township, r.village, r.household_no, r.head_name,
             r.head_id_number, r.size, r.household_type, r.poverty_status, r.phone, r.status, r.marks,
             inspector_text(r.reviewed_by), r.reviewed_at) for r in data.sample_rows]
    empty = "未运行：尚未抽样（fupin sample）" if data.sample is None else "无数据"
    return [Table(cols, rows, main=True, empty=empty)]


# ------------------------------------------------------------------------------------------------------------------
# 自动核查
# ------------------------------------------------------------------------------------------------------------------


@register_sheet("自动核查")
def checks_sheet(data: ReportData) -> list[Block]:
    """自动核查 (issue 3): counts by rule, and the findings on sampled households with their verdicts."""
    # The two tables share their first four columns (rule, title, severity, category), so widths suit both.
    summary_cols = [Column("规则", "code", max_width=24, wrap=True), Column("规则名称", max_width=24, wrap=True),
                    Column("严重程度", max_width=9), Column("问题类别", max_width=17, wrap=True), Column("疑点数", "int"),
                    Column("涉及户数", "int"), Column("属实", "int"), Column("不属实", "int"), Column("待核实", "int")]
    detail_cols = [
        Column("规则", "code", max_width=24, wrap=True), Column("规则名称", max_width=24, wrap=True),
        Column("严重程度", max_width=9), Column("问题类别", max_width=17, wrap=True), Column("序号", "int", max_width=6),
        Column("乡镇", max_width=12), Column("村", max_width=14, wrap=True), Column("户编号", "code"),
        Column("户主", max_width=10), Column("人编号", "code"), Column("成员", max_width=10),
        Column("疑点说明", "text", max_width=30, wrap=True), Column("核实结论", max_width=8),
        Column("核实说明", "text", max_width=20, wrap=True), Column("核查人员", max_width=20, wrap=True),
        Column("核实时间", "datetime"),
    ]
    blocks: list[Block] = []
    caption1 = "按规则统计（全县）"
    if isinstance(data.rule_summary, Unavailable):
        blocks.append(_unavailable_table(summary_cols, data.rule_summary, caption1))
    else:
        rows = sorted(data.rule_summary, key=lambda r: (-(r["count"] or 0), r["severity"] != "严重", r["rule_id"]))
        table_rows = []
        for r in rows:
            n, yes, no = r["count"] or 0, r.get("confirmed"), r.get("dismissed")
            pending = n - (yes or 0) - (no or 0) if yes is not None or no is not None else None
            table_rows.append((r["rule_id"], r["title"], r["severity"], category_label(r["category"] or ""), n,
                               r["households"], yes, no, pending))
        blocks.append(Table(summary_cols, table_rows, caption=caption1, empty="无数据：自动核查没有发现疑点"))
    caption2 = f"样本户的疑点及核实结论（全县共 {data.findings_total} 条疑点，下表只列样本户的）"
    if isinstance(data.findings, Unavailable):
        blocks.append(_unavailable_table(detail_cols, data.findings, caption2, main=True))
    else:
        rows2 = [(r["rule_id"], r["title"], r["severity"], category_label(r["category"]), r["order"], r["township"],
                  r["village"], r["household_no"], r["head_name"], r["member_no"], r["member_name"], r["message"],
                  r["verdict"], r["verdict_note"], inspector_text(r["inspector"]), r["decided_at"])
                 for r in data.findings]
        blocks.append(Table(detail_cols, rows2, caption=caption2, main=True,
                            empty="无数据：样本户没有疑点" if data.sample else "未运行：尚未抽样"))
    return blocks


# ------------------------------------------------------------------------------------------------------------------
# 部门比对
# ------------------------------------------------------------------------------------------------------------------


@register_sheet("部门比对")
def compare_sheet(data: ReportData) -> list[Block]:
    """部门比对 (issue 5): clues by department and status, and the clue list (ID numbers masked)."""
    statuses = list(CLUE_STATUSES)
    summary_cols = [Column("部门")] + [Column(s, "int") for s in statuses] + [Column("合计", "int")]
    blocks: list[Block] = []
    caption1 = "线索按部门和核实状态统计"
    if isinstance(data.clue_summary, Unavailable):
        blocks.append(_unavailable_table(summary_cols, data.clue_summary, caption1))
    else:
        rows = []
        for entry in data.clue_summary:
            counts = entry["counts"]
            rows.append((dept_label(entry["dept"]), *(counts.get(s, 0) for s in statuses), sum(counts.values())))
        if rows:
            rows.append(("合计", *(sum(r[i + 1] for r in rows) for i in range(len(statuses))), sum(r[-1] for r in rows)))
        blocks.append(Table(summary_cols, rows, caption=caption1, empty="无数据：部门比对没有产生线索"))
    detail_cols = [
        Column("部门", max_width=12, wrap=True), Column("线索类型", max_width=16, wrap=True), Column("乡镇", max_width=12),
        Column("村", max_width=14, wrap=True), Column("户编号", "code"), Column("户主", max_width=10),
        Column("人编号", "code"), Column("成员", max_width=10), Column("证件号码", "id"),
        Column("部门记录", "text", max_width=20, wrap=True), Column("本系统记录", "text", max_width=20, wrap=True),
        Column("说明", "text", max_width=24, wrap=True), Column("核实状态", max_width=8),
        Column("核实人", max_width=20, wrap=True), Column("核实说明", "text", max_width=20, wrap=True),
        Column("来源", max_width=20, wrap=True), Column("仍有效", max_width=6),
    ]
    caption2 = "线索清单（线索是待核实的疑点，不是事实；只有“属实”的线索计入评分）"
    if isinstance(data.clues, Unavailable):
        blocks.append(_unavailable_table(detail_cols, data.clues, caption2, main=True))
    else:
        from fupin_tui import glossary

        kind_label = getattr(glossary, "clue_kind_label", lambda k: k)
        rows2 = [(dept_label(r["dept"]), kind_label(r["kind"]), r["township"], r["village"], r["household_no"],
                  r["head_name"], r["member_no"], r["member_name"], r["member_id_number"], r["their_value"],
                  r["our_value"], r["message"], r["status"], inspector_text(r["verifier"]), r["note"],
                  f"{r['source_file']} 第 {r['source_row']} 行" if r["source_row"] else r["source_file"],
                  "是" if r["active"] else "否") for r in data.clues]
        blocks.append(Table(detail_cols, rows2, caption=caption2, main=True, empty="无数据：没有线索"))
    return blocks


# ------------------------------------------------------------------------------------------------------------------
# 拒收行
# ------------------------------------------------------------------------------------------------------------------


@register_sheet("拒收行")
def rejects_sheet(data: ReportData) -> list[Block]:
    """拒收行 (issue 4): per-file row accounting and the rejected rows (file, sheet, row, column, reason)."""
    # Column 5 is wide text in both tables (row accounting sentence / reason), so the shared widths suit both.
    acc_cols = [Column("文件", max_width=28, wrap=True), Column("工作表", max_width=16, wrap=True),
                Column("表头位置", max_width=14, wrap=True), Column("类型", max_width=16, wrap=True),
                Column("行数核对", "text", max_width=44, wrap=True), Column("表头以下行数", "int"), Column("导入", "int"),
                Column("拒收", "int"), Column("跳过", "int"), Column("数据年度", "int", max_width=6),
                Column("导入时间", "datetime"), Column("SHA-256（前12位）", "code")]
    acc = []
    for f in data.imports:
        total = f.rows_imported + f.rows_rejected + f.rows_skipped
        check = (f"表头以下 {f.rows_total} 行 = 导入 {f.rows_imported} + 拒收 {f.rows_rejected} + 跳过 {f.rows_skipped}"
                 + ("，相符" if total == f.rows_total else f"，不符（差 {f.rows_total - total} 行）"))
        acc.append((f.name, f.sheet, f"表头在第 {f.header_row} 行" if f.header_row else "",
                    IMPORT_KINDS.get(f.kind, f.kind), check, f.rows_total, f.rows_imported, f.rows_rejected,
                    f.rows_skipped, f.data_year, f.imported_at, (f.sha256 or "")[:12]))
    blocks: list[Block] = [Table(acc_cols, acc, caption="导入文件与行数核对（导入 + 拒收 + 跳过 = 表头以下行数）",
                                 empty="无数据：没有导入记录")]
    rej_cols = [Column("文件", max_width=28, wrap=True), Column("工作表", max_width=16, wrap=True),
                Column("行", "int", max_width=14), Column("列", max_width=16, wrap=True),
                Column("原因", "text", max_width=44, wrap=True)]
    rows = [(r.file, r.sheet, r.row, r.column, r.reason) for r in data.rejects]
    blocks.append(Table(rej_cols, rows, caption=f"拒收行（共 {len(rows)} 行：无法归入任何农户的行）", main=True,
                        empty="无数据：没有拒收行"))
    return blocks


# ------------------------------------------------------------------------------------------------------------------
# 操作日志
# ------------------------------------------------------------------------------------------------------------------


@register_sheet("操作日志")
def actions_sheet(data: ReportData) -> list[Block]:
    """操作日志 (issue 7): the hash-chained action trail (time, inspector, action, target, old → new, note, hash)."""
    cols = [Column("序号", "int", max_width=7), Column("时间", "datetime"), Column("核查人员", max_width=20, wrap=True),
            Column("操作", max_width=14), Column("对象", "text", max_width=24, wrap=True),
            Column("原值", "text", max_width=32, wrap=True), Column("新值", "text", max_width=32, wrap=True),
            Column("说明", "text", max_width=20, wrap=True), Column("哈希（前12位）", "code", max_width=15)]
    from fupin_tui.report.data import _utc

    rows = []
    for a in data.actions:
        old, new = action_diff(a.old_value, a.new_value)
        rows.append((a.id, _utc(a.ts), inspector_text(a.inspector), ACTION_LABELS.get(a.action, a.action), a.target,
                     old, new, a.note, (a.hash or "")[:12]))
    return [Table(cols, rows, main=True, empty="无数据：操作日志为空"),
            Note("每行保存前一行的哈希，任何删改都会使链条断开；用 fupin audit verify 校验。")]


# ------------------------------------------------------------------------------------------------------------------
# 复核一致性
# ------------------------------------------------------------------------------------------------------------------


@register_sheet("复核一致性")
def agreement_sheet(data: ReportData) -> list[Block]:
    """复核一致性 (issue 7): agreement per inspector pair and category (share, Cohen's kappa), and disagreements."""
    cols = [Column("首查人员", max_width=20, wrap=True), Column("复核人员", max_width=20, wrap=True),
            Column("问题类别", max_width=20, wrap=True), Column("复核户数", "int"), Column("一致比例", "percent"),
            Column("Cohen's kappa", "ratio")]
    dcols = [Column("首查人员", max_width=20, wrap=True), Column("复核人员", max_width=20, wrap=True),
             Column("户编号", "code"), Column("乡镇", max_width=12), Column("村", max_width=14, wrap=True),
             Column("户主", max_width=10), Column("首查问题类别", max_width=30, wrap=True),
             Column("复核问题类别", max_width=30, wrap=True)]
    if isinstance(data.agreement, Unavailable):
        return [_unavailable_table(cols, data.agreement, "一致性（按人员组合和问题类别）"),
                _unavailable_table(dcols, data.agreement, "结论不一致的农户", main=True)]
    agreements, disagreements = data.agreement
    rows = []
    for a in agreements:
        cat = "总体结论（有问题 / 核查无误）" if a.category == "__verdict__" else CATEGORIES.get(a.category, a.category)
        rows.append((inspector_text(a.first), inspector_text(a.second), cat, a.households, a.agree_share,
                     None if a.kappa is None else round(a.kappa, 3)))
    places = {r.household_no: r for r in data.sample_rows}
    drows = []
    for d in disagreements:
        p = places.get(d["household_no"])
        drows.append((inspector_text(d["first"]), inspector_text(d["second"]), d["household_no"],
                      p.township if p else "", p.village if p else "", p.head_name if p else "", "、".join(category_label(c) for c in d["first_categories"]) or "无问题",
                      "、".join(category_label(c) for c in d["second_categories"]) or "无问题"))
    return [
        Table(cols, rows, caption="一致性（按人员组合和问题类别；kappa 为空表示两人结论恒定，无法计算）",
              empty="无数据：尚无完成的复核（fupin backcheck）"),
        Table(dcols, drows, caption="结论不一致的农户", main=True,
              empty="无数据：复核结论全部一致" if agreements else "无数据：尚无完成的复核（fupin backcheck）"),
    ]


# ------------------------------------------------------------------------------------------------------------------
# 村级信息 / 帮扶项目
# ------------------------------------------------------------------------------------------------------------------

_FINDING_COLS = [Column("规则", "code", max_width=24, wrap=True), Column("规则名称", max_width=24, wrap=True),
                 Column("对象", "code"), Column("严重程度", max_width=9), Column("问题类别", max_width=17, wrap=True),
                 Column("说明", "text", max_width=44, wrap=True)]


def _finding_rows(rows: list[dict[str, Any]]) -> list[tuple]:
    return [(r["rule_id"], r["title"], r["target"], r["severity"], category_label(r["category"]), r["message"])
            for r in rows]


@register_sheet("村级信息")
def villages_sheet(data: ReportData) -> list[Block]:
    """村级信息 (issue 8): village records beside the roster's counts, and the village-level findings."""
    cols = [Column("乡镇", max_width=12), Column("行政村", max_width=14, wrap=True), Column("村代码", "code"),
            Column("贫困村", max_width=6), Column("摘帽", max_width=5), Column("摘帽年度", "int", max_width=6),
            Column("党员数", "int"), Column("大学生村官数", "int"), Column("总户数", "int"), Column("总人口", "int"),
            Column("贫困户数", "int"), Column("贫困人口数", "int"), Column("建档立卡户数（花名册）", "int"),
            Column("建档立卡人数（花名册）", "int"), Column("未脱贫户数", "int"), Column("自然村数", "int"),
            Column("组织部名单党员数", "int"), Column("组织部名单大学生村官数", "int"), Column("帮扶项目数", "int"),
            Column("疑点数", "int")]
    rows = []
    for r in data.village_rows:
        findings = r.get("findings")
        rows.append((r.get("township"), r.get("village"), r.get("code"), yes_no_label(r.get("is_poor_village")),
                     yes_no_label(r.get("delisted")), r.get("delisted_year"), r.get("party_members"),
                     r.get("college_officials"), r.get("total_households"), r.get("total_population"),
                     r.get("poor_households"), r.get("poor_population"), r.get("registered_households"),
                     r.get("registered_people"), r.get("unlifted_households"), r.get("hamlets"),
                     r.get("org_party_members"), r.get("org_college_officials"), r.get("projects"),
                     len(findings) if isinstance(findings, list) else findings))
    return [
        Table(cols, rows, main=True, empty="无数据：尚未导入村级信息表"),
        Table(_FINDING_COLS, _finding_rows(data.village_findings), caption="村级疑点",
              empty="无数据：没有村级疑点"),
    ]


#: Chinese headers for the project rows' keys (a provider may also give Chinese keys, used as they are).
PROJECT_HEADERS = {
    "project_id": "项目编号", "category": "项目类别", "name": "项目名称", "year": "年度", "township": "乡镇",
    "village": "村", "total": "总投资（万元）", "central_special": "财政专项扶贫资金·中央（万元）",
    "provincial_special": "财政专项扶贫资金·省（万元）", "local_special": "财政专项扶贫资金·市县（万元）",
    "industry": "行业部门资金（万元）", "social": "社会帮扶资金（万元）", "credit": "信贷资金（万元）",
    "self_raised": "群众自筹（万元）", "other": "其他（万元）", "beneficiaries": "受益户数", "findings": "疑点数",
}
#: Money keys of the project rows (万元, two decimals).
PROJECT_MONEY = ("total", "central_special", "provincial_special", "local_special", "industry", "social", "credit",
                 "self_raised", "other")


@register_sheet("帮扶项目")
def projects_sheet(data: ReportData) -> list[Block]:
    """帮扶项目 (issue 8): the assistance projects (from the projects module when present) and their findings."""
    blocks: list[Block] = []
    if isinstance(data.projects, Unavailable):
        blocks.append(_unavailable_table([Column(h) for h in ("项目编号", "项目类别", "项目名称", "年度", "总投资（万元）")],
                                         data.projects, main=True))
    else:
        keys: list[str] = []
        for r in data.projects:
            for k in r:
                if k not in keys:
                    keys.append(k)
        cols = []
        for k in keys:
            if k in PROJECT_MONEY:
                cols.append(Column(PROJECT_HEADERS[k], "wan", max_width=10))
            elif k in ("year", "beneficiaries", "findings"):
                cols.append(Column(PROJECT_HEADERS.get(k, k), "int", max_width=8))
            elif k == "project_id":
                cols.append(Column(PROJECT_HEADERS[k], "code", max_width=16, wrap=True))
            else:
                cols.append(Column(PROJECT_HEADERS.get(k, k), "text", max_width=24, wrap=True))
        rows = [tuple(r.get(k) for k in keys) for r in data.projects]
        blocks.append(Table(cols or [Column("项目")], rows, main=True, empty="无数据：尚未导入帮扶项目表"))
    blocks.append(Table(_FINDING_COLS, _finding_rows(data.project_findings), caption="项目疑点",
                        empty="无数据：没有项目疑点"))
    return blocks
