"""The frozen sample in the database: draw, extend, replace (refused while work exists) and verify.

A draw (:func:`draw_sample`) loads the frame (:mod:`.frame`), puts the certainty households (必查层: households with a
严重 finding and/or a 属实 clue) apart, draws the random part (:mod:`.select`) and stores one ``Sample`` row with every
parameter needed to redraw it — seed, generator (with the NumPy version), method, strata with N_h and n_h, the
certainty list, the frame hash and the options given — plus one ``SampleItem`` per household, and appends
``sample.draw`` to the action log in the same transaction.

Rules:
- the same request on the same data draws the same households; asking again for the sample that is already active
  changes nothing (not even the review statuses);
- a sample with any mark on its households or any status other than 未核查 is never replaced without ``force``;
  replacing keeps the old ``Sample`` row (``active = False``) and its items;
- :func:`extend_sample` adds households to the active sample keeping every earlier pick (refused when the frame
  changed since the draw);
- :func:`verify_sample` redraws from the stored parameters and the current frame, and names the households that
  differ, or says that the frame changed (its hash).

Errors are :class:`SamplingError` with a Chinese message (the CLI exits 1 with it).
"""

from __future__ import annotations

import datetime as dt
import getpass
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from fupin_tui.audit import append_action
from fupin_tui.glossary import ReviewStatus, Severity
from fupin_tui.models.tables import Finding, Household, Mark, Sample, SampleItem
from fupin_tui.sampling.frame import Frame, load_frame, stratify_columns
from fupin_tui.sampling.rng import generator_label
from fupin_tui.sampling.select import (
    ALLOCATIONS,
    METHODS,
    Design,
    Selection,
    SelectionError,
    select as select_units,
)

__all__ = [
    "CERTAINTY_MODES",
    "CERTAINTY_STRATUM",
    "DrawOutcome",
    "SampleRequest",
    "SamplingError",
    "VerifyReport",
    "active_sample",
    "certainty_households",
    "default_seed",
    "draw_sample",
    "extend_sample",
    "neyman_guess",
    "sample_work",
    "verify_sample",
]

#: Stratum name of the certainty households (reviewed in full, reported apart from the random part).
CERTAINTY_STRATUM = "必查层"
#: ``--certainty`` values → Chinese description.
CERTAINTY_MODES: dict[str, str] = {
    "severe-findings": "有“严重”疑点的农户",
    "confirmed-clues": "有“属实”部门比对线索的农户",
    "both": "有“严重”疑点或“属实”线索的农户",
}


class SamplingError(Exception):
    """A sample that cannot be drawn, extended, replaced or verified as asked. ``str()`` is a Chinese message."""


@dataclass(frozen=True)
class SampleRequest:
    """What ``fupin sample`` asks for.

    ``n``: households in the random part (the certainty households come on top), or None with ``plan`` options;
    ``method``: random | systematic |
    stratified; ``by``: stratification column (stratified only); ``allocation``: proportional | neyman;
    ``min_per_stratum``: least n_h per stratum; ``certainty``: None or a key of :data:`CERTAINTY_MODES`; ``seed``:
    None → :func:`default_seed`; ``plan``: options of :func:`fupin_tui.scoring.plan_sample_size` (tolerable,
    confidence, expected_errors, expected_rate, likelihood, population) when the size comes from a plan
    (``--size-from-plan``; for the hypergeometric likelihood the population defaults to the households the random
    part is drawn from); ``created_by``: the inspector (default: the login name).
    """

    n: int | None
    method: str = "random"
    by: str | None = None
    allocation: str | None = None
    min_per_stratum: int = 0
    certainty: str | None = None
    seed: int | None = None
    plan: Mapping[str, Any] | None = None
    created_by: str | None = None


@dataclass
class DrawOutcome:
    """Result of a draw or an extension: the active sample, what happened, the selection and notes (Chinese).

    ``action``: ``drawn`` (first sample), ``replaced`` (old one kept inactive), ``unchanged`` (the same sample was
    already active), ``extended``. ``certainty``: household numbers of the certainty stratum. ``replaced``: the
    old sample's id. ``added``: household numbers added by an extension.
    """

    sample: Sample
    action: str
    selection: Selection
    certainty: list[str]
    notes: list[str] = field(default_factory=list)
    replaced: int | None = None
    added: list[str] = field(default_factory=list)


