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
