"""Throughput of the Dask backend on a local cluster of two worker processes: read,
shuffle by case, build and count every partition, merge, and the DFG, variants and
activities tables. `benchmarks/dask_scaling.py` compares 1 to N workers."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

import engine
from engine.datasets.synthetic import KEYS

distributed = pytest.importorskip("distributed", reason="the dask backend: pip install '.[dask]'")


@pytest.fixture(scope="module")
def cluster_client():
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    with distributed.Client(cluster) as client:
        yield client
    cluster.close()


@pytest.mark.benchmark(group="dask")
def test_dask_read_dfg_and_variants(measure, journey_log: Path, cluster_client) -> None:
    events = pq.ParquetFile(journey_log).metadata.num_rows

    def pipeline():
        log = engine.read_log(journey_log, **KEYS, backend="dask")
        return log, log.dfg(), log.variants(), log.activities()

    log, edges, variants, activities = measure(pipeline, events=events, rounds=3)
    assert log.n_events == events
    assert edges["frequency"].sum() == events - log.n_cases
    assert variants["frequency"].sum() == log.n_cases
    assert activities["frequency"].sum() == events


@pytest.mark.benchmark(group="dask")
def test_dask_journey_layer(measure, journey_log: Path, cluster_client) -> None:
    """Read, then the journey layer on the partitions: stages, funnel, bottlenecks and
    actions, time to convert, segments by a case attribute."""
    events = pq.ParquetFile(journey_log).metadata.num_rows
    model = engine.JourneyModel.default()

    def pipeline():
        log = engine.read_log(journey_log, **KEYS, backend="dask", attributes=["segment"])
        journey = log.journey(model)
        tables = (
            journey.stages(),
            journey.funnel(),
            journey.actions(),
            journey.time_to_convert(),
            journey.segments("segment"),
        )
        return log, tables

    log, (stages, funnel, actions, km, segments) = measure(pipeline, events=events, rounds=3)
    assert funnel["reached"].iloc[0] <= log.n_cases
    assert stages["visits"].sum() >= funnel["reached"].iloc[0]
    assert len(actions) > 0
    assert km["converted"].sum() == log.journey(model).conversion_summary()["converted"]
    assert segments["journeys"].sum() == log.n_cases
