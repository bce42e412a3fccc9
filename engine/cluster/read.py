"""From a dask DataFrame, Parquet or CSV files (a folder or glob), or a PostgreSQL query,
to a DaskEventLog."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import InputError
from ..io._columns import check_unique, column_roles
from ..io.mapping import resolve_mapping
from ..log.columns import nullable_integers

if TYPE_CHECKING:
    from .eventlog import DaskEventLog

#: Input order of each row, (partition << 40) + position: ties in time keep it.
from .parts import ROW


def read_dask_log(
    source: Any,
    *,
    case: str | None = None,
    activity: str | None = None,
    timestamp: str | None = None,
    start_timestamp: str | None = None,
    timestamp_format: str | None = None,
    timestamp_unit: str | None = None,
    npartitions: int | None = None,
    scheduler: str | None = None,
    attributes: Sequence[str] = (),
    format: str | None = None,
    sep: str = ",",
    query: str | None = None,
    partition_on: str | None = None,
) -> DaskEventLog:
    """A log on Dask: `source` is a dask DataFrame, a Parquet or CSV (format='csv')
    folder, file or glob, or a PostgreSQL URI with its `query`, read by ranges of the
    integer column `partition_on` (see cluster/sources.py).

    Cases are never split: rows are shuffled once by hashed case id into `npartitions`
    partitions (default: as many as the input has), with P2P on a distributed cluster.
    `scheduler` is a scheduler address; without one the current dask.distributed client
    is used, or a local cluster is started. `attributes`: further event columns to carry
    (segments of the journey layer).
    """
    import dask.dataframe as dd

    from ..io.sql import is_sql_uri
    from .eventlog import DaskEventLog
    from .session import connect
    from .sources import csv_columns, csv_frame, csv_header, sql_frame

    client = connect(scheduler)
    csv = parquet = False
    given = isinstance(source, dd.DataFrame)  # its columns are left as they are
    if given:
        frame, label = source, f"dask DataFrame ({source.npartitions} partitions)"
    elif is_sql_uri(source):
        frame = sql_frame(source, query, partition_on=partition_on, npartitions=npartitions)
        label = f"{source}, query: {query} ({frame.npartitions} ranges of {partition_on})"
    elif isinstance(source, str | os.PathLike) and format == "csv":
        path = label = os.fspath(source)
        frame, csv = None, True
    elif isinstance(source, str | os.PathLike):
        path = os.fspath(source)
        try:
            frame = _parquet_frame(path)
        except (FileNotFoundError, OSError, ValueError) as error:
            raise InputError(
                f"cannot read '{path}' as Parquet with dask ({error}); the dask backend "
                "reads a Parquet file, folder or glob, or takes a dask DataFrame"
            ) from None
        label, parquet = path, True
    else:
        raise InputError(
            "the dask backend takes a dask DataFrame or a Parquet path or glob; got "
            f"{type(source).__name__}"
        )
    columns = csv_columns(label, sep=sep) if csv else [str(c) for c in frame.columns]
    mapping = resolve_mapping(
        columns, case, activity, timestamp, start_timestamp, where=f"'{label}'"
    )
    wanted = [mapping.case, mapping.activity, mapping.timestamp]
    if mapping.start_timestamp is not None:
        wanted.append(mapping.start_timestamp)
    wanted += [a for a in attributes if a not in wanted]
    absent = [c for c in wanted if c not in columns]
    if absent:
        shown = ", ".join(repr(c) for c in columns[:30])
        raise InputError(
            f"column {absent[0]!r} is not in '{label}'; it has: {shown}. Pass the right "
            "name with case=/activity=/timestamp=/attributes="
        )
    header = csv_header(path, sep=sep) if csv else columns
    check_unique(column_roles(mapping, attributes), header, where=f"'{label}'")
    if parquet and Path(path).is_dir():
        frame = _folder_frame(frame, path, wanted)
    if csv:
        text = [c for c in vars(mapping).values() if c is not None]
        frame, typed = csv_frame(path, sep=sep, columns=wanted, text=text)
    frame = frame[wanted]
    # Integer attributes this read made nullable: plain again in a part without a null
    # (Parquet, PostgreSQL); a CSV's attributes come as text, typed once all are read.
    nullable = [] if given or csv else list(dict.fromkeys(attributes))
    numbered = frame.map_partitions(_number_rows, meta=frame._meta.assign(**{ROW: np.int64(0)}))
    method = "p2p" if client is not None and _p2p_available() else "tasks"
    if npartitions is None:  # at least two tasks per worker thread
        threads = sum(client.nthreads().values()) if client is not None else 1
        npartitions = max(frame.npartitions, 2 * threads)
    shuffled = numbered.shuffle(on=mapping.case, npartitions=npartitions, method=method)
    return DaskEventLog(
        shuffled,
        mapping,
        source=label,
        client=client,
        parse={"timestamp_format": timestamp_format, "timestamp_unit": timestamp_unit},
        attributes=list(attributes),
        nullable=nullable,
        csv_text=typed if csv else [],
        read=frame,
    )


def _folder_frame(frame: Any, path: str, wanted: list[str]) -> Any:
    """A Parquet folder's files checked as one machine checks them (io/parquet.py: a file
    lacking a read column, or a column whose types differ in kind, is a one-line error);
    types that only differ in form (dictionary or plain text, narrower integers) are read
    as the folder's common type, as there. Unchecked, Dask failed inside its shuffle."""
    import pyarrow as pa

    from ..io.parquet import _folder_schemas, unified_schema

    dataset, schemas = _folder_schemas(Path(path))  # each file's footer, read once
    schema = unified_schema(Path(path), wanted, dataset, schemas)
    if schema is None:
        return frame

    def encodings(name: str) -> set[bool]:
        """Whether the files holding `name` store it dictionary-encoded."""
        return {
            pa.types.is_dictionary(s.field(name).type) for s in schemas.values() if name in s.names
        }

    mixed = [name for name in wanted if len(encodings(name)) > 1]
    if mixed:  # dask takes a file's pandas categories for every file's
        raise InputError(
            f"column '{mixed[0]}' is categorical (dictionary-encoded) in some files of "
            f"'{path}' and plain text in others, which the dask backend cannot read as one "
            "column; write every file the same way, or read the folder with the pandas "
            "backend, which does"
        )
    return _parquet_frame(path, dataset={"schema": schema})


def _parquet_frame(path: str, **options: Any) -> Any:
    """The Parquet file, folder or glob as a dask DataFrame: row groups become partitions,
    so that one large file is read in parallel, and integers are pandas' nullable
    integers, so that one with a null keeps every digit."""
    import dask.dataframe as dd

    return dd.read_parquet(
        path,
        split_row_groups="adaptive",
        blocksize="32MiB",
        arrow_to_pandas={"types_mapper": nullable_integers},
        **options,
    )


def _number_rows(part: pd.DataFrame, partition_info: dict | None = None) -> pd.DataFrame:
    number = 0 if partition_info is None else int(partition_info["number"])
    rows = (np.int64(number) << np.int64(40)) + np.arange(len(part), dtype=np.int64)
    return part.assign(**{ROW: rows})


def _p2p_available() -> bool:
    try:
        import distributed.shuffle  # noqa: F401
    except ImportError:
        return False
    return True
