"""Exact medians and p90 of values spread over parts, in two rounds (selection through a
merged histogram): the merged sketch (engine.kernels.sketch) says in which bucket each
needed rank lies and at which position inside it; each part then sends only its values
in those buckets; sorted, they give the exact order statistics. Buckets never overlap
and follow the values' order, so the r-th smallest value of a group is the
(r - values in earlier buckets)-th smallest of its bucket.
"""

from __future__ import annotations

import numpy as np

from ._jit import jit
from .sketch import SKETCH_WIDTH, bucket_column, entry_of_rank, group_span
from .stats import median_p90, order_ranks


@jit
def rank_entries(keys, counts, n_groups):
    """Per group of sparse sketches (sorted entries ``group * SKETCH_WIDTH + column``
    and their counts): the entry holding each of its `stats.order_ranks` and the rank's
    position within that entry, -1 for groups without values; and the group's size.
    Returns (entry (n_groups, 4), within (n_groups, 4), size (n_groups,))."""
    entry = np.full((n_groups, 4), -1, np.int64)
    within = np.zeros((n_groups, 4), np.int64)
    size = np.zeros(n_groups, np.int64)
    start = 0
    while start < keys.shape[0]:
        g = keys[start] // SKETCH_WIDTH
        end, n = group_span(keys, counts, start)
        size[g] = n
        ranks = order_ranks(n)
        for r in range(4):
            k, before = entry_of_rank(counts, start, ranks[r])
            entry[g, r] = keys[k]
            within[g, r] = ranks[r] - before
        start = end
    return entry, within, size


@jit
def values_in_entries(values, offsets, wanted):
    """The values of CSR groups whose sketch entry is one of the sorted `wanted`:
    (their entries, the values), in group order."""
    n = values.shape[0]
    hit = np.empty(n, np.int64)
    n_hits = 0
    for g in range(offsets.shape[0] - 1):
        base = np.int64(g) * SKETCH_WIDTH
        for i in range(offsets[g], offsets[g + 1]):
            e = base + bucket_column(values[i])
            k = np.searchsorted(wanted, e)
            if k < wanted.shape[0] and wanted[k] == e:
                hit[n_hits] = i
                n_hits += 1
    entries = np.empty(n_hits, np.int64)
    picked = np.empty(n_hits, np.int64)
    for j in range(n_hits):
        i = hit[j]
        g = np.searchsorted(offsets, i, side="right") - 1
        entries[j] = np.int64(g) * SKETCH_WIDTH + bucket_column(values[i])
        picked[j] = values[i]
    return entries, picked


@jit
def exact_median_p90(entry, within, size, sorted_entries, sorted_values):
    """(2, n_groups): the median and p90 (seconds, NaN for empty groups) from the values
    of the needed buckets, sorted by (entry, value)."""
    n_groups = entry.shape[0]
    out = np.full((2, n_groups), np.nan)
    value = np.empty(4, np.int64)
    for g in range(n_groups):
        if size[g] == 0:
            continue
        for r in range(4):
            first = np.searchsorted(sorted_entries, entry[g, r])
            value[r] = sorted_values[first + within[g, r]]
        out[0, g], out[1, g] = median_p90(size[g], value)
    return out
