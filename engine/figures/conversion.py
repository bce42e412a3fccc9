"""Conversion: the rate with its interval, the time to convert of converted journeys, and
the Kaplan–Meier estimate of the share converted by each time (journey/conversion.py
defines them), as one reduction.

On one machine the chunk keeps each journey's conversion (the exact Kaplan–Meier table,
one row per conversion time). On parts it keeps mergeable moments and sketches of the
times: the time-to-convert statistics exact (medians and p90 where the second round is
feasible), and the Kaplan–Meier table on the sketches' buckets, its times within 0.5 %
of the exact ones (one row per bucket with conversions; journeys whose times share a
bucket count as tied). Every part is censored at the whole log's end of observation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..analysis.moments import Moments, combine_moments, empty_moments, moments_of
from ..journey.conversion import (
    Conversions,
    conversion_summary,
    km_from_rows,
    km_table,
    summary_figures,
)
from ..kernels.conversion import kaplan_meier_counted
from ..kernels.sketch import (
    SKETCH_WIDTH,
    column_values,
    count_entries,
    grouped_entries,
    merge_entries,
)
from ..kernels.stats import MAX, MEAN, MEDIAN, P90
from .context import JourneySpec, Reduce, part_conversions
from .quantiles import QuantileSource

if TYPE_CHECKING:
    from ..log.eventlog import EventLog


@dataclass
class ConversionPartial:
    """The journeys' conversions (one machine), or their mergeable summary (parts)."""

    n_cases: int
    conversions: Conversions | None  # one machine: per journey
    to_convert: Moments | None  # parts: one group, the converted journeys' times
    censored: tuple[np.ndarray, np.ndarray] | None  # parts: sketch of unconverted times


def chunk(part: EventLog, spec: JourneySpec, whole: bool) -> ConversionPartial:
    conversions = part_conversions(part, spec.model, spec.window_end)
    if whole:
        return ConversionPartial(part.n_cases, conversions, None, None)
    converted = conversions.converted
    n_converted = int(converted.sum())
    unconverted = conversions.observed[~converted]
    return ConversionPartial(
        n_cases=part.n_cases,
        conversions=None,
        to_convert=moments_of(
            conversions.elapsed[converted], np.array([0, n_converted]), np.array([n_converted])
        ),
        censored=count_entries(
            grouped_entries(unconverted, np.array([0, len(unconverted)], np.int64))
        ),
    )


def combine(parts: list[ConversionPartial | None]) -> ConversionPartial | None:
    return ConversionPartial(
        n_cases=sum(p.n_cases for p in parts),
        conversions=None,
        to_convert=combine_moments([p.to_convert for p in parts]),
        censored=merge_entries([p.censored[0] for p in parts], [p.censored[1] for p in parts]),
    )


def convert_times(part: EventLog, spec: JourneySpec) -> tuple[np.ndarray, np.ndarray]:
    """A part's times to convert (converted journeys), one group (the exact round)."""
    conversions = part_conversions(part, spec.model, spec.window_end)
    times = conversions.elapsed[conversions.converted]
    return times, np.array([0, len(times)], np.int64)


def conversion_partial(reduce: Reduce, spec: JourneySpec, whole: bool) -> ConversionPartial:
    """The conversion partial of the log whose parts `reduce` runs over."""
    partial = reduce(chunk, combine, spec, whole)
    if partial is not None:
        return partial
    none = np.zeros(0, np.int64)
    if whole:
        return ConversionPartial(0, Conversions(none.astype(bool), none, none, none), None, None)
    return ConversionPartial(0, None, empty_moments(1), (none, none))


def time_to_convert(partial: ConversionPartial, *, confidence: float = 0.95) -> pd.DataFrame:
    """KM_COLUMNS: exact on one machine, on the sketches' buckets on parts."""
    if partial.conversions is not None:
        return km_table(partial.conversions, confidence=confidence)
    converted, censored = partial.to_convert.sketch, partial.censored
    columns = np.union1d(converted[0] % SKETCH_WIDTH, censored[0] % SKETCH_WIDTH)
    events = _counts_at(columns, converted)
    censorings = _counts_at(columns, censored)
    index, at_risk, n_events, n_censored, survival, greenwood = kaplan_meier_counted(
        events, censorings
    )
    return km_from_rows(
        column_values(columns[index]),
        at_risk,
        n_events,
        n_censored,
        survival,
        greenwood,
        partial.n_cases,
        confidence=confidence,
    )


def summary(
    partial: ConversionPartial,
    spec: JourneySpec,
    source: QuantileSource,
    km: pd.DataFrame,
    *,
    confidence: float = 0.95,
) -> dict[str, float]:
    """journey/conversion.py's summary figures; `km`: time_to_convert of the partial."""
    if partial.conversions is not None:
        return conversion_summary(partial.conversions, confidence=confidence, km=km)
    stats = source.stats("conversion_summary", partial.to_convert, None, convert_times, spec)
    stats = stats[:, 0]
    return summary_figures(
        partial.n_cases,
        int(partial.to_convert.frequency[0]),
        stats[MEAN],
        stats[MEDIAN],
        stats[P90],
        stats[MAX],
        km,
        confidence=confidence,
    )


def _counts_at(columns: np.ndarray, sketch: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """A one-group sketch's counts at the sorted `columns` (0 where it has none)."""
    out = np.zeros(len(columns), np.int64)
    entries, counts = sketch
    out[np.searchsorted(columns, entries % SKETCH_WIDTH)] = counts
    return out
