"""Prepare grouped values for the statistics kernels, in place, on all cores.

The statistics (kernels.stats) read each group at a few sorted positions: the first and
last, the two around the median and the two around the 90th percentile. Short groups are
sorted by a numba kernel; long ones are only partitioned by numpy at those positions
(`np.partition`, linear time), which puts exactly those values where a full sort would.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numba
import numpy as np

from ..kernels.stats import SMALL_SEGMENT, sort_small_segments

#: Long groups are handed out in batches of about this many values per thread task.
_BATCH = 1 << 20


def sort_segments(values: np.ndarray, offsets: np.ndarray) -> None:
    """Put, in place, the values the statistics read at their sorted positions in every
    group values[offsets[g]:offsets[g+1]] (short groups are fully sorted)."""
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
            group = values[offsets[g] : offsets[g + 1]]
            group.partition(order_positions(len(group)))  # numpy releases the GIL here

    workers = min(len(batches), numba.get_num_threads())
    if workers <= 1:
        for batch in batches:
            run(batch)
        return
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(run, batches))


def order_positions(n: int) -> list[int]:
    """The sorted positions kernels.stats reads in a group of `n` values: first, last, the
    median's one or two, and p90's two (numpy's linear interpolation: q · (n − 1))."""
    p90 = int(np.floor(0.9 * (n - 1)))
    wanted = {0, n - 1, n // 2, max(n // 2 - 1, 0), p90, min(p90 + 1, n - 1)}
    return sorted(wanted)
