"""Code the key columns: the read's one coding step. The input's columns come in (Arrow,
whole or batch by batch), arrays of numbers go out, to be ordered (order.py): timestamps
to int64 nanoseconds (timestamps.py), case ids to uint64 codes (case_codes.py),
activities to integer codes in name order (activity_codes.py).

A file read in batches is coded batch by batch (`code_batches`: case ids with
batch_codes.CaseKeyStream, activities with activity_codes.ActivityStream), so that no key
column stays whole as text, the case ids, the times and the rest each on a thread of its
own where the source can read them apart; when a batch of case ids does not fit (or the
ids are of a kind only the whole column can code), the whole column is coded at once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from ..errors import InputError
from ..io.batches import TableBatches
from ..memory import release_unused_memory
from .activity_codes import ActivityCodes, ActivityStream, activity_codes
from .batch_codes import CaseKeyStream
from .case_codes import CaseKeys, case_keys
from .columns import Table, arrow_column, refuse_nested
from .timestamps import (
    BadTimestamps,
    MixedOffsets,
    OffsetsDisagree,
    ParsedTimestamps,
    part_kinds,
    whole_column_error,
)

if TYPE_CHECKING:
    from .build import ColumnMapping


@dataclass
class Coded:
    """The key columns of the input coded: timestamps parsed; case and activity codes
    (still as text while a table is being coded batch by batch)."""

    ts: ParsedTimestamps
    start: ParsedTimestamps | None
    case: pa.ChunkedArray | CaseKeys | None
    activity: pa.ChunkedArray | ActivityCodes
    attributes: Table


def code_columns(
    table: Table | TableBatches,
    mapping: ColumnMapping,
    attributes: Sequence[str],
    parse: Callable[..., ParsedTimestamps],
) -> tuple[ParsedTimestamps, ParsedTimestamps | None, CaseKeys, ActivityCodes, Table]:
    """The timestamps, start times, case keys and activity codes of every input row,
    and the table that holds the attribute columns."""
    if isinstance(table, TableBatches):
        coded = code_batches(table, mapping, attributes, parse)
    else:
        start = mapping.start_timestamp
        coded = Coded(
            ts=parse(arrow_column(table, mapping.timestamp), name=mapping.timestamp),
            start=None if start is None else parse(arrow_column(table, start), name=start),
            case=arrow_column(table, mapping.case, role="case"),
            activity=arrow_column(table, mapping.activity, role="activity"),
            attributes=table,
        )
    for role, name, column in (
        ("case", mapping.case, coded.case),
        ("activity", mapping.activity, coded.activity),
    ):
        if isinstance(column, pa.ChunkedArray):
            refuse_nested(column.type, role, name)
    ts, start = coded.ts, coded.start
    if start is not None and not start.missing.all() and start.timezone_aware != ts.timezone_aware:
        raise _start_offset_error(mapping, ts.timezone_aware)
    keys = coded.case if isinstance(coded.case, CaseKeys) else case_keys(coded.case)
    coded.case = None  # the case ids' text is no longer needed (hashed keys keep their own)
    release_unused_memory()
    activity = coded.activity
    acts = (
        activity
        if isinstance(activity, ActivityCodes)
        else activity_codes(activity, name=mapping.activity)
    )
    return ts, start, keys, acts, coded.attributes


def code_batches(
    source: TableBatches,
    mapping: ColumnMapping,
    attributes: Sequence[str],
    parse: Callable[..., ParsedTimestamps],
) -> Coded:
    """Code each batch as it arrives, so that no key column stays whole as text.

    The timestamps, the case ids and the rest (activities, attributes) are coded apart,
    each on a thread of its own where the source reads columns apart (a Parquet file):
    each thread decodes and codes its own columns, which keeps the cores busy without
    holding more batches (5M warehouse rows: 0.32 s against 0.43 s on one decoding thread
    and the coding on another). Bad timestamps stop the work at their batch, but the later
    batches are still read for that column alone, so that the error counts them over the
    whole input.
    """
    n = source.num_rows
    times = _Times(n, mapping, parse)
    cases = _Cases(n, mapping)
    rest = _Rest(n, mapping, attributes, source.where)
    if source.apart is not None:
        # The case ids, the costliest to decode and code when they are text, are also
        # decoded ahead (source.batches: 5M generator rows read in 0.55 s against 0.67 s).
        groups = [(times, source.apart), (cases, source.batches), (rest, source.apart)]
        reads = _read_apart(groups, n)
    else:
        reads = [_read(_Together(times, cases, rest), source.batches(None), n, _Stop(n))]
    # The error of the earliest batch (the first group's on a tie): every thread reads up
    # to the first failing batch (see _Stop), so the same input always gives the same one.
    failed = [read for read in reads if read.error is not None]
    if failed:
        error = min(failed, key=lambda read: read.rows).error
        if isinstance(error, MixedOffsets | OffsetsDisagree):  # the whole input's
            raise _whole_column(source, error.name, parse) or error
        raise error
    if times.error is not None:
        raise times.error
    for read in reads:
        if read.rows != n:
            raise InputError(
                f"the input announced {n:,} rows but gave {read.rows:,}; it may be truncated "
                "or changing while it is read: re-export it"
            )
    if cases.stream is None:  # ids of another shape: coded from the whole column
        whole = [b.column(mapping.case) for b in source.batches([mapping.case])]
        case: pa.ChunkedArray | CaseKeys = pa.chunked_array(
            [c for column in whole for c in column.chunks]
        )
    else:
        case = cases.stream.finish()
    return Coded(
        ts=times.ts.parsed(),
        start=times.start.parsed() if times.start is not None else None,
        case=case,
        activity=rest.activities.finish(),
        attributes=pa.concat_tables(rest.parts) if attributes else pa.table({}),
    )


@dataclass
class _Read:
    rows: int  # rows read (on an error: the first row of the batch that failed)
    error: BaseException | None  # the error that stopped the read


class _Stop:
    """The row where the threads reading apart stop: the end, or the first row of the
    earliest batch that failed so far. A thread stops at it, not at once, so that an
    error in an earlier batch of its own columns is still found."""

    def __init__(self, n: int) -> None:
        self.row = n
        self._lock = threading.Lock()

    def at(self, row: int) -> None:
        with self._lock:
            self.row = min(self.row, row)


def _read(
    columns: _Times | _Cases | _Rest | _Together,
    batches: Iterator[pa.Table],
    n: int,
    stop: _Stop,
) -> _Read:
    """Code `batches` into `columns` until they end, reach the stop row, or fail (which
    moves the stop row to the failing batch, for the other threads)."""
    first = 0
    try:
        for batch in batches:
            if first >= stop.row or first + batch.num_rows > n:
                break
            columns.add(first, batch)
            first += batch.num_rows
            del batch  # so that the reader can release this batch before the next
    except BaseException as exc:  # raised by the caller, after every thread is done
        stop.at(first)
        return _Read(first, exc)
    return _Read(first, None)


class _Times:
    """The timestamps (and start timestamps), batch by batch."""

    def __init__(self, n: int, mapping: ColumnMapping, parse: Callable[..., ParsedTimestamps]):
        self.parse = parse
        self.ts = _Filling(n, mapping.timestamp)
        start = mapping.start_timestamp
        self.start = _Filling(n, start) if start is not None else None
        self.error: BadTimestamps | None = None
        self.columns = [mapping.timestamp] + ([start] if start is not None else [])

    def add(self, first: int, batch: pa.Table) -> None:
        if self.error is not None:  # counted over the rest of the input, coded no more
            self.error = _count_more(self.error, batch, self.parse, first)
            return
        try:
            for filling in (self.ts, self.start):
                if filling is not None:
                    stamps = batch.column(filling.name)
                    filling.put(first, self.parse(stamps, name=filling.name, first_row=first))
        except BadTimestamps as exc:
            self.error = exc


class _Cases:
    """The case codes, batch by batch, while the ids keep the first batch's shape."""

    def __init__(self, n: int, mapping: ColumnMapping):
        self.name = mapping.case
        self.stream: CaseKeyStream | None = CaseKeyStream(n)
        self.columns = [mapping.case]

    def add(self, first: int, batch: pa.Table) -> None:
        column = batch.column(self.name)
        refuse_nested(column.type, "case", self.name)
        if self.stream is not None and not self.stream.add(first, column):
            self.stream = None  # ids of another shape: coded from the whole column


