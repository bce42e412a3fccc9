"""Per-activity counts: events, distinct cases, cases starting and ending with it."""

from __future__ import annotations

import numpy as np
from numba import prange

from ._jit import jit, pjit
from .grouping import case_chunks

#: Rows of `activity_counts`: events, distinct cases, cases starting and ending with it.
EVENTS, CASES, STARTS, ENDS = range(4)


@jit
def activity_counts(act, offsets, n_activities):
    """The rows EVENTS, CASES, STARTS, ENDS, each int64[n_activities]."""
    out = np.zeros((4, n_activities), np.int64)
    last_case = np.full(n_activities, -1, np.int64)
    n_cases = offsets.shape[0] - 1
    for c in range(n_cases):
        start = offsets[c]
        end = offsets[c + 1]
        if end == start:
            continue
        out[STARTS, act[start]] += 1
        out[ENDS, act[end - 1]] += 1
        for i in range(start, end):
            a = act[i]
            out[EVENTS, a] += 1
            if last_case[a] != c:
                last_case[a] = c
                out[CASES, a] += 1
    return out


@jit
def case_durations(ts, offsets):
    """Last minus first timestamp of each case, int64 nanoseconds."""
    n_cases = offsets.shape[0] - 1
    out = np.zeros(n_cases, np.int64)
    for c in range(n_cases):
        out[c] = case_duration(ts, offsets, c)
    return out


@jit
def case_duration(ts, offsets, c):
    """Last minus first timestamp of case c (0 for a case without events)."""
    if offsets[c + 1] > offsets[c]:
        return ts[offsets[c + 1] - 1] - ts[offsets[c]]
    return np.int64(0)


@pjit
def grouped_case_durations(ts, offsets, keys, cursors):
    """Each case's duration (as case_durations) placed with its key's: case c's goes to
    cursors[r, keys[c]], the next place of its key in its run r. `cursors` (n_runs,
    n_keys, from chunk_cursors over run_counts of `keys`) is used up. The runs are
    written in parallel and no array of the durations in case order is made."""
    n_cases = offsets.shape[0] - 1
    bounds = case_chunks(n_cases, cursors.shape[0])
    out = np.empty(n_cases, np.int64)
    for r in prange(cursors.shape[0]):
        for c in range(bounds[r], bounds[r + 1]):
            k = keys[c]
            out[cursors[r, k]] = case_duration(ts, offsets, c)
            cursors[r, k] += 1
    return out