@dataclass
class VerifyReport:
    """Result of :func:`verify_sample`. ``ok`` when the redraw gives the stored households and the frame is unchanged.

    ``missing``: household numbers the redraw picks but the stored sample lacks; ``extra``: stored but not redrawn;
    ``stratum_mismatch``: household numbers whose stored stratum differs; ``frame_changed``: the frame hash differs
    from the stored one; ``problems``: Chinese sentences, one per problem; ``notes``: remarks that are not failures.
    """

    sample_id: int
    ok: bool
    frame_changed: bool
    stored_hash: str
    current_hash: str
    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    stratum_mismatch: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------------------------------------------------
# Queries
# --------------------------------------------------------------------------------------------------------------------


def active_sample(session: Session, county_code: str) -> Sample | None:
    """The county's active sample (the newest if, against the rules, several are active), or None."""
    return session.scalars(
        select(Sample).where(Sample.county_code == county_code, Sample.active.is_(True)).order_by(Sample.id.desc())
    ).first()


def sample_work(session: Session, sample: Sample) -> tuple[int, int]:
    """(marks, reviewed): non-deleted marks on the sample's households, and items whose status is not 未核查."""
    hh = select(SampleItem.household_id).where(SampleItem.sample_id == sample.id)
    marks = session.scalar(
        select(func.count()).select_from(Mark).where(Mark.household_id.in_(hh), Mark.deleted.is_(False))
    ) or 0
    reviewed = session.scalar(
        select(func.count()).select_from(SampleItem).where(
            SampleItem.sample_id == sample.id, SampleItem.status != ReviewStatus.PENDING.value
        )
    ) or 0
    return int(marks), int(reviewed)


def default_seed(frame: Frame) -> int:
    """The seed used when none is given: the first 8 hex digits of the frame hash, as a number below 10⁸.

    So the same command on the same data draws the same households; a formal draw should use a seed fixed in public
    on the day (e.g. dice), since anyone holding the data can compute this one.
    """
    return int(frame.hash[:8], 16) % 100_000_000


def _household_ids(session: Session, county_code: str, values: Iterable[Any]) -> set[int]:
    """Household ids from what a certainty source returned: ids, 户编号, Household rows or objects with either."""
    ids: set[int] = set()
    nos: set[str] = set()
    for v in values:
        if isinstance(v, Household):
            ids.add(int(v.id))  # type: ignore[arg-type]
        elif isinstance(v, bool):
            continue
        elif isinstance(v, int):
            ids.add(v)
        elif isinstance(v, str):
            nos.add(v)
        elif getattr(v, "household_id", None) is not None:
            ids.add(int(v.household_id))
        elif getattr(v, "household_no", None):
            nos.add(str(v.household_no))
    if nos:
        ids |= set(session.scalars(
            select(Household.id).where(Household.county_code == county_code, Household.household_no.in_(nos))
        ))
    return ids


def certainty_households(session: Session, county_code: str, mode: str) -> set[int]:
    """Household ids of the certainty stratum for ``mode`` (a key of :data:`CERTAINTY_MODES`).

    ``severe-findings``: :func:`fupin_tui.checks.severe_households` (households with a 严重 finding not dismissed);
    ``confirmed-clues``: :func:`fupin_tui.compare.confirmed_clue_households` (households with a 属实 clue); ``both``:
    the union. Raises :class:`SamplingError` for an unknown mode, or when the module providing a source is not
    installed in this build.
    """
    if mode not in CERTAINTY_MODES:
        raise SamplingError(f"未知的必查方式 {mode!r}，可选：{'、'.join(CERTAINTY_MODES)}")
    out: set[int] = set()
    if mode in ("severe-findings", "both"):
        try:
            from fupin_tui.checks import severe_households  # type: ignore[attr-defined]
        except ImportError:
            raise SamplingError(
                "无法按严重疑点确定必查户：自动核查模块（fupin_tui.checks.severe_households）在本版本中不可用"
            ) from None
        try:
            found = severe_households(session, county_code, exclude_dismissed=True)
        except TypeError:  # an implementation without the option
            found = severe_households(session, county_code)
        out |= _household_ids(session, county_code, found)
    if mode in ("confirmed-clues", "both"):
        try:
            from fupin_tui.compare import confirmed_clue_households  # type: ignore[attr-defined]
        except ImportError:
            raise SamplingError(
                "无法按属实线索确定必查户：部门比对模块（fupin_tui.compare.confirmed_clue_households）在本版本中不可用"
            ) from None
        out |= _household_ids(session, county_code, confirmed_clue_households(session, county_code))
    return out


