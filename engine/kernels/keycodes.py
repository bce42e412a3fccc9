"""Exact 64-bit codes for case keys given as text, so that most logs need no hashing.

Real case ids are mostly a fixed prefix followed by digits ('cust-000123', '173688') or
short strings. Such keys map one-to-one onto integers: strip the prefix all keys share,
then read the digits as a number, or pack up to seven bytes into a word. Decoding gives
the text back, so the key column need not be kept.
Keys that fit neither shape are hashed instead (see `hashing`), and checked byte by byte.

All kernels take Arrow buffers: `offsets` (int64, n + 1), `data` (uint8), and a `valid`
mask (rows to consider).
"""

from __future__ import annotations

import numpy as np
from numba import prange

from ._jit import jit, pjit

#: Digits readable into a uint64 together with a 5-bit length.
MAX_DIGITS = 17
#: Bytes packed into a word together with a one-byte length.
MAX_PACKED_BYTES = 7


@jit
def common_prefix_length(offsets, data, valid, reference):
    """Length of the prefix that every valid key shares with `reference` (bytes)."""
    prefix = reference.shape[0]
    for i in range(offsets.shape[0] - 1):
        if not valid[i]:
            continue
        s = offsets[i]
        length = offsets[i + 1] - s
        if length < prefix:
            prefix = length
        k = 0
        while k < prefix and data[s + k] == reference[k]:
            k += 1
        prefix = k
        if prefix == 0:
            break
    return prefix


@jit
def suffix_shape(offsets, data, valid, prefix):
    """(all suffixes are ASCII digits, shortest suffix, longest suffix)."""
    digits = True
    shortest = np.int64(1) << 62
    longest = np.int64(0)
    for i in range(offsets.shape[0] - 1):
        if not valid[i]:
            continue
        s = offsets[i] + prefix
        e = offsets[i + 1]
        length = e - s
        if length < shortest:
            shortest = length
        if length > longest:
            longest = length
        if digits:
            for j in range(s, e):
                c = data[j]
                if c < 48 or c > 57:
                    digits = False
                    break
    return digits, shortest, longest


@jit
def _digit_code(data, s, e, with_length):
    """One key's code: its digits' value, times 32 plus their count with `with_length`."""
    v = read_digits(data, s, e)[1]
    if with_length:
        v = v * np.uint64(32) + np.uint64(e - s)
    return v


@pjit
def encode_digits(offsets, data, valid, prefix, with_length):
    """value of the digit suffix, times 32 plus its length when lengths differ."""
    n = offsets.shape[0] - 1
    out = np.zeros(n, np.uint64)
    for i in prange(n):
        if not valid[i]:
            continue
        out[i] = _digit_code(data, offsets[i] + prefix, offsets[i + 1], with_length)
    return out


@pjit
def encode_bytes(offsets, data, valid, prefix):
    """Up to seven suffix bytes, big-endian, then the length in the low byte."""
    n = offsets.shape[0] - 1
    out = np.zeros(n, np.uint64)
    for i in prange(n):
        if not valid[i]:
            continue
        out[i] = pack_bytes(data, offsets[i] + prefix, offsets[i + 1])
    return out


@jit
def encode_digits_into(offsets, data, valid, prefix, with_length, out):
    """As `encode_digits`, serially, into `out` (zero where not valid): for the many
    small chunks of a CSV file, where starting threads for each would cost more."""
    for i in range(offsets.shape[0] - 1):
        if not valid[i]:
            out[i] = np.uint64(0)
            continue
        out[i] = _digit_code(data, offsets[i] + prefix, offsets[i + 1], with_length)


@jit
def encode_bytes_into(offsets, data, valid, prefix, out):
    """As `encode_bytes`, serially, into `out` (zero where not valid)."""
    for i in range(offsets.shape[0] - 1):
        if valid[i]:
            out[i] = pack_bytes(data, offsets[i] + prefix, offsets[i + 1])
        else:
            out[i] = np.uint64(0)


@jit
def read_digits(data, s, e):
    """(whether data[s:e] is all ASCII digits, their value); the value stops at the
    first non-digit."""
    v = np.uint64(0)
    for j in range(s, e):
        c = data[j]
        if c < 48 or c > 57:
            return False, v
        v = v * np.uint64(10) + np.uint64(c - 48)
    return True, v


