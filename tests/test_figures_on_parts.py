"""Every figure of engine.figures on a log split into 1, 2 and 4 parts of whole cases
(engine.cluster.local.LocalParts: the Dask backend's reduce, in this process) against the
same figure of the whole log on one machine: counts equal, float sums to rounding. The
one-machine figures themselves are checked against plain references in
test_journey_segments_channels.py and test_attribution.py."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import engine
from engine.cluster.local import LocalParts
from engine.datasets.synthetic import KEYS, generate
from engine.journey import JourneyModel
from tests.helpers import as_parts, split_by_case

ATTRIBUTES = ["channel", "csat", "segment"]
MODEL = JourneyModel.default()


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return generate(6_000, seed=21)


@pytest.fixture(scope="module")
def whole(frame):
    return engine.read_log(frame, **KEYS, attributes=ATTRIBUTES).journey(MODEL)


def _parts(frame, n_parts: int, shape: str = "pairs"):
    frames = split_by_case(frame, KEYS["case"], n_parts, seed=n_parts)
    return as_parts(frames, KEYS, ATTRIBUTES, shape=shape)[1].journey(MODEL)


def _same(got: pd.DataFrame, want: pd.DataFrame, *, skip: tuple[str, ...] = ()) -> None:
    assert list(got.columns) == list(want.columns)
    assert len(got) == len(want)
    for column in got.columns:
        if column in skip:
            continue
        g, w = got[column].reset_index(drop=True), want[column].reset_index(drop=True)
        if pd.api.types.is_float_dtype(w.dtype):
            np.testing.assert_allclose(g, w, rtol=1e-9, atol=1e-12, equal_nan=True, err_msg=column)
        else:
            pd.testing.assert_series_equal(g, w, check_names=False, obj=column)


@pytest.mark.parametrize("n_parts", [1, 2, 4])
@pytest.mark.parametrize("shape", ["pairs", "flat"])
def test_channels_on_parts(frame, whole, n_parts, shape):
    got, want = _parts(frame, n_parts, shape).channels("channel"), whole.channels("channel")
    pd.testing.assert_frame_equal(got.switches, want.switches)
    pd.testing.assert_frame_equal(got.mix, want.mix)
    assert got.multichannel_share == want.multichannel_share


@pytest.mark.parametrize("n_parts", [1, 2, 4])
@pytest.mark.parametrize("scale", [None, "csat", "nps"])
def test_satisfaction_on_parts(frame, whole, n_parts, scale):
    got = _parts(frame, n_parts).satisfaction("csat", scale=scale)
    want = whole.satisfaction("csat", scale=scale)
    if n_parts == 1:
        pd.testing.assert_frame_equal(got, want)  # the same sums, in the same order
    _same(got, want)


@pytest.mark.parametrize("n_parts", [1, 2, 4])
@pytest.mark.parametrize("by", ["touchpoint", "channel"])
def test_attribution_on_parts(frame, whole, n_parts, by):
    """Credits and removal effects are the whole log's; the Markov intervals come from
    bootstrap blocks drawn per part, so only one part gives the same draws."""
    channel = "channel" if by == "channel" else None
    got = _parts(frame, n_parts).attribution(by=by, channel=channel, n_boot=40)
    want = whole.attribution(by=by, channel=channel, n_boot=40)
    intervals = ("conversions_low", "conversions_high", "removal_effect_low", "removal_effect_high")
    if n_parts == 1:
        pd.testing.assert_frame_equal(got, want)
    _same(got, want, skip=intervals)
    markov = got[got["model"] == "markov"]
    has = markov["removal_effect"].notna()
    low, high = markov["conversions_low"][has], markov["conversions_high"][has]
    assert (low <= high).all() and np.isfinite(low).all()
    assert (markov["removal_effect_low"][has] <= markov["removal_effect_high"][has]).all()


def test_capped_markov_states_on_parts(frame, whole, monkeypatch):
    """Past MAX_STATES the rarest states merge: the counts behind the cap come from a
    round over the parts, and give the whole log's chain."""
    monkeypatch.setattr("engine.journey.markov.MAX_STATES", 5)
    got = _parts(frame, 3).attribution(n_boot=10)
    want = whole.attribution(n_boot=10)
    skip = ("conversions_low", "conversions_high", "removal_effect_low", "removal_effect_high")
    _same(got, want, skip=skip)
    markov = want[want["model"] == "markov"]
    assert markov["removal_effect"].isna().any()  # merged states have no effect of their own


