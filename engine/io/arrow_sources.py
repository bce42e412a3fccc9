"""In-memory and database sources handed over as Arrow, without a pandas round trip:
a pyarrow Table, RecordBatch or RecordBatchReader, a Polars DataFrame or LazyFrame, a
DuckDB relation, and a DuckDB database file read with a table name or a query.

Polars and DuckDB are recognised by their type's module, so neither is imported unless
the caller passed one of theirs (or a DuckDB file, which needs the duckdb package)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pyarrow as pa

from ..errors import InputError

#: File names read as DuckDB databases.
DUCKDB_SUFFIXES = (".duckdb", ".ddb")


def arrow_table(source: object) -> tuple[pa.Table, str] | None:
    """(the source as one Arrow table, a label), or None when it is none of those kinds.
    A reader's batches are gathered (read_log needs the whole table to order it)."""
    if isinstance(source, pa.Table):
        return source, "Arrow table"
    if isinstance(source, pa.RecordBatch):
        return pa.Table.from_batches([source]), "Arrow record batch"
    if isinstance(source, pa.RecordBatchReader):
        return source.read_all(), "Arrow record batch reader"
    module = type(source).__module__
    if module.startswith("polars"):
        kind = type(source).__name__
        if kind == "LazyFrame":
            return _polars_table(source.collect(), "Polars LazyFrame"), "Polars LazyFrame"
        if kind == "DataFrame":
            return _polars_table(source, "Polars DataFrame"), "Polars DataFrame"
    if module.startswith("duckdb") and hasattr(source, "arrow"):
        return _as_table(source.arrow()), "DuckDB relation"
    return None


def _polars_table(frame: object, label: str) -> pa.Table:
    """A Polars frame as Arrow. Arrow has no 128-bit integers (Polars' export fails on
    them with "unsupported format string '_pli128'"): an Int128 or UInt128 column whose
    values all fit 64 bits is read as Int64 or UInt64, the same numbers; one that does not
    is refused, naming the column and the fix."""
    import polars as pl

    narrower = {pl.Int128: (pl.Int64, np.int64), pl.UInt128: (pl.UInt64, np.uint64)}
    casts = []
    for name, kind in frame.schema.items():
        if kind not in narrower:
            continue
        narrow, limits = narrower[kind][0], np.iinfo(narrower[kind][1])
        column = pl.col(name)
        beyond = frame.filter((column < int(limits.min)) | (column > int(limits.max)))
        if beyond.height:
            shown = ", ".join(str(v) for v in beyond[name].head(3).to_list())
            rows = f"{beyond.height:,} row" + ("s" if beyond.height > 1 else "")
            raise InputError(
                f"column '{name}' of the {label} holds {kind} values beyond 64 bits in "
                f"{rows} (e.g. {shown}), which Arrow cannot hold; cast it to "
                f"text (pl.col('{name}').cast(pl.String)), or select the columns the read uses"
            )
        casts.append(column.cast(narrow))
    return (frame.with_columns(casts) if casts else frame).to_arrow()


def is_duckdb_file(source: object) -> bool:
    return isinstance(source, str | os.PathLike) and Path(source).suffix.lower() in DUCKDB_SUFFIXES


def duckdb_table(path: str | os.PathLike, *, table: str | None, query: str | None) -> pa.Table:
    """The rows of `table`, or of the user's own `query`, from a DuckDB database file,
    opened read-only. The table name is quoted as an identifier; the query is the user's
    and is passed as given, never assembled from other input."""
    if (table is None) == (query is None):
        raise InputError(
            f"'{path}' is a DuckDB database: pass table='NAME' (--table NAME) or "
            "query='SELECT ...' (--query 'SELECT ...'), one of them"
        )
    if not Path(path).is_file():
        raise InputError(f"the DuckDB database '{path}' does not exist")
    try:
        import duckdb
    except ImportError:
        raise InputError(
            "reading a DuckDB database needs the duckdb package: pip install duckdb"
        ) from None
    sql = query if query is not None else 'SELECT * FROM "' + table.replace('"', '""') + '"'
    try:
        with duckdb.connect(os.fspath(path), read_only=True) as con:
            return _as_table(con.sql(sql).arrow())
    except duckdb.Error as exc:
        message = " ".join(str(exc).split())[:300]
        raise InputError(f"DuckDB could not run the query on '{path}': {message}") from None


def _as_table(result: object) -> pa.Table:
    """DuckDB hands back a Table or a RecordBatchReader depending on its version."""
    if isinstance(result, pa.RecordBatchReader):
        return result.read_all()
    return result
