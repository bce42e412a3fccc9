"""Exact medians and p90 for the tables of a log given as parts (the Dask backend), where
feasible: a second round over the parts fetches only the values of the sketch buckets
that hold the needed ranks (engine.kernels.refine), when they are few enough
(`EXACT_LIMIT`); otherwise the caller keeps the sketch's values, within 0.5 %.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..kernels.refine import exact_median_p90, rank_entries, values_in_entries
from ..kernels.sketch import SKETCH_WIDTH

#: Most values that may travel from the parts to the client for one table's exact
#: quantiles (16 bytes each): past it the sketches' quantiles are kept.
EXACT_LIMIT = 20_000_000


def exact_quantiles(
    sketch: tuple[np.ndarray, np.ndarray],
    n_groups: int,
    reduce: Callable[..., Any],
    values_of: Callable[..., tuple[np.ndarray, np.ndarray]],
    *args: Any,
    groups: np.ndarray | None = None,
) -> np.ndarray | None:
    """(2, n_groups): exact median and p90 (seconds) of every group of the merged sparse
    `sketch`, or of `groups` only (NaN elsewhere); None when more than EXACT_LIMIT values
    would have to travel. `values_of(part_log, *args)` gives a part's values (int64 ns)
    grouped by the same group numbers (CSR: values, offsets)."""
    entries, counts = sketch
    if groups is not None:
        kept = np.isin(entries // SKETCH_WIDTH, groups)
        entries, counts = entries[kept], counts[kept]
    entry, within, size = rank_entries(entries, counts, n_groups)
    wanted = np.unique(entry[entry >= 0])
    expected = counts[np.searchsorted(entries, wanted)]
    if expected.sum() > EXACT_LIMIT:
        return None
    if wanted.size == 0:
        return np.full((2, n_groups), np.nan)
    picked = reduce(pick_values, concatenate_picks, values_of, wanted, *args)
    got_entries, got_values = picked if picked is not None else (np.zeros(0, np.int64),) * 2
    order = np.lexsort((got_values, got_entries))
    got_entries, got_values = got_entries[order], got_values[order]
    present, n = np.unique(got_entries, return_counts=True)
    if not (np.array_equal(present, wanted) and np.array_equal(n, expected)):
        raise RuntimeError(
            "the parts' values disagree with their merged sketch (a part changed between "
            "the two rounds); please report this"
        )
    return exact_median_p90(entry, within, size, got_entries, got_values)


def pick_values(
    log: Any, values_of: Callable[..., Any], wanted: np.ndarray, *args: Any
) -> tuple[np.ndarray, np.ndarray]:
    """A part's values in the `wanted` sketch entries: (entries, values)."""
    values, offsets = values_of(log, *args)
    return values_in_entries(values, offsets, wanted)


def concatenate_picks(
    parts: list[tuple[np.ndarray, np.ndarray] | None],
) -> tuple[np.ndarray, np.ndarray] | None:
    parts = [p for p in parts if p is not None]
    if not parts:
        return None
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


class QuantileCache:
    """`exact_quantiles` per table (and groups), computed once over `reduce`'s parts;
    `methods` says for each table whether its quantiles are "exact" or from the
    "sketch" (within 0.5 %)."""

    def __init__(self, reduce: Callable[..., Any]) -> None:
        self.reduce = reduce
        self.methods: dict[str, str] = {}
        self._done: dict[tuple[str, bytes | None], np.ndarray | None] = {}

    def get(
        self,
        table: str,
        sketch: tuple[np.ndarray, np.ndarray],
        n_groups: int,
        values_of: Callable[..., tuple[np.ndarray, np.ndarray]],
        *args: Any,
        groups: np.ndarray | None = None,
    ) -> np.ndarray | None:
        key = (table, None if groups is None else np.asarray(groups).tobytes())
        if key not in self._done:
            found = exact_quantiles(sketch, n_groups, self.reduce, values_of, *args, groups=groups)
            self._done[key] = found
            self.methods[table] = "sketch" if found is None else "exact"
        return self._done[key]
