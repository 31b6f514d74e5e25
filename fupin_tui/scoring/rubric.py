"""The grading rubric (评比标准): rate bands, severity weights, hard-error caps, and estimation settings.

The default lives in ``default_rubric.toml`` next to this module (package data); :func:`load_rubric` merges a user
TOML file over it. Bands: a household error rate (fraction 0..1) at or below a band's ``max_rate`` belongs to the
first such band, best first: 优秀 ≤ 2 %, 良好 ≤ 5 %, 合格 ≤ 10 %, otherwise 不合格. Caps map a rule/clue kind
(the ``<kind>`` in a mark's source ``rule:<kind>`` / ``clue:<kind>``) to the best band a county can get when a
confirmed mark of that kind exists.

The 2 % figure echoes the exit rules' 错退率 ≤ 2 % / 漏评率 ≤ 2 % (see GLOSSARY); the other limits and the caps are
the cross-inspection's own convention and meant to be configured per province.

When a grade is settled (确定) rather than pending (待定) — :mod:`fupin_tui.scoring.grade`: at ``confidence`` the
one-sided upper bound must be within the band (the band is guaranteed: issue 6's rule); for the worst band, where
that says nothing, the one-sided lower bound must also be above the next better band's limit unless a cap rules the
better bands out: 不合格 is settled only once the lower bound exceeds 10 %.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from .intervals import RATE_TOLERANCE, check_confidence
from .stratified import DEFAULT_DRAWS, DEFAULT_SEED, METHODS, POSTERIORS

__all__ = [
    "METHOD_IDS",
    "Band",
    "Rubric",
    "RubricError",
    "cap_key_of",
    "default_rubric",
    "load_rubric",
]

#: Estimation method ids accepted in a rubric (see :mod:`fupin_tui.scoring.stratified`).
METHOD_IDS = ("auto", *METHODS)
_KEYS = {"confidence", "method", "posterior", "draws", "seed", "bands", "severity_weights", "caps"}


class RubricError(ValueError):
    """A rubric file that cannot be used (missing, bad TOML, unknown key, bad value); message in Chinese."""


@dataclass(frozen=True)
class Band:
    """One grade band: ``name`` (e.g. 优秀) and its inclusive upper limit ``max_rate`` (fraction; inf for the last)."""

    name: str
    max_rate: float


@dataclass(frozen=True)
class Rubric:
    """A validated rubric.

    ``bands``: best first, strictly increasing limits, the last unbounded (max_rate ≥ 1, usually inf).
    ``severity_weights``: severity label (一般 / 严重) → weight in (0, 1]. ``caps``: cap key → band name.
    ``confidence``, ``method``, ``posterior``, ``draws``, ``seed``: estimation settings (defaults for evaluate()).
    ``source``: the user file merged over the default, or None.
    """

    bands: tuple[Band, ...]
    severity_weights: Mapping[str, float] = field(default_factory=dict)
    caps: Mapping[str, str] = field(default_factory=dict)
    confidence: float = 0.95
    method: str = "auto"
    posterior: str = "uniform"
    draws: int = DEFAULT_DRAWS
    seed: int = DEFAULT_SEED
    source: str | None = None

    @property
    def band_names(self) -> tuple[str, ...]:
        """Band names, best first."""
        return tuple(b.name for b in self.bands)

    def band(self, name: str) -> Band:
        """The band called ``name``; KeyError if there is none."""
        for b in self.bands:
            if b.name == name:
                return b
        raise KeyError(name)

    def band_for(self, rate: float | None) -> str | None:
        """Name of the best band whose limit the rate is at or below (≤ limit + 1e-12); None for None."""
        if rate is None:
            return None
        for b in self.bands:
            if rate <= b.max_rate + RATE_TOLERANCE:
                return b.name
        return self.bands[-1].name

    def rank_of(self, name: str) -> int:
        """0 for the best band, 1 for the next…; KeyError for an unknown name."""
        try:
            return self.band_names.index(name)
        except ValueError:
            raise KeyError(f"未知的等级 {name!r}") from None

    def worse(self, *names: str | None) -> str | None:
        """The worst of the given band names (None's ignored; None if all are None)."""
        present = [n for n in names if n is not None]
        return max(present, key=self.rank_of) if present else None

    def severity_weight(self, severity: str) -> float:
        """Weight of a severity label (一般 0.5, 严重 1 by default); ValueError for an unknown label."""
        try:
            return self.severity_weights[severity]
        except KeyError:
            raise ValueError(
                f"未知的严重程度 {severity!r}，评比标准中有：{'、'.join(self.severity_weights)}"
            ) from None

    def caps_for(self, keys: Iterable[str]) -> list[tuple[str, str]]:
        """(key, band) for the keys that have a cap, sorted by key; keys without a cap are ignored."""
        return sorted((k, self.caps[k]) for k in set(keys) if k in self.caps)

    def to_json(self) -> dict[str, Any]:
        """Plain dict (bands as a list of {name, max_rate}, inf as None) for reports and --json output."""
        return {
            "bands": [{"name": b.name, "max_rate": None if math.isinf(b.max_rate) else b.max_rate} for b in self.bands],
            "severity_weights": dict(self.severity_weights),
            "caps": dict(self.caps),
            "confidence": self.confidence,
            "method": self.method,
            "posterior": self.posterior,
            "draws": self.draws,
            "seed": self.seed,
            "source": self.source,
        }


def cap_key_of(source: str) -> str | None:
    """The cap key in a mark's source: ``"rule:dead_registered"`` / ``"clue:public_employee"`` → the kind;
    anything else (``"inspector"``) → None."""
    head, sep, kind = source.partition(":")
    return kind if sep and head in ("rule", "clue") and kind else None


def _merge(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """Tables merge key by key (recursively); any other value replaces."""
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise RubricError(f"找不到评比标准文件：{path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise RubricError(f"评比标准文件 {path} 不是有效的 TOML：{exc}") from None
    except OSError as exc:
        raise RubricError(f"无法读取评比标准文件 {path}：{exc}") from None


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise RubricError(f"{where} 须为数字，收到 {value!r}")
    return float(value)


def _build(data: Mapping[str, Any], source: str | None) -> Rubric:
    where = f"（{source}）" if source else ""
    unknown = set(data) - _KEYS
    if unknown:
        raise RubricError(f"评比标准{where}有未知的键：{'、'.join(sorted(unknown))}；可用：{'、'.join(sorted(_KEYS))}")
    raw_bands = data.get("bands")
    if not isinstance(raw_bands, Mapping) or not raw_bands:
        raise RubricError(f"评比标准{where}的 [bands] 须为“等级名 = 上限”的表")
    bands = []
    for name, limit in raw_bands.items():
        v = _number(limit, f"等级「{name}」的上限")
        if not v > 0 or math.isnan(v):
            raise RubricError(f"等级「{name}」的上限须大于 0（0–1 的小数，最差一级用 inf），收到 {limit!r}")
        bands.append(Band(str(name), v))
    bands.sort(key=lambda b: b.max_rate)
    for a, b in zip(bands, bands[1:]):
        if a.max_rate == b.max_rate:
            raise RubricError(f"等级「{a.name}」与「{b.name}」的上限相同（{a.max_rate:g}）")
    if bands[-1].max_rate < 1:
        raise RubricError(f"评比标准{where}缺少最差一级：最差一级的上限须为 inf（或 1），现为 {bands[-1].max_rate:g}")
    names = {b.name for b in bands}

    weights = {}
    for label, w in (data.get("severity_weights") or {}).items():
        v = _number(w, f"严重程度「{label}」的权重")
        if not 0 < v <= 1:
            raise RubricError(f"严重程度「{label}」的权重须在 (0, 1] 之间，收到 {w!r}")
        weights[str(label)] = v

    caps = {}
    for key, band in (data.get("caps") or {}).items():
        if band is False:  # a user file switches a default cap off with `key = false`
            continue
        if band not in names:
            raise RubricError(f"封顶项「{key}」的等级 {band!r} 不在等级表中（{'、'.join(b.name for b in bands)}）")
        caps[str(key)] = band

    try:
        confidence = check_confidence(data.get("confidence", 0.95))
    except ValueError as exc:
        raise RubricError(f"评比标准{where}：{exc}") from None
    method = data.get("method", "auto")
    if method not in METHOD_IDS:
        raise RubricError(f"未知的估计方法 {method!r}，可选：{'、'.join(METHOD_IDS)}")
    posterior = data.get("posterior", "uniform")
    if posterior not in POSTERIORS:
        raise RubricError(f"未知的先验 {posterior!r}，可选：{'、'.join(POSTERIORS)}")
    draws, seed = data.get("draws", DEFAULT_DRAWS), data.get("seed", DEFAULT_SEED)
    if isinstance(draws, bool) or not isinstance(draws, int) or draws < 1000:
        raise RubricError(f"模拟次数 draws 须为不少于 1000 的整数，收到 {draws!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise RubricError(f"随机种子 seed 须为非负整数，收到 {seed!r}")
    return Rubric(tuple(bands), weights, caps, confidence, method, posterior, draws, seed, source)


def _default_data() -> dict[str, Any]:
    text = resources.files(__package__).joinpath("default_rubric.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def default_rubric() -> Rubric:
    """The built-in rubric (default_rubric.toml)."""
    return _build(_default_data(), None)


def load_rubric(path: str | Path | None = None) -> Rubric:
    """The default rubric, with the TOML file at ``path`` merged over it (tables key by key) when given.

    A user file may hold any of: confidence, method, posterior, draws, seed, [bands], [severity_weights], [caps]
    (``key = false`` under [caps] removes a default cap). Raises :class:`RubricError` (a ValueError) naming the
    file and the key for a missing file, invalid TOML, an unknown key or a bad value.
    """
    data = _default_data()
    if path is None:
        return _build(data, None)
    p = Path(path)
    return _build(_merge(data, _read_toml(p)), str(p))
