"""Sources handed over as Arrow (engine/io/arrow_sources.py): each gives the very log the
Parquet file gives, and a DuckDB database file is read by table or by the user's query."""

from __future__ import annotations

import json

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import engine
from engine.datasets.synthetic import KEYS, write_parquet


@pytest.fixture(scope="module")
def parquet(tmp_path_factory):
    return write_parquet(tmp_path_factory.mktemp("arrow") / "log.parquet", 20_000, seed=7)


def _same(log: engine.EventLog, want: engine.EventLog) -> None:
    sizes = (log.n_events, log.n_cases, log.n_activities)
    assert sizes == (want.n_events, want.n_cases, want.n_activities)
    pd.testing.assert_frame_equal(log.dfg(), want.dfg())
    pd.testing.assert_frame_equal(log.variants(), want.variants())
    segments = log.attributes["segment"].astype(str).tolist()
    assert segments == want.attributes["segment"].astype(str).tolist()


def test_arrow_tables_and_readers(parquet):
    want = engine.read_log(parquet, **KEYS, attributes=["segment"])
    table = pq.read_table(parquet)
    before = table.to_pandas()
    _same(engine.read_log(table, **KEYS, attributes=["segment"]), want)
    pd.testing.assert_frame_equal(table.to_pandas(), before)  # the caller's data unchanged
    reader = pa.RecordBatchReader.from_batches(table.schema, table.to_batches(max_chunksize=3_000))
    log = engine.read_log(reader, **KEYS, attributes=["segment"])
    _same(log, want)
    assert log.source.startswith("Arrow record batch reader (20,000 rows)")


def test_polars_frames(parquet):
    pl = pytest.importorskip("polars", reason="polars comes with the test extra")
    want = engine.read_log(parquet, **KEYS, attributes=["segment"])
    _same(engine.read_log(pl.read_parquet(parquet), **KEYS, attributes=["segment"]), want)
    _same(engine.read_log(pl.scan_parquet(parquet), **KEYS, attributes=["segment"]), want)


def test_polars_128_bit_integers_read_as_64_bits_or_are_refused():
    """Arrow has no 128-bit integers: Polars' export raised a raw ArrowInvalid
    ("unsupported format string '_pli128'"). Ids that fit 64 bits are read, the same
    numbers; wider ones are a one-line error naming the column and the fix."""
    pl = pytest.importorskip("polars", reason="polars comes with the test extra")
    keys = {"case": "case", "activity": "activity", "timestamp": "ts"}
    frame = pd.DataFrame(
        {
            "case": [-3, -3, 2**40, 2**40],
            "activity": ["a", "b", "a", "b"],
            "ts": pd.date_range("2024-01-01", periods=4, freq="h"),
        }
    )
    want = engine.read_log(frame, **keys)
    wide = pl.from_pandas(frame).with_columns(pl.col("case").cast(pl.Int128))
    for source in (wide, wide.lazy()):
        log = engine.read_log(source, **keys)
        assert log.case_ids.tolist() == want.case_ids.tolist() == [-3, 2**40]
        pd.testing.assert_frame_equal(log.dfg(), want.dfg())
    unsigned = wide.with_columns(pl.col("case").abs().cast(pl.UInt128))
    assert engine.read_log(unsigned, **keys).case_ids.tolist() == [3, 2**40]
    beyond = wide.with_columns(pl.Series("case", [1, 1, 2**70, None], dtype=pl.Int128))
    with pytest.raises(engine.InputError) as error:
        engine.read_log(beyond, **keys)
    message = str(error.value)
    assert message == (
        "column 'case' of the Polars DataFrame holds Int128 values beyond 64 bits in 1 row "
        "(e.g. 1180591620717411303424), which Arrow cannot hold; cast it to text "
        "(pl.col('case').cast(pl.String)), or select the columns the read uses"
    )


def test_duckdb_relations_and_database_files(parquet, tmp_path):
    duckdb = pytest.importorskip("duckdb", reason="duckdb comes with the test extra")
    want = engine.read_log(parquet, **KEYS, attributes=["segment"])
    relation = duckdb.sql(f"SELECT * FROM read_parquet('{parquet}')")
    _same(engine.read_log(relation, **KEYS, attributes=["segment"]), want)
    database = tmp_path / "events.duckdb"
    with duckdb.connect(str(database)) as con:
        con.execute(f"""CREATE TABLE "touch points" AS SELECT * FROM read_parquet('{parquet}')""")
    by_table = engine.read_log(database, table="touch points", **KEYS, attributes=["segment"])
    _same(by_table, want)
    assert by_table.source == f"{database}, table 'touch points' ({want.n_events:,} rows)"
    new = engine.read_log(
        database,
        query="""SELECT * FROM "touch points" WHERE segment = 'new'""",
        **KEYS,
        attributes=["segment"],
    )
    assert new.n_cases == want.filter.attribute("segment", ["new"]).n_cases
    assert "WHERE segment = 'new'" in new.source  # which rows of the database were read
    with pytest.raises(engine.InputError, match="DuckDB could not run the query"):
        engine.read_log(database, query="SELECT * FROM nowhere", **KEYS)
    with pytest.raises(engine.InputError, match=r"table='NAME' \(--table NAME\) or query="):
        engine.read_log(database, **KEYS)


def test_the_command_line_reads_a_duckdb_table_as_its_parquet_file(parquet, tmp_path, capsys):
    duckdb = pytest.importorskip("duckdb", reason="duckdb comes with the test extra")
    from engine import cli

    database = tmp_path / "events.duckdb"
    with duckdb.connect(str(database)) as con:
        con.execute(f"CREATE TABLE events AS SELECT * FROM read_parquet('{parquet}')")
    keys = [
        "--case",
        KEYS["case"],
        "--activity",
        KEYS["activity"],
        "--timestamp",
        KEYS["timestamp"],
    ]
    common = [*keys, "--stages", "default", "--no-report", "--quiet"]
    assert (
        cli.main(
            ["analyze", str(database), "--table", "events", "--out", str(tmp_path / "d"), *common]
        )
        == 0
    )
    assert cli.main(["analyze", str(parquet), "--out", str(tmp_path / "p"), *common]) == 0
    for name in ("edges.parquet", "variants.parquet", "funnel.parquet", "bottlenecks.parquet"):
        pd.testing.assert_frame_equal(
            pd.read_parquet(tmp_path / "d" / name), pd.read_parquet(tmp_path / "p" / name)
        )
    summary = json.loads((tmp_path / "d" / "summary.json").read_text())
    assert summary["source"].startswith(f"{database}, table 'events' (")
    missing = ["analyze", str(database), "--out", str(tmp_path / "m"), *common]
    assert cli.main(missing) == cli.EXIT_INPUT
    assert "(--table NAME) or query='SELECT ...' (--query" in capsys.readouterr().err
    bad = [
        "analyze",
        str(database),
        "--query",
        "SELECT * FROM nowhere",
        "--out",
        str(tmp_path / "x"),
    ]
    assert cli.main([*bad, *common]) == cli.EXIT_INPUT
    assert "DuckDB could not run the query" in capsys.readouterr().err


def test_misplaced_options_and_unknown_sources():
    with pytest.raises(engine.InputError, match="go with a DuckDB database"):
        engine.read_log(pd.DataFrame({"a": [1]}), table="events")
    with pytest.raises(engine.InputError, match="read_log takes a file path"):
        engine.read_log([1, 2, 3])
