"""Outcomes of journey steps (a step: one transition, between touchpoints or stages)."""

from __future__ import annotations

import numpy as np
from numba import prange

from ._jit import jit, pjit
from .grouping import case_chunks, chunk_cursors

#: Rows of `pair_counts`' counts: occurrences; then as `step_outcomes`: distinct journeys
#: taking the step before converting, of which converting, and journeys that never
#: convert whose last step it is.
PAIR_COUNT, PAIR_JOURNEYS, PAIR_CONVERTING, PAIR_LAST_ABANDONED = range(4)
#: pair_counts' rows of step outcomes, in `step_outcomes`' order.
PAIR_OUTCOMES = slice(PAIR_JOURNEYS, PAIR_LAST_ABANDONED + 1)
#: Rows of pair_counts' reach (and of lost.pair_reach): journeys taking a step to an
#: eligible target before converting, of which converting.
REACHED, REACHED_CONVERTING = range(2)


@jit
def step_outcomes(step_ids, step_case, step_event, n_steps, converted_at):
    """Per step id: distinct journeys taking it before converting, how many of them then
    convert, and how many journeys that never convert end with it.

    Steps come in case order; `step_event` is the index of the event a step arrives at,
    `converted_at[c]` the index of case c's converting event (-1: none). A step taken
    after the journey converted says nothing about converting and is not counted.
    """
    journeys = np.zeros(n_steps, np.int64)
    converting = np.zeros(n_steps, np.int64)
    abandoned_after = np.zeros(n_steps, np.int64)
    last_case = np.full(n_steps, -1, np.int64)
    n = step_ids.shape[0]
    for i in range(n):
        e = step_ids[i]
        c = step_case[i]
        at = converted_at[c]
        if (at < 0 or at >= step_event[i]) and last_case[e] != c:
            last_case[e] = c
            journeys[e] += 1
            if at >= 0:
                converting[e] += 1
        if (i == n - 1 or step_case[i + 1] != c) and at < 0:
            abandoned_after[e] += 1
    return journeys, converting, abandoned_after


@jit
def pair_cases(offsets):
    """The case of every consecutive pair of events and the index of the event it arrives
    at, in pair order (see dfg.pair_keys)."""
    n_cases = offsets.shape[0] - 1
    total = 0
    for c in range(n_cases):
        total += max(offsets[c + 1] - offsets[c] - 1, 0)
    case = np.empty(total, np.int64)
    target = np.empty(total, np.int64)
    p = 0
    for c in range(n_cases):
        for i in range(offsets[c], offsets[c + 1] - 1):
            case[p] = c
            target[p] = i + 1
            p += 1
    return case, target


@pjit
def pair_counts(act, offsets, n_activities, converted_at, eligible, n_chunks):
    """The directly-follows steps, keyed a * n_activities + b, counted in one pass over
    the events (no per-pair key array), cases split into `n_chunks` runs handled in
    parallel.

    Returns (counts, reach): counts, int64 (n_chunks, 4, n_keys), per run of cases the
    rows PAIR_COUNT ... PAIR_LAST_ABANDONED (summed over runs: the steps' counts; per run:
    where `pair_durations` puts each run's durations); reach, int64 (2, n_activities):
    per source activity, the rows REACHED and REACHED_CONVERTING for steps to an
    `eligible` activity (bool per activity), the alternatives of journey/lost.py (all
    False: zeros).
    """
    n_cases = offsets.shape[0] - 1
    n_keys = n_activities * n_activities
    bounds = case_chunks(n_cases, n_chunks)
    counts = np.zeros((n_chunks, 4, n_keys), np.int64)
    reached = np.zeros((n_chunks, 2, n_activities), np.int64)
    for k in prange(n_chunks):
        took = np.full(n_keys, -1, np.int64)
        left = np.full(n_activities, -1, np.int64)
        count = counts[k]
        reach = reached[k]
        for c in range(bounds[k], bounds[k + 1]):
            at = converted_at[c]
            last_key = -1
            for i in range(offsets[c], offsets[c + 1] - 1):
                key = np.int64(act[i]) * n_activities + act[i + 1]
                count[PAIR_COUNT, key] += 1
                if (at < 0 or at >= i + 1) and took[key] != c:
                    took[key] = c
                    count[PAIR_JOURNEYS, key] += 1
                    if at >= 0:
                        count[PAIR_CONVERTING, key] += 1
                    a = act[i]
                    if eligible[act[i + 1]] and left[a] != c:
                        left[a] = c
                        reach[REACHED, a] += 1
                        if at >= 0:
                            reach[REACHED_CONVERTING, a] += 1
                last_key = key
            if last_key >= 0 and at < 0:
                count[PAIR_LAST_ABANDONED, last_key] += 1
    return counts, reached.sum(axis=0)


@pjit
def pair_durations(act, offsets, ts, start_ts, n_activities, run_counts):
    """The duration of every directly-follows step (``start_ts[b] - ts[a]``, as in
    dfg.edge_aggregate) grouped by key (CSR: durations, key_offsets), in case order
    within a key: the second pass, over the runs of cases of `pair_counts` (whose
    per-run counts, `run_counts`, say where each run writes)."""
    n_chunks = run_counts.shape[0]
    n_keys = n_activities * n_activities
    bounds = case_chunks(offsets.shape[0] - 1, n_chunks)
    cursors, key_offsets = chunk_cursors(run_counts[:, PAIR_COUNT, :])
    durations = np.empty(key_offsets[n_keys], np.int64)
    for k in prange(n_chunks):
        cursor = cursors[k]
        for c in range(bounds[k], bounds[k + 1]):
            for i in range(offsets[c], offsets[c + 1] - 1):
                key = np.int64(act[i]) * n_activities + act[i + 1]
                durations[cursor[key]] = start_ts[i + 1] - ts[i]
                cursor[key] += 1
    return durations, key_offsets


#: Rows of `tied_steps`: successive events of a case; of those, sharing their time; of
#: the others, whose input rows came in the reverse order of their times.
SUCCESSIVE, TIED, REVERSED = range(3)


@pjit
def tied_steps(offsets, ts, source_row, n_chunks):
    """How far a log's order of events rests on its rows' order: int64 (3,), the rows
    SUCCESSIVE, TIED and REVERSED. Tied events keep their rows' order, which says
    something only where the rows came in time order (no reversed pair)."""
    n_cases = offsets.shape[0] - 1
    bounds = case_chunks(n_cases, n_chunks)
    counts = np.zeros((n_chunks, 3), np.int64)
    for k in prange(n_chunks):
        lo, hi = offsets[bounds[k]], offsets[bounds[k + 1]]
        # Every pair of neighbouring events of the chunk in one flat loop (it vectorizes),
        # then the pairs that straddle two cases taken back out.
        tied = reversed_ = 0
        for i in range(lo, hi - 1):
            same = ts[i + 1] == ts[i]
            tied += same
            reversed_ += (not same) & (source_row[i + 1] < source_row[i])
        cases = 0
        for c in range(bounds[k], bounds[k + 1]):
            i = offsets[c + 1] - 1  # the case's last event
            if i < offsets[c]:
                continue  # no event (a filtered log may keep such a case)
            cases += 1
            if i + 1 < hi:  # a pair with the next case's first event, counted above
                same = ts[i + 1] == ts[i]
                tied -= same
                reversed_ -= (not same) & (source_row[i + 1] < source_row[i])
        counts[k, SUCCESSIVE] = (hi - lo) - cases
        counts[k, TIED] = tied
        counts[k, REVERSED] = reversed_
    return counts.sum(axis=0)
