"""The journey tables the report draws from: stage dwell histograms and variant outcomes,
each against a plain pandas reference on random journeys."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings

import engine
from engine.journey.distributions import dwell_bin_edges
from tests import reference
from tests.journeys import KEYS, MODEL, journeys

STAGE_OF = dict(MODEL.touchpoints)


# Random journeys may never reach 'pay'; the model warns about that, which is expected here.
NO_PAY = pytest.mark.filterwarnings("ignore:the conversion activity:UserWarning")


@NO_PAY
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(journeys())
def test_dwell_histogram_counts_closed_visits_per_bin(df):
    log = engine.read_log(df, **KEYS)
    canon = reference.canonical_frame(df, "case", "activity", "ts")
    visits = reference.stage_visits(canon, STAGE_OF, list(MODEL.stages))
    closed = visits[~visits["open"]]
    dwell = (closed["end"] - closed["start"]).to_numpy() / 1e9
    got = log.journey(MODEL).dwell_histogram()
    edges = dwell_bin_edges(dwell.max() if len(dwell) else 0.0)
    assert list(got["stage"].unique()) == list(MODEL.stages)
    for stage in MODEL.stages:
        want, _ = np.histogram(dwell[(closed["stage"] == stage).to_numpy()], bins=edges)
        rows = got[got["stage"] == stage]
        np.testing.assert_array_equal(rows["visits"].to_numpy(), want)
        np.testing.assert_array_equal(rows["bin_start_s"].to_numpy(), edges[:-1])
    assert got["visits"].sum() == len(closed)


@NO_PAY
def test_visits_lasting_exactly_a_bin_edge_fall_in_the_bin_it_starts():
    """Visits of exactly 0, 1, 10, 100 and 1000 s (edges of the log scale) go to the bin
    they start, as numpy's histogram puts them; the random journeys above are hourly and
    never land on an edge."""
    seconds = {"c0": 1, "c1": 10, "c2": 100, "c3": 1000, "c4": 0, "c5": 10}
    rows = []
    for case, dwell in seconds.items():
        first, then = ("cart", "view") if case == "c3" else ("view", "cart")
        rows += [(case, first, 0), (case, then, dwell)]
    rows.append(("c5", "view", 5))  # the same visit: it still runs from 0 to 10 s
    df = pd.DataFrame(rows, columns=["case", "activity", "ts"])
    df["ts"] = pd.Timestamp("2024-01-01") + pd.to_timedelta(df["ts"], unit="s")
    got = engine.read_log(df, **KEYS).journey(MODEL).dwell_histogram()
    edges = dwell_bin_edges(1000.0)
    look = got[got["stage"] == "look"]
    want, _ = np.histogram([1, 10, 100, 0, 10], bins=edges)
    np.testing.assert_array_equal(look["visits"].to_numpy(), want)
    assert look.loc[look["bin_start_s"] == 10.0, "visits"].item() == 2
    buy = got[got["stage"] == "buy"]
    assert buy.loc[buy["bin_start_s"] == 1000.0, "visits"].item() == 1
    assert got["visits"].sum() == 6


def test_dwell_bins_cover_the_longest_visit():
    for longest in (0.0, 0.5, 1.0, 9.99, 10.0, 86_400 * 400.0):
        edges = dwell_bin_edges(longest)
        assert edges[0] == 0 and edges[-1] >= longest
        assert np.all(np.diff(edges) > 0)


@NO_PAY
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(journeys())
def test_variant_outcomes_count_conversions_per_variant(df):
    log = engine.read_log(df, **KEYS)
    canon = reference.canonical_frame(df, "case", "activity", "ts")
    converted = reference.conversion_per_case(canon, lambda a: a == "pay").set_index("_case")
    sequences = canon.groupby("_case", sort=False)["_act"].agg(tuple)
    want = (
        pd.DataFrame({"variant": sequences, "converted": converted["converted"]})
        .groupby("variant")["converted"]
        .agg(["size", "sum"])
    )
    got = log.journey(MODEL).variant_outcomes()
    assert list(got.columns) == [
        "variant",
        "frequency",
        "share",
        "converted",
        "conversion_rate",
        "median_duration_s",
    ]
    for row in got.itertuples(index=False):
        size, hits = want.loc[[tuple(row.variant)]].iloc[0]
        assert (row.frequency, row.converted) == (size, hits)
        assert row.conversion_rate == hits / size
    pd.testing.assert_frame_equal(
        got[["frequency", "share", "median_duration_s"]],
        log.variants()[["frequency", "share", "median_duration_s"]],
    )
