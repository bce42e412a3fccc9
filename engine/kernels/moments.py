"""Mergeable per-group moments of int64 nanosecond durations: exact sums (whole seconds
and remainders apart, as stats.exact_total), extremes, and the mean with the sum of
squared deviations from it, which merge across parts as Chan et al. show.

Not `stats.group_stats_into`: these are a part's mergeable sums, from which the merged
groups' mean and standard deviation follow, not one group's final figures."""

from __future__ import annotations

import numpy as np
from numba import prange

from ._jit import pjit
from .stats import exact_parts, squared_deviations

_INT64_MAX = np.iinfo(np.int64).max
_INT64_MIN = np.iinfo(np.int64).min


@pjit
def group_moments(ns, offsets):
    """Per CSR group: whole_s, rest_ns (int64 sums; the exact total is whole_s + rest_ns
    / 1e9 seconds), low, high (int64 ns; INT64_MAX / INT64_MIN for an empty group), mean
    (float64 s) and m2 (float64, sum of squared deviations from the mean, s**2)."""
    n_groups = offsets.shape[0] - 1
    whole_s = np.zeros(n_groups, np.int64)
    rest_ns = np.zeros(n_groups, np.int64)
    low = np.full(n_groups, _INT64_MAX, np.int64)
    high = np.full(n_groups, _INT64_MIN, np.int64)
    mean = np.zeros(n_groups)
    m2 = np.zeros(n_groups)
    for g in prange(n_groups):
        start = offsets[g]
        end = offsets[g + 1]
        if end == start:
            continue
        whole, rest, lo, hi = exact_parts(ns, start, end, True)
        m = (whole + rest / 1e9) / (end - start)
        whole_s[g] = whole
        rest_ns[g] = rest
        low[g] = lo
        high[g] = hi
        mean[g] = m
        m2[g] = squared_deviations(ns, start, end, m)
    return whole_s, rest_ns, low, high, mean, m2
