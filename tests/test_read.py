"""read_log on every kind of input: formats, timestamp kinds, id kinds, string dtypes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import engine
from engine.datasets import dataset_path
from engine.io import read_table
from tests import reference
from tests.helpers import assert_all_match, assert_order_matches, written_as

RECEIPT = dataset_path("receipt.xes.gz")
KEYS = {"case": "case", "activity": "activity", "timestamp": "ts"}


def small_frame() -> pd.DataFrame:
    """Three customers, ties, a single-event case, shuffled rows."""
    rows = [
        ("c2", "cart", "2024-03-01 10:05:00"),
        ("c1", "ad click", "2024-03-01 09:00:00"),
        ("c1", "product page", "2024-03-01 09:01:30"),
        ("c2", "search", "2024-03-01 10:00:00"),
        ("c1", "purchase", "2024-03-02 12:00:00"),
        ("c3", "store visit", "2024-03-03 15:00:00"),
        ("c2", "purchase", "2024-03-01 10:05:00"),  # tie with 'cart': input order wins
        ("c1", "product page", "2024-03-01 09:01:30"),  # tie with itself
    ]
    df = pd.DataFrame(rows, columns=["case", "activity", "ts"])
    df["ts"] = pd.to_datetime(df["ts"])
    return df


def as_results(log: engine.EventLog) -> tuple:
    """The results as plain values; NaN replaced so that == compares them."""
    return (
        log.dfg().fillna(-1.0).to_dict("list"),
        [tuple(v) for v in log.variants()["variant"]],
        log.variants()["frequency"].tolist(),
        log.activities().to_dict("list"),
        log.cases()["duration_s"].tolist(),
    )


def test_small_log_matches_reference():
    df = small_frame()
    log = engine.read_log(df, **KEYS)
    assert_all_match(log, reference.canonical_frame(df, "case", "activity", "ts"))
    variants = log.variants()
    assert next(tuple(v) for v in variants["variant"]) == (
        "ad click",
        "product page",
        "product page",
        "purchase",
    )
    # the tie between 'cart' and 'purchase' keeps input order: cart (row 0) first
    assert ("search", "cart", "purchase") in {tuple(v) for v in variants["variant"]}


@pytest.mark.parametrize("fmt", ["csv", "csv.gz", "parquet", "xes"])
def test_every_format_gives_the_same_log(tmp_path, fmt):
    frame = read_table(RECEIPT, columns=["case:concept:name", "concept:name", "time:timestamp"])
    expected = as_results(engine.read_log(frame))
    if fmt == "xes":
        got = engine.read_log(RECEIPT)
    else:
        path = tmp_path / f"log.{fmt}"
        if fmt.startswith("csv"):
            frame.to_csv(path, index=False)
        else:
            frame.to_parquet(path)
        got = engine.read_log(path)
    assert as_results(got) == expected


@pytest.mark.parametrize("sep", ["\t", "\\t", "tab", "TAB"])
def test_a_tab_separated_file_with_any_spelling_of_the_tab(tmp_path, sep):
    """A tab itself, backslash-t as a shell or a config file passes it, or the word."""
    df = small_frame()
    path = tmp_path / "log.tsv"
    df.to_csv(path, sep="\t", index=False)
    got = engine.read_log(path, **KEYS, sep=sep)
    assert got.n_events == len(df) and as_results(got) == as_results(engine.read_log(df, **KEYS))


def test_parquet_folder_of_files(tmp_path):
    frame = small_frame()
    folder = tmp_path / "parts"
    folder.mkdir()
    frame.iloc[:4].to_parquet(folder / "part-0.parquet")
    frame.iloc[4:].to_parquet(folder / "part-1.parquet")
    assert as_results(engine.read_log(folder, **KEYS)) == as_results(engine.read_log(frame, **KEYS))


@pytest.mark.parametrize("unit", ["s", "ms", "us", "ns"])
def test_any_timestamp_resolution(unit):
    df = small_frame()
    base = as_results(engine.read_log(df, **KEYS))
    df["ts"] = df["ts"].astype(f"datetime64[{unit}]")
    assert as_results(engine.read_log(df, **KEYS)) == base


def test_timezone_aware_timestamps_are_compared_as_instants():
    df = small_frame()
    naive = engine.read_log(df, **KEYS)
    paris = df.assign(ts=df["ts"].dt.tz_localize("UTC").dt.tz_convert("Europe/Paris"))
    aware = engine.read_log(paris, **KEYS)
    assert as_results(aware) == as_results(naive)
    np.testing.assert_array_equal(aware.timestamp, naive.timestamp)
    assert aware.summary()["first_timestamp"] == "2024-03-01T09:00:00+00:00"
    assert naive.summary()["first_timestamp"] == "2024-03-01T09:00:00"


def test_text_timestamps_iso_with_mixed_offsets():
    df = pd.DataFrame(
        {
            "case": ["a", "a", "b"],
            "activity": ["x", "y", "x"],
            "ts": [
                "2024-03-31T01:30:00+01:00",
                "2024-03-31T03:30:00+02:00",
                "2024-03-31T00:00:00Z",
            ],
        }
    )
    log = engine.read_log(df, **KEYS)
    assert log.dfg()["mean_s"].tolist() == [3600.0]
    assert log.timezone_aware


def test_text_timestamps_with_a_format():
    df = pd.DataFrame(
        {"case": ["a", "a"], "activity": ["x", "y"], "ts": ["31/12/2023 23:00", "01/01/2024 01:30"]}
    )
    log = engine.read_log(df, **KEYS, timestamp_format="%d/%m/%Y %H:%M")
    assert log.dfg()["mean_s"].tolist() == [9000.0]


@pytest.mark.parametrize("unit,scale", [("s", 1), ("ms", 10**3), ("us", 10**6), ("ns", 10**9)])
def test_epoch_numbers_with_a_unit(unit, scale, tmp_path):
    df = pd.DataFrame(
        {
            "case": [1, 1, 2],
            "activity": ["x", "y", "x"],
            "ts": np.array([1_700_000_000, 1_700_000_090, 1_700_000_000]) * scale,
        }
    )
    log = engine.read_log(df, **KEYS, timestamp_unit=unit)
    assert log.dfg()["mean_s"].tolist() == [90.0]
    path = tmp_path / "epoch.csv"
    df.to_csv(path, index=False)
    assert engine.read_log(path, **KEYS, timestamp_unit=unit).dfg()["mean_s"].tolist() == [90.0]


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.floats(min_value=-2e9, max_value=4e9, allow_nan=False), min_size=1, max_size=20),
    st.sampled_from(["s", "ms", "us"]),
)
def test_fractional_epoch_numbers_are_their_nearest_nanosecond(seconds, unit):
    """Float epochs are scaled as whole units plus the fraction: 1577876400.25 s is
    ...400.250000000, not ...400.249999872 (one float product holds 16 of its 19 digits).
    Every value is the nanosecond nearest the float's exact value (Fraction arithmetic;
    pandas' to_datetime truncates after rounding and can be 1 ns under it)."""
    from fractions import Fraction

    scale = {"s": 1, "ms": 10**3, "us": 10**6}[unit]
    values = [v * scale for v in [1577876400.25, *seconds]]
    df = pd.DataFrame({"case": range(len(values)), "activity": "x", "ts": values})
    log = engine.read_log(df, **KEYS, timestamp_unit=unit)
    got = dict(zip(log.case_ids, log.timestamp.astype(np.int64).tolist(), strict=True))
    per_unit = 10**9 // scale
    want = {c: round(Fraction(v) * per_unit) for c, v in enumerate(values)}
    assert got == want
    assert got[0] == 1_577_876_400_250_000_000


