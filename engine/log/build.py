"""Build the canonical log from a table: validate, code, group by case, sort by time."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial

import numpy as np
import pandas as pd
import pyarrow as pa

from ..errors import InputError
from ..io.batches import TableBatches
from ..kernels.ordering import gather
from ..memory import release_unused_memory
from .columns import Table, arrow_column, column_names, n_rows, take_column
from .keys import ActivityCodes, CaseKeys, Decoder, activity_codes, case_keys
from .keystream import ActivityStream, CaseKeyStream
from .order import Events, order_events
from .timestamps import BadTimestamps, ParsedTimestamps, mixed_offsets_error, parse_timestamps


@dataclass(frozen=True)
class ColumnMapping:
    """Which input columns hold the case, the activity and the timestamps."""

    case: str
    activity: str
    timestamp: str
    start_timestamp: str | None = None


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
    if batched:
        columns = _gather_batches(table, mapping, attributes, parse)
    else:
        columns = _Columns(
            ts=parse(arrow_column(table, mapping.timestamp), name=mapping.timestamp),
            start=None
            if mapping.start_timestamp is None
            else parse(arrow_column(table, mapping.start_timestamp), name=mapping.start_timestamp),
            case=arrow_column(table, mapping.case),
            activity=arrow_column(table, mapping.activity),
            attributes=table,
        )
    ts, start, attribute_table = columns.ts, columns.start, columns.attributes
    if start is not None and not start.missing.all() and start.timezone_aware != ts.timezone_aware:
        raise _start_offset_error(mapping, ts.timezone_aware)
    keys = columns.case if isinstance(columns.case, CaseKeys) else case_keys(columns.case)
    columns.case = None  # the case ids' text is no longer needed (hashed keys keep their own)
    release_unused_memory()
    acts = (
        columns.activity
        if isinstance(columns.activity, ActivityCodes)
        else activity_codes(columns.activity)
    )
    del columns

    drop = keys.missing | acts.missing | ts.missing
    dropped = DroppedRows(
        total=int(drop.sum()),
        missing_case=int(keys.missing.sum()),
        missing_activity=int(acts.missing.sum()),
        missing_timestamp=int(ts.missing.sum()),
    )
    if dropped.total == n:
        raise InputError(
            f"the log is empty after dropping rows with no case, activity or timestamp: all "
            f"{n:,} rows miss one (case '{mapping.case}': {dropped.missing_case:,}, activity "
            f"'{mapping.activity}': {dropped.missing_activity:,}, timestamp "
            f"'{mapping.timestamp}': {dropped.missing_timestamp:,}); check the column mapping"
        )

    keep = np.logical_not(drop, out=drop)
    del drop
    activity = acts.codes.astype(_activity_dtype(len(acts.names)), copy=False)
    activity_names, decode = acts.names, keys.decode
    # Only the codes and the times go on: the missing flags are counted already.
    timezone_aware = ts.timezone_aware
    events = Events(keys.codes, keep, ts.ns, keys.hashed, keys.key_bytes)
    del acts, ts, keys, keep  # ordering drops each array when it is done with it
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

    kept_attributes = {name: take_column(attribute_table, name, rows) for name in attributes}
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


@dataclass
class _Columns:
    """The key columns of the input: timestamps parsed, keys as text or already coded."""

    ts: ParsedTimestamps
    start: ParsedTimestamps | None
    case: pa.ChunkedArray | CaseKeys
    activity: pa.ChunkedArray | ActivityCodes
    attributes: Table


def _gather_batches(
    source: TableBatches,
    mapping: ColumnMapping,
    attributes: Sequence[str],
    parse: Callable[..., ParsedTimestamps],
) -> _Columns:
    """Convert each batch as it arrives, so that no key column stays whole as text.

    Bad timestamps stop the work at their batch, but the later batches are still read
    for that column alone, so that the error counts them over the whole input.
    """
    n = source.num_rows
    ts = _Filling(n, mapping.timestamp)
    start = _Filling(n, mapping.start_timestamp) if mapping.start_timestamp is not None else None
    cases: CaseKeyStream | None = CaseKeyStream(n)
    activities = ActivityStream(n)
    attribute_parts: list[pa.Table] = []
    error: BadTimestamps | None = None
    first = 0
    for batch in source.batches(None):
        if first + batch.num_rows > n:
            break
        if error is not None:
            error = _count_more(error, batch, parse, first)
            first += batch.num_rows
            continue
        try:
            ts.put(first, parse(batch.column(mapping.timestamp), name=ts.name, first_row=first))
            if start is not None:
                stamps = batch.column(start.name)
                start.put(first, parse(stamps, name=start.name, first_row=first))
        except BadTimestamps as exc:
            error = exc
            first += batch.num_rows
            continue
        if cases is not None and not cases.add(first, batch.column(mapping.case)):
            cases = None  # ids of another shape: coded from the whole column below
        activities.add(first, batch.column(mapping.activity))
        if attributes:
            attribute_parts.append(batch.select(list(attributes)))
        first += batch.num_rows
        del batch  # so that the reader can release this batch before the next
    if error is not None:
        raise error
    if first != n:
        raise InputError(
            f"the input announced {n:,} rows but gave {first:,}; it may be truncated or "
            "changing while it is read: re-export it"
        )
    if cases is None:
        whole = [b.column(mapping.case) for b in source.batches([mapping.case])]
        case_column = pa.chunked_array([c for column in whole for c in column.chunks])
    return _Columns(
        ts=ts.parsed(),
        start=start.parsed() if start is not None else None,
        case=cases.finish() if cases is not None else case_column,
        activity=activities.finish(),
        attributes=pa.concat_tables(attribute_parts) if attributes else pa.table({}),
    )


def _count_more(
    error: BadTimestamps, batch: pa.Table, parse: Callable[..., ParsedTimestamps], first: int
) -> BadTimestamps:
    """`error` with the bad values of its kind in this later batch added."""
    try:
        parse(batch.column(error.name), name=error.name, first_row=first)
    except BadTimestamps as more:
        if more.kind == error.kind:
            return error.merged(more)
    except InputError:
        pass  # another problem: the first one is reported
    return error


class _Filling:
    """Parsed timestamps of a whole input, filled batch by batch."""

    def __init__(self, n: int, name: str) -> None:
        self.name = name
        self.ns = np.empty(n, np.int64)
        self.missing = np.zeros(n, np.bool_)  # written only where missing (see CaseKeyStream)
        self.timezone_aware: bool | None = None  # decided by the first present value
        self.first_present = 0  # its row

    def put(self, first: int, part: ParsedTimestamps) -> None:
        self.ns[first : first + len(part.ns)] = part.ns
        if part.missing.any():
            self.missing[first : first + len(part.ns)] = part.missing
            if part.missing.all():
                return  # no value: nothing to say about offsets
        row = first + int(np.argmin(part.missing))  # its first present value
        if self.timezone_aware is None:
            self.timezone_aware, self.first_present = part.timezone_aware, row
        elif part.timezone_aware != self.timezone_aware:
            aware, naive = (row, self.first_present)
            if self.timezone_aware:
                aware, naive = naive, aware
            raise mixed_offsets_error(self.name, aware, naive)

    def parsed(self) -> ParsedTimestamps:
        return ParsedTimestamps(self.ns, self.missing, bool(self.timezone_aware))


def _kept_activities(codes: np.ndarray, names: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The kept events' codes and names without the activities only dropped rows had:
    the vocabulary, the activity count and every per-activity table are the kept log's."""
    used = np.bincount(codes, minlength=len(names)).astype(np.bool_)
    if used.all():
        return codes, names
    new_code = (np.cumsum(used) - 1).astype(codes.dtype)  # names stay in alphabetical order
    return new_code[codes], names[used]