def neyman_guess(session: Session, frame: Frame, exclude: set[int]) -> tuple[dict[str, float] | None, str]:
    """Per-stratum guessed error rate for the Neyman allocation, and a Chinese note saying where it came from.

    The guess is the share of the stratum's households with a 严重 finding of the rulebook (``Finding`` rows of
    severity 严重; households in ``exclude``, the certainty stratum, left out), smoothed as (x_h + ½)/(N_h + 1) so a
    stratum without findings still gets a share. Returns (None, note) when the county has no findings at all (the
    rulebook was not run) or no severe finding: the caller then falls back to proportional allocation.
    """
    total = session.scalar(
        select(func.count()).select_from(Finding).where(Finding.county_code == frame.county_code)
    ) or 0
    if not total:
        return None, "尚无自动核查结果（未运行 fupin check），奈曼分配无从估计各层错误率，改用按比例分配"
    severe_nos = set(session.scalars(
        select(Finding.household_no).where(
            Finding.county_code == frame.county_code, Finding.severity == Severity.SEVERE.value,
            Finding.household_no.is_not(None),
        ).distinct()
    ))
    sizes: dict[str, int] = {}
    hits: dict[str, int] = {}
    for r in frame.rows:
        if r.household_id in exclude:
            continue
        sizes[r.value] = sizes.get(r.value, 0) + 1
        hits[r.value] = hits.get(r.value, 0) + int(r.household_no in severe_nos)
    if not any(hits.values()):
        return None, "自动核查结果中没有“严重”疑点，奈曼分配无从区分各层，改用按比例分配"
    guess = {h: (hits[h] + 0.5) / (sizes[h] + 1) for h in sizes}
    return guess, "奈曼分配：各层预估错误率取该层有“严重”疑点农户的比例，按 (x_h+½)/(N_h+1) 平滑"


# --------------------------------------------------------------------------------------------------------------------
# Draw, extend
# --------------------------------------------------------------------------------------------------------------------


def _validate(request: SampleRequest) -> None:
    if request.method not in METHODS:
        raise SamplingError(f"未知的抽样方法 {request.method!r}，可选：{'、'.join(METHODS)}")
    if request.method == "stratified":
        if not request.by:
            raise SamplingError("分层抽样需要指定分层列（--by），例如 --by township")
        if request.by not in stratify_columns():
            raise SamplingError(f"不能按 {request.by!r} 分层；可用的列：{'、'.join(stratify_columns())}")
        if (request.allocation or "proportional") not in ALLOCATIONS:
            raise SamplingError(f"未知的分配方式 {request.allocation!r}，可选：{'、'.join(ALLOCATIONS)}")
    elif request.by or request.allocation or request.min_per_stratum:
        raise SamplingError("--by、--allocation、--min-per-stratum 只用于分层抽样（--method stratified）")
    if request.n is None and request.plan is None:
        raise SamplingError("请用 --n 指定样本量，或用 --size-from-plan 按计划计算样本量")
    if request.n is not None and request.plan is not None:
        raise SamplingError("--n 与 --size-from-plan 只能给一个")
    if request.n is not None and request.n < 0:
        raise SamplingError(f"样本量不能为负：{request.n}")
    if request.min_per_stratum < 0:
        raise SamplingError(f"每层最少抽取数不能为负：{request.min_per_stratum}")
    if request.seed is not None and request.seed < 0:
        raise SamplingError(f"随机种子须为非负整数：{request.seed}")
    if request.certainty is not None and request.certainty not in CERTAINTY_MODES:
        raise SamplingError(f"未知的必查方式 {request.certainty!r}，可选：{'、'.join(CERTAINTY_MODES)}")


