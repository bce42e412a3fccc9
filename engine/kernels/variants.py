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
from .grouping import case_chunks

_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_MIX1 = np.uint64(0xFF51AFD7ED558CCD)
_MIX2 = np.uint64(0xC4CEB9FE1A85EC53)
#: A free slot of a variant table.
_FREE = np.uint64(0xFFFFFFFFFFFFFFFF)


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


@pjit
def assign_variants(act, offsets, hashes, id_type, n_chunks):
    """Variant id of each case (ids in order of first appearance), per variant the first
    case that follows it, and the variants' sequences end to end (int64 offsets, codes of
    `act`'s dtype), in id order. `hashes` are the cases' sequence hashes; ids and cases
    have the dtype of the (empty) array `id_type`.

    The cases are split into `n_chunks` runs numbered apart, in parallel; the runs'
    variants, in run order, are then numbered once more as a small log of their own, so
    the ids do not depend on `n_chunks`. That log is the runs' copies of their variants'
    sequences, moved end to end; the second numbering's copies are the sequences
    returned (views of a buffer that may be somewhat longer).
    """
    n_cases = offsets.shape[0] - 1
    bounds = case_chunks(n_cases, n_chunks)
    variant_of_case = np.empty(n_cases, id_type.dtype)
    first_case = np.empty(max(n_cases, 1), id_type.dtype)  # run k's from bounds[k] on
    n_local = np.zeros(n_chunks, np.int64)
    # Room for every run to copy all its events and start offsets (run k's from the
    # position of its first event, and from bounds[k] + k).
    kept = np.empty(offsets[n_cases], act.dtype)
    kept_at = np.empty(n_cases + n_chunks, np.int64)
    for k in prange(n_chunks):
        lo, hi = bounds[k], bounds[k + 1]
        n_local[k] = _number_cases(
            act,
            offsets,
            hashes,
            lo,
            hi,
            variant_of_case,
            first_case,
            kept[offsets[lo] : offsets[hi]],
            kept_at[lo + k : hi + k + 1],
            0,
        )
    base = np.zeros(n_chunks + 1, np.int64)
    for k in range(n_chunks):
        base[k + 1] = base[k] + n_local[k]
    n_found = base[n_chunks]
    found = np.empty(n_found, np.int64)  # each run's variants, by a first case
    found_offsets = np.empty(n_found + 1, np.int64)
    used = 0
    for k in range(n_chunks):
        lo = bounds[k]
        for v in range(n_local[k]):
            found[base[k] + v] = first_case[lo + v]
            found_offsets[base[k] + v] = used + kept_at[lo + k + v]
        source = offsets[lo]
        for i in range(kept_at[lo + k + n_local[k]]):  # forward: used <= source
            kept[used + i] = kept[source + i]
        used += kept_at[lo + k + n_local[k]]
    found_offsets[n_found] = used
    global_id = np.empty(n_found, id_type.dtype)
    global_first = np.empty(max(n_found, 1), id_type.dtype)
    codes = np.empty(used, act.dtype)
    sequence_offsets = np.empty(n_found + 1, np.int64)
    n_variants = _number_cases(
        kept,
        found_offsets,
        hashes[found],
        0,
        n_found,
        global_id,
        global_first,
        codes,
        sequence_offsets,
        n_found,  # at most; no growing table in the serial step
    )
    for k in prange(n_chunks):
        for c in range(bounds[k], bounds[k + 1]):
            variant_of_case[c] = global_id[base[k] + variant_of_case[c]]
    representative = np.empty(n_variants, id_type.dtype)
    for v in range(n_variants):
        representative[v] = found[global_first[v]]
    sequence_offsets = sequence_offsets[: n_variants + 1]
    return variant_of_case, representative, sequence_offsets, codes[: sequence_offsets[-1]]


