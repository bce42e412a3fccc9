"""Simplification by journeys covered: keep the most frequent variants, and count the paths
and activities of just those journeys.

Everything here works on a variants table (`log.variants()` or a `variants.parquet` read
back), so a process map or a model can be simplified at any log size, and the report can be
rebuilt from the output files alone. Counts are exact: a variant followed by `frequency`
journeys contributes its steps `frequency` times.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from ..errors import InputError


def keep_variants(
    variants: pd.DataFrame, *, top: int | None = None, coverage: float | None = None
) -> pd.DataFrame:
    """The most frequent variants: the first `top`, or the fewest that together cover at
    least `coverage` (0-1] of the journeys. Expects variants most frequent first, as
    `log.variants()` returns them; with neither option, all of them."""
    if top is not None and coverage is not None:
        raise InputError("give top= or coverage=, not both")
    if top is not None:
        if top < 1:
            raise InputError(f"top must be a positive number of variants; got {top}")
        return variants.iloc[:top]
    if coverage is not None:
        if not 0 < coverage <= 1:
            raise InputError(f"coverage must be a share of journeys in (0, 1]; got {coverage}")
        frequency = variants["frequency"].to_numpy()
        covered = np.cumsum(frequency)
        # The fewest variants whose journeys reach the share (a tolerance for 0.8 * n).
        needed = int(np.searchsorted(covered, coverage * covered[-1] - 1e-9)) + 1
        return variants.iloc[: min(needed, len(variants))]
    return variants


@dataclass(frozen=True)
class VariantCounts:
    """Directly-follows counts of the journeys in a variants table.

    edges: source, target, frequency (times the step occurs), cases (journeys with it),
        most frequent first; activities: activity, frequency (events), cases, start, end;
    window_two: (a, c) -> events two steps apart; loops_two: (a, b) -> occurrences of the
        pattern a, b, a with a != b (the heuristics miner's short loops); journeys: total.
    """

    edges: pd.DataFrame
    activities: pd.DataFrame
    window_two: dict[tuple[str, str], int]
    loops_two: dict[tuple[str, str], int]
    journeys: int


def variant_counts(variants: pd.DataFrame) -> VariantCounts:
    """Exact path and activity counts of the journeys that follow the given variants."""
    coded = _coded(variants)
    names, codes, weights, lengths, variant = (
        np.asarray(coded.names, dtype=object),
        coded.codes,
        coded.weights,
        coded.lengths,
        coded.variant,
    )
    n = max(len(names), 1)
    weight = weights[variant]
    first = np.cumsum(lengths) - lengths

    def steps(gap: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Codes of events `gap` steps apart within one variant, and that variant."""
        if len(codes) <= gap:
            return codes[:0], codes[:0], variant[:0]
        same = variant[gap:] == variant[:-gap]
        return codes[:-gap][same], codes[gap:][same], variant[:-gap][same]

    def named_pairs(keys: np.ndarray, counts: np.ndarray) -> dict[tuple[str, str], int]:
        return {(names[k // n], names[k % n]): int(c) for k, c in zip(keys, counts, strict=True)}

    def counted(keys: np.ndarray, owner: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        unique, inverse = np.unique(keys, return_inverse=True)
        return unique, np.bincount(inverse, weights=weights[owner], minlength=len(unique))

    source, target, owner = steps(1)
    keys = source * n + target
    edge_keys, frequency = counted(keys, owner)
    per_journey = np.unique(keys * len(lengths) + owner) if keys.size else keys
    _, cases = counted(per_journey // len(lengths), per_journey % len(lengths))
    edges = pd.DataFrame(
        {
            "source": pd.Series(names[edge_keys // n], dtype="str"),
            "target": pd.Series(names[edge_keys % n], dtype="str"),
            "frequency": frequency.astype(np.int64),
            "cases": cases.astype(np.int64),
        }
    )
    edges = edges.sort_values(
        ["frequency", "source", "target"], ascending=[False, True, True], ignore_index=True
    )

    events = np.bincount(codes, weights=weight, minlength=len(names))
    holders = np.unique(variant * n + codes) if codes.size else codes
    in_cases = np.bincount(holders % n, weights=weights[holders // n], minlength=len(names))
    nonempty = lengths > 0
    starts = np.bincount(codes[first[nonempty]], weights=weights[nonempty], minlength=len(names))
    ends = np.bincount(
        codes[(first + lengths - 1)[nonempty]], weights=weights[nonempty], minlength=len(names)
    )
    activities = pd.DataFrame(
        {
            "activity": pd.Series(names, dtype="str"),
            "frequency": events.astype(np.int64),
            "cases": in_cases.astype(np.int64),
            "start": starts.astype(np.int64),
            "end": ends.astype(np.int64),
        }
    ).sort_values(["frequency", "activity"], ascending=[False, True], ignore_index=True)

    first_of_three, last_of_three, owner2 = steps(2)
    w2_keys, w2_counts = counted(first_of_three * n + last_of_three, owner2)
    window_two = named_pairs(w2_keys, w2_counts)
    middle = codes[1:-1][variant[2:] == variant[:-2]] if len(codes) > 2 else codes[:0]
    loop = (first_of_three == last_of_three) & (first_of_three != middle)
    l2_keys, l2_counts = counted(first_of_three[loop] * n + middle[loop], owner2[loop])
    loops_two = named_pairs(l2_keys, l2_counts)
    return VariantCounts(edges, activities, window_two, loops_two, int(weights.sum()))


def journeys_within(
    variants: pd.DataFrame, activities: pd.Series | list[str], edges: pd.DataFrame
) -> int:
    """The journeys of `variants` whose every activity is one of `activities` and every
    step (from one activity to the next) one of `edges` (source, target): those a map of
    just these activities and edges draws whole."""
    coded = _coded(variants)
    names, codes, weights, lengths, variant = (
        coded.names,
        coded.codes,
        coded.weights,
        coded.lengths,
        coded.variant,
    )
    n = max(len(names), 1)
    kept = np.zeros(n, dtype=bool)
    found = names.get_indexer(pd.Index(list(activities), dtype=object))
    kept[found[found >= 0]] = True
    source = names.get_indexer(pd.Index(list(edges["source"]), dtype=object))
    target = names.get_indexer(pd.Index(list(edges["target"]), dtype=object))
    known = (source >= 0) & (target >= 0)
    kept_steps = np.unique(source[known] * n + target[known])
    same = variant[1:] == variant[:-1]
    missing_step = same & ~np.isin(codes[:-1] * n + codes[1:], kept_steps)
    broken = np.bincount(variant[~kept[codes]], minlength=len(lengths))
    broken += np.bincount(variant[:-1][missing_step], minlength=len(lengths))
    return int(weights[broken == 0].sum())


@dataclass(frozen=True)
class _CodedVariants:
    """A variants table's events end to end: activity codes into `names`, each variant's
    journeys (`weights`) and length, and the variant of each event."""

    names: pd.Index
    codes: np.ndarray
    weights: np.ndarray
    lengths: np.ndarray
    variant: np.ndarray


def _coded(variants: pd.DataFrame) -> _CodedVariants:
    lists = _list_array(variants["variant"])
    lengths = np.diff(np.asarray(lists.offsets))
    encoded = lists.flatten().dictionary_encode()
    return _CodedVariants(
        names=pd.Index(encoded.dictionary.to_pylist(), dtype=object),
        codes=np.asarray(encoded.indices, dtype=np.int64),
        weights=variants["frequency"].to_numpy(dtype=np.int64),
        lengths=lengths,
        variant=np.repeat(np.arange(len(lengths)), lengths),
    )


def _list_array(column: pd.Series) -> pa.ListArray:
    """The variants column as one Arrow list<string> array (from Arrow or Python lists)."""
    try:
        array = pa.array(column, type=pa.list_(pa.string()))
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise InputError(
            f"column 'variant' must hold lists of activity names ({exc}); pass the table "
            "that log.variants() returns or variants.parquet read back"
        ) from None
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if array.null_count:
        raise InputError("column 'variant' has missing lists; pass log.variants() unchanged")
    return array
