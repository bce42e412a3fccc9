"""Journey profiles: what the lost-conversion estimates need of each journey, with equal
journeys grouped, so that a bootstrap can redo the whole estimate (charges included) per
replicate at the cost of the distinct profiles, not of the events.

A profile is a journey's conversion flag and its *items*: the comparable steps it took
before converting (place numbers >= 0, each once, in the order it first took them: by
the event arrived at, then by place number), then the places it left by a step that is
an alternative (source slots s written as -(s + 1), each once, ascending). See
journey/lost.py for the definitions; steps are keyed as in kernels/lost.py.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from ._jit import inline, jit, pjit
from ._table import FREE, empty_table, rehash, slot_of
from .grouping import case_chunks
from .hashing import mix64, splitmix64
from .ordering import sort_run
from .variants import concatenate_sequences

#: Alternatives' sources per journey are few (at most one per place left): sorted in place
#: (numpy's sort of a slice, per journey, cost two thirds of building the profiles).
_SOURCES_SORTED_IN_PLACE = 32


@inline
def lookup(keys, slots, key):
    """Position of `key` in the sorted `keys`, -1 if absent; through `slots` (a position
    per possible key) when it has any entry, else by binary search."""
    if keys.shape[0] == 0:
        return -1
    if slots.shape[0] > 0:
        return slots[key]
    j = np.searchsorted(keys, key)
    if j < keys.shape[0] and keys[j] == key:
        return j
    return -1


@inline
def _add_place(items, write, start, n, seen, c, p):
    """Append place p to case c's items unless it is already there; the new count."""
    if p < 0 or seen[p] == c:
        return n
    seen[p] = c
    if write:
        items[start + n] = p
    return n + 1


@inline
def _add_source(scratch, m, seen, c, s):
    if s < 0 or seen[s] == c:
        return m
    seen[s] = c
    scratch[m] = s
    return m + 1


@inline
def _case_items(
    act,
    lo,
    hi,
    at,
    c,
    n_act,
    act_eligible,
    act_source,
    pair_keys,
    pair_slots,
    pair_place,
    stage_of_activity,
    n_stages,
    stage_eligible,
    stage_source,
    move_keys,
    move_slots,
    move_place,
    channel,
    n_channels,
    split_keys,
    split_slots,
    split_place,
    seen_place,
    seen_source,
    scratch,
    items,
    start,
    write,
):
    """Case c's items (events lo .. hi-1, converting at event `at`, -1: never), written
    from items[start] when `write`; returns how many."""
    n = 0
    m = 0
    previous = -1
    for i in range(lo, hi):
        if at >= 0 and i > at:  # steps after converting say nothing about converting
            break
        if i > lo:
            a, b = act[i - 1], act[i]
            if act_eligible[b]:
                m = _add_source(scratch, m, seen_source, c, act_source[a])
            j = lookup(pair_keys, pair_slots, np.int64(a) * n_act + b)
            if j >= 0:
                n = _add_place(items, write, start, n, seen_place, c, pair_place[j])
        s = stage_of_activity[act[i]]
        if s < 0 or s == previous:
            continue
        if previous >= 0:
            if stage_eligible[s]:
                m = _add_source(scratch, m, seen_source, c, stage_source[previous])
            key = np.int64(previous) * n_stages + s
            j = lookup(move_keys, move_slots, key)
            if j >= 0:
                n = _add_place(items, write, start, n, seen_place, c, move_place[j])
            if split_keys.shape[0] > 0:
                j = lookup(split_keys, split_slots, key * n_channels + channel[i] + 1)
                if j >= 0:
                    n = _add_place(items, write, start, n, seen_place, c, split_place[j])
        previous = s
    if write:
        sort_run(scratch, None, 0, m, _SOURCES_SORTED_IN_PLACE)
        for k in range(m):
            items[start + n + k] = -(scratch[k] + 1)
    return n + m


