"""Order the coded events: grouped by case, by time within a case, ties in input order.

This is the read's one sort. It takes each row's case code, whether the row is kept and
its timestamp, and gives the kept rows in canonical order with the case offsets.

Exact codes that are dense (no larger than the number of rows, as ids numbered from a
prefix or integers usually are) are ordered by a counting sort: one
histogram of the codes per thread, one stable scatter of the row numbers, a gather of
the timestamps, then each case's few events sorted by time. Codes too wide to count
(hashes of free-form ids, integers spread over a wide range) take the general path: the
code and the row are packed into one word, the words sorted, and each run of equal
words confirmed (hashes are checked on the key bytes) and sorted by time.
Both give the same output, bit for bit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..kernels.ordering import (
    VERIFY_BYTES,
    VERIFY_NONE,
    case_offsets,
    count_cases,
    gather_into,
    order_runs,
    pack,
    row_starts,
    run_offsets,
    scatter_rows,
    sort_cases_by_time,
    split_collisions,
)
from ..memory import release_unused_memory

#: Codes up to this many times the number of rows are counted rather than sorted: the
#: histograms then take at most one int32 per row.
DENSE_FACTOR = 1


@dataclass
class Events:
    """What ordering needs of each input row. `order_events` takes these arrays over and
    drops them as soon as it is done with each, so that the caller should not keep them."""

    codes: np.ndarray | None  # uint64 case code per row (exact, or a hash when `hashed`)
    keep: np.ndarray | None  # bool per row: rows with a case, an activity and a time;
    # empty when every row has them (no mask held at the read's peak)
    ts: np.ndarray | None  # int64 ns per row
    hashed: bool = False
    key_bytes: tuple[np.ndarray, np.ndarray] | None = None  # offsets, data (hashed only)


@dataclass(frozen=True)
class Ordered:
    """The kept events in canonical order, and where each case starts."""

    rows: np.ndarray  # input row of each event
    timestamp: np.ndarray
    offsets: np.ndarray
    case_codes: np.ndarray  # code of each case, uint32 when they fit


def order_events(events: Events) -> Ordered:
    """Group the kept rows by case and sort each case by time (stable)."""
    codes = events.codes
    n = codes.shape[0]
    if not events.hashed and n:
        n_codes = int(codes.max()) + 1
        if n_codes <= DENSE_FACTOR * n + 1024:
            del codes
            return _counted(events, n_codes)
    del codes
    return _sorted(events)


def _counted(events: Events, n_codes: int) -> Ordered:
    """Counting sort on exact, dense codes."""
    codes, keep = events.codes, events.keep
    n = codes.shape[0]
    # One histogram per thread, at most about one counter per row in all.
    parts = max(1, min(_threads(), n // n_codes))
    counter = np.empty(0, np.int32 if n <= np.iinfo(np.int32).max else np.int64)
    cursors = count_cases(codes, keep, n_codes, parts, counter)
    kept = row_starts(cursors)
    rows = scatter_rows(codes, keep, cursors, kept, _row_type(n))
    del keep
    events.keep = None
    ends = cursors[-1].copy()  # where each code's rows end: all the cases need
    del cursors
    # The timestamps go over the codes, which are done with: one array less at the gather.
    timestamp = gather_into(events.ts, rows, codes[: len(rows)].view(np.int64))
    del codes
    events.codes = events.ts = None
    # The cases are found once the input's timestamps are gone: their offsets are not
    # held with the scatter's or the gather's arrays (the read's peak).
    offsets, case_codes = case_offsets(ends)
    del ends
    sort_cases_by_time(rows, timestamp, offsets)
    return Ordered(rows, timestamp, offsets, _narrow_codes(case_codes))


def _threads() -> int:
    import numba

    return numba.get_num_threads()


def _sorted(events: Events) -> Ordered:
    """Sort packed (code, row) words; check and time-order each run of equal words."""
    from ..sorting import sort_in_parts

    codes, keep, n = events.codes, events.keep, events.codes.shape[0]
    row_bits = max(1, int(n - 1).bit_length())
    hashed = events.hashed or int(codes.max()) >= (1 << (64 - row_bits))
    # The words go into the codes' memory unless verifying needs the codes afterwards.
    reuse = not (hashed and not events.hashed)
    packed = pack(codes, keep, row_bits, hashed, codes if reuse else np.empty_like(codes))
    events.keep = None
    del keep  # packed into the words: not held while the events are ordered
    sort_in_parts(packed)

    verify = VERIFY_BYTES if events.hashed else VERIFY_NONE
    key_offsets, key_data = events.key_bytes or (np.zeros(1, np.int64), np.zeros(0, np.uint8))
    if hashed and not events.hashed:
        # Exact codes too wide to pack: confirm equality on the codes themselves.
        verify = VERIFY_BYTES
        key_offsets = np.arange(0, 8 * (n + 1), 8, dtype=np.int64)
        key_data = codes.view(np.uint8)
    runs = run_offsets(packed, row_bits)
    if not hashed:
        case_codes = _narrow_codes(packed[runs[:-1]] >> np.uint64(row_bits))
    release_unused_memory()  # what coding, packing and the runs freed: ordering is the peak
    # Timestamps are written over the words they are ordered by: one array less at the peak.
    rows, timestamp, collided = order_runs(
        packed,
        runs,
        row_bits,
        events.ts,
        verify,
        key_offsets,
        key_data,
        _row_type(n),
        packed.view(np.int64),
    )
    del packed
    events.ts = None
    if collided.any():
        offsets = split_collisions(rows, timestamp, runs, collided, key_offsets, key_data)
    else:
        offsets = runs
    if hashed:
        # Hashed keys decode from their rows; wide exact codes from the codes.
        source = codes if not events.hashed else np.zeros(n, np.uint64)
        case_codes = _narrow_codes(source[rows[offsets[:-1]]])
    events.codes = None
    return Ordered(rows, timestamp, offsets, case_codes)


def _narrow_codes(codes: np.ndarray) -> np.ndarray:
    """Case codes as uint32 when they fit: half the memory, kept for the whole session."""
    if codes.size == 0 or int(codes.max()) <= np.iinfo(np.uint32).max:
        return codes.astype(np.uint32)
    return codes


def _row_type(n: int) -> np.ndarray:
    """An empty array of the narrowest integer type that numbers `n` input rows."""
    return np.empty(0, np.int32 if n <= np.iinfo(np.int32).max else np.int64)
