"""Partial results of parts of a log (whole cases each), merged, give the exact tables
of the whole log: what the Dask backend relies on, tested without a cluster."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.datasets.synthetic import KEYS, generate
from engine.figures import log_tables
from tests.helpers import as_parts, split_by_case
from tests.partial_checks import assert_same_tables
from tests.strategies import random_logs


def _check(df: pd.DataFrame, keys: dict, n_parts: int, shape: str, seed: int = 0) -> None:
    whole, parts = as_parts(split_by_case(df, keys["case"], n_parts, seed), keys, shape=shape)
    assert_same_tables(parts, whole)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_logs(), st.integers(1, 4), st.sampled_from(["pairs", "flat"]), st.integers(0, 9))
def test_merged_parts_give_the_whole_logs_tables(df, n_parts, shape, seed):
    _check(df, {"case": "case", "activity": "activity", "timestamp": "ts"}, n_parts, shape, seed)


def test_merged_parts_of_a_journey_log():
    df = generate(30_000, seed=4)
    for n_parts in (1, 3, 7):
        _check(df, KEYS, n_parts, "pairs")


def test_the_merge_is_exact_whatever_the_tree():
    """Counts, sums, extremes and sketches do not depend on how parts are merged."""
    df = generate(8_000, seed=6)
    frames = split_by_case(df, KEYS["case"], 5, 1)
    merged = {}
    for shape in ("pairs", "flat"):
        parts = as_parts(frames, KEYS, shape=shape)[1]
        names = parts.activity_names
        merged[shape] = parts.reduce(log_tables.chunk, log_tables.combine, names, False)
    (
        (counts_a, edges_a, variants_a, sizes_a, ties_a),
        (counts_b, edges_b, variants_b, sizes_b, ties_b),
    ) = (
        merged["pairs"],
        merged["flat"],
    )
    np.testing.assert_array_equal(counts_a, counts_b)
    assert sizes_a == sizes_b
    np.testing.assert_array_equal(ties_a, ties_b)
    for field in ("frequency", "cases", "whole_s", "rest_ns", "low", "high"):
        np.testing.assert_array_equal(getattr(edges_a, field), getattr(edges_b, field))
    for i in range(2):
        np.testing.assert_array_equal(edges_a.sketch[i], edges_b.sketch[i])
        np.testing.assert_array_equal(variants_a.sketch[i], variants_b.sketch[i])
    np.testing.assert_array_equal(variants_a.hashes, variants_b.hashes)
    np.testing.assert_array_equal(variants_a.frequency, variants_b.frequency)


def test_names_that_numpy_text_would_merge_keep_apart_on_parts():
    """numpy's text type drops a trailing NUL ("a\\x00" == "a"): the alphabet of parts is
    sorted as Python compares strings, as a whole log's is."""
    df = pd.DataFrame(
        {
            "case": [1, 1, 2, 2, 3],
            "activity": ["a", "a\x00", "\x00", "a", "b"],
            "ts": pd.to_datetime([0, 1, 2, 3, 4], unit="s"),
        }
    )
    keys = {"case": "case", "activity": "activity", "timestamp": "ts"}
    whole, parts = as_parts(split_by_case(df, "case", 2, 3), keys)
    assert whole.activity_names.tolist() == ["\x00", "a", "a\x00", "b"]
    assert parts.activity_names.tolist() == whole.activity_names.tolist()
    assert_same_tables(parts, whole, exact=True)
