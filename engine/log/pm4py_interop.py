"""Hand results to pm4py in the shapes it uses: plain dicts and frames here; pm4py's own
objects are made in the discovery layer, the only one that imports pm4py."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..analysis.activities import endpoint_counts
from ..analysis.dfg import compute_edges
from ..analysis.variants import compute_variants, variant_sequences
from ..kernels.stats import MAX, MEAN, MEDIAN, MIN, STDEV, SUM

if TYPE_CHECKING:
    from .eventlog import EventLog

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
    edges = log._cached("edges", compute_edges)
    names = log.activity_names
    dfg = {
        (names[s], names[t]): int(f)
        for s, t, f in zip(edges.source, edges.target, edges.frequency, strict=True)
    }
    start = {str(k): int(v) for k, v in endpoint_counts(log, row=2).items()}
    end = {str(k): int(v) for k, v in endpoint_counts(log, row=3).items()}
    return dfg, start, end


def dfg_object(log: EventLog) -> Any:
    from ..discovery.models import pm4py_dfg  # pm4py is imported in the discovery layer only

    return pm4py_dfg(*dfg_dicts(log))


def performance_dfg_dict(log: EventLog) -> dict[tuple[str, str], dict[str, float]]:
    edges = log._cached("edges", compute_edges)
    names = log.activity_names
    rows = {"mean": MEAN, "median": MEDIAN, "max": MAX, "min": MIN, "sum": SUM, "stdev": STDEV}
    return {
        (names[edges.source[i]], names[edges.target[i]]): {
            key: float(edges.stats[row, i]) for key, row in rows.items()
        }
        for i in range(len(edges.frequency))
    }


def variants_dict(log: EventLog) -> dict[tuple[str, ...], int]:
    variants = log._cached("variants", compute_variants)
    sequences = variant_sequences(log, variants).to_pylist()
    return {tuple(seq): int(freq) for seq, freq in zip(sequences, variants.frequency, strict=True)}
