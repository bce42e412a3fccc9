"""The roofline: the fastest pass over a built log's arrays that still computes a DFG.

One plain numba streaming pass over the activity codes, timestamps and case offsets,
parallel over runs of cases with a table of every edge key per run: how often each pair
occurs and the sum of its durations. Nothing is grouped, sorted or selected, so no exact
directly-follows graph (distinct cases, median, p90, stdev) can be computed faster; the
engine's kernels are measured against it.
"""

from __future__ import annotations

import time

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


def median_seconds(function, repeat: int = 7) -> float:
    """Median wall time of `function()` over `repeat` calls, after one untimed call."""
    function()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


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
    return {
        "roofline": median_seconds(lambda: roofline(log), repeat),
        "dfg+performance": median_seconds(analysis("dfg"), repeat),
        "variants": median_seconds(analysis("variants"), repeat),
        "kernel edgestats.edge_counts": median_seconds(lambda: edge_counts(*events), repeat),
        "kernel edgestats.keep_near_ranks": median_seconds(
            lambda: keep_near_ranks(*events, *selection), repeat
        ),
        "kernel variants.sequence_hashes": median_seconds(
            lambda: sequence_hashes(act, offsets), repeat
        ),
        "kernel variants.assign_variants": median_seconds(
            lambda: assign_variants(act, offsets, hashes, ids, threads), repeat
        ),
    }
