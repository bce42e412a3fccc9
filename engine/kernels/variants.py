"""Exact variant grouping: cases with identical activity sequences.

Each case's sequence is hashed and looked up in an open-addressing table of the variants
seen so far; a hash match is confirmed by comparing the sequences element by element, so
a collision can never merge two different variants. The table holds one entry per
variant, so it stays in cache while the cases stream past in order.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from ._jit import jit, pjit

_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_MIX1 = np.uint64(0xFF51AFD7ED558CCD)
_MIX2 = np.uint64(0xC4CEB9FE1A85EC53)
_EMPTY = -1


@jit
def _mix(h):
    h ^= h >> np.uint64(33)
    h *= _MIX1
    h ^= h >> np.uint64(33)
    h *= _MIX2
    h ^= h >> np.uint64(33)
    return h


@jit
def sequence_hash(act, start, end):
    """A 64-bit hash of act[start:end] (its length included)."""
    h = _FNV_OFFSET ^ np.uint64(end - start)
    for i in range(start, end):
        h = _mix(h ^ np.uint64(act[i] + 1))
    return h


@pjit
def sequence_hashes(act, offsets):
    """The hash of every case's activity sequence."""
    n_cases = offsets.shape[0] - 1
    out = np.empty(n_cases, np.uint64)
    for c in prange(n_cases):
        out[c] = sequence_hash(act, offsets[c], offsets[c + 1])
    return out


@jit
def same_sequence(act, offsets, a, b):
    """Whether cases a and b have the same activity sequence."""
    la = offsets[a + 1] - offsets[a]
    if la != offsets[b + 1] - offsets[b]:
        return False
    sa = offsets[a]
    sb = offsets[b]
    for i in range(la):
        if act[sa + i] != act[sb + i]:
            return False
    return True


@jit
def assign_variants(act, offsets, hashes, id_type):
    """Variant id of each case (ids in order of first appearance) and, per variant, the
    first case that follows it. `hashes` are the cases' sequence hashes; both results have
    the dtype of the (empty) array `id_type`."""
    n_cases = offsets.shape[0] - 1
    capacity = 1 << 12
    slot_hash = np.zeros(capacity, np.uint64)
    slot_variant = np.full(capacity, _EMPTY, np.int64)
    representative = np.empty(max(n_cases, 1), id_type.dtype)
    variant_of_case = np.empty(n_cases, id_type.dtype)
    n_variants = 0
    for c in range(n_cases):
        h = hashes[c]
        mask = np.uint64(capacity - 1)
        slot = np.int64(h & mask)
        while True:
            v = slot_variant[slot]
            if v == _EMPTY:
                slot_variant[slot] = n_variants
                slot_hash[slot] = h
                representative[n_variants] = c
                variant_of_case[c] = n_variants
                n_variants += 1
                break
            if slot_hash[slot] == h and same_sequence(act, offsets, representative[v], c):
                variant_of_case[c] = v
                break
            slot = (slot + 1) & (capacity - 1)
        if 2 * n_variants > capacity:
            capacity *= 2
            slot_hash, slot_variant = _rehash(slot_hash, slot_variant, capacity)
    return variant_of_case, representative[:n_variants].copy()


@jit
def _rehash(slot_hash, slot_variant, capacity):
    new_hash = np.zeros(capacity, np.uint64)
    new_variant = np.full(capacity, _EMPTY, np.int64)
    mask = np.uint64(capacity - 1)
    for s in range(slot_variant.shape[0]):
        v = slot_variant[s]
        if v == _EMPTY:
            continue
        h = slot_hash[s]
        slot = np.int64(h & mask)
        while new_variant[slot] != _EMPTY:
            slot = (slot + 1) & (capacity - 1)
        new_variant[slot] = v
        new_hash[slot] = h
    return new_hash, new_variant


@jit
def sort_keys(act, offsets, representative, frequency, n_activities):
    """uint64 keys ordering variants by frequency (descending), then by their first
    activities; ties on a key are settled by `refine_ties`."""
    n = representative.shape[0]
    max_freq = 0
    for v in range(n):
        max_freq = max(max_freq, frequency[v])
    freq_bits = 1
    while (1 << freq_bits) <= max_freq:
        freq_bits += 1
    code_bits = 1
    while (1 << code_bits) <= n_activities:
        code_bits += 1
    slots = (64 - freq_bits) // code_bits
    keys = np.empty(n, np.uint64)
    for v in range(n):
        key = np.uint64(max_freq - frequency[v])
        c = representative[v]
        start = offsets[c]
        length = offsets[c + 1] - start
        for k in range(slots):
            code = np.uint64(act[start + k] + 1) if k < length else np.uint64(0)
            key = (key << np.uint64(code_bits)) | code
        keys[v] = key << np.uint64(64 - freq_bits - slots * code_bits)
    return keys


@jit
def _precedes(act, offsets, frequency, reps, a, b):
    """Variant a is listed before b: more frequent first, then lexicographic by codes
    (a sequence before its own extensions)."""
    if frequency[a] != frequency[b]:
        return frequency[a] > frequency[b]
    sa = offsets[reps[a]]
    sb = offsets[reps[b]]
    la = offsets[reps[a] + 1] - sa
    lb = offsets[reps[b] + 1] - sb
    for i in range(min(la, lb)):
        x = act[sa + i]
        y = act[sb + i]
        if x != y:
            return x < y
    return la < lb


@jit
def refine_ties(order, keys, act, offsets, representative, frequency):
    """Settle runs of equal keys in `order` (sorted by key) by the full comparison."""
    n = order.shape[0]
    buffer = np.empty(n, np.int64)
    i = 0
    while i < n:
        j = i + 1
        while j < n and keys[order[j]] == keys[order[i]]:
            j += 1
        if j - i > 1:
            _merge_sort(order, buffer, i, j, act, offsets, representative, frequency)
        i = j


@jit
def _merge_sort(order, buffer, lo, hi, act, offsets, reps, frequency):
    width = 1
    while width < hi - lo:
        for left in range(lo, hi, 2 * width):
            mid = min(left + width, hi)
            right = min(left + 2 * width, hi)
            i = left
            j = mid
            k = left
            while i < mid and j < right:
                if _precedes(act, offsets, frequency, reps, order[j], order[i]):
                    buffer[k] = order[j]
                    j += 1
                else:
                    buffer[k] = order[i]
                    i += 1
                k += 1
            while i < mid:
                buffer[k] = order[i]
                i += 1
                k += 1
            while j < right:
                buffer[k] = order[j]
                j += 1
                k += 1
        for k in range(lo, hi):
            order[k] = buffer[k]
        width *= 2


@jit
def concatenate_sequences(act, offsets, cases):
    """The activity sequences of `cases`, end to end, with their list offsets (int32)."""
    n = cases.shape[0]
    list_offsets = np.zeros(n + 1, np.int32)
    for i in range(n):
        c = cases[i]
        list_offsets[i + 1] = list_offsets[i] + (offsets[c + 1] - offsets[c])
    values = np.empty(list_offsets[n], np.int32)
    for i in range(n):
        c = cases[i]
        start = offsets[c]
        for k in range(list_offsets[i + 1] - list_offsets[i]):
            values[list_offsets[i] + k] = act[start + k]
    return list_offsets, values
