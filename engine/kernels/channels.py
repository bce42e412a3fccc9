"""Channels along journeys: switches between consecutive touchpoints, channels per case."""

from __future__ import annotations

import numpy as np
from numba import prange

from ._jit import pjit
from .grouping import case_chunks


@pjit
def channel_switches(channel, offsets, n_channels, at_event, n_chunks):
    """Per (from, to) channel pair over consecutive events of a case (missing, -1, skipped):
    transitions, distinct cases, and abandoned cases (no converting event: at_event -1)
    whose last step is that pair; plus the number of distinct channels each case uses up
    to its converting event (all its events when it has none): channels only used after
    converting are no way to it.

    Pairs are keyed from * n_channels + to; a pair with from == to is no switch. Cases are
    split into `n_chunks` runs counted apart, in parallel.
    """
    n_cases = offsets.shape[0] - 1
    size = n_channels * n_channels
    bounds = case_chunks(n_cases, n_chunks)
    counts = np.zeros((n_chunks, 3, size), np.int64)
    used = np.zeros(n_cases, np.int64)
    for k in prange(n_chunks):
        transitions = np.zeros(size, np.int64)
        cases = np.zeros(size, np.int64)
        last_step = np.zeros(size, np.int64)
        last_case = np.full(size, -1, np.int64)
        seen = np.full(n_channels, -1, np.int64)
        for c in range(bounds[k], bounds[k + 1]):
            previous = -1
            last_key = -1
            until = at_event[c] if at_event[c] >= 0 else offsets[c + 1] - 1
            for i in range(offsets[c], offsets[c + 1]):
                ch = channel[i]
                if ch < 0:
                    continue
                if seen[ch] != c and i <= until:
                    seen[ch] = c
                    used[c] += 1
                if previous >= 0:
                    key = previous * n_channels + ch
                    transitions[key] += 1
                    if last_case[key] != c:
                        last_case[key] = c
                        cases[key] += 1
                    last_key = key
                previous = ch
            if at_event[c] < 0 and last_key >= 0:
                last_step[last_key] += 1
        counts[k, 0] = transitions
        counts[k, 1] = cases
        counts[k, 2] = last_step
    total = counts.sum(axis=0)
    return total[0], total[1], total[2], used
