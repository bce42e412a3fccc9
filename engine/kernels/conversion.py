"""When each journey converts, and the Kaplan–Meier estimate of time to convert."""

from __future__ import annotations

import numpy as np
from numba import prange

from ._jit import jit, pjit


@pjit
def conversion_times(act, offsets, ts, converts, window_end):
    """Per case: (converted, ns from the case's first event to its first converting event,
    the index of that event or -1, ns from the case's first event to the end of the
    observation window `window_end`: the whole log's last timestamp, ns).

    `converts[a]` says whether activity code `a` converts; the time is 0 where not
    converted. Events are sorted by time within a case, so a case's last event is its
    latest. Cases are handled in parallel.
    """
    n_cases = offsets.shape[0] - 1
    converted = np.zeros(n_cases, np.bool_)
    elapsed = np.zeros(n_cases, np.int64)
    at_event = np.full(n_cases, -1, np.int64)
    observed = np.empty(n_cases, np.int64)
    for c in prange(n_cases):
        first = offsets[c]
        observed[c] = window_end - ts[first]
        for i in range(first, offsets[c + 1]):
            if converts[act[i]]:
                converted[c] = True
                elapsed[c] = ts[i] - ts[first]
                at_event[c] = i
                break
    return converted, elapsed, at_event, observed


@pjit
def km_keys(converted, elapsed, observed):
    """`kaplan_meier`'s key of each journey: its duration (time to convert, or time
    observed when it did not convert) times 2, plus 1 when censored. One pass, where the
    numpy expression made three 8-byte temporaries (0.75 s for 22M journeys)."""
    n = converted.shape[0]
    keys = np.empty(n, np.int64)
    for i in prange(n):
        if converted[i]:
            keys[i] = elapsed[i] * 2
        else:
            keys[i] = observed[i] * 2 + 1
    return keys


@jit
def kaplan_meier(keys):
    """The Kaplan–Meier table at the times journeys convert, from sorted int64 keys
    ``duration * 2 + censored`` (duration in ns; censored 1 where the journey did not
    convert), so that at a time conversions come before censorings.

    One row per distinct time with a conversion: (time, at risk, conversions, censored,
    survival, Greenwood sum). `censored` counts the censorings at or after the row's time,
    before the next row's (those before the first row belong to none); at risk counts
    every journey whose duration is at least the row's time.
    """
    n = keys.shape[0]
    n_rows = 0
    for i in range(n):
        if keys[i] & 1 == 0 and (i == 0 or keys[i - 1] != keys[i]):
            n_rows += 1
    time = np.empty(n_rows, np.int64)
    at_risk = np.empty(n_rows, np.int64)
    n_events = np.zeros(n_rows, np.int64)
    censored = np.zeros(n_rows, np.int64)
    j = -1
    for i in range(n):
        key = keys[i]
        if key & 1 == 0:
            if i == 0 or keys[i - 1] != key:
                j += 1
                time[j] = key >> 1
                at_risk[j] = n - i
            n_events[j] += 1
        elif j >= 0:
            censored[j] += 1
    survival, greenwood = km_survival(at_risk, n_events)
    return time, at_risk, n_events, censored, survival, greenwood


@jit
def kaplan_meier_counted(events, censorings):
    """`kaplan_meier`'s rows from counts at distinct increasing times (e.g. the buckets
    of a sketch): conversions `events[t]` and censorings `censorings[t]` at time t, events
    first. Returns (the time index of each row, at risk, conversions, censored, survival,
    Greenwood sum), one row per time with a conversion."""
    n_times = events.shape[0]
    n_rows = 0
    total = np.int64(0)
    for t in range(n_times):
        total += events[t] + censorings[t]
        if events[t] > 0:
            n_rows += 1
    index = np.empty(n_rows, np.int64)
    at_risk = np.empty(n_rows, np.int64)
    n_events = np.empty(n_rows, np.int64)
    censored = np.zeros(n_rows, np.int64)
    j = -1
    left = total
    for t in range(n_times):
        if events[t] > 0:
            j += 1
            index[j] = t
            at_risk[j] = left
            n_events[j] = events[t]
        if j >= 0:
            censored[j] += censorings[t]
        left -= events[t] + censorings[t]
    survival, greenwood = km_survival(at_risk, n_events)
    return index, at_risk, n_events, censored, survival, greenwood


@jit
def km_survival(at_risk, n_events):
    """The Kaplan–Meier survival and Greenwood sum after each row (at risk, events)."""
    n_rows = at_risk.shape[0]
    survival = np.empty(n_rows, np.float64)
    greenwood = np.empty(n_rows, np.float64)
    s = 1.0
    g = 0.0
    for j in range(n_rows):
        d = n_events[j]
        r = at_risk[j]
        s *= 1.0 - d / r
        if r > d:
            g += d / (r * (r - d))
        else:
            g = np.inf
        survival[j] = s
        greenwood[j] = g
    return survival, greenwood
