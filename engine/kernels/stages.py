"""Stage visits: maximal runs of a case's consecutive events that map to one stage.

Events of unmapped touchpoints (stage -1) belong to no visit and do not split one. A
visit's dwell runs from its first event to the first event of the case's next visit; the
last visit of a case is open (censored): it has no end.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from ._jit import jit, pjit
from .grouping import case_chunks, chunk_cursors


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


@pjit
def closed_dwell_counts(act, offsets, ts, stage_of_activity, n_stages, edges, n_chunks):
    """Closed visits per (stage, bin), flat stage * n_bins + bin: a visit lasting d ns
    goes to the bin of `edges` (seconds, ascending) that holds d / 1e9, as numpy's
    histogram puts it (bins half open, the last one closed; below the first edge: the
    first bin). One streaming pass, no row per visit."""
    n_cases = offsets.shape[0] - 1
    n_bins = edges.shape[0] - 1
    bounds = case_chunks(n_cases, n_chunks)
    width = longest_case(offsets)
    counts = np.zeros((n_chunks, n_stages * n_bins), np.int64)
    for k in prange(n_chunks):
        run = counts[k]
        sources, targets, dwells = move_scratch(width)
        for c in range(bounds[k], bounds[k + 1]):
            n = case_moves(act, ts, stage_of_activity, offsets, c, sources, targets, dwells)
            for j in range(n):
                seconds = np.float64(dwells[j]) / 1e9
                b = np.searchsorted(edges, seconds, side="right") - 1
                run[sources[j] * n_bins + min(max(b, 0), n_bins - 1)] += 1
    return counts.sum(axis=0)


@jit
def case_moves(act, ts, stage_of_activity, offsets, c, sources, targets, dwells):
    """The moves between case c's consecutive stage visits, written to the front of the
    scratch arrays (see move_scratch): source and target stage, and the dwell (ns) of the
    source visit, its first event to the next visit's first event. Returns how many."""
    n = 0
    previous = -1
    start = np.int64(0)
    for i in range(offsets[c], offsets[c + 1]):
        s = stage_of_activity[act[i]]
        if s < 0 or s == previous:
            continue
        if previous >= 0:
            sources[n] = previous
            targets[n] = s
            dwells[n] = ts[i] - start
            n += 1
        start = ts[i]
        previous = s
    return n


@jit
def longest_case(offsets):
    """The most events any case has: room for its moves in case_moves' scratch."""
    width = 0
    for c in range(offsets.shape[0] - 1):
        width = max(width, offsets[c + 1] - offsets[c])
    return width


@jit
def move_scratch(width):
    """Scratch arrays for case_moves (sources, targets, dwells), one set per thread."""
    return np.empty(width, np.int64), np.empty(width, np.int64), np.empty(width, np.int64)


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


#: Rows of `stage_pass`'s per_stage: visits; open visits (a case's last); distinct cases
#: visiting; journeys whose furthest stage (highest index) it is; journeys that never
#: convert whose last visit is there; journeys moving out of it, before converting, to a
#: stage that is `eligible` (an alternative, see journey/lost.py), and of those the ones
#: converting; journeys that never convert whose furthest stage it is.
(
    STAGE_VISITS,
    STAGE_OPEN,
    STAGE_CASES,
    STAGE_FURTHEST,
    STAGE_LAST_ABANDONED,
    STAGE_REACHED,
    STAGE_REACHED_CONVERTING,
    STAGE_FURTHEST_ABANDONED,
) = range(8)
#: per_stage's two reach rows, in the order of lost.pair_reach's rows.
STAGE_REACH = slice(STAGE_REACHED, STAGE_REACHED_CONVERTING + 1)
#: Rows of `stage_pass`'s per_move: moves; distinct cases moving; then as
#: steps.step_outcomes: distinct journeys moving before converting, of which converting,
#: and journeys that never convert whose last move it is.
MOVE_COUNT, MOVE_CASES, MOVE_JOURNEYS, MOVE_CONVERTING, MOVE_LAST_ABANDONED = range(5)


