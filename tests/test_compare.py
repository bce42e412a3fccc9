"""Comparing two logs (engine.slices.compare): planted changes are flagged, a log against
an independent copy of itself flags nothing beyond the false-discovery rate, and the
statistics equal known values."""

from __future__ import annotations

import numpy as np
import pytest

import engine
from engine.datasets import planted
from engine.journey.stats import benjamini_hochberg
from engine.slices.comparison import COMPARE_COLUMNS, newcombe_interval

MODEL = engine.JourneyModel.from_stages(planted.STAGES, conversion="activity:purchase")


def _log(seed, effects=(), n=20_000):
    return engine.read_log(planted.simulate(n, seed=seed, effects=effects), **planted.KEYS)


def test_planted_changes_are_flagged_and_nothing_else_much():
    """B's journeys abandon half the time after product_page → callback_scheduled, and
    its chat step takes three days: the callback step's outcome, the conversion and the
    evaluation stage's dwell differ; between two draws of the same chain nothing does."""
    effects = (
        planted.Abandon("callback_scheduled", "product_page", extra=0.5),
        planted.Delay("chat", "product_page", hours=72.0),
    )
    table = engine.compare(_log(1), _log(2, effects), MODEL)
    assert list(table.columns) == list(COMPARE_COLUMNS)
    flagged = table[table["significant"]]
    conversion = table[table["table"] == "conversion"].iloc[0]
    assert conversion["significant"] and conversion["difference"] < 0
    assert conversion["low"] <= conversion["difference"] <= conversion["high"]
    dwell = table[(table["table"] == "stage_dwell") & (table["item"] == "evaluation")].iloc[0]
    assert dwell["significant"] and dwell["b"] > dwell["a"]
    step = "callback_scheduled → add_to_cart"
    assert step in set(flagged[flagged["table"] == "edge"]["item"])
    null = engine.compare(_log(3), _log(4), MODEL)
    tested = (~null["too_small"]).sum()
    assert null["significant"].sum() <= max(1, 0.05 * tested * 0.05)  # FDR under the null


def test_newcombe_interval_equals_the_published_example():
    """Newcombe (1998), table II, example (a): 56/70 against 48/80, method 10."""
    low, high = newcombe_interval(
        np.array([48.0]), np.array([80.0]), np.array([56.0]), np.array([70.0]), confidence=0.95
    )
    assert (round(low[0], 4), round(high[0], 4)) == (0.0524, 0.3339)


def test_benjamini_hochberg_equals_the_step_up_rule():
    p = np.array([0.01, 0.04, 0.03, 0.005, np.nan])
    adjusted = benjamini_hochberg(p)
    np.testing.assert_allclose(adjusted[:4], [0.02, 0.04, 0.04, 0.02])
    assert np.isnan(adjusted[4])


def test_shares_are_plain_counts_and_small_rows_are_flagged():
    a, b = _log(5, n=3_000), _log(6, n=3_000)
    table = engine.compare(a, b)
    edges = a.dfg().set_index(["source", "target"])
    row = table[table["item"] == "ad_click → product_page"].iloc[0]
    assert row["a"] == edges.loc[("ad_click", "product_page"), "cases"] / a.n_cases
    assert row["a_journeys"] == a.n_cases and row["b_journeys"] == b.n_cases
    rare = table[(table["table"] == "variant") & table["too_small"]]
    assert len(rare) and rare["p_adjusted"].isna().all() and not rare["significant"].any()


def test_journey_compare_by_segment():
    frame = planted.simulate(6_000, seed=8)
    frame["segment"] = np.where(frame["customer_id"].str[-1].astype(int) < 5, "new", "returning")
    log = engine.read_log(frame, **planted.KEYS, attributes=["segment"])
    journey = log.journey(MODEL)
    table = journey.compare("segment", "new", "returning")
    rest = journey.compare("segment", "new")
    pd_equal = table.reset_index(drop=True).equals(rest.reset_index(drop=True))
    assert pd_equal  # two segments: "the others" are the second
    with pytest.raises(engine.InputError, match="was not read with the log"):
        journey.compare("region", "north")


def test_logrank_equals_scipy_with_ties_and_censoring():
    from scipy.stats import CensoredData, logrank

    from engine.journey.stats import logrank_keys, logrank_p

    rng = np.random.default_rng(3)
    for _ in range(20):
        t_a = rng.integers(1, 40, rng.integers(5, 60)) * 1_000
        t_b = rng.integers(1, 50, rng.integers(5, 60)) * 1_000
        e_a = rng.random(t_a.size) < 0.7
        e_b = rng.random(t_b.size) < 0.7
        keys = np.sort(np.concatenate([logrank_keys(t_a, e_a, 0), logrank_keys(t_b, e_b, 1)]))
        want = logrank(
            CensoredData(uncensored=t_a[e_a], right=t_a[~e_a]),
            CensoredData(uncensored=t_b[e_b], right=t_b[~e_b]),
        ).pvalue
        assert logrank_p(keys) == pytest.approx(want, rel=1e-9)
