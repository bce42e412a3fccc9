"""Throughput of the spine: reading a shuffled Parquet log, DFG with durations, variants.

Every benchmark also checks its result, so a fast wrong answer fails. pm4py's pipeline
runs on the same file for the ratio (see compare.py for the side-by-side over processes).
"""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

import engine
from engine.datasets.synthetic import KEYS


def _events(path: Path) -> int:
    return pq.ParquetFile(path).metadata.num_rows


def test_read_log(benchmark, journey_log: Path, warm: None) -> None:
    log = benchmark(engine.read_log, journey_log, **KEYS)
    assert log.n_events == _events(journey_log)
    benchmark.extra_info["events"] = log.n_events


def test_dfg_and_variants_on_a_built_log(benchmark, built_log: engine.EventLog) -> None:
    def analyses():
        built_log._cache.clear()  # measure the computation, not the cache
        return built_log.dfg(), built_log.variants()

    edges, variants = benchmark(analyses)
    assert edges["frequency"].sum() == built_log.n_events - built_log.n_cases
    assert variants["frequency"].sum() == built_log.n_cases
    benchmark.extra_info["events"] = built_log.n_events


def test_read_dfg_and_variants(benchmark, journey_log: Path, warm: None) -> None:
    """The pipeline of the speed target: read_log + DFG + performance DFG + variants."""

    def pipeline():
        log = engine.read_log(journey_log, **KEYS)
        return log, log.dfg(), log.variants()

    log, edges, variants = benchmark(pipeline)
    assert edges["frequency"].sum() == log.n_events - log.n_cases
    assert variants["frequency"].sum() == log.n_cases
    benchmark.extra_info["events"] = log.n_events


def test_pm4py_pipeline(benchmark, journey_log: Path, built_log: engine.EventLog) -> None:
    """pm4py on the same file: format_dataframe, discover_dfg, performance DFG, variants."""
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

    dfg, variants = benchmark.pedantic(pipeline, rounds=3, iterations=1, warmup_rounds=0)
    assert sum(dfg.values()) == built_log.n_events - built_log.n_cases
    assert len(variants) == len(built_log.variants())
    benchmark.extra_info["events"] = built_log.n_events


def test_journey_layer_on_a_built_log(benchmark, journey_log: Path, warm: None) -> None:
    """Stages, transitions, funnel, time to convert, bottlenecks and actions, segments,
    channels and satisfaction on a built log (the target: at most twice DFG + variants)."""
    log = engine.read_log(journey_log, **KEYS, attributes=["segment", "channel", "csat"])

    def layer():
        log._cache.clear()
        journey = log.journey()
        return (
            journey.stages(),
            journey.transitions(),
            journey.funnel(),
            journey.time_to_convert(),
            journey.actions(),
            journey.segments("segment"),
            journey.channels("channel"),
            journey.satisfaction("csat"),
        )

    stages, _, funnel, km, actions, segments, channels, _ = benchmark(layer)
    assert funnel["reached"].iloc[0] == (stages["open_visits"].sum())
    assert segments["journeys"].sum() == log.n_cases
    assert channels.mix["journeys"].sum() == log.n_cases
    assert len(actions) > 0 and km["conversion"].is_monotonic_increasing
    benchmark.extra_info["events"] = log.n_events