@pytest.mark.parametrize(
    "kind", ["int", "uint", "nullable", "float", "str", "object", "arrow", "categorical", "huge"]
)
def test_case_ids_of_any_kind(kind):
    df = small_frame()
    ids = {"c1": 11, "c2": 5, "c3": 7}
    numbers = df["case"].map(ids)
    converted = {
        "int": numbers.astype("int64"),
        "uint": numbers.astype("uint32"),
        "nullable": numbers.astype("Int64"),
        "float": numbers.astype("float64"),
        "str": df["case"].astype("str"),
        "object": df["case"].astype(object),
        "arrow": df["case"].astype(pd.ArrowDtype(pa.string())),
        "categorical": df["case"].astype("category"),
        "huge": numbers.astype("int64") * 2**58,
    }[kind]
    log = engine.read_log(df.assign(case=converted), **KEYS)
    assert as_results(log)[:4] == as_results(engine.read_log(df, **KEYS))[:4]
    assert sorted(log.case_ids.tolist()) == sorted(converted.unique().tolist())


@pytest.mark.parametrize("span", [2**32 - 1, 2**32])
def test_case_ids_either_side_of_the_narrow_case_codes(span):
    """Cases keep their codes as uint32 while the ids span less than 2**32: the ids at both
    ends of that limit decode exactly, whichever width was kept."""
    df = small_frame()
    low = -(2**31) - 3
    numbers = df["case"].map({"c1": low + span, "c2": low, "c3": low + 1})
    log = engine.read_log(df.assign(case=numbers), **KEYS)
    assert log._case_codes.dtype == (np.uint32 if span < 2**32 else np.uint64)
    assert sorted(log.case_ids.tolist()) == sorted(numbers.unique().tolist())
    assert as_results(log)[:4] == as_results(engine.read_log(df, **KEYS))[:4]


