"""Partial results of parts of a log (whole cases each), merged, give the exact tables
of the whole log: what the Dask backend relies on, tested without a cluster."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.datasets.synthetic import KEYS, generate
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
    a = as_parts(frames, KEYS, shape="pairs")[1]._merged()
    b = as_parts(frames, KEYS, shape="flat")[1]._merged()
    for field in ("frequency", "cases", "whole_s", "rest_ns", "low", "high"):
        np.testing.assert_array_equal(getattr(a.edges, field), getattr(b.edges, field))
    for i in range(2):
        np.testing.assert_array_equal(a.edges.sketch[i], b.edges.sketch[i])
        np.testing.assert_array_equal(a.variants.sketch[i], b.variants.sketch[i])
    np.testing.assert_array_equal(a.variants.hashes, b.variants.hashes)
    np.testing.assert_array_equal(a.variants.frequency, b.variants.frequency)
