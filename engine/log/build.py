"""Build the canonical log from a table, in one line: validate the columns, code them
(codes.py: timestamps, case and activity codes), drop rows missing a key, order the events
(order.py: by case, then by time), and lay the other columns out in that order."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

import numpy as np
import pandas as pd
import pyarrow as pa

from ..errors import InputError
from ..io._columns import ARGUMENTS
from ..io.batches import TableBatches
from ..io.mapping import ColumnMapping
from ..kernels.ordering import gather
from ..memory import release_unused_memory
from .case_codes import Decoder
from .codes import code_columns
from .columns import Table, column_names, n_rows, take_column, take_owned
from .order import Events, order_events
from .timestamps import LONGEST_SPAN_NS, check_span, parse_timestamps


@dataclass(frozen=True)
class DroppedRows:
    """Rows left out because a key field was missing (a row may miss several)."""

    total: int
    missing_case: int
    missing_activity: int
    missing_timestamp: int

    def as_dict(self) -> dict[str, int]:
        return {
            "total": self.total,
            "missing_case": self.missing_case,
            "missing_activity": self.missing_activity,
            "missing_timestamp": self.missing_timestamp,
        }


@dataclass(frozen=True)
class Canonical:
    """The arrays of a canonical log, before they are wrapped in an EventLog."""

    activity: np.ndarray
    timestamp: np.ndarray
    start_timestamp: np.ndarray | None
    case_offsets: np.ndarray
    source_row: np.ndarray
    activity_names: np.ndarray
    case_id_decoder: Decoder
    case_codes: np.ndarray  # code of each case (for the decoder), uint32 when they fit
    attributes: dict[str, pd.Series]
    dropped: DroppedRows
    start_missing: int
    timezone_aware: bool


def build_canonical(
    table: Table | TableBatches,
    mapping: ColumnMapping,
    *,
    attributes: Sequence[str] = (),
    timestamp_format: str | None = None,
    timestamp_unit: str | None = None,
) -> Canonical:
    """Validate `table` and lay its events out canonically. `table` is not modified."""
    batched = isinstance(table, TableBatches)
    _check_columns(table.column_names if batched else column_names(table), mapping, attributes)
    n = table.num_rows if batched else n_rows(table)
    if n == 0:
        raise InputError(
            "the log is empty: it has no rows; check the file or the filter that made it"
        )
    parse = partial(
        parse_timestamps, timestamp_format=timestamp_format, timestamp_unit=timestamp_unit
    )
    ts, start, keys, acts, attribute_table = code_columns(table, mapping, attributes, parse)

    drop = keys.missing | acts.missing | ts.missing
    dropped = DroppedRows(
        total=int(drop.sum()),
        missing_case=int(keys.missing.sum()),
        missing_activity=int(acts.missing.sum()),
        missing_timestamp=int(ts.missing.sum()),
    )
    if dropped.total == n:
        raise all_rows_dropped(dropped, mapping)

    # Empty when no row is dropped: the ordering kernels then keep every row.
    keep = np.logical_not(drop, out=drop) if dropped.total else np.zeros(0, np.bool_)
    del drop
    activity = acts.codes.astype(_activity_dtype(len(acts.names)), copy=False)
    activity_names, decode = acts.names, keys.decode
    # Only the codes and the times go on: the missing flags are counted already.
    timezone_aware = ts.timezone_aware
    events = Events(keys.codes, keep, ts.ns, keys.hashed, keys.key_bytes)
    del acts, ts, keys, keep  # ordering drops each array when it is done with it
    release_unused_memory()  # the missing flags just freed: ordering is the read's peak
    ordered = order_events(events)
    del events
    rows = ordered.rows
    activity = gather(activity, rows)
    if dropped.total:
        activity, activity_names = _kept_activities(activity, activity_names)

    start_ns = None
    start_missing = 0
    if start is not None:
        start_ns = gather(start.ns, rows)
        missing = gather(start.missing, rows)
        start_missing = int(missing.sum())
        start_ns[missing] = ordered.timestamp[missing]  # no start: the event's own time
        del missing

    _check_time_span(ordered.timestamp, start_ns, rows, mapping)
    held = [attribute_table]  # handed over: the columns go as they are taken
    del attribute_table
    kept_attributes = take_attributes(held, list(attributes), rows)
    release_unused_memory()  # what ordering freed
    return Canonical(
        activity=activity,
        timestamp=ordered.timestamp,
        start_timestamp=start_ns,
        case_offsets=ordered.offsets,
        source_row=rows,
        activity_names=activity_names,
        case_id_decoder=decode,
        case_codes=ordered.case_codes,
        attributes=kept_attributes,
        dropped=dropped,
        start_missing=start_missing,
        timezone_aware=timezone_aware,
    )


class AllRowsDropped(InputError):
    """A log (or one part of it) whose every row misses its case, activity or timestamp;
    `dropped` counts them, so that a Dask partition can report its rows instead."""

    def __init__(self, message: str, dropped: DroppedRows) -> None:
        super().__init__(message)
        self.dropped = dropped


def all_rows_dropped(dropped: DroppedRows, mapping: ColumnMapping) -> AllRowsDropped:
    """The error of a log whose every row misses its case, activity or timestamp (on one
    machine, or over all the parts of a log)."""
    return AllRowsDropped(
        f"the log is empty after dropping rows with no case, activity or timestamp: all "
        f"{dropped.total:,} rows miss one (case '{mapping.case}': {dropped.missing_case:,}, "
        f"activity '{mapping.activity}': {dropped.missing_activity:,}, timestamp "
        f"'{mapping.timestamp}': {dropped.missing_timestamp:,}); check the column mapping",
        dropped,
    )


def take_attributes(held: list[Table], names: list[str], rows: np.ndarray) -> dict[str, pd.Series]:
    """The attribute columns in canonical order (`rows`), in the order of `names`, from
    the one table in `held`, which it empties. An Arrow table's columns are taken
    smallest first, each dropped from the table once taken, so that the input order of
    the ones done is not held while the larger ones are copied (at 100M events a float
    column is 800 MB, a dictionary column's indices 400 MB)."""
    table = held.pop()
    if not isinstance(table, pa.Table):
        return {name: take_column(table, name, rows) for name in names}
    taken = {}
    for name in sorted(names, key=lambda n: table.column(n).nbytes):
        column = [table.column(name)]
        table = table.drop_columns([name])
        taken[name] = take_owned(column, rows)  # holds the column no longer than needed
    return {name: taken[name] for name in names}


def time_bounds(
    ts: np.ndarray, start_ns: np.ndarray | None, mapping: ColumnMapping
) -> tuple[tuple[int, str], tuple[int, str]]:
    """The earliest and latest time of a log's events, each with its column."""
    earliest, latest = (int(ts.min()), mapping.timestamp), (int(ts.max()), mapping.timestamp)
    if start_ns is not None and mapping.start_timestamp is not None:
        low, high = int(start_ns.min()), int(start_ns.max())
        if low < earliest[0]:
            earliest = (low, mapping.start_timestamp)
        if high > latest[0]:
            latest = (high, mapping.start_timestamp)
    return earliest, latest


def _check_time_span(
    ts: np.ndarray, start_ns: np.ndarray | None, rows: np.ndarray, mapping: ColumnMapping
) -> None:
    """check_span over the log's times, naming the input rows of its two ends."""
    earliest, latest = time_bounds(ts, start_ns, mapping)
    if latest[0] - earliest[0] <= LONGEST_SPAN_NS:
        return

    def located(end: tuple[int, str]) -> tuple[int, str, int]:
        times = ts if end[1] == mapping.timestamp or start_ns is None else start_ns
        return (*end, int(rows[np.flatnonzero(times == end[0])[0]]))

    check_span(located(earliest), located(latest))


def _kept_activities(codes: np.ndarray, names: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The kept events' codes and names without the activities only dropped rows had:
    the vocabulary, the activity count and every per-activity table are the kept log's."""
    used = np.bincount(codes, minlength=len(names)).astype(np.bool_)
    if used.all():
        return codes, names
    new_code = (np.cumsum(used) - 1).astype(codes.dtype)  # names stay in alphabetical order
    return new_code[codes], names[used]


def _activity_dtype(n_activities: int) -> type:
    """The narrowest integer for activity codes: less memory to move while ordering."""
    if n_activities <= np.iinfo(np.int8).max:
        return np.int8
    if n_activities <= np.iinfo(np.int16).max:
        return np.int16
    return np.int32


def _check_columns(available: list[str], mapping: ColumnMapping, attributes: Sequence[str]) -> None:
    roles = {
        "case": mapping.case,
        "activity": mapping.activity,
        "timestamp": mapping.timestamp,
        "start_timestamp": mapping.start_timestamp,
    }
    for role, column in roles.items():
        if column is not None and column not in available:
            raise InputError(_missing_column_message(role, column, available))
    for column in attributes:
        if column not in available:
            shown = ", ".join(repr(c) for c in available[:30])
            more = ", ..." if len(available) > 30 else ""
            raise InputError(
                f"attribute column '{column}' is not in the log; its columns are: "
                f"{shown}{more}. Pass names from these with {ARGUMENTS['attributes']}"
            )


def _missing_column_message(role: str, column: str, available: list[str]) -> str:
    shown = ", ".join(repr(c) for c in available[:30])
    more = ", ..." if len(available) > 30 else ""
    flag = role.replace("_", "-")
    return (
        f"{role} column '{column}' is not in the log; its columns are: {shown}{more}. "
        f"Pass the right name with {role}= (--{flag})"
    )
