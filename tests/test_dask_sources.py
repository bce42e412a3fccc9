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
    assert lines[-1].startswith("parcours: error:") and "nope" in lines[-1], done.stderr
    # A loaded machine may add the scheduler's own health notes; never the task's log.
    assert not [line for line in lines if "Traceback" in line or "Compute Failed" in line]
    assert not [line for line in lines if "Port 8787 is already in use" in line]


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


def test_a_csv_quoting_every_field_is_typed_on_dask_as_on_one_machine(client, tmp_path):
    """Missing numbers written as "" (csv.QUOTE_ALL) are missing numbers on Dask as on one
    machine, and a quoted null word is missing in numbers, text in text."""
    import csv

    import dask

    keys = {"case": "case", "activity": "activity", "timestamp": "ts"}
    attributes = ["score", "units", "segment"]
    frames = []
    for f in range(2):
        frame = pd.DataFrame(
            {
                "case": [f"c{f}{i // 2}" for i in range(6)],
                "activity": ["view", "pay"] * 3,
                "ts": [f"2026-01-0{f + 1} 10:0{i}:00" for i in range(6)],
                "score": [1.5, None, 3.0, None, 4.0, 2.0],
                "units": ["1", "", "2", "NA", "5", "6"],
                "segment": ["new", "", "vip", "NA", "vip", "new"],
            }
        )
        frame.to_csv(tmp_path / f"part-{f}.csv", index=False, quoting=csv.QUOTE_ALL)
        frames.append(frame)
    whole = tmp_path / "whole.csv"
    pd.concat(frames).to_csv(whole, index=False, quoting=csv.QUOTE_ALL)
    one = engine.read_log(whole, **keys, attributes=attributes)
    want, kinds = _by_event_of(one, attributes)
    assert kinds == {("score", "float64"), ("units", "Int64"), ("segment", "str")}
    log = engine.read_log(
        str(tmp_path / "part-*.csv"), **keys, attributes=attributes, backend="dask", format="csv"
    )
    parts = [p for p in dask.compute(*log._built()) if hasattr(p, "attributes")]
    got = set().union(*(_by_event_of(p, attributes)[0] for p in parts))
    assert got == want
    assert ("c01", "segment", "NA") in got and ("c00", "units", None) in got


def _by_event_of(log, columns) -> tuple[set, set]:
    """{(case, column, value)} of one log (None where missing), and its (column, dtype)."""
    cases = np.repeat(log.case_ids.astype(str), np.diff(log.case_offsets))
    values = {
        (case, name, None if pd.isna(v) else v)
        for name in columns
        for case, v in zip(cases, log.attributes[name].tolist(), strict=True)
    }
    return values, {(name, str(log.attributes[name].dtype)) for name in columns}


#: Attribute columns of a CSV and a value for each (file, row): every kind Arrow's CSV
#: reader infers, with blanks, null words and values that change kind from one file
#: (one partition) to the next.
CSV_KINDS = {
    "ints": lambda f, i: "" if i % 5 == 0 else str(10 * f + i),
    "ints_past_2_53": lambda f, i: "" if f == 1 and i == 2 else str(2**53 + 1 + i),
    "floats_with_na_words": lambda f, i: ("NA", "nan", "N/A")[f] if i % 4 == 0 else f"{i / 4}",
    "bools_with_blanks": lambda f, i: "" if f == 2 else ("true", "false")[i % 2],
    "dates": lambda f, i: f"2025-0{f + 1}-{i + 1:02d}",
    "naive_times": lambda f, i: f"2025-11-01{'T ,'[i % 2]}08:00:{i:02d}",
    "offset_times": lambda f, i: ("2025-11-01T08:00:00+02:00", "2025-11-01T06:00:00Z")[i % 2],
    "times_of_day": lambda f, i: f"08:{i:02d}:00" if i % 3 else "",
    "text_with_na_words": lambda f, i: ("NA", "null", "None", "nan", "", "007", "N/A")[i % 7],
    "leading_zeros": lambda f, i: f"{i:03d}",
    "ints_then_a_fraction": lambda f, i: "1.5" if f == 2 and i == 3 else str(i),
    "ints_then_words": lambda f, i: "gold" if f == 2 else str(i),
    "ints_then_dates": lambda f, i: "2025-01-01" if f == 2 else str(i),
    "ones_then_true": lambda f, i: "true" if f == 2 else str(i % 2),
    "seconds_then_nanoseconds": lambda f, i: f"2025-11-01 08:00:{i:02d}" + ".5" * (f == 2),
    "naive_then_offsets": lambda f, i: f"2025-11-01 08:00:{i:02d}" + "+01:00" * (f == 1),
    "blank_then_text": lambda f, i: "vip" if f == 2 and i == 1 else "",
    "only_null_words": lambda f, i: ("NA", "null", "")[i % 3],
    "a_word_on_a_dropped_row": lambda f, i: "x" if f == 1 and i == 0 else str(i),
}