def _start_offset_error(mapping: ColumnMapping, timestamp_aware: bool) -> InputError:
    aware, naive = mapping.timestamp, mapping.start_timestamp
    if not timestamp_aware:
        aware, naive = naive, aware
    return InputError(
        f"start timestamp column '{mapping.start_timestamp}' and timestamp column "
        f"'{mapping.timestamp}' disagree: '{aware}' holds instants (a UTC offset or epoch "
        f"numbers), '{naive}' naive times, which would be taken as UTC: give both columns "
        "offsets, or neither"
    )


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
                f"{shown}{more}. Pass names from these with attributes= (--segment, "
                "--channel, --score)"
            )
    used = [mapping.case, mapping.activity, mapping.timestamp]
    if len(set(used)) < len(used):
        raise InputError(
            f"case, activity and timestamp must be three different columns; got case="
            f"'{mapping.case}', activity='{mapping.activity}', timestamp='{mapping.timestamp}'"
        )


def _missing_column_message(role: str, column: str, available: list[str]) -> str:
    shown = ", ".join(repr(c) for c in available[:30])
    more = ", ..." if len(available) > 30 else ""
    flag = role.replace("_", "-")
    return (
        f"{role} column '{column}' is not in the log; its columns are: {shown}{more}. "
        f"Pass the right name with {role}= (--{flag})"
    )
