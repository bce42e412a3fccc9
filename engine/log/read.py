"""read_eventlog: a file, a database query or a DataFrame read on one machine into the
canonical EventLog (engine.read.read_log is the entry for both backends)."""

from __future__ import annotations

import os
from collections.abc import Sequence

import pandas as pd

from ..errors import InputError
from ..io import column_names, detect_format, read_table
from ..io._columns import check_unique, column_roles
from ..io.mapping import ColumnMapping, resolve_mapping
from .build import build_canonical
from .eventlog import EventLog

Source = str | os.PathLike | pd.DataFrame


def read_eventlog(
    source: Source,
    *,
    case: str | None = None,
    activity: str | None = None,
    timestamp: str | None = None,
    start_timestamp: str | None = None,
    attributes: Sequence[str] = (),
    timestamp_format: str | None = None,
    timestamp_unit: str | None = None,
    format: str | None = None,
    sep: str = ",",
    table: str | None = None,
    query: str | None = None,
    partition_on: str | None = None,
) -> EventLog:
    """The log read on one machine (engine.read.read_log with backend='pandas', which
    documents the arguments)."""
    from ..io.arrow_sources import arrow_table, duckdb_table, is_duckdb_file
    from ..io.sql import is_sql_uri, run_query

    if partition_on is not None:
        raise InputError("partition_on= goes with backend='dask' and a PostgreSQL source")
    if is_sql_uri(source):
        if table is not None:
            raise InputError(
                f"a PostgreSQL source is read by query: pass query='SELECT ... FROM {table}' "
                f"(--query 'SELECT ... FROM {table}') instead of table= (--table)"
            )
        result = run_query(source, query)
        mapping = resolve_mapping(
            result.column_names, case, activity, timestamp, start_timestamp, where="the query"
        )
        check_unique(column_roles(mapping, attributes), result.column_names, where="the query")
        frame = result.batches(spool=[mapping.case])
        label = f"{source}, query: {query} ({result.num_rows:,} rows)"
        return _build(frame, mapping, attributes, timestamp_format, timestamp_unit, label)
    if (table is not None or query is not None) and not is_duckdb_file(source):
        raise InputError(
            "table= and query= (--table, --query) go with a DuckDB database file (.duckdb) "
            "or, query= alone, a postgresql:// URI"
        )
    handed = arrow_table(source)
    if is_duckdb_file(source):
        read = f"table '{table}'" if table is not None else f"query: {query}"
        handed = duckdb_table(source, table=table, query=query), f"{os.fspath(source)}, {read}"
    if handed is not None:
        frame, label = handed
        mapping = resolve_mapping(
            frame.column_names, case, activity, timestamp, start_timestamp, where=f"the {label}"
        )
        check_unique(column_roles(mapping, attributes), frame.column_names, where=f"the {label}")
        label = f"{label} ({frame.num_rows:,} rows)"
    elif isinstance(source, pd.DataFrame):
        # Labels are matched as text (0 and '0' alike): one the arguments name twice is
        # told as such, before the roles are matched to columns.
        named = {"case": case, "activity": activity, "timestamp": timestamp}
        named["start_timestamp"] = start_timestamp
        given = {str(label): role for role, label in named.items() if label is not None}
        check_unique(given, list(source.columns), where="the DataFrame")
        mapping = resolve_mapping(
            list(source.columns), case, activity, timestamp, start_timestamp, where="the DataFrame"
        )
        check_unique(column_roles(mapping, attributes), list(source.columns), where="the DataFrame")
        frame = source
        label = f"DataFrame ({len(source):,} rows)"
    elif isinstance(source, str | os.PathLike):
        fmt = format or detect_format(source)
        available = None if fmt == "xes" else column_names(source, format=fmt, sep=sep)
        mapping = resolve_mapping(
            available, case, activity, timestamp, start_timestamp, where=f"'{source}'"
        )
        roles = column_roles(mapping, attributes)
        if available is not None:  # None for XES: its reader refuses a key repeated in an event
            check_unique(roles, available, where=f"'{source}'")
        wanted = list(roles)
        text = [mapping.case, mapping.activity, mapping.timestamp]
        if mapping.start_timestamp is not None:
            text.append(mapping.start_timestamp)
        # ISO 8601 timestamps parsed by the CSV reader, unless a format or unit is given.
        iso = text[2:] if timestamp_format is None and timestamp_unit is None else []
        frame = read_table(
            source,
            columns=wanted,
            format=fmt,
            sep=sep,
            text_columns=text,
            roles=roles,
            iso_columns=iso,
        )
        label = os.fspath(source)
    else:
        raise InputError(
            "read_log takes a file path, a pandas or Polars DataFrame, an Arrow table or "
            f"reader, or a DuckDB relation; got {type(source).__name__}"
        )
    return _build(frame, mapping, attributes, timestamp_format, timestamp_unit, label)


def _build(
    frame: object,
    mapping: ColumnMapping,
    attributes: Sequence[str],
    timestamp_format: str | None,
    timestamp_unit: str | None,
    label: str,
) -> EventLog:
    canonical = build_canonical(
        frame,
        mapping,
        attributes=list(attributes),
        timestamp_format=timestamp_format,
        timestamp_unit=timestamp_unit,
    )
    return EventLog(canonical, columns=mapping, source=label)
