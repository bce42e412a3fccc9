"""Exact variant grouping: cases with identical activity sequences.

Each case's sequence gets a 64-bit key and is looked up in an open-addressing table of
the variants seen so far. A short sequence's key is the sequence itself, packed, so equal
keys are equal sequences; a longer one's is a hash, and a match is confirmed by comparing
the sequences element by element, so a collision can never merge two different variants.
The table (kernels/_table.py) holds one entry per variant, so it stays in cache while
the cases stream past.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from ._jit import jit, pjit
from ._table import EXACT_KEY, FREE, empty_table, find_slot, rehash, slot_of
from .grouping import case_chunks
from .hashing import mix64
from .ordering import sort_run

_FNV_OFFSET = np.uint64(0xCBF29CE484222325)


#: Sequences of at most this many codes, each below 255, are keyed exactly: 8 bits a
#: code (code + 1, so 0 is no code) and the length in the 7 bits under EXACT_KEY.
_PACKED_CODES = 7
#: Runs of tied variants at most this long are insertion-sorted by `refine_ties`.
_SHORT_RUN = 16


@jit
def sequence_hash(act, start, end):
    """The 64-bit key of act[start:end]: the codes themselves when they fit (see
    _PACKED_CODES; equal keys then need no comparison), else a 63-bit hash of them and
    their length."""
    n = end - start
    if n <= _PACKED_CODES:
        key = EXACT_KEY | (np.uint64(n) << np.uint64(56))
        fits = True
        for i in range(start, end):
            code = np.int64(act[i]) + 1
            if code > 255:
                fits = False
                break
            key |= np.uint64(code) << np.uint64(8 * (i - start))
        if fits:
            return key
    h = _FNV_OFFSET ^ np.uint64(n)
    for i in range(start, end):
        h = mix64(h ^ np.uint64(act[i] + 1))
    return h >> np.uint64(1)


@pjit
def sequence_hashes(act, offsets):
    """The sequence_hash key of every case's activity sequence."""
    n_cases = offsets.shape[0] - 1
    out = np.empty(n_cases, np.uint64)
    for c in prange(n_cases):
        out[c] = sequence_hash(act, offsets[c], offsets[c + 1])
    return out


