"""Satisfaction overlay: scores (CSAT 1–5, NPS 0–10, sentiment −1..1) per touchpoint and
per stage, with confidence intervals, and whether low scores at a stage go with abandoning.

A score is an event attribute, missing where nobody answered. Means come with a normal
interval (mean ± z·sd/√n; flagged `too_small` under 30 answers, where it is rough).
A journey has a low score at a stage when its lowest answer there is low: CSAT 2 or less,
NPS 6 or less (detractors), sentiment below 0; the scale is read from the scores' range
unless given. Per stage, the abandonment rate (not converted) of journeys with a low score
is compared with that of journeys that answered there without a low score (two-proportion
test, Holm-adjusted across stages).

A reduction (engine.figures): `chunk` sums one part's answers against the whole log's
touchpoints, `combine` adds parts up, `finalize` builds the table; the scale, when not
given, comes from a first round over the parts (the scores' range).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..errors import InputError
from ..journey.stats import holm, two_proportion_test, z_value
from ..kernels.satisfaction import score_summary
from ..schema import BOOL, FLOAT, INT, TEXT, table_schema
from .context import (
    JourneySpec,
    Reduce,
    event_scores,
    global_codes,
    kept_columns,
    part_conversions,
    sum_parts,
)

if TYPE_CHECKING:
    from ..log.eventlog import EventLog

#: scale: (lowest value, highest value, a score at or below this is low)
SCALES = {"csat": (1.0, 5.0, 2.0), "nps": (0.0, 10.0, 6.0), "sentiment": (-1.0, 1.0, -1e-12)}
SATISFACTION_SCHEMA = table_schema(
    level=TEXT,
    name=TEXT,
    stage=TEXT,
    answers=INT,
    mean_score=FLOAT,
    score_low=FLOAT,
    score_high=FLOAT,
    share_low=FLOAT,
    too_small=BOOL,
    journeys_low=INT,
    abandon_rate_low=FLOAT,
    journeys_not_low=INT,
    abandon_rate_not_low=FLOAT,
    difference=FLOAT,
    p_value=FLOAT,
    p_adjusted=FLOAT,
)
SATISFACTION_COLUMNS = tuple(SATISFACTION_SCHEMA.names)


def score_range(part: EventLog, column: str) -> tuple[float, float]:
    """The chunk of the scale's round: the part's lowest and highest score (NaN, NaN
    without one). fmin and fmax skip NaN, as nanmin and nanmax do, without their copies."""
    scores = event_scores(part, column)
    if not scores.size:
        return float("nan"), float("nan")
    return float(np.fmin.reduce(scores)), float(np.fmax.reduce(scores))


def widest_range(found: list[tuple[float, float]]) -> tuple[float, float]:
    """The combine of the scale's round."""
    return float(np.fmin.reduce([p[0] for p in found])), float(
        np.fmax.reduce([p[1] for p in found])
    )


def infer_scale(lo: float, hi: float, name: str) -> str:
    """The scale whose range holds [lo, hi]: sentiment, then CSAT, then NPS."""
    if np.isnan(lo):
        raise InputError(f"score column '{name}' has no values; map another column")
    for scale in ("sentiment", "csat", "nps"):
        low, high, _ = SCALES[scale]
        if low <= lo and hi <= high:
            return scale
    raise InputError(
        f"score column '{name}' ranges from {lo:g} to {hi:g}, which fits none of CSAT (1-5), "
        "NPS (0-10) or sentiment (-1..1); rescale it or pass scale="
    )


def chunk(part: EventLog, spec: JourneySpec, column: str, threshold: float) -> tuple:
    """One part's answers, sums of scores and squares, low answers per touchpoint (codes
    of the whole log's alphabet) and per stage, and the journeys with a low score per
    stage against abandoning: kernels.satisfaction.score_summary's arrays, flattened."""
    conversions = part_conversions(part, spec.model, spec.window_end)
    by_touchpoint, by_stage, outcomes = score_summary(
        event_scores(part, column),
        global_codes(part, spec.names),
        spec.stage_of_activity(),
        part.case_offsets,
        threshold,
        ~conversions.converted,
        spec.n_stages,
    )
    return (*by_touchpoint, *by_stage, *outcomes)


#: Parts of disjoint journeys added up (float sums up to rounding).
combine = sum_parts


def satisfaction_table(
    reduce: Reduce,
    spec: JourneySpec,
    column: str,
    *,
    scale: str | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """SATISFACTION_COLUMNS of the log whose parts `reduce` runs over: the scale's round
    (when `scale` is None), then the sums' round."""
    if scale is not None and scale not in SCALES:
        raise InputError(f"scale must be one of {', '.join(SCALES)}; got {scale!r}")
    with kept_columns(reduce, column):
        if scale is None:
            found = reduce(score_range, widest_range, column)
            scale = infer_scale(*(found or (float("nan"),) * 2), column)
        sums = reduce(chunk, combine, spec, column, SCALES[scale][2])
    if sums is None:
        raise InputError(f"score column '{column}' has no values; map another column")
    return finalize(sums, spec, confidence=confidence)


def finalize(sums: tuple, spec: JourneySpec, *, confidence: float = 0.95) -> pd.DataFrame:
    """Rows per touchpoint and per stage (SATISFACTION_COLUMNS) from the summed chunks."""
    by_touchpoint, by_stage, outcomes = sums[:4], sums[4:8], sums[8:]
    stages = spec.model.stages
    stage_of_activity = spec.stage_of_activity()
    z = z_value(confidence)
    stage_names = np.asarray(stages, dtype=object)

    def describe(moments: tuple[np.ndarray, ...]) -> dict[str, np.ndarray]:
        n, total, squares, low = moments
        with np.errstate(divide="ignore", invalid="ignore"):
            mean = total / n
            variance = (squares - n * mean * mean) / (n - 1)
            half = z * np.sqrt(np.maximum(variance, 0.0) / n)
        half = np.where(n > 1, half, np.nan)
        return {
            "answers": n,
            "mean_score": mean,
            "score_low": mean - half,
            "score_high": mean + half,
            "share_low": low / np.where(n > 0, n, np.nan),
            "too_small": n < 30,
        }

    touchpoint_stage = np.array(
        [stages[s] if s >= 0 else "" for s in stage_of_activity], dtype=object
    )
    rows_t = pd.DataFrame(
        {
            "level": "touchpoint",
            "name": spec.names,
            "stage": touchpoint_stage,
            **describe(by_touchpoint),
        }
    )
    rows_t = rows_t[rows_t["answers"] > 0]

    n_low, k_low, n_not, k_not = outcomes
    _, p = two_proportion_test(k_low, n_low, k_not, n_not)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate_low = np.where(n_low > 0, k_low / n_low, np.nan)
        rate_not = np.where(n_not > 0, k_not / n_not, np.nan)
    rows_s = pd.DataFrame(
        {
            "level": "stage",
            "name": stage_names,
            "stage": stage_names,
            **describe(by_stage),
            "journeys_low": n_low.astype(np.int64),
            "abandon_rate_low": rate_low,
            "journeys_not_low": n_not.astype(np.int64),
            "abandon_rate_not_low": rate_not,
            "difference": rate_low - rate_not,
            "p_value": p,
            "p_adjusted": holm(p),
        }
    )
    frame = pd.concat([rows_s, rows_t], ignore_index=True)
    for column in ("journeys_low", "journeys_not_low"):
        frame[column] = frame[column].astype("Int64")
    return frame[list(SATISFACTION_COLUMNS)].astype({"name": "str", "stage": "str", "level": "str"})
