"""Bad input gets a one-line InputError naming the column, the rows and the fix."""

from __future__ import annotations

import gzip
import shutil

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import engine
from engine import InputError
from engine.datasets import dataset_path
from tests.helpers import written_as

KEYS = {"case": "case", "activity": "activity", "timestamp": "ts"}


def frame(n: int = 6) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "case": [f"c{i % 2}" for i in range(n)],
            "activity": [f"a{i % 3}" for i in range(n)],
            "ts": pd.date_range("2024-01-01", periods=n, freq="h"),
        }
    )


def one_line_error(excinfo) -> str:
    message = str(excinfo.value)
    assert "\n" not in message
    return message


@pytest.mark.parametrize("role", ["case", "activity", "timestamp"])
def test_missing_column_in_a_dataframe(role):
    keys = dict(KEYS, **{role: "nope"})
    with pytest.raises(InputError) as excinfo:
        engine.read_log(frame(), **keys)
    message = one_line_error(excinfo)
    assert "'nope'" in message and f"--{role}" in message and "'activity'" in message


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_missing_column_in_a_file(tmp_path, suffix):
    path = tmp_path / f"log.{suffix}"
    frame().to_csv(path, index=False) if suffix == "csv" else frame().to_parquet(path)
    with pytest.raises(InputError) as excinfo:
        engine.read_log(path, case="customer", activity="activity", timestamp="ts")
    message = one_line_error(excinfo)
    assert "'customer'" in message and "'case'" in message


def test_no_keys_and_no_xes_columns_asks_which_column(tmp_path):
    path = tmp_path / "log.csv"
    frame().to_csv(path, index=False)
    with pytest.raises(InputError, match=r"which column holds the case\?.*--case"):
        engine.read_log(path)


def test_missing_attribute_in_xes_lists_what_the_file_has():
    with pytest.raises(InputError) as excinfo:
        engine.read_log(dataset_path("sepsis.xes.gz"), activity="Activity")
    message = one_line_error(excinfo)
    assert "'Activity'" in message and "'concept:name'" in message and "'CRP'" in message


def test_unparseable_timestamps_name_the_rows():
    df = frame(8).astype({"ts": str})
    df.loc[[2, 5], "ts"] = ["yesterday", "2024-13-45 10:00"]
    with pytest.raises(InputError) as excinfo:
        engine.read_log(df, **KEYS)
    message = one_line_error(excinfo)
    assert "column 'ts'" in message
    assert "2 rows (rows 2, 5)" in message
    assert "'yesterday'" in message and "timestamp_format" in message


def test_timestamps_not_matching_the_given_format():
    df = frame(3).astype({"ts": str})
    with pytest.raises(InputError, match=r"rows 0, 1, 2.*timestamp_format '%d/%m/%Y'"):
        engine.read_log(df, **KEYS, timestamp_format="%d/%m/%Y")


def test_numbers_need_a_timestamp_unit():
    df = frame().assign(ts=np.arange(6) * 1000)
    with pytest.raises(InputError, match=r"column 'ts' holds numbers.*timestamp_unit"):
        engine.read_log(df, **KEYS)


def test_epoch_numbers_written_as_text_get_the_unit_hint(tmp_path):
    path = tmp_path / "epoch.csv"
    path.write_text("case,activity,ts\nc1,a,1700000000\nc1,b,1700000100\n")
    with pytest.raises(InputError) as excinfo:
        engine.read_log(path, **KEYS)
    message = one_line_error(excinfo)
    assert "rows 0, 1" in message and "timestamp_unit=" in message
    assert "timestamp_format" not in message


def test_epoch_text_is_read_as_decimal_numbers_and_the_rest_named(tmp_path):
    """Spaces around a number are allowed (they are around ISO times); '0x10', which
    Arrow's cast took as 16 s, and 'nan' are named, and only they: the error about
    ' 1700000000' once listed no row at all."""
    path = tmp_path / "epoch.csv"
    path.write_text("case,activity,ts\nc1,a, 1700000000\nc1,b,1.7e9 \nc2,a,+1700000100\n")
    log = engine.read_log(path, **KEYS, timestamp_unit="s")
    expected = pd.to_datetime([1_700_000_000, 1_700_000_000, 1_700_000_100], unit="s", utc=True)
    assert sorted(log.decode_timestamps(log.timestamp)) == sorted(expected)
    path.write_text("case,activity,ts\nc1,a, 1700000000\nc1,b,0x10\nc2,a,nan\nc2,b,\n")
    with pytest.raises(
        InputError,
        match=r"has 2 rows \(rows 1, 2\) whose values are not "
        r"numbers \(timestamp_unit='s'\) \(e.g. '0x10', 'nan'\)",
    ) as e:
        engine.read_log(path, **KEYS, timestamp_unit="s")
    one_line_error(e)


def _dated(values: list[str]) -> pd.DataFrame:
    return pd.DataFrame(
        {"case": "c1", "activity": [f"a{i}" for i in range(len(values))], "ts": values}
    )


@pytest.mark.parametrize("source", ["frame", "csv", "parquet"])
def test_day_and_month_in_an_uncertain_order_are_refused(tmp_path, source):
    """01/02/2024 is 1 February in Europe, 2 January in the US: never guessed silently."""
    df = _dated(["01/02/2024 10:00", "03/02/2024 10:00", "05/02/2024 09:30"])
    with pytest.raises(InputError) as excinfo:
        engine.read_log(written_as(df, source, tmp_path), **KEYS)
    message = one_line_error(excinfo)
    assert "column 'ts'" in message and "3 rows (rows 0, 1, 2)" in message
    assert "'%d/%m/%Y %H:%M' if the day comes first" in message
    assert "'%m/%d/%Y %H:%M' if the month comes first" in message
    assert "row 0: 2024-02-01 or 2024-01-02" in message


