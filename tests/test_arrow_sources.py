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


#: Whole numbers past 2**53, where float64 would round them (…993 to …992), and a null.
ORDER_IDS = [9007199254740993, None, 1234567890123456789, -9007199254740995]
#: The same beyond int64 in an unsigned column.
BIG_UNSIGNED = [2**64 - 1, None, 2**63 + 1, 7]
IDS_KEYS = {"case": "case", "activity": "activity", "timestamp": "ts"}


def _with_ids(n: int = 4) -> pa.Table:
    """Two journeys of two events; order_id and tag_id with nulls; units without."""
    return pa.table(
        {
            "case": ["x", "x", "y", "y"][:n],
            "activity": ["view", "pay", "view", "pay"][:n],
            "ts": pa.array(pd.date_range("2026-01-01", periods=n, freq="h")),
            "order_id": pa.array(ORDER_IDS[:n], pa.int64()),
            "tag_id": pa.array(BIG_UNSIGNED[:n], pa.uint64()),
            "units": pa.array([3, 1, 4, 1][:n], pa.int32()),
            "shelf": pa.array([3, None, 4, 1][:n], pa.int32()),
        }
    )


def _exact(log: engine.EventLog, column: str, table: pa.Table) -> list:
    """The log's column as Python values (None where missing), with the table's values
    in the log's order beside it."""
    got = [None if pd.isna(v) else int(v) for v in log.attributes[column]]
    want = table.column(column).take(pa.array(log.source_row)).to_pylist()
    return [got, want]


def test_an_integer_attribute_with_nulls_keeps_every_digit_in_every_source(tmp_path):
    """An integer attribute with a null is pandas' nullable integer of its width (Int64,
    UInt64 for uint64, Int32), every value exact, from Parquet, Arrow, Polars, DuckDB
    and a pandas frame; one without nulls stays NumPy's. Arrow's own conversion made
    them float64: 9007199254740993 read as 9007199254740992."""
    table = _with_ids()
    before = table.to_pydict()
    path = tmp_path / "ids.parquet"
    pq.write_table(table, path)
    attributes = ["order_id", "tag_id", "units", "shelf"]
    sources = {
        "parquet": path,
        "arrow": table,
        "batches": pa.RecordBatchReader.from_batches(
            table.schema, table.to_batches(max_chunksize=1)
        ),
        "pandas Int64": table.to_pandas(
            types_mapper={pa.int64(): pd.Int64Dtype(), pa.uint64(): pd.UInt64Dtype()}.get
        ).astype({"shelf": "Int32"}),
    }
    pl = pytest.importorskip("polars", reason="polars comes with the test extra")
    sources["polars"] = pl.from_arrow(table)
    duckdb = pytest.importorskip("duckdb", reason="duckdb comes with the test extra")
    sources["duckdb"] = duckdb.sql(f"SELECT * FROM read_parquet('{path}')")
    dtypes = {"order_id": "Int64", "tag_id": "UInt64", "units": "int32", "shelf": "Int32"}
    for name, source in sources.items():
        log = engine.read_log(source, **IDS_KEYS, attributes=attributes)
        assert {c: str(log.attributes[c].dtype) for c in attributes} == dtypes, name
        for column in attributes:
            got, want = _exact(log, column, table)
            assert got == want, (name, column)
    assert table.to_pydict() == before  # the caller's table as it was


def test_a_csv_integer_column_with_a_blank_keeps_every_digit(tmp_path):
    """A CSV column of whole numbers with an empty field reads as Int64, exactly, as its
    Parquet twin; a column of whole numbers and fractions stays float64."""
    path = tmp_path / "ids.csv"
    path.write_text(
        "case,activity,ts,order_id,ratio\n"
        "x,view,2026-01-01 00:00,9007199254740993,0.5\n"
        "x,pay,2026-01-01 01:00,,\n"
        "y,view,2026-01-01 02:00,1234567890123456789,2\n"
        "y,pay,2026-01-01 03:00,-9007199254740995,1.5\n"
    )
    log = engine.read_log(path, **IDS_KEYS, attributes=["order_id", "ratio"])
    assert str(log.attributes["order_id"].dtype) == "Int64"
    got, want = _exact(log, "order_id", _with_ids())
    assert got == want
    assert log.attributes["ratio"].dtype == "float64"
