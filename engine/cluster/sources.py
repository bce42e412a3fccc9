"""The dask backend's other sources: CSV files (a file or a glob, through
dask.dataframe.read_csv) and a PostgreSQL query read by ranges of a key column."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from ..errors import InputError
from ..log.columns import nullable_integers

#: Rows per partition of a PostgreSQL query when npartitions is not given.
SQL_PARTITION_ROWS = 1_000_000
#: Compressed CSV files cannot be split: each is one partition.
COMPRESSED = (".gz", ".bz2", ".xz", ".zst", ".zstd", ".zip")


def csv_columns(path: str, *, sep: str) -> list[str]:
    """The header of the (first) CSV file of `path`."""
    return [str(c) for c in _read_csv(path, sep=sep).columns]


def csv_header(path: str, *, sep: str) -> list[str]:
    """The header of the (first) CSV file of `path` as written: pandas, and so
    `csv_columns`, renames a repeated name ('ts' and 'ts.1'), which would hide it."""
    from fsspec import open_files

    try:
        with open_files(path, mode="rb", compression="infer")[0] as stream:
            first = pd.read_csv(
                stream, sep=sep, header=None, nrows=1, dtype=str, keep_default_na=False
            )
    except (IndexError, OSError, ValueError, UnicodeDecodeError) as error:
        raise _unreadable(path, error) from None
    return [str(name) for name in first.iloc[0]]


def csv_frame(
    path: str, *, sep: str, columns: Sequence[str], text: Sequence[str]
) -> tuple[Any, list[str]]:
    """`columns` of the CSV files `path` names, each kept as its text as written (an id
    '007' or a word 'NA' stays that text, an empty field is ''), and those of them that
    are not `text` (the key columns, which the build reads as text). These are typed
    once the whole log is read, as one machine's Arrow read types them, by all their
    values (engine.cluster.parts.csv_kinds): dask would type them by the first rows of
    each block, with pandas' rules (its null words, bool before a blank)."""
    options: dict[str, Any] = {"sep": sep, "usecols": list(columns), "keep_default_na": False}
    typed = [c for c in columns if c not in text]
    kinds = {c: "string" for c in text} | {c: pd.StringDtype("pyarrow") for c in typed}
    return _read_csv(path, dtype=kinds, **options), typed


def _read_csv(path: str, *, sep: str, **options: Any) -> Any:
    import dask.dataframe as dd

    blocksize = None if path.lower().endswith(COMPRESSED) else "64MiB"
    try:
        return dd.read_csv(path, sep=sep, blocksize=blocksize, **options)
    except (OSError, ValueError, UnicodeDecodeError) as error:
        raise _unreadable(path, error) from None


def _unreadable(path: str, error: BaseException) -> InputError:
    message = " ".join(str(error).split())[:300]
    return InputError(
        f"cannot read '{path}' as CSV with dask ({message}); check the path or glob, "
        "the separator (sep=, --sep) and the encoding (UTF-8)"
    )


@dataclass(frozen=True)
class _Range:
    """One partition: the rows whose key is in [low, high), or [low, high] and the rows
    without a key for the last one (they are dropped and counted like any missing key)."""

    uri: str
    sql: str
    key: str
    low: int
    high: int
    last: bool


def sql_frame(
    uri: str, query: str | None, *, partition_on: str | None, npartitions: int | None
) -> Any:
    """A dask DataFrame of the user's query, one partition per range of the integer
    column `partition_on` (each partition its own query, run where the task runs)."""
    import dask.dataframe as dd

    from ..io.sql import run_query

    result = run_query(uri, query)
    names = result.column_names
    if partition_on is None:
        raise InputError(
            "the dask backend reads a PostgreSQL query by ranges of an integer column: name "
            "it with partition_on='COLUMN' (--partition-on), e.g. a bigint case id; query "
            f"columns: {', '.join(names[:30])}"
        )
    if partition_on not in names:
        raise InputError(
            f"partition_on column {partition_on!r} is not in the query's columns: "
            f"{', '.join(names[:30])}"
        )
    kind = result.schema.field(partition_on).type
    if not pa.types.is_integer(kind):
        raise InputError(
            f"partition_on column {partition_on!r} is {kind}, not an integer: the dask backend "
            "splits a query by ranges of an integer column (a bigint id); name one, read "
            "with the pandas backend, or convert first: parcours convert URI LOG.parquet "
            '--query "..."'
        )
    low, high = _bounds(result.query, partition_on)
    if npartitions is None:
        npartitions = max(1, -(-result.num_rows // SQL_PARTITION_ROWS))
    if low is None:  # no key at all: one partition, which holds the rows without one
        low, high, npartitions = 0, 0, 1
    edges = np.unique(np.linspace(low, high, npartitions + 1).round().astype(np.int64))
    if len(edges) == 1:
        edges = np.array([low, high], np.int64)
    ranges = [
        _Range(uri, result.query.sql, partition_on, int(a), int(b), last=i == len(edges) - 2)
        for i, (a, b) in enumerate(itertools.pairwise(edges))
    ]
    meta = result.schema.empty_table().to_pandas(types_mapper=nullable_integers)
    return dd.from_map(_read_range, ranges, meta=meta, label="read-postgresql")


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _bounds(query: Any, key: str) -> tuple[int | None, int | None]:
    from ..io.sql import _failed, connect

    con = connect(query.uri)
    try:
        with con.cursor() as cur:
            try:
                cur.execute(
                    f"SELECT min({_quoted(key)}), max({_quoted(key)}) "
                    f"FROM ({query.sql}) AS parcours_query"
                )
                low, high = cur.fetchone()
            except Exception as exc:
                raise _failed(query, exc) from None
    finally:
        con.close()
    return low, high


def _read_range(part: _Range) -> pd.DataFrame:
    """The rows of one range, as pandas (run on a worker), integers as pandas' nullable
    integers: a bigint with a NULL keeps every digit."""
    from ..io.sql import _failed, _Query, connect, plain

    key = _quoted(part.key)
    where = f"{key} >= $1 AND {key} {'<=' if part.last else '<'} $2"
    if part.last:
        where = f"({where}) OR {key} IS NULL"
    sql = f"SELECT * FROM ({part.sql}) AS parcours_query WHERE {where}"
    con = connect(part.uri)
    try:
        with con.cursor() as cur:
            try:
                cur.execute(sql, parameters=(part.low, part.high))
                table = cur.fetch_arrow_table()
            except Exception as exc:
                raise _failed(_Query(part.uri, part.sql), exc) from None
    finally:
        con.close()
    return plain(table).to_pandas(types_mapper=nullable_integers)
