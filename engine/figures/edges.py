"""The directly-follows graph (the edge table) as a reduction.

One machine: the chunk is the log's edges as analysis/dfg.py counts them (a histogram, a
dense or a sparse pass, whichever fits the alphabet), with exact statistics, kept on the
log for the other figures. Parts: per edge key of the whole log's alphabet, mergeable
moments (exact counts, sums, extremes and standard deviation) and a sketch, whose medians
and p90 are made exact by a second round where feasible (engine.analysis.exact)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..analysis.dfg import Edges, compute_edges, pair_step_counts
from ..analysis.moments import Moments, combine_moments, moments_of
from ..kernels.stats import MAX, MEAN, MEDIAN, MIN, P90, STDEV
from ..kernels.steps import PAIR_JOURNEYS
from ..schema import FLOAT, INT, TEXT, table_schema
from .context import global_codes, table_reduce
from .order import warn_about_the_log
from .quantiles import QuantileSource, quantile_source

if TYPE_CHECKING:
    from ..log.eventlog import EventLog

EDGE_SCHEMA = table_schema(
    source=TEXT,
    target=TEXT,
    frequency=INT,
    cases=INT,
    mean_s=FLOAT,
    median_s=FLOAT,
    p90_s=FLOAT,
    min_s=FLOAT,
    max_s=FLOAT,
    stdev_s=FLOAT,
)
EDGE_COLUMNS = tuple(EDGE_SCHEMA.names)


def chunk(part: EventLog, names: np.ndarray, whole: bool) -> Edges | Moments:
    """A whole log's Edges (computed once), or a part's Moments per edge key
    (source * len(names) + target)."""
    if whole:
        return part.cache("edges", compute_edges)
    counts, durations, offsets = _pair_steps(part, names)
    return moments_of(durations, offsets, counts[PAIR_JOURNEYS])  # distinct cases here


combine = combine_moments


def edge_durations(part: EventLog, names: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A part's directly-follows durations grouped by edge key over the sorted `names`
    (CSR): the values of the exact round."""
    return _pair_steps(part, names)[1:]


def _pair_steps(part: EventLog, names: np.ndarray) -> tuple[np.ndarray, ...]:
    """pair_step_counts' counts, durations and offsets per edge key, without conversions (a
    pair's journeys are then the distinct cases taking it)."""
    never_converts = np.full(part.n_cases, -1, np.int64)
    counts, durations, offsets, _ = pair_step_counts(
        part, never_converts, global_codes(part, names), len(names)
    )
    return counts, durations, offsets


def finalize(merged: Edges | Moments, names: np.ndarray, source: QuantileSource) -> pd.DataFrame:
    """EDGE_COLUMNS, most frequent first, ties by source then target name."""
    if isinstance(merged, Edges):
        return edge_table(
            merged.source, merged.target, merged.frequency, merged.cases, merged.stats, names
        )
    n_act = len(names)
    keys = np.flatnonzero(merged.frequency)
    stats = source.stats("edges", merged, keys, edge_durations, names)
    order = np.lexsort((keys % n_act, keys // n_act, -merged.frequency[keys]))
    keys = keys[order]
    return edge_table(
        keys // n_act,
        keys % n_act,
        merged.frequency[keys],
        merged.cases[keys],
        stats[:, order],
        names,
    )


def edge_table(
    source: np.ndarray,
    target: np.ndarray,
    frequency: np.ndarray,
    cases: np.ndarray,
    stats: np.ndarray,
    names: np.ndarray,
) -> pd.DataFrame:
    """EDGE_COLUMNS from per-edge arrays in table order and their statistics (rows MEAN
    ... STDEV of kernels.stats). The arrays are copied, not kept."""
    data: dict[str, Any] = {
        "source": pd.Series(names[source], dtype="str"),
        "target": pd.Series(names[target], dtype="str"),
        "frequency": np.array(frequency),
        "cases": np.array(cases),
    }
    for column, row in zip(EDGE_COLUMNS[4:], (MEAN, MEDIAN, P90, MIN, MAX, STDEV), strict=True):
        data[column] = np.array(stats[row])
    return pd.DataFrame(data)


def counted(log: Any) -> Edges | Moments:
    """The log's merged edge chunk, on either backend (a log given as parts without any
    event is refused by its reduce)."""
    return table_reduce(log, chunk, combine)


def dfg(log: EventLog) -> pd.DataFrame:
    """Directly-follows edges with counts and durations.

    Columns: source, target, frequency (times the edge occurs), cases (distinct cases
    containing it), mean_s, median_s, p90_s, min_s, max_s, stdev_s (seconds; stdev is
    the sample standard deviation, NaN for one occurrence). Most frequent first, ties by
    source then target name. On a log given as parts, medians and p90 are exact where
    feasible, else within 0.5 % (`log.quantiles` says which)."""
    source = quantile_source(log)
    warn_about_the_log(log)
    return finalize(counted(log), log.activity_names, source)