@jit
def pack_bytes(data, s, e):
    """Up to seven bytes of data[s:e], big-endian, then the length in the low byte."""
    v = np.uint64(0)
    for j in range(MAX_PACKED_BYTES):
        v = v << np.uint64(8)
        if s + j < e:
            v = v | np.uint64(data[s + j])
    return (v << np.uint64(8)) | np.uint64(e - s)


@jit
def decode_digits(codes, with_length, width):
    """Text of digit codes (without the prefix): Arrow offsets and bytes.

    With `with_length`, each code carries its length; otherwise all have `width` digits.
    """
    n = codes.shape[0]
    lengths = np.empty(n, np.int64)
    values = np.empty(n, np.uint64)
    for i in range(n):
        v = codes[i]
        if with_length:
            lengths[i] = np.int64(v % np.uint64(32))
            values[i] = v // np.uint64(32)
        else:
            lengths[i] = width
            values[i] = v
    offsets = np.zeros(n + 1, np.int64)
    for i in range(n):
        offsets[i + 1] = offsets[i] + lengths[i]
    data = np.empty(offsets[n], np.uint8)
    for i in range(n):
        v = values[i]
        for j in range(offsets[i + 1] - 1, offsets[i] - 1, -1):
            data[j] = np.uint8(48 + v % np.uint64(10))
            v = v // np.uint64(10)
    return offsets, data


@jit
def decode_bytes(codes):
    """Text of byte-packed codes (without the prefix): Arrow offsets and bytes."""
    n = codes.shape[0]
    offsets = np.zeros(n + 1, np.int64)
    for i in range(n):
        offsets[i + 1] = offsets[i] + np.int64(codes[i] & np.uint64(255))
    data = np.empty(offsets[n], np.uint8)
    for i in range(n):
        word = codes[i] >> np.uint64(8)
        length = offsets[i + 1] - offsets[i]
        for j in range(length):
            shift = np.uint64(8 * (MAX_PACKED_BYTES - 1 - j))
            data[offsets[i] + j] = np.uint8((word >> shift) & np.uint64(255))
    return offsets, data


@jit
def remap_codes(codes, table):
    """table[codes], -1 kept for missing: renumbers integer codes in one pass (serial: it
    runs on each batch of a file while the next batch is decoded). Codes keep their dtype."""
    n = codes.shape[0]
    out = np.empty(n, codes.dtype)
    for i in range(n):
        c = codes[i]
        out[i] = table[c] if c >= 0 else -1
    return out


@jit
def count_codes(codes, n_codes):
    """How many rows carry each code (missing, -1, not counted)."""
    counts = np.zeros(n_codes, np.int64)
    for i in range(codes.shape[0]):
        if codes[i] >= 0:
            counts[codes[i]] += 1
    return counts


@jit
def encode_conforming(offsets, data, validity, prefix, digits, codes, missing):
    """Encode keys that all start with `prefix`, in one pass; stop at the first that does not.

    The suffix is read as digits with its length (as `encode_digits` with lengths) when
    `digits`, else packed as bytes (as `encode_bytes`). `validity` is Arrow's (empty when
    no value is null); null or empty keys are marked in `missing`, which must start all
    False: present keys leave it untouched, so a log with none missing never writes (or
    pages in) those flags. Returns (whether every key fit, shortest suffix, longest suffix).
    """
    n = offsets.shape[0] - 1
    p = prefix.shape[0]
    check_nulls = validity.shape[0] > 0
    shortest = np.int64(1) << 62
    longest = np.int64(0)
    for i in range(n):
        s = offsets[i]
        e = offsets[i + 1]
        if (check_nulls and not validity[i]) or e == s:
            missing[i] = True
            codes[i] = 0
            continue
        if e - s < p:
            return False, shortest, longest
        for k in range(p):
            if data[s + k] != prefix[k]:
                return False, shortest, longest
        s += p
        length = np.int64(e - s)
        if digits:
            if length > MAX_DIGITS:
                return False, shortest, longest
            all_digits, v = read_digits(data, s, e)
            if not all_digits:
                return False, shortest, longest
            codes[i] = v * np.uint64(32) + np.uint64(length)
        else:
            if length > MAX_PACKED_BYTES:
                return False, shortest, longest
            codes[i] = pack_bytes(data, s, e)
        if length < shortest:
            shortest = length
        if length > longest:
            longest = length
    return True, shortest, longest
