"""Exact per-group duration statistics, matching numpy and pandas definitions.

Input durations are int64 nanoseconds, grouped (CSR) and sorted within each group (see
`sort_small_segments` and engine.sorting). Outputs are float64 seconds: mean,
median, p90 (numpy's default linear interpolation), min, max, the sample standard
deviation (ddof=1; NaN for a single value) and the sum.

A group's statistics are computed in one place, `group_stats_into`, for sorted groups
(segment_stats) and unsorted ones (group_order_stats); edgestats.edge_stats fills the
same rows (`fill_stats`) from two passes over the events, without the durations at hand;
moments.group_moments keeps a part's mergeable sums instead of final figures.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from ._jit import inline, jit, pjit
from .ordering import sort_run

NS_PER_S = 1_000_000_000
_NS_PER_S_F = 1e9

#: Rows of `segment_stats`' result.
MEAN, MEDIAN, P90, MIN, MAX, STDEV, SUM = range(7)

#: Groups at most this long are sorted by `sort_small_segments`; longer ones by numpy.
SMALL_SEGMENT = 64


@pjit
def sort_small_segments(values, offsets, limit):
    """Sort, in place, every group of at most `limit` values (ordering.sort_run)."""
    for g in prange(offsets.shape[0] - 1):
        if offsets[g + 1] - offsets[g] <= limit:
            sort_run(values, None, offsets[g], offsets[g + 1], limit)


@pjit
def segment_stats(sorted_ns, offsets):
    """Per group, in seconds: the rows MEAN ... SUM. Groups must be sorted: the median and
    p90 are read at their ranks, and STDEV is summed in sorted order."""
    n_groups = offsets.shape[0] - 1
    out = np.full((7, n_groups), np.nan)
    for g in prange(n_groups):
        if offsets[g + 1] > offsets[g]:
            group_stats_into(out, g, sorted_ns, offsets[g], offsets[g + 1], True)
    return out


@pjit
def segment_medians(sorted_ns, offsets):
    """Per-group median in seconds (NaN for an empty group). Groups must be sorted, or
    only have their middle values placed (engine.sorting.place_medians), which is why
    this is not `group_stats_into`: the other order statistics are not in place."""
    n_groups = offsets.shape[0] - 1
    out = np.full(n_groups, np.nan)
    for g in prange(n_groups):
        if offsets[g + 1] > offsets[g]:
            out[g] = median_sorted(sorted_ns, offsets[g], offsets[g + 1])
    return out


@jit
def squared_deviations(ns, start, end, mean_s):
    """Sum of (ns[i] in seconds - mean_s)**2 over ns[start:end], in the values' order."""
    ss = 0.0
    for i in range(start, end):
        d = ns[i] / _NS_PER_S_F - mean_s
        ss += d * d
    return ss


@jit
def exact_total(ns, start, end):
    """Sum of ns[start:end] in seconds, exact (see `exact_parts`)."""
    whole, rest, _, _ = exact_parts(ns, start, end, False)
    return whole + rest / _NS_PER_S_F


@inline
def exact_parts(ns, start, end, extremes):
    """(whole seconds, remaining ns, least, greatest) of ns[start:end] (not empty), in one
    pass: the sum's two parts are int64, so it is exact and does not depend on the
    values' order; its seconds are whole + rest / 1e9. Without `extremes` (a sorted
    group has them at its ends) the least and greatest are the first value."""
    whole = np.int64(0)
    rest = np.int64(0)
    low = ns[start]
    high = ns[start]
    for i in range(start, end):
        v = ns[i]
        q = v // NS_PER_S
        whole += q
        rest += v - q * NS_PER_S
        if extremes:
            low = min(low, v)
            high = max(high, v)
    return whole, rest, low, high