def _strata_json(selection: Selection, certainty: list[str]) -> list[dict[str, Any]]:
    out = [s.to_json() for s in selection.strata]
    if certainty:
        out.append({"name": CERTAINTY_STRATUM, "N": len(certainty), "n": len(certainty), "certainty": True})
    return out


def _certainty_nos(frame: Frame, ids: set[int]) -> list[str]:
    return [r.household_no for r in frame.rows if r.household_id in ids]


def _redraw(frame: Frame, design: Design, certainty_nos: list[str]) -> tuple[Selection, set[int]]:
    by_no = frame.by_no()
    ids = {by_no[no].household_id for no in certainty_nos if no in by_no}
    try:
        return select_units(frame.units(exclude=ids), design), ids
    except SelectionError as exc:
        raise SamplingError(str(exc)) from None


def _same_as(session: Session, sample: Sample, selection: Selection, certainty: list[str],
             design: Design, frame: Frame) -> bool:
    if sample.frame_hash != frame.hash or sample.certainty != certainty:
        return False
    stored = Design.from_params((sample.params or {}).get("design") or {"method": "?", "seed": -1, "n": -1})
    if stored != design:
        return False
    items = session.execute(
        select(SampleItem.household_no, SampleItem.stratum, SampleItem.certainty).where(SampleItem.sample_id == sample.id)
    ).all()
    wanted = {(p.unit.household_no, p.stratum, False) for p in selection.picks}
    wanted |= {(no, CERTAINTY_STRATUM, True) for no in certainty}
    return {(a, b, bool(c)) for a, b, c in items} == wanted


def _write_items(session: Session, sample_id: int, frame: Frame, selection: Selection, certainty_ids: set[int],
                 start_order: int = 0, only_step: int | None = None) -> list[str]:
    rows = []
    order = start_order
    added = []
    for p in selection.picks:
        if only_step is not None and p.step != only_step:
            continue
        order += 1
        rows.append(dict(sample_id=sample_id, household_id=p.unit.household_id, household_no=p.unit.household_no,
                         stratum=p.stratum, order=order, certainty=False, status=ReviewStatus.PENDING.value))
        added.append(p.unit.household_no)
    if only_step is None:
        for r in frame.rows:
            if r.household_id in certainty_ids:
                order += 1
                rows.append(dict(sample_id=sample_id, household_id=r.household_id, household_no=r.household_no,
                                 stratum=CERTAINTY_STRATUM, order=order, certainty=True,
                                 status=ReviewStatus.PENDING.value))
    if rows:
        session.execute(SampleItem.__table__.insert(), rows)  # type: ignore[attr-defined]
    return added


def _plan(options: Mapping[str, Any], available: int) -> dict[str, Any]:
    """Run the sample-size planner with ``options``; the hypergeometric population defaults to ``available``."""
    from fupin_tui.scoring import plan_sample_size

    opts = dict(options)
    if opts.get("likelihood") == "hypergeometric" and opts.get("population") is None:
        opts["population"] = available
    try:
        result = plan_sample_size(**opts)
    except (TypeError, ValueError) as exc:
        raise SamplingError(f"无法按计划计算样本量：{exc}") from None
    out = result.to_json()
    out["options"] = dict(options)
    return out


