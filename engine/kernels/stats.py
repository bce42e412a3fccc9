"""Exact per-group duration statistics, matching numpy and pandas definitions.

Input durations are int64 nanoseconds, grouped (CSR) and sorted within each group (see
`sort_small_segments` and engine.analysis.segments). Outputs are float64 seconds: mean,
median, p90 (numpy's default linear interpolation), min, max, the sample standard
deviation (ddof=1; NaN for a single value) and the sum.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from ._jit import jit, pjit

NS_PER_S = 1_000_000_000
_NS_PER_S_F = 1e9

#: Rows of `segment_stats`' result.
MEAN, MEDIAN, P90, MIN, MAX, STDEV, SUM = range(7)

#: Groups at most this long are sorted by `sort_small_segments`; longer ones by numpy.
SMALL_SEGMENT = 64


@pjit
def sort_small_segments(values, offsets, limit):
    """Sort, in place, every group of at most `limit` values (insertion sort)."""
    for g in prange(offsets.shape[0] - 1):
        start = offsets[g]
        end = offsets[g + 1]
        if end - start > limit:
            continue
        for i in range(start + 1, end):
            v = values[i]
            j = i - 1
            while j >= start and values[j] > v:
                values[j + 1] = values[j]
                j -= 1
            values[j + 1] = v


@pjit
def segment_stats(sorted_ns, offsets):
    """Per group, in seconds: the rows MEAN ... SUM. Groups must be sorted."""
    n_groups = offsets.shape[0] - 1
    out = np.full((7, n_groups), np.nan)
    for g in prange(n_groups):
        start = offsets[g]
        end = offsets[g + 1]
        n = end - start
        if n == 0:
            continue
        # Exact sum: whole seconds and remainders summed apart in int64.
        whole = np.int64(0)
        rest = np.int64(0)
        for i in range(start, end):
            q = sorted_ns[i] // NS_PER_S
            whole += q
            rest += sorted_ns[i] - q * NS_PER_S
        total = whole + rest / _NS_PER_S_F
        mean = total / n
        out[MEAN, g] = mean
        out[MEDIAN, g] = median_sorted(sorted_ns, start, end)
        out[P90, g] = quantile_sorted(sorted_ns, start, end, 0.9)
        out[MIN, g] = sorted_ns[start] / _NS_PER_S_F
        out[MAX, g] = sorted_ns[end - 1] / _NS_PER_S_F
        out[SUM, g] = total
        if n > 1:
            ss = 0.0
            for i in range(start, end):
                d = sorted_ns[i] / _NS_PER_S_F - mean
                ss += d * d
            out[STDEV, g] = np.sqrt(ss / (n - 1))
    return out


@pjit
def segment_medians(sorted_ns, offsets):
    """Per-group median in seconds (NaN for an empty group). Groups must be sorted."""
    n_groups = offsets.shape[0] - 1
    out = np.full(n_groups, np.nan)
    for g in prange(n_groups):
        if offsets[g + 1] > offsets[g]:
            out[g] = median_sorted(sorted_ns, offsets[g], offsets[g + 1])
    return out


@jit
def median_sorted(x, start, end):
    """numpy.median of sorted ns values x[start:end], in seconds."""
    n = end - start
    half = start + n // 2
    if n % 2 == 1:
        return x[half] / _NS_PER_S_F
    return (x[half - 1] / _NS_PER_S_F + x[half] / _NS_PER_S_F) / 2.0


@jit
def quantile_sorted(x, start, end, q):
    """numpy.quantile(x[start:end] / 1e9, q) for sorted x, method='linear', as numpy
    computes it (same virtual index, same interpolation formula)."""
    n = end - start
    virtual = n * q + (1.0 + q * (1.0 - 1.0 - 1.0)) - 1.0
    previous = np.floor(virtual)
    gamma = virtual - previous
    lo = min(max(int(previous), 0), n - 1)
    hi = min(max(int(previous) + 1, 0), n - 1)
    a = x[start + lo] / _NS_PER_S_F
    b = x[start + hi] / _NS_PER_S_F
    diff = b - a
    if gamma >= 0.5:
        return b - diff * (1.0 - gamma)
    return a + diff * gamma