@jit
def _number_cases(
    act, offsets, hashes, lo, hi, variant_of_case, first_case, stored, stored_at, expected
):
    """Number the variants of cases lo .. hi-1 from 0 in order of first appearance:
    variant_of_case[c] for each, first_case[lo + v] for each variant v; returns how
    many. Each new variant's sequence is copied into `stored` (room for every event of
    these cases), end to end from stored_at[v] (room for hi - lo + 1 offsets): a hash
    match is confirmed against that copy, whose comparisons stay in cache. The table
    starts with room for `expected` variants and doubles when half full."""
    capacity = 1 << 12
    while capacity < 2 * expected:
        capacity *= 2
    table = _empty_table(capacity)
    stored_at[0] = 0
    n_variants = 0
    for c in range(lo, hi):
        h = hashes[c]
        start = offsets[c]
        length = offsets[c + 1] - start
        slot = np.int64(h & np.uint64(capacity - 1))
        while True:
            if table[slot, 1] == _FREE:
                table[slot, 0] = h
                table[slot, 1] = np.uint64(n_variants)
                first_case[lo + n_variants] = c
                variant_of_case[c] = n_variants
                at = stored_at[n_variants]
                for i in range(length):
                    stored[at + i] = act[start + i]
                stored_at[n_variants + 1] = at + length
                n_variants += 1
                break
            v = np.int64(table[slot, 1])
            if table[slot, 0] == h and _equal_stored(act, start, length, stored, stored_at, v):
                variant_of_case[c] = v
                break
            slot = (slot + 1) & (capacity - 1)
        if 2 * n_variants > capacity:
            capacity *= 2
            table = _rehash(table, capacity)
    return n_variants


@jit
def _equal_stored(act, start, length, stored, stored_at, v):
    """Whether act[start:start+length] is stored variant v's sequence."""
    at = stored_at[v]
    if stored_at[v + 1] - at != length:
        return False
    for i in range(length):
        if act[start + i] != stored[at + i]:
            return False
    return True


@jit
def _empty_table(capacity):
    """An open-addressing table: per slot, a hash and its variant (both in one cache
    line, so a probe touches memory once); _FREE marks a free slot."""
    table = np.zeros((capacity, 2), np.uint64)
    table[:, 1] = _FREE
    return table


@jit
def _rehash(table, capacity):
    grown = _empty_table(capacity)
    for s in range(table.shape[0]):
        if table[s, 1] == _FREE:
            continue
        slot = np.int64(table[s, 0] & np.uint64(capacity - 1))
        while grown[slot, 1] != _FREE:
            slot = (slot + 1) & (capacity - 1)
        grown[slot, 0] = table[s, 0]
        grown[slot, 1] = table[s, 1]
    return grown


@jit
def key_layout(frequency, n_activities):
    """How `sort_keys` fills 64 bits: (the largest frequency, bits of the frequency,
    bits per activity code, codes after the frequency)."""
    max_freq = 0
    for v in range(frequency.shape[0]):
        max_freq = max(max_freq, frequency[v])
    freq_bits = 1
    while (1 << freq_bits) <= max_freq:
        freq_bits += 1
    code_bits = 1
    while (1 << code_bits) <= n_activities:
        code_bits += 1
    return max_freq, freq_bits, code_bits, (64 - freq_bits) // code_bits


@jit
def code_word(act, start, length, first, count, code_bits):
    """Codes first .. first+count-1 of a sequence, each + 1 (0 past its end), packed
    into one integer that compares as the codes do, a sequence before its extensions."""
    word = np.uint64(0)
    for k in range(first, first + count):
        code = np.uint64(act[start + k] + 1) if k < length else np.uint64(0)
        word = (word << np.uint64(code_bits)) | code
    return word


