"""Slices on a built log (issue targets on the 5M-event log, 2 cores): a case filter under
50 ms, a sessionization under 0.3 s, an analysis of a slice no dearer than the same
analysis of a log of that size read afresh, a comparison of two halves under 2 s."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

import engine
from engine.datasets.synthetic import KEYS


@pytest.mark.benchmark(group="slices")
def test_case_filter(measure, built_log: engine.EventLog) -> None:
    """log.filter.contains: the journeys with a touchpoint, laid out as a log."""
    sliced = measure(lambda: built_log.filter.contains("call_center"), events=built_log.n_events)
    assert 0 < sliced.n_cases < built_log.n_cases


@pytest.mark.benchmark(group="slices")
def test_attribute_filter(measure, built_log: engine.EventLog) -> None:
    """log.filter.where on a dictionary-encoded segment at each journey's first event."""
    sliced = measure(lambda: built_log.filter.where("segment == 'new'"), events=built_log.n_events)
    assert 0 < sliced.n_cases < built_log.n_cases


@pytest.mark.benchmark(group="slices")
def test_sessions(measure, built_log: engine.EventLog) -> None:
    """log.sessions('30min'): every journey split at half-hour gaps."""
    assert len(built_log.case_ids) == built_log.n_cases  # decoded once, before timing
    split = measure(lambda: built_log.sessions("30min"), events=built_log.n_events)
    assert split.n_cases >= built_log.n_cases and split.n_events == built_log.n_events


@pytest.mark.benchmark(group="slices")
def test_dfg_and_variants_of_a_slice(measure, built_log: engine.EventLog) -> None:
    """The analysis of a slice (half the journeys), to set beside the same analysis of a
    log of that size read afresh (test_dfg_and_variants_of_a_log_that_size)."""
    half = built_log.filter.where("segment == 'new' or segment == 'business'")

    def analyses():
        half._cache.clear()
        return half.dfg(), half.variants()

    edges, variants = measure(analyses, events=half.n_events)
    assert variants["frequency"].sum() == half.n_cases
    assert edges["frequency"].sum() == half.n_events - half.n_cases


@pytest.mark.benchmark(group="slices")
def test_dfg_and_variants_of_a_log_that_size(
    measure, built_log: engine.EventLog, journey_log: Path, tmp_path: Path
) -> None:
    half = built_log.filter.where("segment == 'new' or segment == 'business'")
    table = pq.read_table(journey_log)
    rows = table.filter(engine_segment_mask(table))
    path = tmp_path / "half.parquet"
    pq.write_table(rows, path)
    fresh = engine.read_log(path, **KEYS)
    assert fresh.n_cases == half.n_cases

    def analyses():
        fresh._cache.clear()
        return fresh.dfg(), fresh.variants()

    measure(analyses, events=fresh.n_events)


def engine_segment_mask(table):
    """The rows of journeys whose segment is new or business (one segment per journey)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    return pc.is_in(pc.cast(table["segment"], pa.string()), value_set=pa.array(["new", "business"]))


@pytest.mark.benchmark(group="slices")
def test_compare_two_halves(measure, built_log: engine.EventLog) -> None:
    """engine.compare of new against other journeys: edges, variants, funnel, conversion,
    stage dwell."""
    model = engine.JourneyModel.default()
    new = built_log.filter.attribute("segment", ["new"])
    rest = built_log.filter.attribute("segment", ["new"], keep=False)

    def compare():
        new._cache.clear()
        rest._cache.clear()
        return engine.compare(new, rest, model)

    table = measure(compare, events=built_log.n_events)
    assert set(table["table"]) >= {"edge", "conversion", "stage_dwell"}
