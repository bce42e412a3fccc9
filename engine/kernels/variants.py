"""Exact variant grouping: cases with identical activity sequences.

Sequences are bucketed by a 64-bit hash, and every case is then compared element by
element with the representatives of its bucket, so a hash collision can never merge two
different sequences.
"""

from __future__ import annotations

import numpy as np

from ._jit import jit

_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_MIX1 = np.uint64(0xFF51AFD7ED558CCD)
_MIX2 = np.uint64(0xC4CEB9FE1A85EC53)


@jit
def _mix(h):
    h ^= h >> np.uint64(33)
    h *= _MIX1
    h ^= h >> np.uint64(33)
    h *= _MIX2
    h ^= h >> np.uint64(33)
    return h


@jit
def sequence_hashes(act, offsets):
    """A 64-bit hash of each case's activity sequence (length included)."""
    n_cases = offsets.shape[0] - 1
    out = np.empty(n_cases, np.uint64)
    for c in range(n_cases):
        h = _FNV_OFFSET ^ np.uint64(offsets[c + 1] - offsets[c])
        for i in range(offsets[c], offsets[c + 1]):
            h = _mix(h ^ np.uint64(act[i] + 1))
        out[c] = h
    return out


@jit
def _same_sequence(act, offsets, a, b):
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
def group_sequences(act, offsets, hashes, by_hash):
    """Variant id of each case, and one representative case per variant.

    `by_hash` lists the cases sorted by hash (stable). Variant ids are provisional:
    `rank_variants` gives the reporting order.
    """
    n_cases = hashes.shape[0]
    variant_of_case = np.empty(n_cases, np.int64)
    representative = np.empty(n_cases, np.int64)
    n_variants = 0
    i = 0
    while i < n_cases:
        j = i + 1
        h = hashes[by_hash[i]]
        while j < n_cases and hashes[by_hash[j]] == h:
            j += 1
        first_variant = n_variants
        for k in range(i, j):
            case = by_hash[k]
            found = -1
            for v in range(first_variant, n_variants):
                if _same_sequence(act, offsets, representative[v], case):
                    found = v
                    break
            if found < 0:
                found = n_variants
                representative[n_variants] = case
                n_variants += 1
            variant_of_case[case] = found
        i = j
    return variant_of_case, representative[:n_variants].copy()


@jit
def _precedes(act, offsets, frequency, a, b):
    """Variant a is listed before b: more frequent first, then lexicographic by codes."""
    if frequency[a] != frequency[b]:
        return frequency[a] > frequency[b]
    return _lexicographic_less(act, offsets, a, b)


@jit
def _lexicographic_less(act, offsets, a, b):
    sa = offsets[a]
    sb = offsets[b]
    la = offsets[a + 1] - sa
    lb = offsets[b + 1] - sb
    m = min(la, lb)
    for i in range(m):
        x = act[sa + i]
        y = act[sb + i]
        if x != y:
            return x < y
    return la < lb


@jit
def rank_variants(act, offsets, representative, frequency):
    """Order of variants: by frequency, descending, then by activity sequence.

    `act`/`offsets` are the canonical log's; since activity codes follow the sorted
    activity names, ties come out in the alphabetical order of their sequences.
    Returns variant ids in reporting order (a bottom-up merge sort; stable).
    """
    n = representative.shape[0]
    rep_offsets = np.empty(n + 1, np.int64)
    total = 0
    for v in range(n):
        rep_offsets[v] = total
        total += offsets[representative[v] + 1] - offsets[representative[v]]
    rep_offsets[n] = total
    seqs = np.empty(total, act.dtype)
    for v in range(n):
        s = offsets[representative[v]]
        for i in range(rep_offsets[v + 1] - rep_offsets[v]):
            seqs[rep_offsets[v] + i] = act[s + i]
    order = np.arange(n)
    buffer = np.empty(n, np.int64)
    width = 1
    while width < n:
        for lo in range(0, n, 2 * width):
            mid = min(lo + width, n)
            hi = min(lo + 2 * width, n)
            i = lo
            j = mid
            k = lo
            while i < mid and j < hi:
                if _precedes(seqs, rep_offsets, frequency, order[j], order[i]):
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
            while j < hi:
                buffer[k] = order[j]
                j += 1
                k += 1
        order, buffer = buffer, order
        width *= 2
    return order