def draw_sample(session: Session, county_code: str, request: SampleRequest, *, force: bool = False) -> DrawOutcome:
    """Draw and freeze a sample for the county (in ``session``'s transaction; the caller commits).

    Returns a :class:`DrawOutcome`. Raises :class:`SamplingError` for an invalid request, a size larger than the
    frame, an empty county, an unavailable certainty source, or when an active sample with marks or reviewed
    households would be replaced without ``force``.
    """
    _validate(request)
    by = request.by if request.method == "stratified" else None
    try:
        frame = load_frame(session, county_code, by)
    except ValueError as exc:
        raise SamplingError(str(exc)) from None
    if not len(frame):
        raise SamplingError(f"县 {county_code} 没有任何农户，无法抽样（请先用 fupin import 导入）")
    notes: list[str] = []
    seed = request.seed
    if seed is None:
        seed = default_seed(frame)
        notes.append(f"未指定 --seed，使用由抽样框指纹导出的默认种子 {seed}（同样的数据得到同样的样本）；"
                     "正式抽样请当场公开确定种子（如掷骰子）并用 --seed 指定，以免被预先推算")
    certainty_ids: set[int] = set()
    if request.certainty:
        certainty_ids = certainty_households(session, county_code, request.certainty) & set(frame.by_id())
        notes.append(f"必查层：{CERTAINTY_MODES[request.certainty]}共 {len(certainty_ids)} 户，全部核查，单独报告，不参与随机抽样")
    certainty = _certainty_nos(frame, certainty_ids)
    allocation = request.allocation or ("proportional" if request.method == "stratified" else None)
    guess = None
    if allocation == "neyman":
        guess, note = neyman_guess(session, frame, certainty_ids)
        notes.append(note)
        if guess is None:
            allocation = "proportional"
    n = request.n
    plan_json = None
    if request.plan is not None:
        plan_json = _plan(request.plan, len(frame) - len(certainty_ids))
        n = int(plan_json["n"])
        notes.append(f"样本量按计划计算：{n} 户（可容忍错误率 {plan_json['tolerable']:g}，置信度 {plan_json['confidence']:g}，"
                     f"预期错误 {plan_json['expected_errors']} 户，{plan_json['likelihood_name']}）")
    design = Design(request.method, seed, int(n or 0), by, allocation, request.min_per_stratum, (), guess)
    if n == 0 and not certainty:
        raise SamplingError("样本量为 0 且没有必查户：没有可核查的农户")
    try:
        selection = select_units(frame.units(exclude=certainty_ids), design)
    except SelectionError as exc:
        raise SamplingError(str(exc)) from None
    notes.extend(selection.notes)

    old = active_sample(session, county_code)
    if old is not None and _same_as(session, old, selection, certainty, design, frame):
        return DrawOutcome(old, "unchanged", selection, certainty,
                           notes + [f"与当前样本（编号 {old.id}）完全相同，未作改动"])
    marks = reviewed = 0
    if old is not None:
        marks, reviewed = sample_work(session, old)
        if (marks or reviewed) and not force:
            raise SamplingError(
                f"县 {county_code} 的当前样本（编号 {old.id}，{old.created_at:%Y-%m-%d %H:%M} UTC 由 {old.created_by or '未署名'} 抽取）"
                f"已有 {marks} 条问题标记、{reviewed} 户已核查，不能替换；如确需重新抽样，请加 --force"
                "（旧样本及其核查记录保留为非活动样本）"
            )
        session.execute(update(Sample).where(Sample.id == old.id).values(active=False))
        if marks or reviewed:
            notes.append(f"已强制替换旧样本（编号 {old.id}，{marks} 条标记、{reviewed} 户已核查），旧样本保留为非活动")

    created_by = request.created_by if request.created_by is not None else _login()
    params = {
        "design": design.to_params(),
        "certainty_mode": request.certainty,
        "plan": plan_json,
        "seed_given": request.seed is not None,
        "numpy": np.__version__,
        "notes": notes,
        "history": [{"step": 0, "n": n, "by": created_by, "at": _now()}],
    }
    sample = Sample(
        county_code=county_code, active=True, seed=seed, generator=generator_label(), method=request.method,
        by=by, allocation=allocation, n=design.total, population=len(frame), frame_hash=frame.hash,
        strata=_strata_json(selection, certainty), certainty=certainty, params=params, created_by=created_by,
    )
    session.add(sample)
    session.flush()
    _write_items(session, int(sample.id), frame, selection, certainty_ids)  # type: ignore[arg-type]
    append_action(
        session, inspector=created_by, action="sample.draw", target=f"sample:{sample.id}",
        old={"sample": old.id} if old is not None else None,
        new={"county": county_code, "method": request.method, "by": by, "allocation": allocation, "n": design.total,
             "certainty": len(certainty), "seed": seed, "frame_hash": frame.hash},
        note=f"强制替换已有核查工作的样本 {old.id}" if (old is not None and (marks or reviewed)) else "",
    )
    return DrawOutcome(sample, "replaced" if old is not None else "drawn", selection, certainty, notes,
                       replaced=old.id if old is not None else None)


