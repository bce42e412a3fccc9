"""Text case ids split into many chunks (a CSV file's blocks) are coded chunk by chunk on
several threads: the codes, the missing rows and the ids decoded back are those of the
same ids in one chunk, on one thread or on two."""

from __future__ import annotations

import itertools

import numba
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import engine
from engine.io import csv as csv_reader
from engine.log.case_codes import case_keys
from engine.threads import map_in_threads
from tests.test_batched_read import ID_SHAPES

TEXT_SHAPES = ["digits", "prefix_changes", "short_text", "free_text", "unicode"]


def _ids(shape: str, n: int, seed: int) -> list[str | None]:
    rng = np.random.default_rng(seed)
    make = ID_SHAPES[shape]
    ids: list[str | None] = [str(make(int(c))) for c in rng.integers(0, n // 3 + 1, n)]
    for i in rng.choice(n, n // 10, replace=False):
        ids[i] = None if i % 2 else ""  # missing, or empty: both are no key
    return ids


def _chunked(ids: list[str | None], seed: int) -> pa.ChunkedArray:
    rng = np.random.default_rng(seed)
    cuts = np.sort(rng.choice(np.arange(1, len(ids)), 40, replace=False))
    bounds = [0, *cuts.tolist(), len(ids)]
    return pa.chunked_array(
        [pa.array(ids[a:b], pa.string()) for a, b in itertools.pairwise(bounds)]
    )


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("shape", TEXT_SHAPES)
def test_many_chunks_code_as_one(shape, threads):
    ids = _ids(shape, 3_000, seed=len(shape))
    whole = case_keys(pa.chunked_array([pa.array(ids, pa.string())]))
    before = numba.get_num_threads()
    numba.set_num_threads(threads)
    try:
        split = case_keys(_chunked(ids, seed=threads))
    finally:
        numba.set_num_threads(before)
    assert split.hashed == whole.hashed
    np.testing.assert_array_equal(split.missing, whole.missing)
    np.testing.assert_array_equal(split.codes, whole.codes)
    rows = np.flatnonzero(~whole.missing)[:50]
    decoded = split.decode(split.codes[rows], rows)
    assert decoded.tolist() == [ids[i] for i in rows]


def test_map_in_threads_keeps_the_input_order():
    pieces = list(range(200))
    assert map_in_threads(lambda p: p * p, pieces) == [p * p for p in pieces]
    assert map_in_threads(lambda p: p, []) == []


def test_a_csv_read_in_small_blocks_is_the_log_read_whole(tmp_path, monkeypatch):
    ids = _ids("digits", 4_000, seed=7)
    frame = pd.DataFrame(
        {
            "case": ids,
            "activity": [f"a{i % 5}" for i in range(len(ids))],
            "ts": pd.date_range("2024-01-01", periods=len(ids), freq="min").strftime(
                "%Y-%m-%dT%H:%M:%S"
            ),
        }
    )
    path = tmp_path / "log.csv"
    frame.to_csv(path, index=False)
    keys = {"case": "case", "activity": "activity", "timestamp": "ts"}
    whole = engine.read_log(path, **keys)
    monkeypatch.setattr(csv_reader, "_READ", pa.csv.ReadOptions(block_size=2_000))
    blocks = engine.read_log(path, **keys)
    assert blocks.n_events == whole.n_events
    assert blocks.case_ids.tolist() == whole.case_ids.tolist()
    pd.testing.assert_frame_equal(blocks.dfg(), whole.dfg())
    pd.testing.assert_frame_equal(blocks.variants(), whole.variants())


@pytest.mark.parametrize("kind", [pa.string(), pa.large_string()], ids=str)
def test_activity_codes_of_sliced_and_mixed_chunks_are_the_names(kind):
    """Sliced text chunks (views into a longer array: offsets and validity start past 0)
    and a dictionary chunk between them, as batches of a file whose pages fall back from a
    dictionary to plain text: each row keeps its name, empty and null names are missing,
    and the names come out sorted."""
    from engine.log.activity_codes import ActivityStream, activity_codes

    rng = np.random.default_rng(3)
    pool = ["view", "", None, "café", "checkout_started_again", "checkout_started_agaio"]
    values = [pool[k] for k in rng.integers(0, len(pool), 400)]
    whole = pa.array(values, type=kind)
    parts = [whole.slice(3, 97), whole.slice(100, 100).dictionary_encode(), whole.slice(250)]
    expected = values[3:100] + values[100:200] + values[250:]
    stream = ActivityStream(len(expected))
    first = 0
    for part in parts:
        stream.add(first, part)
        first += len(part)
    sliced = activity_codes(pa.chunked_array([parts[0], parts[2]]))
    for coded, want in ((stream.finish(), expected), (sliced, values[3:100] + values[250:])):
        names = [coded.names[c] if c >= 0 else None for c in coded.codes]
        assert names == [v if v else None for v in want]
        assert list(coded.names) == sorted({v for v in want if v})
        assert np.array_equal(coded.missing, np.array([not v for v in want]))
