"""Order grouped values in place: short groups sorted in a numba kernel, long ones with
numpy's vectorized sort or partition (several times faster than a compiled loop), on all
cores."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numba
import numpy as np

from ..kernels.stats import SMALL_SEGMENT, sort_small_segments

#: Long groups are handed out in batches of about this many values per thread task.
_BATCH = 1 << 20


def sort_segments(values: np.ndarray, offsets: np.ndarray) -> None:
    """Sort values[offsets[g]:offsets[g+1]] for every group g, in place."""
    _order_segments(values, offsets, np.ndarray.sort)


def place_medians(values: np.ndarray, offsets: np.ndarray) -> None:
    """Put the one or two middle values of every group where sorting would, in place,
    so that stats.median_sorted reads the group's exact median: a long group is only
    partitioned around them (linear time), not sorted."""
    _order_segments(values, offsets, _partition_middle)


def _partition_middle(group: np.ndarray) -> None:
    n = len(group)
    group.partition([n // 2 - 1, n // 2] if n % 2 == 0 else [n // 2])


def _order_segments(
    values: np.ndarray, offsets: np.ndarray, order_long: Callable[[np.ndarray], None]
) -> None:
    sort_small_segments(values, offsets, SMALL_SEGMENT)
    sizes = np.diff(offsets)
    long_groups = np.flatnonzero(sizes > SMALL_SEGMENT)
    if long_groups.size == 0:
        return
    batches: list[list[int]] = [[]]
    filled = 0
    for g in long_groups:
        batches[-1].append(int(g))
        filled += int(sizes[g])
        if filled >= _BATCH:
            batches.append([])
            filled = 0

    def run(batch: list[int]) -> None:
        for g in batch:
            order_long(values[offsets[g] : offsets[g + 1]])  # numpy releases the GIL here

    workers = min(len(batches), numba.get_num_threads())
    if workers <= 1:
        for batch in batches:
            run(batch)
        return
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(run, batches))
