"""Variants (distinct activity sequences, their cases and median duration) as a reduction.

One machine: the chunk is the log's variants as analysis/variants.py finds them, in
reporting order with exact medians, kept on the log for the other figures. Parts: the
distinct sequences keyed by a 64-bit hash, with their cases and a sketch of their
durations; parts merge by hash, and every merge compares the sequences behind equal
hashes, so a collision is detected, never silently merged. Medians are made exact by a
second round where feasible (engine.analysis.exact)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numba
import numpy as np
import pandas as pd
import pyarrow as pa

from ..analysis.moments import key_quantiles
from ..analysis.variants import Variants, compute_variants, variant_sequences
from ..kernels.activities import case_durations
from ..kernels.grouping import group_values
from ..kernels.sketch import SKETCH_WIDTH, count_entries, grouped_entries, merge_entries
from ..kernels.variants import assign_variants, concatenate_sequences, sequence_hashes
from ..schema import FLOAT, INT, TEXT_LIST, table_schema
from .context import global_codes, table_reduce
from .order import warn_about_the_log
from .quantiles import QuantileSource, quantile_source

if TYPE_CHECKING:
    from ..log.eventlog import EventLog

VARIANT_SCHEMA = table_schema(
    variant=TEXT_LIST,
    frequency=INT,
    share=FLOAT,
    median_duration_s=FLOAT,
)
VARIANT_COLUMNS = tuple(VARIANT_SCHEMA.names)


@dataclass
class VariantPartial:
    """Distinct sequences, sorted by hash, with their cases and duration sketches."""

    hashes: np.ndarray  # uint64, sorted, distinct
    frequency: np.ndarray  # int64
    sequence_offsets: np.ndarray  # int64, len + 1
    sequence_codes: np.ndarray  # int32 codes of the whole log's alphabet
    sketch: tuple[np.ndarray, np.ndarray]  # entries grouped by variant position


def chunk(part: EventLog, names: np.ndarray, whole: bool) -> Variants | VariantPartial:
    """A whole log's Variants (computed once), or a part's VariantPartial."""
    if whole:
        return part.cache("variants", compute_variants)
    act = global_codes(part, names)
    offsets = part.case_offsets
    hashes = sequence_hashes(act, offsets)
    variant_of_case, representative, sequence_offsets, codes = assign_variants(
        act, offsets, hashes, np.empty(0, np.int64), numba.get_num_threads()
    )
    frequency = np.bincount(variant_of_case, minlength=len(representative)).astype(np.int64)
    order = np.argsort(hashes[representative], kind="stable")
    rank = np.empty(len(order), np.int64)
    rank[order] = np.arange(len(order))
    sequence_offsets, codes = concatenate_sequences(
        codes, sequence_offsets, order, sequence_offsets
    )
    grouped, group_offsets = group_values(
        case_durations(part.timestamp, offsets), rank[variant_of_case], len(order)
    )
    return VariantPartial(
        hashes=hashes[representative[order]],
        frequency=frequency[order],
        sequence_offsets=sequence_offsets,
        sequence_codes=codes.astype(np.int32, copy=False),
        sketch=count_entries(grouped_entries(grouped, group_offsets)),
    )


def combine(parts: list[VariantPartial]) -> VariantPartial:
    """The variants of disjoint sets of cases, merged by hash."""
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


def variant_durations(
    part: EventLog, names: np.ndarray, hashes: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """A part's case durations grouped by the position of their variant's hash in the
    merged, sorted `hashes`: the values of the exact round."""
    offsets = part.case_offsets
    variant = np.searchsorted(hashes, sequence_hashes(global_codes(part, names), offsets))
    return group_values(case_durations(part.timestamp, offsets), variant, len(hashes))


def variant_order(partial: VariantPartial, top: int | None = None) -> tuple[np.ndarray, list]:
    """The positions of the variants most frequent first, ties in alphabetical order of
    sequence (codes follow the names' order, so comparing code sequences compares name
    sequences), the first `top` only; and every sequence."""
    codes, bounds = partial.sequence_codes, partial.sequence_offsets
    sequences = [tuple(codes[bounds[i] : bounds[i + 1]].tolist()) for i in range(len(bounds) - 1)]
    order = sorted(range(len(sequences)), key=lambda i: (-partial.frequency[i], sequences[i]))
    if top is not None:
        order = order[:top]
    return np.asarray(order, dtype=np.int64), sequences


def finalize(
    merged: Variants | VariantPartial,
    names: np.ndarray,
    source: QuantileSource,
    top: int | None = None,
) -> pd.DataFrame:
    """VARIANT_COLUMNS, most frequent first, ties in alphabetical order of sequence; the
    first `top` only, and only those decoded."""
    if isinstance(merged, Variants):
        n = len(merged.frequency) if top is None else min(top, len(merged.frequency))
        sequences = variant_sequences(names, merged, top=n)
        n_cases = len(merged.variant_of_case)
        return variant_table(sequences, merged.frequency[:n], n_cases, merged.median_duration_s[:n])
    order, sequences = variant_order(merged, top)
    exact = None
    if source.cache is not None:
        exact = source.cache.get(
            "variants",
            merged.sketch,
            len(merged.hashes),
            variant_durations,
            names,
            merged.hashes,
            groups=order,
        )
    medians = exact[0, order] if exact is not None else _sketch_medians(merged, order)
    name_list = names.tolist()
    decoded = [[name_list[c] for c in sequences[i]] for i in order]
    column = pa.array(decoded, type=pa.list_(pa.string()))
    return variant_table(column, merged.frequency[order], int(merged.frequency.sum()), medians)


def _sketch_medians(partial: VariantPartial, order: np.ndarray) -> np.ndarray:
    """The sketches' median duration of the variants at positions `order`."""
    positions = np.sort(order)
    medians = key_quantiles(partial.sketch, positions, 0.5)
    return medians[np.searchsorted(positions, order)]


def variant_table(
    sequences: pa.Array, frequency: np.ndarray, n_cases: int, median_duration_s: np.ndarray
) -> pd.DataFrame:
    """VARIANT_COLUMNS from the variants in table order."""
    frequency = np.array(frequency)
    return pd.DataFrame(
        {
            "variant": pd.Series(sequences, dtype=pd.ArrowDtype(sequences.type)),
            "frequency": frequency,
            "share": frequency / max(n_cases, 1),
            "median_duration_s": np.array(median_duration_s),
        }
    )


def counted(log: EventLog) -> Variants | VariantPartial:
    """The log's merged variant chunk, on either backend."""
    return table_reduce(log, chunk, combine)


def variants(log: EventLog, *, top: int | None = None) -> pd.DataFrame:
    """Variants: variant (list of activity names), frequency (cases), share of cases,
    median_duration_s. Most frequent first; ties in alphabetical order of sequence. On a
    log given as parts, medians are exact where feasible, else within 0.5 %."""
    warn_about_the_log(log)
    return finalize(counted(log), log.activity_names, quantile_source(log), top)