@pytest.mark.parametrize("first", [0, 1])
@pytest.mark.parametrize("source", ["frame", "csv"])
def test_an_uncertain_value_is_refused_whatever_the_rows_order(tmp_path, first, source):
    """01/02/2024 is refused beside 13/02/2024 whether it comes first or not (it was read
    when 13/02 came first, refused otherwise), naming only the uncertain row and the
    format that reads every value. Each value judged alone, as a Dask partition sees it."""
    values = ["01/02/2024 10:00", "13/02/2024 11:00"]
    df = _dated(values if first == 0 else values[::-1])
    with pytest.raises(InputError) as excinfo:
        engine.read_log(written_as(df, source, tmp_path), **KEYS)
    message = one_line_error(excinfo)
    assert f"1 row (row {first})" in message
    assert "every value fits day first: pass timestamp_format='%d/%m/%Y %H:%M'" in message
    fixed = engine.read_log(df, **KEYS, timestamp_format="%d/%m/%Y %H:%M")
    assert fixed.timestamp.tolist() == [
        pd.Timestamp("2024-02-01 10:00").value,
        pd.Timestamp("2024-02-13 11:00").value,
    ]


def test_values_that_fit_neither_order_alone_are_refused():
    """01/02 fits both, 13/02 only day first, 02/13 only month first: no one order."""
    df = _dated(["01/02/2024 10:00", "13/02/2024 11:00", "02/13/2024 12:00"])
    with pytest.raises(InputError, match="order of day and month is not certain") as excinfo:
        engine.read_log(df, **KEYS)
    one_line_error(excinfo)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["2024/01/02 10:00", "2024/01/03 10:00"], ["2024-01-02 10:00", "2024-01-03 10:00"]),
        (["Jan 2, 2024 10:00", "Feb 3, 2024 10:00"], ["2024-01-02 10:00", "2024-02-03 10:00"]),
        # every value settles its own order
        (["13/02/2024 10:00", "21/03/2024 10:00"], ["2024-02-13 10:00", "2024-03-21 10:00"]),
        (["02/13/2024 10:00", "03/21/2024 10:00"], ["2024-02-13 10:00", "2024-03-21 10:00"]),
        # read the same either way
        (["01/01/2024 10:00", "02/02/2024 10:00"], ["2024-01-01 10:00", "2024-02-02 10:00"]),
    ],
)
def test_text_timestamps_whose_order_is_certain_are_read(values, expected):
    log = engine.read_log(_dated(values), **KEYS)
    assert log.timestamp.tolist() == sorted(pd.Timestamp(v).value for v in expected)


def test_bad_timestamp_unit():
    with pytest.raises(InputError, match="timestamp_unit must be one of"):
        engine.read_log(frame().assign(ts=np.arange(6)), **KEYS, timestamp_unit="days")


def test_timestamps_out_of_the_nanosecond_range_name_the_rows():
    df = frame(4).astype({"ts": str})
    df.loc[3, "ts"] = "1500-01-01T00:00:00"
    with pytest.raises(InputError) as excinfo:
        engine.read_log(df, **KEYS)
    message = one_line_error(excinfo)
    assert "column 'ts'" in message and "row 3" in message


def _spanning(first: str, last: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "case": ["c1", "c1", "c2", "c2"],
            "activity": ["a", "b", "a", "b"],
            "ts": pd.to_datetime([last, last, first, "2000-01-01"])
            + pd.Timedelta("1s") * np.arange(4),
        }
    )


def test_a_log_spanning_more_than_nanoseconds_hold_is_refused_naming_its_ends():
    """Two times 323 years apart: their difference in int64 nanoseconds would wrap around
    to a negative duration (it did, before: -8.2e9 s for 1700 -> 2024)."""
    with pytest.raises(InputError) as excinfo:
        engine.read_log(_spanning("1700-01-01", "2024-01-01"), **KEYS)
    message = one_line_error(excinfo)
    assert "1700-01-01 00:00:02 (column 'ts', row 2)" in message
    assert "2024-01-01 00:00:01 (column 'ts', row 1)" in message
    assert "292 years" in message and "fix or drop those rows" in message


def test_a_log_just_within_the_span_gives_exact_durations():
    df = _spanning("1760-01-01", "2050-01-01")
    log = engine.read_log(df, **KEYS)
    edges = log.dfg().set_index(["source", "target"])
    by_case = df.sort_values("ts").groupby("case")["ts"]
    want = (by_case.last() - by_case.first()).dt.total_seconds()
    assert want.max() > 7e9
    assert edges.loc[("a", "b"), "max_s"] == pytest.approx(want.max(), rel=1e-15)


def test_a_start_time_before_the_span_is_named():
    df = _spanning("1800-01-01", "2024-01-01").assign(start=lambda d: d["ts"])
    df.loc[3, "start"] = pd.Timestamp("1690-01-01")
    with pytest.raises(InputError) as excinfo:
        engine.read_log(df, **KEYS, start_timestamp="start")
    assert "1690-01-01 00:00:00 (column 'start', row 3)" in one_line_error(excinfo)


def test_empty_dataframe():
    with pytest.raises(InputError, match="the log is empty"):
        engine.read_log(frame().iloc[:0], **KEYS)


