"""Variants: distinct activity sequences, how many cases follow each, and how long they take."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numba
import numpy as np
import pyarrow as pa

from ..kernels.activities import grouped_case_durations
from ..kernels.grouping import chunk_count, chunk_cursors, relabel, run_counts
from ..kernels.stats import segment_medians
from ..kernels.text import names_by_code
from ..kernels.variants import (
    assign_variants,
    concatenate_sequences,
    refine_ties,
    sequence_hashes,
    sort_keys,
)
from ..sorting import place_medians

if TYPE_CHECKING:
    from ..log.eventlog import EventLog


@dataclass(frozen=True)
class Variants:
    """Variants in reporting order: most frequent first, ties in alphabetical order."""

    variant_of_case: np.ndarray  # int32 (int64 past 2**31 cases) per case: variant index
    representative: np.ndarray  # per variant: one case that follows it
    frequency: np.ndarray  # int64 per variant: number of cases
    median_duration_s: np.ndarray  # float64 per variant
    sequence_offsets: np.ndarray  # int64, n_variants + 1: where each variant's codes start
    sequences: np.ndarray  # the variants' activity codes end to end (the log's dtype)


def variant_id_type(n_cases: int) -> np.ndarray:
    """The (empty) array whose dtype assign_variants gives ids and cases: int32 while
    the cases fit, halving those arrays."""
    return np.empty(0, np.int32 if n_cases <= np.iinfo(np.int32).max else np.int64)


def compute_variants(log: EventLog) -> Variants:
    act, offsets = log.activity, log.case_offsets
    ids = variant_id_type(log.n_cases)
    threads = numba.get_num_threads()
    # The variants' sequences come back copied end to end: ordering compares them there,
    # in cache, and the frame's names are written from them, not from the log.
    variant_of_case, representative, sequence_offsets, codes = assign_variants(
        act, offsets, sequence_hashes(act, offsets), ids, threads
    )
    n_variants = len(representative)
    # Cases per variant in each run of cases: the frequencies, and where each run puts
    # its cases' durations once they are grouped by variant.
    runs = min(threads, chunk_count(log.n_cases, n_variants))
    counts = run_counts(variant_of_case, n_variants, runs)
    frequency = counts.sum(axis=0)
    variant = np.arange(n_variants)
    keys = sort_keys(codes, sequence_offsets, variant, frequency, log.n_activities)
    # Equal keys need no stable sort: refine_ties orders them by their whole sequences.
    order = np.argsort(keys)
    refine_ties(order, keys, codes, sequence_offsets, variant, frequency, log.n_activities)
    del keys, variant
    sequence_offsets, codes = concatenate_sequences(
        codes, sequence_offsets, order, sequence_offsets
    )
    rank = np.empty(n_variants, ids.dtype)
    rank[order] = np.arange(n_variants, dtype=ids.dtype)
    relabel(variant_of_case, rank)
    cursors, group_offsets = chunk_cursors(np.ascontiguousarray(counts[:, order]))
    del counts, rank
    grouped = grouped_case_durations(log.timestamp, offsets, variant_of_case, cursors)
    place_medians(grouped, group_offsets)
    return Variants(
        variant_of_case=variant_of_case,
        representative=representative[order],
        frequency=frequency[order],
        median_duration_s=segment_medians(grouped, group_offsets),
        sequence_offsets=sequence_offsets,
        sequences=codes,
    )


def variant_sequences(names: np.ndarray, variants: Variants, top: int | None = None) -> pa.Array:
    """The activity `names` of each variant (the first `top`) as an Arrow list<string>
    array (large_list past 2**31 - 1 names)."""
    n = len(variants.frequency) if top is None else min(top, len(variants.frequency))
    offsets = variants.sequence_offsets[: n + 1]
    names = _names(names, variants.sequences[: offsets[n]])
    if offsets[n] > np.iinfo(np.int32).max:
        return pa.LargeListArray.from_arrays(pa.array(offsets), names)
    return pa.ListArray.from_arrays(pa.array(offsets.astype(np.int32)), names)


def _names(names: np.ndarray, codes: np.ndarray) -> pa.Array:
    """names[codes] as an Arrow string array whose buffers are exactly their size."""
    encoded = [str(name).encode("utf-8") for name in names]
    name_offsets = np.zeros(len(encoded) + 1, np.int64)
    np.cumsum([len(b) for b in encoded], out=name_offsets[1:])
    name_bytes = np.frombuffer(b"".join(encoded), np.uint8)
    total = int(np.bincount(codes, minlength=len(encoded)) @ np.diff(name_offsets))
    if total > np.iinfo(np.int32).max:  # past a string array's 32-bit offsets
        return pa.array(names.tolist(), type=pa.large_string()).take(pa.array(codes))
    offsets, data = names_by_code(name_offsets, name_bytes, codes, np.empty(0, np.int32))
    return pa.StringArray.from_buffers(len(codes), pa.py_buffer(offsets), pa.py_buffer(data))
