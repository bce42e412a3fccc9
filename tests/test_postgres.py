"""PostgreSQL sources against a real server (the session's throwaway cluster, see
conftest.py): each query gives the very log the Parquet file of the same rows gives."""

from __future__ import annotations

import hashlib
import json
import uuid
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import engine
from engine import cli
from engine.convert import canonical_table
from engine.datasets.synthetic import KEYS, generate
from engine.errors import InputError
from tests import postgres_server
from tests.real_logs import BY_NAME

SHIPPED = ["receipt.xes.gz", "sepsis.xes.gz", "BPIC2013_closed_problems.xes.gz"]


def _plain(table: pa.Table) -> pa.Table:
    """Dictionary columns as text and nanoseconds as microseconds (PostgreSQL's unit)."""
    fields = []
    for field in table.schema:
        kind = field.type.value_type if pa.types.is_dictionary(field.type) else field.type
        if pa.types.is_timestamp(kind):
            kind = pa.timestamp("us", tz=kind.tz)
        fields.append(field.with_type(kind))
    return table.cast(pa.schema(fields))  # safe: refuses to drop nanoseconds


def _load(postgres, tmp_path: Path, name: str, table: pa.Table) -> Path:
    """The table in PostgreSQL as `name` (with a row number to ORDER BY) and as Parquet."""
    table = _plain(table).append_column("row", pa.array(np.arange(table.num_rows)))
    postgres_server.load(postgres.socket_uri, name, table)
    path = tmp_path / f"{name}.parquet"
    pq.write_table(table, path)
    return path


def _same(log: engine.EventLog, want: engine.EventLog) -> None:
    assert (log.n_events, log.n_cases, log.n_activities) == (
        want.n_events,
        want.n_cases,
        want.n_activities,
    )
    assert log.dropped == want.dropped
    assert log.timezone_aware == want.timezone_aware
    pd.testing.assert_frame_equal(log.dfg(), want.dfg())
    pd.testing.assert_frame_equal(log.variants(), want.variants())
    pd.testing.assert_frame_equal(log.activities(), want.activities())
    got, expected = log.summary(), want.summary()
    got.pop("source"), expected.pop("source")
    assert got == expected
    assert canonical_table(log).equals(canonical_table(want))


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_logs_equal_the_file_and_parquet_paths(postgres, tmp_path, name):
    real = BY_NAME[name]
    xes = engine.read_log(real.path, **real.keys)
    table = "log_" + name.split(".")[0].lower()
    parquet = _load(postgres, tmp_path, table, canonical_table(xes))
    want = engine.read_log(parquet, **real.keys)
    log = engine.read_log(
        postgres.socket_uri, query=f'SELECT * FROM "{table}" ORDER BY row', **real.keys
    )
    _same(log, want)
    _same(log, xes)
    assert log.n_events == real.events and log.n_cases == real.cases
    query = f'SELECT * FROM "{table}" ORDER BY row'
    assert log.source == f"{postgres.socket_uri}, query: {query} ({real.events:,} rows)"


def _uuid(text: str) -> str:
    return str(uuid.UUID(bytes=hashlib.md5(text.encode()).digest()))


@pytest.mark.parametrize("ids", ["bigint", "text", "uuid"])
@pytest.mark.parametrize("zone", ["timestamptz", "timestamp"])
def test_column_types_equal_parquet(postgres, tmp_path, ids, zone):
    df = generate(6_000, seed=3, id_type="int" if ids == "bigint" else "str")
    table = pa.Table.from_pandas(df, preserve_index=False)
    if zone == "timestamp":  # wall-clock times without an offset
        table = table.set_column(
            table.schema.get_field_index("ts"), "ts", table["ts"].cast(pa.timestamp("us"))
        )
    name = f"types_{ids}_{zone}"
    path = _load(postgres, tmp_path, name, table)
    select = f'SELECT * FROM "{name}" ORDER BY row'
    if ids == "uuid":  # the server makes uuids; the file gets the same ones as text
        ids_text = pa.array([_uuid(v) for v in table["customer_id"].to_pylist()])
        file_table = pq.read_table(path)
        file_table = file_table.set_column(0, "customer_id", ids_text)
        pq.write_table(file_table, path)
        select = (
            "SELECT md5(customer_id)::uuid AS customer_id, touchpoint, ts, segment "
            f'FROM "{name}" ORDER BY row'
        )
    log = engine.read_log(postgres.socket_uri, query=select, **KEYS, attributes=["segment"])
    want = engine.read_log(path, **KEYS, attributes=["segment"])
    _same(log, want)
    assert log.timezone_aware == (zone == "timestamptz")
    assert log.case_ids.dtype == want.case_ids.dtype
    assert log.attributes["segment"].tolist() == want.attributes["segment"].tolist()


