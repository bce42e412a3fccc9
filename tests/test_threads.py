"""The compiled kernels give the same results, bit for bit, on one thread or on all: the
parallel kernels keep thread-local buffers and merge them in a fixed order."""

from __future__ import annotations

import numba
import pandas as pd
import pytest

import engine
from engine.datasets.synthetic import generate

KEYS = {"case": "customer_id", "activity": "touchpoint", "timestamp": "ts"}


def _everything(frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
    log = engine.read_log(frame, **KEYS, attributes=["channel", "segment", "csat"])
    journey = log.journey()
    channels = journey.channels("channel")
    return {
        "dfg": log.dfg(),
        "variants": log.variants(),
        "activities": log.activities(),
        "cases": log.cases(),
        "stages": journey.stages(),
        "transitions": journey.transitions(),
        "funnel": journey.funnel(),
        "time_to_convert": journey.time_to_convert(),
        "bottlenecks": journey.bottlenecks(),
        "bottlenecks_by_channel": journey.bottlenecks(channel="channel"),
        "segments": journey.segments("segment"),
        "channel_switches": channels.switches,
        "channel_mix": channels.mix,
        "satisfaction": journey.satisfaction("csat"),
    }


@pytest.mark.skipif(numba.config.NUMBA_NUM_THREADS < 2, reason="needs at least 2 cores")
def test_one_thread_and_all_threads_give_identical_results():
    frame = generate(40_000, seed=21)
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        single = _everything(frame)
        numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
        parallel = _everything(frame)
    finally:
        numba.set_num_threads(before)
    for name, table in single.items():
        pd.testing.assert_frame_equal(parallel[name], table, check_exact=True, obj=name)