@pjit
def assign_variants(act, offsets, hashes, id_type, n_chunks):
    """Variant id of each case (ids in order of first appearance), per variant the first
    case that follows it, and the variants' sequences end to end (int64 offsets, codes of
    `act`'s dtype), in id order. `hashes` are the cases' sequence_hash keys; ids and
    cases have the dtype of the (empty) array `id_type`.

    The cases are split into `n_chunks` runs numbered apart, in parallel, each copying
    its new variants' sequences into its own events' room. The runs' variants, in run
    order, are then grouped once more (`_first_items`) and numbered in that order, so
    the ids do not depend on `n_chunks`.
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
        )
    base, item_at = _items_end_to_end(offsets, bounds, n_local, kept, kept_at)
    n_items = base[n_chunks]
    item_key = np.empty(n_items, np.uint64)
    item_case = np.empty(n_items, id_type.dtype)
    for k in prange(n_chunks):
        for v in range(n_local[k]):
            item_case[base[k] + v] = first_case[bounds[k] + v]
            item_key[base[k] + v] = hashes[first_case[bounds[k] + v]]
    first = _first_items(item_key, kept, item_at)
    global_id, sequence_offsets = _number_items(first, item_at, id_type)
    representative, codes = _first_sequences(
        first, global_id, sequence_offsets, item_case, kept, item_at
    )
    # Every case renumbered, in blocks spread over the threads.
    blocks = case_chunks(n_cases, 8 * n_chunks)
    for b in prange(blocks.shape[0] - 1):
        k = 0
        for c in range(blocks[b], blocks[b + 1]):
            while c >= bounds[k + 1]:
                k += 1
            variant_of_case[c] = global_id[base[k] + variant_of_case[c]]
    return variant_of_case, representative, sequence_offsets, codes


@jit
def _items_end_to_end(offsets, bounds, n_local, kept, kept_at):
    """The runs' variants, in run order, are the merge's items: their sequences moved
    end to end in `kept` (forward: nothing unread is overwritten). Returns where each
    run's items start (n_chunks + 1) and each item's sequence (CSR over `kept`)."""
    n_chunks = n_local.shape[0]
    base = np.zeros(n_chunks + 1, np.int64)
    for k in range(n_chunks):
        base[k + 1] = base[k] + n_local[k]
    n_items = base[n_chunks]
    item_at = np.empty(n_items + 1, np.int64)
    used = 0
    for k in range(n_chunks):
        lo = bounds[k]
        for v in range(n_local[k]):
            item_at[base[k] + v] = used + kept_at[lo + k + v]
        source = offsets[lo]
        for i in range(kept_at[lo + k + n_local[k]]):
            kept[used + i] = kept[source + i]
        used += kept_at[lo + k + n_local[k]]
    item_at[n_items] = used
    return base, item_at


@jit
def _number_items(first, item_at, id_type):
    """Global ids in item order (an item that is its sequence's first is a new variant),
    and the offsets of the variants' sequences end to end."""
    n_items = first.shape[0]
    global_id = np.empty(n_items, id_type.dtype)
    sequence_offsets = np.zeros(n_items + 1, np.int64)
    n_variants = 0
    for i in range(n_items):
        if first[i] == i:
            global_id[i] = n_variants
            sequence_offsets[n_variants + 1] = sequence_offsets[n_variants] + (
                item_at[i + 1] - item_at[i]
            )
            n_variants += 1
        else:
            global_id[i] = global_id[first[i]]
    return global_id, sequence_offsets[: n_variants + 1].copy()


@pjit
def _first_sequences(first, global_id, sequence_offsets, item_case, kept, item_at):
    """Each variant's first case and its codes, end to end, from its first item."""
    n_variants = sequence_offsets.shape[0] - 1
    representative = np.empty(n_variants, item_case.dtype)
    codes = np.empty(sequence_offsets[n_variants], kept.dtype)
    for i in prange(first.shape[0]):
        if first[i] == i:
            g = global_id[i]
            representative[g] = item_case[i]
            at = sequence_offsets[g]
            for j in range(item_at[i + 1] - item_at[i]):
                codes[at + j] = kept[item_at[i] + j]
    return representative, codes


@pjit
def _first_items(keys, codes, at):
    """For each item (a sequence codes[at[i]:at[i+1]] with its key), the first item with
    the same sequence. The items are split by the top bits of their slot hash into parts
    of about 2,048, each looked up in a table that fits in cache, in parallel; within a
    part the items keep their order."""
    n = keys.shape[0]
    part_bits = 0
    while (n >> part_bits) > 2048 and part_bits < 16:
        part_bits += 1
    n_parts = 1 << part_bits
    part_shift = np.uint64(64 - part_bits)
    starts = np.zeros(n_parts + 1, np.int64)
    for i in range(n):
        starts[_part(keys[i], part_bits, part_shift) + 1] += 1
    for p in range(n_parts):
        starts[p + 1] += starts[p]
    cursor = starts[:-1].copy()
    order = np.empty(n, np.int64)  # the items part by part, with their keys
    ordered_keys = np.empty(n, np.uint64)
    for i in range(n):
        p = _part(keys[i], part_bits, part_shift)
        order[cursor[p]] = i
        ordered_keys[cursor[p]] = keys[i]
        cursor[p] += 1
    first = np.empty(n, np.int64)
    # A few groups of parts in parallel, each reusing one table: fresh memory is slow.
    n_groups = min(n_parts, 8)
    for g in prange(n_groups):
        lo, hi = g * n_parts // n_groups, (g + 1) * n_parts // n_groups
        largest = 0
        for p in range(lo, hi):
            largest = max(largest, starts[p + 1] - starts[p])
        table, shift = empty_table(largest)
        for p in range(lo, hi):
            if p > lo:
                table[:, 1] = FREE
            for q in range(starts[p], starts[p + 1]):
                key = ordered_keys[q]
                start = slot_of(key << np.uint64(part_bits), shift)
                slot = find_slot(table, start, key, codes, order[q], at, codes, at)
                if table[slot, 1] == FREE:
                    table[slot, 0] = key
                    table[slot, 1] = np.uint64(order[q])
                    first[order[q]] = order[q]
                else:
                    first[order[q]] = np.int64(table[slot, 1])
    return first


@jit
def _part(key, part_bits, part_shift):
    """The part of a key: the top bits of its slot hash (0 with no bits)."""
    if part_bits == 0:
        return 0
    return slot_of(key, part_shift)


@jit
def _number_cases(act, offsets, hashes, lo, hi, variant_of_case, first_case, stored, stored_at):
    """Number the variants of cases lo .. hi-1 from 0 in order of first appearance:
    variant_of_case[c] for each, first_case[lo + v] for each variant v; returns how
    many. Each new variant's sequence is copied into `stored` (room for every event of
    these cases), end to end from stored_at[v] (room for hi - lo + 1 offsets): a hash
    match is confirmed against that copy, whose comparisons stay in cache."""
    table, shift = empty_table(2048)
    stored_at[0] = 0
    n_variants = 0
    for c in range(lo, hi):
        key = hashes[c]
        slot = find_slot(table, slot_of(key, shift), key, act, c, offsets, stored, stored_at)
        if table[slot, 1] != FREE:
            variant_of_case[c] = table[slot, 1]
            continue
        table[slot, 0] = key
        table[slot, 1] = np.uint64(n_variants)
        first_case[lo + n_variants] = c
        variant_of_case[c] = n_variants
        at = stored_at[n_variants]
        start = offsets[c]
        length = offsets[c + 1] - start
        for i in range(length):
            stored[at + i] = act[start + i]
        stored_at[n_variants + 1] = at + length
        n_variants += 1
        if 2 * n_variants > table.shape[0]:
            table, shift = rehash(table)
    return n_variants


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
        sort_run(words, order, lo, hi, _SHORT_RUN)
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
