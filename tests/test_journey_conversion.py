"""Conversion, time to convert and Kaplan–Meier against plain references; the statistics
helpers against published values."""

from __future__ import annotations

import warnings
from statistics import NormalDist

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import engine
from engine.journey import JourneyModel
from engine.journey.stats import holm, sample_size, two_proportion_test, wilson_interval
from tests import reference
from tests.journeys import KEYS, MODEL, journeys


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(journeys(), st.sampled_from(["activity:pay", "stage:buy"]))
def test_conversions_and_kaplan_meier_match_reference(frame, conversion):
    model = JourneyModel.from_stages(
        {"look": ["view", "search"], "buy": ["cart", "pay"]}, conversion=conversion, strict=False
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # logs without 'pay' are drawn too
        journey = engine.read_log(frame, **KEYS).journey(model)
    converting = {"pay"} if conversion == "activity:pay" else {"cart", "pay"}
    canon = reference.canonical_frame(frame, "case", "activity", "ts")
    want = reference.conversion_per_case(canon, lambda a: a in converting).set_index("_case")
    got = journey.conversions
    order = list(journey.log.case_ids)
    np.testing.assert_array_equal(got.converted, want.loc[order, "converted"].to_numpy())
    np.testing.assert_array_equal(got.elapsed, want.loc[order, "elapsed"].to_numpy())
    window_end = int(canon["_ts"].max())
    np.testing.assert_array_equal(got.observed, window_end - want.loc[order, "start"].to_numpy())

    durations = np.where(got.converted, got.elapsed, got.observed)
    km_want = reference.kaplan_meier(durations, got.converted)
    km_got = journey.time_to_convert()
    if not got.converted.any():
        assert km_got["converted"].tolist() == [0] and km_got["censored"].tolist() == [len(want)]
        return
    at_events = km_want[km_want["converted"] > 0]
    np.testing.assert_allclose(km_got["time_s"], at_events["time"] / 1e9)
    for column in ("at_risk", "converted"):
        np.testing.assert_array_equal(km_got[column], at_events[column], err_msg=column)
    np.testing.assert_allclose(km_got["conversion"], 1 - at_events["survival"], atol=1e-12)
    # censored: those leaving after a row's time, before the next row's
    following = np.append(at_events["at_risk"].to_numpy()[1:], 0)
    np.testing.assert_array_equal(
        km_got["censored"], at_events["at_risk"] - at_events["converted"] - following
    )
    assert (km_got["conversion_low"] <= km_got["conversion"] + 1e-12).all()
    assert (km_got["conversion"] <= km_got["conversion_high"] + 1e-12).all()

    summary = journey.conversion_summary()
    assert summary["journeys"] == len(want) and summary["converted"] == int(want["converted"].sum())
    times = want.loc[want["converted"], "elapsed"].to_numpy() / 1e9
    if len(times):
        assert summary["time_to_convert_median_s"] == pytest.approx(np.median(times))
    else:
        assert np.isnan(summary["time_to_convert_median_s"])


def _journey(rows, model=MODEL):
    frame = pd.DataFrame(rows, columns=["case", "activity", "ts"])
    frame["ts"] = pd.to_datetime(frame["ts"], unit="h")
    return engine.read_log(frame, **KEYS).journey(model)


def test_the_kaplan_meier_table_is_made_once_and_handed_out_as_copies(monkeypatch):
    """time_to_convert and conversion_summary share one table per confidence (on a large
    log it sorts every journey and has a row per conversion time); a caller changing the
    table it got changes neither the next one nor the summary."""
    from engine.figures import conversion as figure
    from engine.journey import conversion

    journey = _journey(
        [("a", "view", 0), ("a", "pay", 3), ("b", "pay", 1), ("c", "view", 1), ("c", "pay", 9)]
    )
    made = []

    def counted(*args, **kwargs):
        made.append(kwargs.get("confidence"))
        return conversion.km_table(*args, **kwargs)

    monkeypatch.setattr(figure, "km_table", counted)
    first = journey.time_to_convert()
    want = first.copy()
    first["conversion"] = -1.0
    summary = journey.conversion_summary()
    pd.testing.assert_frame_equal(journey.time_to_convert(), want)
    assert summary == conversion.conversion_summary(journey.conversions)
    assert made == [0.95]
    journey.time_to_convert(confidence=0.9)
    assert made == [0.95, 0.9]


def test_journeys_that_never_convert_are_censored_not_lost():
    rows = [("a", "view", 0), ("a", "cart", 5), ("b", "view", 2)]
    with pytest.warns(UserWarning, match="no journey converts"):
        journey = _journey(rows)  # conversion: activity 'pay', absent from this log
    km = journey.time_to_convert()
    assert km.to_dict("records") == [
        {
            "time_s": 0.0,
            "at_risk": 2,
            "converted": 0,
            "censored": 2,
            "conversion": 0.0,
            "conversion_low": 0.0,
            "conversion_high": 0.0,
        }
    ]
    summary = journey.conversion_summary()
    assert summary["converted"] == 0 and summary["conversion_rate"] == 0
    assert summary["conversion_rate_low"] == 0 and summary["conversion_rate_high"] > 0
    assert np.isnan(summary["time_to_convert_median_s"])
    assert np.isnan(summary["km_median_time_to_convert_s"])


def test_all_journeys_converting_reach_a_conversion_of_one():
    journey = _journey(
        [("a", "view", 0), ("a", "pay", 3), ("b", "pay", 1), ("c", "view", 1), ("c", "pay", 9)]
    )
    km = journey.time_to_convert()
    assert km["conversion"].iloc[-1] == 1.0
    assert km["time_s"].tolist() == [0.0, 3 * 3600.0, 8 * 3600.0]
    summary = journey.conversion_summary()
    assert summary["conversion_rate"] == 1.0 and summary["conversion_rate_high"] == 1.0
    assert summary["km_median_time_to_convert_s"] == 3 * 3600.0


def test_a_single_event_journey_converting_at_once_takes_zero_seconds():
    journey = _journey([("a", "pay", 4)])
    assert journey.conversions.converted.tolist() == [True]
    assert journey.time_to_convert()["time_s"].tolist() == [0.0]


def test_censored_journeys_keep_the_estimate_above_the_naive_share():
    """Journeys that started late and have not converted yet are not counted as lost."""
    rows = [("a", "view", 0), ("a", "pay", 2), ("b", "view", 0), ("c", "view", 99)]
    journey = _journey([*rows, ("d", "view", 98), ("d", "view", 100)])
    assert journey.conversion_summary()["conversion_rate"] == 0.25  # naive: 1 of 4
    km = journey.time_to_convert()
    # Window ends at 100 h. c is censored after 1 h, so at 2 h only a, b and d are at
    # risk and a converts: 1/3 converted by 2 h, not 1/4.
    first = km[km["converted"] > 0].iloc[0]
    assert first["time_s"] == 2 * 3600 and first["at_risk"] == 3
    assert first["conversion"] == pytest.approx(1 / 3)


def test_wilson_interval_matches_newcombe():
    """Newcombe (1998), example 81/263: 0.2553 to 0.3662."""
    low, high = wilson_interval(81, 263)
    assert float(low) == pytest.approx(0.2553, abs=5e-5)
    assert float(high) == pytest.approx(0.3662, abs=5e-5)
    low, high = wilson_interval(0, 10)
    assert float(low) == 0.0 and float(high) == pytest.approx(0.2775, abs=5e-5)
    low, high = wilson_interval(0, 0)
    assert np.isnan(low) and np.isnan(high)


def test_two_proportion_test_by_hand():
    z, p = two_proportion_test(45, 100, 30, 100)
    pooled = 75 / 200
    se = np.sqrt(pooled * (1 - pooled) * (2 / 100))
    assert float(z) == pytest.approx(0.15 / se)
    assert float(p) == pytest.approx(2 * (1 - NormalDist().cdf(0.15 / se)))
    assert float(p) == pytest.approx(0.02846, abs=1e-5)


def test_holm_adjustment_by_hand():
    adjusted = holm(np.array([0.01, 0.04, 0.03, 0.005, np.nan]))
    np.testing.assert_allclose(adjusted[:4], [0.03, 0.06, 0.06, 0.02])
    assert np.isnan(adjusted[4])


def test_sample_size_for_a_margin_of_error():
    assert sample_size(0.03) == 1068  # 1.96² · 0.25 / 0.03² = 1067.1
    assert sample_size(0.05) == 385
    assert sample_size(0.05, proportion=0.1) == 139
    assert sample_size(0.05, population=1000) == 278
    with pytest.raises(ValueError, match="margin"):
        sample_size(3)