def test_csv_with_only_a_header(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("case,activity,ts\n")
    with pytest.raises(InputError, match="the log is empty"):
        engine.read_log(path, **KEYS)


def test_xes_without_events(tmp_path):
    path = tmp_path / "empty.xes"
    path.write_text(
        '<?xml version="1.0"?><log xes.version="1.0"><trace>'
        '<string key="concept:name" value="t"/></trace></log>'
    )
    with pytest.raises(InputError):
        engine.read_log(path)


def test_all_rows_missing_a_key_field():
    df = frame().assign(activity=None)
    with pytest.raises(InputError) as excinfo:
        engine.read_log(df, **KEYS)
    message = one_line_error(excinfo)
    assert "all 6 rows" in message and "activity 'activity': 6" in message


def test_same_column_for_two_roles():
    with pytest.raises(InputError, match="case and activity are both column 'case'"):
        engine.read_log(frame(), case="case", activity="case", timestamp="ts")


@pytest.mark.parametrize("source", ["frame", "csv", "parquet"])
def test_the_start_timestamp_naming_the_timestamp_column_is_refused(tmp_path, source):
    """It was an internal error: Arrow's 'Field "ts" exists 2 times in schema'."""
    read = written_as(frame(), source, tmp_path)
    with pytest.raises(InputError) as excinfo:
        engine.read_log(read, **KEYS, start_timestamp="ts")
    assert "timestamp and start_timestamp are both column 'ts'" in one_line_error(excinfo)


def test_a_source_that_is_neither_path_nor_frame():
    with pytest.raises(InputError, match="takes a file path, a pandas or Polars DataFrame"):
        engine.read_log([1, 2, 3])


def test_missing_file():
    with pytest.raises(InputError, match="does not exist"):
        engine.read_log("no/such/log.csv")


def test_unknown_extension(tmp_path):
    path = tmp_path / "log.dat"
    path.write_text("x")
    with pytest.raises(InputError, match="format="):
        engine.read_log(path)


# -- hostile and damaged files -----------------------------------------------------------

XXE = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE log [ <!ENTITY secret SYSTEM "file://{path}"> ]>
{padding}<log xes.version="1.0">
  <trace><string key="concept:name" value="case-&secret;"/>
    <event><string key="concept:name" value="&secret;"/>
           <date key="time:timestamp" value="2024-01-01T00:00:00+00:00"/></event>
  </trace>
</log>
"""


@pytest.mark.parametrize("padding", [0, 2_000_000], ids=["doctype-first", "doctype-after-2MB"])
def test_xes_never_reads_local_files(tmp_path, padding):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE")
    pad = "" if not padding else "<!--" + "x" * padding + "-->\n"
    # A DOCTYPE must precede the root element; the padding pushes it far from the start.
    text = XXE.format(path=secret, padding="")
    if padding:
        text = text.replace("<!DOCTYPE", pad + "<!DOCTYPE", 1)
    path = tmp_path / "evil.xes"
    path.write_text(text)
    with pytest.raises(InputError) as excinfo:
        engine.read_log(path)
    message = one_line_error(excinfo)
    assert "DOCTYPE" in message
    assert "TOP-SECRET-VALUE" not in message


def test_xes_parser_does_not_expand_entities_without_the_doctype_check(tmp_path, monkeypatch):
    """Below the DOCTYPE refusal, the parser itself resolves nothing."""
    from engine.io import xes

    monkeypatch.setattr(xes, "_refuse_doctype", lambda path: None)
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE")
    path = tmp_path / "evil.xes"
    path.write_text(XXE.format(path=secret, padding=""))
    with pytest.raises(InputError) as excinfo:
        xes.read_xes(path, columns=None)
    assert "TOP-SECRET-VALUE" not in str(excinfo.value)


def test_internal_entities_are_refused_too(tmp_path):
    """A 'billion laughs' bomb is refused before anything is expanded."""
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE log [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        '<log><trace><event><string key="concept:name" value="&b;"/></event></trace></log>'
    )
    path = tmp_path / "bomb.xes"
    path.write_text(bomb)
    with pytest.raises(InputError, match="DOCTYPE"):
        engine.read_log(path)


def test_truncated_gzip_xes(tmp_path):
    data = dataset_path("receipt.xes.gz").read_bytes()
    path = tmp_path / "cut.xes.gz"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match="truncated or corrupt"):
        engine.read_log(path)


def test_truncated_plain_xes(tmp_path):
    path = tmp_path / "cut.xes"
    with gzip.open(dataset_path("sepsis.xes.gz"), "rb") as src:
        path.write_bytes(src.read()[:300_000])
    with pytest.raises(InputError, match=r"not well-formed XES.*truncated or corrupt"):
        engine.read_log(path)


def test_gzip_that_is_not_gzip(tmp_path):
    path = tmp_path / "fake.xes.gz"
    path.write_bytes(b"\x1f\x8b" + b"\x00" * 100)
    with pytest.raises(InputError, match="truncated or corrupt"):
        engine.read_log(path)


def test_truncated_parquet(tmp_path):
    path = tmp_path / "log.parquet"
    frame(1000).to_parquet(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 100])
    with pytest.raises(InputError, match="not a readable Parquet file"):
        engine.read_log(path, **KEYS)


def test_corrupt_parquet_body(tmp_path):
    path = tmp_path / "log.parquet"
    frame(5000).to_parquet(path, compression="snappy")
    data = bytearray(path.read_bytes())
    data[100:400] = b"\xff" * 300
    path.write_bytes(bytes(data))
    with pytest.raises(InputError, match="Parquet"):
        engine.read_log(path, **KEYS)


def test_truncated_gzip_csv(tmp_path):
    plain = tmp_path / "log.csv"
    frame(20_000).to_csv(plain, index=False)
    path = tmp_path / "log.csv.gz"
    with open(plain, "rb") as src, gzip.open(path, "wb") as dst:
        shutil.copyfileobj(src, dst)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match="could not be read as CSV"):
        engine.read_log(path, **KEYS)


@pytest.mark.parametrize(
    ("sep", "advice"),
    [
        (";", "separated by ';', pass sep=';' (--sep ';')"),
        ("\t", "separated by tab, pass sep='\\t' (--sep tab)"),
    ],
)
@pytest.mark.parametrize("named", [True, False])
def test_a_header_read_as_one_column_suggests_the_separator(tmp_path, sep, advice, named):
    """A ';' or tab separated file read with ',' has one column: the error says which
    separator its header holds (with the key columns named or left to the XES names)."""
    path = tmp_path / "log.csv"
    rows = [["case", "activity", "ts"], ["c1", "a", "2024-01-01"]]
    path.write_text("".join(sep.join(row) + "\n" for row in rows))
    with pytest.raises(InputError) as e:
        engine.read_log(path, **(KEYS if named else {}))
    assert one_line_error(e).endswith(f"the header reads as one column: if its fields are {advice}")
    assert engine.read_log(path, **KEYS, sep=sep).n_events == 1


def test_ragged_csv(tmp_path):
    path = tmp_path / "ragged.csv"
    path.write_text("case,activity,ts\na,x,2024-01-01\nb,y\n")
    with pytest.raises(InputError, match="could not be read as CSV"):
        engine.read_log(path, **KEYS)


@pytest.mark.parametrize("backend", ["pandas", "dask"])
@pytest.mark.parametrize("sep", [";;", "", "tabs", None])
def test_a_separator_that_is_not_one_character_is_refused(tmp_path, sep, backend):
    """On either backend, before a cluster starts or the file is opened."""
    path = tmp_path / "log.csv"
    frame().to_csv(path, index=False)
    with pytest.raises(InputError) as excinfo:
        engine.read_log(path, **KEYS, sep=sep, backend=backend, format="csv")
    message = one_line_error(excinfo)
    assert "must be one character" in message and f"got {sep!r}" in message
    assert "sep='\\t' or 'tab' (--sep tab)" in message


# -- Column names that repeat -------------------------------------------------------------


def _repeating(names: list[str]) -> pa.Table:
    """frame() with a channel column, under `names` (which may repeat)."""
    columns = frame().assign(channel="web")
    arrays = [pa.array(columns[c]) for c in ["case", "activity", "ts", "channel"]]
    return pa.Table.from_arrays([*arrays, arrays[names.index(names[-1])]], names=names)


def _source(table: pa.Table, kind: str, tmp_path):
    """`table` as a CSV or Parquet file, an Arrow table or a pandas DataFrame."""
    if kind == "arrow":
        return table
    if kind == "frame":
        return pd.DataFrame(
            {i: column.to_pandas() for i, column in enumerate(table.columns)}
        ).set_axis(table.column_names, axis=1)
    path = tmp_path / f"log.{kind}"
    if kind == "csv":
        body = pd.DataFrame({i: c.to_pandas() for i, c in enumerate(table.columns)})
        header = ",".join(table.column_names)
        path.write_text(header + "\n" + body.to_csv(index=False, header=False))
    else:
        pq.write_table(table, path)
    return path


@pytest.mark.parametrize("kind", ["csv", "parquet", "arrow", "frame"])
@pytest.mark.parametrize(
    "repeated,argument",
    [("case", "case="), ("ts", "timestamp="), ("channel", "attributes=")],
)
def test_a_column_name_the_read_uses_twice_is_refused_naming_its_places(
    tmp_path, kind, repeated, argument
):
    """Which of two columns of one name the case, the timestamp or an attribute is cannot
    be told: never the first one without a word."""
    names = ["case", "activity", "ts", "channel", repeated]
    with pytest.raises(InputError) as excinfo:
        engine.read_log(_source(_repeating(names), kind, tmp_path), **KEYS, attributes=["channel"])
    message = one_line_error(excinfo)
    first = names.index(repeated) + 1
    assert f"column name '{repeated}' appears 2 times" in message
    assert f"(columns {first} and 5, counting from 1)" in message
    assert argument in message and "rename one of them" in message


@pytest.mark.parametrize("kind", ["csv", "parquet", "arrow", "frame"])
def test_a_repeated_column_name_the_read_does_not_use_is_allowed(tmp_path, kind):
    table = _repeating(["case", "activity", "ts", "channel", "channel"])
    log = engine.read_log(_source(table, kind, tmp_path), **KEYS)
    assert log.n_events == 6 and log.n_cases == 2


def test_columns_of_several_levels_are_refused_in_one_line():
    """A MultiIndex of column labels gave pandas' raw KeyError."""
    df = frame()
    df.columns = pd.MultiIndex.from_tuples([("t", c) for c in df.columns])
    for keys in (
        KEYS,
        {"case": ("t", "case"), "activity": ("t", "activity"), "timestamp": ("t", "ts")},
    ):
        with pytest.raises(
            InputError, match=r"the DataFrame's columns have 2 levels \(\('t', 'case'\)"
        ) as e:
            engine.read_log(df, **keys)
        assert "df.columns = ['_'.join(map(str, c)) for c in df.columns]" in one_line_error(e)


def test_two_roles_naming_labels_of_the_same_text_are_told_so():
    """case=0 and activity='0' name two labels that are both the column '0': the error
    said the two roles were given one column."""
    df = frame().set_axis([0, "activity", "ts"], axis=1)
    df["0"] = df["activity"]
    with pytest.raises(InputError, match=r"'0' appears 2 times in the DataFrame \(columns 1 and 4"):
        engine.read_log(df, case=0, activity="0", timestamp="ts")


def test_labels_that_are_the_same_text_are_one_name_repeated():
    """Label 0 and label '0' are both the column '0' (names are matched as text)."""
    df = frame().set_axis([0, "activity", "ts"], axis=1)
    df["0"] = df[0]
    with pytest.raises(InputError, match=r"'0' appears 2 times in the DataFrame \(columns 1 and 4"):
        engine.read_log(df, case=0, activity="activity", timestamp="ts")


# -- Parquet folders whose files disagree ------------------------------------------------


def _write_parts(folder, parts: dict[str, pa.Table]) -> None:
    folder.mkdir()
    for name, table in parts.items():
        pq.write_table(table, folder / name)


def _part(ts: pa.Array, case: pa.Array | None = None) -> pa.Table:
    n = len(ts)
    return pa.table(
        {
            "case": case if case is not None else pa.array([f"c{i % 2}" for i in range(n)]),
            "activity": pa.array([f"a{i % 3}" for i in range(n)]),
            "ts": ts,
        }
    )


def test_parquet_folder_of_timestamps_and_epoch_numbers_is_refused_naming_both(tmp_path):
    """Epoch seconds in one file must never be read as the other file's microseconds."""
    folder = tmp_path / "log"
    micro = pa.array([1_700_000_000_000_000, 1_700_000_100_000_000], pa.timestamp("us"))
    seconds = pa.array([1_700_000_000, 1_700_000_100], pa.int64())
    _write_parts(folder, {"a.parquet": _part(micro), "b.parquet": _part(seconds)})
    with pytest.raises(InputError) as excinfo:
        engine.read_log(folder, **KEYS)
    message = one_line_error(excinfo)
    assert "'ts'" in message and "a.parquet" in message and "b.parquet" in message
    assert "timestamp[us]" in message and "int64" in message
    assert "corrupt" not in message


def test_parquet_folder_with_other_differing_types_names_the_files_and_column(tmp_path):
    folder = tmp_path / "log"
    stamps = pa.array([0, 3_600_000_000], pa.timestamp("us"))
    text = pa.array(["2024-01-01", "2024-01-02"])
    _write_parts(folder, {"one.parquet": _part(stamps), "two.parquet": _part(text)})
    with pytest.raises(InputError) as excinfo:
        engine.read_log(folder, **KEYS)
    message = one_line_error(excinfo)
    assert "'ts'" in message and "one.parquet" in message and "two.parquet" in message
    assert "string" in message and "corrupt" not in message


def test_parquet_folder_of_naive_and_aware_timestamps_is_refused(tmp_path):
    folder = tmp_path / "log"
    naive = pa.array([0, 3_600_000_000], pa.timestamp("us"))
    aware = pa.array([0, 3_600_000_000], pa.timestamp("us", tz="UTC"))
    _write_parts(folder, {"a.parquet": _part(naive), "b.parquet": _part(aware)})
    with pytest.raises(InputError) as excinfo:
        engine.read_log(folder, **KEYS)
    message = one_line_error(excinfo)
    assert "a.parquet" in message and "b.parquet" in message and "tz=UTC" in message


def test_parquet_folder_file_without_a_key_column_is_named(tmp_path):
    folder = tmp_path / "log"
    stamps = pa.array([0, 3_600_000_000], pa.timestamp("us"))
    _write_parts(
        folder,
        {"a.parquet": _part(stamps), "b.parquet": _part(stamps).drop_columns(["case"])},
    )
    with pytest.raises(InputError) as excinfo:
        engine.read_log(folder, **KEYS)
    message = one_line_error(excinfo)
    assert "b.parquet" in message and "'case'" in message


# -- XES structure ------------------------------------------------------------------------


def _xes(body: str) -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<log xes.version="1.0">\n{body}\n</log>\n'


def _event(activity: str, when: str = "2024-01-01T00:00:00+00:00") -> str:
    return (
        f'<event><string key="concept:name" value="{activity}"/>'
        f'<date key="time:timestamp" value="{when}"/></event>'
    )


def _trace(name: str, *events: str) -> str:
    return f'<trace><string key="concept:name" value="{name}"/>{"".join(events)}</trace>'


def test_xes_event_outside_a_trace_is_refused_not_given_to_the_next_case(tmp_path):
    path = tmp_path / "orphan.xes"
    path.write_text(_xes(_event("orphan") + "\n" + _trace("t1", _event("a"))))
    with pytest.raises(InputError) as excinfo:
        engine.read_log(path)
    message = one_line_error(excinfo)
    assert "outside a trace (before the first trace)" in message and "orphan.xes" in message


def test_xes_trace_inside_a_trace_is_refused(tmp_path):
    path = tmp_path / "nested.xes"
    inner = _trace("inner", _event("i", "2024-01-02T00:00:00+00:00"))
    path.write_text(_xes(_trace("outer", _event("o"), inner)))
    with pytest.raises(InputError) as excinfo:
        engine.read_log(path)
    message = one_line_error(excinfo)
    assert "a <trace> inside trace 'outer'" in message


def test_xes_event_inside_an_event_is_refused(tmp_path):
    path = tmp_path / "nested.xes"
    outer = _event("o").replace("</event>", _event("i") + "</event>")
    path.write_text(_xes(_trace("t", outer)))
    with pytest.raises(InputError, match=r"an <event> inside an event"):
        engine.read_log(path)


def test_xes_whose_root_is_not_a_log_is_refused(tmp_path):
    path = tmp_path / "trace.xes"
    path.write_text('<?xml version="1.0"?>' + _trace("t", _event("a")))
    with pytest.raises(InputError, match=r"root element <trace> where <log> belongs"):
        engine.read_log(path)


# -- XES values ---------------------------------------------------------------------------


def test_unreadable_xes_dates_are_an_error_naming_the_trace(tmp_path):
    """As in a CSV: a date that is there but cannot be read is no missing date."""
    path = tmp_path / "dates.xes"
    events = [_event("a", "not-a-date"), _event("b", "2024-13-45"), _event("c")]
    path.write_text(_xes(_trace("t0", _event("x")) + _trace("t1", *events)))
    with pytest.raises(InputError) as excinfo:
        engine.read_log(path)
    message = one_line_error(excinfo)
    assert "'time:timestamp'" in message and "2 events" in message
    assert "trace 't1'" in message and "'not-a-date'" in message and "'2024-13-45'" in message


def test_xes_dates_mixing_offsets_and_none_are_refused_naming_the_traces(tmp_path):
    path = tmp_path / "mixed.xes"
    path.write_text(
        _xes(_trace("t0", _event("a", "2024-01-01T00:00:00")) + _trace("t1", _event("b")))
    )
    with pytest.raises(InputError) as excinfo:
        engine.read_log(path)
    message = one_line_error(excinfo)
    assert "trace 't0'" in message and "trace 't1'" in message and "offset" in message


def _amounts(*values: str, kind: str = "int") -> str:
    """A trace 'c1' whose events carry these values as <int key="amount">."""
    events = [
        _event(f"a{i}").replace("</event>", f'<{kind} key="amount" value="{v}"/></event>')
        for i, v in enumerate(values)
    ]
    return _trace("c1", *events)


def test_xes_int_beyond_int64_is_refused_not_rounded(tmp_path):
    """It was read as 1e+20 (through float64), every whole number of the column with it."""
    path = tmp_path / "big.xes"
    path.write_text(_xes(_amounts("99999999999999999999", "1")))
    with pytest.raises(InputError) as excinfo:
        engine.read_log(path, attributes=["amount"])
    message = one_line_error(excinfo)
    assert "1 event whose 'amount'" in message and "beyond int64" in message
    assert "trace 'c1'" in message and "'99999999999999999999'" in message
    assert "<string>" in message


def test_xes_int_case_id_beyond_int64_is_refused(tmp_path):
    path = tmp_path / "big.xes"
    trace = _trace("x", _event("a")).replace(
        '<string key="concept:name" value="x"/>',
        '<int key="concept:name" value="-99999999999999999999"/>',
    )
    path.write_text(_xes(trace))
    with pytest.raises(InputError, match=r"'case:concept:name' is a whole number beyond int64"):
        engine.read_log(path)


def test_xes_int_that_a_float_column_would_round_is_refused(tmp_path):
    """Beside a fraction the column is float64, which has no 2**53 + 1."""
    path = tmp_path / "round.xes"
    path.write_text(_xes(_amounts("1.5", str(2**53 + 1))))
    with pytest.raises(InputError) as excinfo:
        engine.read_log(path, attributes=["amount"])
    message = one_line_error(excinfo)
    assert "'amount'" in message and "would round" in message
    assert f"'{2**53 + 1}'" in message and "trace 'c1'" in message


@pytest.mark.parametrize("value", ["nan", "inf", "0x10", "1_000"])
def test_xes_int_that_is_no_number_is_refused(tmp_path, value):
    """'nan' in an <int> was read as a missing value, 'inf' as a float."""
    path = tmp_path / "nan.xes"
    path.write_text(_xes(_amounts(value, "1")))
    with pytest.raises(InputError) as excinfo:
        engine.read_log(path, attributes=["amount"])
    message = one_line_error(excinfo)
    assert "'amount' is no readable int" in message and f"'{value}'" in message


def test_xes_key_repeated_in_an_event_is_refused_not_read_as_the_first(tmp_path):
    """concept:name 'a' then 'a2' in one event was read as 'a' (pm4py takes 'a2')."""
    path = tmp_path / "twice.xes"
    twice = _event("a").replace("</event>", '<string key="concept:name" value="a2"/></event>')
    path.write_text(_xes(_trace("c1", twice, _event("b"))))
    with pytest.raises(InputError) as excinfo:
        engine.read_log(path)
    message = one_line_error(excinfo)
    assert "the key 'concept:name' twice in an event of trace 'c1'" in message
    assert "('a' and 'a2')" in message and "remove or rename one" in message


def test_xes_requested_attribute_repeated_in_an_event_is_refused(tmp_path):
    path = tmp_path / "twice.xes"
    twice = _event("a").replace(
        "</event>",
        '<string key="org:resource" value="r1"/><string key="org:resource" value="r2"/></event>',
    )
    path.write_text(_xes(_trace("c0", _event("x")) + _trace("c1", twice)))
    assert engine.read_log(path).n_events == 2  # not asked for: left alone
    with pytest.raises(InputError) as excinfo:
        engine.read_log(path, attributes=["org:resource"])
    message = one_line_error(excinfo)
    assert "'org:resource' twice in an event of trace 'c1' ('r1' and 'r2')" in message


def test_xes_trace_key_repeated_is_refused(tmp_path):
    path = tmp_path / "twice.xes"
    trace = _trace("c1", _event("a")).replace(
        "<event>", '<string key="concept:name" value="c2"/><event>', 1
    )
    path.write_text(_xes(trace))
    with pytest.raises(InputError) as excinfo:
        engine.read_log(path)
    message = one_line_error(excinfo)
    assert "the key 'concept:name' twice in trace 'c1' ('c1' and 'c2')" in message
    assert "'case:concept:name'" in message


@pytest.mark.parametrize(
    ("column", "element", "where"),
    [
        ("items", "list", "an event of trace 'c1'"),
        ("meta", "container", "an event of trace 'c1'"),
        ("case:items", "list", "trace 'c1'"),
    ],
)
def test_xes_list_attribute_asked_for_is_refused_as_a_list(tmp_path, column, element, where):
    """A <list> asked for was 'not found', as if the file had no such key."""
    key = column.removeprefix("case:")
    nested = f'<{element} key="{key}"><values><string key="x" value="1"/></values></{element}>'
    if column.startswith("case:"):
        trace = _trace("c1", _event("a")).replace("<event>", nested + "<event>", 1)
    else:
        trace = _trace("c1", _event("a").replace("</event>", nested + "</event>"))
    path = tmp_path / "list.xes"
    path.write_text(_xes(trace))
    assert engine.read_log(path).n_events == 1  # not asked for: not read
    with pytest.raises(InputError) as excinfo:
        engine.read_log(path, attributes=[column])
    message = one_line_error(excinfo)
    assert f"{column!r} as a <{element}> in {where}" in message
    assert "not lists or containers" in message and "not found" not in message


def test_xes_without_events_says_so(tmp_path):
    path = tmp_path / "empty.xes"
    path.write_text(_xes(_trace("t")))
    with pytest.raises(InputError) as excinfo:
        engine.read_log(path)
    message = one_line_error(excinfo)
    assert "no events" in message and "1 trace" in message and "columns are: ;" not in message


def test_xes_gzip_that_expands_like_a_bomb_is_refused(tmp_path, monkeypatch):
    from engine.io import xes_gzip as xes

    monkeypatch.setattr(xes, "EXPANSION_FLOOR", 1 << 20)
    body = _trace("t", _event("a")) + '<string key="pad" value="x"/>' * 200_000
    path = tmp_path / "bomb.xes.gz"
    path.write_bytes(gzip.compress(_xes(body).encode(), compresslevel=9))
    assert len(_xes(body)) > xes.MAX_EXPANSION * path.stat().st_size  # a ratio no log has
    with pytest.raises(InputError) as excinfo:
        engine.read_log(path)
    message = one_line_error(excinfo)
    assert "bomb.xes.gz" in message and "expands" in message


# -- mixed naive and aware timestamps ----------------------------------------------------


@pytest.mark.parametrize("source", ["frame", "csv"])
def test_naive_and_aware_text_timestamps_are_refused_naming_the_rows(tmp_path, source):
    df = frame(5).astype({"ts": str})
    df["ts"] = [
        "2024-01-01T00:00:00",
        "2024-01-01T01:00:00+02:00",
        "2024-01-01T02:00:00",
        "2024-01-01T03:00:00Z",
        "2024-01-01T04:00:00",
    ]
    given = df
    if source == "csv":
        given = tmp_path / "log.csv"
        df.to_csv(given, index=False)
    with pytest.raises(InputError) as excinfo:
        engine.read_log(given, **KEYS)
    message = one_line_error(excinfo)
    assert "column 'ts'" in message and "offset" in message
    assert "2 rows (rows 1, 3)" in message and "3 rows (rows 0, 2, 4)" in message


def test_naive_and_aware_python_datetimes_are_refused():
    import datetime as dt

    df = frame(2)
    df["ts"] = pd.Series(
        [dt.datetime(2024, 1, 1), dt.datetime(2024, 1, 1, tzinfo=dt.UTC)], dtype=object
    )
    with pytest.raises(InputError, match=r"column 'ts'.*offset.*row 1"):
        engine.read_log(df, **KEYS)


def test_a_start_timestamp_aware_when_the_timestamp_is_naive_is_refused():
    df = frame(4).assign(start=lambda d: d["ts"].dt.tz_localize("UTC"))
    with pytest.raises(InputError, match=r"'start'.*'ts'"):
        engine.read_log(df, **KEYS, start_timestamp="start")


# -- clear messages -----------------------------------------------------------------------


def test_no_pandas_warning_before_the_timestamp_error():
    import warnings

    df = frame(2).astype({"ts": str}).assign(ts=["yesterday", "tomorrow"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(InputError, match="not timestamps"):
            engine.read_log(df, **KEYS)
    assert [str(w.message) for w in caught] == []


@pytest.mark.parametrize("source", ["frame", "csv", "parquet", "xes"])
def test_a_missing_attribute_names_the_attributes_argument(tmp_path, source):
    keys = KEYS
    if source == "frame":
        given = frame()
    elif source == "xes":
        given, keys = dataset_path("receipt.xes.gz"), {}
    else:
        given = tmp_path / f"log.{source}"
        frame().to_csv(given, index=False) if source == "csv" else frame().to_parquet(given)
    with pytest.raises(InputError) as excinfo:
        engine.read_log(given, **keys, attributes=["nosuch"])
    message = one_line_error(excinfo)
    assert "'nosuch'" in message and "attributes=" in message
    assert "case=" not in message
    assert "'concept:name'" in message if source == "xes" else "'activity'" in message


def test_the_dask_backend_without_dask_says_what_to_install(monkeypatch):
    import sys

    for name in ("dask", "dask.dataframe", "distributed"):
        monkeypatch.setitem(sys.modules, name, None)  # import fails as if not installed
    with pytest.raises(InputError) as excinfo:
        engine.read_log("log.parquet", **KEYS, backend="dask")
    assert "pip install 'parcours[dask]'" in one_line_error(excinfo)


@pytest.mark.parametrize("dictionary", [False, True])
def test_parquet_text_that_is_not_utf8_is_refused(tmp_path, dictionary):
    """Parquet readers do not check UTF-8; undecodable case ids must not fail later."""
    values = b"c0" + b"\xff\xfe" + b"c1"
    offsets = np.array([0, 2, 4, 6], np.int32).tobytes()
    text = pa.Array.from_buffers(
        pa.string(), 3, [None, pa.py_buffer(offsets), pa.py_buffer(values)]
    )
    case = pa.DictionaryArray.from_arrays(pa.array([0, 1, 2]), text) if dictionary else text
    table = pa.table(
        {"case": case, "activity": ["a", "b", "c"], "ts": pd.date_range("2024", periods=3)}
    )
    path = tmp_path / "log.parquet"
    pq.write_table(table, path)
    with pytest.raises(InputError) as excinfo:
        engine.read_log(path, **KEYS).case_ids
    message = one_line_error(excinfo)
    # a dictionary's values are checked by Arrow's own reader, plain text by parcours
    assert "UTF8" in message if dictionary else "'case'" in message and "UTF-8" in message


@pytest.mark.parametrize("zone", [None, "UTC"])
def test_a_time_past_what_python_holds_is_named_in_the_one_line_error(tmp_path, zone):
    """A corrupt Parquet file's time 2**62 ms after 1970 (year ~146 million) is refused
    with the usual one-line error; its example is the raw value with its unit, since no
    Python datetime holds it (the message itself raised OverflowError, found by fuzzing)."""
    ts = pa.array(np.array([10, 2**62, 20], dtype="int64")).cast(pa.timestamp("ms", tz=zone))
    path = tmp_path / "far.parquet"
    pq.write_table(pa.table({"c": ["a", "a", "b"], "a": ["x", "y", "x"], "t": ts}), path)
    with pytest.raises(InputError) as error:
        engine.read_log(path, case="c", activity="a", timestamp="t")
    message = str(error.value)
    assert "outside 1677-2262 in 1 row (row 1)" in message and "\n" not in message
    assert "'4611686018427387904 ms since 1970'" in message


def _keyed(cases: list, activities: list | None = None) -> pd.DataFrame:
    n = len(cases)
    return pd.DataFrame(
        {
            "case": pd.Series(cases, dtype=object),
            "activity": pd.Series(activities or [f"a{i % 2}" for i in range(n)], dtype=object),
            "ts": pd.date_range("2024-01-01", periods=n, freq="h"),
        }
    )


@pytest.mark.parametrize(
    ("role", "values", "kinds"),
    [
        ("case", [7, "7", 7, "7"], r"text \(row 1: '7'\) and numbers \(row 0: 7\)"),
        ("case", [7, "x", 7.0, "x"], r"text \(row 1: 'x'\) and numbers \(row 0: 7\)"),
        ("case", [True, 1, True, 1], r"numbers \(row 1: 1\) and booleans \(row 0: True\)"),
        ("activity", [5, "5", 5.0, "x"], r"text \(row 1: '5'\) and numbers \(row 0: 5\)"),
    ],
)
def test_keys_mixing_text_numbers_and_booleans_are_refused(role, values, kinds):
    """As text, 7 and '7' were one case and 7 and 7.0 (equal in pandas) two: refused,
    naming a row of each kind, and the caller's frame is left as it was."""
    df = _keyed(values) if role == "case" else _keyed(["c1", "c1", "c2", "c2"], values)
    before = df.copy()
    with pytest.raises(InputError, match=rf"{role} column '{role}' mixes {kinds}: as text") as e:
        engine.read_log(df, **KEYS)
    assert "astype(str)" in one_line_error(e)
    pd.testing.assert_frame_equal(df, before)


def test_integer_and_float_ids_equal_in_pandas_are_one_case():
    """Without text among them, 7 and 7.0 are one case, as pandas counts them."""
    df = _keyed([7, 7.0, 8, None, 8.0])
    log = engine.read_log(df, **KEYS)
    assert log.n_cases == df["case"].nunique() == 2
    assert log.dropped.missing_case == 1


def test_integer_ids_beyond_64_bits_are_read_as_their_digits():
    """Python integers past int64 (20-digit ids, uuid.int) overflowed Arrow's conversion
    with a raw error; they are exact as text."""
    ids = [2**70, 2**70 + 1, 2**70, 3, 2**70 + 1]
    log = engine.read_log(_keyed(ids), **KEYS)
    assert log.n_cases == 3
    assert sorted(log.case_ids) == sorted({str(i) for i in ids})
    assert log.case_durations().loc[str(2**70)] == 2 * 3600


@pytest.mark.parametrize("kind", ["frame", "arrow", "parquet"])
def test_keys_of_lists_or_structs_are_refused_in_one_line(tmp_path, kind):
    """Tuples in a DataFrame, structs in Arrow or Parquet: neither text nor numbers, and
    Arrow's cast to text raised its own error."""
    ts = pd.date_range("2024-01-01", periods=4, freq="h")
    if kind == "frame":
        source = _keyed([(1, 2), (1, 2), (3,), (3,)])
        match = r"case column 'case' holds list<item: int64> values; case values must be"
    else:
        structs = pa.array([{"x": 1}, {"x": 2}, {"x": 1}, None])
        table = pa.table({"case": ["a", "a", "b", "b"], "activity": structs, "ts": ts})
        source = table
        if kind == "parquet":
            source = tmp_path / "structs.parquet"
            pq.write_table(table, source)
        match = r"activity column 'activity' holds struct<x: int64> values; activity values"
    with pytest.raises(InputError, match=match) as e:
        engine.read_log(source, **KEYS)
    one_line_error(e)