def test_csv_ids_keep_leading_zeros_and_NA(tmp_path):
    path = tmp_path / "ids.csv"
    path.write_text("case,activity,ts\n007,a,2024-01-01\n7,b,2024-01-02\nNA,a,2024-01-03\n")
    log = engine.read_log(path, **KEYS)
    assert sorted(log.case_ids) == ["007", "7", "NA"]
    assert log.dropped.total == 0


def test_a_csv_quoting_every_field_reads_as_one_quoting_where_needed(tmp_path):
    """Python's csv.QUOTE_ALL (and exporters like it) writes a missing number as "": the
    number columns stay numbers, as pandas reads them, with "" and a quoted null word
    missing; text keeps 'NA' as written and an empty field missing; the case id 'NA' stays
    an id. Both files give the same log."""
    import csv

    frame = pd.DataFrame(
        {
            "case": ["a", "a", "b", "b", "NA"],
            "activity": ["x", "y", "x", "z", "x"],
            "ts": [f"2024-01-0{d} 10:00:00" for d in (1, 2, 1, 3, 4)],
            "score": [1.5, None, 3.0, None, 4.0],
            "units": ["1", "", "2", "3", "NA"],
            "segment": ["new", "", "vip", "NA", "vip"],
            "member": ["true", "", "false", "true", "false"],
        }
    )
    attributes = ["score", "units", "segment", "member"]
    logs = []
    for quoting in (csv.QUOTE_ALL, csv.QUOTE_MINIMAL):
        path = tmp_path / f"quoting-{quoting}.csv"
        frame.to_csv(path, index=False, quoting=quoting)
        logs.append(engine.read_log(path, **KEYS, attributes=attributes))
    quoted, plain = logs
    assert '"",""' in (tmp_path / f"quoting-{csv.QUOTE_ALL}.csv").read_text()
    assert sorted(quoted.case_ids) == ["NA", "a", "b"]
    for name in attributes:
        pd.testing.assert_series_equal(quoted.attributes[name], plain.attributes[name])
    assert str(quoted.attributes["score"].dtype) == "float64"
    assert str(quoted.attributes["units"].dtype) == "Int64"
    by_row = pd.Series(
        quoted.attributes["score"].to_numpy(), index=quoted.source_row.astype(np.int64)
    )
    want = pd.read_csv(tmp_path / f"quoting-{csv.QUOTE_ALL}.csv")["score"]
    pd.testing.assert_series_equal(by_row.sort_index(), want, check_names=False)
    assert set(quoted.attributes["segment"].dropna()) == {"new", "vip", "NA"}
    assert quoted.attributes["segment"].isna().sum() == 1
    assert quoted.attributes["member"].isna().sum() == 1


@pytest.mark.parametrize("dtype", ["str", "object", "arrow", "category"])
def test_activity_names_of_any_text(dtype, tmp_path):
    names = ["<b>buy</b>", "naïve café ☕", 'a,b "quoted"', "line\nbreak", "日本語", " "]
    df = pd.DataFrame(
        {
            "case": ["k"] * len(names),
            "activity": names,
            "ts": pd.date_range("2024-01-01", periods=len(names), freq="h"),
        }
    )
    column = {
        "str": df["activity"].astype("str"),
        "object": df["activity"].astype(object),
        "arrow": df["activity"].astype(pd.ArrowDtype(pa.string())),
        "category": df["activity"].astype("category"),
    }[dtype]
    log = engine.read_log(df.assign(activity=column), **KEYS)
    assert [tuple(v) for v in log.variants()["variant"]] == [tuple(names)]
    path = tmp_path / "names.csv"
    df.to_csv(path, index=False)
    assert [tuple(v) for v in engine.read_log(path, **KEYS).variants()["variant"]] == [tuple(names)]