@pjit
def stage_pass(act, offsets, ts, stage_of_activity, n_stages, converted_at, eligible, n_chunks):
    """Everything the stage tables need, from the events in two passes, without a row per
    visit. `converted_at[c]`: index of case c's converting event (-1: none).

    Returns (per_stage, per_move, grouped, move_offsets):
    - per_stage, int64 (8, n_stages): the rows STAGE_VISITS ... STAGE_FURTHEST_ABANDONED;
    - per_move, int64 (5, n_stages**2), keyed source * n_stages + target over moves
      between consecutive visits of a case: the rows MOVE_COUNT ... MOVE_LAST_ABANDONED;
    - grouped: the dwell (ns) of every move's source visit (its first event to the next
      visit's first event), grouped by key (CSR `move_offsets`), in case order per key.

    Cases are split into `n_chunks` runs handled in parallel, each counting apart; the
    second pass writes each run's dwell after those of the runs before it.
    """
    n_keys = n_stages * n_stages
    bounds = case_chunks(offsets.shape[0] - 1, n_chunks)
    stage_counts = np.zeros((n_chunks, 8, n_stages), np.int64)
    move_counts = np.zeros((n_chunks, 5, n_keys), np.int64)
    for k in prange(n_chunks):
        lo, hi = bounds[k], bounds[k + 1]
        args = (act, offsets, stage_of_activity, n_stages, converted_at, eligible, lo, hi)
        count_stages(*args, stage_counts[k], move_counts[k])
    cursors, move_offsets = chunk_cursors(move_counts[:, MOVE_COUNT, :])
    grouped = np.empty(move_offsets[n_keys], np.int64)
    width = longest_case(offsets)
    for k in prange(n_chunks):
        cursor = cursors[k]
        sources, targets, dwells = move_scratch(width)
        for c in range(bounds[k], bounds[k + 1]):
            n = case_moves(act, ts, stage_of_activity, offsets, c, sources, targets, dwells)
            for j in range(n):
                key = sources[j] * n_stages + targets[j]
                grouped[cursor[key]] = dwells[j]
                cursor[key] += 1
    return stage_counts.sum(axis=0), move_counts.sum(axis=0), grouped, move_offsets


@jit
def count_stages(
    act, offsets, stage_of_activity, n_stages, converted_at, eligible, lo, hi, per_stage, per_move
):
    """`stage_pass`' first pass over cases lo .. hi-1, counted into per_stage and per_move
    (its rows). Each `seen`-like table holds the last case counted per stage or key, so
    that a journey counts once."""
    n_keys = n_stages * n_stages
    seen = np.full(n_stages, -1, np.int64)
    moved = np.full(n_keys, -1, np.int64)
    took = np.full(n_keys, -1, np.int64)
    left = np.full(n_stages, -1, np.int64)
    for c in range(lo, hi):
        at = converted_at[c]
        previous = -1
        furthest = -1
        last_move = -1
        for i in range(offsets[c], offsets[c + 1]):
            s = stage_of_activity[act[i]]
            if s < 0 or s == previous:
                continue
            per_stage[STAGE_VISITS, s] += 1
            if seen[s] != c:
                seen[s] = c
                per_stage[STAGE_CASES, s] += 1
            furthest = max(furthest, s)
            if previous >= 0:
                key = previous * n_stages + s
                before = at < 0 or at >= i  # the move comes before the journey converts
                per_move[MOVE_COUNT, key] += 1
                if moved[key] != c:
                    moved[key] = c
                    per_move[MOVE_CASES, key] += 1
                if before and took[key] != c:
                    took[key] = c
                    per_move[MOVE_JOURNEYS, key] += 1
                    if at >= 0:
                        per_move[MOVE_CONVERTING, key] += 1
                if eligible[s] and before and left[previous] != c:
                    left[previous] = c
                    per_stage[STAGE_REACHED, previous] += 1
                    if at >= 0:
                        per_stage[STAGE_REACHED_CONVERTING, previous] += 1
                last_move = key
            previous = s
        if previous >= 0:
            per_stage[STAGE_OPEN, previous] += 1
            per_stage[STAGE_FURTHEST, furthest] += 1
            if at < 0:
                per_stage[STAGE_LAST_ABANDONED, previous] += 1
                per_stage[STAGE_FURTHEST_ABANDONED, furthest] += 1
                if last_move >= 0:
                    per_move[MOVE_LAST_ABANDONED, last_move] += 1
