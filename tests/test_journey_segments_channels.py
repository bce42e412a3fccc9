"""Segments, channels and satisfaction against plain pandas references, and the named
cases: a segment of one journey, missing segment values, unknown columns."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import engine
from engine.journey.stats import holm, two_proportion_test
from tests.journeys import KEYS, MODEL


@st.composite
def journeys(draw):
    rows = []
    for c in range(draw(st.integers(1, 14))):
        segment = draw(st.sampled_from(["gold", "silver", None]))
        for _ in range(draw(st.integers(1, 6))):
            rows.append(
                (
                    f"c{c}",
                    draw(st.sampled_from(["view", "search", "cart", "pay"])),
                    draw(st.integers(0, 8)),
                    draw(st.sampled_from(["web", "app", "store", None])),
                    segment,
                    draw(st.sampled_from([1.0, 2.0, 3.0, 4.0, 5.0, np.nan])),
                )
            )
    order = draw(st.permutations(range(len(rows))))
    frame = pd.DataFrame(
        [rows[i] for i in order], columns=["case", "activity", "ts", "channel", "segment", "csat"]
    )
    frame["ts"] = pd.to_datetime(frame["ts"], unit="h")
    return frame


def _journey(frame):
    log = engine.read_log(frame, **KEYS, attributes=["channel", "segment", "csat"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return log.journey(MODEL)


def _canonical(frame):
    out = frame.assign(_row=np.arange(len(frame))).sort_values(
        ["case", "ts", "_row"], kind="stable"
    )
    return out.reset_index(drop=True)


def _per_case(canon):
    first = canon.groupby("case", sort=False).first()
    converted = canon.groupby("case", sort=False)["activity"].apply(lambda a: (a == "pay").any())
    return first.assign(converted=converted)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(journeys())
def test_segments_match_reference(frame):
    canon = _canonical(frame)
    cases = _per_case(canon)
    # the segment is the value at the journey's first event
    first_segment = canon.groupby("case", sort=False)["segment"].agg(lambda s: s.iloc[0])
    labels = first_segment.astype("string").fillna("(missing)")
    want = cases.assign(label=labels).groupby("label")["converted"].agg(["size", "sum"])
    got = _journey(frame).segments("segment").set_index("segment")
    assert sorted(got.index) == sorted(want.index)
    for label, row in want.iterrows():
        assert got.loc[label, "journeys"] == row["size"]
        assert got.loc[label, "converted"] == row["sum"]
        rest_n, rest_k = len(cases) - row["size"], cases["converted"].sum() - row["sum"]
        _, p = two_proportion_test(row["sum"], row["size"], rest_k, rest_n)
        np.testing.assert_allclose(got.loc[label, "p_value"], p, equal_nan=True)
    # Holm over the segments fit to test: too small ones are left out of the family
    testable = np.where(got["too_small"], np.nan, got["p_value"].to_numpy())
    np.testing.assert_allclose(got["p_adjusted"], holm(testable), equal_nan=True)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(journeys())
def test_channels_match_reference(frame):
    canon = _canonical(frame)
    cases = _per_case(canon)
    pairs, used, last = [], {}, {}
    for case_id, g in canon.groupby("case", sort=False):
        channels = [c for c in g["channel"] if c is not None and not pd.isna(c)]
        # The mix counts the channels used up to the first 'pay' (the conversion), the
        # switches every pair of events.
        upto = (
            len(g) if not (g["activity"] == "pay").any() else list(g["activity"]).index("pay") + 1
        )
        before = g["channel"].iloc[:upto]
        used[case_id] = len({c for c in before if c is not None and not pd.isna(c)})
        steps = list(itertools.pairwise(channels))
        pairs += [(case_id, a, b) for a, b in steps]
        if steps and not cases.loc[case_id, "converted"]:
            last[steps[-1]] = last.get(steps[-1], 0) + 1
    tables = _journey(frame).channels("channel")
    got = tables.switches.set_index(["source_channel", "target_channel"])
    want = (
        pd.DataFrame(pairs, columns=["case", "a", "b"])
        .groupby(["a", "b"])["case"]
        .agg(["size", "nunique"])
    )
    assert len(got) == len(want)
    for (a, b), row in want.iterrows():
        assert got.loc[(a, b), "transitions"] == row["size"]
        assert got.loc[(a, b), "cases"] == row["nunique"]
        assert got.loc[(a, b), "last_step_of_abandoned"] == last.get((a, b), 0)
        assert bool(got.loc[(a, b), "switch"]) == (a != b)
    counts = pd.Series(used).value_counts()
    mix = tables.mix.set_index("channels_used")
    for n_used, n_cases in counts.items():
        assert mix.loc[n_used, "journeys"] == n_cases
    assert tables.multichannel_share == pytest.approx((pd.Series(used) >= 2).mean())


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(journeys())
def test_satisfaction_matches_reference(frame):
    if frame["csat"].isna().all():
        return
    canon = _canonical(frame)
    cases = _per_case(canon)
    got = _journey(frame).satisfaction("csat", scale="csat")
    touchpoints = got[got["level"] == "touchpoint"].set_index("name")
    answered = canon.dropna(subset=["csat"])
    for activity, g in answered.groupby("activity"):
        assert touchpoints.loc[activity, "answers"] == len(g)
        assert touchpoints.loc[activity, "mean_score"] == pytest.approx(g["csat"].mean())
        assert touchpoints.loc[activity, "share_low"] == pytest.approx((g["csat"] <= 2).mean())
    stages = got[got["level"] == "stage"].set_index("name")
    stage_of = dict(MODEL.touchpoints)
    answered = answered.assign(stage=answered["activity"].map(stage_of)).dropna(subset=["stage"])
    lowest = answered.groupby(["case", "stage"])["csat"].min().unstack()
    for stage in MODEL.stages:
        if stage not in lowest:
            assert stages.loc[stage, "journeys_low"] == 0
            continue
        column = lowest[stage].dropna()
        low = column[column <= 2].index
        not_low = column[column > 2].index
        assert stages.loc[stage, "journeys_low"] == len(low)
        assert stages.loc[stage, "journeys_not_low"] == len(not_low)
        if len(low):
            abandon = (~cases.loc[low, "converted"]).mean()
            assert stages.loc[stage, "abandon_rate_low"] == pytest.approx(abandon)


def _small(rows, columns=("case", "activity", "ts", "segment")):
    frame = pd.DataFrame(rows, columns=list(columns))
    frame["ts"] = pd.to_datetime(frame["ts"], unit="h")
    return frame


def test_a_segment_of_one_journey_is_flagged_and_never_significant():
    rows = [(f"c{i}", "view", 0, "big") for i in range(40)] + [("c99", "pay", 1, "tiny")]
    rows += [(f"c{i}", "pay", 2, "big") for i in range(20)]
    got = _journey_with(_small(rows), ["segment"]).segments("segment").set_index("segment")
    assert got.loc["tiny", "journeys"] == 1 and bool(got.loc["tiny", "too_small"])
    assert not bool(got.loc["tiny", "significant"])
    assert got.loc["tiny", "rate_low"] < got.loc["tiny", "conversion_rate"] == 1.0


def test_missing_segment_values_form_their_own_segment():
    rows = [("a", "view", 0, "x"), ("b", "view", 0, None), ("c", "pay", 0, None)]
    got = _journey_with(_small(rows), ["segment"]).segments("segment").set_index("segment")
    assert got.loc["(missing)", "journeys"] == 2 and got.loc["(missing)", "converted"] == 1


@pytest.mark.parametrize("parts", [False, True])
def test_values_known_only_after_the_first_event_are_warned_about(parts):
    """A journey's segment is its value at its first event; journeys that get one only
    later all land in '(missing)', which was silent. Counted over parts as over the whole."""
    from tests.helpers import as_parts, split_by_case

    rows = [("a", "view", 0, None), ("a", "pay", 1, "x"), ("b", "view", 0, None)]
    rows += [("c", "view", 0, "y"), ("c", "cart", 1, None), ("d", "view", 0, None)]
    rows += [("d", "cart", 1, None), ("d", "pay", 2, "z")]
    frame = _small(rows)
    log = engine.read_log(frame, **KEYS, attributes=["segment"])
    if parts:
        _, log = as_parts(split_by_case(frame, "case", 2, seed=0), KEYS, attributes=["segment"])
    journey = log.journey(MODEL)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = journey.segments("segment").set_index("segment")
    assert got.loc["(missing)", "journeys"] == 3
    found = [str(w.message) for w in caught if "first event but one later" in str(w.message)]
    assert found == [
        "segment column 'segment': 2 journeys (50%) have no value at their first event but "
        "one later; a journey's segment is its value at its first event (what was known "
        "when it began), so they count in '(missing)': if the value holds from the start, "
        "fill it forward within each case first"
    ]


def test_whole_numbers_of_a_float_column_are_named_as_written():
    """A float column's whole numbers (a pandas frame's integers with NaN) are segments
    '559', not '559.0', and a fractional value keeps its decimals (each value written
    alone, so parts of a log agree)."""
    rows = [("a", "view", 0, 559.0), ("b", "view", 0, np.nan), ("c", "pay", 0, 12.5)]
    rows += [("d", "pay", 0, 559.0)]
    got = _journey_with(_small(rows), ["segment"]).segments("segment").set_index("segment")
    assert sorted(got.index) == ["(missing)", "12.5", "559"]
    assert got.loc["559", "journeys"] == 2 and got.loc["559", "converted"] == 1


def test_an_integer_column_with_blanks_is_segmented_by_its_exact_values(tmp_path):
    """A CSV integer column with a blank is read as Int64: its segments are its values
    as written, past 2**53 too ('9007199254740993', which float64 made ...992), the
    blank its own segment."""
    path = tmp_path / "log.csv"
    rows = ["case,activity,ts,segment"]
    for case, segment in [("a", 559), ("b", ""), ("c", 2**53 + 1), ("d", 559), ("e", 2**53)]:
        rows += [f"{case},view,2026-01-01 00:00,{segment}", f"{case},pay,2026-01-01 01:00,"]
    path.write_text("\n".join(rows) + "\n")
    log = engine.read_log(path, **KEYS, attributes=["segment"])
    assert log.attributes["segment"].dtype == "Int64"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        got = log.journey(MODEL).segments("segment").set_index("segment")
    assert sorted(got.index) == ["(missing)", "559", "9007199254740992", "9007199254740993"]
    assert got.loc["559", "journeys"] == 2 and got.loc["9007199254740993", "journeys"] == 1


def test_a_column_not_read_with_the_log_is_a_clear_error():
    journey = _journey_with(_small([("a", "view", 0, "x")]), [])
    with pytest.raises(engine.InputError, match=r"pass attributes=\['segment'\] to read_log"):
        journey.segments("segment")


def test_scores_outside_every_scale_are_an_error():
    frame = _small([("a", "view", 0, 42.0)], ("case", "activity", "ts", "score"))
    with pytest.raises(engine.InputError, match="fits none of CSAT"):
        _journey_with(frame, ["score"]).satisfaction("score")


def _journey_with(frame, attributes):
    log = engine.read_log(frame, **KEYS, attributes=attributes)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return log.journey(MODEL)