def _kinds_csv(folder: Path) -> Path:
    """Three files of 12 rows, one partition each, and the same rows in one file; the
    first row of the second file has no case id (dropped, its values still count)."""
    header = ",".join(["case", "activity", "ts", *CSV_KINDS])
    whole = [header]
    for f in range(3):
        lines = [header]
        for i in range(12):
            case = "" if (f, i) == (1, 0) else f"c{f}{i // 3}"
            keys = [case, ("view", "cart", "pay")[i % 3], f"2026-01-0{f + 1} 10:{i:02d}:00"]
            lines.append(",".join(keys + [value(f, i) for value in CSV_KINDS.values()]))
        (folder / f"part-{f}.csv").write_text("\n".join(lines) + "\n")
        whole += lines[1:]
    (folder / "whole.txt").write_text("\n".join(whole) + "\n")
    return folder / "whole.txt"


@pytest.fixture(scope="module")
def kinds_logs(client, tmp_path_factory):
    """The CSV_KINDS files read on one machine, and on Dask (each partition's log)."""
    import dask

    folder = tmp_path_factory.mktemp("kinds")
    whole = _kinds_csv(folder)
    keys = {"case": "case", "activity": "activity", "timestamp": "ts"}
    one = engine.read_log(whole, **keys, attributes=list(CSV_KINDS))
    log = engine.read_log(
        str(folder / "part-*.csv"),
        **keys,
        attributes=list(CSV_KINDS),
        backend="dask",
        format="csv",
        npartitions=3,
    )
    parts = [p for p in dask.compute(*log._built()) if hasattr(p, "attributes")]
    return one, parts


def _events_of(log, name: str) -> list:
    """(case, time, value) of one attribute in a log, values as Python objects."""
    cases = np.repeat(log.case_ids.astype(str), np.diff(log.case_offsets))
    values = log.attributes[name].tolist()
    return [(c, int(t), repr(v)) for c, t, v in zip(cases, log.timestamp, values, strict=True)]


@pytest.mark.parametrize("name", list(CSV_KINDS))
def test_a_csv_attribute_is_typed_on_dask_as_on_one_machine(kinds_logs, name):
    """Each attribute of a CSV read on Dask has, event by event, the value one machine's
    Arrow read gives (null words missing in numbers, text in text; a blank missing; the
    same instant for two offsets), and its dtype, or in a partition without a missing
    value the one a column without one has (int64 for Int64, bool for object bools)."""
    one, parts = kinds_logs
    want = sorted(_events_of(one, name))
    got = sorted(e for part in parts for e in _events_of(part, name))
    assert got == want
    dtype = str(one.attributes[name].dtype)
    plain = {"Int64": {"int64"}, "object": {"bool"}}.get(dtype, set())
    kinds = {str(part.attributes[name].dtype) for part in parts}
    assert dtype in kinds and kinds <= {dtype, *plain}


def test_the_one_machine_types_of_the_csv_kinds(kinds_logs):
    """What the read above compares against: the kinds one machine gives these columns."""
    one, _ = kinds_logs
    dtypes = {name: str(one.attributes[name].dtype) for name in CSV_KINDS}
    assert dtypes["ints"] == dtypes["ints_past_2_53"] == "Int64"
    assert dtypes["floats_with_na_words"] == dtypes["ints_then_a_fraction"] == "float64"
    assert dtypes["offset_times"] == "datetime64[s, UTC]"
    assert dtypes["seconds_then_nanoseconds"] == "datetime64[ns]"
    assert dtypes["naive_times"] == "datetime64[s]"
    assert one.attributes["bools_with_blanks"].isna().any()
    assert set(one.attributes["offset_times"]) == {pd.Timestamp("2025-11-01 06:00", tz="UTC")}
    assert {"NA", "null", "None", "nan", "N/A"} <= set(one.attributes["text_with_na_words"])
    assert dtypes["leading_zeros"] == "int64"  # '007' is the number 7 to Arrow
    assert set(one.attributes["ones_then_true"]) == {True, False}  # 0/1 and true: bools
    # The row without a case id is dropped, but its word makes the column text.
    assert "x" not in set(one.attributes["a_word_on_a_dropped_row"])
    for name in ("ints_then_words", "ints_then_dates", "naive_then_offsets"):
        assert dtypes[name] == "str", name
    assert dtypes["a_word_on_a_dropped_row"] == "str"


