"""PostgreSQL sources: the user's query, read as Arrow and handed over in batches.

The rows come through the ADBC PostgreSQL driver (libpq's binary COPY, decoded straight
into Arrow; it measured as fast as ConnectorX and, being libpq, honours PGPASSWORD,
PGPASSFILE and ~/.pgpass and connects over unix sockets). They are handed over as
`TableBatches`, the same batch interface a Parquet file uses, so that the key columns are
coded batch by batch and peak memory stays as low as for a file.

The only SQL built here wraps the user's query as a subquery: `SELECT count(*) FROM
(query)` for the row count the batch path needs up front, and, for the dask backend, a
range of the key column the user names (quoted as an identifier, bounds as parameters).
Every read runs in one REPEATABLE READ, READ ONLY transaction, so that the count and the
rows come from the same snapshot and a query cannot change the database.

A password is never taken from the URI: it would be kept in shell histories, process
lists and log lines. libpq reads it from PGPASSWORD or the password file.
"""

from __future__ import annotations

import contextlib
import re
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit, urlunsplit

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import InputError
from .batches import TableBatches, prefetched

SCHEMES = ("postgresql", "postgres")
#: Bytes of rows per batch the driver is asked for: about 100,000 journey events.
BATCH_BYTES = 16 << 20
BATCH_OPTION = "adbc.postgresql.batch_size_hint_bytes"
#: The statement every read starts its transaction with.
READ_ONLY = "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"


def is_sql_uri(source: object) -> bool:
    """Whether `source` is a PostgreSQL URI (postgresql://... or postgres://...)."""
    return (
        isinstance(source, str)
        and source.split("://", 1)[0].lower() in SCHEMES
        and ("://" in source)
    )


def redacted(uri: str) -> str:
    """`uri` with any password replaced by ***, for messages about a URI we refuse."""
    parts = urlsplit(uri)
    netloc = parts.netloc
    if parts.password is not None:
        user, _, host = netloc.rpartition("@")
        netloc = user.split(":", 1)[0] + ":***@" + host
    query = re.sub(r"(?i)(^|&)(password=)[^&]*", r"\1\2***", parts.query)
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def checked_uri(uri: str) -> str:
    """`uri` itself, once sure it carries no password (a URI is shown in progress lines,
    `log.source` and summary.json, and typed on command lines that others can read)."""
    try:
        parts = urlsplit(uri)
        has_password = parts.password is not None
    except ValueError as exc:
        raise InputError(f"'{redacted(uri)}' is not a valid PostgreSQL URI ({exc})") from None
    in_query = any(key.lower() == "password" for key, _ in parse_qsl(parts.query))
    if has_password or in_query:
        raise InputError(
            f"the URI '{redacted(uri)}' carries a password; remove it and set PGPASSWORD in "
            "the environment or put it in ~/.pgpass (or the file PGPASSFILE names)"
        )
    return uri


@dataclass(frozen=True)
class _Query:
    uri: str
    sql: str


@dataclass(frozen=True)
class QueryResult:
    """The user's query on a database, its columns and row count known, rows not yet read."""

    query: _Query
    schema: pa.Schema
    num_rows: int

    @property
    def column_names(self) -> list[str]:
        return list(self.schema.names)

    def batches(self, *, spool: Sequence[str] = ()) -> TableBatches:
        """The rows as TableBatches, read from the server as they are asked for.

        The columns named in `spool` (the case column) are written to an anonymous
        temporary file as they stream by, so that a second read of them (when the case
        ids must be coded as a whole column) gives the very same rows without running the
        query again.
        """
        spooled = _Spool([c for c in spool if c in self.schema.names])
        first_read = [True]

        def batches(only: list[str] | None = None) -> Iterator[pa.Table]:
            if first_read[0]:
                first_read[0] = False
                return prefetched(spooled.tee(_stream(self.query, only)))
            if only is not None and spooled.holds(only):
                return spooled.replay(only)
            return prefetched(_stream(self.query, only))  # not asked for by read_log

        return TableBatches(self.num_rows, self.column_names, batches)


def run_query(uri: str, query: str | None) -> QueryResult:
    """Check the URI, then ask the server for the query's columns and row count."""
    sql = _user_query(uri, query)
    schema, n = _schema_and_count(sql)
    return QueryResult(sql, schema, n)


def _user_query(uri: str, query: str | None) -> _Query:
    checked_uri(uri)
    if query is None or not query.strip():
        raise InputError(
            f"'{uri}' is a PostgreSQL database: pass the rows to read as query='SELECT ...' "
            '(--query "SELECT ..." on the command line)'
        )
    # A trailing semicolon would end the subquery the count wraps it in.
    return _Query(uri, query.strip().rstrip(";").rstrip())


def connect(uri: str) -> Any:
    """A DB-API connection through ADBC, in a read-only snapshot transaction."""
    try:
        import adbc_driver_postgresql.dbapi as pg
    except ImportError:
        raise InputError(
            "reading PostgreSQL needs the ADBC driver: pip install 'parcours[postgres]'"
        ) from None
    try:
        con = pg.connect(uri)
    except Exception as exc:  # the driver's errors have no common base worth naming
        raise InputError(f"cannot connect to '{uri}': {server_message(exc)}") from None
    try:
        with con.cursor() as cur:
            cur.execute(READ_ONLY)
    except Exception as exc:
        con.close()
        raise InputError(f"cannot start a read on '{uri}': {server_message(exc)}") from None
    return con


