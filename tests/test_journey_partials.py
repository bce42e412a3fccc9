"""The journey layer from partial results of parts of a log (whole cases each), merged:
what the Dask backend relies on, tested without a cluster against the single-machine
Journey of the whole log."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import engine
from engine.datasets.synthetic import KEYS, generate
from engine.figures import bottlenecks, conversion, stages, variant_outcomes
from engine.figures.context import JourneySpec
from engine.journey import JourneyModel
from tests.helpers import as_parts, split_by_case
from tests.journey_checks import assert_same_conversions, assert_same_journey
from tests.journeys import KEYS as JOURNEY_KEYS
from tests.journeys import MODEL, journeys
from tests.real_logs import BY_NAME


def _quiet(make):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # logs without a conversion are drawn
        return make()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    journeys(),
    st.integers(1, 4),
    st.sampled_from(["pairs", "flat"]),
    st.integers(0, 9),
    st.sampled_from(["activity:pay", "stage:buy", "stage:look"]),
)
def test_merged_parts_give_the_whole_journey(frame, n_parts, shape, seed, conversion):
    stages = {"look": ["view", "search"], "buy": ["cart", "pay"]}
    model = JourneyModel.from_stages(stages, conversion=conversion, strict=False)
    frame = frame.assign(region=np.where(np.arange(len(frame)) % 3 == 0, None, "north"))
    whole, parts = as_parts(
        split_by_case(frame, "case", n_parts, seed), JOURNEY_KEYS, ["region"], shape=shape
    )
    got = _quiet(lambda: parts.journey(model))
    want = _quiet(lambda: whole.journey(model))
    assert_same_journey(got, want, segments=["region"], periods=["D"])


@pytest.mark.parametrize("n_parts", [1, 3, 7])
def test_merged_parts_of_a_generated_log(n_parts):
    df = generate(30_000, seed=5)
    whole, parts = as_parts(
        split_by_case(df, KEYS["case"], n_parts, 2), KEYS, ["segment", "channel"]
    )
    model = JourneyModel.default()
    assert_same_journey(
        parts.journey(model),
        whole.journey(model),
        segments=["segment", "channel"],
        periods=["M"],
    )


@pytest.mark.parametrize(
    ("name", "template"), [("receipt.xes.gz", "receipt"), ("sepsis.xes.gz", "sepsis")]
)
def test_merged_parts_of_real_logs(name, template):
    real = BY_NAME[name]
    whole = engine.read_log(real.require(), **real.keys)
    frame = whole.to_pm4py()[["case:concept:name", "concept:name", "time:timestamp"]]
    keys = {"case": "case:concept:name", "activity": "concept:name", "timestamp": "time:timestamp"}
    whole, parts = as_parts(split_by_case(frame, keys["case"], 4, 0), keys)
    model = JourneyModel.template(template)
    assert_same_journey(parts.journey(model), whole.journey(model), periods=["M"])


def _moments_equal(a, b, what: str) -> None:
    for field in ("frequency", "cases", "whole_s", "rest_ns", "low", "high"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field), err_msg=what)
    for i in range(2):
        np.testing.assert_array_equal(a.sketch[i], b.sketch[i], err_msg=what)


def test_the_journey_merge_is_exact_whatever_the_tree():
    """Every figure's combine gives the same counts, sums, extremes and sketches whatever
    the order parts are merged in."""
    df = generate(8_000, seed=6)
    pieces = split_by_case(df, KEYS["case"], 5, 1)
    model = JourneyModel.default()
    merged = {}
    for shape in ("pairs", "flat"):
        _, parts = as_parts(pieces, KEYS, ["channel"], shape=shape)
        spec = JourneySpec(model, parts.activity_names, parts.observed_until)
        names = np.asarray(sorted(df["channel"].dropna().unique()), dtype=object)
        merged[shape] = {
            "stages": parts.reduce(stages.chunk, stages.combine, spec, False),
            "conversion": parts.reduce(conversion.chunk, conversion.combine, spec, False),
            "steps": parts.reduce(
                bottlenecks.touchpoint_chunk, bottlenecks.combine_steps, spec, False
            ),
            "moves": parts.reduce(
                bottlenecks.channel_chunk, bottlenecks.combine_moves, spec, "channel", names, False
            ),
            "variants": parts.reduce(variant_outcomes.chunk, variant_outcomes.combine, spec, False),
        }
    a, b = merged["pairs"], merged["flat"]
    for field in ("per_stage", "per_move"):
        np.testing.assert_array_equal(getattr(a["stages"], field), getattr(b["stages"], field))
    _moments_equal(a["stages"].dwell, b["stages"].dwell, "stage dwell")
    _moments_equal(a["conversion"].to_convert, b["conversion"].to_convert, "to convert")
    for i in range(2):
        np.testing.assert_array_equal(a["conversion"].censored[i], b["conversion"].censored[i])
    for name in ("steps", "moves"):
        np.testing.assert_array_equal(a[name].counts, b[name].counts, err_msg=name)
        _moments_equal(a[name].waits, b[name].waits, name)
    np.testing.assert_array_equal(a["steps"].reach, b["steps"].reach)
    np.testing.assert_array_equal(a["variants"].hashes, b["variants"].hashes)
    np.testing.assert_array_equal(a["variants"].converted, b["variants"].converted)


def test_a_part_is_censored_at_the_whole_logs_end():
    """A part whose journeys all end early must still count them as observed until the
    end of the whole log, as the single-machine path does."""
    early = pd.DataFrame(
        {
            "case": ["a", "a"],
            "activity": ["view", "cart"],
            "ts": pd.to_datetime(["2024-01-01", "2024-01-02"]),
        }
    )
    late = pd.DataFrame(
        {
            "case": ["b", "b"],
            "activity": ["view", "pay"],
            "ts": pd.to_datetime(["2024-01-01", "2024-03-01"]),
        }
    )
    whole, parts = as_parts([early, late], JOURNEY_KEYS)
    got, want = parts.journey(MODEL), whole.journey(MODEL)
    assert want.time_to_convert()["censored"].tolist() == [1]  # 'a', observed until March
    assert_same_conversions(got, want)


def test_a_segment_column_not_read_is_a_one_line_error():
    df = generate(500, seed=1)
    _, parts = as_parts([df], KEYS)
    with pytest.raises(engine.InputError, match="column 'segment' was not read") as error:
        parts.journey(JourneyModel.default()).segments("segment")
    assert "\n" not in str(error.value)


def test_past_the_exact_limit_the_sketches_answer(monkeypatch):
    monkeypatch.setattr("engine.analysis.exact.EXACT_LIMIT", 0)
    df = generate(6_000, seed=7)
    whole, parts = as_parts(split_by_case(df, KEYS["case"], 3, 0), KEYS, ["segment"])
    model = JourneyModel.default()
    got = parts.journey(model)
    assert_same_journey(got, whole.journey(model), segments=["segment"], exact=False)
