"""`parcours convert`: a log in any readable form written as Parquet with the canonical
columns (case, activity, timestamp, the start time when mapped, and the attributes asked
for), events grouped by case in time order: the form the Dask backend and every other
tool read fastest, e.g. from an XES file."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from .files import write_atomically

if TYPE_CHECKING:
    from .log.eventlog import EventLog


def canonical_table(log: EventLog) -> pa.Table:
    """The log's events as an Arrow table, columns named as read."""
    tz = "UTC" if log.timezone_aware else None
    case_of_event = np.repeat(np.arange(log.n_cases), np.diff(log.case_offsets))
    columns = {
        log.columns.case: pa.array(log.case_ids).take(pa.array(case_of_event)),
        log.columns.activity: pa.DictionaryArray.from_arrays(
            pa.array(log.activity.astype(np.int32)), pa.array(log.activity_names.tolist())
        ),
        log.columns.timestamp: pa.array(log.timestamp, type=pa.timestamp("ns", tz=tz)),
    }
    if log.columns.start_timestamp is not None and log.start_timestamp is not None:
        columns[log.columns.start_timestamp] = pa.array(
            log.start_timestamp, type=pa.timestamp("ns", tz=tz)
        )
    for name, values in log.attributes.items():
        columns.setdefault(name, pa.Array.from_pandas(values))
    return pa.table(columns)


def write_log(log: EventLog, path: str | os.PathLike) -> Path:
    """Write `log` to `path` as Parquet (canonical_table), atomically."""
    table = canonical_table(log)
    return write_atomically(path, lambda p: pq.write_table(table, p, row_group_size=1_000_000))
