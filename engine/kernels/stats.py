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
        total = exact_total(sorted_ns, start, end)
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
def exact_total(ns, start, end):
    """Sum of ns[start:end] in seconds, exact: whole seconds and remainders summed apart
    in int64 (so the order of the values does not matter)."""
    whole = np.int64(0)
    rest = np.int64(0)
    for i in range(start, end):
        q = ns[i] // NS_PER_S
        whole += q
        rest += ns[i] - q * NS_PER_S
    return whole + rest / _NS_PER_S_F


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
    lo, hi, gamma = quantile_position(end - start, q)
    return interpolate(x[start + lo] / _NS_PER_S_F, x[start + hi] / _NS_PER_S_F, gamma)


@jit
def quantile_position(n, q):
    """numpy's linear quantile of n sorted values: (index below, index above, weight)."""
    virtual = n * q + (1.0 + q * (1.0 - 1.0 - 1.0)) - 1.0
    previous = np.floor(virtual)
    gamma = virtual - previous
    lo = min(max(int(previous), 0), n - 1)
    hi = min(max(int(previous) + 1, 0), n - 1)
    return lo, hi, gamma


@jit
def interpolate(a, b, gamma):
    """numpy's linear interpolation between neighbours a <= b, in numpy's formula."""
    diff = b - a
    if gamma >= 0.5:
        return b - diff * (1.0 - gamma)
    return a + diff * gamma


@jit
def runs_kth(sorted_runs, offsets, first_run, end_run, k):
    """The k-th smallest (0-based) value of the union of the sorted runs
    offsets[first_run]:offsets[first_run + 1], ... up to run `end_run` (excluded), found
    by bisecting on the value: the smallest v with more than k values <= v."""
    lo = np.int64(0)
    hi = np.int64(0)
    started = False
    for r in range(first_run, end_run):
        if offsets[r + 1] > offsets[r]:
            a = sorted_runs[offsets[r]]
            b = sorted_runs[offsets[r + 1] - 1]
            lo = a if not started or a < lo else lo
            hi = b if not started or b > hi else hi
            started = True
    while lo < hi:
        mid = (lo >> 1) + (hi >> 1) + (lo & hi & 1)  # floor((lo + hi) / 2), no overflow
        at_most = 0
        for r in range(first_run, end_run):
            run = sorted_runs[offsets[r] : offsets[r + 1]]
            at_most += np.searchsorted(run, mid, side="right")
        if at_most > k:
            hi = mid
        else:
            lo = mid + 1
    return lo


@pjit
def run_union_stats(sorted_runs, offsets, runs_per_group):
    """`segment_stats` for groups that are unions of `runs_per_group` consecutive sorted
    runs (CSR `offsets` over the runs), without merging them: the rows MEAN, MEDIAN, P90,
    MIN, MAX and SUM, as segment_stats gives them for the merged group; STDEV is left NaN."""
    n_groups = (offsets.shape[0] - 1) // runs_per_group
    out = np.full((7, n_groups), np.nan)
    for g in prange(n_groups):
        first = g * runs_per_group
        end = first + runs_per_group
        start = offsets[first]
        stop = offsets[end]
        n = stop - start
        if n == 0:
            continue
        total = exact_total(sorted_runs, start, stop)
        out[MEAN, g] = total / n
        out[SUM, g] = total
        half = n // 2
        upper = runs_kth(sorted_runs, offsets, first, end, half) / _NS_PER_S_F
        if n % 2 == 1:
            out[MEDIAN, g] = upper
        else:
            lower = runs_kth(sorted_runs, offsets, first, end, half - 1) / _NS_PER_S_F
            out[MEDIAN, g] = (lower + upper) / 2.0
        lo, hi, gamma = quantile_position(n, 0.9)
        a = runs_kth(sorted_runs, offsets, first, end, lo) / _NS_PER_S_F
        b = runs_kth(sorted_runs, offsets, first, end, hi) / _NS_PER_S_F
        out[P90, g] = interpolate(a, b, gamma)
        out[MIN, g] = runs_kth(sorted_runs, offsets, first, end, 0) / _NS_PER_S_F
        out[MAX, g] = runs_kth(sorted_runs, offsets, first, end, n - 1) / _NS_PER_S_F
    return out
