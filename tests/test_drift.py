"""Drift (engine.slices.drift) on logs with planted, dated incidents: a checkout bug loop
from a date on, a payment outage for a few days, a cohort whose mix shifts. The planted
changes are flagged in their periods, carried by the right segment; a log with none
flags nothing beyond the false-discovery rate. Then the public clickstream whose
incidents are documented (journey_retentioneering_ecom.csv.gz)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import engine
from engine.datasets import planted
from tests.real_logs import SHARED, require_shared

MODEL = engine.JourneyModel.from_stages(planted.STAGES, conversion="activity:purchase")
DAY = pd.Timedelta(days=1)


def _weeks_of(first_day: float, last_day: float) -> set[str]:
    days = pd.date_range(
        pd.Timestamp(planted.EPOCH) + first_day * DAY,
        pd.Timestamp(planted.EPOCH) + last_day * DAY,
        freq="D",
    )
    return {str(p) for p in days.to_period("W")}


def _log(parts: list[pd.DataFrame]) -> engine.EventLog:
    frame = pd.concat(parts, ignore_index=True)
    return engine.read_log(frame, **planted.KEYS, attributes=["segment"])


def _part(n, seed, days, prefix, segment="regular", effects=()):
    frame = planted.simulate(n, seed=seed, effects=effects, start_days=days, prefix=prefix)
    return frame.assign(segment=segment)


def test_a_payment_outage_and_a_checkout_loop_are_flagged_where_they_happen():
    outage = planted.Abandon("checkout", "add_to_cart", extra=0.8)  # days 28-32
    loop = planted.Redirect("checkout", "add_to_cart", share=0.5)  # from day 56 on
    log = _log(
        [
            _part(12_000, 1, (0, 28), "a"),
            _part(2_500, 2, (28, 32), "b", effects=(outage,)),
            _part(10_000, 3, (32, 56), "c"),
            _part(10_000, 4, (56, 84), "d", effects=(loop,)),
        ]
    )
    table = log.journey(MODEL).drift(period="W", horizon=None)
    flagged = table[table["significant"]]
    outage_weeks = _weeks_of(28, 31.9)
    low_conversion = flagged[(flagged["table"] == "conversion") & (flagged["difference"] < 0)]
    assert set(low_conversion["period"]) & outage_weeks
    loops = flagged[(flagged["item"] == "checkout → add_to_cart") & (flagged["difference"] > 0)]
    assert set(loops["period"]) >= _weeks_of(57, 83) - _weeks_of(50, 56)
    assert not set(loops["period"]) & _weeks_of(0, 49)


def test_a_shifting_cohort_mix_is_flagged_and_carried_by_its_segment():
    """Deal hunters abandon at the cart more; from day 56 on they are most journeys."""
    hunter = planted.Abandon("add_to_cart", None, extra=0.7)
    log = _log(
        [
            _part(16_000, 5, (0, 56), "a"),
            _part(1_500, 6, (0, 56), "b", "deal_hunter", (hunter,)),
            _part(4_000, 7, (56, 84), "c"),
            _part(6_000, 8, (56, 84), "d", "deal_hunter", (hunter,)),
        ]
    )
    table = log.journey(MODEL).drift(period="W", by="segment", horizon=None)
    late = table[
        (table["table"] == "conversion") & table["significant"] & (table["difference"] < 0)
    ]
    assert set(late["period"]) >= _weeks_of(60, 83) - _weeks_of(50, 59)
    assert (late["carried_by"] == "deal_hunter").all()


def test_without_incidents_nothing_is_flagged_beyond_the_false_discovery_rate():
    log = _log([_part(30_000, 9, (0, 84), "a")])
    table = log.journey(MODEL).drift(period="W", horizon=None)
    tested = (~table["too_small"]).sum()
    assert tested > 100
    assert table["significant"].sum() <= 2


def test_recent_periods_are_compared_at_a_common_horizon():
    """The export ends as the last journeys start, so the last day's journeys have had
    no time to convert: compared plainly that day looks worse; at the horizon (the 90th
    percentile of the time to convert) its young journeys are left out and it is flagged
    too recent instead."""
    frame = _part(30_000, 10, (0, 14), "a")
    frame = frame[frame["ts"] <= pd.Timestamp(planted.EPOCH, tz="UTC") + 14 * DAY]
    log = engine.read_log(frame, **planted.KEYS, attributes=["segment"])
    plain = log.journey(MODEL).drift(period="D", horizon=None)
    fair = log.journey(MODEL).drift(period="D")
    last = max(plain["period"])
    worse = plain[(plain["table"] == "conversion") & (plain["period"] == last)].iloc[0]
    assert worse["significant"] and worse["difference"] < 0
    row = fair[(fair["table"] == "conversion") & (fair["period"] == last)].iloc[0]
    assert row["too_recent"] and not row["significant"]
    assert row["b_journeys"] < worse["b_journeys"]  # the youngest journeys are left out
    with pytest.raises(engine.InputError, match="at least two periods"):
        log.journey(MODEL).drift(period="Y")


@pytest.mark.shared_data
def test_the_documented_payment_incident_of_the_public_clickstream_is_flagged():
    """retentioneering's ecom sample: a payment-gateway incident from May 19 on makes
    conversion collapse; the sessions of the week of May 20 convert far less."""
    path = require_shared(SHARED / "journey_retentioneering_ecom.csv.gz")
    frame = pd.read_csv(path)
    log = engine.read_log(
        frame, case="session_id", activity="event", timestamp="timestamp", attributes=["platform"]
    )
    events = sorted(frame["event"].unique())
    model = engine.JourneyModel.from_stages(
        {"browse": [e for e in events if e != "purchase"], "buy": ["purchase"]},
        conversion="activity:purchase",
    )
    table = log.journey(model).drift(period="W", by="platform")
    week = table[(table["period"] == "2024-05-20/2024-05-26") & (table["table"] == "conversion")]
    assert week["significant"].iloc[0] and week["difference"].iloc[0] < 0
    before = table[table["period"] < "2024-05-13"]
    assert not before[before["table"] == "conversion"]["significant"].any()
    assert np.isfinite(table["p_value"]).any()