@inline
def group_stats_into(out, g, ns, start, end, is_sorted):
    """Column g of a stats table from the group ns[start:end] (not empty): every row when
    the group `is_sorted` (its median and p90 read at their ranks, its STDEV summed in
    that order); else all but STDEV, whose float sum depends on the order (`group_stdev`
    sums it in the group's), the median and p90 selected (`select_ranks`). The one
    place a group's statistics are computed from its values."""
    n = end - start
    whole, rest, low, high = exact_parts(ns, start, end, not is_sorted)
    if is_sorted:
        high = ns[end - 1]
    ranks = order_ranks(n)
    value = np.empty(4, np.int64)
    if is_sorted:
        for j in range(4):
            value[j] = ns[start + ranks[j]]
    else:
        select_ranks(ns, start, end, low, high, ranks, value)
    total = whole + rest / _NS_PER_S_F
    fill_stats(out, g, n, total, low, high, value)
    if is_sorted and n > 1:
        out[STDEV, g] = np.sqrt(squared_deviations(ns, start, end, total / n) / (n - 1))


@inline
def fill_stats(out, g, n, total_s, low_ns, high_ns, value):
    """Column g of a stats table, all rows but STDEV, from a group's n values: their
    exact total in seconds, their least and greatest ns and their ns at `order_ranks(n)`
    (segment_stats, group_order_stats and edgestats.edge_stats fill theirs here)."""
    out[MEAN, g] = total_s / n
    out[SUM, g] = total_s
    out[MEDIAN, g], out[P90, g] = median_p90(n, value)
    out[MIN, g] = low_ns / _NS_PER_S_F
    out[MAX, g] = high_ns / _NS_PER_S_F


@jit
def median_sorted(x, start, end):
    """numpy.median of sorted ns values x[start:end], in seconds."""
    n = end - start
    half = start + n // 2
    if n % 2 == 1:
        return x[half] / _NS_PER_S_F
    return (x[half - 1] / _NS_PER_S_F + x[half] / _NS_PER_S_F) / 2.0


@jit
def quantile_position(n, q):
    """numpy's linear quantile of n sorted values: (index below, index above, weight),
    from numpy's virtual index ``(n - 1) * q`` (not the equal but differently rounded
    Hyndman-Fan form ``n * q + 1 - q - 1``, which numpy 2 no longer uses)."""
    virtual = (n - 1) * q
    previous = np.floor(virtual)
    gamma = virtual - previous
    lo = min(max(int(previous), 0), n - 1)
    hi = min(max(int(previous) + 1, 0), n - 1)
    return lo, hi, gamma


@jit
def order_ranks(n):
    """The ranks (0-based, in sorted order) that a median and p90 of n values need: the
    two middle ones, then the two p90 neighbours (numpy's linear method)."""
    half = n // 2
    below, above, _ = quantile_position(n, 0.9)
    ranks = np.empty(4, np.int64)
    ranks[0] = max(half - 1, 0)
    ranks[1] = half
    ranks[2] = below
    ranks[3] = above
    return ranks


@jit
def median_p90(n, value):
    """(median, p90) in seconds of n values from the ns values at `order_ranks(n)`,
    bit for bit as numpy.median and numpy.quantile(..., 0.9) give them."""
    if n % 2 == 1:
        median = value[1] / _NS_PER_S_F
    else:  # as median_sorted
        median = (value[0] / _NS_PER_S_F + value[1] / _NS_PER_S_F) / 2.0
    _, _, gamma = quantile_position(n, 0.9)
    return median, interpolate(value[2] / _NS_PER_S_F, value[3] / _NS_PER_S_F, gamma)


@jit
def interpolate(a, b, gamma):
    """numpy's linear interpolation between neighbours a <= b, in numpy's formula."""
    diff = b - a
    if gamma >= 0.5:
        return b - diff * (1.0 - gamma)
    return a + diff * gamma


#: Groups at most this long are copied and sorted by `group_order_stats`; in longer ones
#: the order statistics are selected through a histogram.
SMALL_SELECT = 1024
#: Buckets of `order_bucket`: the exponent and the first 4 mantissa bits of a float64.
_BUCKET_SHIFT = np.uint64(52 - 4)


