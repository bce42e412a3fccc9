"""Per-case facts: durations, first and last events (the per-activity counts are
engine.figures.activities)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..kernels.activities import case_durations

if TYPE_CHECKING:
    from ..log.eventlog import EventLog

NS_PER_S = 1e9


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
