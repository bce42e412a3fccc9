"""Exact directly-follows statistics in two passes over the events, with no array of
every duration: the first counts each edge and histograms its durations, the second
keeps only the durations in the few buckets its median and p90 fall in, and finds the
least and greatest among those of its lowest and highest buckets.

An edge key is ``source * n_activities + target``; a pair (a, b) lasts
``start_ts[b] - ts[a]`` (``start_ts = ts`` when the log has no start timestamps).
Cases are split into fixed blocks (`blocks`: case bounds, depending on the log alone),
and the blocks into runs of consecutive blocks (`runs`: block bounds), one run per
thread. Integer counts do not depend on how they are split; the one floating-point sum
(squared deviations) is summed per block, then over blocks in order, so no result
depends on the number of threads.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from ._jit import jit, pjit
from .stats import MEAN, NS_PER_S, STDEV, SUM, fill_stats, order_ranks, rank_buckets

_NS_PER_S_F = 1e9
#: Buckets of `signed_bucket`: 1025 from zero up, 1024 below zero.
N_BUCKETS = 2049
_ZERO = 1024
#: float64 bits >> 48 of 1.0, less one: magnitudes 1.. map to buckets 1..1024.
_ONE = (1023 << 4) - 1

#: Per edge and run in `edge_counts`' state: occurrences, distinct cases, the last case
#: counted (scratch), the sum of the durations' high and low 32 bits (a row of 8 int64:
#: one cache line an edge).
COUNT, CASES, _LAST_CASE, HIGH_BITS, LOW_BITS = range(5)
_STATE = 8
#: Flags of a bucket in `plan_selection`'s `wanted`: keep its durations (a median or p90
#: is among them), or look for the edge's least or greatest duration in it.
KEEP, LOWEST, HIGHEST = 1, 2, 4


@jit
def signed_bucket(v):
    """A bucket 0..N_BUCKETS-1 that never decreases as the int64 v grows: zero in the
    middle, then the magnitude's float64 exponent and first 4 mantissa bits either side
    (-1 - v, not -v, below zero, so that no magnitude overflows)."""
    negative = v < 0
    magnitude = -(v + 1) if negative else v
    b = max((np.float64(magnitude).view(np.int64) >> 48) - _ONE, 0)
    return _ZERO - 1 - b if negative else _ZERO + b


@pjit
def edge_counts(act, offsets, ts, start_ts, n_activities, blocks, runs):
    """First pass: per run, the `_STATE` counters of every edge key (n_runs, n_keys, 8)
    and the histogram of its durations by `signed_bucket` (n_runs, n_keys, N_BUCKETS)."""
    n_runs = runs.shape[0] - 1
    n_keys = n_activities * n_activities
    state = np.empty((n_runs, n_keys, _STATE), np.int64)
    histogram = np.empty((n_runs, n_keys, N_BUCKETS), np.int32)
    for r in prange(n_runs):
        run = state[r]
        counts = histogram[r]
        counts[:] = 0  # by the thread that counts into it
        for key in range(n_keys):
            run[key] = 0
            run[key, _LAST_CASE] = -1
        for c in range(blocks[runs[r]], blocks[runs[r + 1]]):
            for i in range(offsets[c], offsets[c + 1] - 1):
                key = np.int64(act[i]) * n_activities + act[i + 1]
                d = start_ts[i + 1] - ts[i]
                edge = run[key]
                edge[COUNT] += 1
                if edge[_LAST_CASE] != c:
                    edge[_LAST_CASE] = c
                    edge[CASES] += 1
                counts[key, signed_bucket(d)] += 1
                edge[HIGH_BITS] += d >> 32
                edge[LOW_BITS] += d & 0xFFFFFFFF
    return state, histogram


@jit
def total_seconds(high_bits, low_bits):
    """high_bits * 2**32 + low_bits nanoseconds in seconds: the whole seconds exactly in
    int64, plus the rest of the same sign (so nothing cancels); the low words summed
    are fewer than 2**30 each, so no step overflows."""
    q = high_bits // NS_PER_S
    rest = (high_bits - q * NS_PER_S) * (np.int64(1) << 32) + low_bits
    whole = q * (np.int64(1) << 32) + rest // NS_PER_S
    rest = rest % NS_PER_S
    if whole < 0 and rest > 0:
        whole += 1
        rest -= NS_PER_S
    return whole + rest / _NS_PER_S_F


@jit
def plan_selection(state, histogram, keys):
    """Between the passes, for the edge keys present: their totals, the flags of their
    buckets (`wanted`, n_keys x N_BUCKETS: KEEP those that hold their median and p90,
    LOWEST and HIGHEST on the lowest and highest bucket that holds any), where each run
    writes the durations it keeps (`cursors`, n_runs x n_keys; kept durations grouped by
    key, runs in order, CSR `kept_offsets` over `keys`), and where the values at
    `order_ranks` will lie once each edge's kept durations are sorted (`positions`)."""
    n_runs, n_keys, _ = state.shape
    n_edges = keys.shape[0]
    totals = np.zeros((_STATE, n_edges), np.int64)
    wanted = np.zeros((n_keys, N_BUCKETS), np.int8)
    positions = np.empty((n_edges, 4), np.int64)
    cursors = np.zeros((n_runs, n_keys), np.int64)
    kept_offsets = np.zeros(n_edges + 1, np.int64)
    merged = np.empty(N_BUCKETS, np.int64)
    keep = np.empty(N_BUCKETS, np.bool_)
    for e in range(n_edges):
        key = keys[e]
        merged[:] = 0
        for r in range(n_runs):
            for field in (COUNT, CASES, HIGH_BITS, LOW_BITS):
                totals[field, e] += state[r, key, field]
            merged += histogram[r, key]
        keep[:] = False
        cursor = kept_offsets[e]
        positions[e] = cursor + rank_buckets(merged, order_ranks(totals[COUNT, e]), keep)
        lowest = 0
        while merged[lowest] == 0:
            lowest += 1
        highest = N_BUCKETS - 1
        while merged[highest] == 0:
            highest -= 1
        for b in range(N_BUCKETS):
            if keep[b]:
                wanted[key, b] = KEEP
        wanted[key, lowest] |= LOWEST
        wanted[key, highest] |= HIGHEST
        for r in range(n_runs):
            cursors[r, key] = cursor
            for b in range(N_BUCKETS):
                if keep[b]:
                    cursor += histogram[r, key, b]
        kept_offsets[e + 1] = cursor
    return totals, wanted, positions, cursors, kept_offsets


