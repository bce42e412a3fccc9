"""Parquet reader (a file or a folder of files), reading only the requested columns."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import InputError, one_line
from ._columns import check_columns


def parquet_columns(path: Path) -> list[str]:
    try:
        schema = pq.read_schema(path) if path.is_file() else pq.ParquetDataset(path).schema
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise _unreadable(path, exc) from None
    return list(schema.names)


def read_parquet(path: Path, *, columns: Sequence[str] | None) -> pa.Table:
    check_columns(columns, parquet_columns(path), where=f"'{path}'")
    try:
        table = pq.read_table(path, columns=list(columns) if columns is not None else None)
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise _unreadable(path, exc) from None
    return table


def _unreadable(path: Path, exc: BaseException) -> InputError:
    return InputError(
        f"'{path}' is not a readable Parquet file ({one_line(exc)}); "
        "it may be truncated or corrupt: re-export it"
    )
