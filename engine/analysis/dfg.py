"""The directly-follows graph: edge counts and edge durations."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numba
import numpy as np

from ..kernels.dfg import edge_aggregate, pair_keys
from ..kernels.edgestats import N_BUCKETS, edge_stats
from ..kernels.grouping import case_chunks, chunk_count
from ..kernels.stats import (
    MEAN,
    STDEV,
    group_order_stats,
    group_stdev,
    segment_stats,
)
from ..kernels.steps import PAIR_COUNT, PAIR_JOURNEYS, pair_counts, pair_durations
from ..sorting import sort_segments

if TYPE_CHECKING:
    from ..log.eventlog import EventLog

#: Largest activity alphabet for which edge keys are counted in a dense table.
DENSE_LIMIT = 1 << 22
#: Largest histogram (edge keys x buckets, int32) one thread fills in the first pass of
#: kernels.edgestats; larger alphabets group every duration by edge instead ...
HISTOGRAM_LIMIT = 1 << 22
#: ... and fewer threads fill one each when all of them would exceed this (512 MB).
HISTOGRAMS_LIMIT = 1 << 27


@dataclass(frozen=True)
class Edges:
    """Edges in reporting order (frequency descending, then source and target names)."""

    source: np.ndarray  # int32 activity codes
    target: np.ndarray
    frequency: np.ndarray  # int64
    cases: np.ndarray  # int64
    stats: np.ndarray  # float64 (7, n_edges), seconds; rows named in kernels.stats


def compute_edges(log: EventLog) -> Edges:
    n_act = len(log.activity_names)
    start = log.start_timestamp if log.start_timestamp is not None else log.timestamp
    if n_act * n_act * N_BUCKETS <= HISTOGRAM_LIMIT and log.n_events < 1 << 31:
        edge_keys, frequency, cases, stats = _histogram_edges(log, start)
    elif n_act * n_act <= DENSE_LIMIT:
        edge_keys, frequency, cases, stats = _dense_edges(log)
    else:
        edge_keys, frequency, cases, stats = _sparse_edges(log, start, n_act)
    source = (edge_keys // max(n_act, 1)).astype(np.int32)
    target = (edge_keys % max(n_act, 1)).astype(np.int32)
    order = np.lexsort((target, source, -frequency))
    return Edges(source[order], target[order], frequency[order], cases[order], stats[:, order])


def _histogram_edges(log: EventLog, start: np.ndarray) -> tuple[np.ndarray, ...]:
    """Two parallel passes over the events (kernels.edgestats): no duration is stored
    but the few near each edge's median and p90."""
    blocks, runs = edge_blocks(log.n_cases, log.n_activities)
    return edge_stats(
        log.activity, log.case_offsets, log.timestamp, start, log.n_activities, blocks, runs
    )


def edge_blocks(n_cases: int, n_activities: int) -> tuple[np.ndarray, np.ndarray]:
    """kernels.edgestats' blocks of cases (fixed by the log, so that no figure depends
    on the threads) and its runs of blocks, one per thread (within HISTOGRAMS_LIMIT)."""
    n_keys = n_activities * n_activities
    n_blocks = chunk_count(n_cases, n_keys)
    n_runs = min(
        numba.get_num_threads(), n_blocks, max(1, HISTOGRAMS_LIMIT // (n_keys * N_BUCKETS))
    )
    return case_chunks(n_cases, n_blocks), case_chunks(n_blocks, n_runs)


def _dense_edges(log: EventLog) -> tuple[np.ndarray, ...]:
    """Two parallel passes over the events counting into a table of every possible edge
    key; the median and p90 are selected, not sorted for (kernels.stats)."""
    counts, durations, offsets, _ = pair_step_counts(log, np.full(log.n_cases, -1, np.int64))
    edge_keys = np.flatnonzero(counts[PAIR_COUNT])
    stats = group_order_stats(durations, offsets)
    stats[STDEV] = group_stdev(durations, offsets, stats[MEAN])
    # Without conversions, a pair's journeys are the distinct cases taking it.
    frequency, cases = counts[PAIR_COUNT, edge_keys], counts[PAIR_JOURNEYS, edge_keys]
    return edge_keys, frequency, cases, stats[:, edge_keys]


def pair_step_counts(
    log: EventLog,
    converted_at: np.ndarray,
    activity: np.ndarray | None = None,
    n_activities: int | None = None,
    eligible: np.ndarray | None = None,
    *,
    durations: bool = True,
) -> tuple[np.ndarray, ...]:
    """Every directly-follows step of the log, keyed in a table of all n_activities**2
    keys, its cases split into runs counted in parallel (kernels.steps.pair_counts, then
    pair_durations): (counts, durations, key_offsets, reach). `converted_at` per case as
    pair_counts takes it (-1 everywhere: no conversion). `activity` and `n_activities`
    replace the log's codes (e.g. by codes of a larger, shared alphabet); `eligible`
    (bool per activity code) the targets whose journeys the reach counts (none by
    default). Without `durations`, durations and key_offsets are None (no second pass:
    at 100M events the durations take 600 MB)."""
    act = log.activity if activity is None else activity
    n_act = log.n_activities if n_activities is None else n_activities
    if eligible is None:
        eligible = np.zeros(n_act, dtype=bool)
    runs = chunk_count(log.n_cases, n_act * n_act)
    run_counts, reach = pair_counts(act, log.case_offsets, n_act, converted_at, eligible, runs)
    if not durations:
        return run_counts.sum(axis=0), None, None, reach
    start = log.start_timestamp if log.start_timestamp is not None else log.timestamp
    values, key_offsets = pair_durations(
        act, log.case_offsets, log.timestamp, start, n_act, run_counts
    )
    return run_counts.sum(axis=0), values, key_offsets, reach


def _sparse_edges(log: EventLog, start: np.ndarray, n_act: int) -> tuple[np.ndarray, ...]:
    """Alphabets too large for a table of every key: the keys present, via np.unique."""
    keys = pair_keys(log.activity, log.case_offsets, n_act, np.empty(0, np.int64))
    edge_keys, edge_ids = np.unique(keys, return_inverse=True)
    del keys
    frequency, cases, durations, offsets = edge_aggregate(
        edge_ids, log.timestamp, start, log.case_offsets, len(edge_keys)
    )
    sort_segments(durations, offsets)
    return edge_keys, frequency, cases, segment_stats(durations, offsets)
