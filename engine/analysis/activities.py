"""Per-activity counts and per-case facts (durations, first and last events)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..kernels.activities import CASES, ENDS, EVENTS, STARTS, activity_counts, case_durations
from ..schema import INT, TEXT, table_schema

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
NS_PER_S = 1e9


def log_activities(log: EventLog) -> pd.DataFrame:
    """activity, frequency (events), cases, start (cases starting with it), end."""
    return activity_table(_activity_counts(log), log.activity_names)


def activity_table(counts: np.ndarray, names: np.ndarray) -> pd.DataFrame:
    """ACTIVITY_COLUMNS from the per-activity counts (rows: events, cases, starts, ends),
    most events first, ties in name order; activities without an event left out. The one
    finalizer of both backends (a log's counts, or the merged counts of its parts)."""
    used = np.flatnonzero(counts[EVENTS])
    order = used[np.lexsort((used, -counts[EVENTS, used]))]
    return pd.DataFrame(
        {
            "activity": pd.Series(names[order], dtype="str"),
            "frequency": counts[EVENTS, order],
            "cases": counts[CASES, order],
            "start": counts[STARTS, order],
            "end": counts[ENDS, order],
        }
    )


def activity_event_counts(log: EventLog) -> np.ndarray:
    """Events per activity code (int64), from the counts `activities()` shares."""
    return _activity_counts(log)[EVENTS]


def _activity_counts(log: EventLog) -> np.ndarray:
    return log.cache(
        "activity_counts",
        lambda lg: activity_counts(lg.activity, lg.case_offsets, len(lg.activity_names)),
    )


def endpoint_counts(log: EventLog, *, row: int) -> pd.Series:
    """Start (row 2) or end (row 3) activity counts, most frequent first, zeros left out."""
    frame = log_activities(log)
    column = "start" if row == 2 else "end"
    picked = frame.loc[frame[column] > 0, ["activity", column]]
    picked = picked.sort_values([column, "activity"], ascending=[False, True], kind="stable")
    return pd.Series(
        picked[column].to_numpy(), index=pd.Index(picked["activity"], name="activity"), name="cases"
    )


def case_durations_ns(log: EventLog) -> np.ndarray:
    return log.cache("case_durations", lambda lg: case_durations(lg.timestamp, lg.case_offsets))


def log_cases(log: EventLog) -> pd.DataFrame:
    """One row per case, ordered by case id: events, first and last timestamp, duration."""
    offsets = log.case_offsets
    first = log.timestamp[offsets[:-1]]
    last = log.timestamp[offsets[1:] - 1]
    frame = pd.DataFrame(
        {
            "case": log.case_ids,
            "events": np.diff(offsets),
            "first_timestamp": log.decode_timestamps(first),
            "last_timestamp": log.decode_timestamps(last),
            "duration_s": case_durations_ns(log) / NS_PER_S,
        }
    )
    return frame.sort_values("case", kind="stable", ignore_index=True)
