"""Sampling commands (issues 2 and 6): ``fupin plan`` (sample size) and ``fupin sample`` (draw, extend, verify)."""

from __future__ import annotations

import json
from enum import Enum
from collections.abc import Iterable
from typing import Annotated, Any

import typer
from rich.table import Table

from fupin_tui.cli import app
from fupin_tui.cli.common import (
    CountyOption, DbOption, InspectorOption, JsonOption, actor, console, err_console, fail, open_engine,
)
from fupin_tui.models import DatabaseError, resolve_county, session_scope
from fupin_tui.sampling import (
    ALLOCATIONS,
    CERTAINTY_MODES,
    CERTAINTY_STRATUM,
    METHODS,
    DrawOutcome,
    SampleRequest,
    SamplingError,
    draw_sample,
    extend_sample,
    stratum_label,
    verify_sample,
)
from fupin_tui.scoring import LIKELIHOODS, PlanResult, format_pct, plan_sample_size


def _choices(name: str, values: Iterable[str]) -> type[Enum]:
    """A str Enum of the ids ``values`` (a typer choice option); members are named by their ids."""
    return Enum(name, {v: v for v in values}, type=str)


MethodChoice = _choices("MethodChoice", METHODS)
AllocationChoice = _choices("AllocationChoice", ALLOCATIONS)
CertaintyChoice = _choices("CertaintyChoice", CERTAINTY_MODES)
LikelihoodChoice = _choices("LikelihoodChoice", LIKELIHOODS)


# Plan options, shared by ``fupin plan`` and ``fupin sample --size-from-plan``.
TolerableOption = Annotated[float, typer.Option("--tolerable", help="可容忍的户错误率（小数，0.05 即 5%）。")]
ConfidenceOption = Annotated[float, typer.Option("--confidence", help="置信度（小数，如 0.95）。")]
ExpectedErrorsOption = Annotated[
    int | None, typer.Option("--expected-errors", help="预期在样本中发现的有问题户数 K（与 --expected-rate 二选一）。")
]
ExpectedRateOption = Annotated[
    float | None, typer.Option("--expected-rate", help="预期户错误率 R（小数）；样本量 n 时按 ⌈R·n⌉ 户计。")
]
LikelihoodOption = Annotated[
    LikelihoodChoice,
    typer.Option("--likelihood", help="计算上限所用的分布：binomial 二项（Clopper–Pearson）、poisson 泊松、"
                                      "hypergeometric 超几何（有限总体，需总体户数）。"),
]
PopulationOption = Annotated[
    int | None, typer.Option("--population", help="总体户数 N（超几何分布必需；抽样时默认取可抽户数）。")
]


def _plan_options(tolerable: float, confidence: float, expected_errors: int | None, expected_rate: float | None,
                  likelihood: LikelihoodChoice, population: int | None) -> dict[str, Any]:
    if expected_errors is not None and expected_rate is not None:
        fail("--expected-errors 与 --expected-rate 只能给一个", 2)
    return {"tolerable": tolerable, "confidence": confidence, "expected_errors": expected_errors,
            "expected_rate": expected_rate, "likelihood": likelihood.value, "population": population}


def _plan_sentence(p: PlanResult) -> str:
    k = "没有一户有问题" if p.expected_errors == 0 else f"不超过 {p.expected_errors} 户有问题"
    text = (f"需复核 {p.n} 户：在 {p.confidence:.0%} 置信度下，若复核发现{k}，户错误率的单侧上限为 "
            f"{p.upper_bound:.3%}，低于可容忍错误率 {format_pct(p.tolerable)}。")
    if p.expected_rate is not None:
        text += f"（预期错误率 {format_pct(p.expected_rate)}，按 ⌈R·n⌉ = {p.expected_errors} 户计）"
    if p.population is not None and p.likelihood == "hypergeometric":
        text += f"（总体 {p.population} 户，按可容忍错误率含 {p.population_errors} 户有问题计）"
    return text


