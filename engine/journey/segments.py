"""Segments with statistical confidence: conversion per value of a case attribute.

A case's segment is the attribute's value at its first event (the channel of first
contact, a customer segment, ...), or the period its journey started in. Missing values
form their own segment, "(missing)": nothing is dropped. Each segment is compared with
the rest of the journeys by a two-proportion test; with several segments the p-values
are adjusted with Holm's method over the segments large enough to test. Segments too
small for a conclusion are flagged and left out of the adjustment: fewer than
`min_journeys` journeys, or fewer than 5 conversions or 5 non-conversions (where the
normal approximations behind the interval and the test are poor).

Journeys of different ages are compared at a common *horizon*: with one, a journey
counts when it has been observed for the whole horizon (it started at least that long
before the end of the log), and converts when it converted within it. A segment some of
whose journeys are too young for that is flagged `too_recent`; its rate rests on the
others. Periods use a horizon by default (the 90th percentile of the time to convert of
converted journeys), since the latest periods' journeys have had less time to convert.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..errors import InputError
from ..schema import BOOL, FLOAT, INT, TEXT, table_schema
from .columns import category_codes
from .conversion import Conversions
from .stats import holm, two_proportion_test, wilson_interval

if TYPE_CHECKING:
    from ..log.eventlog import EventLog

MISSING = "(missing)"
SEGMENT_SCHEMA = table_schema(
    segment=TEXT,
    journeys=INT,
    converted=INT,
    conversion_rate=FLOAT,
    rate_low=FLOAT,
    rate_high=FLOAT,
    rest_rate=FLOAT,
    difference=FLOAT,
    p_value=FLOAT,
    p_adjusted=FLOAT,
    significant=BOOL,
    median_time_to_convert_s=FLOAT,
    too_small=BOOL,
    followed=INT,
    horizon_s=FLOAT,
    too_recent=BOOL,
)
SEGMENT_COLUMNS = tuple(SEGMENT_SCHEMA.names)


def horizon_outcomes(
    conversions: Conversions, horizon_ns: int | None
) -> tuple[np.ndarray | None, np.ndarray]:
    """(journeys observed for the whole horizon, None without one; journeys converted
    within it among those)."""
    if horizon_ns is None:
        return None, conversions.converted
    followed = conversions.observed >= horizon_ns
    return followed, followed & conversions.converted & (conversions.elapsed <= horizon_ns)


def segments_from_counts(
    names: np.ndarray,
    journeys: np.ndarray,
    wins: np.ndarray,
    medians: np.ndarray,
    *,
    followed: np.ndarray | None = None,
    horizon_s: float = np.nan,
    confidence: float = 0.95,
    min_journeys: int = 30,
) -> pd.DataFrame:
    """SEGMENT_COLUMNS from each segment's journeys, conversions (within the horizon,
    among the `followed` journeys: all of them without a horizon) and median time to
    convert (s), largest segment first; segments without journeys (a category no
    journey starts in) are left out."""
    kept = np.flatnonzero(np.asarray(journeys) > 0)
    names, medians = np.asarray(names, dtype=object)[kept], np.asarray(medians)[kept]
    journeys = np.asarray(journeys, dtype=np.int64)[kept]
    wins = np.asarray(wins, dtype=np.int64)[kept]
    n = journeys if followed is None else np.asarray(followed, dtype=np.int64)[kept]
    total, total_wins = int(n.sum()), int(wins.sum())
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(n > 0, wins / n, np.nan)
    low, high = wilson_interval(wins, n, confidence=confidence)
    rest_n, rest_k = total - n, total_wins - wins
    with np.errstate(divide="ignore", invalid="ignore"):
        rest_rate = np.where(rest_n > 0, rest_k / rest_n, np.nan)
    _, p = two_proportion_test(wins, n, rest_k, rest_n)
    too_small = (n < min_journeys) | (wins < 5) | (n - wins < 5)
    adjusted = holm(np.where(too_small, np.nan, p))  # the family: segments fit to test
    frame = pd.DataFrame(
        {
            "segment": pd.Series(names, dtype="str"),
            "journeys": journeys.astype(np.int64),
            "converted": wins,
            "conversion_rate": rate,
            "rate_low": low,
            "rate_high": high,
            "rest_rate": rest_rate,
            "difference": rate - rest_rate,
            "p_value": p,
            "p_adjusted": adjusted,
            "significant": (adjusted < 1 - confidence) & ~too_small,
            "median_time_to_convert_s": medians,
            "too_small": too_small,
            "followed": n,
            "horizon_s": np.full(len(names), horizon_s, dtype=float),
            "too_recent": n < journeys,
        }
    )
    return frame.sort_values(["journeys", "segment"], ascending=[False, True]).reset_index(
        drop=True
    )


def horizon_nanoseconds(
    horizon: str | pd.Timedelta | None, period: str | None, summary: Callable[[], dict]
) -> int | None:
    """The horizon of `segments` in ns (None: none); `summary()` gives the conversion
    summary whose 90th percentile of time to convert is the "auto" horizon of periods."""
    if horizon is None or (isinstance(horizon, str) and horizon == "auto" and period is None):
        return None
    if isinstance(horizon, str) and horizon == "auto":
        p90 = summary()["time_to_convert_p90_s"]
        return int(np.ceil(p90 * 1e9)) if np.isfinite(p90) and p90 > 0 else None
    from ..durations import duration_ns

    return duration_ns(horizon, "horizon", seconds=False)


def case_segments(
    log: EventLog, values: pd.Series | None, period: str | None
) -> tuple[np.ndarray, np.ndarray]:
    """(segment code per case, -1 where missing; segment names): `values`' value at each
    case's first event, or with `period` ('D', 'W', 'M', 'Q', 'Y') the period the case
    began in."""
    first_events = log.case_offsets[:-1]
    if values is not None:
        return category_codes(values, first_events)
    started = pd.to_datetime(log.timestamp[first_events], utc=True)
    try:
        periods = started.tz_localize(None).to_period(period).astype(str)
    except ValueError:
        raise InputError(
            f"period must be a pandas period such as 'D', 'W', 'M', 'Q' or 'Y'; got {period!r}"
        ) from None
    return category_codes(pd.Series(periods))