@jit
def sort_keys(act, offsets, representative, frequency, n_activities):
    """uint64 keys ordering variants by frequency (descending), then by their first
    activities; ties on a key are settled by `refine_ties`."""
    n = representative.shape[0]
    max_freq, freq_bits, code_bits, slots = key_layout(frequency, n_activities)
    keys = np.empty(n, np.uint64)
    for v in range(n):
        c = representative[v]
        start = offsets[c]
        word = code_word(act, start, offsets[c + 1] - start, 0, slots, code_bits)
        key = (np.uint64(max_freq - frequency[v]) << np.uint64(slots * code_bits)) | word
        keys[v] = key << np.uint64(64 - freq_bits - slots * code_bits)
    return keys


@jit
def refine_ties(order, keys, act, offsets, representative, frequency, n_activities):
    """Settle runs of equal keys in `order` (sorted by key), in place: such variants are
    equally frequent and share their first codes, so each run is sorted by the next
    codes, a word of them at a time, until every variant stands apart (variants are
    distinct sequences, so they do)."""
    n = order.shape[0]
    _, _, code_bits, slots = key_layout(frequency, n_activities)
    per_word = 64 // code_bits
    # Runs still tied: (first, end, codes already compared), handled depth first.
    stack_lo = np.empty(max(n, 1), np.int64)
    stack_hi = np.empty(max(n, 1), np.int64)
    stack_at = np.empty(max(n, 1), np.int64)
    depth = 0
    i = 0
    while i < n:
        j = i + 1
        while j < n and keys[order[j]] == keys[order[i]]:
            j += 1
        if j - i > 1:
            stack_lo[depth], stack_hi[depth], stack_at[depth] = i, j, slots
            depth += 1
        i = j
    words = np.empty(n, np.uint64)
    while depth > 0:
        depth -= 1
        lo, hi, at = stack_lo[depth], stack_hi[depth], stack_at[depth]
        longest = 0
        for k in range(lo, hi):
            c = representative[order[k]]
            start = offsets[c]
            length = offsets[c + 1] - start
            longest = max(longest, length)
            words[k] = code_word(act, start, length, at, per_word, code_bits)
        _sort_by_word(order, words, lo, hi)
        if longest <= at + per_word:
            continue  # every sequence ended within this word: all are apart now
        k = lo
        while k < hi:
            m = k + 1
            while m < hi and words[m] == words[k]:
                m += 1
            if m - k > 1:
                stack_lo[depth], stack_hi[depth], stack_at[depth] = k, m, at + per_word
                depth += 1
            k = m


@jit
def _sort_by_word(order, words, lo, hi):
    """Sort order[lo:hi] and words[lo:hi] together by word: insertion for the short runs
    that most ties are, numpy's sort for long ones."""
    if hi - lo <= 16:
        for i in range(lo + 1, hi):
            w = words[i]
            o = order[i]
            j = i - 1
            while j >= lo and words[j] > w:
                words[j + 1] = words[j]
                order[j + 1] = order[j]
                j -= 1
            words[j + 1] = w
            order[j + 1] = o
        return
    by_word = np.argsort(words[lo:hi], kind="mergesort")
    run = order[lo:hi].copy()
    run_words = words[lo:hi].copy()
    for k in range(hi - lo):
        order[lo + k] = run[by_word[k]]
        words[lo + k] = run_words[by_word[k]]


@jit
def concatenate_sequences(act, offsets, cases, offset_type):
    """The activity sequences of `cases`, end to end (codes of `act`'s dtype), with their
    list offsets, of the dtype of the array `offset_type` (only its dtype is read): int32
    for an Arrow list, int64 where the total may not fit."""
    n = cases.shape[0]
    list_offsets = np.zeros(n + 1, offset_type.dtype)
    for i in range(n):
        c = cases[i]
        list_offsets[i + 1] = list_offsets[i] + (offsets[c + 1] - offsets[c])
    values = np.empty(list_offsets[n], act.dtype)
    for i in range(n):
        c = cases[i]
        start = offsets[c]
        for k in range(list_offsets[i + 1] - list_offsets[i]):
            values[list_offsets[i] + k] = act[start + k]
    return list_offsets, values
