"""Lost conversions: the journeys at each place, which journey each lost conversion is
charged to, and a Poisson bootstrap of the estimates (see journey/lost.py for the
definitions these kernels serve).

A *step* leaves a *place* (a touchpoint, or a stage) for a target; steps are keyed as in
the rest of the engine (a * n_activities + b for touchpoints; source * n_stages + target
for stages, times n_channels plus the arrival's channel code + 1 when split by channel).
Only steps taken before a journey converts count (the step into the converting event
included), as in steps.step_outcomes.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from ._jit import jit, pjit
from .grouping import case_chunks
from .steps import REACHED, REACHED_CONVERTING


@pjit
def pair_reach(act, offsets, converted_at, eligible, n_chunks):
    """Per source activity: distinct journeys that took, before converting, a step to an
    `eligible` target (eligible[b]: a step to b is an alternative), and how many of
    them convert: int64 (2, n_activities), the rows steps.REACHED, REACHED_CONVERTING.
    (steps.pair_counts counts the same; this is for alphabets too large for
    its tables.)"""
    n_cases = offsets.shape[0] - 1
    n_act = eligible.shape[0]
    bounds = case_chunks(n_cases, n_chunks)
    counts = np.zeros((n_chunks, 2, n_act), np.int64)
    for k in prange(n_chunks):
        seen = np.full(n_act, -1, np.int64)
        count = counts[k]
        for c in range(bounds[k], bounds[k + 1]):
            at = converted_at[c]
            for i in range(offsets[c], offsets[c + 1] - 1):
                a = act[i]
                if eligible[act[i + 1]] and (at < 0 or at >= i + 1) and seen[a] != c:
                    seen[a] = c
                    count[REACHED, a] += 1
                    if at >= 0:
                        count[REACHED_CONVERTING, a] += 1
    return counts.sum(axis=0)


@jit
def _lookup(keys, slots, key):
    """Position of `key` in the sorted `keys`, -1 if absent; through `slots` (a position
    per possible key) when it has any entry, else by binary search."""
    if slots.shape[0] > 0:
        return slots[key]
    j = np.searchsorted(keys, key)
    if j < keys.shape[0] and keys[j] == key:
        return j
    return -1


@jit
def _charge(best_q, best_place, best_at, c, q, place, at):
    """Keep the larger chance for case c; equal chances go to the step the journey took
    first (arriving at the earlier event `at`), then to the lower place id: of two steps
    that always go together, the earlier is the one a later step cannot have caused."""
    if q > best_q[c] or (
        q == best_q[c]
        and q > 0
        and (at < best_at[c] or (at == best_at[c] and place < best_place[c]))
    ):
        best_q[c] = q
        best_place[c] = place
        best_at[c] = at


@pjit
def charge_pairs(
    act, offsets, converted_at, n_act, keys, slots, q, place, best_q, best_place, best_at, n_chunks
):
    """For every journey that never converts: among the touchpoint steps it took whose
    sorted `keys` have a chance `q` > 0 of having cost it its conversion, keep the largest
    in best_q / best_place, with the event it arrived at in best_at (updated in place, so
    levels can be charged in turn; see _charge for ties); `slots` as _lookup reads it."""
    n_cases = offsets.shape[0] - 1
    bounds = case_chunks(n_cases, n_chunks)
    for k in prange(n_chunks):
        for c in range(bounds[k], bounds[k + 1]):
            if converted_at[c] >= 0:
                continue
            for i in range(offsets[c], offsets[c + 1] - 1):
                j = _lookup(keys, slots, np.int64(act[i]) * n_act + act[i + 1])
                if j >= 0:
                    _charge(best_q, best_place, best_at, c, q[j], place[j], i + 1)


@pjit
def charge_moves(
    act,
    offsets,
    stage_of_activity,
    n_stages,
    channel,
    n_channels,
    converted_at,
    keys,
    slots,
    q,
    place,
    best_q,
    best_place,
    best_at,
    n_chunks,
):
    """As charge_pairs for moves between stage visits, keyed source * n_stages + target,
    or, with n_channels > 1, that key * n_channels + the arrival event's channel code + 1
    (`channel`: a code per event, -1 for none; unused when n_channels is 1)."""
    n_cases = offsets.shape[0] - 1
    bounds = case_chunks(n_cases, n_chunks)
    for k in prange(n_chunks):
        for c in range(bounds[k], bounds[k + 1]):
            if converted_at[c] >= 0:
                continue
            previous = -1
            for i in range(offsets[c], offsets[c + 1]):
                s = stage_of_activity[act[i]]
                if s < 0 or s == previous:
                    continue
                if previous >= 0:
                    key = np.int64(previous) * n_stages + s
                    if n_channels > 1:
                        key = key * n_channels + channel[i] + 1
                    j = _lookup(keys, slots, key)
                    if j >= 0:
                        _charge(best_q, best_place, best_at, c, q[j], place[j], i)
                previous = s


#: Columns of the cells a place's estimates depend on (bootstrap_losses): journeys that
#: took the step and converted; that took it, never converted and are charged to it;
#: that took it, never converted and are charged elsewhere; journeys of the
#: alternatives (not the step) that converted; that did not.
STEP_CONVERTED, STEP_CHARGED, STEP_OTHER, ALT_CONVERTED, ALT_LOST = range(5)


@jit
def _estimates(cells):
    """(lost if this place alone were fixed, lost charged to it) from its cells."""
    took = cells[STEP_CONVERTED] + cells[STEP_CHARGED] + cells[STEP_OTHER]
    alternatives = cells[ALT_CONVERTED] + cells[ALT_LOST]
    if took <= 0 or alternatives <= 0:
        return 0.0, 0.0
    rate = cells[STEP_CONVERTED] / took
    gap = cells[ALT_CONVERTED] / alternatives - rate
    if gap <= 0:
        return 0.0, 0.0
    return took * gap, cells[STEP_CHARGED] * gap / (1.0 - rate)


@jit
def _quantile(sorted_values, p):
    """The linear quantile of sorted values at numpy's position, interpolated as
    a + (b - a) * g. Not stats.quantile_position and interpolate: numpy's own formula
    rounds differently where g >= 0.5, and the bootstrap intervals are kept bit for bit."""
    position = p * (sorted_values.shape[0] - 1)
    low = int(np.floor(position))
    high = min(low + 1, sorted_values.shape[0] - 1)
    return sorted_values[low] + (position - low) * (sorted_values[high] - sorted_values[low])


@jit
def bootstrap_losses(cells, n_boot, alpha, seed):
    """Percentile intervals (1 - alpha) of both estimates of each place, from a Poisson
    bootstrap over journeys: every journey drawn Poisson(1) times. Each estimate depends
    only on the sums of five disjoint groups of journeys (the cells, int64 (n, 5)), and a
    sum of n independent Poisson(1) draws is Poisson(n), so a replicate draws the five
    sums, exactly as if it had drawn every journey. Returns float64 (n, 4): alone low,
    alone high, charged low, charged high."""
    np.random.seed(seed)  # noqa: NPY002 (numba's own generator, seeded per call)
    n = cells.shape[0]
    out = np.zeros((n, 4))
    alone = np.empty(n_boot)
    charged = np.empty(n_boot)
    drawn = np.empty(5)
    for p in range(n):
        for b in range(n_boot):
            for j in range(5):
                lam = cells[p, j]
                drawn[j] = np.random.poisson(lam) if lam > 0 else 0.0  # noqa: NPY002
            alone[b], charged[b] = _estimates(drawn)
        alone.sort()
        charged.sort()
        out[p, 0] = _quantile(alone, alpha / 2)
        out[p, 1] = _quantile(alone, 1 - alpha / 2)
        out[p, 2] = _quantile(charged, alpha / 2)
        out[p, 3] = _quantile(charged, 1 - alpha / 2)
    return out


@jit
def point_estimates(cells):
    """Both estimates of each place from its cells (int64 (n, 5)): float64 (n, 2)."""
    out = np.zeros((cells.shape[0], 2))
    drawn = np.empty(5)
    for p in range(cells.shape[0]):
        for j in range(5):
            drawn[j] = cells[p, j]
        out[p, 0], out[p, 1] = _estimates(drawn)
    return out
