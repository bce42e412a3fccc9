"""Group events by case and order them by time: the canonical layout of a log.

Each event's case code (exact, or a hash) and its input row are packed into one uint64,
code in the high bits, row in the low bits. numpy's vectorized sort of these words groups
the cases and keeps input order inside a case in one streaming pass; no permutation is
applied to several columns one after another. One flat parallel gather then lays out
rows and timestamps in that order (random loads with nothing between them), and one
parallel pass walks the runs of equal codes: it confirms that hashed keys really are
equal (a collision splits the run instead of merging two cases) and sorts each case's few
events by time, stably, so ties keep input order. Other columns (activities, start times)
follow with `gather` once the rows are final, after the input timestamps are freed.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from ._jit import inline, jit, pjit
from .hashing import bytes_equal, splitmix64

_INSERTION_LIMIT = 32

#: How equal codes are confirmed in `order_runs`.
VERIFY_NONE = 0  # codes are exact
VERIFY_BYTES = 1  # codes are hashes of the key bytes


@jit
def pack(codes, valid, row_bits, hashed, out):
    """Words (code or hash high bits | input row) of the valid rows (`valid` empty: all
    of them), in input order.

    They are written to the front of `out`, which may be `codes` itself (row i is read
    before slot i is written); returns that front part.
    """
    shift = np.uint64(row_bits)
    every = valid.shape[0] == 0
    j = 0
    for i in range(codes.shape[0]):
        if every or valid[i]:
            if hashed:
                high = (splitmix64(codes[i]) >> shift) << shift
            else:
                high = codes[i] << shift
            out[j] = high | np.uint64(i)
            j += 1
    return out[:j]


@jit
def run_offsets(packed, row_bits):
    """Offsets of the runs of equal high bits in the sorted words."""
    n = packed.shape[0]
    mask = ~((np.uint64(1) << np.uint64(row_bits)) - np.uint64(1))
    offsets = np.empty(n + 1, np.int64)
    n_runs = 0
    previous = np.uint64(0)
    for i in range(n):
        high = packed[i] & mask
        if i == 0 or high != previous:
            offsets[n_runs] = i
            n_runs += 1
            previous = high
    offsets[n_runs] = n
    return offsets[: n_runs + 1].copy()


@pjit
def order_runs(packed, runs, row_bits, ts, verify, key_offsets, key_data, row_type, ts_out):
    """For sorted words: input rows and timestamps in canonical order.

    Returns (rows, ts_out, collided); `collided[r]` marks a run holding more than one key,
    which `split_collisions` then separates. Other runs come out time-sorted.
    Rows have the dtype of the (empty) array `row_type`: int32 halves them for most logs.
    Timestamps go to `ts_out` (int64, as long as `packed`), which may be `packed`'s own
    memory: each word is read before its slot is written.
    """
    n = packed.shape[0]
    mask = (np.uint64(1) << np.uint64(row_bits)) - np.uint64(1)
    rows = np.empty(n, row_type.dtype)
    # One flat gather first: no per-case loop or branch between the random loads.
    for i in prange(n):
        row = np.int64(packed[i] & mask)
        rows[i] = row
        ts_out[i] = ts[row]
    n_runs = runs.shape[0] - 1
    collided = np.zeros(n_runs, np.bool_)
    for r in prange(n_runs):
        start = runs[r]
        end = runs[r + 1]
        if verify == VERIFY_BYTES:
            first = np.int64(rows[start])
            for i in range(start + 1, end):
                if not bytes_equal(key_offsets, key_data, first, np.int64(rows[i])):
                    collided[r] = True
                    break
        if not collided[r]:
            sort_by_time(rows, ts_out, start, end)
    return rows, ts_out, collided


@pjit
def count_cases(codes, valid, n_codes, parts, counter_type):
    """Histograms of the valid rows' exact codes (0 <= code < n_codes), one per part
    (`valid` empty: every row is valid).

    Part p counts rows p * n // parts up to (p + 1) * n // parts, on its own thread; the
    counters have the dtype of the (empty) array `counter_type`.
    """
    n = codes.shape[0]
    every = valid.shape[0] == 0
    counts = np.zeros((parts, n_codes), counter_type.dtype)
    for p in prange(parts):
        own = counts[p]
        for i in range(p * n // parts, (p + 1) * n // parts):
            if every or valid[i]:
                own[codes[i]] += 1
    return counts


@jit
def row_starts(counts):
    """Turn `count_cases`' histograms, in place, into where each part's rows of each code
    go (codes ascending, then parts in input order); returns the number of rows."""
    parts, n_codes = counts.shape
    total = 0
    for c in range(n_codes):
        for p in range(parts):
            held = counts[p, c]
            counts[p, c] = total
            total += held
    return total


@jit
def case_offsets(ends):
    """(case offsets, the code of each case) from where each code's rows end once
    scattered (the last part's cursors): the codes that some row has, ascending."""
    n_cases = 0
    previous = 0
    for c in range(ends.shape[0]):
        if ends[c] > previous:
            n_cases += 1
            previous = ends[c]
    offsets = np.empty(n_cases + 1, np.int64)
    case_codes = np.empty(n_cases, np.uint64)
    k = 0
    previous = 0
    for c in range(ends.shape[0]):
        if ends[c] > previous:
            offsets[k] = previous
            case_codes[k] = c
            k += 1
            previous = ends[c]
    offsets[k] = previous
    return offsets, case_codes


@pjit
def scatter_rows(codes, valid, cursors, n_rows, row_type):
    """The valid input rows grouped by code, in input order within a code: a stable
    counting sort. `cursors` come from `row_starts` and are advanced in place: the last
    part's then end each code's rows (see `case_offsets`). `valid` empty: every row."""
    n = codes.shape[0]
    every = valid.shape[0] == 0
    parts = cursors.shape[0]
    rows = np.empty(n_rows, row_type.dtype)
    for p in prange(parts):
        own = cursors[p]
        for i in range(p * n // parts, (p + 1) * n // parts):
            if every or valid[i]:
                c = codes[i]
                rows[own[c]] = i
                own[c] += 1
    return rows


@pjit
def sort_cases_by_time(rows, ts_out, offsets):
    """Stable sort of each case's events by time, in place (rows ascending on entry)."""
    for c in prange(offsets.shape[0] - 1):
        sort_by_time(rows, ts_out, offsets[c], offsets[c + 1])


@jit
def split_collisions(rows, ts_out, runs, collided, key_offsets, key_data):
    """Separate the keys of collided runs (stable), sort each by time; case offsets."""
    n_runs = runs.shape[0] - 1
    extra = 0
    for r in range(n_runs):
        if collided[r]:
            extra += runs[r + 1] - runs[r]
    offsets = np.empty(n_runs + extra + 1, np.int64)
    n_cases = 0
    for r in range(n_runs):
        start = runs[r]
        end = runs[r + 1]
        if not collided[r]:
            offsets[n_cases] = start
            n_cases += 1
            continue
        size = end - start
        group = np.empty(size, np.int64)
        reps = np.empty(size, np.int64)
        n_groups = 0
        for i in range(size):
            row = rows[start + i]
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
        old_rows = rows[start:end].copy()
        old_ts = ts_out[start:end].copy()
        cursor = start
        for g in range(n_groups):
            offsets[n_cases] = cursor
            n_cases += 1
            begin = cursor
            for i in range(size):
                if group[i] == g:
                    rows[cursor] = old_rows[i]
                    ts_out[cursor] = old_ts[i]
                    cursor += 1
            sort_by_time(rows, ts_out, begin, cursor)
    offsets[n_cases] = rows.shape[0]
    return offsets[: n_cases + 1].copy()


@jit
def sort_by_time(rows, ts_out, start, end):
    """Stable sort of one case's events by time (rows are ascending on entry)."""
    for i in range(start + 1, end):
        if ts_out[i] < ts_out[i - 1]:
            sort_run(ts_out, rows, start, end, _INSERTION_LIMIT)
            return


@inline
def sort_run(keys, payload, start, end, limit):
    """Sort keys[start:end] in place, stably, carrying payload[start:end] along (None: no
    payload): insertion sort for runs of at most `limit` values, the few most runs hold;
    numpy's stable sort for longer ones. The package's one insertion sort."""
    if end - start <= limit:
        for i in range(start + 1, end):
            key = keys[i]
            if payload is not None:
                held = payload[i]
            j = i - 1
            while j >= start and keys[j] > key:
                keys[j + 1] = keys[j]
                if payload is not None:
                    payload[j + 1] = payload[j]
                j -= 1
            keys[j + 1] = key
            if payload is not None:
                payload[j + 1] = held
        return
    if payload is None:
        keys[start:end].sort()
        return
    local = np.argsort(keys[start:end], kind="mergesort")
    old_keys = keys[start:end].copy()
    old_payload = payload[start:end].copy()
    for i in range(end - start):
        keys[start + i] = old_keys[local[i]]
        payload[start + i] = old_payload[local[i]]


@pjit
def gather(values, positions):
    """values[positions], in parallel."""
    out = np.empty(positions.shape[0], values.dtype)
    for i in prange(positions.shape[0]):
        out[i] = values[positions[i]]
    return out


@pjit
def gather_into(values, positions, out):
    """values[positions] written to `out` (as long as `positions`), in parallel."""
    for i in prange(positions.shape[0]):
        out[i] = values[positions[i]]
    return out


@jit
def _partition_range(words, start, end, pivot):
    """Hoare partition of words[start:end] in place, values below `pivot` first;
    returns where the others begin."""
    i = start
    j = end - 1
    while True:
        while i <= j and words[i] < pivot:
            i += 1
        while i <= j and words[j] >= pivot:
            j -= 1
        if i >= j:
            return i
        held = words[i]
        words[i] = words[j]
        words[j] = held
        i += 1
        j -= 1


@pjit
def partition_words(words, pivot):
    """Put the words below `pivot` first, in place, and return how many there are.

    Each half is partitioned on its own thread; then the first half's high words and the
    second half's low words, which sit side by side in the middle, trade places.
    """
    n = words.shape[0]
    middle = n // 2
    splits = np.empty(2, np.int64)
    for half in prange(2):
        start = 0 if half == 0 else middle
        end = middle if half == 0 else n
        splits[half] = _partition_range(words, start, end, pivot)
    high_in_first = middle - splits[0]
    low_in_second = splits[1] - middle
    trade = min(high_in_first, low_in_second)
    for t in prange(trade):
        a = splits[0] + t
        b = splits[1] - trade + t
        held = words[a]
        words[a] = words[b]
        words[b] = held
    return splits[0] + low_in_second