@app.command("plan")
def plan(
    tolerable: TolerableOption = 0.05,
    confidence: ConfidenceOption = 0.95,
    expected_errors: ExpectedErrorsOption = None,
    expected_rate: ExpectedRateOption = None,
    likelihood: LikelihoodOption = LikelihoodChoice["binomial"],
    population: PopulationOption = None,
    as_json: JsonOption = False,
) -> None:
    """计算样本量（属性抽样）：找出最小的 n，使按预期错误户数计算的单侧置信上限低于可容忍错误率。

    例：fupin plan --tolerable 0.05 --confidence 0.95 → 59 户；加 --expected-errors 1 → 93 户。
    """
    opts = _plan_options(tolerable, confidence, expected_errors, expected_rate, likelihood, population)
    try:
        result = plan_sample_size(**opts)
    except ValueError as exc:
        fail(str(exc))
    if as_json:
        typer.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
        return
    console.print(f"分布：{result.likelihood_name}")
    console.print(_plan_sentence(result))


def _strata_table(outcome: DrawOutcome) -> Table:
    sample = outcome.sample
    table = Table(title=f"样本（编号 {sample.id}）各层户数")
    table.add_column(stratum_label(sample.by) if sample.by else "层")
    table.add_column("总体户数 N_h", justify="right")
    table.add_column("样本户数 n_h", justify="right")
    table.add_column("抽样比", justify="right")
    total_N = total_n = 0
    for s in sample.strata or []:
        N, n = int(s.get("N") or 0), int(s.get("n") or 0)
        name = s.get("name", "")
        if s.get("certainty"):
            name = f"{CERTAINTY_STRATUM}（全查，单独报告）"
        table.add_row(name, str(N), str(n), format_pct(n / N) if N else "—")
        total_N += N
        total_n += n
    table.add_section()
    table.add_row("合计", str(total_N), str(total_n), format_pct(total_n / total_N) if total_N else "—")
    return table


def _print_outcome(outcome: DrawOutcome, county: str) -> None:
    s = outcome.sample
    for note in outcome.notes:
        console.print(f"· {note}")
    head = {
        "drawn": "已抽取样本",
        "replaced": f"已重新抽样（旧样本编号 {outcome.replaced} 保留为非活动）",
        "unchanged": "样本未变",
        "extended": "已扩充样本",
    }[outcome.action]
    method = METHODS.get(s.method, s.method)
    if s.method == "stratified":
        method += f"，按{stratum_label(s.by)}分层，{ALLOCATIONS.get(s.allocation or '', s.allocation)}"
    console.print(
        f"{head}：县 {county}，{method}，随机部分 {s.n} 户"
        + (f"，必查层 {len(s.certainty)} 户" if s.certainty else "")
        + f"；随机种子 {s.seed}，抽样框 {s.population} 户，指纹 {s.frame_hash[:16]}…"
    )
    console.print(f"随机数发生器：{s.generator}")
    console.print(_strata_table(outcome))
    if outcome.action == "extended" and outcome.added:
        console.print(f"新增样本户：{'、'.join(outcome.added)}")


