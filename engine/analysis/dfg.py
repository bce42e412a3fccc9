"""The directly-follows graph: edge counts and edge durations."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..kernels.dfg import edge_aggregate, number_edges, pair_keys
from ..kernels.stats import MAX, MEAN, MEDIAN, MIN, P90, STDEV, segment_stats
from .segments import sort_segments

if TYPE_CHECKING:
    from ..log.eventlog import EventLog

#: Largest activity alphabet for which edge keys are counted in a dense table.
DENSE_LIMIT = 1 << 22

EDGE_COLUMNS = (
    "source",
    "target",
    "frequency",
    "cases",
    "mean_s",
    "median_s",
    "p90_s",
    "min_s",
    "max_s",
    "stdev_s",
)


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
    narrow = n_act * n_act <= np.iinfo(np.int32).max
    keys = pair_keys(
        log.activity, log.case_offsets, n_act, np.empty(0, np.int32 if narrow else np.int64)
    )
    if n_act * n_act <= DENSE_LIMIT:
        edge_keys = number_edges(keys, n_act * n_act)  # keys become edge ids, in place
        edge_ids = keys
    else:
        edge_keys, edge_ids = np.unique(keys, return_inverse=True)
    del keys
    start = log.start_timestamp if log.start_timestamp is not None else log.timestamp
    frequency, cases, durations, offsets = edge_aggregate(
        edge_ids, log.timestamp, start, log.case_offsets, len(edge_keys)
    )
    sort_segments(durations, offsets)
    stats = segment_stats(durations, offsets)
    source = (edge_keys // max(n_act, 1)).astype(np.int32)
    target = (edge_keys % max(n_act, 1)).astype(np.int32)
    order = np.lexsort((target, source, -frequency))
    return Edges(source[order], target[order], frequency[order], cases[order], stats[:, order])


def edges_frame(log: EventLog) -> pd.DataFrame:
    """One row per edge: the columns of `EDGE_COLUMNS`."""
    edges = log._cached("edges", compute_edges)
    names = log.activity_names
    data = {
        "source": pd.Series(names[edges.source], dtype="str"),
        "target": pd.Series(names[edges.target], dtype="str"),
        "frequency": edges.frequency.copy(),
        "cases": edges.cases.copy(),
    }
    for column, row in zip(EDGE_COLUMNS[4:], (MEAN, MEDIAN, P90, MIN, MAX, STDEV), strict=True):
        data[column] = edges.stats[row].copy()
    return pd.DataFrame(data)
