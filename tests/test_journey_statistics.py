"""The journey layer's small statistics, each against a case that once came out wrong:
the Kaplan-Meier median at exactly one half, p-values past 1e-16, the Holm family, rates
of periods of unequal age, the funnel after converting, and the wording of the actions."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest

import engine
from engine.journey import JourneyModel
from engine.journey.segments import segments_from_counts
from engine.journey.stats import two_proportion_test

KEYS = {"case": "case", "activity": "activity", "timestamp": "ts"}
MODEL = JourneyModel.from_stages(
    {"look": ["view"], "buy": ["cart", "pay"], "after": ["support"]},
    conversion="activity:pay",
    strict=False,
)


def _log(rows, **options):
    frame = pd.DataFrame(rows, columns=["case", "activity", "ts", *options.get("extra", [])])
    frame["ts"] = pd.to_datetime(frame["ts"], unit="h")
    return engine.read_log(frame, **KEYS, attributes=options.get("attributes", ()))


def test_the_km_median_is_not_one_row_late_when_the_curve_reaches_one_half():
    """24 journeys converting one by one: after the 12th, the product of (1 - 1/r) is
    0.4999999999999999 in floats though exactly one half; the median is the 12th time."""
    rows = []
    for c in range(24):
        rows += [(f"c{c:02d}", "view", 0), (f"c{c:02d}", "pay", c + 1)]
    journey = _log(rows).journey(MODEL)
    km = journey.time_to_convert()
    assert km["conversion"].iloc[11] < 0.5  # the float product falls just short
    assert journey.conversion_summary()["km_median_time_to_convert_s"] == 12 * 3600.0


def test_tiny_p_values_keep_their_size():
    """z of about 10 has p = 1.5e-23; 1 - Phi(z) gave exactly 0."""
    z, p = two_proportion_test([600], [1000], [400], [1000])
    want = math.erfc(abs(z[0]) / math.sqrt(2))
    assert 0 < p[0] < 1e-16 and p[0] == pytest.approx(want, rel=1e-12)


def test_the_holm_family_leaves_out_segments_too_small_to_test():
    names = np.array(["big_a", "big_b", "tiny"], dtype=object)
    journeys = np.array([1000, 1000, 10])
    wins = np.array([300, 360, 5])
    table = segments_from_counts(names, journeys, wins, np.full(3, np.nan)).set_index("segment")
    assert table.loc["tiny", "too_small"] and np.isnan(table.loc["tiny", "p_adjusted"])
    p = table.loc[["big_a", "big_b"], "p_value"].sort_values()
    # Holm over the two testable segments only: m = 2, not 3.
    assert table.loc[p.index[0], "p_adjusted"] == pytest.approx(min(1.0, 2 * p.iloc[0]))
    assert table.loc[p.index[1], "p_adjusted"] == pytest.approx(
        min(1.0, max(2 * p.iloc[0], p.iloc[1]))
    )


def test_periods_are_compared_at_a_common_horizon():
    """Every journey converts with chance 0.6 after an exponential wait of mean 10 days;
    journeys start over four months. Without a horizon the last month looks worse; at
    the horizon its rate matches, and it is flagged too recent."""
    rng = np.random.default_rng(4)
    n = 8_000
    start = rng.uniform(0, 120 * 24, n)  # hours
    converts = rng.random(n) < 0.6
    delay = rng.exponential(10 * 24, n)
    end = 120 * 24 + 24
    rows = [(f"c{i}", "view", start[i]) for i in range(n)]
    rows += [
        (f"c{i}", "pay", start[i] + delay[i])
        for i in range(n)
        if converts[i] and start[i] + delay[i] <= end
    ]
    rows.append(("closing", "view", end))
    journey = _log(rows).journey(MODEL)
    naive = journey.segments(period="M", horizon=None).set_index("segment")
    fair = journey.segments(period="M").set_index("segment")  # auto: the p90 horizon
    months = sorted(m for m in fair.index if fair.loc[m, "journeys"] > 100)
    first, last = months[0], months[-1]
    assert naive.loc[last, "conversion_rate"] < naive.loc[first, "conversion_rate"] - 0.1
    assert abs(fair.loc[last, "conversion_rate"] - fair.loc[first, "conversion_rate"]) < 0.06
    assert fair.loc[last, "too_recent"] and not fair.loc[first, "too_recent"]
    assert fair.loc[last, "followed"] < fair.loc[last, "journeys"]
    horizon = fair["horizon_s"].iloc[0]
    assert horizon == pytest.approx(journey.conversion_summary()["time_to_convert_p90_s"], abs=1)
    with pytest.raises(engine.InputError, match="horizon must be a positive duration"):
        journey.segments(period="M", horizon="-3D")


def test_a_converted_customer_at_after_sales_has_not_dropped_off():
    rows = [
        ("won", "view", 0),
        ("won", "pay", 1),
        ("won", "support", 2),
        ("lost", "view", 0),
        ("lost", "cart", 1),
        ("odd", "view", 0),
        ("odd", "support", 1),  # never paid, went to support
    ]
    funnel = _log(rows).journey(MODEL).funnel().set_index("stage")
    assert funnel.loc["after", "reached"] == 2 and funnel.loc["after", "drop_off"] == 1
    assert funnel.loc["after", "converted"] == 1
    assert funnel.loc["buy", "drop_off"] == 1  # 'lost' stopped at the cart
    assert funnel.loc["look", "converted"] == 1


def test_the_default_template_warning_points_at_the_callers_line():
    log = _log([("a", "view", 0), ("a", "cart", 1)])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        log.journey()  # the default template converts at 'purchase', absent here
    assert caught and caught[0].filename == __file__


def test_min_journeys_and_top_are_checked():
    journey = _log([("a", "view", 0), ("a", "cart", 1)]).journey(MODEL)
    for bad in (-5, 0, 2.5, True):
        with pytest.raises(engine.InputError, match="min_journeys must be a whole number"):
            journey.bottlenecks(min_journeys=bad)
    with pytest.raises(engine.InputError, match="top must be a whole number"):
        journey.actions(top=-1)
    assert journey.actions(top=0).empty


def test_a_conversion_window_counts_only_conversions_within_it():
    """Journeys converting 1 h, 10 h and 30 h after their start: within '12h' only the
    first two convert, everywhere (summary, funnel, segments, bottlenecks' outcomes)."""
    rows = [("a", "view", 0), ("a", "pay", 1), ("b", "view", 0), ("b", "pay", 10)]
    rows += [("c", "view", 0), ("c", "pay", 30), ("d", "view", 0), ("d", "cart", 2)]
    log = _log(rows)
    plain = log.journey(MODEL).conversion_summary()
    windowed = log.journey(MODEL.within("12h"))
    assert plain["converted"] == 3 and windowed.conversion_summary()["converted"] == 2
    assert sorted(windowed.conversions.converted.tolist()) == [False, False, True, True]
    assert "within 0 days 12:00:00" in windowed.model.conversion.describe()
    funnel = windowed.funnel().set_index("stage")
    assert funnel.loc["buy", "converted"] == 2
    with pytest.raises(engine.InputError, match="positive duration"):
        MODEL.within("soon")
    toml = engine.JourneyModel.from_mapping(
        {
            "conversion": {"activity": "pay", "within": "12h"},
            "stages": [
                {"name": "look", "touchpoints": ["view"]},
                {"name": "buy", "touchpoints": ["cart", "pay"]},
            ],
        },
        where="test",
    )
    assert toml.conversion.window == 12 * 3600 * 10**9


def test_one_list_writes_its_percentages_one_way():
    """A list whose compared rates need a decimal ('99.6% against 98.9%') writes every
    percentage with one; none mixes '100%' and '100.0%'."""
    import re

    from engine.journey.actions import action_table

    rows = pd.DataFrame(
        {
            "level": ["touchpoint", "touchpoint"],
            "source": ["a", "c"],
            "target": ["b", "d"],
            "journeys": [500, 400],
            "share_of_journeys": [1.0, 0.4],
            "frequency": [500, 400],
            "total_wait_s": [10.0, 5.0],
            "median_s": [1.0, 1.0],
            "conversion_rate": [0.989, 0.5],
            "abandoned_after": [1, 1],
            "abandon_share": [0.002, 0.0025],
            "best_alternative": [None, None],
            "best_alternative_rate": [np.nan, np.nan],
            "lost_conversions": [3.5, 40.0],
            "lost_low": [1.0, 20.0],
            "lost_high": [6.0, 60.0],
            "alternative_rate": [0.996, 0.6],
            "share_of_lost": [0.08, 0.92],
            "comparable": [True, True],
            "loss_significant": [True, True],
        }
    )
    actions = action_table(rows, top=10, min_journeys=30)
    shares = [s for t in actions["action"] for s in re.findall(r"(\d+(?:\.\d+)?)%(?! CI)", t)]
    assert shares and all("." in s for s in shares), shares
    assert "1 journey" not in " ".join(actions["action"])


def test_a_stage_sentence_agrees_with_its_count():
    """'1 journey (50%) ends there', '2 journeys (...) end there'."""
    from engine.journey.actions import action_table

    for abandoned, verb in ((1, "1 journey (50%) ends there"), (2, "2 journeys (100%) end there")):
        rows = pd.DataFrame(
            {
                "level": ["stage"],
                "source": ["order"],
                "target": [""],
                "journeys": [2],
                "share_of_journeys": [1.0],
                "total_wait_s": [60.0],
                "median_s": [60.0],
                "abandoned_after": [abandoned],
                "abandon_share": [abandoned / 2],
                "best_alternative": [None],
                "best_alternative_rate": [np.nan],
                "lost_conversions": [np.nan],
                "lost_low": [np.nan],
                "lost_high": [np.nan],
                "share_of_lost": [np.nan],
                "conversion_rate": [np.nan],
                "alternative_rate": [np.nan],
                "comparable": [False],
                "loss_significant": [False],
            }
        )
        sentence = action_table(rows, min_journeys=1)["action"].iloc[0]
        assert verb in sentence, sentence


def test_a_significant_gap_charged_elsewhere_is_not_called_chance():
    """A step whose gap holds but whose journeys were charged to other steps (a loss under
    half a conversion) is listed by its wait, and its sentence says where its losses went,
    not that chance explains its gap."""
    from engine.journey.actions import action_table

    base = {
        "level": ["touchpoint"],
        "source": ["a"],
        "target": ["b"],
        "journeys": [400],
        "share_of_journeys": [0.4],
        "total_wait_s": [600.0],
        "median_s": [60.0],
        "abandoned_after": [10],
        "abandon_share": [0.025],
        "best_alternative": [None],
        "best_alternative_rate": [np.nan],
        "lost_conversions": [0.2],
        "lost_low": [0.0],
        "lost_high": [1.0],
        "share_of_lost": [0.01],
        "conversion_rate": [0.2],
        "alternative_rate": [0.5],
        "comparable": [True],
    }
    held = action_table(pd.DataFrame({**base, "loss_significant": [True]}))["action"][0]
    assert "losses are counted at other steps" in held and "chance" not in held
    chance = action_table(pd.DataFrame({**base, "loss_significant": [False]}))["action"][0]
    assert "a gap within chance at 95% over the 1 step compared" in chance
    assert "fewer conversions" not in held + chance
