"""The province ranking workbook (通报): one row per county, ranked without ranking noise, with a chart (headless).

Inputs (:func:`load_results`): database files (every county in each is graded with :func:`fupin_tui.grading.
grade_county`) and JSON files written by ``fupin grade --json`` (one object, or a list of them). The rank rule is
:func:`fupin_tui.scoring.rank_counties`: rank = 1 + the number of counties whose whole two-sided interval lies
below this county's, so counties whose intervals overlap share a rank; counties with nothing reviewed are listed
last without a rank.

Workbook (:func:`write_ranking`): sheet 通报 — a title, a note on the rank rule, the header row (frozen), one row
per county (名次, 县代码, 县名, 样本户数, 已核查户数, 有问题户数, 户错误率, 置信区间下限/上限, 单侧置信上限, 等级,
保证等级, 状态, 估计方法), a summary row (totals, the pooled rate with its exact interval, counties per grade) and a
bar chart of the rates with their intervals as error bars; sheet 图表数据 — the chart's source figures. A4 landscape,
column widths fitted to Chinese text.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.chart.data_source import NumDataSource, NumRef
from openpyxl.chart.error_bar import ErrorBars
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from fupin_tui.grading import GradingError, counties_in, grade_county
from fupin_tui.models.db import DatabaseError, get_engine
from fupin_tui.scoring import CountyResult, Rubric, RubricError, load_rubric, rank_counties, summary_row

__all__ = ["RankingError", "load_results", "result_from_json", "write_ranking"]

_log = logging.getLogger(__name__)

COLUMNS = (
    ("名次", "rank"), ("县代码", "county"), ("县名", "name"), ("样本户数", "sample_n"), ("已核查户数", "reviewed"),
    ("有问题户数", "with_issues"), ("户错误率", "rate"), ("置信区间下限", "ci_low"), ("置信区间上限", "ci_high"),
    ("单侧置信上限", "upper_bound"), ("等级", "grade"), ("保证等级", "guaranteed_grade"), ("状态", "settled"),
    ("估计方法", "method"),
)
_PCT = {"rate", "ci_low", "ci_high", "upper_bound"}
_HEADER_ROW = 3


class RankingError(Exception):
    """An input that cannot be ranked (unreadable file, JSON without the grade keys, duplicate county). Chinese."""


def result_from_json(data: dict[str, Any], source: str = "") -> CountyResult:
    """A :class:`CountyResult` from one ``fupin grade --json`` object. Raises :class:`RankingError` naming the
    missing key and the file."""
    try:
        return CountyResult(
            county=str(data["county"]), name=str(data.get("county_name") or data.get("name") or ""),
            sample_n=int(data.get("sample_n") if data.get("sample_n") is not None else data["reviewed"]),
            reviewed=int(data["reviewed"]), with_issues=int(data["with_issues"]), rate=data["rate"],
            ci_low=data["ci_low"], ci_high=data["ci_high"], grade=data["grade"],
            guaranteed_grade=data.get("guaranteed_grade"), settled=data.get("settled"),
            upper_bound=data.get("upper_bound"), method=data.get("method_name") or data.get("method"),
        )
    except KeyError as exc:
        raise RankingError(f"{source or 'JSON'} 缺少评分结果的键 {exc.args[0]!r}（应为 fupin grade --json 的输出）") from None
    except (TypeError, ValueError) as exc:
        raise RankingError(f"{source or 'JSON'} 中的评分结果无法读取：{exc}") from None


def _from_db(path: str, rubric: Rubric | None) -> list[CountyResult]:
    try:
        engine = get_engine(path, create=False)
    except DatabaseError as exc:
        raise RankingError(str(exc)) from None
    except Exception as exc:  # noqa: BLE001 - not a database: say which file
        _log.debug("cannot open %s as a database: %s: %s", path, type(exc).__name__, exc)
        raise RankingError(f"无法作为数据库打开 {path}：不是 fupin 数据库文件，或文件已损坏") from None
    out = []
    counties = counties_in(engine)
    if not counties:
        raise RankingError(f"数据库 {path} 中没有任何县的数据")
    for code, name in counties:
        try:
            g = grade_county(engine, code, rubric=rubric)
        except GradingError as exc:  # a county without a sample is listed, unranked
            out.append(CountyResult(code, name, 0, 0, 0, None, None, None, None, method=f"未评分：{exc}"))
            continue
        out.append(CountyResult(
            code, name, g.sample_n, g.reviewed, g.with_issues, g.rate, g.ci_low, g.ci_high, g.grade,
            g.guaranteed_grade, g.settled, g.upper_bound, g.method_name,
        ))
    return out


def load_results(inputs: Iterable[str | Path], rubric_path: str | Path | None = None) -> list[CountyResult]:
    """County results from database files and ``fupin grade --json`` files (``.json``), in input order.

    ``rubric_path``: rubric for grading the databases (JSON results keep the grade they were written with).
    Raises :class:`RankingError` for a missing or unreadable input, bad JSON, or an unusable rubric.
    """
    try:
        rubric = load_rubric(rubric_path) if rubric_path is not None else None
    except RubricError as exc:
        raise RankingError(str(exc)) from None
    out: list[CountyResult] = []
    source: dict[str, str] = {}  # county code → the input it came from
    for item in inputs:
        text = str(item)
        if "://" not in text and not Path(text).exists():
            raise RankingError(f"找不到文件：{text}")
        if text.lower().endswith(".json"):
            try:
                data = json.loads(Path(text).read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
                raise RankingError(f"无法读取 JSON 文件 {text}：{exc}") from None
            rows = data if isinstance(data, list) else [data]
            got = [result_from_json(d, text) for d in rows]
        else:
            got = _from_db(text, rubric)
        label = _input_label(text)
        for r in got:
            first = source.get(r.county)
            if first is not None:
                where = f"在 {label} 中出现了两次" if first == label else f"同时出现在 {first} 和 {label} 中"
                raise RankingError(f"县代码重复：县 {r.county} {where}；每个县只能给一次，请去掉重复的文件或结果")
            source[r.county] = label
        out.extend(got)
    return out


def _input_label(text: str) -> str:
    """How an input is named in messages: the path as given, a PostgreSQL URL without its credentials."""
    return text.split("@")[-1] if "://" in text else text


def _settled_text(value: bool | None, grade: str | None) -> str:
    if grade is None:
        return ""
    return "确定" if value else ("待定" if value is not None else "")


def write_ranking(
    results: Sequence[CountyResult],
    out: str | Path,
    *,
    confidence: float = 0.95,
    bands: Sequence[str] = (),
    title: str = "建档立卡数据质量交叉检查通报",
) -> list[CountyResult]:
    """Rank ``results`` and write the workbook to ``out``; returns the ranked rows (as written).

    ``bands``: band names best first, for the summary's counties-per-grade (default: the default rubric's).
    Raises :class:`RankingError` for duplicate county codes or a rate without an interval.
    """
    from fupin_tui.report.style import (  # here, not at import: the report package is heavier than the ranking
        BODY_BORDER,
        BODY_FONT,
        HEADER_ALIGN,
        HEADER_BORDER,
        HEADER_FILL,
        HEADER_FONT,
        LABEL_FONT,
        NOTE_FONT,
        TITLE_FONT,
        display_width,
        setup_print,
    )

    try:
        ranked = rank_counties(results)
    except ValueError as exc:
        raise RankingError(str(exc)) from None
    if not bands:
        bands = load_rubric(None).band_names
    summary = summary_row(ranked, confidence, bands)

    wb = Workbook()
    ws = wb.active
    ws.title = "通报"
    ncol = len(COLUMNS)
    ws.cell(1, 1, f"{title}（{dt.date.today():%Y年%m月%d日}）").font = TITLE_FONT
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=ncol)
    ws.cell(2, 1, (
        f"户错误率 = 有问题户数 ÷ 已核查户数（分层样本按层加权）；置信区间为双侧 {confidence:.0%}。"
        "名次 = 1 + 置信区间整体低于本县的县数：区间重叠的县名次相同，不按偶然差异排名；未核查的县不排名。"
    )).font = NOTE_FONT
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=ncol)
    ws.cell(2, 1).alignment = Alignment(wrap_text=True, vertical="top")
    ws.row_dimensions[2].height = 30
    widths = [display_width(h) + 2 for h, _ in COLUMNS]
    for j, (header, _) in enumerate(COLUMNS, 1):
        cell = ws.cell(_HEADER_ROW, j, header)
        cell.font, cell.fill, cell.alignment, cell.border = HEADER_FONT, HEADER_FILL, HEADER_ALIGN, HEADER_BORDER
    row = _HEADER_ROW
    for r in ranked:
        row += 1
        for j, (_, key) in enumerate(COLUMNS, 1):
            value: Any = getattr(r, key)
            if key == "settled":
                value = _settled_text(r.settled, r.grade)
            cell = ws.cell(row, j, value)
            cell.font, cell.border = BODY_FONT, BODY_BORDER
            if key in _PCT and value is not None:
                cell.number_format = "0.00%"
            if key == "county":
                cell.number_format = "@"
            text = f"{value:.2%}" if key in _PCT and value is not None else ("" if value is None else str(value))
            widths[j - 1] = max(widths[j - 1], display_width(text) + 2)
    first, last = _HEADER_ROW + 1, row
    row += 1
    grades = "、".join(f"{g} {n}" for g, n in summary.grade_counts.items())
    values = {
        "rank": "合计", "name": f"{summary.counties} 县（已评 {summary.graded} 县）", "sample_n": summary.sample_n,
        "reviewed": summary.reviewed, "with_issues": summary.with_issues, "rate": summary.rate,
        "ci_low": summary.ci_low, "ci_high": summary.ci_high, "method": "各县合并计算（不加权）",
    }
    for j, (_, key) in enumerate(COLUMNS, 1):
        cell = ws.cell(row, j, values.get(key))
        cell.font, cell.border = LABEL_FONT, BODY_BORDER
        if key in _PCT and values.get(key) is not None:
            cell.number_format = "0.00%"
        elif values.get(key) is not None:
            widths[j - 1] = max(widths[j - 1], display_width(str(values[key])) + 2)
    ws.cell(row + 1, 1, f"等级分布：{grades}").font = LABEL_FONT
    for j, w in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(j)].width = min(max(w, 6), 48)
    ws.freeze_panes = ws.cell(_HEADER_ROW + 1, 1)
    setup_print(ws, title_rows=f"{_HEADER_ROW}:{_HEADER_ROW}")

    # Chart data: graded counties only (a bar needs a rate), in rank order.
    data = wb.create_sheet("图表数据")
    for j, h in enumerate(("县名", "户错误率", "区间上差", "区间下差"), 1):
        c = data.cell(1, j, h)
        c.font, c.fill, c.alignment = HEADER_FONT, HEADER_FILL, HEADER_ALIGN
    graded = [r for r in ranked if r.rate is not None]
    for i, r in enumerate(graded, 2):
        data.cell(i, 1, r.name or r.county)
        data.cell(i, 2, r.rate).number_format = "0.00%"
        data.cell(i, 3, max(0.0, (r.ci_high or 0) - r.rate)).number_format = "0.00%"  # type: ignore[operator]
        data.cell(i, 4, max(0.0, r.rate - (r.ci_low or 0))).number_format = "0.00%"  # type: ignore[operator]
    data.column_dimensions["A"].width = max([display_width(r.name or r.county) + 2 for r in graded] + [8])
    for col in "BCD":
        data.column_dimensions[col].width = 12
    if graded:
        n = len(graded) + 1
        chart = BarChart()
        chart.type = "col"
        chart.title = f"各县户错误率及其 {confidence:.0%} 置信区间"
        chart.y_axis.title = "户错误率"
        chart.y_axis.numFmt = "0%"
        chart.y_axis.majorGridlines = None
        chart.x_axis.title = "县"
        chart.add_data(Reference(data, min_col=2, min_row=1, max_row=n), titles_from_data=True)
        chart.set_categories(Reference(data, min_col=1, min_row=2, max_row=n))
        chart.legend = None
        series = chart.series[0]
        series.errBars = ErrorBars(
            errDir="y", errBarType="both", errValType="cust", noEndCap=False,
            plus=NumDataSource(numRef=NumRef(f=f"'图表数据'!$C$2:$C${n}")),
            minus=NumDataSource(numRef=NumRef(f=f"'图表数据'!$D$2:$D${n}")),
        )
        chart.height = 9
        chart.width = max(16, 1.6 * len(graded) + 6)
        ws.add_chart(chart, f"A{row + 4}")
    ws.cell(row + 3, 1, "图：各县户错误率（柱）及其置信区间（误差线）").font = NOTE_FONT
    for r in range(first, last + 1):
        ws.cell(r, 1).alignment = Alignment(horizontal="center")
    ws.cell(row, 1).font = Font(name=BODY_FONT.name, size=10, bold=True)
    setup_print(data, title_rows="1:1")
    wb.save(out)
    return ranked