@pjit
def keep_near_ranks(
    act, offsets, ts, start_ts, n_activities, blocks, runs, wanted, cursors, mean_s, n_kept
):
    """Second pass: the durations in KEEP buckets, written at `cursors` (per run, case
    order); per block and key the sum of squared deviations from `mean_s` (per key,
    seconds) for the standard deviation; per run and key the least duration of its LOWEST
    bucket and the greatest of its HIGHEST (`extremes`, n_runs x 2 x n_keys)."""
    n_keys = n_activities * n_activities
    n_runs = runs.shape[0] - 1
    kept = np.empty(n_kept, np.int64)
    squares = np.zeros((blocks.shape[0] - 1, n_keys))
    extremes = np.empty((n_runs, 2, n_keys), np.int64)
    for r in prange(n_runs):
        cursor = cursors[r].copy()
        least = extremes[r, 0]
        greatest = extremes[r, 1]
        least[:] = np.iinfo(np.int64).max
        greatest[:] = np.iinfo(np.int64).min
        for block in range(runs[r], runs[r + 1]):
            square = squares[block]
            for c in range(blocks[block], blocks[block + 1]):
                for i in range(offsets[c], offsets[c + 1] - 1):
                    key = np.int64(act[i]) * n_activities + act[i + 1]
                    d = start_ts[i + 1] - ts[i]
                    deviation = d / _NS_PER_S_F - mean_s[key]
                    square[key] += deviation * deviation
                    flags = wanted[key, signed_bucket(d)]
                    if flags != 0:
                        if flags & KEEP:
                            kept[cursor[key]] = d
                            cursor[key] += 1
                        if flags & LOWEST:
                            least[key] = min(least[key], d)
                        if flags & HIGHEST:
                            greatest[key] = max(greatest[key], d)
    return kept, squares, extremes


@pjit
def edge_stats(act, offsets, ts, start_ts, n_activities, blocks, runs):
    """Per edge key present (ascending): (keys, occurrences, distinct cases, stats), the
    stats rows as kernels.stats names them, in seconds, exactly as numpy gives them."""
    state, histogram = edge_counts(act, offsets, ts, start_ts, n_activities, blocks, runs)
    keys = np.flatnonzero(state[:, :, COUNT].sum(axis=0))
    totals, wanted, positions, cursors, kept_offsets = plan_selection(state, histogram, keys)
    n_edges = keys.shape[0]
    stats = np.full((7, n_edges), np.nan)
    mean_s = np.zeros(n_activities * n_activities)
    for e in range(n_edges):
        stats[SUM, e] = total_seconds(totals[HIGH_BITS, e], totals[LOW_BITS, e])
        stats[MEAN, e] = stats[SUM, e] / totals[COUNT, e]
        mean_s[keys[e]] = stats[MEAN, e]
    kept, squares, extremes = keep_near_ranks(
        act,
        offsets,
        ts,
        start_ts,
        n_activities,
        blocks,
        runs,
        wanted,
        cursors,
        mean_s,
        kept_offsets[n_edges],
    )
    for e in prange(n_edges):
        n = totals[COUNT, e]
        kept[kept_offsets[e] : kept_offsets[e + 1]].sort()
        value = np.empty(4, np.int64)
        for j in range(4):
            value[j] = kept[positions[e, j]]
        low = extremes[:, 0, keys[e]].min()
        fill_stats(stats, e, n, stats[SUM, e], low, extremes[:, 1, keys[e]].max(), value)
        if n > 1:
            stats[STDEV, e] = np.sqrt(squares[:, keys[e]].sum() / (n - 1))
    return keys, totals[COUNT], totals[CASES], stats
