"""Pure selection: allocation of a sample over strata and the draw itself (frame units in, picks out; no database).

Methods (``Design.method``):

- ``random`` — simple random sampling without replacement: the first n positions of a seeded random permutation of
  the frame (forward Fisher–Yates on :class:`~fupin_tui.sampling.rng.Stream`). An extension by e takes the next e
  positions of the same permutation, so the n + e households are exactly what a fresh draw of n + e would give.
- ``systematic`` — 等间隔抽样 from the frame in its order (乡镇, 行政村, 户编号): with N units and n picks the interval
  is k = N/n and the picks are the positions ⌊(r + i·N)/n⌋, i = 0…n−1, for a seeded random r in [0, N) (start
  r/n in [0, k)). Every unit has probability exactly n/N; when k is a whole number these are the positions s, s+k,
  s+2k… for a start s = ⌊r/n⌋ uniform in 0…k−1. An extension by e is a second systematic pass over the units not yet
  picked (in frame order) with its own seeded start (stream ``[seed, "extend", j]``).
- ``stratified`` — the frame split by the values of one household column; n is allocated over the strata
  (:func:`allocate`), and each stratum is a simple random sample drawn from its own stream (``[seed, "stratum",
  name]``), so an extension only raises some n_h and takes the next positions of each stratum's permutation.

Allocation: ``proportional`` weighs stratum h by N_h; ``neyman`` by N_h·√(p_h(1−p_h)) for a guessed error rate p_h
(Neyman 1934: the allocation that minimises the variance of the stratified estimate for a fixed n). Every stratum
gets at least ``min_per_stratum`` (or all its N_h when smaller) and at most N_h; rounding is by largest remainder,
ties by stratum order, so Σ n_h = n exactly.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from fupin_tui.sampling.rng import Stream

__all__ = [
    "ALLOCATIONS",
    "METHODS",
    "WHOLE_COUNTY",
    "Design",
    "Pick",
    "Selection",
    "SelectionError",
    "StratumPlan",
    "Unit",
    "allocate",
    "neyman_weights",
    "select",
]

#: Method id → Chinese name.
METHODS: dict[str, str] = {
    "random": "简单随机抽样（不放回）",
    "systematic": "等间隔抽样（系统抽样）",
    "stratified": "分层随机抽样",
}
#: Allocation id → Chinese name.
ALLOCATIONS: dict[str, str] = {
    "proportional": "按比例分配",
    "neyman": "奈曼最优分配",
}
#: The one stratum of an unstratified (random / systematic) sample.
WHOLE_COUNTY = "全县"


class SelectionError(ValueError):
    """A draw that cannot be made as asked (n larger than the frame, min-per-stratum too large…); Chinese message."""


@dataclass(frozen=True)
class Unit:
    """One household of the frame: database id, 户编号, and its stratum (``WHOLE_COUNTY`` when unstratified)."""

    household_id: int
    household_no: str
    stratum: str


@dataclass(frozen=True)
class Design:
    """Everything that determines a draw, as stored in ``Sample.params`` (see :meth:`to_params`).

    ``n``: size of the first draw (random part, households); ``extends``: sizes of later extensions, in order;
    ``neyman_guess``: stratum name → guessed error rate p_h (fraction) used by the Neyman allocation.
    """

    method: str
    seed: int
    n: int
    by: str | None = None
    allocation: str | None = None
    min_per_stratum: int = 0
    extends: tuple[int, ...] = ()
    neyman_guess: Mapping[str, float] | None = None

    @property
    def total(self) -> int:
        """Households in the random part after every extension."""
        return self.n + sum(self.extends)

    def with_extension(self, extra: int) -> Design:
        """The same design with one more extension of ``extra`` households."""
        return Design(self.method, self.seed, self.n, self.by, self.allocation, self.min_per_stratum,
                      (*self.extends, extra), self.neyman_guess)

    def to_params(self) -> dict[str, Any]:
        """Plain dict (JSON-safe) of the design."""
        return {
            "method": self.method,
            "seed": self.seed,
            "n": self.n,
            "by": self.by,
            "allocation": self.allocation,
            "min_per_stratum": self.min_per_stratum,
            "extends": list(self.extends),
            "neyman_guess": dict(self.neyman_guess) if self.neyman_guess is not None else None,
        }

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> Design:
        """Inverse of :meth:`to_params`. Raises KeyError when a required key is missing."""
        guess = params.get("neyman_guess")
        return cls(
            method=params["method"], seed=int(params["seed"]), n=int(params["n"]), by=params.get("by"),
            allocation=params.get("allocation"), min_per_stratum=int(params.get("min_per_stratum") or 0),
            extends=tuple(int(e) for e in params.get("extends") or ()),
            neyman_guess=None if guess is None else {str(k): float(v) for k, v in guess.items()},
        )


@dataclass(frozen=True)
class Pick:
    """One drawn household: the unit, its stratum, the review order (1-based) and the step (0 first draw, j ≥ 1 the
    j-th extension)."""

    unit: Unit
    stratum: str
    order: int
    step: int


@dataclass(frozen=True)
class StratumPlan:
    """A stratum of the random part: name, N_h households in the frame, n_h drawn."""

    name: str
    N: int
    n: int

    def to_json(self) -> dict[str, Any]:
        """``{"name", "N", "n"}``."""
        return {"name": self.name, "N": self.N, "n": self.n}


@dataclass(frozen=True)
class Selection:
    """The result of :func:`select`: picks in review order, the strata and notes (Chinese) about the draw."""

    picks: tuple[Pick, ...]
    strata: tuple[StratumPlan, ...]
    notes: tuple[str, ...] = field(default=())

    @property
    def household_ids(self) -> list[int]:
        """Database ids of the picks, in review order."""
        return [p.unit.household_id for p in self.picks]


def allocate(
    n: int,
    sizes: Mapping[str, int],
    weights: Mapping[str, float],
    lower: Mapping[str, int] | None = None,
) -> dict[str, int]:
    """Allocate ``n`` over strata in proportion to ``weights`` with per-stratum bounds.

    ``sizes``: stratum → N_h (the upper bound, in stratum order); ``weights``: stratum → weight ≥ 0 (N_h for
    proportional); ``lower``: stratum → the least n_h (default 0). Strata whose share falls below their lower bound are
    fixed at it, then those whose share exceeds N_h are fixed at N_h, and the rest re-shared; the free strata are
    rounded by largest remainder (ties by stratum order). When every free weight is 0 the free strata are shared by N_h.
    Returns stratum → n_h with Σ n_h = n and lower_h ≤ n_h ≤ N_h.

    Raises :class:`SelectionError` when n > Σ N_h, n < Σ lower_h, or a bound is inconsistent.
    """
    names = list(sizes)
    lo = {h: int((lower or {}).get(h, 0)) for h in names}
    for h in names:
        if lo[h] > sizes[h] or lo[h] < 0:
            raise SelectionError(f"层「{h}」的最少抽取数 {lo[h]} 不在 0 与该层户数 {sizes[h]} 之间")
    total_n = sum(sizes.values())
    if n > total_n:
        raise SelectionError(f"样本量 {n} 大于可抽户数 {total_n}")
    if n < sum(lo.values()):
        raise SelectionError(f"样本量 {n} 小于各层最少抽取数之和 {sum(lo.values())}（请增大 --n 或减小 --min-per-stratum）")
    fixed: dict[str, int] = {}
    free = list(names)

    def quotas() -> dict[str, float]:
        remaining = n - sum(fixed.values())
        w = {h: max(0.0, float(weights.get(h, 0.0))) for h in free}
        if sum(w.values()) <= 0:
            w = {h: float(sizes[h]) for h in free}
        s = sum(w.values())
        return {h: (remaining * w[h] / s if s > 0 else 0.0) for h in free}

    while free:  # phase 1: lower bounds bind (shares only fall as strata are fixed at their lower bound)
        q = quotas()
        low = [h for h in free if q[h] < lo[h]]
        if not low:
            break
        for h in low:
            fixed[h] = lo[h]
            free.remove(h)
    while free:  # phase 2: upper bounds bind (shares only rise, so no new lower-bound violations)
        q = quotas()
        high = [h for h in free if q[h] > sizes[h]]
        if not high:
            break
        for h in high:
            fixed[h] = sizes[h]
            free.remove(h)
    out = dict(fixed)
    if free:
        q = quotas()
        base = {h: max(lo[h], min(sizes[h], math.floor(q[h] + 1e-9))) for h in free}
        left = n - sum(fixed.values()) - sum(base.values())
        order = sorted(free, key=lambda h: (-(q[h] - base[h]), names.index(h)))
        for h in order:
            if left <= 0:
                break
            if base[h] < sizes[h]:
                base[h] += 1
                left -= 1
        out.update(base)
    # Any remainder left (only when bounds forced every stratum): move within the bounds, in stratum order.
    diff = n - sum(out.values())
    for h in names:
        if diff == 0:
            break
        if diff > 0 and out[h] < sizes[h]:
            step = min(diff, sizes[h] - out[h])
            out[h] += step
            diff -= step
        elif diff < 0 and out[h] > lo[h]:
            step = min(-diff, out[h] - lo[h])
            out[h] -= step
            diff += step
    return {h: out[h] for h in names}


def neyman_weights(sizes: Mapping[str, int], guess: Mapping[str, float]) -> dict[str, float]:
    """Neyman weights N_h·√(p_h(1−p_h)) for guessed error rates p_h (fractions; a missing guess counts as the mean)."""
    known = [float(v) for v in guess.values()]
    mean = sum(known) / len(known) if known else 0.0
    out = {}
    for h, N in sizes.items():
        p = min(max(float(guess.get(h, mean)), 0.0), 1.0)
        out[h] = N * math.sqrt(p * (1.0 - p))
    return out


def _strata_of(units: Sequence[Unit]) -> dict[str, list[Unit]]:
    groups: dict[str, list[Unit]] = {}
    for u in units:
        groups.setdefault(u.stratum, []).append(u)
    return groups  # in order of first appearance in the frame


def _systematic(stream: Stream, size: int, count: int) -> list[int]:
    """Positions ⌊(r + i·size)/count⌋, i = 0…count−1, r = stream.below(size) (ascending, distinct)."""
    if count == 0:
        return []
    r = stream.below(size)
    return [(r + i * size) // count for i in range(count)]


def _check_sizes(design: Design, available: int) -> None:
    for value, what in ((design.n, "样本量"), *((e, "扩充户数") for e in design.extends)):
        if value < 0:
            raise SelectionError(f"{what}不能为负：{value}")
    if design.total > available:
        raise SelectionError(f"样本量 {design.total} 大于可抽户数 {available}（已除去必查户）")


def select(units: Sequence[Unit], design: Design) -> Selection:
    """Draw the random part of a sample from ``units`` (the frame in its order, certainty households removed).

    Returns the picks in review order: the first draw in frame order, then each extension's picks in frame order.
    For ``random`` / ``systematic`` every unit's stratum must be :data:`WHOLE_COUNTY`-like (one stratum is reported,
    named after the units' stratum); for ``stratified`` the units carry their stratum value.

    Raises :class:`SelectionError` for an unknown method or allocation, sizes larger than the frame, or a
    min-per-stratum that cannot be met; ``neyman`` without ``design.neyman_guess`` raises too (the caller falls back
    to proportional and says so).
    """
    if design.method not in METHODS:
        raise SelectionError(f"未知的抽样方法 {design.method!r}，可选：{'、'.join(METHODS)}")
    _check_sizes(design, len(units))
    steps = (design.n, *design.extends)
    position = {u.household_id: i for i, u in enumerate(units)}
    picks: list[Pick] = []
    notes: list[str] = []

    def add(step: int, chosen: list[Unit]) -> None:
        for u in sorted(chosen, key=lambda u: position[u.household_id]):
            picks.append(Pick(u, u.stratum if design.method == "stratified" else WHOLE_COUNTY, len(picks) + 1, step))

    if design.method == "random":
        order = Stream(design.seed).prefix_shuffle(len(units), design.total)
        start = 0
        for step, size in enumerate(steps):
            add(step, [units[i] for i in order[start:start + size]])
            start += size
        strata = (StratumPlan(WHOLE_COUNTY, len(units), design.total),)
        return Selection(tuple(picks), strata, tuple(notes))

    if design.method == "systematic":
        remaining = list(units)
        for step, size in enumerate(steps):
            stream = Stream(design.seed) if step == 0 else Stream(design.seed, "extend", step)
            positions = _systematic(stream, len(remaining), size)
            chosen = [remaining[i] for i in positions]
            if size:
                what = "抽样" if step == 0 else f"第 {step} 次扩充（在未抽中的 {len(remaining)} 户中）"
                where = "框内" if step == 0 else "其中"
                notes.append(f"{what}间隔 k = {len(remaining)}/{size} ≈ {len(remaining) / size:.2f}，"
                             f"起点为{where}第 {positions[0] + 1} 户")
            taken = {u.household_id for u in chosen}
            remaining = [u for u in remaining if u.household_id not in taken]
            add(step, chosen)
        strata = (StratumPlan(WHOLE_COUNTY, len(units), design.total),)
        return Selection(tuple(picks), strata, tuple(notes))

    # stratified
    if design.allocation not in ALLOCATIONS:
        raise SelectionError(f"未知的分配方式 {design.allocation!r}，可选：{'、'.join(ALLOCATIONS)}")
    groups = _strata_of(units)
    sizes = {h: len(g) for h, g in groups.items()}
    if design.allocation == "neyman":
        if design.neyman_guess is None:
            raise SelectionError("奈曼分配需要各层的预估错误率")
        weights = neyman_weights(sizes, design.neyman_guess)
    else:
        weights = {h: float(N) for h, N in sizes.items()}
    n_h = {h: 0 for h in groups}
    cumulative = 0
    per_step: list[dict[str, int]] = []
    for step, size in enumerate(steps):
        cumulative += size
        if step == 0:
            lower = {h: min(design.min_per_stratum, sizes[h]) for h in groups}
        else:  # keep every earlier pick: each stratum keeps at least what it has
            lower = {h: max(n_h[h], min(design.min_per_stratum, sizes[h])) for h in groups}
        new = allocate(cumulative, sizes, weights, lower)
        per_step.append({h: new[h] - n_h[h] for h in groups})
        n_h = new
    order = {h: Stream(design.seed, "stratum", h).prefix_shuffle(sizes[h], n_h[h]) for h in groups}
    taken = {h: 0 for h in groups}
    for step, add_h in enumerate(per_step):
        chosen = []
        for h, g in groups.items():
            chosen.extend(g[i] for i in order[h][taken[h]:taken[h] + add_h[h]])
            taken[h] += add_h[h]
        add(step, chosen)
    strata = tuple(StratumPlan(h, sizes[h], n_h[h]) for h in groups)
    return Selection(tuple(picks), strata, tuple(notes))
