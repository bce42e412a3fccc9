"""Arrow string buffers and the codes of the names they hold, both ways.

`code_text` codes a column of repeated names (activities) straight from Arrow's offsets
and bytes, through a hash table of the distinct names: no dictionary encoding by Arrow,
no Python string per row. `names_by_code` writes names back from their codes: taking
them through Arrow builds the strings with a growing buffer, while writing the offsets
and bytes into arrays of the exact size keeps a column of many repeated names (the
activities of every variant) at its own size.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from ._jit import inline, jit, pjit
from .grouping import MAX_CHUNKS, case_chunks

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_FNV_PRIME = np.uint64(0x100000001B3)
#: _LOW_BYTES[m]: a mask of a word's low m bytes (m from 0 to 8).
_LOW_BYTES = np.array([(1 << (8 * m)) - 1 for m in range(9)], dtype=np.uint64)
#: Columns of a `code_text` entry: its length, its two key words, where its bytes start.
LENGTH, WORD1, WORD2, START = 0, 1, 2, 3


@inline
def _word(data, p):
    """The 8 bytes from p as a little-endian word. Indexed unsigned, so that numba adds
    no negative-index check and LLVM reads them in one load (six times faster)."""
    q = np.uint64(p)
    return (
        np.uint64(data[q])
        | (np.uint64(data[q + np.uint64(1)]) << np.uint64(8))
        | (np.uint64(data[q + np.uint64(2)]) << np.uint64(16))
        | (np.uint64(data[q + np.uint64(3)]) << np.uint64(24))
        | (np.uint64(data[q + np.uint64(4)]) << np.uint64(32))
        | (np.uint64(data[q + np.uint64(5)]) << np.uint64(40))
        | (np.uint64(data[q + np.uint64(6)]) << np.uint64(48))
        | (np.uint64(data[q + np.uint64(7)]) << np.uint64(56))
    )


@inline
def _low_bytes(data, p, m):
    """The m bytes (0 to 8) from p as a little-endian word, one at a time (a buffer's
    last bytes, where a whole word would read past its end)."""
    w = np.uint64(0)
    for k in range(m):
        w |= np.uint64(data[p + k]) << np.uint64(8 * k)
    return w


@inline
def _text_key(data, s, length, end):
    """A string's key words: its first 8 bytes and its next 8, zero-padded, which are the
    whole string when it is 16 bytes or shorter; beyond that, the second word also folds
    in a hash of the rest (such strings are compared byte by byte too)."""
    m1 = min(length, 8)
    m2 = min(max(length - 8, 0), 8)
    if s + 16 <= end:
        k1 = _word(data, s) & _LOW_BYTES[m1]
        k2 = _word(data, s + 8) & _LOW_BYTES[m2]
    else:
        k1 = _low_bytes(data, s, m1)
        k2 = _low_bytes(data, s + 8, m2)
    if length > 16:
        for j in range(s + 16, s + length):
            k2 = (k2 ^ np.uint64(data[j])) * _FNV_PRIME
    return k1, k2


@inline
def _text_slot(length, k1, k2, mask):
    h = (k1 * _M1) ^ (k2 * _M2) ^ np.uint64(length)
    h = (h ^ (h >> np.uint64(31))) * _M1
    return (h ^ (h >> np.uint64(29))) & mask


@jit
def code_text(offsets, data, validity, out, limit, table, entries, entry_bytes, state):
    """Code each string of Arrow text (offsets, n + 1; UTF-8 bytes; Arrow's validity, empty
    when no value is null) into `out` (n): the number of its distinct name in first-seen
    order, kept across calls in `table` (open addressing, -1 where free, a power of two
    long), `entries` (one row per name: LENGTH, WORD1, WORD2, START) and `entry_bytes`
    (the names end to end); `state` holds the number of names and of their bytes. Null
    values are coded -1. Returns how many rows were coded: all of them, or fewer where a
    new name would take the `limit`-th code or overfill the table (half full at most),
    `entries` or `entry_bytes`: the caller grows them and codes the rest."""
    mask = np.uint64(table.shape[0] - 1)
    n = out.shape[0]
    end = data.shape[0]
    check_nulls = validity.shape[0] > 0
    count = state[0]
    used = state[1]
    for i in range(n):
        if check_nulls and not validity[i]:
            out[i] = -1
            continue
        s = offsets[i]
        length = offsets[i + 1] - s
        k1, k2 = _text_key(data, s, length, end)
        slot = _text_slot(length, k1, k2, mask)
        code = table[slot]
        while code >= 0:
            c = np.uint64(code)
            same = entries[c, WORD1] == k1
            same &= entries[c, WORD2] == k2
            same &= entries[c, LENGTH] == np.uint64(length)
            long = length > 16
            if same and (not long or _same_bytes(data, s, entry_bytes, entries[c, START], length)):
                break
            slot = (slot + np.uint64(1)) & mask
            code = table[slot]
        if code < 0:
            full = count >= limit or count >= entries.shape[0] or 2 * (count + 1) > table.shape[0]
            if full or used + length > entry_bytes.shape[0]:
                state[0] = count
                state[1] = used
                return i
            code = count
            count += 1
            entries[code, LENGTH] = length
            entries[code, WORD1] = k1
            entries[code, WORD2] = k2
            entries[code, START] = used
            for k in range(length):
                entry_bytes[used + k] = data[s + k]
            used += length
            table[slot] = code
        out[i] = code
    state[0] = count
    state[1] = used
    return n


@inline
def _same_bytes(data, s, entry_bytes, start, length):
    for k in range(length):
        if data[s + k] != entry_bytes[np.int64(start) + k]:
            return False
    return True


@jit
def place_entries(table, entries, count):
    """Fill `table` (all -1) with the first `count` entries of `code_text`: a larger
    table for the same names."""
    mask = np.uint64(table.shape[0] - 1)
    for code in range(count):
        slot = _text_slot(entries[code, LENGTH], entries[code, WORD1], entries[code, WORD2], mask)
        while table[slot] >= 0:
            slot = (slot + np.uint64(1)) & mask
        table[slot] = code


@pjit
def names_by_code(name_offsets, name_bytes, codes, offset_type):
    """Offsets and UTF-8 bytes of the strings name[codes[i]], end to end; the offsets
    have the dtype of the (empty) array `offset_type` (int32 for an Arrow string array,
    when the total fits). The bytes are written by runs of names in parallel."""
    n = codes.shape[0]
    offsets = np.empty(n + 1, offset_type.dtype)
    offsets[0] = 0
    for i in range(n):
        c = codes[i]
        offsets[i + 1] = offsets[i] + name_offsets[c + 1] - name_offsets[c]
    data = np.empty(offsets[n], np.uint8)
    n_runs = max(1, min(MAX_CHUNKS, n))
    bounds = case_chunks(n, n_runs)
    for r in prange(n_runs):
        for i in range(bounds[r], bounds[r + 1]):
            c = codes[i]
            start = name_offsets[c]
            at = offsets[i]
            for k in range(name_offsets[c + 1] - start):
                data[at + k] = name_bytes[start + k]
    return offsets, data
