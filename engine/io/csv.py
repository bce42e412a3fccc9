"""CSV reader built on pyarrow's multithreaded parser.

The key columns (case, activity, timestamps) are read as text: an id such as '007' or 'NA'
must stay what it is, and timestamps are parsed later with row-level error reporting.
ISO 8601 timestamp columns (`iso_columns`) are parsed by the reader itself, in parallel,
when the file's first block shows them all naive or all with an offset and the whole
read then finds every value; otherwise (a blank, a null token, another format) they are
read again as text, so that what the log gets is what the text path gives.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from ..errors import InputError, one_line
from ._columns import check_columns

#: Null words (Arrow's null_values: '', 'NA', 'null', ...) are missing in every column but
#: text, quoted or not: a CSV that quotes every field (as Python's csv.QUOTE_ALL writes)
#: holds a missing number as "", which must not make a number column text. Text keeps
#: them as written (an id 'NA' stays an id; empty text is made missing afterwards).
NULL_WORDS = {"strings_can_be_null": False, "quoted_strings_can_be_null": True}

#: Blocks of 4 MB, not Arrow's 1 MB: the same parse time on two cores, and a quarter as
#: many chunks for the coding that follows (its per-chunk work cost 0.03 s at 5M rows).
_READ = pacsv.ReadOptions(block_size=4 << 20)


def csv_separator(sep: object) -> str:
    """The character between a CSV file's fields: `sep` when it is one character, a tab
    for the usual ways of typing one (backslash-t, as a shell or a config file passes
    it, and the word 'tab'); anything else is refused before a file is opened."""
    if isinstance(sep, str):
        if len(sep) == 1:
            return sep
        if sep == "\\t" or sep.lower() == "tab":
            return "\t"
    got = f"{sep!r} ({len(sep)} characters)" if isinstance(sep, str) else repr(sep)
    raise InputError(
        f"the CSV separator (sep=, --sep) must be one character, such as ',' or ';'; got "
        f"{got}; for a tab pass sep='\\t' or 'tab' (--sep tab)"
    )


def read_csv(
    path: Path,
    *,
    columns: Sequence[str] | None,
    sep: str = ",",
    text_columns: Sequence[str] = (),
    roles: Mapping[str, str] | None = None,
    iso_columns: Sequence[str] = (),
) -> pa.Table:
    parse = pacsv.ParseOptions(delimiter=sep)
    check_columns(columns, csv_columns(path, sep=sep), where=f"'{path}'", roles=roles)
    timestamps = _iso_types(path, parse, iso_columns)
    attributes = [c for c, role in (roles or {}).items() if role == "attributes"]
    if timestamps:
        table = _read(path, parse, columns, {**_text_types(text_columns, roles), **timestamps})
        if table is not None and not any(table[c].null_count for c in timestamps):
            return _empty_text_missing(table, attributes)
    table = _read(path, parse, columns, _text_types(text_columns, roles), strict=True)
    return _empty_text_missing(table, attributes)


def _empty_text_missing(table: pa.Table, columns: Sequence[str]) -> pa.Table:
    """Empty fields of the text `columns` as missing values. A CSV writes a missing value
    as an empty field; text is read with nulls off so that a value such as 'NA' stays
    text, which would otherwise leave '' where the same log from Parquet has a null.
    (Empty key fields are counted as missing where the keys are coded.)"""
    for name in columns:
        index = table.schema.get_field_index(name)
        if index < 0:
            continue
        column = table.column(index)
        if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
            continue
        empty = pc.equal(column, "")
        if pc.any(empty).as_py():
            nulled = pc.if_else(empty, pa.scalar(None, column.type), column)
            table = table.set_column(index, name, nulled)
    return table


def _text_types(text_columns: Sequence[str], roles: Mapping[str, str] | None) -> dict:
    types = {c: pa.string() for c in text_columns}
    for column, role in (roles or {}).items():
        if role == "activity" and column in types:
            # Decoded straight into a dictionary: no separate encoding pass.
            types[column] = pa.dictionary(pa.int32(), pa.string())
    return types


def _iso_types(path: Path, parse: pacsv.ParseOptions, columns: Sequence[str]) -> dict:
    """The timestamp type each of `columns` has in the file's first block (naive, or UTC
    for values with an offset), for those whose first values Arrow parses; no others."""
    if not columns:
        return {}
    try:
        reader = pacsv.open_csv(
            path,
            parse_options=parse,
            read_options=pacsv.ReadOptions(block_size=1 << 16),
            convert_options=pacsv.ConvertOptions(
                include_columns=list(columns), column_types={c: pa.string() for c in columns}
            ),
        )
        first = reader.read_next_batch()
        reader.close()
    except (pa.ArrowException, OSError, EOFError, UnicodeDecodeError, StopIteration):
        return {}
    found = {}
    for column in columns:
        for kind in (pa.timestamp("ns"), pa.timestamp("ns", tz="UTC")):
            try:
                first.column(column).cast(kind)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                continue
            found[column] = kind
            break
    return found


def _read(
    path: Path,
    parse: pacsv.ParseOptions,
    columns: Sequence[str] | None,
    types: dict,
    *,
    strict: bool = False,
) -> pa.Table:
    """The file read with `types`; None when not `strict` and a value does not convert."""
    try:
        convert = pacsv.ConvertOptions(
            include_columns=list(columns) if columns is not None else None,
            column_types=types,
            **NULL_WORDS,
        )
        return pacsv.read_csv(
            path, parse_options=parse, read_options=_READ, convert_options=convert
        )
    except (pa.ArrowException, OSError, EOFError, UnicodeDecodeError) as exc:
        if not strict:
            return None
        raise _unreadable(path, exc) from None


def csv_columns(path: Path, *, sep: str = ",") -> list[str]:
    """Header of a CSV file (decompressed as needed), without reading its body."""
    try:
        reader = pacsv.open_csv(
            path,
            parse_options=pacsv.ParseOptions(delimiter=sep),
            read_options=pacsv.ReadOptions(block_size=1 << 20),
        )
        names = list(reader.schema.names)
        reader.close()
    except (pa.ArrowException, OSError, EOFError, UnicodeDecodeError) as exc:
        raise _unreadable(path, exc) from None
    return names


def _unreadable(path: Path, exc: BaseException) -> InputError:
    return InputError(
        f"'{path}' could not be read as CSV ({one_line(exc)}); check the separator "
        "(sep=, --sep), the encoding (UTF-8) and that the file is complete"
    )