def extend_sample(session: Session, county_code: str, extra: int, *, created_by: str | None = None) -> DrawOutcome:
    """Add ``extra`` households to the county's active sample, keeping every earlier pick and its status.

    The extension follows the stored design (random: the next households of the same permutation; systematic: a
    second pass over the households not yet picked; stratified: the allocation for the new total, no stratum
    losing a pick). Raises :class:`SamplingError` when there is no active sample, ``extra`` < 1, the frame changed
    since the draw (verify first), or the frame has too few households left.
    """
    if extra < 1:
        raise SamplingError(f"扩充户数须为正整数：{extra}")
    sample = active_sample(session, county_code)
    if sample is None:
        raise SamplingError(f"县 {county_code} 还没有样本，无法扩充（请先用 fupin sample 抽样）")
    params = dict(sample.params or {})
    design = Design.from_params(params["design"])
    frame = load_frame(session, county_code, design.by)
    if frame.hash != sample.frame_hash:
        raise SamplingError(
            f"抽样框自抽样后已变化（抽样时指纹 {sample.frame_hash[:12]}…，现在 {frame.hash[:12]}…），不能在原样本上扩充；"
            "请先用 fupin sample --verify 查明差异"
        )
    new_design = design.with_extension(extra)
    selection, certainty_ids = _redraw(frame, new_design, list(sample.certainty or []))
    step = len(new_design.extends)
    stored = set(session.scalars(select(SampleItem.household_id).where(SampleItem.sample_id == sample.id)))
    earlier = {p.unit.household_id for p in selection.picks if p.step < step}
    if not earlier <= stored:
        raise SamplingError(f"样本（编号 {sample.id}）与按其参数重抽的结果不一致，不能扩充；请先用 fupin sample --verify 查明差异")
    last = session.scalar(select(func.max(SampleItem.order)).where(SampleItem.sample_id == sample.id)) or 0
    added = _write_items(session, int(sample.id), frame, selection, certainty_ids, start_order=int(last),  # type: ignore[arg-type]
                         only_step=step)
    who = created_by if created_by is not None else _login()
    history = list(params.get("history") or [])
    history.append({"step": step, "n": extra, "by": who, "at": _now()})
    params.update(design=new_design.to_params(), history=history,
                  notes=list(params.get("notes") or []) + list(selection.notes[-1:] if design.method == "systematic" else []))
    strata = _strata_json(selection, list(sample.certainty or []))
    old_n = sample.n
    session.execute(update(Sample).where(Sample.id == sample.id).values(n=new_design.total, strata=strata, params=params))
    append_action(session, inspector=who, action="sample.extend", target=f"sample:{sample.id}",
                  old={"n": old_n}, new={"n": new_design.total, "added": len(added)})
    session.expire(sample)
    sample = session.get(Sample, sample.id)  # type: ignore[assignment]
    notes = [f"样本（编号 {sample.id}）扩充 {len(added)} 户：{old_n} → {new_design.total} 户（随机部分），原有样本户全部保留"]
    return DrawOutcome(sample, "extended", selection, list(sample.certainty or []), notes, added=added)


# --------------------------------------------------------------------------------------------------------------------
# Verify
# --------------------------------------------------------------------------------------------------------------------


def _list(nos: list[str], limit: int = 20) -> str:
    shown = "、".join(nos[:limit])
    return shown + (f" 等 {len(nos)} 户" if len(nos) > limit else f"（{len(nos)} 户）")


