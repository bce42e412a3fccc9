"""The warning that tied times were put in order by rows not in time order: coarse
timestamps in a shuffled export make the steps between tied events, and the lost
conversions resting on them, the rows' order rather than the journeys'."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import engine
from engine.datasets import dataset_path, planted
from engine.figures.order import tied_order_warning
from tests.helpers import as_parts, split_by_case

MODEL = engine.JourneyModel.from_stages(planted.STAGES, conversion="activity:purchase")
CASE, TS = planted.KEYS["case"], planted.KEYS["timestamp"]


def _warned(log) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        journey = log.journey(MODEL)
        journey.bottlenecks()
        journey.bottlenecks(min_journeys=10)  # a second table: no second warning
    return [str(w.message) for w in caught if "share their timestamp" in str(w.message)]


def _days(shuffled: bool) -> pd.DataFrame:
    """The planted journeys with times cut to the day; rows shuffled, or by case and
    time (as an export sorted by time gives them)."""
    frame = planted.simulate(3_000, seed=1)
    frame = frame.sample(frac=1.0, random_state=0) if shuffled else frame
    if not shuffled:
        frame = frame.sort_values([CASE, TS], kind="stable")
    return frame.assign(**{TS: frame[TS].dt.floor("D")}).reset_index(drop=True)


def test_day_times_in_shuffled_rows_are_warned_about_once():
    found = _warned(engine.read_log(_days(shuffled=True), **planted.KEYS))
    assert len(found) == 1
    assert (
        "of successive events share their timestamp, and the rows are not in time order"
        in (found[0])
    )


@pytest.mark.parametrize("table", ["variants", "dfg", "activities", "start_activities"])
def test_the_log_tables_warn_too_once_per_log(table):
    """The variants and the directly-follows graph rest on the order of tied events as
    much as the journey figures: each warns, without a journey, once for the log."""
    log = engine.read_log(_days(shuffled=True), **planted.KEYS)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        getattr(log, table)()
        log.variants()
        log.journey(MODEL).bottlenecks()
    found = [str(w.message) for w in caught if "share their timestamp" in str(w.message)]
    assert len(found) == 1 and "the variants, the steps between tied events" in found[0]
    assert caught[0].filename == __file__  # pointing at the caller's line


def test_an_analysis_without_stages_records_it(tmp_path):
    """parcours analyze without --stages: the warning on stderr and in summary.json (it
    came only with --stages, from the bottleneck table)."""
    from engine import cli

    path = tmp_path / "days.csv"
    _days(shuffled=True).to_csv(path, index=False)
    out = tmp_path / "out"
    keys = [f"--{k}={v}" for k, v in planted.KEYS.items()]
    assert cli.main(["analyze", str(path), *keys, "--out", str(out), "--quiet", "--no-report"]) == 0
    warned = json.loads((out / "summary.json").read_text())["warnings"]
    assert len(warned) == 1 and "share their timestamp" in warned[0]


def test_day_times_in_rows_sorted_by_time_say_nothing():
    assert _warned(engine.read_log(_days(shuffled=False), **planted.KEYS)) == []


def test_fine_times_in_shuffled_rows_say_nothing():
    frame = planted.simulate(3_000, seed=1).sample(frac=1.0, random_state=0)
    assert _warned(engine.read_log(frame, **planted.KEYS)) == []


def test_a_log_in_parts_counts_the_same():
    """Parts of whole cases (the Dask path's shape) add up to the whole log's counts."""
    frame = _days(shuffled=True)
    whole, parts = as_parts(split_by_case(frame, CASE, 3, seed=2), planted.KEYS)
    assert _warned(parts) == _warned(whole) != []


@pytest.mark.parametrize("name", ["sepsis.xes.gz", "receipt.xes.gz"])
def test_a_real_log_whose_rows_are_in_time_order_says_nothing(name):
    """Sepsis has 31 % tied successive events, in rows that are in time order."""
    from engine.figures.order import tie_chunk

    log = engine.read_log(dataset_path(name))
    assert tied_order_warning(tie_chunk(log)) is None


@pytest.mark.parametrize(
    ("counts", "warns"),
    [
        ((100, 5, 1), True),  # 5 % tied, 1 of 95 reversed
        ((100, 4, 50), False),  # too few ties to matter
        ((100, 50, 0), False),  # rows in time order: tied rows keep a meaningful order
        ((1000, 500, 4), False),  # under 1 % of the others reversed
        ((0, 0, 0), False),
    ],
)
def test_the_thresholds(counts, warns):
    assert (tied_order_warning(np.array(counts)) is not None) == warns


def _started(missing: list[bool]) -> pd.DataFrame:
    n = len(missing)
    ts = pd.date_range("2024-01-01", periods=n, freq="h")
    start = pd.Series(ts - pd.Timedelta(minutes=20)).mask(pd.Series(missing))
    return pd.DataFrame(
        {"case": ["c"] * n, "activity": list("abcdefgh"[:n]), "st": start, "ts": ts}
    )


@pytest.mark.parametrize("parts", [False, True])
@pytest.mark.parametrize(
    ("missing", "warns"),
    [([False, True, False, False], True), ([False] * 4, False), ([True] * 4, False)],
)
def test_start_times_missing_from_some_events_are_warned_about(missing, warns, parts):
    """Steps into events without a start are measured end to end, the others end to
    start: the DFG's durations mix the two (all or none missing: one kind, no warning)."""
    keys = {"case": "case", "activity": "activity", "timestamp": "ts", "start_timestamp": "st"}
    frame = _started(missing)
    log = engine.read_log(frame, **keys)
    if parts:
        frame = pd.concat([frame, _started(missing).assign(case="d")], ignore_index=True)
        _, log = as_parts(split_by_case(frame, "case", 2, seed=0), keys)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        log.dfg()
        log.variants()
    found = [str(w.message) for w in caught if "have no start time" in str(w.message)]
    n = 8 if parts else 4
    k = sum(missing) * (2 if parts else 1)
    assert found == (
        [
            f"{k} of {n} events have no start time ('st'): the steps into them are "
            "measured from the end of one event to the end of the next, the others "
            "from an end to the next start (a wait), and the directly-follows "
            "durations mix the two"
        ]
        if warns
        else []
    )
