"""Channels along journeys: switches between consecutive touchpoints, channels per case."""

from __future__ import annotations

import numpy as np

from ._jit import jit


@jit
def channel_switches(channel, offsets, n_channels, abandoned):
    """Per (from, to) channel pair over consecutive events of a case (missing, -1, skipped):
    transitions, distinct cases, and abandoned cases whose last step is that pair; plus the
    number of distinct channels each case uses.

    Pairs are keyed from * n_channels + to; a pair with from == to is no switch.
    """
    n_cases = offsets.shape[0] - 1
    size = n_channels * n_channels
    transitions = np.zeros(size, np.int64)
    cases = np.zeros(size, np.int64)
    last_step = np.zeros(size, np.int64)
    last_case = np.full(size, -1, np.int64)
    used = np.zeros(n_cases, np.int64)
    seen = np.full(n_channels, -1, np.int64)
    for c in range(n_cases):
        previous = -1
        last_key = -1
        for i in range(offsets[c], offsets[c + 1]):
            ch = channel[i]
            if ch < 0:
                continue
            if seen[ch] != c:
                seen[ch] = c
                used[c] += 1
            if previous >= 0:
                k = previous * n_channels + ch
                transitions[k] += 1
                if last_case[k] != c:
                    last_case[k] = c
                    cases[k] += 1
                last_key = k
            previous = ch
        if abandoned[c] and last_key >= 0:
            last_step[last_key] += 1
    return transitions, cases, last_step, used
