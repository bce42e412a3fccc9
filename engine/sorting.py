"""Order values in place on all cores: groups of values (short groups sorted in a numba
kernel, long ones with numpy's vectorized sort or partition, several times faster than a
compiled loop), and one long array sorted in parts.

numpy's sort runs on one thread: at 100M events the sort of the case words was the
largest serial step of reading a log (4-6 s). `sort_in_parts` first partitions the array
in place around sampled pivots into one part per thread, every part below the next, then
numpy sorts the parts side by side (it releases the GIL). The result is the one
`values.sort()` gives, for any number of threads, with no memory beyond the values.
"""

from __future__ import annotations

from collections.abc import Callable

import numba
import numpy as np

from .kernels.ordering import partition_words
from .kernels.stats import SMALL_SEGMENT, sort_small_segments
from .threads import map_in_threads

#: Long groups are handed out in batches of about this many values per thread task.
_BATCH = 1 << 20
#: Below this many values one sort is as fast as partitioning first.
PARALLEL_FROM = 1 << 21
#: Values sampled to choose a pivot: its rank is then typically within 1 % of the middle.
_SAMPLE = 4095


def sort_segments(values: np.ndarray, offsets: np.ndarray) -> None:
    """Sort values[offsets[g]:offsets[g+1]] for every group g, in place."""
    _order_segments(values, offsets, np.ndarray.sort)


def sort_in_parts(
    values: np.ndarray, *, parts: int | None = None, parallel_from: int = PARALLEL_FROM
) -> None:
    """Sort `values` in place, in `parts` parts (default: one per thread)."""
    parts = numba.get_num_threads() if parts is None else parts
    if parts <= 1 or len(values) < max(parallel_from, 2):
        values.sort()
        return
    bounds = [0, len(values)]
    while len(bounds) - 1 < parts:
        # Split the largest part at the median of a sample of its values.
        widest = int(np.argmax(np.diff(bounds)))
        start, end = bounds[widest], bounds[widest + 1]
        part = values[start:end]
        sample = np.sort(part[:: max(1, len(part) // _SAMPLE)])
        split = start + int(partition_words(part, sample[len(sample) // 2]))
        if split in (start, end):  # the part's values are (nearly) all equal
            break
        bounds.insert(widest + 1, split)
    sort_segments(values, np.array(bounds, np.int64))


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

    map_in_threads(run, batches)
