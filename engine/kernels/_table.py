"""The open-addressing table of distinct activity sequences that variants.assign_variants
looks each case up in (and of distinct journey profiles, profiles.group_profiles): per
slot a 64-bit key and a number (a variant, a group), FREE marking a free slot. A hashed
key's match is confirmed against what it stands for, so a collision never merges two
variants or two profiles."""

from __future__ import annotations

import numpy as np

from ._jit import jit

#: A free slot of a variant table.
FREE = np.uint64(0xFFFFFFFFFFFFFFFF)
#: 2**64 / the golden ratio: a table slot is the top bits of key * _FIBONACCI.
_FIBONACCI = np.uint64(0x9E3779B97F4A7C15)
#: Set in the key of a sequence packed exactly (see variants.sequence_hash).
EXACT_KEY = np.uint64(1 << 63)


@jit
def find_slot(table, slot, key, act, c, offsets, stored, stored_at):
    """The slot of sequence c, act[offsets[c]:offsets[c+1]], whose key is `key`, probing
    from `slot`: where its variant is, or the free slot where it goes. A hashed key's
    match is confirmed against the variant's stored sequence, stored[stored_at[v]:
    stored_at[v+1]]; an exact key's needs no confirming."""
    exact = key >= EXACT_KEY
    while True:
        if table[slot, 1] == FREE:
            return slot
        if table[slot, 0] == key and (
            exact or equal_stored(act, c, offsets, stored, stored_at, np.int64(table[slot, 1]))
        ):
            return slot
        slot = (slot + 1) & (table.shape[0] - 1)


@jit
def slot_of(key, shift):
    """Fibonacci hashing: the top bits of the product spread packed keys as well."""
    return np.int64((key * _FIBONACCI) >> shift)


@jit
def equal_stored(act, c, offsets, stored, stored_at, v):
    """Whether sequence c, act[offsets[c]:offsets[c+1]], is stored variant v's."""
    start = offsets[c]
    length = offsets[c + 1] - start
    at = stored_at[v]
    if stored_at[v + 1] - at != length:
        return False
    for i in range(length):
        if act[start + i] != stored[at + i]:
            return False
    return True


@jit
def empty_table(expected):
    """An open-addressing table with room for `expected` variants at most half full, and
    the shift that maps a key to its slots: per slot, a key and its variant (both in one
    cache line, so a probe touches memory once); FREE marks a free slot."""
    capacity = 16
    shift = 60
    while capacity < 2 * expected:
        capacity *= 2
        shift -= 1
    table = np.zeros((capacity, 2), np.uint64)
    table[:, 1] = FREE
    return table, np.uint64(shift)


@jit
def rehash(table):
    """The table's entries in a table twice its size."""
    grown, shift = empty_table(table.shape[0])
    for s in range(table.shape[0]):
        if table[s, 1] == FREE:
            continue
        slot = slot_of(table[s, 0], shift)
        while grown[slot, 1] != FREE:
            slot = (slot + 1) & (grown.shape[0] - 1)
        grown[slot, 0] = table[s, 0]
        grown[slot, 1] = table[s, 1]
    return grown, shift
