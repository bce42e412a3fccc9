"""One partition of a log on Dask built into its canonical log, on the worker."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
import pyarrow as pa

from ..io.mapping import ColumnMapping

#: The column numbering the input's rows, so that ties in time keep the input order.
ROW = "__parcours_row"


def build_part(
    part: pd.DataFrame,
    mapping: ColumnMapping,
    parse: dict[str, Any],
    attributes: Sequence[str] = (),
    nullable: Sequence[str] = (),
) -> Any:
    """One partition's canonical log (rows in input order first, so that ties in time
    keep it), or a DroppedRows when it has no usable row (a null key, or an empty text
    case id or activity, which only the build sees). The `nullable` attributes (the
    integers the read made pandas' nullable integers) stay so where the partition has a
    missing value, as an integer column with a null is on one machine, and are NumPy
    integers again where it has none."""
    from ..log.build import AllRowsDropped, DroppedRows, build_canonical
    from ..log.columns import plain_integers
    from ..log.eventlog import EventLog
    from .threads import match_worker_threads

    match_worker_threads()
    keys = [mapping.case, mapping.activity, mapping.timestamp]
    usable = part[keys].notna().all(axis=1)
    if not usable.any():
        missing = part[keys].isna().sum()
        return DroppedRows(
            total=len(part),
            missing_case=int(missing[mapping.case]),
            missing_activity=int(missing[mapping.activity]),
            missing_timestamp=int(missing[mapping.timestamp]),
        )
    part = part.sort_values(ROW, kind="stable").drop(columns=ROW).reset_index(drop=True)
    part = plain_integers(part, nullable)
    try:
        canonical = build_canonical(part, mapping, attributes=list(attributes), **parse)
    except AllRowsDropped as empty:  # counted with the others; the whole log decides
        return empty.dropped
    return EventLog(canonical, columns=mapping, source="partition")


#: The types Arrow's CSV reader infers a column as, in the order it tries them: a
#: column gets the first that converts every one of its values (an empty field or a
#: null word such as 'NA' is missing in all but text, where only an empty field is).
CSV_TYPES = (
    pa.null(),
    pa.int64(),
    pa.bool_(),
    pa.date32(),
    pa.time32("s"),
    pa.timestamp("s"),
    pa.timestamp("ns"),
    pa.timestamp("s", "UTC"),
    pa.timestamp("ns", "UTC"),
    pa.float64(),
    pa.string(),
)
_TEXT = len(CSV_TYPES) - 1


def csv_kinds(part: pd.DataFrame, columns: Sequence[str]) -> dict[str, list[int]]:
    """For each of `columns` (the CSV's text as written) of one partition as read (every
    row, the ones the build drops too: one machine types a column by all of them), the
    CSV_TYPES (indices) Arrow's CSV reader converts its values to: the one it infers and
    every later one that converts them all."""
    kinds = {}
    for name in columns:
        text = _csv_text(part[name])  # written once, read as each type
        first = _TEXT
        inferred = _read_csv_text(text, None).type
        if inferred in CSV_TYPES:
            first = CSV_TYPES.index(inferred)
        if first == 0:  # nothing but missing values: any type holds them
            kinds[name] = list(range(len(CSV_TYPES)))
            continue
        kinds[name] = [first] + [
            k for k in range(first + 1, len(CSV_TYPES)) if k == _TEXT or _converts(text, k)
        ]
    return kinds


def csv_kind(kinds: Sequence[Sequence[int]]) -> int:
    """The CSV_TYPES index of a column over all its partitions' `kinds` (csv_kinds): the
    first type that converts every partition, as Arrow's reader chooses over the whole
    file (text, which converts anything, when no other does)."""
    common = set(range(len(CSV_TYPES)))
    for found in kinds:
        common &= set(found)
    return min(common, default=_TEXT)


def typed_csv(log: Any, kinds: dict[str, int]) -> Any:
    """The log with each CSV column of `kinds` (its text as written) converted to its
    CSV_TYPES type by Arrow's CSV reader and made pandas as one machine's read makes it
    (engine.io.csv, engine.log.columns.take_owned): whole numbers int64 (Int64 where one
    is missing), true/false bool (object with None where one is missing), dates as
    datetime.date, times of day as datetime.time, date-times datetime64[s] or [ns] (UTC
    where they carry an offset), text with an empty field missing."""
    import copy

    import numpy as np

    from ..io.csv import _empty_text_missing
    from ..log.columns import take_owned
    from ..log.eventlog import EventLog

    if not isinstance(log, EventLog):
        return log
    typed = dict(log.attributes)
    for name, kind in kinds.items():
        column = _read_csv_text(_csv_text(log.attributes[name]), CSV_TYPES[kind])
        table = _empty_text_missing(pa.table({name: column}), [name])
        typed[name] = take_owned([table.column(name)], np.arange(table.num_rows))
    out = copy.copy(log)
    out.attributes = typed
    out._cache = {}
    return out


def _converts(text: bytes, kind: int) -> bool:
    try:
        _read_csv_text(text, CSV_TYPES[kind])
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return False
    return True


def _csv_text(values: pd.Series) -> bytes:
    """`values` (text as a CSV field holds it) as a one-column CSV, quoted only where a
    value holds a quote, a comma or a line break."""
    lines = ["v"]
    for value in values.fillna("").astype(str).tolist():
        if '"' in value or "," in value or "\n" in value or "\r" in value:
            value = '"' + value.replace('"', '""') + '"'
        lines.append(value)
    return ("\n".join(lines) + "\n").encode()


def _read_csv_text(text: bytes, kind: pa.DataType | None) -> pa.ChunkedArray:
    """The one-column CSV `text` (_csv_text) read by Arrow's CSV reader with the options
    of one machine's read, as `kind` (None: the type it infers)."""
    import io

    import pyarrow.csv as pacsv

    from ..io.csv import NULL_WORDS

    table = pacsv.read_csv(
        io.BytesIO(text),
        parse_options=pacsv.ParseOptions(ignore_empty_lines=False, newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(
            column_types={"v": kind} if kind is not None else None,
            **NULL_WORDS,
        ),
    )
    return table.column("v")
