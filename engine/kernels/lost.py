"""Lost conversions: the journeys at each place, the chances, which journey each lost
conversion is charged to, and a Poisson bootstrap that redoes all of it per replicate,
over the journeys' profiles (kernels/profiles.py; see journey/lost.py for the
definitions these kernels serve).

A *step* leaves a *place* (a touchpoint, or a stage) for a target; steps are keyed as in
the rest of the engine (a * n_activities + b for touchpoints; source * n_stages + target
for stages, times n_channels plus the arrival's channel code + 1 when split by channel).
Only steps taken before a journey converts count (the step into the converting event
included), as in steps.step_outcomes.
"""

from __future__ import annotations

import math

import numpy as np
from numba import prange

from ._jit import inline, jit, pjit
from .grouping import case_chunks
from .hashing import mix64, splitmix64
from .steps import REACHED, REACHED_CONVERTING

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


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
def _quantile(sorted_values, p):
    """The linear quantile of sorted values at numpy's position, interpolated as
    a + (b - a) * g. Not stats.quantile_position and interpolate: numpy's own formula
    rounds differently where g >= 0.5, and the bootstrap intervals are kept bit for bit."""
    position = p * (sorted_values.shape[0] - 1)
    low = int(np.floor(position))
    high = min(low + 1, sorted_values.shape[0] - 1)
    return sorted_values[low] + (position - low) * (sorted_values[high] - sorted_values[low])


