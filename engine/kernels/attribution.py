"""Attribution: which touchpoints (or channels) earn the conversions (see
figures/attribution.py for the models these kernels serve).

A journey's *path* is its events before its converting event (all of them when it never
converts), each coded as a state 0..n_states-1. The Markov chain adds a start state and
two absorbing ones, conversion and no conversion.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from ._jit import jit, pjit
from .grouping import case_chunks
from .hashing import mix64

#: Rows of heuristic_credits: first touch, last touch, linear, time decay.
FIRST, LAST, LINEAR, DECAY = range(4)


@pjit
def heuristic_credits(states, offsets, ts, converted_at, n_states, half_life_ns, n_chunks):
    """Conversions credited to each state by the four rule-based models, float64
    (4, n_states + 1); column n_states holds journeys that converted at their first event
    (no touchpoint before). Time decay weighs an event by 2 ** (-(time to the conversion)
    / half_life_ns), normalised over the journey's path."""
    n_cases = offsets.shape[0] - 1
    bounds = case_chunks(n_cases, n_chunks)
    credits = np.zeros((n_chunks, 4, n_states + 1))
    for k in prange(n_chunks):
        out = credits[k]
        for c in range(bounds[k], bounds[k + 1]):
            at = converted_at[c]
            if at < 0:
                continue
            first = offsets[c]
            length = at - first
            if length == 0:
                for row in range(4):
                    out[row, n_states] += 1.0
                continue
            out[FIRST, states[first]] += 1.0
            out[LAST, states[at - 1]] += 1.0
            total = 0.0
            for i in range(first, at):
                out[LINEAR, states[i]] += 1.0 / length
                total += 2.0 ** (-(ts[at] - ts[i]) / half_life_ns)
            for i in range(first, at):
                out[DECAY, states[i]] += 2.0 ** (-(ts[at] - ts[i]) / half_life_ns) / total
    return credits.sum(axis=0)


@jit
def block_of(seed, case, n_blocks):
    """The random block of journeys a case falls in, reproducible from (seed, case)."""
    key = mix64(np.uint64(seed) * np.uint64(0x9E3779B97F4A7C15) ^ np.uint64(case))
    return np.int64(key % np.uint64(n_blocks))


@pjit
def block_transition_counts(states, offsets, converted_at, n_states, n_blocks, seed, n_chunks):
    """The Markov chain's transition counts per random block of journeys, float64
    (n_blocks, n_states + 1, n_states + 2): row n_states is the start; columns n_states
    and n_states + 1 are conversion and no conversion. Their sum over blocks is the
    whole log's counts; a bootstrap replicate weighs the blocks."""
    n_cases = offsets.shape[0] - 1
    bounds = case_chunks(n_cases, n_chunks)
    counts = np.zeros((n_chunks, n_blocks, n_states + 1, n_states + 2))
    for k in prange(n_chunks):
        for c in range(bounds[k], bounds[k + 1]):
            out = counts[k, block_of(seed, c, n_blocks)]
            at = converted_at[c]
            end = at if at >= 0 else offsets[c + 1]
            previous = n_states
            for i in range(offsets[c], end):
                out[previous, states[i]] += 1.0
                previous = states[i]
            out[previous, n_states if at >= 0 else n_states + 1] += 1.0
    return counts.sum(axis=0)