def test_parcours_analyze_segments_of_bools_with_blanks_on_dask(client, tmp_path):
    """The command line's segments by a true/false attribute blank in later rows: the
    blanks are a segment '(missing)' on Dask as on one machine, not True."""
    from engine import cli

    rows = ["customer_id,touchpoint,ts,attr"]
    for i in range(40):
        value = "" if i >= 30 else ("true" if i % 3 else "false")
        second = "purchase" if i % 2 == 0 else "search"
        rows.append(f"c{i:03d},product_page,2026-01-01 10:{i:02d}:00,{value}")
        rows.append(f"c{i:03d},{second},2026-01-01 11:{i:02d}:00,{value}")
    path = tmp_path / "bools.csv"
    path.write_text("\n".join(rows) + "\n")
    columns = ["--case", "customer_id", "--activity", "touchpoint", "--timestamp", "ts"]
    common = ["--no-report", "--quiet", *columns, "--stages", "default", "--segment", "attr"]
    dask_out, pandas_out = tmp_path / "dask", tmp_path / "pandas"
    dask = ["--backend", "dask", "--partitions", "3"]
    assert cli.main(["analyze", str(path), "--out", str(dask_out), *common, *dask]) == 0
    assert cli.main(["analyze", str(path), "--out", str(pandas_out), *common]) == 0
    want = pd.read_parquet(pandas_out / "segments.parquet")
    got = pd.read_parquet(dask_out / "segments.parquet")
    assert dict(zip(want["segment"], want["journeys"], strict=True)) == {
        "True": 20,
        "False": 10,
        "(missing)": 10,
    }
    pd.testing.assert_frame_equal(got, want, check_exact=False, rtol=1e-12)


def _folder(tmp_path: Path, second: dict) -> Path:
    """Two Parquet files of a folder, the second with some columns written otherwise."""
    frame = generate(2_000, seed=5)
    folder = tmp_path / "folder"
    folder.mkdir()
    halves = frame.iloc[:1_000], frame.iloc[1_000:].reset_index(drop=True)
    halves[0].to_parquet(folder / "a.parquet", index=False)
    table = pa.Table.from_pandas(halves[1], preserve_index=False)
    for name, make in second.items():
        index = table.schema.get_field_index(name)
        column = make(table.column(name)) if make is not None else None
        table = (
            table.remove_column(index) if column is None else table.set_column(index, name, column)
        )
    pq.write_table(table, folder / "b.parquet")
    return folder


@pytest.mark.parametrize(
    ("second", "says"),
    [
        ({"segment": None}, "has no column 'segment', which the other files have"),
        ({"ts": lambda c: c.cast(pa.timestamp("us"))}, "column 'ts' has different"),
        ({"csat": lambda c: c.cast(pa.string())}, "column 'csat' has different types"),
    ],
)
def test_a_folder_whose_files_disagree_is_refused_as_on_one_machine(
    client, tmp_path: Path, second, says
):
    """The one-machine checks of a Parquet folder, with their one-line errors, on Dask
    too: it failed inside its shuffle (exit 1) or read a column of two kinds."""
    folder = _folder(tmp_path, second)
    keys = {**KEYS, "attributes": ["segment", "csat"]}
    with pytest.raises(InputError, match=says) as one_machine:
        engine.read_log(folder, **keys)
    with pytest.raises(InputError, match=says) as on_dask:
        engine.read_log(str(folder), **keys, backend="dask")
    assert str(on_dask.value) == str(one_machine.value)


