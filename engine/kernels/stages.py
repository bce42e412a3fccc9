"""Stage visits: maximal runs of a case's consecutive events that map to one stage.

Events of unmapped touchpoints (stage -1) belong to no visit and do not split one. A
visit's dwell runs from its first event to the first event of the case's next visit; the
last visit of a case is open (censored): it has no end.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from ._jit import jit, pjit


@pjit
def stage_visits(act, offsets, ts, stage_of_activity):
    """(case, stage, first event index, start ns, end ns, open) per visit, in case order.

    `end` is the start of the next visit of the same case; for open visits it is the
    case's last mapped event time (kept for reference, never used as a dwell). Cases are
    handled in parallel: one pass counts each case's visits, one fills them in.
    """
    n_cases = offsets.shape[0] - 1
    first_visit = np.zeros(n_cases + 1, np.int64)
    for c in prange(n_cases):
        previous = -1
        count = 0
        for i in range(offsets[c], offsets[c + 1]):
            s = stage_of_activity[act[i]]
            if s >= 0 and s != previous:
                count += 1
                previous = s
        first_visit[c + 1] = count
    for c in range(n_cases):
        first_visit[c + 1] += first_visit[c]
    n_visits = first_visit[n_cases]
    case = np.empty(n_visits, np.int64)
    stage = np.empty(n_visits, np.int32)
    first = np.empty(n_visits, np.int64)
    start = np.empty(n_visits, np.int64)
    end = np.empty(n_visits, np.int64)
    is_open = np.zeros(n_visits, np.bool_)
    for c in prange(n_cases):
        v = first_visit[c]
        previous = -1
        last_mapped = np.int64(0)
        for i in range(offsets[c], offsets[c + 1]):
            s = stage_of_activity[act[i]]
            if s < 0:
                continue
            last_mapped = ts[i]
            if s != previous:
                if v > first_visit[c]:
                    end[v - 1] = ts[i]
                case[v] = c
                stage[v] = s
                first[v] = i
                start[v] = ts[i]
                v += 1
                previous = s
        if v > first_visit[c]:
            end[v - 1] = last_mapped
            is_open[v - 1] = True
    return case, stage, first, start, end, is_open


@jit
def stage_counts(case, stage, is_open, n_stages):
    """Per stage: visits, open visits, and distinct cases visiting (visits in case order)."""
    visits = np.zeros(n_stages, np.int64)
    open_visits = np.zeros(n_stages, np.int64)
    cases = np.zeros(n_stages, np.int64)
    last_case = np.full(n_stages, -1, np.int64)
    for v in range(case.shape[0]):
        s = stage[v]
        visits[s] += 1
        if is_open[v]:
            open_visits[s] += 1
        if last_case[s] != case[v]:
            last_case[s] = case[v]
            cases[s] += 1
    return visits, open_visits, cases


@jit
def transition_counts(case, stage, n_stages):
    """Moves between consecutive visits of a case, keyed source * n_stages + target:
    (key of each move, frequency per key, distinct cases per key)."""
    n_moves = 0
    for v in range(case.shape[0] - 1):
        if case[v + 1] == case[v]:
            n_moves += 1
    keys = np.empty(n_moves, np.int64)
    frequency = np.zeros(n_stages * n_stages, np.int64)
    cases = np.zeros(n_stages * n_stages, np.int64)
    last_case = np.full(n_stages * n_stages, -1, np.int64)
    m = 0
    for v in range(case.shape[0] - 1):
        if case[v + 1] != case[v]:
            continue
        k = np.int64(stage[v]) * n_stages + stage[v + 1]
        keys[m] = k
        m += 1
        frequency[k] += 1
        if last_case[k] != case[v]:
            last_case[k] = case[v]
            cases[k] += 1
    return keys, frequency, cases


@jit
def furthest_stage(case, stage, n_cases):
    """Per case, the highest stage index it visits (-1: none)."""
    out = np.full(n_cases, -1, np.int64)
    for v in range(case.shape[0]):
        if stage[v] > out[case[v]]:
            out[case[v]] = stage[v]
    return out


@jit
def visit_moves(case, stage, first_event, start, end, n_stages):
    """Moves between consecutive visits of a case: (key source * n_stages + target, case,
    index of the event arrived at, ns spent in the source visit)."""
    n = 0
    for v in range(case.shape[0] - 1):
        if case[v + 1] == case[v]:
            n += 1
    keys = np.empty(n, np.int64)
    cases = np.empty(n, np.int64)
    arrival = np.empty(n, np.int64)
    dwell = np.empty(n, np.int64)
    m = 0
    for v in range(case.shape[0] - 1):
        if case[v + 1] == case[v]:
            keys[m] = np.int64(stage[v]) * n_stages + stage[v + 1]
            cases[m] = case[v]
            arrival[m] = first_event[v + 1]
            dwell[m] = end[v] - start[v]
            m += 1
    return keys, cases, arrival, dwell


@jit
def closed_dwell_by_stage(stage, start, end, is_open, n_stages):
    """Dwell (ns) of every closed visit, grouped by stage (CSR), visits in order."""
    offsets = np.zeros(n_stages + 1, np.int64)
    for v in range(stage.shape[0]):
        if not is_open[v]:
            offsets[stage[v] + 1] += 1
    for s in range(n_stages):
        offsets[s + 1] += offsets[s]
    cursor = offsets[:-1].copy()
    grouped = np.empty(offsets[n_stages], np.int64)
    for v in range(stage.shape[0]):
        if not is_open[v]:
            s = stage[v]
            grouped[cursor[s]] = end[v] - start[v]
            cursor[s] += 1
    return grouped, offsets