def test_the_callers_frame_is_never_changed():
    df = small_frame().sample(frac=1.0, random_state=3)
    df.loc[df.index[0], "activity"] = None
    before = df.copy(deep=True)
    log = engine.read_log(df, **KEYS)
    log.dfg()
    log.variants()
    log.to_pm4py()
    pd.testing.assert_frame_equal(df, before)


def test_rows_missing_a_key_field_are_dropped_and_counted():
    df = small_frame()
    df["case"] = df["case"].astype(object)
    df.loc[0, "case"] = None
    df.loc[1, "activity"] = ""
    df.loc[2, "ts"] = pd.NaT
    df.loc[3, "case"] = ""
    df.loc[3, "ts"] = pd.NaT
    log = engine.read_log(df, **KEYS)
    assert log.n_events == len(df) - 4
    assert log.dropped.as_dict() == {
        "total": 4,
        "missing_case": 2,
        "missing_activity": 1,
        "missing_timestamp": 2,
    }
    summary = log.summary()
    assert summary["dropped_rows"] == 4
    assert summary["dropped_rows_by_reason"]["missing_case"] == 2
    kept = df.drop(index=[0, 1, 2, 3])
    assert sorted(log.source_row.tolist()) == kept.index.tolist()


def test_attributes_are_carried_in_canonical_order():
    df = small_frame()
    df["channel"] = [f"ch{i}" for i in range(len(df))]
    log = engine.read_log(df, **KEYS, attributes=["channel"])
    assert log.attributes["channel"].tolist() == [f"ch{r}" for r in log.source_row]


@pytest.mark.parametrize("names", [(0, 1, 2, 3), ("0", "1", "2", "3")])
def test_a_frame_with_integer_column_labels_reads_as_with_text_labels(names):
    """pd.read_csv(header=None) labels the columns 0, 1, 2...: case=0 (or case='0') names
    the label 0, attributes too; the log names them as text, and the caller's frame keeps
    its labels."""
    df = small_frame()
    df["channel"] = [f"ch{i}" for i in range(len(df))]
    numbered = df.set_axis(range(4), axis=1)
    before = numbered.copy(deep=True)
    case, activity, timestamp, channel = names
    log = engine.read_log(
        numbered, case=case, activity=activity, timestamp=timestamp, attributes=[channel]
    )
    want = engine.read_log(df, **KEYS, attributes=["channel"])
    assert as_results(log) == as_results(want)
    assert log.columns == engine.ColumnMapping(case="0", activity="1", timestamp="2")
    assert list(log.attributes) == ["3"]
    pd.testing.assert_series_equal(
        log.attributes["3"], want.attributes["channel"], check_names=False
    )
    pd.testing.assert_frame_equal(numbered, before)
    assert list(numbered.columns) == [0, 1, 2, 3]


def test_xes_trace_attributes_become_case_columns():
    log = engine.read_log(RECEIPT, attributes=["case:channel", "org:resource"])
    raw = read_table(RECEIPT, columns=["case:concept:name", "case:channel", "org:resource"])
    channel_of = raw.groupby("case:concept:name")["case:channel"].first()
    channel = log.attributes["case:channel"]
    offsets = log.case_offsets
    for c, case_id in enumerate(log.case_ids):
        values = set(channel.iloc[offsets[c] : offsets[c + 1]])
        assert values == {channel_of[case_id]}
    np.testing.assert_array_equal(
        log.attributes["org:resource"].astype(str).to_numpy(),
        raw["org:resource"].astype(str).to_numpy()[log.source_row],
    )


def test_start_timestamp_missing_falls_back_to_the_timestamp():
    df = small_frame()
    df["start"] = df["ts"] - pd.Timedelta(minutes=1)
    df.loc[2, "start"] = pd.NaT
    log = engine.read_log(df, **KEYS, start_timestamp="start")
    assert log.start_timestamp_missing == 1
    assert log.summary()["start_timestamp_missing"] == 1
    canon = reference.canonical_frame(df, "case", "activity", "ts", start="start")
    from tests.helpers import assert_dfg_matches

    assert_dfg_matches(log, canon)