def test_null_keys_are_dropped_and_counted_as_for_a_file(postgres, tmp_path):
    df = generate(3_000, seed=4)
    table = _plain(pa.Table.from_pandas(df, preserve_index=False))
    rng = np.random.default_rng(0)
    for column in KEYS.values():
        values = table[column].to_pylist()
        for row in rng.choice(len(values), 37, replace=False):
            values[row] = None
        table = table.set_column(
            table.schema.get_field_index(column), column, pa.array(values, table[column].type)
        )
    path = _load(postgres, tmp_path, "with_nulls", table)
    want = engine.read_log(path, **KEYS)
    log = engine.read_log(
        postgres.socket_uri, query="SELECT * FROM with_nulls ORDER BY row", **KEYS
    )
    assert log.dropped.total > 0 and log.dropped.missing_case == 37
    _same(log, want)


def test_a_bigint_attribute_with_a_null_keeps_every_digit(postgres, tmp_path):
    """A bigint attribute with a NULL is Int64, every digit kept (float64 read
    9007199254740993 as 9007199254740992), as from the Parquet file of the same rows;
    `parcours convert` writes it as int64."""
    order_id = [9007199254740993, None, 1234567890123456789, -9007199254740995]
    table = pa.table(
        {
            "c": ["x", "x", "y", "y"],
            "a": ["view", "pay", "view", "pay"],
            "t": pa.array(pd.date_range("2026-01-01", periods=4, freq="h")),
            "order_id": pa.array(order_id, pa.int64()),
        }
    )
    path = _load(postgres, tmp_path, "bigint_nulls", table)
    keys = {"case": "c", "activity": "a", "timestamp": "t", "attributes": ["order_id"]}
    query = "SELECT * FROM bigint_nulls ORDER BY row"
    log = engine.read_log(postgres.socket_uri, query=query, **keys)
    want = engine.read_log(path, **keys)
    for read in (log, want):
        values = read.attributes["order_id"]
        assert values.dtype == "Int64"
        got = [None if pd.isna(v) else int(v) for v in values]
        assert got == [order_id[row] for row in read.source_row]
    out = tmp_path / "converted.parquet"
    flags = ["--case", "c", "--activity", "a", "--timestamp", "t", "--attribute", "order_id"]
    argv = ["convert", postgres.socket_uri, str(out), "--query", query, *flags, "--quiet"]
    assert cli.main(argv) == 0
    written = pq.read_table(out)
    assert written.schema.field("order_id").type == pa.int64()
    assert sorted(written.column("order_id").to_pylist(), key=str) == sorted(order_id, key=str)


def test_a_bad_query_is_one_line_naming_the_server_message(postgres, tmp_path, capsys):
    with pytest.raises(InputError) as error:
        engine.read_log(postgres.socket_uri, query="SELEC 1", **KEYS)
    message = str(error.value)
    assert "\n" not in message and 'syntax error at or near "SELEC"' in message
    with pytest.raises(InputError, match='relation "no_such_table" does not exist'):
        engine.read_log(postgres.socket_uri, query="SELECT * FROM no_such_table", **KEYS)
    with pytest.raises(InputError, match="pass the rows to read as query="):
        engine.read_log(postgres.socket_uri, **KEYS)
    with pytest.raises(InputError, match="which column holds the case"):
        engine.read_log(postgres.socket_uri, query="SELECT 1 AS x")
    with pytest.raises(InputError, match="the log is empty"):
        engine.read_log(
            postgres.socket_uri,
            query="SELECT 'a' AS c, 'b' AS a, now() AS t WHERE false",
            case="c",
            activity="a",
            timestamp="t",
        )
    with pytest.raises(InputError, match=r"'t' appears 2 times in the query \(columns 3 and 4"):
        engine.read_log(
            postgres.socket_uri,
            query="SELECT 'a' AS c, 'b' AS a, now() AS t, 1 AS t",
            case="c",
            activity="a",
            timestamp="t",
        )
    out = tmp_path / "out"
    code = cli.main(
        ["analyze", postgres.socket_uri, "--query", "SELEC", "--out", str(out), "--quiet"]
    )
    assert code == 3
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and 'syntax error at or near "SELEC"' in err


