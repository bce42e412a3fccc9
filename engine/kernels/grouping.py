"""Group values by a small dense integer key (a stable counting sort), and split cases
into runs that are counted apart, in parallel, then grouped the same way."""

from __future__ import annotations

import numpy as np
from numba import prange

from ._jit import jit, pjit

#: Cases are split into at most this many runs, each counting into tables of its own ...
MAX_CHUNKS = 64
#: ... and into fewer when those tables (an entry per key and run) would exceed this.
CHUNK_ENTRIES = 1 << 20


def chunk_count(n_cases: int, n_keys: int) -> int:
    """How many runs of cases to count apart, for tables of `n_keys` keys."""
    return max(1, min(MAX_CHUNKS, n_cases, CHUNK_ENTRIES // max(n_keys, 1)))


@jit
def group_values(values, keys, n_groups):
    """Values reordered so that each key's values are contiguous, and the CSR offsets.

    Keys are 0..n_groups-1; within a group the input order is kept.
    """
    offsets = np.zeros(n_groups + 1, np.int64)
    for i in range(keys.shape[0]):
        offsets[keys[i] + 1] += 1
    for g in range(n_groups):
        offsets[g + 1] += offsets[g]
    cursor = offsets[:-1].copy()
    grouped = np.empty(values.shape[0], values.dtype)
    for i in range(keys.shape[0]):
        k = keys[i]
        grouped[cursor[k]] = values[i]
        cursor[k] += 1
    return grouped, offsets


@jit
def case_chunks(n_cases, n_chunks):
    """Bounds of `n_chunks` runs of consecutive cases, as even as can be."""
    bounds = np.empty(n_chunks + 1, np.int64)
    for k in range(n_chunks + 1):
        bounds[k] = k * n_cases // n_chunks
    return bounds


@jit
def chunk_cursors(counts):
    """From values per run and key (n_chunks, n_keys): where each run writes its first
    value of each key when the values are grouped by key, runs in order within a key;
    and the CSR offsets of the keys."""
    n_chunks, n_keys = counts.shape
    offsets = np.zeros(n_keys + 1, np.int64)
    cursors = np.empty((n_chunks, n_keys), np.int64)
    total = np.int64(0)
    for key in range(n_keys):
        offsets[key] = total
        for k in range(n_chunks):
            cursors[k, key] = total
            total += counts[k, key]
    offsets[n_keys] = total
    return cursors, offsets


@pjit
def run_counts(keys, n_groups, n_runs):
    """How many of each key (0..n_groups-1) each of `n_runs` runs of consecutive
    positions holds, (n_runs, n_groups), counted in parallel: the totals, and with
    chunk_cursors where each run writes when the positions are grouped by key."""
    counts = np.zeros((n_runs, n_groups), np.int64)
    bounds = case_chunks(keys.shape[0], n_runs)
    for r in prange(n_runs):
        for i in range(bounds[r], bounds[r + 1]):
            counts[r, keys[i]] += 1
    return counts


@pjit
def relabel(values, mapping):
    """values[i] = mapping[values[i]], in place, in parallel: no second array of them."""
    for i in prange(values.shape[0]):
        values[i] = mapping[values[i]]


@jit
def tally(keys, flags, n_groups):
    """Per key 0..n_groups-1: (items, flagged items), int64. One pass, with no widened
    copy of the keys or the flags, as ``np.bincount(keys)`` and ``np.bincount(keys,
    weights=flags)`` each make (about 0.4 s a pair for 22M journeys)."""
    counts = np.zeros(n_groups, np.int64)
    flagged = np.zeros(n_groups, np.int64)
    for i in range(keys.shape[0]):
        k = keys[i]
        counts[k] += 1
        if flags[i]:
            flagged[k] += 1
    return counts, flagged
