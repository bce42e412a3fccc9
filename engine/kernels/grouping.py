"""Group values by a small dense integer key (a stable counting sort)."""

from __future__ import annotations

import numpy as np

from ._jit import jit


@jit
def group_values(values, keys, n_groups):
    """Values reordered so that each key's values are contiguous, and the CSR offsets.

    Keys are 0..n_groups-1; within a group the input order is kept.
    """
    offsets = np.zeros(n_groups + 1, np.int64)
    for i in range(keys.shape[0]):
        offsets[keys[i] + 1] += 1
    for g in range(n_groups):
        offsets[g + 1] += offsets[g]
    cursor = offsets[:-1].copy()
    grouped = np.empty(values.shape[0], values.dtype)
    for i in range(keys.shape[0]):
        k = keys[i]
        grouped[cursor[k]] = values[i]
        cursor[k] += 1
    return grouped, offsets
