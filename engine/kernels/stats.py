"""Exact per-group duration statistics, matching numpy and pandas definitions.

Input durations are int64 nanoseconds, grouped (CSR). Outputs are float64 seconds:
mean, median, p90 (numpy's default linear interpolation), min, max, the sample
standard deviation (ddof=1; NaN for a single value) and the sum.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from ._jit import jit, pjit

NS_PER_S = 1_000_000_000
_NS_PER_S_F = 1e9

#: Rows of `segment_stats`' result.
MEAN, MEDIAN, P90, MIN, MAX, STDEV, SUM = range(7)


@pjit
def segment_stats(values_ns, offsets):
    """Per group, in seconds: the rows MEAN ... SUM. Sorts a copy of each group."""
    n_groups = offsets.shape[0] - 1
    out = np.full((7, n_groups), np.nan)
    for g in prange(n_groups):
        start = offsets[g]
        end = offsets[g + 1]
        n = end - start
        if n == 0:
            continue
        seg = np.sort(values_ns[start:end])
        x = seg / _NS_PER_S_F
        # Exact sum: whole seconds and remainders summed apart in int64.
        whole = np.int64(0)
        rest = np.int64(0)
        for i in range(n):
            q = seg[i] // NS_PER_S
            whole += q
            rest += seg[i] - q * NS_PER_S
        total = whole + rest / _NS_PER_S_F
        mean = total / n
        out[0, g] = mean
        out[1, g] = _median_sorted(x)
        out[2, g] = quantile_sorted(x, 0.9)
        out[3, g] = x[0]
        out[4, g] = x[n - 1]
        out[6, g] = total
        if n > 1:
            ss = 0.0
            for i in range(n):
                d = x[i] - mean
                ss += d * d
            out[5, g] = np.sqrt(ss / (n - 1))
    return out


@pjit
def segment_medians(values_ns, offsets):
    """Per-group median in seconds (NaN for an empty group)."""
    n_groups = offsets.shape[0] - 1
    out = np.full(n_groups, np.nan)
    for g in prange(n_groups):
        start = offsets[g]
        end = offsets[g + 1]
        if end > start:
            x = np.sort(values_ns[start:end]) / _NS_PER_S_F
            out[g] = _median_sorted(x)
    return out


@jit
def _median_sorted(x):
    n = x.shape[0]
    half = n // 2
    if n % 2 == 1:
        return x[half]
    return (x[half - 1] + x[half]) / 2.0


@jit
def quantile_sorted(x, q):
    """numpy.quantile(x, q) for sorted x, method='linear', computed as numpy does."""
    n = x.shape[0]
    virtual = n * q + (1.0 + q * (1.0 - 1.0 - 1.0)) - 1.0
    previous = np.floor(virtual)
    gamma = virtual - previous
    lo = int(previous)
    hi = lo + 1
    if lo < 0:
        lo = 0
    if lo > n - 1:
        lo = n - 1
    if hi < 0:
        hi = 0
    if hi > n - 1:
        hi = n - 1
    a = x[lo]
    b = x[hi]
    diff = b - a
    if gamma >= 0.5:
        return b - diff * (1.0 - gamma)
    return a + diff * gamma
