"""Comparisons of merged partial results (the Dask path's tables) with the exact
single-machine tables: counts equal, moments to float rounding, quantiles within the
sketches' documented 0.5 %."""

from __future__ import annotations

import numpy as np
import pandas as pd

from engine.kernels.sketch import ALPHA

#: The sketches' bound, plus float rounding.
QUANTILE_RTOL = ALPHA + 1e-9


def assert_within_sketch_error(got: pd.Series, want: pd.Series, what: str) -> None:
    """Relative error at most ALPHA (0.5 %); exact zeros stay zero."""
    got, want = got.to_numpy(float), want.to_numpy(float)
    assert np.array_equal(np.isnan(got), np.isnan(want)), what
    ok = ~np.isnan(want)
    error = np.abs(got[ok] - want[ok])
    assert (error <= QUANTILE_RTOL * np.abs(want[ok]) + 1e-12).all(), (what, error.max())


def assert_same_tables(got_log, want_log, *, exact: bool = False) -> None:
    """got_log (merged partials, e.g. a DaskEventLog) against an exact EventLog; with
    `exact`, medians and p90 equal bit for bit, else within the sketches' 0.5 %."""
    check = _assert_equal if exact else assert_within_sketch_error
    got, want = got_log.dfg(), want_log.dfg()
    pd.testing.assert_frame_equal(
        got[["source", "target", "frequency", "cases"]],
        want[["source", "target", "frequency", "cases"]],
    )
    for column in ("mean_s", "min_s", "max_s", "stdev_s"):
        np.testing.assert_allclose(got[column], want[column], rtol=1e-9, atol=1e-9, err_msg=column)
    check(got["median_s"], want["median_s"], "median_s")
    check(got["p90_s"], want["p90_s"], "p90_s")

    got, want = got_log.variants(), want_log.variants()
    assert [tuple(v) for v in got["variant"]] == [tuple(v) for v in want["variant"]]
    np.testing.assert_array_equal(got["frequency"], want["frequency"])
    np.testing.assert_allclose(got["share"], want["share"], rtol=1e-12)
    check(got["median_duration_s"], want["median_duration_s"], "variant")

    pd.testing.assert_frame_equal(got_log.activities(), want_log.activities())
    pd.testing.assert_series_equal(got_log.start_activities(), want_log.start_activities())
    pd.testing.assert_series_equal(got_log.end_activities(), want_log.end_activities())
    got, want = got_log.summary(), want_log.summary()
    for key in ("events", "cases", "activities", "variants", "edges", "dropped_rows"):
        assert got[key] == want[key], key
    for key in ("dropped_rows_by_reason", "first_timestamp", "last_timestamp", "timezone"):
        assert got[key] == want[key], key
    assert got.get("start_timestamp_missing") == want.get("start_timestamp_missing")


def _assert_equal(got: pd.Series, want: pd.Series, what: str) -> None:
    np.testing.assert_array_equal(got.to_numpy(float), want.to_numpy(float), err_msg=what)
