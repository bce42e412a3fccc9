"""Segments with statistical confidence: conversion per value of a case attribute.

A case's segment is the attribute's value at its first event (the channel of first
contact, a customer segment, ...), or the period its journey started in. Missing values
form their own segment, "(missing)": nothing is dropped. Each segment is compared with
the rest of the journeys by a two-proportion test; with several segments the p-values
are adjusted with Holm's method. Segments too small for a conclusion are flagged: fewer
than `min_journeys` journeys, or fewer than 5 conversions or 5 non-conversions (where
the normal approximations behind the interval and the test are poor).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..kernels.grouping import group_values, tally
from ..kernels.stats import MEDIAN, group_order_stats
from .conversion import Conversions
from .stats import holm, two_proportion_test, wilson_interval

MISSING = "(missing)"
SEGMENT_COLUMNS = (
    "segment",
    "journeys",
    "converted",
    "conversion_rate",
    "rate_low",
    "rate_high",
    "rest_rate",
    "difference",
    "p_value",
    "p_adjusted",
    "significant",
    "median_time_to_convert_s",
    "too_small",
)


def segment_table(
    codes: np.ndarray,
    names: np.ndarray,
    conversions: Conversions,
    *,
    confidence: float = 0.95,
    min_journeys: int = 30,
) -> pd.DataFrame:
    """One row per segment (SEGMENT_COLUMNS), largest first. `codes`: one per case,
    indexing `names` (-1: missing), as columns.category_codes gives them."""
    if (codes < 0).any():  # missing values are a segment of their own, never dropped
        codes = np.where(codes < 0, len(names), codes).astype(np.int32)
        names = np.append(names, MISSING)
    n_groups = len(names)
    converted = conversions.converted
    journeys, wins = tally(codes, converted, n_groups)
    grouped, offsets = group_values(
        conversions.elapsed[converted], codes[converted].astype(np.int64), n_groups
    )
    medians = group_order_stats(grouped, offsets)[MEDIAN]
    return segment_frame(
        names, journeys, wins, medians, confidence=confidence, min_journeys=min_journeys
    )


def segment_frame(
    names: np.ndarray,
    journeys: np.ndarray,
    wins: np.ndarray,
    medians: np.ndarray,
    *,
    confidence: float = 0.95,
    min_journeys: int = 30,
) -> pd.DataFrame:
    """SEGMENT_COLUMNS from each segment's journeys, conversions and median time to
    convert (s), largest segment first; segments without journeys (a category no
    journey starts in) are left out."""
    kept = np.flatnonzero(np.asarray(journeys) > 0)
    names, medians = np.asarray(names, dtype=object)[kept], np.asarray(medians)[kept]
    journeys = np.asarray(journeys, dtype=np.int64)[kept]
    wins = np.asarray(wins, dtype=np.int64)[kept]
    n_groups = len(names)
    total, total_wins = int(journeys.sum()), int(wins.sum())
    rate = wins / journeys
    low, high = wilson_interval(wins, journeys, confidence=confidence)
    rest_n, rest_k = total - journeys, total_wins - wins
    with np.errstate(divide="ignore", invalid="ignore"):
        rest_rate = np.where(rest_n > 0, rest_k / rest_n, np.nan)
    _, p = two_proportion_test(wins, journeys, rest_k, rest_n)
    adjusted = holm(p) if n_groups > 1 else p
    too_small = (journeys < min_journeys) | (wins < 5) | (journeys - wins < 5)
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
        }
    )
    return frame.sort_values(["journeys", "segment"], ascending=[False, True]).reset_index(
        drop=True
    )