@pjit
def journey_profiles(
    act, offsets, converted_at, pairs, moves, splits, n_places, n_sources, n_chunks
):
    """Each case's profile: (converted bool, CSR offsets, int32 items).

    Steps are looked up by level, each with sorted keys, `slots` as `lookup` reads them,
    and a place number per key (-1: not comparable):
    - `pairs` = (n_act, act_eligible, act_source, keys, slots, places): touchpoint pairs
      a * n_act + b;
    - `moves` = (stage_of_activity, n_stages, stage_eligible, stage_source, keys, slots,
      places): moves between stage visits, source * n_stages + target;
    - `splits` = (channel, n_channels, keys, slots, places): those moves times
      n_channels plus the arrival's `channel` code + 1 (none: empty keys).

    A step into an `act_eligible` activity, or into a `stage_eligible` stage, is an
    alternative out of its source, whose slot is act_source / stage_source (-1: no
    comparable step leaves it). Cases are split into `n_chunks` runs: one pass counts,
    one writes.
    """
    n_act, act_eligible, act_source, pair_keys, pair_slots, pair_place = pairs
    stage_of_activity, n_stages, stage_eligible, stage_source = moves[:4]
    move_keys, move_slots, move_place = moves[4:]
    channel, n_channels, split_keys, split_slots, split_place = splits
    n_cases = offsets.shape[0] - 1
    bounds = case_chunks(n_cases, n_chunks)
    sizes = np.zeros(n_cases + 1, np.int64)
    converted = np.empty(n_cases, np.bool_)
    none = np.empty(0, np.int32)
    for write in (False, True):
        items = none
        if write:
            for c in range(n_cases):
                sizes[c + 1] += sizes[c]
            items = np.empty(sizes[n_cases], np.int32)
        for k in prange(n_chunks):
            seen_place = np.full(max(n_places, 1), -1, np.int64)
            seen_source = np.full(max(n_sources, 1), -1, np.int64)
            scratch = np.empty(max(n_sources, 1), np.int64)
            for c in range(bounds[k], bounds[k + 1]):
                at = converted_at[c]
                converted[c] = at >= 0
                count = _case_items(
                    act,
                    offsets[c],
                    offsets[c + 1],
                    at,
                    c,
                    n_act,
                    act_eligible,
                    act_source,
                    pair_keys,
                    pair_slots,
                    pair_place,
                    stage_of_activity,
                    n_stages,
                    stage_eligible,
                    stage_source,
                    move_keys,
                    move_slots,
                    move_place,
                    channel,
                    n_channels,
                    split_keys,
                    split_slots,
                    split_place,
                    seen_place,
                    seen_source,
                    scratch,
                    items,
                    sizes[c],
                    write,
                )
                if not write:
                    sizes[c + 1] = count
    return converted, sizes, items


@jit
def _compare(converted, offsets, items, a, b):
    """-1, 0 or 1: profile a before, equal to or after profile b (the conversion flag,
    then the items in lexicographic order, a prefix first)."""
    if converted[a] != converted[b]:
        return -1 if converted[b] else 1
    la = offsets[a + 1] - offsets[a]
    lb = offsets[b + 1] - offsets[b]
    for k in range(min(la, lb)):
        x, y = items[offsets[a] + k], items[offsets[b] + k]
        if x != y:
            return -1 if x < y else 1
    if la == lb:
        return 0
    return -1 if la < lb else 1


@jit
def _sort_profiles(profile, converted, offsets, items):
    """The positions 0..n-1 ordered by the profiles they name (`profile`), as _compare
    orders them: a bottom-up merge sort, stable."""
    n = profile.shape[0]
    src = np.arange(n)
    dst = np.empty_like(src)
    width = 1
    while width < n:
        for lo in range(0, n, 2 * width):
            mid = min(lo + width, n)
            hi = min(lo + 2 * width, n)
            i, j, k = lo, mid, lo
            while i < mid and j < hi:
                if _compare(converted, offsets, items, profile[src[j]], profile[src[i]]) < 0:
                    dst[k] = src[j]
                    j += 1
                else:
                    dst[k] = src[i]
                    i += 1
                k += 1
            while i < mid:
                dst[k] = src[i]
                i += 1
                k += 1
            while j < hi:
                dst[k] = src[j]
                j += 1
                k += 1
        src, dst = dst, src
        width *= 2
    return src


@pjit
def profile_hashes(converted, offsets, items):
    """A 64-bit hash of each profile (its flag and items), in parallel."""
    n = converted.shape[0]
    hashes = np.empty(n, np.uint64)
    for g in prange(n):
        h = splitmix64(np.uint64(converted[g]))
        for k in range(offsets[g], offsets[g + 1]):
            h = mix64(h ^ (np.uint64(np.int64(items[k]) & 0xFFFFFFFF) + np.uint64(k - offsets[g])))
        hashes[g] = h
    return hashes


