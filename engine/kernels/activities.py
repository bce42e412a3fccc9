"""Per-activity counts: events, distinct cases, cases starting and ending with it."""

from __future__ import annotations

import numpy as np

from ._jit import jit


@jit
def activity_counts(act, offsets, n_activities):
    """Rows of the result: events, cases, starts, ends (each int64[n_activities])."""
    out = np.zeros((4, n_activities), np.int64)
    last_case = np.full(n_activities, -1, np.int64)
    n_cases = offsets.shape[0] - 1
    for c in range(n_cases):
        start = offsets[c]
        end = offsets[c + 1]
        if end == start:
            continue
        out[2, act[start]] += 1
        out[3, act[end - 1]] += 1
        for i in range(start, end):
            a = act[i]
            out[0, a] += 1
            if last_case[a] != c:
                last_case[a] = c
                out[1, a] += 1
    return out


@jit
def case_durations(ts, offsets):
    """Last minus first timestamp of each case, int64 nanoseconds."""
    n_cases = offsets.shape[0] - 1
    out = np.zeros(n_cases, np.int64)
    for c in range(n_cases):
        if offsets[c + 1] > offsets[c]:
            out[c] = ts[offsets[c + 1] - 1] - ts[offsets[c]]
    return out