def test_a_query_cannot_change_the_database(postgres):
    postgres_server.execute(postgres.socket_uri, "CREATE SEQUENCE IF NOT EXISTS counter")
    with pytest.raises(InputError, match="read-only transaction"):
        engine.read_log(
            postgres.socket_uri,
            query="SELECT nextval('counter') AS x, 'a' AS a, now() AS t",
            case="x",
            activity="a",
            timestamp="t",
        )
    with pytest.raises(InputError, match="data-modifying statement"):
        engine.read_log(
            postgres.socket_uri,
            query="WITH gone AS (DELETE FROM log_receipt RETURNING *) SELECT * FROM gone",
            **BY_NAME["receipt.xes.gz"].keys,
        )


def test_passwords_come_from_the_environment_never_the_uri(postgres, tmp_path, monkeypatch, capsys):
    secret = postgres_server.PASSWORD
    query = "SELECT * FROM log_receipt ORDER BY row"
    real = BY_NAME["receipt.xes.gz"]
    with_password = postgres.tcp_uri.replace("parcours@", f"parcours:{secret}@")
    for uri in (with_password, postgres.tcp_uri + f"?password={secret}"):
        with pytest.raises(InputError) as error:
            engine.read_log(uri, query=query, **real.keys)
        assert "PGPASSWORD" in str(error.value) and "~/.pgpass" in str(error.value)
        assert secret not in str(error.value)
        out = tmp_path / "refused"
        assert cli.main(["analyze", uri, "--query", query, "--out", str(out)]) == 3
        captured = capsys.readouterr()
        assert secret not in captured.err + captured.out and "PGPASSWORD" in captured.err
    monkeypatch.delenv("PGPASSWORD", raising=False)
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "none"))
    with pytest.raises(InputError, match="no password supplied"):
        engine.read_log(postgres.tcp_uri, query=query, **real.keys)
    monkeypatch.setenv("PGPASSWORD", secret)
    by_variable = engine.read_log(postgres.tcp_uri, query=query, **real.keys)
    monkeypatch.delenv("PGPASSWORD")
    passfile = tmp_path / "pgpass"
    passfile.write_text(f"127.0.0.1:{postgres.port}:*:{postgres_server.USER}:{secret}\n")
    passfile.chmod(0o600)
    monkeypatch.setenv("PGPASSFILE", str(passfile))
    by_file = engine.read_log(postgres.tcp_uri, query=query, **real.keys)
    _same(by_variable, by_file)
    out = tmp_path / "out"
    assert (
        cli.main(["analyze", postgres.tcp_uri, "--query", query, "--out", str(out), "--quiet"]) == 0
    )
    for written in out.iterdir():
        assert secret.encode() not in written.read_bytes(), written.name
    assert secret not in by_file.source


@pytest.mark.parametrize("name", ["receipt.xes.gz"])
def test_parcours_analyze_writes_the_files_of_the_parquet_path(postgres, tmp_path, name, capsys):
    real = BY_NAME[name]
    xes = engine.read_log(real.path, **real.keys)
    parquet = _load(postgres, tmp_path, "cli_log", canonical_table(xes))
    keys = ["--case", real.keys["case"], "--activity", real.keys["activity"]]
    keys += ["--timestamp", real.keys["timestamp"], "--stages", "receipt", "--quiet"]
    from_sql, from_file = tmp_path / "sql", tmp_path / "file"
    query = "SELECT * FROM cli_log ORDER BY row"
    assert (
        cli.main(["analyze", postgres.socket_uri, "--query", query, "--out", str(from_sql), *keys])
        == 0
    )
    assert cli.main(["analyze", str(parquet), "--out", str(from_file), *keys]) == 0
    written = sorted(p.name for p in from_file.iterdir())
    assert sorted(p.name for p in from_sql.iterdir()) == written
    for file in written:
        if file.endswith(".parquet"):
            assert pq.read_table(from_sql / file).equals(pq.read_table(from_file / file)), file
    got, want = (json.loads((f / "summary.json").read_text()) for f in (from_sql, from_file))
    assert got.pop("source", None) != want.pop("source", None) or "source" not in want
    assert got == want


def test_misplaced_options(postgres):
    with pytest.raises(InputError, match="instead of table="):
        engine.read_log(postgres.socket_uri, table="events", **KEYS)
    with pytest.raises(InputError, match="partition_on= goes with backend='dask'"):
        engine.read_log(postgres.socket_uri, query="SELECT 1", partition_on="x", **KEYS)
    assert (
        cli.main(
            [
                "analyze",
                postgres.socket_uri,
                "--query",
                "SELECT 1",
                "--out",
                "x",
                "--partition-on",
                "x",
            ]
        )
        == 2
    )
