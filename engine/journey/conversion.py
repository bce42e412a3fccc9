"""Conversion: which journeys convert, how long it takes, and the Kaplan–Meier estimate.

A journey converts at its first event of the conversion activity, or its first event in
the conversion stage. Its time to convert runs from its first event. A journey that has
not converted by the end of the observation window (the last timestamp of the log) is
censored there: it may still convert, so it is not counted as lost. The Kaplan–Meier
estimate uses both; the plain distribution describes converted journeys only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..kernels.conversion import conversion_times, kaplan_meier, km_keys
from ..kernels.stats import NS_PER_S
from ..schema import FLOAT, INT, table_schema
from ..sorting import sort_in_parts
from .stats import loglog_band, wilson_interval

KM_SCHEMA = table_schema(
    time_s=FLOAT,
    at_risk=INT,
    converted=INT,
    censored=INT,
    conversion=FLOAT,
    conversion_low=FLOAT,
    conversion_high=FLOAT,
)
KM_COLUMNS = tuple(KM_SCHEMA.names)


@dataclass(frozen=True)
class Conversions:
    """Per case: converted or not, time to convert (ns), time observed (ns, to the window
    end), and the index of the converting event in the log (-1: none)."""

    converted: np.ndarray
    elapsed: np.ndarray
    observed: np.ndarray
    at_event: np.ndarray


def case_conversions(
    activity: np.ndarray,
    offsets: np.ndarray,
    timestamp: np.ndarray,
    converts: np.ndarray,
    window_end: int | None = None,
) -> Conversions:
    """`window_end` (ns): the end of observation, by default the log's last timestamp; a
    part of a larger log passes the whole log's."""
    if window_end is None:
        window_end = int(timestamp.max()) if timestamp.size else 0
    converted, elapsed, at_event, observed = conversion_times(
        activity, offsets, timestamp, converts, np.int64(window_end)
    )
    return Conversions(converted, elapsed, observed, at_event)


def late_conversions(conversions: Conversions, window: int) -> np.ndarray:
    """Per journey: converted, but later than `window` (ns after its start)."""
    return conversions.converted & (conversions.elapsed > window)


def within_window(conversions: Conversions, window: int | None) -> Conversions:
    """Conversions later than `window` (ns after a journey's start) do not count: the
    journey is then treated as not converted (observed to the end of the log)."""
    if window is None:
        return conversions
    late = late_conversions(conversions, window)
    if not late.any():
        return conversions
    return Conversions(
        converted=conversions.converted & ~late,
        elapsed=np.where(late, 0, conversions.elapsed),
        observed=conversions.observed,
        at_event=np.where(late, -1, conversions.at_event),
    )


def km_table(conversions: Conversions, *, confidence: float = 0.95) -> pd.DataFrame:
    """The Kaplan–Meier estimate of the share converted by each time (KM_COLUMNS): one row
    per time at which journeys convert. `at_risk` counts the journeys still unconverted
    and observed at that time; `censored` those that leave observation after it, before
    the next row's time (at_risk of a row = the previous row's at_risk − converted −
    censored). Without any conversion there is one row at 0 s, every journey censored."""
    # By duration; among equal ones conversions first: events precede censorings at a time.
    # Both go into one int64 key (durations stay far below 2**62 ns): a plain sort of the
    # keys, no permutation to apply.
    keys = km_keys(conversions.converted, conversions.elapsed, conversions.observed)
    sort_in_parts(keys)
    time, at_risk, events, censored, survival, greenwood = kaplan_meier(keys)
    return km_from_rows(
        time, at_risk, events, censored, survival, greenwood, len(keys), confidence=confidence
    )


def km_from_rows(
    time: np.ndarray,
    at_risk: np.ndarray,
    events: np.ndarray,
    censored: np.ndarray,
    survival: np.ndarray,
    greenwood: np.ndarray,
    n_journeys: int,
    *,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """The KM_COLUMNS table of kernels.conversion.kaplan_meier's rows (time in ns)."""
    if time.size == 0:
        return pd.DataFrame(
            {
                "time_s": [0.0],
                "at_risk": [n_journeys],
                "converted": [0],
                "censored": [n_journeys],
                "conversion": [0.0],
                "conversion_low": [0.0],
                "conversion_high": [0.0],
            }
        ).astype({"at_risk": np.int64, "converted": np.int64, "censored": np.int64})
    low, high = loglog_band(survival, greenwood, confidence=confidence)
    return pd.DataFrame(
        {
            "time_s": time / NS_PER_S,
            "at_risk": at_risk,
            "converted": events,
            "censored": censored,
            "conversion": 1.0 - survival,
            "conversion_low": 1.0 - high,
            "conversion_high": 1.0 - low,
        }
    )


def conversion_summary(
    conversions: Conversions, *, confidence: float = 0.95, km: pd.DataFrame | None = None
) -> dict[str, float]:
    """Journeys, conversions, the rate with its Wilson interval, the distribution of time
    to convert among converted journeys, and the Kaplan–Meier median (from `km`, the
    km_table of the same conversions and confidence, when the caller has it)."""
    n = int(conversions.converted.size)
    k = int(conversions.converted.sum())
    times = conversions.elapsed[conversions.converted] / NS_PER_S
    if k:
        spread = (times.mean(), np.median(times), np.quantile(times, 0.9), times.max())
    else:
        spread = (np.nan,) * 4
    if km is None:
        km = km_table(conversions, confidence=confidence)
    return summary_figures(n, k, *spread, km, confidence=confidence)


def summary_figures(
    n: int,
    k: int,
    mean_s: float,
    median_s: float,
    p90_s: float,
    max_s: float,
    km: pd.DataFrame,
    *,
    confidence: float = 0.95,
) -> dict[str, float]:
    """conversion_summary's dict from its figures: `n` journeys, `k` converted, the time
    to convert of converted ones, and the Kaplan–Meier table."""
    low, high = wilson_interval(k, n, confidence=confidence)
    median = km_median(km)
    return {
        "journeys": n,
        "converted": k,
        "conversion_rate": k / n if n else float("nan"),
        "conversion_rate_low": float(low),
        "conversion_rate_high": float(high),
        "time_to_convert_mean_s": float(mean_s),
        "time_to_convert_median_s": float(median_s),
        "time_to_convert_p90_s": float(p90_s),
        "time_to_convert_max_s": float(max_s),
        "km_median_time_to_convert_s": median,
    }


def km_median(km: pd.DataFrame) -> float:
    """The first time the Kaplan–Meier share converted reaches one half (NaN: never).

    Until the first censoring the curve is (conversions so far) / (journeys at risk at
    the first row), so it is compared in whole counts: a float product that lands on
    0.49999999999999623 must not make the median one row late. After a censoring the
    product of fractions is compared with a tolerance of 1e-12, far below any real
    difference at any log size."""
    converted = km["converted"].to_numpy(np.int64)
    if converted.sum() == 0:
        return float("nan")
    first_at_risk = int(km["at_risk"].iloc[0])
    censored_before = np.concatenate([[0], np.cumsum(km["censored"].to_numpy(np.int64))[:-1]])
    by_counts = 2 * np.cumsum(converted) >= first_at_risk
    by_product = km["conversion"].to_numpy() >= 0.5 - 1e-12
    reached = np.flatnonzero(np.where(censored_before == 0, by_counts, by_product))
    return float(km["time_s"].iloc[reached[0]]) if reached.size else float("nan")
