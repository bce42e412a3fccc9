"""Group events by case and order them by time, the canonical layout of a log.

Each event's case key becomes a 64-bit value: the key itself when it is a small
integer (exact), otherwise a hash. The value's high bits and the event's position are
packed into one uint64 and sorted with numpy's vectorized sort, which groups cases and
keeps input order inside a case (positions are the low bits), in a few streaming passes.
Hash runs are then checked byte by byte, so a collision splits a run instead of merging
two cases. Finally each case's events are sorted by timestamp (stable, so ties keep
input order); most cases are short and already in order.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from ._jit import jit, pjit
from .hashing import bytes_equal

_INSERTION_LIMIT = 32


@pjit
def pack(keys, row_bits, keep_high_bits):
    """packed[i] = high bits of keys[i] | i. `keep_high_bits`: use the key's top bits
    (hashes); otherwise the key itself is shifted up (exact keys below 2**(64-row_bits))."""
    n = keys.shape[0]
    out = np.empty(n, np.uint64)
    shift = np.uint64(row_bits)
    for i in prange(n):
        k = keys[i]
        if keep_high_bits:
            k = (k >> shift) << shift
        else:
            k = k << shift
        out[i] = k | np.uint64(i)
    return out


@jit
def runs_of_packed(packed, row_bits):
    """Positions (low bits) in sorted order, and the offsets of runs of equal high bits."""
    n = packed.shape[0]
    mask = (np.uint64(1) << np.uint64(row_bits)) - np.uint64(1)
    positions = np.empty(n, np.int64)
    offsets = np.empty(n + 1, np.int64)
    n_runs = 0
    previous = np.uint64(0)
    for i in range(n):
        p = packed[i]
        high = p & ~mask
        if i == 0 or high != previous:
            offsets[n_runs] = i
            n_runs += 1
            previous = high
        positions[i] = np.int64(p & mask)
    offsets[n_runs] = n
    return positions, offsets[: n_runs + 1].copy()


@jit
def split_runs(positions, run_offsets, rows, key_offsets, key_data):
    """Split runs whose events do not all carry the same key bytes (hash collisions).

    `rows[position]` is the input row whose key is string `rows[position]` of the
    (key_offsets, key_data) buffers. Returns the case offsets; `positions` is reordered in
    place so that each key's events are contiguous, keeping input order within a key.
    """
    n_runs = run_offsets.shape[0] - 1
    case_offsets = np.empty(positions.shape[0] + 1, np.int64)
    n_cases = 0
    for r in range(n_runs):
        start = run_offsets[r]
        end = run_offsets[r + 1]
        first = rows[positions[start]]
        clean = True
        for i in range(start + 1, end):
            if not bytes_equal(key_offsets, key_data, first, rows[positions[i]]):
                clean = False
                break
        if clean:
            case_offsets[n_cases] = start
            n_cases += 1
            continue
        n_cases = _partition_run(positions, start, end, rows, key_offsets, key_data,
                                 case_offsets, n_cases)
    case_offsets[n_cases] = positions.shape[0]
    return case_offsets[: n_cases + 1].copy()


@jit
def _partition_run(positions, start, end, rows, key_offsets, key_data, case_offsets, n_cases):
    """Stable partition of one colliding run into its distinct keys."""
    size = end - start
    group = np.empty(size, np.int64)
    reps = np.empty(size, np.int64)
    n_groups = 0
    for i in range(size):
        row = rows[positions[start + i]]
        g = -1
        for k in range(n_groups):
            if bytes_equal(key_offsets, key_data, reps[k], row):
                g = k
                break
        if g < 0:
            g = n_groups
            reps[n_groups] = row
            n_groups += 1
        group[i] = g
    members = positions[start:end].copy()
    cursor = start
    for g in range(n_groups):
        case_offsets[n_cases] = cursor
        n_cases += 1
        for i in range(size):
            if group[i] == g:
                positions[cursor] = members[i]
                cursor += 1
    return n_cases


@pjit
def sort_cases_by_time(positions, offsets, ts):
    """Stable-sort each case's positions by ts[position]; return ts in that order."""
    n_cases = offsets.shape[0] - 1
    out = np.empty(positions.shape[0], np.int64)
    for c in prange(n_cases):
        start = offsets[c]
        end = offsets[c + 1]
        ordered = True
        previous = ts[positions[start]]
        out[start] = previous
        for i in range(start + 1, end):
            t = ts[positions[i]]
            out[i] = t
            if t < previous:
                ordered = False
            previous = t
        if not ordered:
            _sort_segment(positions, out, start, end)
    return out


@jit
def _sort_segment(positions, keys, start, end):
    """Stable sort of positions[start:end] and keys[start:end] by keys."""
    if end - start <= _INSERTION_LIMIT:
        for i in range(start + 1, end):
            p = positions[i]
            k = keys[i]
            j = i - 1
            while j >= start and keys[j] > k:
                positions[j + 1] = positions[j]
                keys[j + 1] = keys[j]
                j -= 1
            positions[j + 1] = p
            keys[j + 1] = k
        return
    local = np.argsort(keys[start:end], kind="mergesort")
    p = positions[start:end].copy()
    k = keys[start:end].copy()
    for i in range(end - start):
        positions[start + i] = p[local[i]]
        keys[start + i] = k[local[i]]


@pjit
def gather(values, positions):
    """values[positions], in parallel."""
    out = np.empty(positions.shape[0], values.dtype)
    for i in prange(positions.shape[0]):
        out[i] = values[positions[i]]
    return out
