"""Mergeable per-group moments of int64 nanosecond durations: exact sums (whole seconds
and remainders apart, as stats.exact_total), extremes, and the mean with the sum of
squared deviations from it, which merge across parts as Chan et al. show."""

from __future__ import annotations

import numpy as np
from numba import prange

from ._jit import pjit
from .stats import squared_deviations

NS_PER_S = 1_000_000_000
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
        whole = np.int64(0)
        rest = np.int64(0)
        lo = ns[start]
        hi = ns[start]
        for i in range(start, end):
            v = ns[i]
            q = v // NS_PER_S
            whole += q
            rest += v - q * NS_PER_S
            lo = min(lo, v)
            hi = max(hi, v)
        m = (whole + rest / 1e9) / (end - start)
        whole_s[g] = whole
        rest_ns[g] = rest
        low[g] = lo
        high[g] = hi
        mean[g] = m
        m2[g] = squared_deviations(ns, start, end, m)
    return whole_s, rest_ns, low, high, mean, m2
