"""Mergeable duration statistics per key: counts, exact sums and extremes, the mean and
the sum of squared deviations (merged with Chan et al.'s update), and a sparse log-bucket
sketch (engine.kernels.sketch) for medians and p90, within 0.5 % (or exact after the
second round of engine.analysis.exact). What a part of a log keeps of its durations."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..kernels.moments import group_moments
from ..kernels.sketch import (
    SKETCH_WIDTH,
    count_entries,
    entry_quantiles,
    grouped_entries,
    merge_entries,
)
from ..kernels.stats import MAX, MEAN, MEDIAN, MIN, P90, STDEV, SUM

_INT64_MAX = np.iinfo(np.int64).max
_INT64_MIN = np.iinfo(np.int64).min


@dataclass
class Moments:
    """Per key (dense, e.g. an edge ``source * n_activities + target``): how many
    durations, in how many cases, their exact sum, extremes and moments, and a sketch."""

    frequency: np.ndarray  # int64
    cases: np.ndarray  # int64
    whole_s: np.ndarray  # int64: durations' whole seconds, summed
    rest_ns: np.ndarray  # int64: their remainders, summed (exact total = whole + rest)
    low: np.ndarray  # int64 ns (INT64_MAX where the edge never occurs)
    high: np.ndarray  # int64 ns (INT64_MIN where it never occurs)
    mean_s: np.ndarray  # float64
    m2: np.ndarray  # float64: sum of squared deviations from mean_s, in s**2
    sketch: tuple[np.ndarray, np.ndarray]  # sparse sketch entries (key-grouped), counts


def no_entries() -> tuple[np.ndarray, np.ndarray]:
    return np.zeros(0, np.int64), np.zeros(0, np.int64)


def empty_moments(n_keys: int) -> Moments:
    """The moments of `n_keys` keys without durations."""
    return Moments(
        frequency=np.zeros(n_keys, np.int64),
        cases=np.zeros(n_keys, np.int64),
        whole_s=np.zeros(n_keys, np.int64),
        rest_ns=np.zeros(n_keys, np.int64),
        low=np.full(n_keys, _INT64_MAX, np.int64),
        high=np.full(n_keys, _INT64_MIN, np.int64),
        mean_s=np.zeros(n_keys),
        m2=np.zeros(n_keys),
        sketch=no_entries(),
    )


def moments_of(durations: np.ndarray, offsets: np.ndarray, cases: np.ndarray) -> Moments:
    """The moments of int64 ns durations grouped by key (CSR `offsets`); `cases`: the
    distinct cases per key."""
    whole_s, rest_ns, low, high, mean_s, m2 = group_moments(durations, offsets)
    return Moments(
        frequency=np.diff(offsets).astype(np.int64),
        cases=np.asarray(cases, dtype=np.int64).copy(),
        whole_s=whole_s,
        rest_ns=rest_ns,
        low=low,
        high=high,
        mean_s=mean_s,
        m2=m2,
        sketch=count_entries(grouped_entries(durations, offsets)),
    )


def combine_moments(parts: list[Moments]) -> Moments:
    """The moments of the union of the parts' durations, key by key."""
    n = np.zeros_like(parts[0].frequency)
    mean = np.zeros_like(parts[0].mean_s)
    m2 = np.zeros_like(parts[0].m2)
    for p in parts:  # Chan et al.'s pairwise update, in the order of the parts
        total = n + p.frequency
        safe = np.maximum(total, 1)
        delta = p.mean_s - mean
        mean = np.where(total > 0, mean + delta * (p.frequency / safe), 0.0)
        m2 = m2 + p.m2 + delta * delta * (n * p.frequency / safe)
        n = total
    return Moments(
        frequency=n,
        cases=np.sum([p.cases for p in parts], axis=0),
        whole_s=np.sum([p.whole_s for p in parts], axis=0),
        rest_ns=np.sum([p.rest_ns for p in parts], axis=0),
        low=np.min([p.low for p in parts], axis=0),
        high=np.max([p.high for p in parts], axis=0),
        mean_s=mean,
        m2=m2,
        sketch=merge_entries([p.sketch[0] for p in parts], [p.sketch[1] for p in parts]),
    )


def moment_stats(
    m: Moments, keys: np.ndarray, exact_values: np.ndarray | None = None
) -> np.ndarray:
    """kernels.stats' rows (MEAN ... SUM, seconds) for the sorted `keys`; medians and
    p90 from `exact_values` ((2, n_keys), engine.analysis.exact) or else from the sketch."""
    n = m.frequency[keys]
    total = m.whole_s[keys] + m.rest_ns[keys] / 1e9
    out = np.full((7, len(keys)), np.nan)
    some = n > 0
    out[SUM] = np.where(some, total, np.nan)
    out[MEAN] = np.where(some, total / np.maximum(n, 1), np.nan)
    if exact_values is not None:
        out[MEDIAN], out[P90] = exact_values[0, keys], exact_values[1, keys]
    else:
        out[MEDIAN] = key_quantiles(m.sketch, keys, 0.5)
        out[P90] = key_quantiles(m.sketch, keys, 0.9)
    out[MIN] = np.where(some, m.low[keys] / 1e9, np.nan)
    out[MAX] = np.where(some, m.high[keys] / 1e9, np.nan)
    out[STDEV] = np.where(n > 1, np.sqrt(m.m2[keys] / np.maximum(n - 1, 1)), np.nan)
    return out


def key_quantiles(sketch: tuple[np.ndarray, np.ndarray], keys: np.ndarray, q: float) -> np.ndarray:
    """The q-quantile of each of the sorted `keys`' sketches (NaN without values)."""
    entries, counts = sketch
    group = entries // SKETCH_WIDTH
    where = np.searchsorted(keys, group)
    found = where < len(keys)
    found[found] = keys[where[found]] == group[found]
    local = where[found] * SKETCH_WIDTH + entries[found] % SKETCH_WIDTH
    return entry_quantiles(local, counts[found], len(keys), q)


def regroup_moments(m: Moments, group_of_key: np.ndarray, n_groups: int) -> Moments:
    """The moments of the keys' durations pooled by `group_of_key` (e.g. moves by their
    source stage): counts, sums, extremes and sketches exact; the mean and m2 are left
    out (NaN), `cases` summed (not distinct)."""
    pooled = empty_moments(n_groups)
    for field in ("frequency", "cases", "whole_s", "rest_ns"):
        out = getattr(pooled, field)
        np.add.at(out, group_of_key, getattr(m, field))
    np.minimum.at(pooled.low, group_of_key, m.low)
    np.maximum.at(pooled.high, group_of_key, m.high)
    pooled.mean_s[:] = np.nan
    pooled.m2[:] = np.nan
    entries, counts = m.sketch
    moved = group_of_key[entries // SKETCH_WIDTH] * SKETCH_WIDTH + entries % SKETCH_WIDTH
    pooled.sketch = merge_entries([moved], [counts])
    return pooled
