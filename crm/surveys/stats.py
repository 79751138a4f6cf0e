"""Statistics for the comparison: a pooled two-proportion z-test and Wilson intervals.

Plain formulas (no SciPy): the numbers are small and the formulas are the textbook ones,
so a reader can check them by hand.
"""

from __future__ import annotations

import math

Z_95 = 1.96  # two-sided 95 %
# Below this many answers on either side a gap is never called significant: the normal
# approximation behind the z-test is not trustworthy and one answer moves the rate a lot.
MIN_N = 30


def two_proportion_z(x1: int, n1: int, x2: int, n2: int) -> float | None:
    """z of p1 - p2 with the pooled proportion; None when a side is empty.

    Both sides all satisfied (or none) gives a zero standard error: no difference, z = 0.
    """
    if n1 == 0 or n2 == 0:
        return None
    pooled = (x1 + x2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return 0.0
    return (x1 / n1 - x2 / n2) / se


def is_significant(x1: int, n1: int, x2: int, n2: int) -> bool:
    if n1 < MIN_N or n2 < MIN_N:
        return False
    z = two_proportion_z(x1, n1, x2, n2)
    return z is not None and abs(z) > Z_95


def wilson_interval(x: int, n: int, z: float = Z_95) -> tuple[float, float] | None:
    """Wilson score interval of x/n (stays inside [0, 1], sensible for small n)."""
    if n == 0:
        return None
    p = x / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)
