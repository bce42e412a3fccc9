"""Partial results of parts of a log (whole cases each), merged, give the exact tables
of the whole log: what the Dask backend relies on, tested without a cluster."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import engine
from engine.analysis.partials import (
    activities_table,
    combine,
    edges_table,
    log_partial,
    variants_table,
)
from engine.datasets.synthetic import KEYS, generate
from tests.partial_checks import assert_same_tables
from tests.strategies import random_logs


class MergedLog:
    """The partials of `parts` (DataFrames of whole cases), merged in a binary tree
    ("pairs") or all at once, last part first ("flat"), seen as a log's tables."""

    def __init__(self, parts: list[pd.DataFrame], keys: dict, shape: str):
        self.whole = engine.read_log(pd.concat(parts), **keys)
        self.names = self.whole.activity_names
        partials = [log_partial(engine.read_log(p, **keys), self.names) for p in parts if len(p)]
        if shape == "pairs":
            while len(partials) > 1:
                partials = [combine(partials[i : i + 2]) for i in range(0, len(partials), 2)]
            self.partial = partials[0]
        else:
            self.partial = combine(partials[::-1])

    def dfg(self) -> pd.DataFrame:
        return edges_table(self.partial, self.names)

    def variants(self) -> pd.DataFrame:
        return variants_table(self.partial, self.names)

    def activities(self) -> pd.DataFrame:
        return activities_table(self.partial, self.names)

    def summary(self) -> dict:
        """The whole log's summary with the figures replaced by the merged ones."""
        p = self.partial
        return self.whole.summary() | {
            "events": p.n_events,
            "cases": p.n_cases,
            "activities": int(np.count_nonzero(p.activities[0])),
            "variants": len(p.variants.hashes),
            "edges": int(np.count_nonzero(p.edges.frequency)),
            "dropped_rows": p.dropped.get("total", 0),
        }


def _split_by_case(df: pd.DataFrame, case: str, n_parts: int, seed: int) -> list[pd.DataFrame]:
    cases = df[case].drop_duplicates().to_numpy()
    part_of = dict(
        zip(cases, np.random.default_rng(seed).integers(0, n_parts, len(cases)), strict=True)
    )
    labels = df[case].map(part_of)
    return [df[labels == k] for k in range(n_parts)]


def _check(df: pd.DataFrame, keys: dict, n_parts: int, shape: str, seed: int = 0) -> None:
    merged = MergedLog(_split_by_case(df, keys["case"], n_parts, seed), keys, shape)
    assert_same_tables(merged, engine.read_log(df, **keys))


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
    parts = _split_by_case(df, KEYS["case"], 5, 1)
    a = MergedLog(parts, KEYS, "pairs").partial
    b = MergedLog(parts, KEYS, "flat").partial
    for field in ("frequency", "cases", "whole_s", "rest_ns", "low", "high"):
        np.testing.assert_array_equal(getattr(a.edges, field), getattr(b.edges, field))
    for i in range(2):
        np.testing.assert_array_equal(a.edges.sketch[i], b.edges.sketch[i])
        np.testing.assert_array_equal(a.variants.sketch[i], b.variants.sketch[i])
    np.testing.assert_array_equal(a.variants.hashes, b.variants.hashes)
    np.testing.assert_array_equal(a.variants.frequency, b.variants.frequency)
