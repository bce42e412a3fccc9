"""Throughput of the pipeline: reading a shuffled Parquet log, DFG with durations, variants,
the journey layer, and all of them end to end; pm4py's pipeline on the same file.

Each test runs once per benchmark size (see conftest.py). Every benchmark also checks its
result, so a fast wrong answer fails. pm4py's pipeline runs on the same file for the ratio
(see compare.py for the side-by-side over processes).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

import engine
from engine.datasets.synthetic import KEYS

#: The event attributes the journey layer reads (as conftest.JOURNEY_ATTRIBUTES).
ATTRIBUTES = ["segment", "channel", "csat"]
#: Peak memory of pm4py's pipeline per event: 1,923 MB on 5M events (README's figures).
PM4PY_BYTES_PER_EVENT = 400
#: pm4py is not run from this size on (about 40 GB and over ten minutes a round at 100M).
PM4PY_MAX_EVENTS = 20_000_000


def _events(path: Path) -> int:
    return pq.ParquetFile(path).metadata.num_rows


def _memory_gb() -> float:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1e9
    except (ValueError, OSError, AttributeError):
        return float("inf")


def pm4py_skip_reason(events: int) -> str | None:
    """Why pm4py's pipeline cannot run on `events` events here (None: it can)."""
    need_gb, have_gb = events * PM4PY_BYTES_PER_EVENT / 1e9, _memory_gb()
    if events < PM4PY_MAX_EVENTS and need_gb < 0.8 * have_gb:
        return None
    return (
        f"pm4py cannot run on {events:,} events here: its pipeline needs about "
        f"{need_gb:,.0f} GB (about {PM4PY_BYTES_PER_EVENT} bytes an event, 1.9 GB measured "
        f"at 5M) and this machine has {have_gb:,.0f} GB; pm4py is run up to "
        f"{PM4PY_MAX_EVENTS:,} events"
    )


@pytest.mark.benchmark(group="read")
def test_read_log(measure, journey_log: Path, warm: None) -> None:
    def read():
        return engine.read_log(journey_log, **KEYS)

    log = measure(read, events=_events(journey_log), warmup=False)
    assert log.n_events == _events(journey_log)


@pytest.mark.benchmark(group="analyses")
def test_dfg_and_variants_on_a_built_log(measure, built_log: engine.EventLog) -> None:
    def analyses():
        built_log._cache.clear()  # measure the computation, not the cache
        return built_log.dfg(), built_log.variants()

    edges, variants = measure(analyses, events=built_log.n_events, warmup=False)
    assert edges["frequency"].sum() == built_log.n_events - built_log.n_cases
    assert variants["frequency"].sum() == built_log.n_cases


@pytest.mark.benchmark(group="analyses")
def test_journey_layer_on_a_built_log(measure, built_log: engine.EventLog, journey_layer) -> None:
    """Stages, transitions, funnel, time to convert, bottlenecks and actions, segments,
    channels and satisfaction on a built log (the target: at most twice DFG + variants)."""
    log = built_log
    tables = measure(journey_layer, log, events=log.n_events, warmup=False)
    stages, _, funnel, km, actions, segments, channels, _ = tables
    assert funnel["reached"].iloc[0] == (stages["open_visits"].sum())
    assert segments["journeys"].sum() == log.n_cases
    assert channels.mix["journeys"].sum() == log.n_cases
    assert len(actions) > 0 and km["conversion"].is_monotonic_increasing


@pytest.mark.benchmark(group="analyses")
def test_attribution_on_a_built_log(measure, built_log: engine.EventLog) -> None:
    """The five attribution models by channel, the Markov chain's 200 bootstrap replicates
    included (what `parcours analyze --channel` adds)."""
    journey = built_log.journey()

    def attribute():
        return journey.attribution(by="channel", channel="channel")

    table = measure(attribute, events=built_log.n_events)
    converted = journey.conversions.converted.sum()
    per_model = table.groupby("model")["conversions"].sum()
    assert np.allclose(per_model.to_numpy(), converted)


@pytest.mark.benchmark(group="pipeline")
def test_read_dfg_and_variants(measure, journey_log: Path, warm: None) -> None:
    """The pipeline of the speed target: read_log + DFG + performance DFG + variants."""

    def pipeline():
        log = engine.read_log(journey_log, **KEYS)
        return log, log.dfg(), log.variants()

    log, edges, variants = measure(pipeline, events=_events(journey_log), warmup=False)
    assert edges["frequency"].sum() == log.n_events - log.n_cases
    assert variants["frequency"].sum() == log.n_cases


@pytest.mark.benchmark(group="pipeline")
def test_read_to_journey_layer(measure, journey_log: Path, warm: None, journey_layer) -> None:
    """End to end: read the file into the canonical log (with the journey attributes),
    DFG with durations, variants, then the whole journey layer."""

    def pipeline():
        log = engine.read_log(journey_log, **KEYS, attributes=ATTRIBUTES)
        return log, log.dfg(), log.variants(), journey_layer(log)

    log, edges, variants, tables = measure(pipeline, events=_events(journey_log), warmup=False)
    stages, transitions, funnel, km, actions, segments, channels, satisfaction = tables
    assert log.n_events == _events(journey_log)
    assert edges["frequency"].sum() == log.n_events - log.n_cases
    assert variants["frequency"].sum() == log.n_cases
    assert funnel["reached"].iloc[0] == stages["open_visits"].sum()
    assert transitions["frequency"].sum() == stages["closed_visits"].sum()
    assert segments["journeys"].sum() == channels.mix["journeys"].sum() == log.n_cases
    assert len(actions) > 0 and km["conversion"].is_monotonic_increasing
    answered = int(log.attributes["csat"].notna().sum())
    assert satisfaction.loc[satisfaction["level"] == "touchpoint", "answers"].sum() == answered


@pytest.mark.benchmark(group="pipeline")
def test_pm4py_pipeline(measure, journey_log: Path, built_log: engine.EventLog) -> None:
    """pm4py on the same file: format_dataframe, discover_dfg, performance DFG, variants."""
    reason = pm4py_skip_reason(built_log.n_events)
    if reason is not None:
        pytest.skip(reason)
    pd = pytest.importorskip("pandas")
    pm4py = pytest.importorskip("pm4py")
    columns = [KEYS["case"], KEYS["activity"], KEYS["timestamp"]]

    def pipeline():
        frame = pd.read_parquet(journey_log, columns=columns)
        # pm4py mis-scales microsecond timestamps (pandas 3's default): give it ns.
        frame[KEYS["timestamp"]] = frame[KEYS["timestamp"]].astype("datetime64[ns, UTC]")
        frame = pm4py.format_dataframe(
            frame,
            case_id=KEYS["case"],
            activity_key=KEYS["activity"],
            timestamp_key=KEYS["timestamp"],
        )
        dfg, _, _ = pm4py.discover_dfg(frame)
        pm4py.discover_performance_dfg(frame)
        return dfg, pm4py.get_variants(frame)

    # About 7 s a round per million events: one round from 5M on.
    rounds = 3 if built_log.n_events < 5_000_000 else 1
    dfg, variants = measure(pipeline, events=built_log.n_events, rounds=rounds, warmup=False)
    assert sum(dfg.values()) == built_log.n_events - built_log.n_cases
    assert len(variants) == len(built_log.variants())
