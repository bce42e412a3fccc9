"""Readers: turn a file or a DataFrame into a pandas DataFrame of the requested columns.

Nothing here validates or interprets the columns; that is the canonical log's job.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd
import pyarrow as pa

from ..errors import InputError
from .batches import TableBatches
from .csv import csv_columns, csv_separator, read_csv
from .mapping import XES_ACTIVITY, XES_CASE, XES_TIMESTAMP
from .parquet import parquet_columns, read_parquet

__all__ = [
    "XES_ACTIVITY",
    "XES_CASE",
    "XES_TIMESTAMP",
    "TableBatches",
    "column_names",
    "csv_separator",
    "detect_format",
    "read_table",
]

FORMATS = ("csv", "parquet", "xes")


def detect_format(path: str | os.PathLike) -> str:
    """Guess the format from the file name: .csv[.gz], .parquet/.pq (or a folder), .xes[.gz]."""
    p = Path(path)
    name = p.name.lower()
    for suffix in (".gz", ".bz2", ".zst", ".zstd", ".xz"):
        if name.endswith(suffix) and not name.endswith(".xes.gz"):
            name = name[: -len(suffix)]
    if name.endswith(".xes") or name.endswith(".xes.gz"):
        return "xes"
    if name.endswith((".csv", ".tsv", ".txt")):
        return "csv"
    if name.endswith((".parquet", ".pq", ".parq")) or p.is_dir():
        return "parquet"
    raise InputError(
        f"cannot tell the format of '{path}' from its name; "
        "pass format='csv', 'parquet' or 'xes' (--format on the command line)"
    )


def read_table(
    source: str | os.PathLike,
    *,
    columns: Sequence[str] | None,
    format: str | None = None,
    sep: str = ",",
    text_columns: Sequence[str] = (),
    roles: Mapping[str, str] | None = None,
    iso_columns: Sequence[str] = (),
) -> pd.DataFrame | pa.Table | TableBatches:
    """Read `columns` (all when None) of a CSV, Parquet or XES file.

    CSV gives a pyarrow Table, a Parquet file TableBatches (read as the log is built), a
    Parquet folder a Table, XES a pandas DataFrame.

    `text_columns` are read as strings from CSV instead of letting types be guessed.
    `roles` maps a column to the argument that asked for it ('case', 'attributes', ...),
    so that a missing column's error names the argument to fix. `iso_columns` (CSV): text
    columns the reader may parse as ISO 8601 timestamps itself (see io/csv.py).
    """
    path = Path(source)
    if not path.exists():
        raise InputError(f"log file '{source}' does not exist")
    fmt = format or detect_format(path)
    if fmt not in FORMATS:
        raise InputError(f"format must be one of {', '.join(FORMATS)}; got {fmt!r}")
    if fmt == "xes":
        from .xes import read_xes  # lxml loads only for XES files

        return read_xes(path, columns=columns, roles=roles)
    if fmt == "parquet":
        return read_parquet(path, columns=columns, roles=roles)
    return read_csv(
        path,
        columns=columns,
        sep=sep,
        text_columns=text_columns,
        roles=roles,
        iso_columns=iso_columns,
    )


def column_names(source: str | os.PathLike, *, format: str, sep: str = ",") -> list[str]:
    """The column names of a CSV or Parquet file, read from its header or schema only."""
    path = Path(source)
    if not path.exists():
        raise InputError(f"log file '{source}' does not exist")
    if format == "parquet":
        return parquet_columns(path)
    return csv_columns(path, sep=sep)