def server_message(exc: BaseException) -> str:
    """The server's (or libpq's) own message, on one line, without the driver's wrapping."""
    text = str(exc)
    found = re.search(r"ERROR:\s+(.*)", text)
    if found:
        text = found.group(1)
    else:
        text = re.sub(r"^[A-Z_]+: (\[libpq\] )?", "", text)
        text = text.split("\n", 1)[0] if "failed:" not in text else text
    text = " ".join(text.split())
    state = getattr(exc, "sqlstate", None)
    if state and state not in text:
        text += f" (SQLSTATE {state})"
    return text[:400]


def _failed(query: _Query, exc: BaseException) -> InputError:
    return InputError(
        f"PostgreSQL could not run the query on '{query.uri}': {server_message(exc)}; "
        "check it with psql"
    )


def _schema_and_count(query: _Query) -> tuple[pa.Schema, int]:
    """The result's Arrow schema (as `_stream` gives it) and row count, in one snapshot."""
    con = connect(query.uri)
    try:
        with con.cursor() as cur:
            try:
                schema = cur.adbc_execute_schema(query.sql)
                cur.execute(f"SELECT count(*) FROM ({query.sql}) AS parcours_query")
                (n,) = cur.fetchone()
            except Exception as exc:
                raise _failed(query, exc) from None
    finally:
        con.close()
    return _plain_schema(schema), int(n)


def _stream(query: _Query, only: list[str] | None) -> Iterator[pa.Table]:
    """The query's rows, a batch at a time, columns `only` (all when None)."""
    con = connect(query.uri)
    try:
        with con.cursor() as cur:
            try:
                cur.adbc_statement.set_options(**{BATCH_OPTION: str(BATCH_BYTES)})
                cur.execute(query.sql)
                reader = cur.fetch_record_batch()
            except Exception as exc:
                raise _failed(query, exc) from None
            while True:
                try:
                    batch = reader.read_next_batch()
                except StopIteration:
                    break
                except Exception as exc:
                    raise _failed(query, exc) from None
                table = plain(pa.Table.from_batches([batch]))
                del batch
                yield table.select(only) if only is not None else table
    finally:
        with contextlib.suppress(Exception):
            con.rollback()
        con.close()


def plain(table: pa.Table) -> pa.Table:
    """PostgreSQL's own types as plain Arrow: uuid as its usual text, and the types the
    driver hands over as opaque text (numeric, inet, ...) as that text."""
    for index, field in enumerate(table.schema):
        if isinstance(field.type, pa.BaseExtensionType):
            table = table.set_column(index, field.name, _text(table.column(index)))
    return table


def _plain_schema(schema: pa.Schema) -> pa.Schema:
    fields = [
        f.with_type(pa.string()) if isinstance(f.type, pa.BaseExtensionType) else f for f in schema
    ]
    return pa.schema(fields)


def _text(column: pa.ChunkedArray) -> pa.ChunkedArray:
    if getattr(column.type, "extension_name", "") == "arrow.uuid":
        return pa.chunked_array([_uuid_text(c.storage) for c in column.chunks], type=pa.string())
    return pa.chunked_array([c.storage for c in column.chunks]).cast(pa.string())


#: Where each of a uuid's 32 hex digits goes in its 36-character text.
_UUID_DIGITS = np.array([i for i in range(36) if i not in (8, 13, 18, 23)])
_HEX = np.frombuffer(b"0123456789abcdef", np.uint8)


def _uuid_text(raw: pa.FixedSizeBinaryArray) -> pa.Array:
    """16-byte uuids as 'xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx' (as PostgreSQL prints them)."""
    data = np.frombuffer(raw.buffers()[1], np.uint8)
    data = data[raw.offset * 16 : (raw.offset + len(raw)) * 16].reshape(-1, 16)
    text = np.full((len(raw), 36), ord("-"), np.uint8)
    digits = np.empty((len(raw), 32), np.uint8)
    digits[:, 0::2], digits[:, 1::2] = _HEX[data >> 4], _HEX[data & 15]
    text[:, _UUID_DIGITS] = digits
    values = pa.array(text.view("S36").ravel(), type=pa.binary()).cast(pa.string())
    if raw.null_count:
        values = pc.if_else(raw.is_valid(), values, pa.scalar(None, pa.string()))
    return values


class _Spool:
    """Columns kept in an anonymous temporary file while the query streams by."""

    def __init__(self, columns: list[str]) -> None:
        self.columns = columns
        self.file = (  # deleted when closed, or when this object is collected
            tempfile.TemporaryFile(prefix="parcours-sql-") if columns else None  # noqa: SIM115
        )
        self.writer: pa.ipc.RecordBatchStreamWriter | None = None
        self.complete = False

    def holds(self, columns: list[str]) -> bool:
        return self.complete and all(c in self.columns for c in columns)

    def tee(self, tables: Iterator[pa.Table]) -> Iterator[pa.Table]:
        try:
            for table in tables:
                if self.file is not None:
                    part = table.select(self.columns)
                    if self.writer is None:
                        self.writer = pa.ipc.new_stream(self.file, part.schema)
                    self.writer.write_table(part)
                yield table
            self.complete = self.writer is not None
        finally:
            if self.writer is not None:
                self.writer.close()

    def replay(self, columns: list[str]) -> Iterator[pa.Table]:
        assert self.file is not None
        self.file.seek(0)
        with pa.ipc.open_stream(self.file) as reader:
            for batch in reader:
                yield pa.Table.from_batches([batch]).select(columns)