@app.command("sample")
def sample(
    db: DbOption,
    county: CountyOption = None,
    n: Annotated[int | None, typer.Option("--n", help="随机部分的样本户数（必查户另计）。")] = None,
    method: Annotated[
        MethodChoice | None,
        typer.Option("--method", help="抽样方法：random 简单随机、systematic 等间隔（按乡镇、行政村、户编号排序）、"
                                      "stratified 分层。默认 random；给了 --by 时为 stratified。"),
    ] = None,
    by: Annotated[
        str | None,
        typer.Option("--by", help="分层列（英文列名）：township 乡镇、village 行政村、household_type 贫困户属性、"
                                  "poverty_status 脱贫属性、main_cause 主要致贫原因 等。"),
    ] = None,
    allocation: Annotated[
        AllocationChoice | None,
        typer.Option("--allocation", help="分层样本的分配：proportional 按比例（默认）、neyman 奈曼最优"
                                          "（按各层“严重”疑点比例估计，无核查结果时改按比例）。"),
    ] = None,
    min_per_stratum: Annotated[int, typer.Option("--min-per-stratum", help="每层至少抽取的户数（层内不足则全抽）。")] = 0,
    certainty: Annotated[
        CertaintyChoice | None,
        typer.Option("--certainty", help="必查层：severe-findings 有严重疑点的户、confirmed-clues 有属实线索的户、"
                                         "both 两者；必查户全部核查，单独报告，不参与随机抽样。"),
    ] = None,
    size_from_plan: Annotated[
        bool, typer.Option("--size-from-plan", help="按计划计算样本量（同 fupin plan 的选项）。")
    ] = False,
    tolerable: TolerableOption = 0.05,
    confidence: ConfidenceOption = 0.95,
    expected_errors: ExpectedErrorsOption = None,
    expected_rate: ExpectedRateOption = None,
    likelihood: LikelihoodOption = LikelihoodChoice["binomial"],
    population: PopulationOption = None,
    extend: Annotated[
        int | None, typer.Option("--extend", help="在当前样本上再增加 N 户，原有样本户全部保留。")
    ] = None,
    seed: Annotated[
        int | None, typer.Option("--seed", help="随机种子（非负整数）；省略时由抽样框指纹导出。正式抽样请当场公开确定。")
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="即使当前样本已有标记或已核查的户，也重新抽样（旧样本保留为非活动）。")
    ] = False,
    verify: Annotated[
        bool, typer.Option("--verify", help="按存储的参数重抽，核验样本与抽样框未被改动（不一致时退出码为 1）。")
    ] = False,
    inspector: InspectorOption = None,
) -> None:
    """抽取并冻结核查样本（记录随机种子、发生器、方法、各层户数、必查户和抽样框指纹）；--extend 扩充，--verify 核验。

    同样的数据、同样的命令抽到同样的农户；已有标记或已核查农户的样本，不加 --force 不会被替换。
    """
    engine = open_engine(db)
    plan_opts = None
    if size_from_plan:
        plan_opts = _plan_options(tolerable, confidence, expected_errors, expected_rate, likelihood, population)
    modes = sum(bool(x) for x in (verify, extend is not None))
    if modes > 1:
        fail("--verify 与 --extend 不能同时使用", 2)
    try:
        with session_scope(engine) as s:
            code = resolve_county(s, county).code
            if verify:
                _verify(s, code)
                return
            if extend is not None:
                _check_extend_options(s, code, n, method, by, allocation, seed)
                outcome = extend_sample(s, code, extend, created_by=actor(inspector))
            else:
                if n is None and not size_from_plan:
                    fail("请用 --n 指定样本户数，或用 --size-from-plan 按计划计算样本量", 2)
                if n is not None and size_from_plan:
                    fail("--n 与 --size-from-plan 只能给一个", 2)
                m = method.value if method else ("stratified" if by else "random")
                request = SampleRequest(
                    n=n, method=m, by=by, allocation=allocation.value if allocation else None,
                    min_per_stratum=min_per_stratum, certainty=certainty.value if certainty else None, seed=seed,
                    plan=plan_opts, created_by=actor(inspector),
                )
                outcome = draw_sample(s, code, request, force=force)
    except (SamplingError, DatabaseError) as exc:
        fail(str(exc))
    _print_outcome(outcome, code)


def _check_extend_options(s, code: str, n, method, by, allocation, seed) -> None:  # noqa: ANN001
    """With --extend, options that describe the design must match the active sample's (they are not changed)."""
    from fupin_tui.sampling import active_sample

    current = active_sample(s, code)
    if current is None:
        return  # extend_sample says there is nothing to extend
    design = (current.params or {}).get("design") or {}
    given = {"--n": n, "--method": method.value if method else None, "--by": by,
             "--allocation": allocation.value if allocation else None, "--seed": seed}
    stored = {"--n": design.get("n"), "--method": current.method, "--by": current.by,
              "--allocation": current.allocation, "--seed": current.seed}
    wrong = [f"{k} {v}（当前样本为 {stored[k]}）" for k, v in given.items() if v is not None and v != stored[k]]
    if wrong:
        fail("扩充沿用当前样本的抽样参数，不能改变：" + "；".join(wrong))


def _verify(s, code: str) -> None:  # noqa: ANN001
    report = verify_sample(s, code)
    for note in report.notes:
        err_console.print(f"[yellow]提示：{note}[/]")
    if report.ok:
        console.print(
            f"样本核验通过：县 {code} 的样本（编号 {report.sample_id}）按存储的参数重抽，得到完全相同的农户；"
            f"抽样框指纹一致（{report.current_hash[:16]}…）。"
        )
        return
    fail(f"样本核验未通过（县 {code}，样本编号 {report.sample_id}）：\n" + "\n".join(f"  · {p}" for p in report.problems))


__all__ = ["plan", "sample"]