@pjit
def group_order_stats(ns, offsets):
    """`segment_stats` of groups that need not be sorted (CSR int64 ns), left unsorted:
    the rows MEAN, MEDIAN, P90, MIN, MAX and SUM, exactly as segment_stats gives them
    once the groups are sorted; STDEV (whose float sum depends on the order) is NaN.

    The median and p90 come from `select_ranks`, linear in the group's length."""
    n_groups = offsets.shape[0] - 1
    out = np.full((7, n_groups), np.nan)
    for g in prange(n_groups):
        if offsets[g + 1] > offsets[g]:
            group_stats_into(out, g, ns, offsets[g], offsets[g + 1], False)
    return out


@pjit
def group_stdev(ns, offsets, mean_s):
    """Per group, the sample standard deviation (ddof=1) in seconds around the group's
    mean `mean_s`, summed in the groups' order; NaN for fewer than two values."""
    n_groups = offsets.shape[0] - 1
    out = np.full(n_groups, np.nan)
    for g in prange(n_groups):
        start = offsets[g]
        end = offsets[g + 1]
        if end - start < 2:
            continue
        out[g] = np.sqrt(squared_deviations(ns, start, end, mean_s[g]) / (end - start - 1))
    return out


@jit
def order_bucket(v, low):
    """A bucket number that never decreases as v grows (v >= low): the float64 of
    v - low (as uint64, so no overflow) cut to its exponent and first 4 mantissa bits."""
    d = np.uint64(v) - np.uint64(low)
    return np.int64(np.float64(d).view(np.uint64) >> _BUCKET_SHIFT)


@jit
def select_ranks(ns, start, end, low, high, ranks, out):
    """out[j] = the ranks[j]-th smallest (0-based) of ns[start:end], whose minimum and
    maximum are `low` and `high`, without sorting the group: count the values per
    `order_bucket`, then sort only the values of the buckets the ranks fall in. Short
    groups are copied and sorted."""
    n_ranks = ranks.shape[0]
    if end - start <= SMALL_SELECT:
        copy = ns[start:end].copy()
        copy.sort()
        for j in range(n_ranks):
            out[j] = copy[ranks[j]]
        return
    top = order_bucket(high, low)
    counts = np.zeros(top + 1, np.int64)
    for i in range(start, end):
        counts[order_bucket(ns[i], low)] += 1
    wanted = np.zeros(top + 1, np.bool_)
    position = rank_buckets(counts, ranks, wanted)
    size = 0
    for b in range(top + 1):
        if wanted[b]:
            size += counts[b]
    candidates = np.empty(size, np.int64)
    k = 0
    for i in range(start, end):
        if wanted[order_bucket(ns[i], low)]:
            candidates[k] = ns[i]
            k += 1
    candidates.sort()  # buckets are ordered, so the candidates are ranked among themselves
    for j in range(n_ranks):
        out[j] = candidates[position[j]]


@jit
def rank_buckets(counts, ranks, wanted):
    """Given values counted per ordered bucket, mark in `wanted` the buckets the ranks
    fall in, and return each rank's position among the values of the wanted buckets
    once those are sorted."""
    n_ranks = ranks.shape[0]
    bucket = np.empty(n_ranks, np.int64)
    before = np.empty(n_ranks, np.int64)  # values in the buckets below the rank's
    for j in range(n_ranks):
        b = 0
        cum = 0
        while cum + counts[b] <= ranks[j]:
            cum += counts[b]
            b += 1
        bucket[j] = b
        before[j] = cum
        wanted[b] = True
    position = np.empty(n_ranks, np.int64)
    for j in range(n_ranks):
        skipped = 0  # values of wanted buckets below the rank's bucket
        for b in range(bucket[j]):
            if wanted[b]:
                skipped += counts[b]
        position[j] = skipped + ranks[j] - before[j]
    return position
