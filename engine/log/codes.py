"""Code the key columns: the read's one coding step. The input's columns come in (Arrow,
whole or batch by batch), arrays of numbers go out, to be ordered (order.py): timestamps
to int64 nanoseconds (timestamps.py), case ids to uint64 codes (case_codes.py),
activities to integer codes in name order (activity_codes.py).

A file read in batches is coded batch by batch (`code_batches`, with the streams of
batch_codes.py), so that no key column stays whole as text; when a batch does not fit (or
the ids are of a kind only the whole column can code), the whole column is coded at once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from ..errors import InputError
from ..io.batches import TableBatches
from ..memory import release_unused_memory
from .activity_codes import ActivityCodes, activity_codes
from .batch_codes import ActivityStream, CaseKeyStream
from .case_codes import CaseKeys, case_keys
from .columns import Table, arrow_column
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
            case=arrow_column(table, mapping.case),
            activity=arrow_column(table, mapping.activity),
            attributes=table,
        )
    ts, start = coded.ts, coded.start
    if start is not None and not start.missing.all() and start.timezone_aware != ts.timezone_aware:
        raise _start_offset_error(mapping, ts.timezone_aware)
    keys = coded.case if isinstance(coded.case, CaseKeys) else case_keys(coded.case)
    coded.case = None  # the case ids' text is no longer needed (hashed keys keep their own)
    release_unused_memory()
    activity = coded.activity
    acts = activity if isinstance(activity, ActivityCodes) else activity_codes(activity)
    return ts, start, keys, acts, coded.attributes


def code_batches(
    source: TableBatches,
    mapping: ColumnMapping,
    attributes: Sequence[str],
    parse: Callable[..., ParsedTimestamps],
) -> Coded:
    """Code each batch as it arrives, so that no key column stays whole as text.

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
        except (MixedOffsets, OffsetsDisagree) as exc:  # this batch's rows: the whole input's
            raise _whole_column(source, exc.name, parse) or exc from None
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
    return Coded(
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
