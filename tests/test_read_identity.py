"""The read's output, pinned bit for bit.

Each case reads one log and hashes the canonical arrays (activity codes, timestamps, case
offsets, input rows, activity names, case ids, dropped counts) with SHA-256; the hashes
are stored in read_identity.json. Any change to the read path (how keys are coded, how
events are ordered, how a file is decoded) must leave every hash as it is: ties keep input
order, codes keep their dtype, cases keep their order.

    PARCOURS_WRITE_READ_IDENTITY=1 pytest tests/test_read_identity.py   # rewrite the hashes

Rewrite them only for a change that is meant to alter the output, and say so.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

import engine
from engine.datasets.synthetic import chunks
from tests.real_logs import LOGS

FIXTURE = Path(__file__).with_name("read_identity.json")
WRITE = os.environ.get("PARCOURS_WRITE_READ_IDENTITY") == "1"
KEYS = {"case": "customer_id", "activity": "touchpoint", "timestamp": "ts"}
#: More rows than several of the Parquet reader's batches, so that the streamed path runs.
ROWS = 300_000


def digest(log: engine.EventLog) -> dict[str, str | int]:
    """SHA-256 of each canonical array (its dtype and shape included)."""

    def array(values: np.ndarray) -> str:
        h = hashlib.sha256(f"{values.dtype.str}{values.shape}".encode())
        h.update(np.ascontiguousarray(values).tobytes())
        return h.hexdigest()

    def text(values) -> str:
        return hashlib.sha256("\x00".join(map(str, values)).encode()).hexdigest()

    ids = log.case_ids
    out: dict[str, str | int] = {
        "n_events": log.n_events,
        "n_cases": log.n_cases,
        "activity": array(log.activity),
        "timestamp": array(log.timestamp),
        "case_offsets": array(log.case_offsets),
        "source_row": array(log.source_row),
        "activity_names": text(log.activity_names),
        "case_ids": f"{ids.dtype}:{text(ids)}",
        "dropped": json.dumps(log.dropped.as_dict(), sort_keys=True),
    }
    if log.start_timestamp is not None:
        out["start_timestamp"] = array(log.start_timestamp)
    return out


# -- generated logs --------------------------------------------------------------------
def _generated(shape: str) -> pa.Table:
    """A shuffled generated log with ties in time (timestamps cut to the hour) and a few
    missing keys; `shape` picks how ids and touchpoints are typed."""
    id_type = "int" if shape in ("int_plain", "wide_int", "sparse_int") else "str"
    table = next(chunks(ROWS, seed=7, chunk_events=ROWS, id_type=id_type))
    table = table.select(["customer_id", "touchpoint", "ts"])
    n = table.num_rows
    rng = np.random.default_rng(11)
    hours = pa.array(
        table["ts"].to_numpy().astype("datetime64[h]").astype("datetime64[us]"),
        type=pa.timestamp("us", tz="UTC"),
    )
    ts_missing = rng.random(n) < 0.001
    hours = pa.array(hours.to_numpy(False), mask=ts_missing).cast(hours.type)
    table = table.set_column(2, "ts", hours)
    ids = table["customer_id"]
    if shape == "int_plain":
        touch = table["touchpoint"].cast(pa.string())
        table = table.set_column(1, "touchpoint", touch)
    elif shape == "wide_int":
        # ids spread over the whole int64 range: too wide to count, some negative
        values = ids.to_numpy().astype(np.int64)
        spread = (values * np.int64(0x9E3779B97F4A7C15 - (1 << 64))) | np.int64(1)
        table = table.set_column(0, "customer_id", pa.array(spread))
    elif shape == "sparse_int":
        # ids far apart: exact codes over a range much larger than the number of cases
        table = table.set_column(0, "customer_id", pa.array(ids.to_numpy() * 997 - 5))
    elif shape == "hashed":
        # free-form text ids: hashed, confirmed byte by byte
        text = pc_join("customer number ", ids, " of the identity log")
        table = table.set_column(0, "customer_id", text)
    if shape in ("str_dict", "int_plain"):
        case_missing = rng.random(n) < 0.0005
        column = table["customer_id"].combine_chunks()
        table = table.set_column(
            0, "customer_id", pa.array(column.to_numpy(False), mask=case_missing, type=column.type)
        )
    return table


def pc_join(head: str, ids: pa.ChunkedArray, tail: str) -> pa.Array:
    import pyarrow.compute as pc

    return pc.binary_join_element_wise(
        pa.scalar(head), ids.cast(pa.string()), pa.scalar(tail), pa.scalar("")
    )


SHAPES = ("str_dict", "int_plain", "wide_int", "sparse_int", "hashed")
SOURCES = ("parquet", "csv", "frame")


def _read_generated(shape: str, source: str, tmp_path: Path) -> engine.EventLog:
    table = _generated(shape)
    if source == "parquet":
        path = tmp_path / "log.parquet"
        pq.write_table(table, path, row_group_size=100_000)
        return engine.read_log(path, **KEYS)
    if source == "csv":
        path = tmp_path / "log.csv"
        pacsv.write_csv(table, path)
        return engine.read_log(path, **KEYS)
    return engine.read_log(table.to_pandas(), **KEYS)


# -- the cases -------------------------------------------------------------------------
def _cases() -> dict[str, Callable[[Path], engine.EventLog]]:
    cases: dict[str, Callable[[Path], engine.EventLog]] = {}
    for shape in SHAPES:
        for source in SOURCES:
            cases[f"generated-{shape}-{source}"] = lambda tmp, shape=shape, source=source: (
                _read_generated(shape, source, tmp)
            )
    for real in LOGS:
        cases[f"real-{real.name}"] = lambda tmp, real=real: engine.read_log(
            real.require(), **real.keys, **real.options
        )
    return cases


CASES = _cases()


@pytest.fixture(scope="module")
def pinned():
    recorded = json.loads(FIXTURE.read_text()) if FIXTURE.exists() else {}
    yield recorded
    if WRITE:
        FIXTURE.write_text(json.dumps(dict(sorted(recorded.items())), indent=1) + "\n")


@pytest.mark.parametrize("name", list(CASES))
def test_the_read_is_bit_identical(name, pinned, tmp_path):
    got = digest(CASES[name](tmp_path))
    if WRITE:
        pinned[name] = got
        return
    if name not in pinned:
        pytest.fail(f"no pinned hashes for {name}: rewrite {FIXTURE.name} (see the docstring)")
    assert got == pinned[name]


def test_every_pinned_case_still_runs():
    recorded = json.loads(FIXTURE.read_text())
    assert sorted(recorded) == sorted(CASES)


def test_the_generated_logs_have_ties_unsorted_rows_and_missing_keys(tmp_path):
    table = _generated("str_dict").to_pandas()
    assert table["ts"].isna().any() and table["customer_id"].isna().any()
    present = table.dropna()
    assert present.duplicated(["customer_id", "ts"]).sum() > 1_000  # ties within a case
    assert not present["customer_id"].is_monotonic_increasing
    log = _read_generated("str_dict", "frame", tmp_path)
    assert log.dropped.total > 0
    assert isinstance(pd.Index(log.case_ids), pd.Index)


@pytest.mark.parametrize("seed", range(6))
def test_counting_and_sorting_order_the_same(seed):
    """The counting sort (dense exact codes) and the packed-word sort agree exactly."""
    from engine.log.order import Events, _counted, _sorted

    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 5_000))
    codes = rng.integers(0, max(1, n // int(rng.integers(1, 6))), n).astype(np.uint64)
    keep = rng.random(n) > 0.05
    keep[0] = True
    ts = rng.integers(0, 20, n).astype(np.int64)  # many ties
    n_codes = int(codes.max()) + 1
    counted = _counted(Events(codes.copy(), keep.copy(), ts.copy()), n_codes)
    ordered = _sorted(Events(codes.copy(), keep.copy(), ts.copy()))
    for field in ("rows", "timestamp", "offsets", "case_codes"):
        a, b = getattr(counted, field), getattr(ordered, field)
        assert a.dtype == b.dtype and np.array_equal(a, b), field


@pytest.mark.parametrize("with_length", [False, True])
def test_serial_and_parallel_key_coding_agree(with_length):
    """Small chunks are coded serially, large ones on every thread: the same codes."""
    from engine.kernels.keycodes import (
        encode_bytes,
        encode_bytes_into,
        encode_digits,
        encode_digits_into,
    )
    from engine.log.columns import string_buffers

    rng = np.random.default_rng(3)
    keys = pa.array([f"k{n}" for n in rng.integers(0, 10**6, 2_000)], pa.large_string())
    offsets, data = string_buffers(keys)
    valid = rng.random(len(keys)) > 0.1
    out = np.full(len(keys), 99, np.uint64)
    encode_digits_into(offsets, data, valid, 1, with_length, out)
    assert np.array_equal(out, encode_digits(offsets, data, valid, 1, with_length))
    encode_bytes_into(offsets, data, valid, 0, out)
    assert np.array_equal(out, encode_bytes(offsets, data, valid, 0))
