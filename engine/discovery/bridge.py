"""The bridge to pm4py, reached as `log.pm4py`: the log and its figures in the shapes pm4py
uses (its frame, the DFG dicts and object, the performance DFG, the variants), as pandas
offers `.str` on a Series. pm4py is imported only where one of its objects is made."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..analysis.dfg import compute_edges
from ..analysis.variants import compute_variants, variant_sequences
from ..figures.activities import end_activities, start_activities
from ..kernels.stats import MAX, MEAN, MEDIAN, MIN, STDEV, SUM

if TYPE_CHECKING:
    from ..log.eventlog import EventLog

PM4PY_CASE = "case:concept:name"
PM4PY_ACTIVITY = "concept:name"
PM4PY_TIMESTAMP = "time:timestamp"
PM4PY_START = "start_timestamp"


def to_pm4py_frame(log: EventLog) -> pd.DataFrame:
    """Sorted as format_dataframe sorts: case id as text, then timestamp, then input row.

    Timestamps are nanosecond datetimes (pm4py misreads microsecond ones) and text columns
    are plain Python strings (some pm4py filters fail on Arrow-backed strings).
    """
    case_text = np.asarray(log.case_ids.astype(str), dtype=object)
    case_order = np.argsort(case_text, kind="stable")
    offsets = log.case_offsets
    lengths = np.diff(offsets)[case_order]
    starts = offsets[:-1][case_order]
    within = np.arange(log.n_events) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    events = np.repeat(starts, lengths) + within
    frame = pd.DataFrame(
        {
            PM4PY_CASE: pd.Series(np.repeat(case_text[case_order], lengths), dtype=object),
            PM4PY_ACTIVITY: pd.Series(log.activity_names[log.activity[events]], dtype=object),
            PM4PY_TIMESTAMP: log.decode_timestamps(log.timestamp[events]),
        }
    )
    if log.start_timestamp is not None:
        frame[PM4PY_START] = log.decode_timestamps(log.start_timestamp[events])
    for name, values in log.attributes.items():
        if name not in frame.columns:
            frame[name] = values.iloc[events].to_numpy()
    frame["@@index"] = np.arange(log.n_events)
    frame["@@case_index"] = np.repeat(np.arange(log.n_cases), lengths)
    return frame


def dfg_dicts(log: EventLog) -> tuple[dict[tuple[str, str], int], dict[str, int], dict[str, int]]:
    edges = log.cache("edges", compute_edges)
    names = log.activity_names
    dfg = {
        (names[s], names[t]): int(f)
        for s, t, f in zip(edges.source, edges.target, edges.frequency, strict=True)
    }
    start = {str(k): int(v) for k, v in start_activities(log).items()}
    end = {str(k): int(v) for k, v in end_activities(log).items()}
    return dfg, start, end


def dfg_object(log: EventLog) -> Any:
    from .models import pm4py_dfg  # pm4py is imported here, when the object is asked for

    return pm4py_dfg(*dfg_dicts(log))


def performance_dfg_dict(log: EventLog) -> dict[tuple[str, str], dict[str, float]]:
    edges = log.cache("edges", compute_edges)
    names = log.activity_names
    rows = {"mean": MEAN, "median": MEDIAN, "max": MAX, "min": MIN, "sum": SUM, "stdev": STDEV}
    return {
        (names[edges.source[i]], names[edges.target[i]]): {
            key: float(edges.stats[row, i]) for key, row in rows.items()
        }
        for i in range(len(edges.frequency))
    }


def variants_dict(log: EventLog) -> dict[tuple[str, ...], int]:
    variants = log.cache("variants", compute_variants)
    sequences = variant_sequences(log.activity_names, variants).to_pylist()
    return {tuple(seq): int(freq) for seq, freq in zip(sequences, variants.frequency, strict=True)}


class Pm4pyAccessor:
    """`log.pm4py`: the log handed to pm4py in the shapes pm4py's own functions give."""

    def __init__(self, log: EventLog) -> None:
        self._log = log

    def frame(self) -> pd.DataFrame:
        """The log as pm4py's format_dataframe would produce it (columns case:concept:name,
        concept:name, time:timestamp, [start_timestamp], attributes, @@index,
        @@case_index)."""
        return to_pm4py_frame(self._log)

    def dfg(self) -> tuple[dict[tuple[str, str], int], dict[str, int], dict[str, int]]:
        """(dfg, start_activities, end_activities) as pm4py.discover_dfg returns them."""
        return dfg_dicts(self._log)

    def dfg_object(self) -> Any:
        """A pm4py DFG object, accepted by pm4py's inductive miner."""
        return dfg_object(self._log)

    def performance_dfg(
        self,
    ) -> tuple[dict[tuple[str, str], dict[str, float]], dict[str, int], dict[str, int]]:
        """(performance dfg, start_activities, end_activities) as
        pm4py.discover_performance_dfg returns them: per edge its mean, median, max, min,
        sum and stdev in seconds; the start and end activities as in `dfg()`."""
        _, start, end = dfg_dicts(self._log)
        return performance_dfg_dict(self._log), start, end

    def variants(self) -> dict[tuple[str, ...], int]:
        """{activity tuple: number of cases}, as pm4py.get_variants returns it."""
        return variants_dict(self._log)
