"""Comparisons of the journey tables from merged partial results (engine.figures on parts,
the Dask path) with the exact single-machine Journey: counts equal, sums and means to
float rounding, quantiles within the sketches' 0.5 %, and the Kaplan–Meier table equal
to the textbook estimate on the sketch buckets' times."""

from __future__ import annotations

import numpy as np
import pandas as pd

from engine.kernels.sketch import ALPHA, bucket_column, column_values
from tests import reference
from tests.partial_checks import assert_within_sketch_error

QUANTILES = ("median_s", "p90_s")


def assert_same_journey(got, want, *, segments=(), periods=(), exact=True) -> None:
    """got: the Journey of a log given as parts; want: the Journey of the whole log. With
    `exact`, the medians and p90 must be equal (the two-round selection); else within
    0.5 %."""

    def same(a: pd.DataFrame, b: pd.DataFrame, sketched: tuple[str, ...]) -> None:
        _same(a, b, () if exact else sketched)

    same(got.stages(), want.stages(), QUANTILES)
    same(got.transitions(), want.transitions(), ("median_s",))
    pd.testing.assert_frame_equal(got.funnel(), want.funnel())
    pd.testing.assert_frame_equal(got.unmapped(), want.unmapped())
    pd.testing.assert_frame_equal(got.dwell_histogram(), want.dwell_histogram())
    same(got.variant_outcomes(), want.variant_outcomes(), ("median_duration_s",))
    same(got.bottlenecks(), want.bottlenecks(), QUANTILES)
    same(got.actions(), want.actions(), ("median_wait_s", "action"))
    for column in segments:
        same(got.segments(column), want.segments(column), ("median_time_to_convert_s",))
    for period in periods:
        same(
            got.segments(period=period),
            want.segments(period=period),
            ("median_time_to_convert_s",),
        )
    assert_same_conversions(got, want, exact=exact)
    assert set(got.quantiles.values()) == {"exact" if exact else "sketch"}


def assert_same_conversions(got, want, *, exact=True) -> None:
    g, w = got.conversion_summary(), want.conversion_summary()
    assert g.keys() == w.keys()
    sketched = {"time_to_convert_median_s", "time_to_convert_p90_s", "km_median_time_to_convert_s"}
    for key in g.keys() - sketched:
        np.testing.assert_allclose(g[key], w[key], rtol=1e-12, err_msg=key)
    for key in sketched - {"km_median_time_to_convert_s"}:
        if exact:  # numpy.quantile here, the stats kernels' formula there: float rounding
            np.testing.assert_allclose(g[key], w[key], rtol=1e-12, err_msg=key)
        else:
            assert_within_sketch_error(pd.Series([g[key]]), pd.Series([w[key]]), key)
    # The Kaplan–Meier table is the textbook estimate on the sketch buckets' times ...
    c = want.conversions
    durations = np.where(c.converted, c.elapsed, c.observed)
    bucketed = column_values(np.array([bucket_column(d) for d in durations], dtype=np.int64))
    textbook = reference.kaplan_meier(bucketed, c.converted)
    km = got.time_to_convert()
    if not c.converted.any():
        assert km["converted"].tolist() == [0] and km["censored"].tolist() == [len(durations)]
        return
    rows = textbook[textbook["converted"] > 0]
    np.testing.assert_allclose(km["time_s"], rows["time"] / 1e9, rtol=1e-12)
    for column in ("at_risk", "converted"):
        np.testing.assert_array_equal(km[column], rows[column], err_msg=column)
    np.testing.assert_allclose(km["conversion"], 1 - rows["survival"], atol=1e-12)
    # ... whose times are within 0.5 % of the exact conversion times they stand for.
    exact = c.elapsed[c.converted] / 1e9
    stand_for = bucketed[c.converted] / 1e9
    assert (np.abs(stand_for - exact) <= (ALPHA + 1e-9) * exact + 1e-12).all()
    exact_median = w["km_median_time_to_convert_s"]
    if np.isfinite(g["km_median_time_to_convert_s"]) and np.isfinite(exact_median):
        assert g["km_median_time_to_convert_s"] in set(km["time_s"])


def _same(got: pd.DataFrame, want: pd.DataFrame, sketched: tuple[str, ...]) -> None:
    assert list(got.columns) == list(want.columns)
    assert len(got) == len(want), (len(got), len(want))
    for column in got.columns:
        if column in sketched:
            continue
        g, w = got[column], want[column]
        if column in (*QUANTILES, "median_duration_s", "median_wait_s"):
            np.testing.assert_array_equal(g, w, err_msg=column)  # bit for bit
        elif pd.api.types.is_float_dtype(w.dtype):
            np.testing.assert_allclose(g, w, rtol=1e-9, atol=1e-9, equal_nan=True, err_msg=column)
        elif column == "variant":
            assert [tuple(v) for v in g] == [tuple(v) for v in w]
        else:
            pd.testing.assert_series_equal(g, w, check_names=False, obj=column)
    for column in sketched:
        if column != "action":
            assert_within_sketch_error(got[column], want[column], column)