def test_a_folder_mixing_categorical_and_plain_text_is_a_clear_error_on_dask(
    client, tmp_path: Path
):
    folder = _folder(tmp_path, {"segment": lambda c: c.cast(pa.string())})
    keys = {**KEYS, "attributes": ["segment"]}
    want = engine.read_log(folder, **keys)  # one machine reads it: one text column
    assert want.n_events == 2_000
    with pytest.raises(InputError, match=r"'segment' is categorical .* in some files"):
        engine.read_log(str(folder), **keys, backend="dask")


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_bad_timestamps_on_dask_name_the_input_rows_and_count(client, tmp_path, suffix):
    """Bad timestamps in several partitions: the error names the input's rows and counts
    them over the whole input, as one machine does, not one shuffled partition's."""
    frame = generate(8_000, seed=5, shuffle=False)
    frame["ts"] = frame["ts"].astype(str)
    bad = [7, 5_001, 5_002, 7_990]
    frame.loc[bad, "ts"] = "nope"
    path = tmp_path / f"bad.{suffix}"
    if suffix == "csv":
        frame.to_csv(path, index=False)
    else:
        frame.to_parquet(path, row_group_size=2_000)
    with pytest.raises(InputError) as one:
        engine.read_log(path, **KEYS)
    with pytest.raises(InputError) as dask_error:
        engine.read_log(path, **KEYS, backend="dask", npartitions=4).dfg()
    assert "4 rows (rows 7, 5001, 5002, 7990)" in str(one.value)
    assert str(dask_error.value) == str(one.value)


def test_the_timestamp_errors_survive_the_trip_between_machines():
    """dask sends a worker's exception to the client pickled: each row-naming error comes
    back whole, with its message and its fields (a plain exception of these types would
    fail to unpickle, for want of its constructor's arguments)."""
    import pickle

    from engine.log.timestamps import BadTimestamps, MixedOffsets

    bad = BadTimestamps("ts", "are not timestamps", np.array([3, 9]), 12, ["x"], "fix them")
    mixed = MixedOffsets("ts", (np.array([1]), 1, ["a+01:00"]), (np.array([2]), 3, ["b"]))
    for error in (bad, mixed):
        back = pickle.loads(pickle.dumps(error))
        assert type(back) is type(error) and str(back) == str(error)
    assert pickle.loads(pickle.dumps(bad)).shifted(100).rows.tolist() == [103, 109]


@pytest.mark.parametrize("npartitions", [1, 2, 3, 6])
def test_times_with_and_without_an_offset_on_dask_as_on_one_machine(client, tmp_path, npartitions):
    """Journeys whose times carry a UTC offset beside journeys whose times do not: each
    partition may hold both kinds, or one alone (then the partitions disagree with each
    other). Either way the error is one machine's, naming the input's rows."""
    rows = [
        (f"c{c}", "abc"[k], f"2024-01-0{k + 1}T10:00:00" + ("+01:00" if c % 2 else ""))
        for c in range(6)
        for k in range(3)
    ]
    path = tmp_path / "split.csv"
    pd.DataFrame(rows, columns=["case", "activity", "ts"]).to_csv(path, index=False)
    keys = {"case": "case", "activity": "activity", "timestamp": "ts"}
    with pytest.raises(InputError) as one:
        engine.read_log(path, **keys)
    with pytest.raises(InputError) as parts:
        engine.read_log(path, **keys, backend="dask", npartitions=npartitions).dfg()
    assert str(parts.value) == str(one.value)
    assert "in 9 rows (rows 3, 4, 5, 9, 10, ...)" in str(one.value)


def test_partitions_that_disagree_on_offsets_are_found_before_any_figure():
    """Two partitions' logs, each of one kind of time: the check over all partitions
    refuses them by the column's name (the read then names the input's rows)."""
    from engine.cluster.eventlog import PartsDisagree, _check_times

    def log(suffix: str) -> engine.EventLog:
        frame = pd.DataFrame(
            {"case": ["a", "a"], "activity": ["x", "y"], "ts": [f"2024-01-01T10:00{suffix}"] * 2}
        )
        return engine.read_log(frame, case="case", activity="activity", timestamp="ts")

    _check_times([log(""), log("")], "ts")  # one kind: nothing to say
    with pytest.raises(PartsDisagree, match="column 'ts' has times with a UTC offset"):
        _check_times([log(""), log("+01:00")], "ts")
