"""Grading commands (issues 2 and 6): ``fupin grade`` (one county) and ``fupin rank`` (the province ranking 通报)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from fupin_tui.cli import app
from fupin_tui.cli.common import CountyOption, DbOption, JsonOption, console, fail, open_engine
from fupin_tui.glossary import category_label
from fupin_tui.grading import CountyGrade, GradingError, grade_county
from fupin_tui.sampling import ALLOCATIONS, CERTAINTY_STRATUM, stratum_label
from fupin_tui.scoring import RubricError, format_pct, load_rubric

RubricOption = Annotated[
    Path | None,
    typer.Option("--rubric", help="评比标准文件（TOML），按键覆盖默认标准（等级上限、严重程度权重、封顶项、置信度、估计方法）。",
                 dir_okay=False),
]


def _interval(low: float | None, high: float | None) -> str:
    return "—" if low is None or high is None else f"{format_pct(low)}–{format_pct(high)}"


def _print_grade(g: CountyGrade) -> None:
    conf = f"{g.confidence:.0%}"
    d = g.sample or {}
    design = d.get("method_name", d.get("method", ""))
    if d.get("by"):
        design += f"，按{stratum_label(d['by'])}分层，{ALLOCATIONS.get(d.get('allocation') or '', d.get('allocation'))}"
    console.print(f"[bold]县 {g.county} {g.county_name}[/]  样本编号 {d.get('id')}（{design}，随机种子 {d.get('seed')}，"
                  f"随机部分 {g.sample_n} 户）")
    console.print(f"已核查 {g.reviewed} 户，其中有问题 {g.with_issues} 户；尚未核查 {g.pending} 户。")
    if g.rate is None:
        console.print("尚未核查任何样本户，无法评定等级。")
    else:
        console.print(
            f"户错误率 {format_pct(g.rate)}（{conf} 置信区间 {_interval(g.ci_low, g.ci_high)}，单侧 {conf} 上限 "
            f"{format_pct(g.upper_bound, 3)}、下限 {format_pct(g.lower_bound, 3)}）；"
            f"按严重程度加权 {format_pct(g.weighted_rate)}。"
        )
        span = (f"至少为{g.guaranteed_grade}" + (f"、至多为{g.best_grade}" if g.best_grade != g.guaranteed_grade else "")
                if not g.settled else "既不会更好、也不会更差")
        console.print(f"等级：[bold]{g.grade}[/]（{g.status}）；在 {conf} 置信度下{span}。")
    console.print(g.explanation)
    console.print(f"估计方法：{g.method_name}。{g.estimate.method_note}")

    if g.estimate.strata and len(g.estimate.strata) > 1:
        t = Table(title="各层（随机部分）")
        for col in ("层", "N_h", "n_h（已核查）", "有问题", "错误率", "权重"):
            t.add_column(col, justify="left" if col == "层" else "right")
        for s in g.estimate.strata_json():
            t.add_row(str(s["name"]), str(s["N"] if s["N"] is not None else "—"), str(s["n"]), str(s["x"]),
                      format_pct(s["rate"]), f"{s['weight']:.3f}")
        console.print(t)
    if g.by_category:
        t = Table(title="按问题类别（户数，占已核查户）")
        for col in ("类别", "户数", "比例", f"{conf} 置信区间"):
            t.add_column(col, justify="left" if col == "类别" else "right")
        for ri in g.by_category:
            t.add_row(category_label(ri.label), str(ri.x), format_pct(ri.rate), _interval(ri.ci_low, ri.ci_high))
        console.print(t)
    if g.by_township:
        t = Table(title="按乡镇")
        for col in ("乡镇", "已核查", "有问题", "错误率", f"{conf} 置信区间"):
            t.add_column(col, justify="left" if col == "乡镇" else "right")
        for ri in g.by_township:
            t.add_row(ri.label, str(ri.n), str(ri.x), format_pct(ri.rate), _interval(ri.ci_low, ri.ci_high))
        console.print(t)
    if g.certainty:
        c = g.certainty
        console.print(
            f"{CERTAINTY_STRATUM}（全查，单独报告，不计入上面的错误率）：共 {c['N']} 户，已核查 {c['reviewed']} 户，"
            f"有问题 {c['with_issues']} 户" + (f"，比例 {format_pct(c['rate'])}" if c["rate"] is not None else "") + "。"
        )
    o = g.outside_sample
    console.print(f"样本外标记：{o['marks']} 条（{o['households']} 户），只报告，不计入错误率。")
    for w in (*g.warnings, *g.notes):
        console.print(f"[yellow]· {w}[/]")


@app.command("grade")
def grade(
    db: DbOption,
    county: CountyOption = None,
    rubric: RubricOption = None,
    as_json: JsonOption = False,
) -> None:
    """按已核查的样本户评定县的数据质量等级：户错误率、置信区间与单侧上限、等级及其是否确定、按类别和乡镇的分布。

    样本外的标记只报告，不计入评分；必查层单独报告。
    """
    engine = open_engine(db)
    try:
        result = grade_county(engine, county, rubric)
    except GradingError as exc:
        fail(str(exc))
    if as_json:
        typer.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=2, default=str))
        return
    _print_grade(result)


@app.command("rank")
def rank(
    inputs: Annotated[
        list[str], typer.Argument(help="数据库文件（其中每个县都参与排名）或 fupin grade --json 输出的 JSON 文件。")
    ],
    out: Annotated[Path, typer.Option("--out", help="通报工作簿（.xlsx）。", dir_okay=False)],
    rubric: RubricOption = None,
) -> None:
    """全省通报：每县一行（样本户数、已核查、有问题、户错误率及置信区间、等级、名次），汇总行和带误差线的柱状图。

    名次 = 1 + 置信区间整体低于本县的县数：区间重叠的县名次相同。
    """
    from fupin_tui.ranking import RankingError, load_results, write_ranking

    try:
        results = load_results(inputs, rubric)
        ranked = write_ranking(results, out, bands=load_rubric(rubric).band_names)
    except (RankingError, RubricError) as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"无法写入 {out}：{exc}")
    table = Table(title=f"通报：{len(ranked)} 个县（已写入 {out}）")
    for col in ("名次", "县代码", "县名", "已核查", "有问题", "户错误率", "置信区间", "等级"):
        table.add_column(col)
    for r in ranked:
        table.add_row(str(r.rank or "—"), r.county, r.name, str(r.reviewed), str(r.with_issues), format_pct(r.rate),
                      _interval(r.ci_low, r.ci_high), r.grade or "—")
    console.print(table)