#: Runs of consecutive profiles grouped apart, side by side, before their groups merge.
_GROUP_RUNS = 4


@jit
def group_profiles(counts, converted, offsets, items):
    """Equal profiles merged, their counts (journeys) added, in one canonical order (see
    _compare), so that the same journeys give the same arrays however they were split
    into parts. Profiles without items (nothing compared, no alternative taken) are
    left out: they count for no estimate. Runs of consecutive profiles are grouped in
    parallel (_group_runs), then their groups merged, each time through a hash table of
    the groups (_add_profile). Returns (counts, converted, offsets, items)."""
    hashes = profile_hashes(converted, offsets, items)
    bounds, found, run_first, run_total = _group_runs(counts, converted, offsets, items, hashes)
    table, shift = empty_table(1024)
    first = np.empty(found.sum(), np.int64)  # each group's first profile
    total = np.empty(found.sum(), np.int64)
    n_groups = 0
    for r in range(found.shape[0]):
        for t in range(bounds[r], bounds[r] + found[r]):
            table, shift, n_groups = _add_profile(
                table,
                shift,
                n_groups,
                run_first[t],
                run_total[t],
                hashes,
                converted,
                offsets,
                items,
                first,
                total,
            )
    # The groups' profiles gathered end to end first: sorting them there reads memory in
    # order, where comparing them in place read across the whole input at every step.
    groups = first[:n_groups]
    wide = np.empty(0, np.int64)
    kept_offsets, kept_items = concatenate_sequences(items, offsets, groups, wide)
    kept_converted = converted[groups]
    ranked = _sort_profiles(np.arange(n_groups), kept_converted, kept_offsets, kept_items)
    out_offsets, out_items = concatenate_sequences(kept_items, kept_offsets, ranked, wide)
    return total[ranked], kept_converted[ranked], out_offsets, out_items


@pjit
def _group_runs(counts, converted, offsets, items, hashes):
    """_GROUP_RUNS runs of consecutive profiles, each grouped on its own thread: the runs'
    bounds, how many groups each found, and each group's first profile and journeys
    (run r's from bounds[r] on)."""
    n = counts.shape[0]
    bounds = case_chunks(n, _GROUP_RUNS)
    first = np.empty(n, np.int64)
    total = np.empty(n, np.int64)
    found = np.zeros(_GROUP_RUNS, np.int64)
    for r in prange(_GROUP_RUNS):
        found[r] = _group_run(
            bounds[r], bounds[r + 1], counts, converted, offsets, items, hashes, first, total
        )
    return bounds, found, first, total


@jit
def _group_run(lo, hi, counts, converted, offsets, items, hashes, first, total):
    """The groups of profiles lo .. hi-1, written from first[lo], total[lo]; how many."""
    table, shift = empty_table(1024)
    own_first, own_total = first[lo:], total[lo:]
    n_groups = 0
    for g in range(lo, hi):
        if offsets[g + 1] > offsets[g] and counts[g] != 0:
            table, shift, n_groups = _add_profile(
                table,
                shift,
                n_groups,
                g,
                counts[g],
                hashes,
                converted,
                offsets,
                items,
                own_first,
                own_total,
            )
    return n_groups


@inline
def _add_profile(table, shift, n_groups, g, count, hashes, converted, offsets, items, first, total):
    """Profile g, standing for `count` journeys, into a table of groups (kernels._table's
    layout, grown as groups arrive: there are far fewer groups than journeys, so it stays
    in cache); equal hashes are told apart by their items. A new group is numbered
    n_groups, its first profile and journeys written to first and total. Returns the
    table, its shift and the number of groups."""
    h = hashes[g]
    slot = slot_of(h, shift)
    while table[slot, 1] != FREE:
        t = np.int64(table[slot, 1])
        if table[slot, 0] == h and _compare(converted, offsets, items, first[t], g) == 0:
            total[t] += count
            return table, shift, n_groups
        slot = (slot + 1) & (table.shape[0] - 1)
    table[slot, 0] = h
    table[slot, 1] = n_groups
    first[n_groups] = g
    total[n_groups] = count
    n_groups += 1
    if 2 * n_groups > table.shape[0]:
        table, shift = rehash(table)
    return table, shift, n_groups
