"""A Parquet file is read batch by batch; every batch size must give the same log.

Case ids are coded batch by batch when their shape allows it (the first batch fixes a
prefix and a kind) and from the whole column otherwise; these tests draw ids whose shape
changes after the first batch, so that both routes and the switch between them run.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import engine
import engine.io.parquet as parquet_reader
import engine.log.build as build
from engine.log.columns import NULLABLE_INTEGERS
from tests import reference
from tests.helpers import assert_all_match

ID_SHAPES = {
    # digits after a prefix; leading digits differ from batch to batch
    "digits": lambda c: f"cust-{c * 7919:0{1 + c % 9}d}",
    # the prefix shared by the first rows is not shared by later ones
    "prefix_changes": lambda c: ("ab" if c < 3 else "a") + f"{c}",
    # short text, not digits
    "short_text": lambda c: "k" + "xyzw"[c % 4] * (1 + c % 5),
    # long free-form text: only the whole column can code it (hashes)
    "free_text": lambda c: f"customer number {c} of the test log",
    # multi-byte characters around the prefix
    "unicode": lambda c: f"é{'ü' * (c % 3)}{c}",
    # plain integers
    "int": lambda c: 10**12 - 977 * c,
}


@st.composite
def logs_with_ids(draw):
    shape = draw(st.sampled_from(sorted(ID_SHAPES)))
    make = ID_SHAPES[shape]
    n_cases = draw(st.integers(1, 9))
    rows = []
    for c in range(n_cases):
        for _ in range(draw(st.integers(1, 5))):
            rows.append(
                (make(c), draw(st.sampled_from(["view", "cart", "buy"])), draw(st.integers(0, 4)))
            )
    order = draw(st.permutations(range(len(rows))))
    rows = [rows[i] for i in order]
    frame = pd.DataFrame(
        {
            "case": [r[0] for r in rows],
            "activity": pd.Series([r[1] for r in rows], dtype="str"),
            "ts": pd.to_datetime([r[2] * 3600 for r in rows], unit="s"),
        }
    )
    if shape == "int":
        frame["case"] = frame["case"].astype(np.int64)
    return frame, draw(st.integers(1, 6))


def _read_in_batches(frame: pd.DataFrame, batch_rows: int, **keys) -> engine.EventLog:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "log.parquet"
        pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path)
        previous = parquet_reader.BATCH_ROWS
        parquet_reader.BATCH_ROWS = batch_rows
        try:
            return engine.read_log(path, **keys)
        finally:
            parquet_reader.BATCH_ROWS = previous


KEYS = {"case": "case", "activity": "activity", "timestamp": "ts"}


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(logs_with_ids())
def test_any_batch_size_gives_the_reference_log(drawn):
    frame, batch_rows = drawn
    log = _read_in_batches(frame, batch_rows, **KEYS)
    assert_all_match(log, reference.canonical_frame(frame, "case", "activity", "ts"))
    assert sorted(log.case_ids.tolist()) == sorted(set(frame["case"].tolist()))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(logs_with_ids(), st.data())
def test_missing_keys_in_later_batches_are_dropped_and_counted(drawn, data):
    frame, batch_rows = drawn
    blank = sorted(data.draw(st.sets(st.integers(0, len(frame) - 1), max_size=3)))
    if len(blank) == len(frame):
        return
    if frame["case"].dtype == np.int64:
        frame["case"] = frame["case"].astype("Int64")
        frame.loc[blank, "case"] = None
    else:
        frame["case"] = frame["case"].astype(object)
        frame.loc[blank, "case"] = [None if row % 2 else "" for row in blank]
        frame["case"] = frame["case"].astype("str")
    log = _read_in_batches(frame, batch_rows, **KEYS)
    whole = engine.read_log(frame, **KEYS)
    assert log.dropped == whole.dropped
    assert log.dropped.missing_case == len(blank)
    pd.testing.assert_frame_equal(log.variants(), whole.variants())
    pd.testing.assert_frame_equal(log.cases(), whole.cases())


def test_a_bad_timestamp_in_a_later_batch_names_its_own_row(tmp_path, monkeypatch):
    frame = pd.DataFrame(
        {
            "case": [f"c{i % 3}" for i in range(12)],
            "activity": ["a"] * 12,
            "ts": [f"2024-01-{1 + i:02d}" for i in range(12)],
        }
    )
    frame.loc[10, "ts"] = "not a date"
    path = tmp_path / "log.parquet"
    frame.to_parquet(path)
    monkeypatch.setattr(parquet_reader, "BATCH_ROWS", 4)
    with pytest.raises(engine.InputError, match=r"1 row \(row 10\).*'not a date'"):
        engine.read_log(path, **KEYS)


@pytest.mark.parametrize(
    ("values", "unit", "what"),
    [
        (np.full(10, 10**17, np.int64), "s", "outside 1677-2262"),
        (["2024-01-01", "later", *(["soon"] * 8)], None, "are not timestamps"),
    ],
)
def test_bad_timestamps_are_counted_over_every_batch(values, unit, what, tmp_path, monkeypatch):
    """The count covers the whole file, not the first batch; rows and examples from the
    first bad ones."""
    frame = pd.DataFrame({"case": np.arange(10) % 3, "activity": "a", "ts": values})
    path = tmp_path / "log.parquet"
    frame.to_parquet(path)
    monkeypatch.setattr(parquet_reader, "BATCH_ROWS", 3)
    bad = 10 if unit else 9
    first = "rows 0, 1, 2, 3, 4, ..." if unit else "rows 1, 2, 3, 4, 5, ..."
    with pytest.raises(
        engine.InputError,
        match=rf"{what} in {bad} rows \({first}\)|"
        rf"{bad} rows \({first}\) whose values {what}",
    ):
        engine.read_log(path, **KEYS, timestamp_unit=unit)


def test_text_timestamps_with_an_offset_only_in_later_batches_are_refused(tmp_path, monkeypatch):
    stamps = [f"2024-01-01T0{i}:00:00" for i in range(4)] + [
        f"2024-01-01T0{i}:00:00+01:00" for i in range(4, 8)
    ]
    frame = pd.DataFrame({"case": np.arange(8) % 2, "activity": "a", "ts": stamps})
    path = tmp_path / "log.parquet"
    frame.to_parquet(path)
    monkeypatch.setattr(parquet_reader, "BATCH_ROWS", 4)
    with pytest.raises(
        engine.InputError,
        match=r"column 'ts' mixes times with a UTC offset, in 4 rows \(rows 4, 5, 6, 7\) .*"
        r"and times without one, in 4 rows \(rows 0, 1, 2, 3\)",
    ):
        engine.read_log(path, **KEYS)


def test_a_mix_of_offsets_is_named_and_counted_over_every_batch(tmp_path, monkeypatch):
    """Offsets on rows 1 and 7 of nine, read three rows at a time: the error names both
    rows and counts the seven others, as a read of the whole column does (it named the
    first mixed batch's rows alone)."""
    stamps = ["2024-01-01 10:00:00"] * 9
    stamps[1], stamps[7] = "2024-01-01 11:00:00+02:00", "2024-01-01 12:00:00+02:00"
    frame = pd.DataFrame({"case": np.arange(9) // 3, "activity": "a", "ts": stamps})
    path = tmp_path / "log.parquet"
    frame.to_parquet(path)
    monkeypatch.setattr(parquet_reader, "BATCH_ROWS", 3)
    with pytest.raises(engine.InputError) as batched:
        engine.read_log(path, **KEYS)
    monkeypatch.setattr(parquet_reader, "BATCH_ROWS", 100)
    with pytest.raises(engine.InputError) as whole:
        engine.read_log(path, **KEYS)
    assert str(batched.value) == str(whole.value)
    assert "in 2 rows (rows 1, 7)" in str(whole.value) and "in 7 rows" in str(whole.value)


def test_a_file_corrupt_in_the_middle_is_an_input_error(tmp_path, monkeypatch):
    rng = np.random.default_rng(0)
    n = 60_000
    frame = pd.DataFrame(
        {
            "case": [f"customer {i} {rng.integers(1 << 40)}" for i in range(n)],
            "activity": rng.choice(["a", "b", "c"], n),
            "ts": pd.to_datetime(rng.integers(0, 10**9, n), unit="s"),
        }
    )
    path = tmp_path / "log.parquet"
    frame.to_parquet(path, row_group_size=10_000, compression="snappy")
    raw = bytearray(path.read_bytes())
    middle = len(raw) // 2
    raw[middle : middle + 4096] = bytes(4096)
    path.write_bytes(bytes(raw))
    monkeypatch.setattr(parquet_reader, "BATCH_ROWS", 5_000)
    with pytest.raises(engine.InputError, match="not a readable Parquet file"):
        engine.read_log(path, **KEYS)


def test_freed_memory_is_not_released_while_a_file_is_read(tmp_path, monkeypatch):
    """Releasing between batches makes the next ones fault their pages back in: memory
    is handed back only once the file is read."""
    frame = pd.DataFrame(
        {"case": np.arange(40) % 7, "activity": "a", "ts": pd.Timestamp("2024-01-01")}
    )
    path = tmp_path / "log.parquet"
    frame.to_parquet(path)
    monkeypatch.setattr(parquet_reader, "BATCH_ROWS", 1)
    events = []
    check_text = parquet_reader.check_text

    def batch(table, where):
        events.append("batch")
        check_text(table, where)

    monkeypatch.setattr(parquet_reader, "check_text", batch)
    monkeypatch.setattr(build, "release_unused_memory", lambda: events.append("release"))
    log = engine.read_log(path, **KEYS)
    assert log.n_events == 40
    # 40 batches for each of the three groups of columns read apart (codes.code_batches)
    assert events.count("batch") == 3 * 40 and "release" in events
    assert "batch" not in events[events.index("release") :]


@pytest.mark.parametrize(
    ("shape", "streamed"),
    [
        ("digits", True),
        ("int", True),
        ("short_text", True),
        ("prefix_changes", False),
        ("free_text", False),
    ],
)
def test_ids_are_coded_batch_by_batch_when_their_shape_allows(shape, streamed, monkeypatch):
    """Batch by batch where the first batch's shape holds; else from the whole column."""
    from engine.log import codes

    whole_column_calls = []
    original = codes.case_keys
    monkeypatch.setattr(
        codes, "case_keys", lambda column: whole_column_calls.append(1) or original(column)
    )
    make = ID_SHAPES[shape]
    frame = pd.DataFrame(
        {
            "case": [make(c) for c in range(8) for _ in range(2)],
            "activity": ["a", "b"] * 8,
            "ts": pd.to_datetime(np.arange(16), unit="h"),
        }
    )
    log = _read_in_batches(frame, 3, **KEYS)
    assert (not whole_column_calls) == streamed
    assert sorted(log.case_ids.tolist()) == sorted({make(c) for c in range(8)})


@pytest.mark.parametrize("n_activities", [100, 300, 33_000])
def test_activity_codes_widen_as_later_batches_bring_new_names(n_activities, tmp_path, monkeypatch):
    """Codes start one byte wide and widen when a batch brings more names than fit."""
    rng = np.random.default_rng(n_activities)
    n = max(2 * n_activities, 1_000)
    activity = np.arange(n) % n_activities  # every name appears, more of them later
    frame = pd.DataFrame(
        {
            "case": rng.integers(0, n // 4, n),
            "activity": pd.Series([f"a{a:05d}" for a in activity], dtype="str"),
            "ts": pd.to_datetime(rng.integers(0, 10**6, n), unit="s"),
        }
    )
    path = tmp_path / "many.parquet"
    frame.to_parquet(path)
    monkeypatch.setattr(parquet_reader, "BATCH_ROWS", 64)
    streamed = engine.read_log(path, case="case", activity="activity", timestamp="ts")
    whole = engine.read_log(frame, case="case", activity="activity", timestamp="ts")
    assert list(streamed.activity_names) == list(whole.activity_names)
    assert streamed.activity.dtype == whole.activity.dtype
    np.testing.assert_array_equal(streamed.activity, whole.activity)
    np.testing.assert_array_equal(streamed.source_row, whole.source_row)


@pytest.mark.parametrize("nulls", [False, True])
@pytest.mark.parametrize("index_type", [pa.int8(), pa.uint8(), pa.int16()], ids=str)
def test_narrow_dictionary_codes_keep_every_name_as_the_vocabulary_grows(
    index_type, nulls, tmp_path, monkeypatch
):
    """Row groups with their own dictionaries (100 names each, 300 in all) and narrow
    codes, as pandas writes categories: every event keeps its name, missing ones are
    the null rows only, exactly as when the same rows are read as one DataFrame."""
    rng = np.random.default_rng(len(str(index_type)) + nulls)
    groups = []
    for group, prefix in enumerate("abc"):
        indices = pa.array(
            rng.integers(0, 100, 500), index_type, mask=(rng.random(500) < 0.1) if nulls else None
        )
        names = pa.array([f"{prefix}{i:03d}" for i in range(100)])
        groups.append(
            pa.table(
                {
                    "case": rng.integers(0, 60, 500) + 100 * group,
                    "activity": pa.DictionaryArray.from_arrays(indices, names),
                    "ts": pa.array(rng.integers(0, 10**6, 500).astype("datetime64[s]")),
                }
            )
        )
    table = pa.concat_tables(groups)
    path = tmp_path / "categories.parquet"
    pq.write_table(table, path, row_group_size=500)
    assert pq.read_schema(path).field("activity").type.index_type == index_type
    monkeypatch.setattr(parquet_reader, "BATCH_ROWS", 128)
    streamed = engine.read_log(path, **KEYS)
    frame = table.to_pandas()
    whole = engine.read_log(frame, **KEYS)
    expected = frame["activity"].dropna().astype(str).value_counts()
    got = pd.Series(np.asarray(streamed.activity_names)[streamed.activity]).value_counts()
    pd.testing.assert_series_equal(got.sort_index(), expected.sort_index(), check_names=False)
    assert list(streamed.activity_names) == list(whole.activity_names)
    np.testing.assert_array_equal(streamed.activity, whole.activity)
    np.testing.assert_array_equal(streamed.source_row, whole.source_row)


def test_case_ids_and_attributes_in_narrow_dictionaries_that_outgrow_them(tmp_path, monkeypatch):
    """Case ids and a segment coded per row group in int8 dictionaries of 100 values
    each (300 in all, more than int8 codes can number, so Arrow will not unify them as
    they are): every case and every segment value comes through, as from plain text."""
    rng = np.random.default_rng(7)
    groups = []
    for prefix in "abc":
        names = pa.array([f"{prefix}{i:03d}" for i in range(100)])

        def narrow(nulls: bool, names=names) -> pa.DictionaryArray:
            mask = (rng.random(500) < 0.1) if nulls else None
            codes = pa.array(rng.integers(0, 100, 500), pa.int8(), mask=mask)
            return pa.DictionaryArray.from_arrays(codes, names)

        groups.append(
            pa.table(
                {
                    "case": narrow(False),
                    "activity": pa.array(rng.choice(["x", "y", "z"], 500)),
                    "ts": pa.array(rng.integers(0, 10**6, 500).astype("datetime64[s]")),
                    "segment": narrow(True),
                }
            )
        )
    table = pa.concat_tables(groups)
    path = tmp_path / "narrow.parquet"
    pq.write_table(table, path, row_group_size=500)
    assert pq.read_schema(path).field("case").type.index_type == pa.int8()
    monkeypatch.setattr(parquet_reader, "BATCH_ROWS", 128)
    log = engine.read_log(path, **KEYS, attributes=["segment"])

    plain = pd.DataFrame(
        {name: table.column(name).cast(pa.string()).to_pylist() for name in table.column_names}
    )
    assert sorted(log.case_ids.astype(str)) == sorted(plain["case"].unique())
    sizes = plain.groupby("case").size()
    np.testing.assert_array_equal(np.diff(log.case_offsets), sizes[log.case_ids.astype(str)])
    segment = log.attributes["segment"]
    assert segment.isna().sum() == plain["segment"].isna().sum()
    expected = plain["segment"].iloc[log.source_row].fillna("<missing>").tolist()
    assert segment.astype(object).fillna("<missing>").tolist() == expected


def _attribute_chunks(kind: str, chunk: int) -> pa.ChunkedArray:
    """One attribute column in chunks, as batches of a file give it (nulls in some)."""
    rng = np.random.default_rng(len(kind) + chunk)
    values = {
        "category": lambda n: pa.array(
            rng.choice(["web", "store", None, f"c{rng.integers(4)}"], n).tolist()
        ).dictionary_encode(),
        "float": lambda n: pa.array(rng.normal(size=n), mask=rng.random(n) < 0.2),
        "int": lambda n: pa.array(rng.integers(-5, 5, n), pa.int16()),
        "int with nulls": lambda n: pa.array(rng.integers(0, 9, n), mask=rng.random(n) < 0.2),
        "large int with nulls": lambda n: pa.array(
            2**53 + rng.integers(-3, 3, n), mask=rng.random(n) < 0.2
        ),
        "uint64 with nulls": lambda n: pa.array(
            np.uint64(2**64 - 1) - rng.integers(0, 9, n).astype(np.uint64),
            mask=rng.random(n) < 0.2,
        ),
        "int32 with nulls": lambda n: pa.array(
            rng.integers(-9, 9, n), pa.int32(), mask=rng.random(n) < 0.2
        ),
        # a slice of a larger array (an offset into its buffers), nulls under values
        "sliced int with nulls": lambda n: pa.array(
            rng.integers(7, 9, n + 5), mask=rng.random(n + 5) < 0.5
        ).slice(5),
        "bool": lambda n: pa.array(rng.random(n) < 0.5),
        "text": lambda n: pa.array(rng.choice(["a", "bb", None], n).tolist()),
        "unsigned category": lambda n: pa.DictionaryArray.from_arrays(
            pa.array(rng.integers(0, 2, n), pa.uint8(), mask=rng.random(n) < 0.2),
            pa.array(["x", f"y{rng.integers(3)}"]),
        ),
    }[kind]
    return pa.chunked_array([values(int(size)) for size in rng.integers(1, 40, 6)])


#: Arrow's integer types as pandas' nullable ones: what an integer attribute with nulls is.
NULLABLE = NULLABLE_INTEGERS


@pytest.mark.parametrize(
    "kind",
    [
        "category",
        "unsigned category",
        "float",
        "int",
        "int with nulls",
        "large int with nulls",
        "uint64 with nulls",
        "int32 with nulls",
        "sliced int with nulls",
        "bool",
        "text",
    ],
)
def test_attributes_are_gathered_exactly_as_arrow_takes_them(kind):
    """The gathered attribute is the Series Arrow's take gives: values, nulls, dtype and
    categories (whose dictionaries differ from chunk to chunk); an integer column with
    nulls as pandas' nullable integers of its width, every value exact (Arrow's own
    conversion would make it float64: 2**53 + 1 read as 2**53)."""
    from engine.log.columns import take_column

    column = _attribute_chunks(kind, 0)
    table = pa.table({"a": column})
    rows = np.random.default_rng(1).permutation(len(column)).astype(np.int32)
    expected = column.take(pa.array(rows))
    nullable = pa.types.is_integer(column.type) and column.null_count
    expected = expected.to_pandas(types_mapper=NULLABLE.get if nullable else None)
    got = take_column(table, "a", rows)
    pd.testing.assert_series_equal(got, expected)
    if nullable:
        assert got.dtype == NULLABLE[column.type]
        want = column.take(pa.array(rows)).to_pylist()
        assert [None if v is pd.NA else int(v) for v in got] == want
        assert (got.array._data[got.isna().to_numpy()] == 0).all()  # not what the buffer held
    assert table.column("a").equals(column)  # the input is left as it was


def test_attributes_are_taken_in_the_order_asked_and_the_table_handed_over():
    """take_attributes takes the smallest columns first and drops each from the table it
    was handed (so that its memory can go); what it gives is Arrow's take of each, in
    the order asked."""
    from engine.log.build import take_attributes

    kinds = ["float", "category", "int", "text"]
    columns = {kind: _attribute_chunks(kind, 1) for kind in kinds}
    n = min(len(column) for column in columns.values())
    table = pa.table({kind: column.slice(0, n) for kind, column in columns.items()})
    rows = np.random.default_rng(2).permutation(n).astype(np.int32)[: n // 2]
    held = [table]
    got = take_attributes(held, ["text", "float", "int", "category"], rows)
    assert held == [] and list(got) == ["text", "float", "int", "category"]
    for kind in kinds:
        pd.testing.assert_series_equal(
            got[kind], table.column(kind).take(pa.array(rows)).to_pandas()
        )


def test_category_codes_keep_their_narrow_type_when_renumbered():
    """Categories out of order are renumbered in the codes' own type (int8 here), missing
    values staying -1, the names sorted."""
    from engine.journey.columns import category_codes

    values = pd.Series(
        pd.Categorical(["store", None, "app", "web", "app"], ["web", "store", "app"])
    )
    codes, names = category_codes(values)
    assert codes.dtype == np.int8
    assert names.tolist() == ["app", "store", "web"]
    assert codes.tolist() == [1, -1, 0, 2, 0]


def test_batches_are_a_slice_of_the_file_within_bounds(monkeypatch):
    """About 1/BATCHES of the file per batch, never under MIN_BATCH_ROWS nor over
    BATCH_ROWS (a smaller BATCH_ROWS, as these tests set, wins)."""
    rows = parquet_reader.batch_rows
    assert rows(10) == parquet_reader.MIN_BATCH_ROWS
    assert rows(5_000_000) == -(-5_000_000 // parquet_reader.BATCHES)
    assert rows(100_000_000) == parquet_reader.BATCH_ROWS
    monkeypatch.setattr(parquet_reader, "BATCH_ROWS", 3)
    assert rows(40) == 3 and rows(10**9) == 3


#: Activity names the hash table of plain text must keep apart: long names sharing their
#: first 16 bytes (and names one byte apart past it), names of 8 and 16 bytes exactly,
#: multi-byte characters, a name with a NUL, and the empty name (a missing activity).
NAMES = [
    "checkout_started",
    "checkout_startee",
    "checkout_started_again",
    "checkout_started_agaio",
    "checkout_started_again_and_again_and_again",
    "view",
    "viewview",
    "café crème",
    "ça\x00va",
    "",
]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.sampled_from([*NAMES, None]), min_size=1, max_size=60),
    st.integers(1, 7),
    st.booleans(),
)
def test_plain_text_activities_are_coded_as_the_reference_reads_them(names, batch_rows, plain):
    """A file's activity column written plain (as a warehouse exports it: coded straight
    from the decoded text) or with dictionary pages gives the reference's events."""
    n = len(names)
    frame = pd.DataFrame(
        {
            "case": np.arange(n) % 3,
            "activity": pd.Series(names, dtype=object),
            "ts": pd.to_datetime(np.arange(n)[::-1] % 5, unit="h"),
        }
    )
    if frame["activity"].isna().all() or (frame["activity"].fillna("") == "").all():
        return  # every row dropped: an error of its own
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "log.parquet"
        table = pa.table({c: frame[c] for c in frame.columns})
        pq.write_table(table, path, use_dictionary=not plain)
        assert parquet_reader._dictionary_pages(pq.ParquetFile(path), "activity") == (not plain)
        previous = parquet_reader.BATCH_ROWS
        parquet_reader.BATCH_ROWS = batch_rows
        try:
            log = engine.read_log(path, **KEYS)
        finally:
            parquet_reader.BATCH_ROWS = previous
    assert_all_match(log, reference.canonical_frame(frame, "case", "activity", "ts"))


@pytest.mark.parametrize("plain", [True, False])
def test_plain_text_activities_outgrow_one_byte_codes_within_a_batch(plain, tmp_path):
    """300 names in one batch of plain text: the codes widen where the 129th name first
    appears, and every row keeps its name."""
    rng = np.random.default_rng(7)
    n = 5_000
    names = np.array([f"touchpoint number {k:03d} of many" for k in range(300)], dtype=object)
    picked = names[rng.integers(0, 300, n)]
    frame = pd.DataFrame(
        {"case": rng.integers(0, 500, n), "activity": picked, "ts": np.arange(n) * 10**9}
    )
    frame["ts"] = pd.to_datetime(frame["ts"])
    path = tmp_path / "wide.parquet"
    pq.write_table(pa.table({c: frame[c] for c in frame.columns}), path, use_dictionary=not plain)
    log = engine.read_log(path, **KEYS)
    assert log.activity.dtype == np.int16
    assert_all_match(log, reference.canonical_frame(frame, "case", "activity", "ts"))


def test_plain_text_activity_that_is_not_utf8_is_refused_naming_the_column(tmp_path):
    """Plain activity text is checked once per distinct name, by the code that codes it:
    bytes that are not UTF-8 are a one-line error naming the file and the column."""
    values = b"view" + b"\xff\xfe" + b"cart"
    offsets = np.array([0, 4, 6, 10], np.int32).tobytes()
    text = pa.Array.from_buffers(
        pa.string(), 3, [None, pa.py_buffer(offsets), pa.py_buffer(values)]
    )
    table = pa.table({"case": [1, 1, 2], "activity": text, "ts": pd.date_range("2024", periods=3)})
    path = tmp_path / "bad.parquet"
    pq.write_table(table, path, use_dictionary=False)
    with pytest.raises(engine.InputError) as excinfo:
        engine.read_log(path, **KEYS)
    message = str(excinfo.value)
    assert "\n" not in message
    assert f"'{path}'" in message and "column 'activity'" in message and "UTF-8" in message


@pytest.mark.parametrize("utf8_first", [True, False])
def test_of_two_errors_in_columns_read_apart_the_earlier_batch_s_is_always_reported(
    utf8_first, tmp_path, monkeypatch
):
    """Case ids and timestamps are read on threads of their own: a file with bad case id
    text in one batch and a mix of offsets in another reports the earlier batch's error,
    the same on every read, whichever thread gets there first."""
    n = 40
    stamps = ["2024-01-01 10:00:00"] * n
    early, late = (4, 36) if utf8_first else (36, 4)
    stamps[late] = "2024-01-01 11:00:00+02:00"
    ids = [f"c{i % 7}".encode() for i in range(n)]
    ids[early] = b"c\xff"
    offsets = np.concatenate([[0], np.cumsum([len(b) for b in ids])]).astype(np.int32)
    case = pa.Array.from_buffers(
        pa.string(), n, [None, pa.py_buffer(offsets.tobytes()), pa.py_buffer(b"".join(ids))]
    )
    path = tmp_path / "two_errors.parquet"
    pq.write_table(pa.table({"case": case, "activity": ["a"] * n, "ts": stamps}), path)
    monkeypatch.setattr(parquet_reader, "BATCH_ROWS", 4)
    messages = set()
    for _ in range(6):
        with pytest.raises(engine.InputError) as excinfo:
            engine.read_log(path, **KEYS)
        messages.add(str(excinfo.value))
    assert len(messages) == 1
    expected = "UTF-8" if utf8_first else "mixes times with a UTC offset"
    assert expected in messages.pop()