class _Rest:
    """The activity codes and the attribute columns, batch by batch."""

    def __init__(self, n: int, mapping: ColumnMapping, attributes: Sequence[str], where: str):
        self.activity, self.attributes = mapping.activity, list(attributes)
        self.activities = ActivityStream(n, name=mapping.activity, where=where)
        self.parts: list[pa.Table] = []
        self.columns = [self.activity, *self.attributes]

    def add(self, first: int, batch: pa.Table) -> None:
        column = batch.column(self.activity)
        refuse_nested(column.type, "activity", self.activity)
        self.activities.add(first, column)
        if self.attributes:
            self.parts.append(batch.select(self.attributes))


@dataclass
class _Together:
    """All the key columns from the same batches (a source read as one stream); once a
    batch has bad timestamps, the later ones only count theirs."""

    times: _Times
    cases: _Cases
    rest: _Rest

    def add(self, first: int, batch: pa.Table) -> None:
        self.times.add(first, batch)
        if self.times.error is None:
            self.cases.add(first, batch)
            self.rest.add(first, batch)


def _read_apart(
    groups: list[tuple[_Times | _Cases | _Rest, Callable[[list[str]], Iterator[pa.Table]]]],
    n: int,
) -> list[_Read]:
    """Each group of columns read by its reader and coded on a thread of its own (the last
    on this one): the decoding and coding of the case ids, the times and the activities
    spread over the cores whatever their mix. A group read `apart` decodes on the thread
    that codes it, holding one batch: a thread more that decoded ahead would hold more
    batches, and its allocator arena more freed memory (15 MB more at the peak of a
    5M-row read, for no time saved but on the case ids). The coders run serial kernels
    only: numba's workqueue threading layer cannot run parallel kernels launched from
    several threads at once."""
    stop = _Stop(n)
    reads: list[_Read | None] = [None] * len(groups)

    def run(index: int) -> None:
        group, read = groups[index]
        reads[index] = _read(group, read(group.columns), n, stop)

    threads = [
        threading.Thread(target=run, args=(i,), name="parcours-read", daemon=True)
        for i in range(len(groups) - 1)
    ]
    for thread in threads:
        thread.start()
    try:
        run(len(groups) - 1)
    finally:
        for thread in threads:
            thread.join()
    return [read for read in reads if read is not None]


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


def _whole_column(
    source: TableBatches, name: str, parse: Callable[..., ParsedTimestamps]
) -> InputError | None:
    """The timestamp error of the column `name`, read again alone batch by batch, named
    and counted over the whole input (timestamps.whole_column_error)."""
    parts = (part_kinds(b.column(name), name=name, parse=parse) for b in source.batches([name]))
    try:
        return whole_column_error(name, parts)
    except InputError:  # another problem in a later batch: the first one is reported
        return None


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
            raise OffsetsDisagree(self.name, aware, naive)

    def parsed(self) -> ParsedTimestamps:
        return ParsedTimestamps(self.ns, self.missing, bool(self.timezone_aware))


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
