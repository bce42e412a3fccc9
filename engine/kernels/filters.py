"""Case and event masks for slices of a log (see engine/slices), and the gather that lays
a slice out canonically. Arrays in, arrays out; cases are split into runs handled in
parallel where a case's answer depends on its events only."""

from __future__ import annotations

import numpy as np
from numba import prange

from ._jit import jit, pjit


@pjit
def contains_cases(act, offsets, wanted, need_all):
    """Per case: whether it has an event of any (need_all: every) activity flagged in
    `wanted` (bool per activity code)."""
    n_cases = offsets.shape[0] - 1
    n_wanted = 0
    for a in range(wanted.shape[0]):
        if wanted[a]:
            n_wanted += 1
    out = np.zeros(n_cases, np.bool_)
    for c in prange(n_cases):
        if need_all:
            seen = np.zeros(wanted.shape[0], np.bool_)
            found = 0
            for i in range(offsets[c], offsets[c + 1]):
                a = act[i]
                if wanted[a] and not seen[a]:
                    seen[a] = True
                    found += 1
            out[c] = found == n_wanted
        else:
            for i in range(offsets[c], offsets[c + 1]):
                if wanted[act[i]]:
                    out[c] = True
                    break
    return out


@pjit
def follows_cases(act, offsets, ts, a, b, directly, max_gap_ns):
    """Per case: whether an event of `a` is followed by one of `b`, directly (the next
    event) or eventually (any later event), within `max_gap_ns` (< 0: no limit)."""
    n_cases = offsets.shape[0] - 1
    out = np.zeros(n_cases, np.bool_)
    for c in prange(n_cases):
        start, end = offsets[c], offsets[c + 1]
        if directly:
            for i in range(start, end - 1):
                close = max_gap_ns < 0 or ts[i + 1] - ts[i] <= max_gap_ns
                if act[i] == a and act[i + 1] == b and close:
                    out[c] = True
                    break
        else:
            # the latest `a` before each `b` gives the shortest gap to it
            latest = np.int64(-1)
            for i in range(start, end):
                close = latest >= 0 and (max_gap_ns < 0 or ts[i] - ts[latest] <= max_gap_ns)
                if act[i] == b and close:
                    out[c] = True
                    break
                if act[i] == a:
                    latest = i
    return out


@jit
def session_starts(offsets, ts, gap_ns):
    """Per event: whether it starts a session, the first event of a case or one more than
    `gap_ns` after the previous event of its case."""
    n = ts.shape[0]
    out = np.zeros(n, np.bool_)
    for c in range(offsets.shape[0] - 1):
        start = offsets[c]
        if start < offsets[c + 1]:
            out[start] = True
        for i in range(start + 1, offsets[c + 1]):
            if ts[i] - ts[i - 1] > gap_ns:
                out[i] = True
    return out


@jit
def kept_offsets(offsets, keep_event):
    """The case offsets of the kept events, and which cases keep any (cases left
    without an event are dropped from the slice)."""
    n_cases = offsets.shape[0] - 1
    kept_case = np.zeros(n_cases, np.bool_)
    counts = np.zeros(n_cases, np.int64)
    for c in range(n_cases):
        k = 0
        for i in range(offsets[c], offsets[c + 1]):
            if keep_event[i]:
                k += 1
        counts[c] = k
        kept_case[c] = k > 0
    n_kept = 0
    for c in range(n_cases):
        if kept_case[c]:
            n_kept += 1
    out = np.zeros(n_kept + 1, np.int64)
    j = 0
    for c in range(n_cases):
        if kept_case[c]:
            out[j + 1] = out[j] + counts[c]
            j += 1
    return out, kept_case


@pjit
def case_slice(offsets, keep_case):
    """The kept cases' events: (their case offsets, the index of every kept event, the
    kept cases), in one parallel pass over the kept cases."""
    n_cases = offsets.shape[0] - 1
    n_kept = 0
    for c in range(n_cases):
        if keep_case[c]:
            n_kept += 1
    kept = np.empty(n_kept, np.int64)
    new_offsets = np.zeros(n_kept + 1, np.int64)
    j = 0
    for c in range(n_cases):
        if keep_case[c]:
            kept[j] = c
            new_offsets[j + 1] = new_offsets[j] + offsets[c + 1] - offsets[c]
            j += 1
    events = np.empty(new_offsets[n_kept], np.int64)
    for j in prange(n_kept):
        start = offsets[kept[j]]
        for k in range(new_offsets[j + 1] - new_offsets[j]):
            events[new_offsets[j] + k] = start + k
    return new_offsets, events, kept


@pjit
def trim_events(act, offsets, anchor, until, until_at, before, after):
    """Per event: whether it lies in its case's trimmed window, and per case whether the
    case keeps one. The window starts at the case's first `anchor` event (-1: its first
    event), `before` events earlier (< 0: no more); it ends at the first `until` event
    from there (-1: no such bound), or at `until_at[c]` when that array has entries (an
    event index per case, -1: none), and at most `after` events after the anchor (< 0:
    no limit). A case lacking its anchor or its end keeps nothing."""
    n_cases = offsets.shape[0] - 1
    keep = np.zeros(act.shape[0], np.bool_)
    kept_case = np.zeros(n_cases, np.bool_)
    for c in prange(n_cases):
        start, stop = offsets[c], offsets[c + 1]
        first = start
        if anchor >= 0:
            first = -1
            for i in range(start, stop):
                if act[i] == anchor:
                    first = i
                    break
            if first < 0:
                continue
        last = stop - 1
        if until_at.shape[0] > 0:
            last = until_at[c]
            if last < first:
                continue
        elif until >= 0:
            last = -1
            for i in range(first, stop):
                if act[i] == until:
                    last = i
                    break
            if last < 0:
                continue
        lo = first if before < 0 else max(start, first - before)
        hi = last if after < 0 else min(last, first + after)
        for i in range(lo, hi + 1):
            keep[i] = True
        kept_case[c] = hi >= lo
    return keep, kept_case