def test_hash_collisions_between_case_ids_never_merge_cases(monkeypatch):
    """Free-form ids are hashed; with every hash equal, grouping must still be exact."""
    import engine.log.case_codes as keys

    monkeypatch.setattr(
        keys, "hash_bytes", lambda offsets, data: np.zeros(len(offsets) - 1, dtype=np.uint64)
    )
    df = small_frame().sample(frac=1.0, random_state=7)
    df["case"] = df["case"].map(
        {"c1": "Ms. Alpha Smith", "c2": "Mr. Bravo Jones", "c3": "Dr. Charlie Brown"}
    )
    log = engine.read_log(df, **KEYS)
    assert log.n_cases == 3
    assert_all_match(log, reference.canonical_frame(df, "case", "activity", "ts"))
    assert sorted(log.case_ids) == ["Dr. Charlie Brown", "Mr. Bravo Jones", "Ms. Alpha Smith"]


@pytest.mark.parametrize(
    "ids",
    [
        ["cust-000017", "cust-000002", "cust-000310"],  # prefix + fixed-width digits
        ["17", "0017", "2", "002", "310"],  # digits of varying length, leading zeros
        ["ab", "a", "", "b\u00e9", "zz"],  # short text (the empty id is missing)
        ["caf\u00e9-1", "caf\u00e8-2", "caf\u00e9-3"],  # the shared prefix ends mid-character
        [
            "123e4567-e89b-12d3-a456-426614174000",
            "123e4567-e89b-12d3-a456-426614174001",
            "00000000-0000-0000-0000-000000000000",
        ],  # UUIDs: hashed and checked
        ["x" * 40 + "1", "x" * 40 + "2"],  # long shared prefix
        ["same", "same", "same"],
    ],
)
def test_text_case_ids_come_back_exactly(ids):
    n = len(ids)
    df = pd.DataFrame(
        {
            "case": ids * 2,
            "activity": ["a"] * n + ["b"] * n,
            "ts": pd.date_range("2024-01-01", periods=2 * n, freq="min"),
        }
    )
    log = engine.read_log(df, **KEYS)
    expected = sorted({i for i in ids if i != ""})
    assert sorted(log.case_ids.tolist()) == expected
    assert log.n_events == 2 * sum(1 for i in ids if i != "")
    assert_all_match(log, reference.canonical_frame(df, "case", "activity", "ts"))


def test_hash_collisions_between_variants_never_merge_variants(monkeypatch):
    import engine.analysis.variants as variants

    monkeypatch.setattr(
        variants,
        "sequence_hashes",
        lambda act, offsets: np.zeros(len(offsets) - 1, dtype=np.uint64),
    )
    df = small_frame()
    log = engine.read_log(df, **KEYS)
    assert_all_match(log, reference.canonical_frame(df, "case", "activity", "ts"))
    assert len(log.variants()) == 3


@pytest.mark.parametrize(
    "name", ["receipt.xes.gz", "sepsis.xes.gz", "BPIC2013_closed_problems.xes.gz"]
)
def test_xes_reader_equals_pm4py(name):
    pm4py = pytest.importorskip("pm4py")
    path = dataset_path(name)
    want = pm4py.read_xes(str(path))
    got = read_table(path, columns=None)
    assert set(got.columns) == set(want.columns)
    assert len(got) == len(want)
    for col in ("case:concept:name", "concept:name"):
        assert got[col].astype(str).tolist() == want[col].astype(str).tolist()
    np.testing.assert_array_equal(
        got["time:timestamp"].astype("datetime64[ns, UTC]").to_numpy(),
        want["time:timestamp"].astype("datetime64[ns, UTC]").to_numpy(),
    )


def test_to_pm4py_frame_is_what_pm4py_expects():
    pm4py = pytest.importorskip("pm4py")
    log = engine.read_log(dataset_path("sepsis.xes.gz"))
    frame = log.to_pm4py()
    assert str(frame["time:timestamp"].dtype) == "datetime64[ns, UTC]"
    dfg, start, end = pm4py.discover_dfg(frame)
    assert (dict(dfg), dict(start), dict(end)) == log.pm4py.dfg()
    # pm4py's unsorted helpers are right on it because it is already sorted
    variants = pm4py.get_variants(frame)
    assert {tuple(k): v for k, v in variants.items()} == log.pm4py.variants()
    top = log.variants(top=1)["variant"].iloc[0]
    filtered = pm4py.filter_variants(frame, [tuple(top)])
    assert filtered["case:concept:name"].nunique() == log.variants(top=1)["frequency"].iloc[0]
    reformatted = pm4py.format_dataframe(frame.copy())
    pd.testing.assert_series_equal(
        reformatted["concept:name"].astype(str).reset_index(drop=True),
        frame["concept:name"].astype(str).reset_index(drop=True),
    )


