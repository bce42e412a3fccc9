"""Journey variants with their outcomes: the log's variants (log.variants()) with how
many of their journeys convert, as a reduction. One machine counts conversions per
variant of the log's variant table; parts count them per variant hash (of the whole log's
activity codes), merged by hash, and read at the hashes of the table's rows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..analysis.variants import compute_variants
from ..journey.variants import JOURNEY_VARIANT_COLUMNS
from ..kernels.grouping import tally
from ..kernels.variants import sequence_hashes
from .context import JourneySpec, Reduce, global_codes, part_conversions

if TYPE_CHECKING:
    import pandas as pd

    from ..log.eventlog import EventLog


@dataclass
class VariantConversions:
    """Converted journeys per variant: by position in the log's variant table (`hashes`
    None: one machine), or per distinct variant hash, sorted."""

    hashes: np.ndarray | None
    converted: np.ndarray  # int64


def chunk(part: EventLog, spec: JourneySpec, whole: bool) -> VariantConversions:
    converted = part_conversions(part, spec.model, spec.window_end).converted
    if whole:
        variants = part.cache("variants", compute_variants)
        _, wins = tally(variants.variant_of_case, converted, len(variants.frequency))
        return VariantConversions(None, wins)
    hashes = sequence_hashes(global_codes(part, spec.names), part.case_offsets)
    distinct, variant = np.unique(hashes, return_inverse=True)
    wins = np.bincount(variant, weights=converted, minlength=len(distinct))
    return VariantConversions(distinct, np.rint(wins).astype(np.int64))


def combine(parts: list[VariantConversions | None]) -> VariantConversions | None:
    merged, where = np.unique(np.concatenate([p.hashes for p in parts]), return_inverse=True)
    total = np.zeros(len(merged), np.int64)
    np.add.at(total, where, np.concatenate([p.converted for p in parts]))
    return VariantConversions(merged, total)


def variant_outcomes(
    reduce: Reduce, spec: JourneySpec, whole: bool, table: pd.DataFrame
) -> pd.DataFrame:
    """`table` (the log's `variants()`, most frequent first, maybe the top ones only)
    with `converted` and `conversion_rate` per variant."""
    found = reduce(chunk, combine, spec, whole)
    if found is None:
        converted = np.zeros(len(table), np.int64)
    elif found.hashes is None:
        converted = found.converted[: len(table)]
    else:
        converted = found.converted[np.searchsorted(found.hashes, _row_hashes(table, spec))]
    table["converted"] = converted
    table["conversion_rate"] = converted / table["frequency"].to_numpy()
    return table[list(JOURNEY_VARIANT_COLUMNS)]


def _row_hashes(table: pd.DataFrame, spec: JourneySpec) -> np.ndarray:
    """The variant hash of each row's sequence of names, in the whole log's codes."""
    sequences = [list(v) for v in table["variant"]]
    lengths = np.array([len(s) for s in sequences], np.int64)
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    names = [name for s in sequences for name in s]
    codes = np.searchsorted(spec.names, np.asarray(names, dtype=object))
    return sequence_hashes(codes.astype(np.int32), offsets)
