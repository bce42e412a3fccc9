"""Attribution (engine/figures/attribution.py): the rule-based models against a plain reference,
the Markov removal effect against the exact truth of a planted chain, its bootstrap
intervals' coverage, and the chain's algebra against direct solves."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings

import engine
from engine.datasets import planted
from engine.figures.attribution import ATTRIBUTION_COLUMNS, NO_TOUCHPOINT
from engine.journey.markov import removal_effects
from tests.journeys import KEYS, MODEL, journeys

PLANTED_MODEL = engine.JourneyModel.from_stages(planted.STAGES, conversion="activity:purchase")
#: Touchpoints a converting path can hold (not the conversion itself, nor what follows it).
BEFORE = ["ad_click", "search", "product_page", "compare_offers", "read_reviews", "chat"]
BEFORE += ["callback_scheduled", "add_to_cart", "checkout"]


def reference_credits(frame: pd.DataFrame, half_life_s: float) -> dict[str, dict[str, float]]:
    """Per rule-based model, the conversions credited to each touchpoint."""
    canon = frame.assign(_row=np.arange(len(frame))).sort_values(
        ["case", "ts", "_row"], kind="stable"
    )
    out = {m: {} for m in ("first_touch", "last_touch", "linear", "time_decay")}

    def add(model, name, value):
        out[model][name] = out[model].get(name, 0.0) + value

    for _, g in canon.groupby("case", sort=False):
        acts = list(g["activity"])
        if "pay" not in acts:
            continue
        at = acts.index("pay")
        path, times = acts[:at], g["ts"].to_numpy()
        if not path:
            for model in out:
                add(model, NO_TOUCHPOINT, 1.0)
            continue
        add("first_touch", path[0], 1.0)
        add("last_touch", path[-1], 1.0)
        ages = (times[at] - times[:at]) / np.timedelta64(1, "s")
        weights = 2.0 ** (-ages / half_life_s)
        for name, w in zip(path, weights, strict=True):
            add("linear", name, 1.0 / len(path))
            add("time_decay", name, w / weights.sum())
    return out


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(journeys(max_cases=15, max_events=6))
def test_rule_based_models_match_the_reference(frame):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        journey = engine.read_log(frame, **KEYS).journey(MODEL)
        table = journey.attribution(half_life="2h", n_boot=5)
    assert list(table.columns) == list(ATTRIBUTION_COLUMNS)
    want = reference_credits(frame, 7200.0)
    converted = int(journey.conversions.converted.sum())
    for model, credits in want.items():
        got = table[table["model"] == model].set_index("name")["conversions"]
        assert got.sum() == pytest.approx(converted)
        for name, value in credits.items():
            assert got[name] == pytest.approx(value), (model, name)
        assert (got.drop(list(credits), errors="ignore") == 0).all()


def test_markov_removal_effects_match_the_planted_chain():
    """On the planted chain (first order, so a fitted chain converges to it), every
    touchpoint's and channel's removal effect is within 10% of the exact one, also with a
    channel (phone) whose journeys abandon more."""
    phone = planted.Abandon("callback_scheduled", None, extra=0.6)
    frame = planted.simulate(30_000, seed=7, effects=(phone,))
    log = engine.read_log(frame, **planted.KEYS, attributes=["channel"])
    journey = log.journey(PLANTED_MODEL)
    for by, names in (("touchpoint", BEFORE), ("channel", ["social", "web", "chat", "phone"])):
        table = journey.attribution(by=by, channel="channel", n_boot=50)
        markov = table[table["model"] == "markov"].set_index("name")
        truth = planted.removal_effects((phone,), by=by)
        for name in names:
            assert markov.loc[name, "removal_effect"] == pytest.approx(truth[name], rel=0.1)
        total = journey.conversions.converted.sum()
        assert markov["conversions"].sum() == pytest.approx(total)
    # The planted abandonment shows: phone earns less than chat, its twin without it.
    assert markov.loc["phone", "removal_effect"] < 0.7 * markov.loc["chat", "removal_effect"]


@pytest.mark.slow
def test_markov_intervals_cover_the_truth_across_seeds():
    """95% bootstrap intervals of the removal effect cover the exact one in at least 85%
    of 40 seeds, for a touchpoint on one path among several (chat)."""
    truth = planted.removal_effects()["chat"]
    covered = 0
    for seed in range(40):
        frame = planted.simulate(5_000, seed=300 + seed)
        journey = engine.read_log(frame, **planted.KEYS).journey(PLANTED_MODEL)
        table = journey.attribution(n_boot=100)
        row = table[(table["model"] == "markov") & (table["name"] == "chat")].iloc[0]
        covered += row["removal_effect_low"] <= truth <= row["removal_effect_high"]
    assert covered / 40 >= 0.85, covered


def test_single_state_removal_equals_a_direct_solve():
    rng = np.random.default_rng(2)
    n = 6
    counts = rng.integers(0, 50, size=(n + 1, n + 2)).astype(float)
    fast = removal_effects(counts, [np.array([x]) for x in range(n)])
    slow = removal_effects(counts, [np.array([x, x]) for x in range(n)])  # the solve path
    np.testing.assert_allclose(fast, slow, rtol=1e-9)


def test_attribution_arguments_are_checked():
    log = engine.read_log(planted.simulate(200, seed=1), **planted.KEYS)
    journey = log.journey(PLANTED_MODEL)
    with pytest.raises(engine.InputError, match="by must be"):
        journey.attribution(by="segment")
    with pytest.raises(engine.InputError, match="needs channel="):
        journey.attribution(by="channel")
    with pytest.raises(engine.InputError, match="half_life must be a positive duration"):
        journey.attribution(half_life="soon")
    with pytest.raises(engine.InputError, match="n_boot must be"):
        journey.attribution(n_boot=0)
