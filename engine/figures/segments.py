"""Segments: conversion per value of a case attribute (or per start period), with Wilson
intervals and Holm-adjusted tests (journey/segments.py defines them), as one reduction.

A part counts its journeys, conversions and followed journeys per segment name and keeps
the times to convert (the durations themselves on one machine, moments and a sketch on
parts); parts merge by segment name, so a segment one part lacks lines up."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..analysis.moments import combine_moments
from ..errors import caller_stacklevel
from ..journey.segments import MISSING, case_segments, horizon_outcomes, segments_from_counts
from ..kernels.grouping import group_values, tally
from ..kernels.stats import MEDIAN
from .context import JourneySpec, Reduce, part_conversions
from .quantiles import Durations, Grouped, QuantileSource, durations_of, reindex

if TYPE_CHECKING:
    import pandas as pd

    from ..log.eventlog import EventLog


@dataclass
class SegmentPartial:
    """Per segment name (sorted as text): journeys, conversions (within the horizon, if
    any), journeys followed for the whole horizon, and the times to convert."""

    names: np.ndarray  # object (str)
    journeys: np.ndarray  # int64
    converted: np.ndarray  # int64
    followed: np.ndarray  # int64 (the journeys, without a horizon)
    times: Durations  # converted journeys' times to convert, by segment position
    known_later: int = 0  # journeys missing a value at their first event, with one later


def segment_codes(
    part: EventLog, column: str | None, period: str | None
) -> tuple[np.ndarray, np.ndarray]:
    """(segment code per case, the segment names sorted as text, MISSING among them where
    a case has no value): the order merged partials and their lookups share."""
    values = part.attributes[column] if column is not None else None
    codes, names = case_segments(part, values, period)
    if (codes < 0).any():
        codes = np.where(codes < 0, len(names), codes)
        names = np.append(names, MISSING)
    names = np.array([str(name) for name in names], dtype=object)
    order = np.argsort(names, kind="stable")  # as Python orders text
    rank = np.empty(len(order), np.int64)
    rank[order] = np.arange(len(order))
    return rank[codes], names[order]


def chunk(
    part: EventLog,
    spec: JourneySpec,
    column: str | None,
    period: str | None,
    horizon_ns: int | None,
    whole: bool,
) -> SegmentPartial:
    codes, names = segment_codes(part, column, period)
    conversions = part_conversions(part, spec.model, spec.window_end)
    converted = conversions.converted
    followed, won = horizon_outcomes(conversions, horizon_ns)
    journeys, wins = tally(codes, won, len(names))
    grouped, offsets = group_values(conversions.elapsed[converted], codes[converted], len(names))
    return SegmentPartial(
        names=names,
        journeys=journeys,
        converted=wins,
        followed=journeys if followed is None else tally(codes, followed, len(names))[1],
        times=durations_of(grouped, offsets, np.diff(offsets), whole),
        known_later=_known_later(part, column, codes, names),
    )


def _known_later(part: EventLog, column: str | None, codes: np.ndarray, names: np.ndarray) -> int:
    """Journeys in MISSING whose attribute has a value on a later event."""
    if column is None or MISSING not in names:
        return 0
    missing_case = codes == int(np.flatnonzero(names == MISSING)[0])
    present = np.concatenate([[0], np.cumsum(part.attributes[column].notna().to_numpy())])
    offsets = part.case_offsets
    return int((missing_case & (present[offsets[1:]] > present[offsets[:-1]])).sum())


def combine(parts: list[SegmentPartial | None]) -> SegmentPartial | None:
    """Segments merged by name."""
    names, where = np.unique(
        np.concatenate([p.names for p in parts]).astype(object), return_inverse=True
    )
    n = len(names)
    bounds = np.cumsum([0] + [len(p.names) for p in parts])

    def summed(field: str) -> np.ndarray:
        total = np.zeros(n, np.int64)
        for k, p in enumerate(parts):
            np.add.at(total, where[bounds[k] : bounds[k + 1]], getattr(p, field))
        return total

    times = [reindex(p.times, where[bounds[k] : bounds[k + 1]], n) for k, p in enumerate(parts)]
    return SegmentPartial(
        names=names.astype(object),
        journeys=summed("journeys"),
        converted=summed("converted"),
        followed=summed("followed"),
        times=combine_moments(times),
        known_later=sum(p.known_later for p in parts),
    )


def segment_times(
    part: EventLog,
    spec: JourneySpec,
    column: str | None,
    period: str | None,
    names: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """A part's times to convert grouped by the position of their segment in the merged,
    sorted `names` (the exact round)."""
    codes, local = segment_codes(part, column, period)
    conversions = part_conversions(part, spec.model, spec.window_end)
    converted = conversions.converted
    where = np.searchsorted(names, local)
    return group_values(conversions.elapsed[converted], where[codes[converted]], len(names))


def segment_table(
    reduce: Reduce,
    spec: JourneySpec,
    source: QuantileSource,
    column: str | None,
    period: str | None,
    horizon_ns: int | None,
    *,
    confidence: float = 0.95,
    min_journeys: int = 30,
) -> pd.DataFrame:
    """SEGMENT_COLUMNS of the log whose parts `reduce` runs over, largest segment first."""
    merged = reduce(chunk, combine, spec, column, period, horizon_ns, source.whole)
    if merged is None:
        none = np.zeros(0, np.int64)
        times = durations_of(none, np.zeros(1, np.int64), none, source.whole)
        merged = SegmentPartial(np.zeros(0, dtype=object), none, none, none, times)
    table = f"segments:{column or period}"
    if isinstance(merged.times, Grouped) or len(merged.names):
        medians = source.stats(
            table, merged.times, None, segment_times, spec, column, period, merged.names
        )[MEDIAN]
    else:
        medians = np.zeros(0)
    if merged.known_later:
        share = merged.known_later / max(int(merged.journeys.sum()), 1)
        warnings.warn(
            f"segment column '{column}': {merged.known_later:,} journeys ({share:.0%}) have no "
            f"value at their first event but one later; a journey's segment is its value at "
            f"its first event (what was known when it began), so they count in '{MISSING}': "
            "if the value holds from the start, fill it forward within each case first",
            UserWarning,
            stacklevel=caller_stacklevel(),
        )
    return segments_from_counts(
        merged.names,
        merged.journeys,
        merged.converted,
        medians,
        followed=merged.followed,
        horizon_s=np.nan if horizon_ns is None else horizon_ns / 1e9,
        confidence=confidence,
        min_journeys=min_journeys,
    )
