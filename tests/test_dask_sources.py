"""The dask backend on every format: a glob of CSV exports and a PostgreSQL query read by
ranges of a key column give the pandas backend's tables; XES is refused saying how to
convert it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import engine
from engine.datasets import dataset_path
from engine.datasets.synthetic import KEYS, generate
from engine.errors import InputError
from tests import postgres_server
from tests.partial_checks import assert_same_tables

dd = pytest.importorskip("dask.dataframe", reason="the dask backend needs pip install '.[dask]'")
distributed = pytest.importorskip("distributed")


def _with_missing_keys(df, seed: int = 0):
    df = df.copy()
    rng = np.random.default_rng(seed)
    for column in KEYS.values():
        df.loc[rng.choice(len(df), 11, replace=False), column] = None
    return df


def test_a_glob_of_csv_exports_gives_the_pandas_tables(client, tmp_path: Path):
    df = _with_missing_keys(generate(9_000, seed=21))
    folder = tmp_path / "exports"
    folder.mkdir()
    for k in range(3):
        df.iloc[k::3].to_csv(folder / f"part-{k}.csv", index=False)
    whole = tmp_path / "whole.csv"
    df.iloc[np.r_[0:9_000:3, 1:9_000:3, 2:9_000:3]].to_csv(whole, index=False)
    want = engine.read_log(whole, **KEYS, attributes=["segment"])
    log = engine.read_log(
        str(folder / "*.csv"), **KEYS, backend="dask", npartitions=3, attributes=["segment"]
    )
    assert_same_tables(log, want, exact=True)
    assert log.dropped == want.dropped and want.dropped.missing_case == 11


@pytest.mark.parametrize("sep", ["\\t", "tab"])
def test_a_tab_separated_export_with_the_tab_spelled_as_typed(client, tmp_path: Path, sep):
    """sep='\\t' (backslash-t) and 'tab' mean a tab to the dask reader too, as on one
    machine (pandas would take the first as a pattern, the second as three letters)."""
    df = generate(2_000, seed=23)
    path = tmp_path / "export.tsv"
    df.to_csv(path, sep="\t", index=False)
    want = engine.read_log(path, **KEYS, sep="\t", attributes=["segment"])
    log = engine.read_log(
        path, **KEYS, sep=sep, backend="dask", npartitions=2, attributes=["segment"]
    )
    assert_same_tables(log, want, exact=True)


def test_a_name_the_read_uses_twice_is_refused_in_a_csv_export_or_a_frame(client, tmp_path: Path):
    """pandas reads a repeated header name as 'activity' and 'activity.1': the first is
    never taken without a word, as on one machine; a repeated name not used is allowed."""
    keys = {"case": "case", "activity": "activity", "timestamp": "ts"}
    path = tmp_path / "export.csv"
    path.write_text("case,activity,activity,ts\n1,a,z,2024-01-01 10:00\n1,b,z,2024-01-01 11:00\n")
    places = r"'activity' appears 2 times in '{}' \(columns 2 and 3, counting from 1\)"
    with pytest.raises(InputError, match=places.format(".*export\\.csv")):
        engine.read_log(path, **keys, backend="dask")
    frame = dd.from_pandas(pd.read_csv(path).set_axis(["case", *["activity"] * 2, "ts"], axis=1))
    with pytest.raises(InputError, match=places.format(r"dask DataFrame \(1 partitions\)")):
        engine.read_log(frame, **keys)
    rows = ["case,activity,ts,note,note", "1,a,2024-01-01 10:00,x,y", "1,b,2024-01-01 11:00,x,y"]
    path.write_text("\n".join(rows) + "\n")
    assert engine.read_log(path, **keys, backend="dask").n_events == 2


def test_xes_is_refused_with_the_conversion_to_run(client):
    path = dataset_path("receipt.xes.gz")
    with pytest.raises(InputError, match=r"parcours convert .*receipt\.xes\.gz LOG\.parquet"):
        engine.read_log(path, backend="dask")


@pytest.fixture(scope="module")
def events_table(postgres):
    df = _with_missing_keys(generate(12_000, seed=22, id_type="int"))
    df["customer_id"] = df["customer_id"].astype("Int64")
    table = pa.Table.from_pandas(df, preserve_index=False)
    table = table.append_column("row", pa.array(np.arange(len(df))))
    postgres_server.load(postgres.socket_uri, "dask_events", table)
    return df


@pytest.mark.parametrize("partitions", [1, 4])
def test_a_postgresql_query_by_key_ranges_gives_the_pandas_tables(
    client, postgres, events_table, partitions
):
    query = "SELECT * FROM dask_events ORDER BY row"
    want = engine.read_log(postgres.socket_uri, query=query, **KEYS, attributes=["segment"])
    log = engine.read_log(
        postgres.socket_uri,
        query=query,
        **KEYS,
        attributes=["segment"],
        backend="dask",
        partition_on="customer_id",
        npartitions=partitions,
    )
    assert_same_tables(log, want, exact=True)
    assert log.dropped == want.dropped and want.dropped.missing_case == 11
    assert log.summary()["events"] == want.n_events


def test_a_postgresql_query_without_an_integer_key_is_refused(client, postgres, events_table):
    query = "SELECT * FROM dask_events"
    with pytest.raises(InputError, match="name it with partition_on='COLUMN'"):
        engine.read_log(postgres.socket_uri, query=query, **KEYS, backend="dask")
    with pytest.raises(InputError, match="'touchpoint' is string, not an integer"):
        engine.read_log(
            postgres.socket_uri, query=query, **KEYS, backend="dask", partition_on="touchpoint"
        )
    with pytest.raises(InputError, match="'nope' is not in the query's columns"):
        engine.read_log(
            postgres.socket_uri, query=query, **KEYS, backend="dask", partition_on="nope"
        )


def test_parcours_analyze_on_dask_reads_postgresql(client, postgres, events_table, tmp_path):
    import pandas as pd

    from engine import cli

    columns = ["--case", "customer_id", "--activity", "touchpoint", "--timestamp", "ts"]
    query = ["--query", "SELECT * FROM dask_events ORDER BY row"]
    common = ["--no-report", "--quiet", *columns, *query]
    dask_out, pandas_out = tmp_path / "dask", tmp_path / "pandas"
    dask = ["--backend", "dask", "--partition-on", "customer_id", "--partitions", "3"]
    assert cli.main(["analyze", postgres.socket_uri, "--out", str(dask_out), *common, *dask]) == 0
    assert cli.main(["analyze", postgres.socket_uri, "--out", str(pandas_out), *common]) == 0
    for name in ("edges", "variants", "activities"):
        got = pd.read_parquet(dask_out / f"{name}.parquet")
        want = pd.read_parquet(pandas_out / f"{name}.parquet")
        pd.testing.assert_frame_equal(got, want, check_exact=False, rtol=1e-12, obj=name)


def test_an_error_on_the_workers_is_one_line_on_stderr(tmp_path: Path):
    """The command line's own local cluster: a bad timestamp found on a worker ends in the
    one-line error of the single machine, without the workers' log of the failed task (a
    traceback per task), and a busy dashboard port warns nothing."""
    import contextlib
    import socket
    import subprocess
    import sys

    frame = generate(300, seed=3)
    frame["ts"] = frame["ts"].astype(str)
    frame.loc[7, "ts"] = "nope"
    path = tmp_path / "bad.csv"
    frame.to_csv(path, index=False)
    flags = [f"--{role}={column}" for role, column in KEYS.items()]
    with socket.socket() as busy:
        with contextlib.suppress(OSError):  # taken already: the same situation
            busy.bind(("127.0.0.1", 8787))
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "engine.cli",
                "analyze",
                str(path),
                *flags,
                "--backend",
                "dask",
                "--format",
                "csv",
                "--out",
                str(tmp_path / "out"),
                "--quiet",
            ],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
            cwd=Path(__file__).resolve().parents[1],
        )
    assert done.returncode == 3, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("parcours: error:"), done.stderr
    assert "nope" in lines[0]


def _ids_table(n_cases: int = 40) -> pa.Table:
    """Four events a journey; order_id past 2**53, missing in the second event of the
    first two journeys only (so that some partitions hold no null), units never."""
    rng = np.random.default_rng(5)
    n = 4 * n_cases
    ids = 2**53 + 1 + rng.integers(0, 10**6, n)
    return pa.table(
        {
            "case": pa.array([f"c{j}" for j in np.repeat(np.arange(n_cases), 4)]),
            "activity": pa.array(rng.choice(["view", "cart", "pay"], n)),
            "ts": pa.array(pd.Timestamp("2026-01-01") + pd.to_timedelta(np.arange(n), "min")),
            "order_id": pa.array(ids, pa.int64(), mask=np.isin(np.arange(n), [1, 5])),
            "units": pa.array(rng.integers(0, 9, n), pa.int64()),
        }
    )


def _by_event(logs) -> tuple[dict, set]:
    """{(case, time): (order_id, units)} over the parts `logs`, and the (column, dtype,
    whether it has a null) of each part."""
    from engine.log.eventlog import EventLog

    values, kinds = {}, set()
    for log in logs:
        if not isinstance(log, EventLog):
            continue
        cases = np.repeat(log.case_ids.astype(str), np.diff(log.case_offsets))
        order, units = log.attributes["order_id"], log.attributes["units"]
        kinds |= {("order_id", str(order.dtype), bool(order.isna().any()))}
        kinds |= {("units", str(units.dtype), bool(units.isna().any()))}
        for case, ts, o, u in zip(cases, log.timestamp, order, units, strict=True):
            values[(case, int(ts))] = (None if pd.isna(o) else int(o), int(u))
    return values, kinds


@pytest.mark.parametrize("form", ["parquet", "csv"])
def test_integer_attributes_with_nulls_keep_every_digit_on_dask(client, tmp_path, form):
    """An integer attribute with nulls reads on Dask as on one machine: every digit kept
    (float64 rounded 2**53 + 1 to 2**53), Int64 in a partition with a null, int64 in one
    without (as a column without nulls is read); a column without nulls int64."""
    import dask

    table = _ids_table()
    keys = {"case": "case", "activity": "activity", "timestamp": "ts"}
    frame = table.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)
    folder = tmp_path / form
    folder.mkdir()
    for k, (low, high) in enumerate([(0, 52), (52, 104), (104, 160)]):  # whole journeys
        if form == "parquet":
            pq.write_table(table.slice(low, high - low), folder / f"part-{k}.parquet")
        else:
            frame.iloc[low:high].to_csv(folder / f"part-{k}.csv", index=False)
    whole = tmp_path / f"whole.{form}"
    if form == "parquet":
        pq.write_table(table, whole)
    else:
        frame.to_csv(whole, index=False)
    attributes = ["order_id", "units"]
    want, one = _by_event([engine.read_log(whole, **keys, attributes=attributes)])
    assert one == {("order_id", "Int64", True), ("units", "int64", False)}
    assert [v[0] for v in want.values()].count(None) == 2
    log = engine.read_log(
        str(folder / f"*.{form}"),
        **keys,
        attributes=attributes,
        backend="dask",
        npartitions=4,
        **({"format": "csv"} if form == "csv" else {}),
    )
    got, parts = _by_event(dask.compute(*log._built()))
    assert got == want
    assert parts == {
        ("order_id", "Int64", True),
        ("order_id", "int64", False),
        ("units", "int64", False),
    }


def test_a_bigint_attribute_with_nulls_keeps_every_digit_on_dask_from_postgresql(
    client, postgres, tmp_path
):
    """A PostgreSQL bigint attribute with NULLs read by key ranges on Dask gives the
    values and the dtypes (Int64 where a part has a NULL) of the one-machine read."""
    import dask

    table = _ids_table()
    table = table.append_column("row", pa.array(np.arange(table.num_rows)))
    postgres_server.load(postgres.socket_uri, "dask_bigint_nulls", table)
    keys = {"case": "case", "activity": "activity", "timestamp": "ts"}
    query = "SELECT * FROM dask_bigint_nulls ORDER BY row"
    attributes = ["order_id", "units"]
    one = engine.read_log(postgres.socket_uri, query=query, **keys, attributes=attributes)
    want, kinds = _by_event([one])
    assert kinds == {("order_id", "Int64", True), ("units", "int64", False)}
    log = engine.read_log(
        postgres.socket_uri,
        query=query,
        **keys,
        attributes=attributes,
        backend="dask",
        partition_on="row",
        npartitions=4,
    )
    got, parts = _by_event(dask.compute(*log._built()))
    assert got == want
    assert ("order_id", "Int64", True) in parts
    assert parts <= {
        ("order_id", "Int64", True),
        ("order_id", "int64", False),
        ("units", "int64", False),
    }


def test_a_csv_column_is_typed_by_all_its_values_on_dask(client, tmp_path):
    """dask types a CSV column from its first rows; a column of whole numbers there is
    read as text and typed by all its values: a blank only in a later file keeps it
    whole numbers (Int64 where one is missing), a fraction in a later file makes it
    float64 in every partition, with the values of one machine's read; numbers here and
    words there is text, as one machine reads it (pandas refused both, as mismatched
    dtypes)."""
    import dask

    keys = {"case": "case", "activity": "activity", "timestamp": "ts"}
    files = {
        "part-0.csv": [("a", "x", "2026-01-01 00:00", 9007199254740993, 2, 7)],
        "part-1.csv": [("b", "y", "2026-01-01 01:00", "", 0.5, "A7")],
        "part-2.csv": [("c", "x", "2026-01-01 02:00", 5, 3, 8)],
    }
    for name, rows in files.items():
        lines = ["case,activity,ts,units,ratio,code", *(",".join(map(str, r)) for r in rows)]
        (tmp_path / name).write_text("\n".join(lines) + "\n")
    whole = tmp_path / "whole.csv"
    whole.write_text(
        "case,activity,ts,units,ratio,code\n"
        + "".join((tmp_path / n).read_text().split("\n", 1)[1] for n in files)
    )
    attributes = ["units", "ratio"]
    want, one = _by_event_of(engine.read_log(whole, **keys, attributes=attributes), attributes)
    assert one == {("units", "Int64"), ("ratio", "float64")}
    log = engine.read_log(
        str(tmp_path / "part-*.csv"),
        **keys,
        attributes=attributes,
        backend="dask",
        format="csv",
        npartitions=2,
    )
    got, parts = set(), set()
    for part in dask.compute(*log._built()):
        if part is not None and hasattr(part, "attributes"):
            values, kinds = _by_event_of(part, attributes)
            got |= values
            parts |= kinds
    assert got == want
    assert parts <= {("units", "Int64"), ("units", "int64"), ("ratio", "float64")}
    assert ("ratio", "float64") in parts
    code = engine.read_log(
        str(tmp_path / "part-*.csv"), **keys, attributes=["code"], backend="dask", format="csv"
    )
    parts = [p for p in dask.compute(*code._built()) if hasattr(p, "attributes")]
    got = set().union(*(_by_event_of(p, ["code"])[0] for p in parts))
    assert got == _by_event_of(engine.read_log(whole, **keys, attributes=["code"]), ["code"])[0]
    assert got == {("a", "code", "7"), ("b", "code", "A7"), ("c", "code", "8")}


def _by_event_of(log, columns) -> tuple[set, set]:
    """{(case, column, value)} of one log (None where missing), and its (column, dtype)."""
    cases = np.repeat(log.case_ids.astype(str), np.diff(log.case_offsets))
    values = {
        (case, name, None if pd.isna(v) else v)
        for name in columns
        for case, v in zip(cases, log.attributes[name].tolist(), strict=True)
    }
    return values, {(name, str(log.attributes[name].dtype)) for name in columns}
