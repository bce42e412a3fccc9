"""Directly-follows edges: which consecutive pairs occur, how often, in how many cases,
and how long each took.

An edge key is ``source * n_activities + target``. The caller maps keys to dense edge ids
(see `engine.analysis.dfg`), then `edge_aggregate` counts and groups durations per edge.
"""

from __future__ import annotations

import numpy as np

from ._jit import jit


@jit
def pair_keys(act, offsets, n_activities, key_type):
    """Edge key of every consecutive pair of events within a case, in canonical order.

    Keys have the dtype of the (empty) array `key_type`: int32 while n_activities**2 fits.
    """
    n_cases = offsets.shape[0] - 1
    first_pair = np.empty(n_cases + 1, np.int64)
    first_pair[0] = 0
    for c in range(n_cases):
        first_pair[c + 1] = first_pair[c] + max(offsets[c + 1] - offsets[c] - 1, 0)
    keys = np.empty(first_pair[n_cases], key_type.dtype)
    for c in range(n_cases):
        p = first_pair[c]
        for i in range(offsets[c], offsets[c + 1] - 1):
            keys[p] = act[i] * n_activities + act[i + 1]
            p += 1
    return keys


@jit
def number_edges(keys, n_keys):
    """Replace each edge key by a dense edge id (ids in key order), in place, through a
    table of all `n_keys` possible keys; returns the key of each id."""
    lookup = np.full(n_keys, -1, np.int64)
    for i in range(keys.shape[0]):
        lookup[keys[i]] = 0
    n_edges = 0
    for k in range(n_keys):
        if lookup[k] == 0:
            lookup[k] = n_edges
            n_edges += 1
    edge_keys = np.empty(n_edges, np.int64)
    for k in range(n_keys):
        if lookup[k] >= 0:
            edge_keys[lookup[k]] = k
    for i in range(keys.shape[0]):
        keys[i] = lookup[keys[i]]
    return edge_keys


@jit
def edge_aggregate(edge_ids, ts, start_ts, offsets, n_edges):
    """Per edge: frequency, distinct cases, and its durations grouped (CSR).

    `edge_ids` follows `pair_keys` order. A pair (a, b) lasts ``start_ts[b] - ts[a]``;
    pass ``start_ts = ts`` when the log has no start timestamps.
    """
    n_cases = offsets.shape[0] - 1
    frequency = np.zeros(n_edges, np.int64)
    cases = np.zeros(n_edges, np.int64)
    last_case = np.full(n_edges, -1, np.int64)
    for p in range(edge_ids.shape[0]):
        frequency[edge_ids[p]] += 1
    edge_offsets = np.zeros(n_edges + 1, np.int64)
    for e in range(n_edges):
        edge_offsets[e + 1] = edge_offsets[e] + frequency[e]
    cursor = edge_offsets[:-1].copy()
    durations = np.empty(edge_ids.shape[0], np.int64)
    p = 0
    for c in range(n_cases):
        for i in range(offsets[c], offsets[c + 1] - 1):
            e = edge_ids[p]
            p += 1
            if last_case[e] != c:
                last_case[e] = c
                cases[e] += 1
            durations[cursor[e]] = start_ts[i + 1] - ts[i]
            cursor[e] += 1
    return frequency, cases, durations, edge_offsets
