"""CSV reader built on pyarrow's multithreaded parser.

The key columns (case, activity, timestamps) are read as text: an id such as '007' or 'NA'
must stay what it is, and timestamps are parsed later with row-level error reporting.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

from ..errors import InputError, one_line
from ._columns import check_columns


def read_csv(
    path: Path,
    *,
    columns: Sequence[str] | None,
    sep: str = ",",
    text_columns: Sequence[str] = (),
    roles: Mapping[str, str] | None = None,
) -> pa.Table:
    parse = pacsv.ParseOptions(delimiter=sep)
    check_columns(columns, csv_columns(path, sep=sep), where=f"'{path}'", roles=roles)
    try:
        types = {c: pa.string() for c in text_columns}
        for column, role in (roles or {}).items():
            if role == "activity" and column in types:
                # Decoded straight into a dictionary: no separate encoding pass.
                types[column] = pa.dictionary(pa.int32(), pa.string())
        convert = pacsv.ConvertOptions(
            include_columns=list(columns) if columns is not None else None,
            column_types=types,
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        )
        table = pacsv.read_csv(path, parse_options=parse, convert_options=convert)
    except (pa.ArrowException, OSError, EOFError, UnicodeDecodeError) as exc:
        raise _unreadable(path, exc) from None
    return table


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