@inline
def _unit(state, j):
    """The j-th uniform in [0, 1) of a stream: the top 53 bits of SplitMix64's (j + 1)-th
    word from `state`."""
    x = mix64(state + np.uint64(j + 1) * _GOLDEN)
    return np.float64(x >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@jit
def _ptrs(lam, state):
    """A Poisson(lam) draw for lam >= 10 by Hörmann's transformed rejection (PTRS, as
    numpy's legacy generator draws it), from the uniforms of `state`."""
    slam = np.sqrt(lam)
    loglam = np.log(lam)
    b = 0.931 + 2.53 * slam
    a = -0.059 + 0.02483 * b
    invalpha = 1.1239 + 1.1328 / (b - 3.4)
    vr = 0.9277 - 3.6224 / (b - 2)
    j = 0
    while True:
        u = _unit(state, j) - 0.5
        v = _unit(state, j + 1)
        j += 2
        us = 0.5 - abs(u)
        k = np.floor((2 * a / us + b) * u + lam + 0.43)
        if us >= 0.07 and v <= vr:
            return np.int64(k)
        if k < 0 or (us < 0.013 and v > us):
            continue
        accept = -lam + k * loglam - math.lgamma(k + 1)
        if np.log(v) + np.log(invalpha) - np.log(a / (us * us) + b) <= accept:
            return np.int64(k)


@jit
def poisson_weights(counts, keep, alias, size, seed, first, weights):
    """Replicates first .. first + width - 1: each group of n journeys draws Poisson(n),
    written to every row of `weights`, int64 (groups, width), which is returned.
    Replicate b's stream is splitmix64(seed ^ b * golden); group g's draw takes the
    uniforms of mix64(stream + (g + 1) * golden) (_unit): one for Walker's alias tables
    of Poisson(n) (keep, alias, size; rows by n, see journey.poisson.poisson_alias)
    while n has a row, else those PTRS needs. Counter-based, and without a branch on the
    draw for small groups: cheap, and the same on any thread and in any block."""
    width = weights.shape[1]
    streams = np.empty(width, np.uint64)
    for r in range(width):
        streams[r] = splitmix64(np.uint64(seed) ^ (np.uint64(first + r) * _GOLDEN))
    small = size.shape[0] - 1
    uniforms = np.empty(width)
    for g in range(counts.shape[0]):
        n = counts[g]
        row = weights[g]
        if n <= 0:
            row[:] = 0
            continue
        step = np.uint64(g + 1) * _GOLDEN
        if n > small:
            for r in range(width):
                row[r] = _ptrs(np.float64(n), mix64(streams[r] + step))
            continue
        outcomes = size[n]
        keep_n, alias_n = keep[n], alias[n]
        # The uniforms first, in a loop of their own that the compiler vectorizes (a
        # third less time than drawing and looking up replicate by replicate).
        for r in range(width):
            uniforms[r] = _unit(mix64(streams[r] + step), 0) * outcomes
        for r in range(width):
            x = uniforms[r]
            i = np.int64(x)
            row[r] = i if x - i < keep_n[i] else alias_n[i]
    return weights


@jit
def tally_profiles(weights, converted, offsets, items, n_places, n_sources):
    """Per place: journeys that took it, of which converting; per source slot: journeys
    that left it by an alternative step, of which converting. `weights`: int64 (groups,
    replicates), journeys per group in each replicate; the tallies are int64 (places or
    sources, replicates). Replicates lie side by side, so that one pass over a
    profile's items serves them all."""
    width = weights.shape[1]
    # One table, places then source slots, counts and converting side by side: the adds
    # of a replicate block then vectorize (a quarter of the time of four tables).
    tallies = np.zeros((n_places + n_sources, 2, width), np.int64)
    for g in range(weights.shape[0]):
        w = weights[g]
        converting = converted[g]
        for k in range(offsets[g], offsets[g + 1]):
            item = items[k]
            at = item if item >= 0 else n_places - item - 1
            count = tallies[at, 0]
            for r in range(width):
                count[r] += w[r]
            if converting:
                won = tallies[at, 1]
                for r in range(width):
                    won[r] += w[r]
    places, sources = tallies[:n_places], tallies[n_places:]
    return places[:, 0].copy(), places[:, 1].copy(), sources[:, 0].copy(), sources[:, 1].copy()


@jit
def chances(took, won, reached, reached_won, place_source):
    """Per place and replicate: q, the chance that taking it cost a journey that did not
    convert its conversion, (r_C - r_T) / (1 - r_T) as one ratio of integer counts (equal
    fractions give equal floats, so ties are ties), 0 where T does not convert less; and
    the loss if the place alone were fixed, |T| (r_C - r_T). Arrays as tally_profiles'."""
    n, width = took.shape
    q = np.zeros((n, width))
    alone = np.zeros((n, width))
    for p in range(n):
        s = place_source[p]
        for r in range(width):
            n_t, k_t = took[p, r], won[p, r]
            n_a = reached[s, r] - n_t
            k_a = reached_won[s, r] - k_t
            if n_t <= 0 or n_a <= 0:
                continue
            gain = k_a * n_t - k_t * n_a
            if gain > 0:
                q[p, r] = gain / (n_a * (n_t - k_t))
                alone[p, r] = gain / n_a
    return q, alone


@jit
def charge_profiles(weights, converted, offsets, items, q):
    """Journeys charged to each place, per replicate: each journey that did not convert,
    to the first of its steps (the order it took them) with the largest chance q > 0.
    Arrays as tally_profiles' and chances'."""
    n_places, width = q.shape
    charged = np.zeros((n_places, width), np.int64)
    best = np.empty(width, np.int64)
    best_q = np.empty(width)
    for g in range(weights.shape[0]):
        if converted[g]:
            continue
        best[:] = -1
        best_q[:] = 0.0
        for k in range(offsets[g], offsets[g + 1]):
            item = items[k]
            if item < 0:  # the sources follow the steps
                break
            chance = q[item]
            for r in range(width):
                if chance[r] > best_q[r]:
                    best_q[r] = chance[r]
                    best[r] = item
        w = weights[g]
        for r in range(width):
            if best[r] >= 0:
                charged[best[r], r] += w[r]
    return charged


@pjit
def bootstrap_profiles(
    counts,
    converted,
    offsets,
    items,
    place_source,
    n_sources,
    n_boot,
    alpha,
    seed,
    tables,
    lo,
    hi,
    block,
    workers,
):
    """Percentile intervals (1 - alpha) of both estimates of each place, from a Poisson
    bootstrap over journeys that redoes the whole estimate in every replicate: the
    groups, the chances and the charges. A group of n equal profiles draws Poisson(n)
    journeys, exactly as if each of its journeys had drawn Poisson(1) (poisson_weights;
    `tables`: journey.poisson.poisson_alias()). Each replicate draws from its own streams,
    so the intervals do not depend on the threads. Returns float64 (hi - lo, 4), for the
    places lo .. hi-1 (every replicate is kept for them, so a caller short of memory asks
    for a few at a time): alone low, alone high, charged low, charged high.

    Blocks of `block` replicates are drawn and counted together, by `workers` threads
    that each reuse one array for their blocks' weights (a fresh one per block cost a
    third of the time at 22 million journeys: allocating, clearing, page faults)."""
    n_places = place_source.shape[0]
    n_groups = counts.shape[0]
    alone = np.empty((hi - lo, n_boot))
    charged = np.empty((hi - lo, n_boot))
    n_blocks = (n_boot + block - 1) // block
    workers = max(1, min(workers, n_blocks))
    for worker in prange(workers):
        memory = np.empty(n_groups * block, np.int64)
        for b in range(worker, n_blocks, workers):
            first = b * block
            width = min(block, n_boot - first)
            weights = memory[: n_groups * width].reshape((n_groups, width))
            poisson_weights(counts, *tables, seed, first, weights)
            took, won, reached, reached_won = tally_profiles(
                weights, converted, offsets, items, n_places, n_sources
            )
            q, lost_alone = chances(took, won, reached, reached_won, place_source)
            journeys = charge_profiles(weights, converted, offsets, items, q)
            for p in range(lo, hi):
                for r in range(width):
                    alone[p - lo, first + r] = lost_alone[p, r]
                    charged[p - lo, first + r] = journeys[p, r] * q[p, r]
    out = np.zeros((hi - lo, 4))
    for p in prange(hi - lo):
        a = np.sort(alone[p])
        c = np.sort(charged[p])
        out[p, 0] = _quantile(a, alpha / 2)
        out[p, 1] = _quantile(a, 1 - alpha / 2)
        out[p, 2] = _quantile(c, alpha / 2)
        out[p, 3] = _quantile(c, 1 - alpha / 2)
    return out
