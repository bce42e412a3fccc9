"""Pause Python's cyclic garbage collector while parcours loads code or reads a log.

A process's first read_log, dfg() and variants() import pandas, pyarrow and numba and load
compiled kernels: hundreds of thousands of container objects, all of which live on.
CPython's collector rescans the live objects each time enough new ones pile up, and finds
nothing to free: 0.06-0.1 s of a first read + DFG + variants on a 2-core machine
(benchmarks/compare.py's fresh process). The collector is paused for the call only and
restored after it, as timeit does; reference counting frees memory as usual meanwhile, and
cycles wait for the next collection.
"""

from __future__ import annotations

import functools
import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


@contextmanager
def gc_paused() -> Iterator[None]:
    """The collector off inside the block, as it was after it. Nested or concurrent
    blocks leave it to the outermost one that found it on."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def with_gc_paused(function: Callable[P, R]) -> Callable[P, R]:
    """`function` run inside gc_paused; its name, docstring and signature kept."""

    @functools.wraps(function)
    def paused(*args: P.args, **kwargs: P.kwargs) -> R:
        with gc_paused():
            return function(*args, **kwargs)

    return paused
