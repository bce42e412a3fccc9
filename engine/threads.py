"""Run a function over independent pieces of work (a column's chunks, groups of values)
on as many threads as numba uses, in input order.

The functions are numba kernels compiled with nogil, or numpy and Arrow calls, which also
release the GIL, so the threads run side by side. One thread (NUMBA_NUM_THREADS=1, or a
single piece) runs the pieces in this thread, with no pool at all.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import numba

T = TypeVar("T")
R = TypeVar("R")


def map_in_threads(function: Callable[[T], R], pieces: Sequence[T]) -> list[R]:
    """[function(p) for p in pieces], computed on up to numba.get_num_threads() threads."""
    workers = min(len(pieces), numba.get_num_threads())
    if workers <= 1:
        return [function(piece) for piece in pieces]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(function, pieces))
