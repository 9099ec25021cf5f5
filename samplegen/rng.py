"""Deterministic randomness: named sub-streams, cheap per-key hashing, a few distributions.

Every random choice in the generator comes from a stream derived here from the seed, so the
same seed gives byte-identical files. Sub-streams are named so that adding draws to one part
(say, text) does not shift another (say, the volume plan).
"""

from __future__ import annotations

import bisect
import hashlib
import itertools
import math
import random
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")

_MASK64 = (1 << 64) - 1


def substream(seed: int, name: str) -> random.Random:
    """An independent generator for one purpose, derived from the run's seed."""
    digest = hashlib.sha256(f"samplegen:{seed}:{name}".encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def splitmix64(value: int) -> int:
    """A fast, well-mixed 64-bit hash of an integer (for attributes derived from an id)."""
    z = (value + 0x9E3779B97F4A7C15) & _MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
    return z ^ (z >> 31)


def keyed_unit(seed: int, key: int, salt: int) -> float:
    """A reproducible number in [0, 1) for (seed, key, salt), without a generator object."""
    return splitmix64(splitmix64(seed * 1_000_003 + salt) ^ key) / 2**64


def cumulative(weights: Sequence[float]) -> list[float]:
    return list(itertools.accumulate(weights))


def pick_index(rng: random.Random, cum_weights: Sequence[float]) -> int:
    """Index drawn with probability proportional to its weight, given cumulative weights."""
    return bisect.bisect_right(cum_weights, rng.random() * cum_weights[-1])


def pick_weighted(rng: random.Random, items: Sequence[T], cum_weights: Sequence[float]) -> T:
    return items[pick_index(rng, cum_weights)]


def lognormal_with_median(rng: random.Random, median: float, sigma: float) -> float:
    return median * math.exp(rng.gauss(0.0, sigma))


def multinomial_counts(rng: random.Random, n: int, weights: Sequence[float]) -> list[int]:
    """Exact multinomial draw of n items over categories, in chunks so memory stays small."""
    counts = [0] * len(weights)
    if n <= 0 or not weights:
        return counts
    cum = cumulative(weights)
    population = range(len(weights))
    remaining = n
    while remaining:
        chunk = min(remaining, 100_000)
        for index in rng.choices(population, cum_weights=cum, k=chunk):
            counts[index] += 1
        remaining -= chunk
    return counts
