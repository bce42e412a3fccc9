"""When each journey converts, and the Kaplan–Meier estimate of time to convert."""

from __future__ import annotations

import numpy as np

from ._jit import jit


@jit
def conversion_times(act, offsets, ts, converts):
    """Per case: (converted, ns from the case's first event to its first converting event,
    the index of that event or -1).

    `converts[a]` says whether activity code `a` converts; the time is 0 where not converted.
    """
    n_cases = offsets.shape[0] - 1
    converted = np.zeros(n_cases, np.bool_)
    elapsed = np.zeros(n_cases, np.int64)
    at_event = np.full(n_cases, -1, np.int64)
    for c in range(n_cases):
        for i in range(offsets[c], offsets[c + 1]):
            if converts[act[i]]:
                converted[c] = True
                elapsed[c] = ts[i] - ts[offsets[c]]
                at_event[c] = i
                break
    return converted, elapsed, at_event


@jit
def kaplan_meier(durations, events):
    """Kaplan–Meier table over durations sorted ascending (int64 ns; events True where the
    journey converted, False where censored): per distinct time, (time, at risk, events,
    censored, survival, Greenwood sum). Events at a time come before censorings at it."""
    n = durations.shape[0]
    n_times = 0
    for i in range(n):
        if i == 0 or durations[i] != durations[i - 1]:
            n_times += 1
    time = np.empty(n_times, np.int64)
    at_risk = np.empty(n_times, np.int64)
    n_events = np.zeros(n_times, np.int64)
    censored = np.zeros(n_times, np.int64)
    survival = np.empty(n_times, np.float64)
    greenwood = np.empty(n_times, np.float64)
    s = 1.0
    g = 0.0
    j = -1
    for i in range(n):
        if i == 0 or durations[i] != durations[i - 1]:
            j += 1
            time[j] = durations[i]
            at_risk[j] = n - i
        if events[i]:
            n_events[j] += 1
        else:
            censored[j] += 1
    for j in range(n_times):
        d = n_events[j]
        r = at_risk[j]
        if d > 0:
            s *= 1.0 - d / r
            if r > d:
                g += d / (r * (r - d))
            else:
                g = np.inf
        survival[j] = s
        greenwood[j] = g
    return time, at_risk, n_events, censored, survival, greenwood
