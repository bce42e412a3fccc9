"""The roofline: the fastest pass over a built log's arrays that still computes a DFG.

One plain numba streaming pass over the activity codes, timestamps and case offsets,
parallel over runs of cases with a table of every edge key per run: how often each pair
occurs and the sum of its durations. Nothing is grouped, sorted or selected, so no exact
directly-follows graph (distinct cases, median, p90, stdev) can be computed faster; the
engine's kernels are measured against it.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numba
import numpy as np
from numba import prange


@numba.njit(cache=True, nogil=True, parallel=True)
def streaming_pass(act, ts, offsets, n_activities, n_runs):
    """(pair count, summed duration in ns) per edge key a * n_activities + b."""
    n_cases = offsets.shape[0] - 1
    n_keys = n_activities * n_activities
    count = np.zeros((n_runs, n_keys), np.int64)
    total = np.zeros((n_runs, n_keys), np.int64)
    for r in prange(n_runs):
        for c in range(r * n_cases // n_runs, (r + 1) * n_cases // n_runs):
            for i in range(offsets[c], offsets[c + 1] - 1):
                key = np.int64(act[i]) * n_activities + act[i + 1]
                count[r, key] += 1
                total[r, key] += ts[i + 1] - ts[i]
    return count.sum(axis=0), total.sum(axis=0)


def roofline(log) -> tuple[np.ndarray, np.ndarray]:
    """The streaming pass over `log` (an engine.EventLog), on all of numba's threads."""
    return streaming_pass(
        log.activity, log.timestamp, log.case_offsets, log.n_activities, numba.get_num_threads()
    )


def median_seconds(functions: dict[str, Callable[[], object]], repeat: int = 7) -> dict:
    """Median wall time of each of `functions` over `repeat` rounds, after one untimed
    call each. Every round calls each function once, in turn, so that a machine whose
    speed drifts during the measurement (a shared virtual machine) slows all of them
    alike and their ratios stay fair."""
    for function in functions.values():
        function()
    times: dict[str, list[float]] = {name: [] for name in functions}
    for _ in range(repeat):
        for name, function in functions.items():
            start = time.perf_counter()
            function()
            times[name].append(time.perf_counter() - start)
    return {name: float(np.median(taken)) for name, taken in times.items()}


def kernel_seconds(log, repeat: int = 7) -> dict[str, float]:
    """Median seconds of the roofline and of the engine on the same built log: the DFG
    with its exact durations and the variants as analyses (caches cleared before each),
    then the single kernels that make their passes over the events."""
    from engine.analysis.dfg import edge_blocks
    from engine.analysis.variants import variant_id_type
    from engine.kernels.edgestats import COUNT, edge_counts, keep_near_ranks, plan_selection
    from engine.kernels.variants import assign_variants, sequence_hashes

    def analysis(name: str):
        def run() -> None:
            log._cache.clear()
            getattr(log, name)()

        return run

    act, offsets, ts, n_act = log.activity, log.case_offsets, log.timestamp, log.n_activities
    events = (act, offsets, ts, ts, n_act, *edge_blocks(log.n_cases, n_act))
    state, histogram = edge_counts(*events)
    keys = np.flatnonzero(state[:, :, COUNT].sum(axis=0))
    _, wanted, _, cursors, kept_offsets = plan_selection(state, histogram, keys)
    selection = (wanted, cursors, np.zeros(n_act * n_act), kept_offsets[-1])
    hashes = sequence_hashes(act, offsets)
    ids = variant_id_type(log.n_cases)
    threads = numba.get_num_threads()
    passes = {
        "roofline": lambda: roofline(log),
        "dfg+performance": analysis("dfg"),
        "variants": analysis("variants"),
        "kernel edgestats.edge_counts": lambda: edge_counts(*events),
        "kernel edgestats.keep_near_ranks": lambda: keep_near_ranks(*events, *selection),
        "kernel variants.sequence_hashes": lambda: sequence_hashes(act, offsets),
        "kernel variants.assign_variants": lambda: assign_variants(
            act, offsets, hashes, ids, threads
        ),
    }
    return median_seconds(passes, repeat)
