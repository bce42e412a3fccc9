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
from ..kernels.sketch import (
    SKETCH_WIDTH,
    count_entries,
    grouped_entries,
    merge_entries,
)
from ..kernels.steps import PAIR_JOURNEYS
from ..kernels.variants import assign_variants, concatenate_sequences, sequence_hashes
from .activities import activity_table
from .dfg import edge_table, pair_step_counts
from .moments import (
    Moments,
    combine_moments,
    empty_moments,
    key_quantiles,
    moment_stats,
    moments_of,
    no_entries,
)
from .variants import variant_table

if TYPE_CHECKING:
    from ..log.eventlog import EventLog

_INT64_MAX = np.iinfo(np.int64).max
_INT64_MIN = np.iinfo(np.int64).min
_NS_PER_S = 1_000_000_000


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
def empty_partial(n_activities: int, dropped: dict[str, int] | None = None) -> LogPartial:
    """The partial of a part with no events (e.g. an empty partition)."""
    n_keys = n_activities * n_activities
    none = no_entries()
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
            sketch=none,
        ),
    )


def global_codes(log: EventLog, names: np.ndarray) -> np.ndarray:
    """The part's activity per event as a code into the whole log's sorted `names`: the
    part's own codes, no copy, when its alphabet is the whole log's (one machine), else
    int32 codes."""
    local = log.activity_names
    if len(local) == len(names) and (local == names).all():
        return log.activity
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
    return moments_of(durations, offsets, counts[PAIR_JOURNEYS])  # distinct cases here


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
    medians = key_quantiles(partial.variants.sketch, positions, 0.5)
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
