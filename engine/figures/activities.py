"""The activity table (events, cases, starts and ends per activity) and the start and end
activities, as one reduction: each part counts per code of the whole log's alphabet
(kernels.activities.activity_counts), and the counts add up. On one machine the counts
are kept on the log, where other figures share them (Journey.unmapped)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..kernels.activities import CASES, ENDS, EVENTS, STARTS, activity_counts
from ..schema import INT, TEXT, table_schema
from .context import global_codes, sum_parts, table_reduce
from .order import warn_about_the_log

if TYPE_CHECKING:
    from ..log.eventlog import EventLog

ACTIVITY_SCHEMA = table_schema(
    activity=TEXT,
    frequency=INT,
    cases=INT,
    start=INT,
    end=INT,
)
ACTIVITY_COLUMNS = tuple(ACTIVITY_SCHEMA.names)


def chunk(part: EventLog, names: np.ndarray, whole: bool) -> np.ndarray:
    """(4, len(names)) int64 (rows EVENTS, CASES, STARTS, ENDS of kernels.activities) of
    one part; computed once on a whole log."""
    if whole:
        return part.cache("activity_counts", lambda log: chunk(log, log.activity_names, False))
    return activity_counts(global_codes(part, names), part.case_offsets, len(names))


combine = sum_parts


def counts(log: Any) -> np.ndarray:
    """The log's per-activity counts (rows as `chunk`), on either backend."""
    return table_reduce(log, chunk, combine)


def finalize(counts: np.ndarray, names: np.ndarray) -> pd.DataFrame:
    """ACTIVITY_COLUMNS, most events first, ties in name order; activities without an event
    left out."""
    order = _most_first(counts[EVENTS])
    return pd.DataFrame(
        {
            "activity": pd.Series(names[order], dtype="str"),
            "frequency": counts[EVENTS, order],
            "cases": counts[CASES, order],
            "start": counts[STARTS, order],
            "end": counts[ENDS, order],
        }
    )


def activities(log: EventLog) -> pd.DataFrame:
    """activity, frequency (events), cases (distinct cases), start and end (cases that
    start or end with it). Most frequent first, ties in name order."""
    warn_about_the_log(log)
    return finalize(counts(log), log.activity_names)


def start_activities(log: EventLog) -> pd.Series:
    """Number of cases starting with each activity, most frequent first."""
    return _endpoints(log, STARTS)


def end_activities(log: EventLog) -> pd.Series:
    """Number of cases ending with each activity, most frequent first."""
    return _endpoints(log, ENDS)


def _endpoints(log: EventLog, row: int) -> pd.Series:
    """Cases starting (row STARTS) or ending (ENDS) with each activity, most first, ties in
    name order, zeros left out."""
    warn_about_the_log(log)
    found = counts(log)[row]
    order = _most_first(found)
    return pd.Series(
        found[order],
        index=pd.Index(pd.Series(log.activity_names[order], dtype="str"), name="activity"),
        name="cases",
    )


def _most_first(counts: np.ndarray) -> np.ndarray:
    """The codes with a nonzero count, most first, ties in code order (which is the
    names' order)."""
    used = np.flatnonzero(counts)
    return used[np.lexsort((used, -counts[used]))]