def test_dfg_object_feeds_the_inductive_miner():
    pm4py = pytest.importorskip("pm4py")
    log = engine.read_log(dataset_path("receipt.xes.gz"))
    tree = pm4py.discover_process_tree_inductive(log.pm4py.dfg_object())
    labels = {leaf.label for leaf in _leaves(tree) if leaf.label is not None}
    assert labels == set(log.activity_names)


def _leaves(tree):
    if not tree.children:
        yield tree
    for child in tree.children:
        yield from _leaves(child)


def test_parquet_written_from_pandas_3_strings(tmp_path):
    df = small_frame()
    table = pa.Table.from_pandas(df.astype({"case": "str", "activity": "str"}))
    pq.write_table(table, tmp_path / "s.parquet")
    assert as_results(engine.read_log(tmp_path / "s.parquet", **KEYS)) == as_results(
        engine.read_log(df, **KEYS)
    )


def test_activities_of_dropped_rows_are_not_in_the_vocabulary():
    """An activity seen only in dropped rows is no activity of the log."""
    df = small_frame()
    df["activity"] = df["activity"].astype(object)
    df.loc[2, "activity"] = "only dropped"  # row 2 loses its timestamp below
    df.loc[2, "ts"] = pd.NaT
    df.loc[5, "case"] = None  # 'store visit' is in this row only
    log = engine.read_log(df, **KEYS)
    kept = df.drop(index=[2, 5])
    names = sorted(kept["activity"].unique())
    assert log.activity_names.tolist() == names
    assert log.n_activities == len(names) == log.summary()["activities"]
    assert set(log.activities()["activity"]) == set(names)
    assert (log.activities()["frequency"] > 0).all()
    assert_all_match(log, reference.canonical_frame(df, "case", "activity", "ts"))


def test_parquet_folder_whose_files_differ_only_in_width_unit_or_encoding(tmp_path):
    """Differences that lose nothing are unified explicitly: the finer unit, the wider type."""
    frame = small_frame()
    frame["case"] = [int(c[1:]) for c in frame["case"]]
    folder = tmp_path / "parts"
    folder.mkdir()
    first, second = frame.iloc[:4], frame.iloc[4:]
    pq.write_table(
        pa.table(
            {
                "case": pa.array(first["case"], pa.int32()),
                "activity": pa.array(first["activity"]).dictionary_encode(),
                "ts": pa.array(first["ts"]).cast(pa.timestamp("ms")),
            }
        ),
        folder / "part-0.parquet",
    )
    pq.write_table(
        pa.table(
            {
                "case": pa.array(second["case"], pa.int64()),
                "activity": pa.array(second["activity"], pa.large_string()),
                "ts": pa.array(second["ts"] + pd.Timedelta("1us")).cast(pa.timestamp("us")),
            }
        ),
        folder / "part-1.parquet",
    )
    expected = frame.assign(ts=pd.concat([first["ts"], second["ts"] + pd.Timedelta("1us")]))
    log = engine.read_log(folder, **KEYS)
    # the microseconds of the second file are kept: the order, to the nanosecond
    assert_order_matches(log, reference.canonical_frame(expected, "case", "activity", "ts"))
    assert as_results(log) == as_results(engine.read_log(expected, **KEYS))


def test_the_former_pm4py_names_warn_and_give_the_same():
    """Each former name gives what it gave: to_pm4py_performance_dfg the performance dfg
    alone, the first of the three results log.pm4py.performance_dfg() now gives."""
    log = engine.read_log(dataset_path("receipt.xes.gz"))
    for old, new, current in (
        ("to_pm4py_dfg", r"dfg\(\)", log.pm4py.dfg()),
        ("to_pm4py_performance_dfg", r"performance_dfg\(\)\[0\]", log.pm4py.performance_dfg()[0]),
        ("to_pm4py_variants", r"variants\(\)", log.pm4py.variants()),
    ):
        with pytest.warns(
            DeprecationWarning, match=rf"log.{old}\(\) is deprecated; use log.pm4py.{new}$"
        ):
            former = getattr(log, old)()
        assert type(former) is type(current) and repr(former) == repr(current)  # NaN stdevs