def verify_sample(session: Session, county_code: str) -> VerifyReport:
    """Redraw the county's active sample from its stored parameters and compare with the stored households.

    Checks, each reported as a Chinese sentence in ``problems``: the frame hash (households added, removed, moved or
    re-valued since the draw); the redrawn random part against the stored non-certainty items (which households are
    missing or extra, which changed stratum); the stored certainty items against ``Sample.certainty``; the stored
    strata sizes n_h. A different NumPy version is a note, not a failure (the draw reads only PCG64's raw stream).
    Raises :class:`SamplingError` when the county has no active sample or its parameters are unreadable.
    """
    sample = active_sample(session, county_code)
    if sample is None:
        raise SamplingError(f"县 {county_code} 还没有样本，无从核验")
    params = sample.params or {}
    try:
        design = Design.from_params(params["design"])
    except (KeyError, TypeError, ValueError):
        raise SamplingError(f"样本（编号 {sample.id}）缺少可用的抽样参数，无法重抽核验") from None
    frame = load_frame(session, county_code, design.by)
    report = VerifyReport(int(sample.id), True, frame.hash != sample.frame_hash, sample.frame_hash, frame.hash)  # type: ignore[arg-type]
    if params.get("numpy") and params["numpy"] != np.__version__:
        report.notes.append(f"抽样时 NumPy 版本为 {params['numpy']}，现为 {np.__version__}；本程序只用 PCG64 原始随机流，结果不受影响")
    if report.frame_changed:
        report.problems.append(
            f"抽样框已变化：抽样时指纹 {sample.frame_hash[:16]}…，现在 {frame.hash[:16]}…（农户有增删、调整乡村或分层列取值变化）"
        )
    certainty = list(sample.certainty or [])
    by_no = frame.by_no()
    gone = [no for no in certainty if no not in by_no]
    if gone:
        report.problems.append(f"必查户已不在抽样框中：{_list(gone)}")
    items = session.execute(
        select(SampleItem.household_no, SampleItem.stratum, SampleItem.certainty, SampleItem.household_id)
        .where(SampleItem.sample_id == sample.id)
    ).all()
    # A tampered item may carry a household_id that disagrees with its 户编号: judge by the household id.
    no_of_id = {r.household_id: r.household_no for r in frame.rows}
    stored_random: dict[str, str] = {}
    stored_cert: list[str] = []
    for no, stratum, cert, hid in items:
        real_no = no_of_id.get(hid, no)
        if real_no != no:
            report.problems.append(f"样本户记录被改动：户编号 {no} 的记录指向的是户 {real_no}")
        if cert:
            stored_cert.append(real_no)
        else:
            stored_random[real_no] = stratum
    if sorted(stored_cert) != sorted(certainty):
        miss = sorted(set(certainty) - set(stored_cert))
        more = sorted(set(stored_cert) - set(certainty))
        parts = []
        if miss:
            parts.append(f"缺少 {_list(miss)}")
        if more:
            parts.append(f"多出 {_list(more)}")
        report.problems.append("必查层与抽样记录不符：" + "；".join(parts))
        report.missing.extend(miss)
        report.extra.extend(more)
    try:
        selection, _ = _redraw(frame, design, certainty)
    except SamplingError as exc:
        report.problems.append(f"按存储的参数无法重抽：{exc}")
        report.ok = False
        return report
    redrawn = {p.unit.household_no: p.stratum for p in selection.picks}
    missing = sorted(set(redrawn) - set(stored_random))
    extra = sorted(set(stored_random) - set(redrawn))
    moved = sorted(no for no in set(redrawn) & set(stored_random) if redrawn[no] != stored_random[no])
    if missing:
        report.problems.append(f"重抽得到但样本中没有的农户：{_list(missing)}")
    if extra:
        report.problems.append(f"样本中有但重抽得不到的农户：{_list(extra)}")
    if moved:
        report.problems.append(f"所属层与重抽结果不同的农户：{_list(moved)}")
    report.missing.extend(missing)
    report.extra.extend(extra)
    report.stratum_mismatch.extend(moved)
    stored_strata = {s.get("name"): (s.get("N"), s.get("n")) for s in sample.strata or [] if not s.get("certainty")}
    redrawn_strata = {s.name: (s.N, s.n) for s in selection.strata}
    if stored_strata != redrawn_strata:
        diff = sorted(
            h for h in set(stored_strata) | set(redrawn_strata) if stored_strata.get(h) != redrawn_strata.get(h)
        )
        report.problems.append("各层户数与重抽结果不同：" + "；".join(
            f"{h}：记录 N={_fmt(stored_strata.get(h), 0)}、n={_fmt(stored_strata.get(h), 1)}，"
            f"重抽 N={_fmt(redrawn_strata.get(h), 0)}、n={_fmt(redrawn_strata.get(h), 1)}"
            for h in diff
        ))
    report.ok = not report.problems
    return report


def _fmt(pair: tuple[Any, Any] | None, i: int) -> str:
    return "—" if pair is None else str(pair[i])


def _login() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name in some containers
        return ""


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
