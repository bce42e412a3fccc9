"""Numba threads inside dask workers: as many as the worker runs tasks with, not one per
core each, so that workers sharing a machine do not oversubscribe it."""

from __future__ import annotations

import numba


def match_worker_threads() -> None:
    try:
        from distributed import get_worker

        threads = get_worker().state.nthreads
    except (ImportError, ValueError, AttributeError):
        return
    numba.set_num_threads(max(1, min(threads, numba.config.NUMBA_NUM_THREADS)))