def test_a_part_without_a_channel_value_counts_against_the_whole_log(frame, whole):
    """Channel codes are the whole log's: a part that lacks a channel (or has none at
    all) still lines up with the others."""
    first = frame[frame["channel"] != frame["channel"].iloc[0]]
    rest = frame[frame["channel"] == frame["channel"].iloc[0]].assign(channel=None)
    both = pd.concat([first, rest])
    cases = both[KEYS["case"]].drop_duplicates()
    halves = [both[both[KEYS["case"]].isin(cases.iloc[: len(cases) // 2])]]
    halves.append(both[~both[KEYS["case"]].isin(cases.iloc[: len(cases) // 2])])
    read = {**KEYS, "attributes": ATTRIBUTES}
    parts = LocalParts([engine.read_log(h, **read) for h in halves]).journey(MODEL)
    one = engine.read_log(both, **read).journey(MODEL)
    pd.testing.assert_frame_equal(
        parts.channels("channel").switches, one.channels("channel").switches
    )
    _same(
        parts.attribution(by="channel", channel="channel", n_boot=5),
        one.attribution(by="channel", channel="channel", n_boot=5),
        skip=("conversions_low", "conversions_high", "removal_effect_low", "removal_effect_high"),
    )


def test_a_column_not_read_is_a_one_line_error_on_parts(frame):
    journey = _parts(frame, 2)
    for call in (
        lambda: journey.channels("region"),
        lambda: journey.satisfaction("region"),
        lambda: journey.attribution(by="channel", channel="region"),
    ):
        with pytest.raises(engine.InputError, match="column 'region' was not read") as error:
            call()
        assert "\n" not in str(error.value)


def test_what_parts_do_not_offer_is_a_one_line_error(frame):
    journey = _parts(frame, 2)
    for call in (
        lambda: journey.visits,
        lambda: journey.conversions,
        lambda: journey.compare("segment", "a"),
        lambda: journey.drift(),
    ):
        with pytest.raises(engine.InputError, match="one machine") as error:
            call()
        assert "\n" not in str(error.value)


@pytest.mark.parametrize("n_parts", [1, 2, 4])
def test_bottlenecks_split_by_channel_on_parts(frame, whole, n_parts):
    """The stage transitions split by the channel arrived at, and the lost conversions
    charged over them, are the whole log's on any number of parts."""
    got = _parts(frame, n_parts).bottlenecks(channel="channel", min_journeys=5)
    want = whole.bottlenecks(channel="channel", min_journeys=5)
    assert (want["level"] == "stage_transition_channel").sum() > 0
    if n_parts == 1:
        pd.testing.assert_frame_equal(got, want)
    _same(got, want)


@pytest.mark.parametrize("n_parts", [1, 2, 4])
def test_every_journey_table_on_parts(frame, whole, n_parts):
    """Stages, transitions, funnel, unmapped touchpoints, dwell, journey variants,
    bottlenecks, actions, segments (by column and by period) and conversion: counts
    equal, medians and p90 equal bit for bit (the exact round), on any number of parts;
    and the log's own tables (DFG, variants, activities, summary)."""
    from tests.journey_checks import assert_same_journey
    from tests.partial_checks import assert_same_tables

    frames = split_by_case(frame, KEYS["case"], n_parts, seed=n_parts)
    one, parts = as_parts(frames, KEYS, ATTRIBUTES)
    assert_same_journey(parts.journey(MODEL), whole, segments=["segment", "channel"], periods=["M"])
    assert_same_tables(parts, one, exact=True)


def test_a_figure_drops_the_column_codes_it_kept(frame):
    """The codes and scores of a column are kept on the log for the rounds of one figure
    only (400 MB and 800 MB at 100M events), and one conversion definition at a time."""
    log = engine.read_log(frame, **KEYS, attributes=ATTRIBUTES)
    journey = log.journey(MODEL)
    journey.channels("channel")
    journey.satisfaction("csat")
    journey.attribution(by="channel", channel="channel", n_boot=5)
    journey.bottlenecks(channel="channel")
    assert not [key for key in log._cache if key.startswith(("codes:", "scores:"))]
    log.journey(MODEL.within("30D")).conversion_summary()
    assert len(log._cache["conversions"]) == 1


def test_attribution_states_without_the_dense_table(frame, whole, monkeypatch):
    """(touchpoint, channel) states found by a sort where the key table would be too big
    give the same table as the dense count."""
    want = whole.attribution(by="channel", channel="channel", n_boot=10)
    monkeypatch.setattr("engine.figures.attribution.DENSE_PAIRS", 0)
    got = engine.read_log(frame, **KEYS, attributes=ATTRIBUTES).journey(MODEL)
    pd.testing.assert_frame_equal(got.attribution(by="channel", channel="channel", n_boot=10), want)


def test_a_journey_made_directly_on_parts_reads_merged_quantiles(frame, whole):
    """Journey(log_given_as_parts, model) takes the parts' quantile source by itself."""
    _, parts = as_parts(split_by_case(frame, KEYS["case"], 2, seed=2), KEYS, ATTRIBUTES)
    journey = engine.Journey(parts, MODEL)
    assert not journey.source.whole
    pd.testing.assert_frame_equal(journey.funnel(), whole.funnel())


def test_column_values_numpy_text_would_merge_stay_apart_on_parts(frame):
    """A channel "web" and a channel "web\\x00" are two values (numpy's text type would
    drop the NUL and merge them): the parts' union of values and their codes compare
    text as Python does, so the channel and segment tables on parts are the whole log's."""
    odd = frame.copy()
    rows = np.arange(len(odd)) % 3 == 0
    for column in ("channel", "segment"):
        text = odd[column].astype(str)
        odd[column] = text.where(~rows, text + "\x00")
    whole_log = engine.read_log(odd, **KEYS, attributes=ATTRIBUTES).journey(MODEL)
    parts = _parts(odd, 2)
    got, want = parts.channels("channel"), whole_log.channels("channel")
    assert any(str(c).endswith("\x00") for c in want.switches["source_channel"])
    pd.testing.assert_frame_equal(got.switches, want.switches)
    pd.testing.assert_frame_equal(got.mix, want.mix)
    got, want = parts.segments("segment"), whole_log.segments("segment")
    assert len(want) == 2 * frame["segment"].nunique()
    _same(got, want)
