"""read_log: the one entry to reading, for both backends. It sends a source to the Dask
backend (engine.cluster) or to the single-machine reader (engine.log.read)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

import pandas as pd

from .errors import InputError
from .gc_pause import with_gc_paused
from .io import csv_separator, detect_format
from .log.read import Source, read_eventlog

if TYPE_CHECKING:
    from .cluster import DaskEventLog
    from .log.eventlog import EventLog


def _is_dask_frame(source: object) -> bool:
    """Whether source is a dask DataFrame (without importing dask when it is not)."""
    return type(source).__module__.startswith("dask")


def _text_labels(source: Source) -> Source:
    """A pandas or dask DataFrame with column labels that are not text (0, 1, 2 from
    read_csv(header=None)) as a new frame over the same data with the labels as text ('0'),
    the caller's frame unchanged; any other source as it is."""
    if not (isinstance(source, pd.DataFrame) or _is_dask_frame(source)):
        return source
    if isinstance(source.columns, pd.MultiIndex):
        shown = ", ".join(repr(label) for label in source.columns[:3])
        more = ", ..." if len(source.columns) > 3 else ""
        raise InputError(
            f"the DataFrame's columns have {source.columns.nlevels} levels ({shown}{more}): "
            "name each column by one label; flatten them first, e.g. df.columns = "
            "['_'.join(map(str, c)) for c in df.columns]"
        )
    if all(isinstance(label, str) for label in source.columns):
        return source
    return source.rename(columns=str)


@with_gc_paused  # a first read loads numba's kernels: see gc_pause.py
def read_log(
    source: Source,
    *,
    case: str | int | None = None,
    activity: str | int | None = None,
    timestamp: str | int | None = None,
    start_timestamp: str | int | None = None,
    attributes: Sequence[str | int] | None = (),
    timestamp_format: str | None = None,
    timestamp_unit: str | None = None,
    format: str | None = None,
    sep: str = ",",
    backend: str = "pandas",
    npartitions: int | None = None,
    scheduler: str | None = None,
    table: str | None = None,
    query: str | None = None,
    partition_on: str | None = None,
) -> EventLog | DaskEventLog:
    """Read an event log into canonical form.

    source: a CSV, Parquet (file or folder) or XES(.gz) path, or a pandas DataFrame
        (never modified).
    case, activity, timestamp: the columns holding them. They default to the XES keys
        (case:concept:name, concept:name, time:timestamp) when the log has those columns.
    start_timestamp: optional column of activity start times; edge durations then run
        from the end of one event to the start of the next.
    attributes: further event columns to carry along (e.g. a channel or a score).
    Columns are named as text: a DataFrame's labels that are not (0, 1, 2 from
    read_csv(header=None)) are matched by their text, so case=0 or case='0' names label 0,
    and the log calls that column '0'.
    timestamp_format: strftime format of text timestamps (default: ISO 8601).
    timestamp_unit: 's', 'ms', 'us' or 'ns' when timestamps are epoch numbers.
    format: 'csv', 'parquet' or 'xes' when the file name does not tell.
    sep: the CSV field separator, one character; a tab also as '\\t' (backslash-t) or
        'tab'.
    table, query: for a DuckDB database file (.duckdb), the table to read or the user's
        own SELECT query (one of them).

    The source may also be a pyarrow Table, RecordBatch or RecordBatchReader, a Polars
    DataFrame or LazyFrame, or a DuckDB relation: read as Arrow, with no pandas round trip.

    The source may also be a PostgreSQL URI, postgresql://user@host:port/db (no password
    in it: libpq takes it from PGPASSWORD or ~/.pgpass), with query= the SELECT whose
    rows are the events. The rows stream in as Arrow batches, coded as they arrive, as a
    Parquet file's are. Rows come in the server's order: add ORDER BY for a reproducible
    order of events that share a timestamp.

    backend: 'pandas' (one machine, exact) or 'dask': a DaskEventLog over a dask
        DataFrame, a Parquet or CSV file, folder or glob, or a PostgreSQL query,
        partitioned by case into `npartitions`, on the cluster at `scheduler` (an
        address; default: the current client, or a local cluster). A dask DataFrame
        source implies backend='dask'.
    partition_on: with backend='dask' and a PostgreSQL query, the integer column (a
        bigint case id, say) whose ranges the query is read by, one range per task.

    Rows with no case, activity or timestamp are dropped and counted in `log.dropped`.
    Raises InputError, with a one-line message naming the column and rows, on bad input.
    """
    sep = csv_separator(sep)
    case, activity, timestamp, start_timestamp = (
        None if name is None else str(name) for name in (case, activity, timestamp, start_timestamp)
    )
    attributes = [str(name) for name in attributes or ()]
    source = _text_labels(source)
    if backend == "dask" or _is_dask_frame(source):
        from .io.sql import is_sql_uri

        sql = is_sql_uri(source)
        given = format
        if given is None and not sql and isinstance(source, str | os.PathLike):
            try:
                given = detect_format(source)
            except InputError:  # a glob of Parquet files, say: the dask reader decides
                given = None
        if given not in (None, "parquet", "csv"):
            raise InputError(
                f"the dask backend reads Parquet, CSV, a PostgreSQL query or a dask "
                f"DataFrame, not {given.upper()}; convert it first: parcours convert "
                f"{os.fspath(source)} LOG.parquet (or drop backend='dask')"
            )
        if table is not None or (query is not None and not sql):
            raise InputError("with backend='dask', query= goes with a postgresql:// URI only")
        if partition_on is not None and not sql:
            raise InputError("partition_on= goes with a postgresql:// URI (and its query=)")
        _require_dask()
        from .cluster import read_dask_log

        return read_dask_log(
            source,
            case=case,
            activity=activity,
            timestamp=timestamp,
            start_timestamp=start_timestamp,
            timestamp_format=timestamp_format,
            timestamp_unit=timestamp_unit,
            npartitions=npartitions,
            scheduler=scheduler,
            attributes=attributes,
            format=given,
            sep=sep,
            query=query,
            partition_on=partition_on,
        )
    if backend != "pandas":
        raise InputError(f"unknown backend {backend!r}; choose 'pandas' or 'dask'")
    return read_eventlog(
        source,
        case=case,
        activity=activity,
        timestamp=timestamp,
        start_timestamp=start_timestamp,
        attributes=attributes,
        timestamp_format=timestamp_format,
        timestamp_unit=timestamp_unit,
        format=format,
        sep=sep,
        table=table,
        query=query,
        partition_on=partition_on,
    )


def _require_dask() -> None:
    """The dask backend is an extra: say how to install it rather than fail inside."""
    try:
        import dask.dataframe  # noqa: F401
    except ImportError as error:
        raise InputError(
            f"backend='dask' needs dask, which is not installed ({error}): "
            "pip install 'parcours[dask]'"
        ) from None
