"""One partition of a log on Dask built into its canonical log, on the worker."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from ..errors import InputError
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


#: What the text of a column holds, from the narrowest: nothing (every value missing),
#: whole numbers int64 holds, numbers, or other text.
KINDS = ("none", "int", "float", "text")


def text_kinds(log: Any, columns: Sequence[str]) -> dict[str, str] | None:
    """What each of `columns` (text) holds in one partition's log (KINDS); None for a
    partition without a usable row."""
    from ..log.eventlog import EventLog

    if not isinstance(log, EventLog):
        return None
    return {name: _kind(_digits(log.attributes[name])) for name in columns}


def column_kind(name: str, kinds: Sequence[str]) -> str:
    """The kind of a column over all its partitions: the widest, numbers before text.
    A column of numbers in some partitions and words in others is refused: its numbers
    are not kept as written."""
    found = set(kinds) - {"none"}
    if "text" in found and len(found) > 1:
        raise InputError(
            f"attribute '{name}' of the CSV holds numbers in some partitions and text in "
            "others, and the dask backend gives a column one type in every partition; read "
            "it with the pandas backend (as text), or convert the log first (parcours "
            f"convert LOG LOG.parquet --attribute '{name}' ...)"
        )
    return max(found, key=KINDS.index, default="none")


def typed_texts(log: Any, kinds: dict[str, str]) -> Any:
    """The log with each column of `kinds` (text) as its kind says: whole numbers as
    int64 (Int64 where one is missing, every digit kept), numbers as float64 (NaN where
    missing; parsed as Arrow parses a CSV, the nearest float64), text as written (str),
    a column of nothing as float64 NaN, as pandas reads an empty column."""
    import copy

    import pyarrow as pa
    import pyarrow.compute as pc

    from ..log.eventlog import EventLog

    if not isinstance(log, EventLog):
        return log
    typed = dict(log.attributes)
    for name, kind in kinds.items():
        values = log.attributes[name]
        if kind == "text":
            typed[name] = values.astype("str")
            continue
        digits = _digits(values)
        if kind == "int":
            ints = pc.cast(digits, pa.int64())
            numbers = ints.fill_null(0).to_numpy(zero_copy_only=False)
            missing = ints.is_null().to_numpy(zero_copy_only=False)
            typed[name] = pd.Series(
                pd.arrays.IntegerArray(numbers, missing) if missing.any() else numbers
            )
        else:
            floats = pc.cast(digits, pa.float64()).to_numpy(zero_copy_only=False)
            typed[name] = pd.Series(floats)
    out = copy.copy(log)
    out.attributes = typed
    out._cache = {}
    return out


def _digits(values: pd.Series) -> Any:
    """A text column as Arrow text with the blanks around and a leading '+' left out (as
    pandas reads the number ' +5')."""
    import pyarrow as pa
    import pyarrow.compute as pc

    text = pc.utf8_trim_whitespace(pa.array(values, type=pa.large_string(), from_pandas=True))
    return pc.replace_substring_regex(text, pattern=r"^\+", replacement="")


def _kind(digits: Any) -> str:
    import pyarrow as pa
    import pyarrow.compute as pc

    if digits.null_count == len(digits):
        return "none"
    for kind, target in (("int", pa.int64()), ("float", pa.float64())):
        try:
            pc.cast(digits, target)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            continue
        return kind
    return "text"
