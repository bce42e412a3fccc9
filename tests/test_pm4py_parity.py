"""Parity with pm4py on every real log: counts exact, durations within 1e-9 relative.

pm4py is the oracle, called as its documentation says: after format_dataframe, on a copy,
with nanosecond timestamps and plain-string columns (see DESIGN.md's pm4py pitfalls).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import engine
from engine.io import read_table
from tests.real_logs import BY_NAME, LOGS, RealLog

pm4py = pytest.importorskip("pm4py")

PM4PY_KEYS = ("case:concept:name", "concept:name", "time:timestamp")


def pm4py_frame(real: RealLog) -> pd.DataFrame:
    """The log as pm4py expects it, read independently of the engine where possible."""
    keys = real.keys
    columns = [keys["case"], keys["activity"], keys["timestamp"]]
    if ".csv" in real.name:
        df = pd.read_csv(real.path, usecols=columns, keep_default_na=False, dtype=str)
        if real.options.get("timestamp_unit"):
            ts = pd.to_datetime(
                df[keys["timestamp"]].astype("int64"), unit=real.options["timestamp_unit"], utc=True
            )
        else:
            ts = pd.to_datetime(df[keys["timestamp"]], format="ISO8601", utc=True)
    else:
        df = read_table(real.path, columns=columns)
        ts = df[keys["timestamp"]]
    frame = pd.DataFrame(
        {
            "case": df[keys["case"]].astype(str).astype(object),
            "activity": df[keys["activity"]].astype(str).astype(object),
            "ts": ts.astype("datetime64[ns, UTC]"),
        }
    )
    return pm4py.format_dataframe(
        frame, case_id="case", activity_key="activity", timestamp_key="ts"
    )


@pytest.fixture(scope="module")
def results():
    """pm4py's and the engine's results per log, computed once per log."""
    cache: dict[str, tuple] = {}

    def get(real: RealLog):
        if real.name not in cache:
            real.require()
            log = engine.read_log(real.path, **real.keys, **real.options)
            formatted = pm4py_frame(real)
            oracle = {
                "dfg": pm4py.discover_dfg(formatted),
                "performance": pm4py.discover_performance_dfg(formatted),
                "variants": pm4py.get_variants(formatted),
                "durations": pm4py.get_all_case_durations(formatted),
            }
            cache[real.name] = (log, oracle)
        return cache[real.name]

    return get


@pytest.mark.parametrize("real", LOGS, ids=[r.name for r in LOGS])
def test_published_counts(real, results):
    log, _ = results(real)
    assert (log.n_events, log.n_cases, log.n_activities) == (
        real.events,
        real.cases,
        real.activities,
    )
    assert log.dropped.total == 0


@pytest.mark.parametrize("real", LOGS, ids=[r.name for r in LOGS])
def test_dfg_equals_pm4py(real, results):
    log, oracle = results(real)
    dfg, start, end = oracle["dfg"]
    got_dfg, got_start, got_end = log.pm4py.dfg()
    assert got_dfg == dict(dfg)
    assert got_start == dict(start)
    assert got_end == dict(end)


@pytest.mark.parametrize("real", LOGS, ids=[r.name for r in LOGS])
def test_performance_dfg_equals_pm4py(real, results):
    """The same shape as pm4py's, (performance dfg, start activities, end activities),
    and the same figures."""
    log, oracle = results(real)
    want, want_start, want_end = oracle["performance"]
    result = log.pm4py.performance_dfg()
    assert isinstance(result, tuple) and len(result) == 3
    got, got_start, got_end = result
    assert (got_start, got_end) == (dict(want_start), dict(want_end))
    assert set(got) == set(want)
    for edge, stats in want.items():
        for key in ("mean", "median", "max", "min", "sum", "stdev"):
            a, b = got[edge][key], float(stats[key])
            if math.isnan(b):
                assert math.isnan(a), (edge, key)
            else:
                assert a == pytest.approx(b, rel=1e-9, abs=1e-9), (edge, key)


@pytest.mark.parametrize("real", LOGS, ids=[r.name for r in LOGS])
def test_variants_equal_pm4py(real, results):
    log, oracle = results(real)
    want = {tuple(k): (v if isinstance(v, int) else len(v)) for k, v in oracle["variants"].items()}
    assert log.pm4py.variants() == want
    assert log.summary()["variants"] == len(want)


@pytest.mark.parametrize("real", LOGS, ids=[r.name for r in LOGS])
def test_case_durations_equal_pm4py(real, results):
    log, oracle = results(real)
    np.testing.assert_allclose(
        np.sort(log.case_durations().to_numpy()),
        np.sort(np.asarray(oracle["durations"], dtype=float)),
        rtol=1e-12,
    )


def test_hospital_billing_keeps_the_case_called_NA():
    """SOURCES.md: one case id is the text 'NA'; it must not become a missing value."""
    real = BY_NAME["HospitalBilling_first10k_cases.csv.gz"]
    real.require()
    log = engine.read_log(real.path)
    assert "NA" in set(log.case_ids)
    assert log.n_cases == 10_000


def test_start_timestamps_match_pm4py_waiting_times():
    """BPIC 2012 work items, start and complete paired by pm4py into one interval event."""
    real = BY_NAME["BPIC2012_W_start_complete.xes.gz"]
    real.require()
    from pm4py.objects.log.util import interval_lifecycle

    raw = read_table(real.path, columns=[*PM4PY_KEYS, "lifecycle:transition"])
    raw["time:timestamp"] = raw["time:timestamp"].astype("datetime64[ns, UTC]")
    formatted = pm4py.format_dataframe(raw.copy())
    intervals = pm4py.convert_to_dataframe(
        interval_lifecycle.to_interval(pm4py.convert_to_event_log(formatted))
    )
    frame = intervals[[*PM4PY_KEYS, "start_timestamp"]].copy()
    for col in ("time:timestamp", "start_timestamp"):
        frame[col] = frame[col].astype("datetime64[ns, UTC]")
    for col in PM4PY_KEYS[:2]:
        frame[col] = frame[col].astype(str).astype(object)
    oracle_input = pm4py.format_dataframe(frame.copy(), start_timestamp_key="start_timestamp")
    want = pm4py.discover_performance_dfg(oracle_input)[0]

    log = engine.read_log(frame, start_timestamp="start_timestamp")
    assert log.n_events == 59_302
    got = log.pm4py.performance_dfg()[0]
    assert set(got) == set(want)
    for edge, stats in want.items():
        for key in ("mean", "median", "max", "min", "stdev"):
            b = float(stats[key])
            assert got[edge][key] == pytest.approx(b, rel=1e-9, abs=1e-9, nan_ok=True), (edge, key)
