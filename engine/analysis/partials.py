"""Mergeable partial results: one part of a log (whole cases) counted by the same kernels
as the single-machine path, then combined with other parts and finalized into the same
tables (datashader's pattern: a kernel, a combine and a finalize per reduction).

Counts, sums, minima and maxima merge exactly. The standard deviation merges through
(count, mean, sum of squared deviations) as Chan et al. do. Medians and p90 come from
sparse log-bucket sketches (engine.kernels.sketch): within 0.5 % of the exact values.
Variants are keyed by a 64-bit hash of their sequence; every merge compares the
sequences behind equal hashes, so a collision is detected, never silently merged.

Activity codes are global: every part is counted against one sorted alphabet
(`names`), so the per-key arrays of all parts line up.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numba
import numpy as np
import pandas as pd
import pyarrow as pa

from ..errors import InputError
from ..kernels.activities import activity_counts, case_durations
from ..kernels.grouping import group_values
from ..kernels.moments import group_moments
from ..kernels.sketch import (
    SKETCH_WIDTH,
    count_entries,
    entry_quantiles,
    grouped_entries,
    merge_entries,
)
from ..kernels.stats import MAX, MEAN, MEDIAN, MIN, P90, STDEV, SUM
from ..kernels.variants import assign_variants, concatenate_sequences, sequence_hashes
from .activities import activity_table
from .dfg import edge_table, pair_step_counts
from .variants import variant_table

if TYPE_CHECKING:
    from ..log.eventlog import EventLog

_INT64_MAX = np.iinfo(np.int64).max
_INT64_MIN = np.iinfo(np.int64).min
_NS_PER_S = 1_000_000_000


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


@dataclass
class VariantPartial:
    """Distinct sequences, sorted by hash, with their cases and duration sketches."""

    hashes: np.ndarray  # uint64, sorted, distinct
    frequency: np.ndarray  # int64
    sequence_offsets: np.ndarray  # int64, len + 1
    sequence_codes: np.ndarray  # int32 global activity codes
    sketch: tuple[np.ndarray, np.ndarray]  # entries grouped by variant position


@dataclass
class LogPartial:
    """Everything the summary, activity, DFG and variant tables need from a part."""

    n_events: int
    n_cases: int
    dropped: dict[str, int]
    first_ns: int  # INT64_MAX for an empty part
    last_ns: int  # INT64_MIN for an empty part
    timezone_aware: bool | None  # None: an empty part does not say
    activities: np.ndarray  # int64 (4, n_activities): events, cases, starts, ends
    edges: Moments  # per edge key
    variants: VariantPartial


# -- kernel: one part ---------------------------------------------------------------------
def _no_entries() -> tuple[np.ndarray, np.ndarray]:
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
        sketch=_no_entries(),
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


def empty_partial(n_activities: int, dropped: dict[str, int] | None = None) -> LogPartial:
    """The partial of a part with no events (e.g. an empty partition)."""
    n_keys = n_activities * n_activities
    no_entries = _no_entries()
    return LogPartial(
        n_events=0,
        n_cases=0,
        dropped=dict(dropped or {}),
        first_ns=_INT64_MAX,
        last_ns=_INT64_MIN,
        timezone_aware=None,
        activities=np.zeros((4, n_activities), np.int64),
        edges=empty_moments(n_keys),
        variants=VariantPartial(
            hashes=np.zeros(0, np.uint64),
            frequency=np.zeros(0, np.int64),
            sequence_offsets=np.zeros(1, np.int64),
            sequence_codes=np.zeros(0, np.int32),
            sketch=no_entries,
        ),
    )


def global_codes(log: EventLog, names: np.ndarray) -> np.ndarray:
    """The part's activity per event as an int32 code into the whole log's sorted `names`."""
    codes = np.searchsorted(names, log.activity_names)
    if len(codes) and (codes.max() >= len(names) or (names[codes] != log.activity_names).any()):
        raise InputError("a part of the log has activities outside the log's alphabet")
    return codes.astype(np.int32)[log.activity]


def log_partial(log: EventLog, names: np.ndarray) -> LogPartial:
    """The partial of a canonical log whose activities all appear in the sorted `names`."""
    act = global_codes(log, names)
    n_act = len(names)
    partial = empty_partial(n_act, log.dropped.as_dict())
    partial.n_events = log.n_events
    partial.n_cases = log.n_cases
    partial.first_ns = int(log.timestamp.min())
    partial.last_ns = int(log.timestamp.max())
    partial.timezone_aware = log.timezone_aware
    partial.activities = activity_counts(act, log.case_offsets, n_act)
    partial.edges = _edge_partial(log, act, n_act)
    partial.variants = _variant_partial(log, act)
    return partial


def _edge_partial(log: EventLog, act: np.ndarray, n_act: int) -> Moments:
    never_converts = np.full(log.n_cases, -1, np.int64)
    counts, durations, offsets, _ = pair_step_counts(log, never_converts, act, n_act)
    return moments_of(durations, offsets, counts[1])


def _variant_partial(log: EventLog, act: np.ndarray) -> VariantPartial:
    offsets = log.case_offsets
    hashes = sequence_hashes(act, offsets)
    variant_of_case, representative, sequence_offsets, codes = assign_variants(
        act, offsets, hashes, np.empty(0, np.int64), numba.get_num_threads()
    )
    frequency = np.bincount(variant_of_case, minlength=len(representative)).astype(np.int64)
    order = np.argsort(hashes[representative], kind="stable")
    rank = np.empty(len(order), np.int64)
    rank[order] = np.arange(len(order))
    representative = representative[order]
    sequence_offsets, codes = concatenate_sequences(
        codes, sequence_offsets, order, sequence_offsets
    )
    grouped, group_offsets = group_values(
        case_durations(log.timestamp, offsets), rank[variant_of_case], len(order)
    )
    return VariantPartial(
        hashes=hashes[representative],
        frequency=frequency[order],
        sequence_offsets=sequence_offsets,
        sequence_codes=codes.astype(np.int32, copy=False),
        sketch=count_entries(grouped_entries(grouped, group_offsets)),
    )


# -- combine ---------------------------------------------------------------------------------
def combine(parts: list[LogPartial]) -> LogPartial:
    """One partial from several (of disjoint sets of cases over the same alphabet)."""
    parts = [p for p in parts if p is not None]
    if len(parts) == 1:
        return parts[0]
    dropped: dict[str, int] = {}
    for p in parts:
        for reason, n in p.dropped.items():
            dropped[reason] = dropped.get(reason, 0) + n
    aware = {p.timezone_aware for p in parts if p.timezone_aware is not None}
    if len(aware) > 1:
        raise InputError(
            "some parts of the log have timezone-aware timestamps and others naive ones; "
            "give every file the same timestamp type"
        )
    return LogPartial(
        n_events=sum(p.n_events for p in parts),
        n_cases=sum(p.n_cases for p in parts),
        dropped=dropped,
        first_ns=min(p.first_ns for p in parts),
        last_ns=max(p.last_ns for p in parts),
        timezone_aware=aware.pop() if aware else None,
        activities=np.sum([p.activities for p in parts], axis=0),
        edges=combine_moments([p.edges for p in parts]),
        variants=_combine_variants([p.variants for p in parts]),
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


def _combine_variants(parts: list[VariantPartial]) -> VariantPartial:
    hashes = np.concatenate([p.hashes for p in parts])
    merged, first, where = np.unique(hashes, return_index=True, return_inverse=True)
    frequency = np.bincount(where, weights=np.concatenate([p.frequency for p in parts]))
    lengths = np.concatenate([np.diff(p.sequence_offsets) for p in parts])
    code_offsets, base = [], 0
    for p in parts:
        code_offsets.append(p.sequence_offsets[:-1] + base)
        base += len(p.sequence_codes)
    starts = np.concatenate(code_offsets)
    codes = np.concatenate([p.sequence_codes for p in parts])
    _check_no_collision(codes, starts, lengths, first[where])
    sequence_offsets = np.zeros(len(merged) + 1, np.int64)
    np.cumsum(lengths[first], out=sequence_offsets[1:])
    picked = (
        np.concatenate(
            [codes[s : s + n] for s, n in zip(starts[first], lengths[first], strict=True)]
        )
        if len(first)
        else np.zeros(0, np.int32)
    )
    keys, counts, shift = [], [], 0
    for p in parts:
        entries, n_entries = p.sketch
        variant = entries // SKETCH_WIDTH
        keys.append(where[shift + variant] * SKETCH_WIDTH + entries % SKETCH_WIDTH)
        counts.append(n_entries)
        shift += len(p.hashes)
    return VariantPartial(
        hashes=merged,
        frequency=np.rint(frequency).astype(np.int64),
        sequence_offsets=sequence_offsets,
        sequence_codes=picked.astype(np.int32),
        sketch=merge_entries(keys, counts),
    )


def _check_no_collision(
    codes: np.ndarray, starts: np.ndarray, lengths: np.ndarray, kept: np.ndarray
) -> None:
    """Every sequence equals the one kept for its hash: two different sequences with the
    same 64-bit hash would otherwise be counted as one variant."""
    duplicate = np.flatnonzero(kept != np.arange(len(kept)))
    for i in duplicate:
        j = kept[i]
        if lengths[i] != lengths[j] or not np.array_equal(
            codes[starts[i] : starts[i] + lengths[i]], codes[starts[j] : starts[j] + lengths[j]]
        ):
            raise RuntimeError("two different variants share a 64-bit hash; please report this log")


# -- finalize --------------------------------------------------------------------------------
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
        out[MEDIAN] = _key_quantiles(m.sketch, keys, 0.5)
        out[P90] = _key_quantiles(m.sketch, keys, 0.9)
    out[MIN] = np.where(some, m.low[keys] / 1e9, np.nan)
    out[MAX] = np.where(some, m.high[keys] / 1e9, np.nan)
    out[STDEV] = np.where(n > 1, np.sqrt(m.m2[keys] / np.maximum(n - 1, 1)), np.nan)
    return out


def _key_quantiles(sketch: tuple[np.ndarray, np.ndarray], keys: np.ndarray, q: float) -> np.ndarray:
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


def edges_table(
    partial: LogPartial, names: np.ndarray, exact_values: np.ndarray | None = None
) -> pd.DataFrame:
    """The columns of `EDGE_COLUMNS`, in the single-machine path's order; medians and p90
    `exact_values` per edge key (see `edge_durations`), or else from the sketches."""
    e = partial.edges
    n_act = len(names)
    keys = np.flatnonzero(e.frequency)
    stats = moment_stats(e, keys, exact_values)
    order = np.lexsort((keys % n_act, keys // n_act, -e.frequency[keys]))
    keys = keys[order]
    return edge_table(
        keys // n_act, keys % n_act, e.frequency[keys], e.cases[keys], stats[:, order], names
    )


def activities_table(partial: LogPartial, names: np.ndarray) -> pd.DataFrame:
    return activity_table(partial.activities, names)


def variant_order(partial: LogPartial, top: int | None = None) -> tuple[np.ndarray, list]:
    """The positions of the variants (in `partial.variants`) most frequent first, ties in
    alphabetical order of sequence (as codes follow the names' order, comparing code
    sequences compares name sequences), the first `top` only; and every sequence."""
    v = partial.variants
    sequences = [
        tuple(v.sequence_codes[v.sequence_offsets[i] : v.sequence_offsets[i + 1]].tolist())
        for i in range(len(v.hashes))
    ]
    order = sorted(range(len(sequences)), key=lambda i: (-v.frequency[i], sequences[i]))
    if top is not None:
        order = order[:top]
    return np.asarray(order, dtype=np.int64), sequences


def variants_table(
    partial: LogPartial,
    names: np.ndarray,
    top: int | None = None,
    exact_values: np.ndarray | None = None,
) -> pd.DataFrame:
    """VARIANT_COLUMNS in `variant_order`; only the kept variants are decoded. Medians
    `exact_values` per variant position (see `variant_durations`), or else from the
    sketches."""
    v = partial.variants
    order, sequences = variant_order(partial, top)
    medians = (
        exact_values[0, order] if exact_values is not None else _variant_medians(partial, order)
    )
    name_list = names.tolist()
    decoded = [[name_list[c] for c in sequences[i]] for i in order]
    column = pa.array(decoded, type=pa.list_(pa.string()))
    return variant_table(column, v.frequency[order], partial.n_cases, medians)


def _variant_medians(partial: LogPartial, order: np.ndarray) -> np.ndarray:
    """The sketches' median duration of the variants at positions `order`."""
    positions = np.sort(order)
    medians = _key_quantiles(partial.variants.sketch, positions, 0.5)
    return medians[np.searchsorted(positions, order)]


# -- the values behind the quantiles, per part (for engine.analysis.exact) -------------------
def edge_durations(log: EventLog, names: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A part's directly-follows durations grouped by edge key over the sorted `names`."""
    never_converts = np.full(log.n_cases, -1, np.int64)
    _, durations, offsets, _ = pair_step_counts(
        log, never_converts, global_codes(log, names), len(names)
    )
    return durations, offsets


def variant_durations(
    log: EventLog, names: np.ndarray, hashes: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """A part's case durations grouped by the position of their variant's hash in the
    merged, sorted `hashes`."""
    offsets = log.case_offsets
    variant = np.searchsorted(hashes, sequence_hashes(global_codes(log, names), offsets))
    return group_values(case_durations(log.timestamp, offsets), variant, len(hashes))
