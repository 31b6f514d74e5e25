"""Reproducible random streams for sample draws: numpy ``Generator(PCG64(seed))``, read through its raw 64-bit output.

Why the raw output: NumPy guarantees that a bit generator's stream (PCG64 seeded through ``SeedSequence``) stays the
same across releases (NEP 19), but not that ``Generator.permutation`` / ``integers`` keep their algorithms. The
draws below use only the raw 64-bit words, with integer sampling by rejection and a forward Fisher–Yates shuffle
written here, so another machine with another NumPy redraws the same households. :data:`GENERATOR` names all of
this and is stored in ``Sample.generator`` together with the NumPy version that drew the sample.

Streams: the main stream of a sample is ``PCG64(seed)``; a sub-stream (one per stratum, one per extension) is
``PCG64(SeedSequence([seed, *key]))`` where a text key (a stratum name) enters as the first 8 bytes of its sha256, so
a stratum's draw depends only on the seed and its name, not on which other strata exist.
"""

from __future__ import annotations

import hashlib

import numpy as np

__all__ = ["GENERATOR", "Stream", "generator_label"]

#: The generator and draw algorithm (version of the algorithms in this module: bump if they ever change).
GENERATOR = "numpy.random.Generator(PCG64)+fupin-draw/1"

_TWO64 = 1 << 64


def generator_label() -> str:
    """Text stored in ``Sample.generator``: generator, draw algorithm and the NumPy version, e.g.
    ``numpy.random.Generator(PCG64)+fupin-draw/1 numpy-2.4.6``."""
    return f"{GENERATOR} numpy-{np.__version__}"


def _key_int(key: int | str) -> int:
    if isinstance(key, int):
        if key < 0:
            raise ValueError(f"随机流键须为非负整数，收到 {key}")
        return key
    return int.from_bytes(hashlib.sha256(str(key).encode("utf-8")).digest()[:8], "big")


class Stream:
    """One reproducible random stream.

    ``Stream(seed)`` is ``Generator(PCG64(seed))``; ``Stream(seed, "stratum", "城关镇")`` a sub-stream keyed by the
    given parts. ``seed`` is a non-negative integer. Raises ValueError for a negative seed.
    """

    def __init__(self, seed: int, *key: int | str) -> None:
        if seed < 0:
            raise ValueError(f"随机种子须为非负整数，收到 {seed}")
        if key:
            bitgen = np.random.PCG64(np.random.SeedSequence([seed, *(_key_int(k) for k in key)]))
        else:
            bitgen = np.random.PCG64(seed)
        self.generator = np.random.Generator(bitgen)
        self._raw = bitgen.random_raw

    def raw(self) -> int:
        """The next raw 64-bit word (0 ≤ w < 2⁶⁴)."""
        return int(self._raw())

    def below(self, m: int) -> int:
        """A uniform integer in [0, m) by rejection on raw words (exact, no modulo bias). ValueError for m < 1."""
        if m < 1:
            raise ValueError(f"取值范围须至少为 1，收到 {m}")
        limit = _TWO64 - (_TWO64 % m)
        while True:
            w = self.raw()
            if w < limit:
                return w % m

    def prefix_shuffle(self, size: int, count: int) -> list[int]:
        """The first ``count`` positions of a uniformly random permutation of ``range(size)`` (forward Fisher–Yates).

        Prefix-consistent: the first k of ``prefix_shuffle(size, k + e)`` are ``prefix_shuffle(size, k)`` for a fresh
        stream with the same seed, which is how an extended sample keeps every earlier pick.
        Raises ValueError when count > size.
        """
        if count > size:
            raise ValueError(f"抽取数 {count} 大于总数 {size}")
        swapped: dict[int, int] = {}  # sparse Fisher–Yates: O(count) memory
        out = []
        for i in range(count):
            j = i + self.below(size - i)
            vi, vj = swapped.get(i, i), swapped.get(j, j)
            swapped[j] = vi
            out.append(vj)
        return out
