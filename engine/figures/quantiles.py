"""Where a figure's duration statistics come from: its chunk keeps the durations
themselves on one machine (`Grouped`: exact medians and p90, as numpy computes them), or
mergeable moments and a sketch on a log given as parts (engine.analysis.moments.Moments:
exact counts, sums and extremes; medians and p90 exact where a second round over the
parts is feasible, engine.analysis.exact, else from the sketch, within 0.5 %).

A figure's finalize takes a `QuantileSource` and asks it for the statistics of its keys;
it never needs to know which backend it runs on."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..analysis.exact import QuantileCache
from ..analysis.moments import Moments, empty_moments, moment_stats, moments_of, regroup_moments
from ..kernels.sketch import SKETCH_WIDTH
from ..kernels.stats import group_order_stats


@dataclass
class Grouped:
    """Durations (int64 ns) grouped by key, CSR: the one-machine chunk's, kept whole."""

    values: np.ndarray
    offsets: np.ndarray


Durations = Grouped | Moments


def durations_of(
    values: np.ndarray, offsets: np.ndarray, cases: np.ndarray, whole: bool
) -> Durations:
    """A chunk's grouped durations (`cases`: distinct cases per key): kept whole when the
    part is the whole log (`QuantileSource.whole`), else as mergeable moments. Chunks take
    the flag, not the source, which holds the client of a cluster."""
    return Grouped(values, offsets) if whole else moments_of(values, offsets, cases)


class QuantileSource:
    """Exact statistics from the durations (`cache` None: one machine, one part), or
    from merged moments with medians and p90 from `cache` (the parts' second round)."""

    def __init__(self, cache: QuantileCache | None = None) -> None:
        self.cache = cache

    @property
    def whole(self) -> bool:
        """Whether the chunks see the whole log (and keep the durations themselves)."""
        return self.cache is None

    @property
    def methods(self) -> dict[str, str]:
        """Per table so far: "exact", or "sketch" (within 0.5 %)."""
        return {} if self.cache is None else dict(self.cache.methods)

    def stats(
        self,
        table: str,
        durations: Durations,
        keys: np.ndarray | None,
        values_of: Callable[..., tuple[np.ndarray, np.ndarray]],
        *args: Any,
        groups: np.ndarray | None = None,
    ) -> np.ndarray:
        """kernels.stats' rows (MEAN ... SUM, seconds) for the sorted `keys` (None: all);
        `values_of(part, *args)` gives a part's durations grouped by key, for the exact
        round of merged moments. STDEV is NaN for grouped durations (as group_order_stats)."""
        if isinstance(durations, Grouped):
            stats = group_order_stats(durations.values, durations.offsets)
            return stats if keys is None else stats[:, keys]
        n_keys = len(durations.frequency)
        exact_values = self.cache.get(
            table, durations.sketch, n_keys, values_of, *args, groups=groups
        )
        return moment_stats(durations, np.arange(n_keys) if keys is None else keys, exact_values)


def quantile_source(log: Any) -> QuantileSource:
    """The log's quantile source: a log given as parts has a quantile cache (its second
    round over the parts), an EventLog none (its one part keeps the durations)."""
    return QuantileSource(getattr(log, "quantile_cache", None))


def regroup(durations: Durations, group_of_key: np.ndarray, n_groups: int) -> Durations:
    """The durations of consecutive keys pooled, `group_of_key` nondecreasing (e.g. moves
    by their source stage)."""
    if isinstance(durations, Grouped):
        starts = np.searchsorted(group_of_key, np.arange(n_groups + 1))
        return Grouped(durations.values, np.ascontiguousarray(durations.offsets[starts]))
    return regroup_moments(durations, group_of_key, n_groups)


def reindex(m: Moments, where: np.ndarray, n_keys: int) -> Moments:
    """Moments keyed 0..len(where)-1 moved to keys `where` of `n_keys` (e.g. segments by
    name into the merged names), so that combine_moments lines them up."""
    out = empty_moments(n_keys)
    for field in ("frequency", "cases", "whole_s", "rest_ns", "low", "high", "mean_s", "m2"):
        getattr(out, field)[where] = getattr(m, field)
    entries, counts = m.sketch
    moved = where[entries // SKETCH_WIDTH] * SKETCH_WIDTH + entries % SKETCH_WIDTH
    order = np.argsort(moved, kind="stable")
    out.sketch = (moved[order], counts[order])
    return out