@pytest.mark.parametrize("source", ["frame", "csv", "parquet"])
def test_empty_text_keys_are_missing_and_spaces_are_values(tmp_path, source):
    """The policy the README states under "Missing values", the same from every source."""
    df = pd.DataFrame(
        {
            "case": ["a", "", " ", "b", "b"],
            "activity": ["p", "q", "q", "", " "],
            "ts": pd.date_range("2024-01-01", periods=5, freq="h"),
        }
    )
    log = engine.read_log(written_as(df, source, tmp_path), **KEYS)
    assert log.dropped.as_dict() == {
        "total": 2,
        "missing_case": 1,
        "missing_activity": 1,
        "missing_timestamp": 0,
    }
    assert sorted(log.case_ids.tolist()) == [" ", "a", "b"]
    assert log.activity_names.tolist() == [" ", "p", "q"]


def _dictionary_source(df: pd.DataFrame, source: str, folder) -> object:
    """`df` with its key text columns dictionary-encoded, as `source` holds them."""
    text = ["case", "activity"]
    if source == "categorical frame":
        return df.astype(dict.fromkeys(text, "category"))
    table = pa.Table.from_pandas(df, preserve_index=False)
    for name in text:
        index = table.column_names.index(name)
        table = table.set_column(index, name, table.column(name).dictionary_encode())
    if source == "arrow dictionary":
        return table
    if source == "parquet from a categorical":
        path = folder / "log.parquet"
        df.astype(dict.fromkeys(text, "category")).to_parquet(path)
        return path
    pl = pytest.importorskip("polars", reason="polars comes with the test extra")
    frame = pl.from_pandas(df)
    if source == "polars Categorical":
        return frame.with_columns(pl.col(text).cast(pl.Categorical))
    kinds = {name: pl.Enum(sorted(set(df[name]))) for name in text}
    return frame.with_columns(*(pl.col(name).cast(kind) for name, kind in kinds.items()))


@pytest.mark.parametrize(
    "source",
    [
        "categorical frame",
        "arrow dictionary",
        "parquet from a categorical",
        "polars Categorical",
        "polars Enum",
    ],
)
def test_empty_text_keys_are_missing_in_dictionary_columns_too(tmp_path, source):
    """An empty case id was a case of its own when the column came dictionary-encoded
    (its empty activity was already missing): the same policy as from plain text."""
    df = pd.DataFrame(
        {
            "case": ["a", "", " ", "b", "b", ""],
            "activity": ["p", "q", "q", "", " ", "p"],
            "ts": pd.date_range("2024-01-01", periods=6, freq="h"),
        }
    )
    log = engine.read_log(_dictionary_source(df, source, tmp_path), **KEYS)
    plain = engine.read_log(df, **KEYS)
    assert (
        log.dropped.as_dict()
        == plain.dropped.as_dict()
        == {
            "total": 3,
            "missing_case": 2,
            "missing_activity": 1,
            "missing_timestamp": 0,
        }
    )
    assert sorted(log.case_ids.tolist()) == [" ", "a", "b"]
    assert log.activity_names.tolist() == [" ", "p", "q"]
    assert as_results(log) == as_results(plain)


def test_an_empty_text_attribute_in_a_csv_is_missing_as_from_parquet(tmp_path):
    """A CSV writes a missing value as an empty field; 'NA' stays a value (it is one in
    the HospitalBilling log). `parcours convert` kept '' where Parquet has a null."""
    df = pd.DataFrame(
        {
            "case": ["c1", "c1", "c2"],
            "activity": ["a", "b", "a"],
            "ts": pd.date_range("2024-01-01", periods=3, freq="h"),
            "seg": ["x", None, "NA"],
        }
    )
    from_csv = engine.read_log(written_as(df, "csv", tmp_path), **KEYS, attributes=["seg"])
    from_parquet = engine.read_log(written_as(df, "parquet", tmp_path), **KEYS, attributes=["seg"])
    for log in (from_csv, from_parquet):
        assert log.attributes["seg"].isna().tolist() == [False, True, False]
        assert log.attributes["seg"].dropna().tolist() == ["x", "NA"]


def test_attributes_none_means_no_attributes():
    log = engine.read_log(dataset_path("receipt.xes.gz"), attributes=None)
    assert log.attributes == {} and log.n_events == 8577
