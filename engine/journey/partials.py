"""The journey layer from mergeable partial results: stages, transitions, funnel, time to
convert, bottlenecks and actions, segments, stage dwell and journey variants of a log
split into parts of whole cases (the Dask backend's partitions), as engine.analysis.partials
does for the DFG and variants: a kernel per part, a combine, and a finalize that hands
the merged figures to the very table builders the single-machine Journey uses.

Counts (visits, moves, journeys, conversions, abandonments, funnel, segments, dwell
histogram) are exact, and so are sums, means and extremes. Medians and p90 are exact where
feasible (a second round, engine.analysis.exact), else from the sketches of
engine.kernels.sketch, within 0.5 %. The Kaplan–Meier table is computed on the
sketches' buckets: its times are within 0.5 % of the exact
ones (one row per bucket with conversions), and journeys whose times share a bucket count
as tied. Every part is counted against the whole log's observation window (its last
timestamp), so that censoring matches the single-machine path.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..analysis.dfg import pair_step_counts
from ..analysis.exact import QuantileCache
from ..analysis.partials import (
    LogPartial,
    Moments,
    combine_moments,
    edge_durations,
    empty_moments,
    global_codes,
    moment_stats,
    moments_of,
    regroup_moments,
    variant_durations,
    variant_order,
    variants_table,
)
from ..errors import InputError
from ..kernels.conversion import kaplan_meier_counted
from ..kernels.grouping import chunk_count, group_values
from ..kernels.sketch import (
    SKETCH_WIDTH,
    column_values,
    count_entries,
    entry_quantiles,
    grouped_entries,
    merge_entries,
)
from ..kernels.stages import MOVE_CASES, MOVE_COUNT, STAGE_LAST_ABANDONED, STAGE_REACH, stage_pass
from ..kernels.stats import MAX, MEAN, MEDIAN, P90
from ..kernels.steps import PAIR_OUTCOMES
from ..kernels.variants import sequence_hashes
from .actions import action_table
from .bottlenecks import (
    converting_targets,
    rank_places,
    stage_level,
    stage_steps,
    step_frame,
    touchpoint_level,
)
from .conversion import case_conversions, km_frame, summary_figures, within_window
from .distributions import dwell_bin_edges, dwell_counts, dwell_frame
from .lost import StepLevel, charge_journeys
from .model import JourneyModel
from .segments import (
    MISSING,
    case_segments,
    horizon_nanoseconds,
    horizon_outcomes,
    segment_frame,
)
from .stages import (
    StageFigures,
    check_min_journeys,
    check_top,
    converting_activities,
    funnel_table,
    stage_table,
    transition_table,
    unmapped_table,
)
from .variants import JOURNEY_VARIANT_COLUMNS

if TYPE_CHECKING:
    from ..log.eventlog import EventLog

#: reduce(kernel, combine, *args): `kernel(part_log, *args)` on every part (None for a
#: part without events), the results merged by `combine` (a list in, one result out).
Reduce = Callable[..., Any]


@dataclass
class JourneyPartial:
    """What the stage, funnel, conversion, bottleneck and journey-variant tables need."""

    n_cases: int
    per_stage: np.ndarray  # int64 (8, n_stages), as kernels.stages.stage_pass
    per_move: np.ndarray  # int64 (5, n_stages**2), as kernels.stages.stage_pass
    dwell: Moments  # per move key: the dwell of the visit moved out of
    steps: np.ndarray  # int64 (3, n_activities**2): journeys, converting, abandoned
    reach: np.ndarray  # int64 (2, n_activities): as kernels.steps.pair_steps
    to_convert: Moments  # one group: time to convert of the converted journeys
    censored: tuple[np.ndarray, np.ndarray]  # sketch: time observed, unconverted journeys
    variant_hashes: np.ndarray  # uint64, sorted, distinct (as the LogPartial's)
    variant_converted: np.ndarray  # int64 converted journeys per variant


@dataclass
class SegmentPartial:
    """Journeys and conversions per segment name, with time-to-convert sketches."""

    names: np.ndarray  # object (str), sorted, distinct
    journeys: np.ndarray  # int64
    converted: np.ndarray  # int64 (within the horizon, if any)
    sketch: tuple[np.ndarray, np.ndarray]  # entries grouped by position in `names`
    followed: np.ndarray  # int64 journeys observed for the whole horizon (all without one)


# -- kernels: one part -----------------------------------------------------------------------
def journey_partial(
    log: EventLog, names: np.ndarray, model: JourneyModel, window_end: int
) -> JourneyPartial:
    """The partial of one part (whole cases) of a log whose sorted alphabet is `names`
    and whose last timestamp is `window_end` (ns)."""
    conversions = _conversions(log, model, window_end)
    per_stage, per_move, grouped, offsets = _stage_pass(log, model, conversions.at_event)
    act = global_codes(log, names)
    converting_act, _ = converting_targets(model, names)
    counts, _, _, reach = pair_step_counts(
        log, conversions.at_event, act, len(names), ~converting_act
    )
    converted = conversions.converted
    n_converted = int(converted.sum())
    unconverted = conversions.observed[~converted]
    hashes, variant = np.unique(sequence_hashes(act, log.case_offsets), return_inverse=True)
    return JourneyPartial(
        n_cases=log.n_cases,
        per_stage=per_stage,
        per_move=per_move,
        dwell=moments_of(grouped, offsets, per_move[MOVE_CASES]),
        steps=counts[PAIR_OUTCOMES].copy(),
        reach=reach,
        to_convert=moments_of(
            conversions.elapsed[converted], np.array([0, n_converted]), np.array([n_converted])
        ),
        censored=count_entries(
            grouped_entries(unconverted, np.array([0, len(unconverted)], np.int64))
        ),
        variant_hashes=hashes,
        variant_converted=np.bincount(variant, weights=converted, minlength=len(hashes)).astype(
            np.int64
        ),
    )


def segment_partial(
    log: EventLog,
    model: JourneyModel,
    window_end: int,
    column: str | None,
    period: str | None,
    horizon_ns: int | None = None,
) -> SegmentPartial:
    """Journeys, conversions and time-to-convert sketches per segment of one part."""
    codes, names = _segment_codes(log, column, period)
    conversions = _conversions(log, model, window_end)
    converted = conversions.converted
    followed, won = horizon_outcomes(conversions, horizon_ns)
    journeys = np.bincount(codes, minlength=len(names)).astype(np.int64)
    order = np.argsort(codes[converted], kind="stable")
    times = conversions.elapsed[converted][order]
    offsets = np.zeros(len(names) + 1, np.int64)
    np.cumsum(np.bincount(codes[converted], minlength=len(names)), out=offsets[1:])
    return SegmentPartial(
        names=np.asarray(names, dtype=object),
        journeys=journeys,
        converted=np.bincount(codes[won], minlength=len(names)).astype(np.int64),
        sketch=count_entries(grouped_entries(times, offsets)),
        followed=journeys
        if followed is None
        else np.bincount(codes[followed], minlength=len(names)).astype(np.int64),
    )


def _segment_codes(
    log: EventLog, column: str | None, period: str | None
) -> tuple[np.ndarray, np.ndarray]:
    """(int64 segment code per case, the segment names sorted as text, MISSING among
    them where a case has no value): the order merged partials and their lookups share."""
    values = log.attributes[column] if column is not None else None
    codes, names = case_segments(log, values, period)
    if (codes < 0).any():
        codes = np.where(codes < 0, len(names), codes)
        names = np.append(names, MISSING)
    names = np.asarray(names, dtype=str)
    order = np.argsort(names, kind="stable")
    rank = np.empty(len(order), np.int64)
    rank[order] = np.arange(len(order))
    return rank[codes], names[order].astype(object)


def dwell_partial(log: EventLog, model: JourneyModel, edges: np.ndarray) -> np.ndarray:
    """Closed visits per (stage, bin of `edges`) of one part (distributions.dwell_counts)."""
    stage_of = model.stage_codes(list(log.activity_names))
    events = (log.activity, log.case_offsets, log.timestamp, stage_of)
    return dwell_counts(*events, len(model.stages), edges)


def _stage_pass(log: EventLog, model: JourneyModel, at_event: np.ndarray) -> tuple:
    """kernels.stages.stage_pass over a part (`at_event`: each case's converting event)."""
    n_stages = len(model.stages)
    return stage_pass(
        log.activity,
        log.case_offsets,
        log.timestamp,
        model.stage_codes(list(log.activity_names)),
        n_stages,
        at_event,
        ~converting_targets(model, log.activity_names)[1],
        chunk_count(log.n_cases, n_stages * n_stages),
    )


def charge_partial(
    log: EventLog,
    names: np.ndarray,
    model: JourneyModel,
    window_end: int,
    candidates: dict,
    n_places: int,
) -> np.ndarray:
    """The journeys of one part charged to each place (journey/lost.py), in the codes of
    the whole log's sorted alphabet `names`."""
    conversions = _conversions(log, model, window_end)
    return charge_journeys(
        global_codes(log, names),
        log.case_offsets,
        conversions.at_event,
        len(names),
        model.stage_codes(list(names)),
        len(model.stages),
        None,
        1,
        candidates,
        n_places,
    )


def _conversions(log: EventLog, model: JourneyModel, window_end: int) -> Any:
    converts = converting_activities(model, log.activity_names)
    found = case_conversions(
        log.activity, log.case_offsets, log.timestamp, converts, window_end=window_end
    )
    return within_window(found, model.conversion.window)


# -- the values behind the quantiles, per part (for engine.analysis.exact) -----------------
def move_dwells(log: EventLog, model: JourneyModel) -> tuple[np.ndarray, np.ndarray]:
    """A part's stage dwells grouped by move key (source * n_stages + target)."""
    _, _, grouped, offsets = _stage_pass(log, model, np.full(log.n_cases, -1, np.int64))
    return grouped, offsets


def stage_dwells(log: EventLog, model: JourneyModel) -> tuple[np.ndarray, np.ndarray]:
    """A part's closed-visit dwells grouped by stage (the moves out of it)."""
    grouped, offsets = move_dwells(log, model)
    return grouped, np.ascontiguousarray(offsets[:: len(model.stages)])


def convert_times(
    log: EventLog, model: JourneyModel, window_end: int
) -> tuple[np.ndarray, np.ndarray]:
    """A part's times to convert (converted journeys), one group."""
    conversions = _conversions(log, model, window_end)
    times = conversions.elapsed[conversions.converted]
    return times, np.array([0, len(times)], np.int64)


def segment_times(
    log: EventLog,
    model: JourneyModel,
    window_end: int,
    column: str | None,
    period: str | None,
    names: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """A part's times to convert grouped by the position of their segment in the merged,
    sorted `names`."""
    codes, local = _segment_codes(log, column, period)
    conversions = _conversions(log, model, window_end)
    converted = conversions.converted
    where = np.searchsorted(names.astype(str), local.astype(str))
    return group_values(conversions.elapsed[converted], where[codes[converted]], len(names))


# -- combine ---------------------------------------------------------------------------------
def combine_journeys(parts: list[JourneyPartial | None]) -> JourneyPartial | None:
    """One partial from several, of disjoint sets of cases (None: a part without events)."""
    parts = [p for p in parts if p is not None]
    if len(parts) <= 1:
        return parts[0] if parts else None
    hashes = np.concatenate([p.variant_hashes for p in parts])
    merged, where = np.unique(hashes, return_inverse=True)
    converted = np.bincount(
        where, weights=np.concatenate([p.variant_converted for p in parts]), minlength=len(merged)
    )
    return JourneyPartial(
        n_cases=sum(p.n_cases for p in parts),
        per_stage=np.sum([p.per_stage for p in parts], axis=0),
        per_move=np.sum([p.per_move for p in parts], axis=0),
        dwell=combine_moments([p.dwell for p in parts]),
        steps=np.sum([p.steps for p in parts], axis=0),
        reach=np.sum([p.reach for p in parts], axis=0),
        to_convert=combine_moments([p.to_convert for p in parts]),
        censored=merge_entries([p.censored[0] for p in parts], [p.censored[1] for p in parts]),
        variant_hashes=merged,
        variant_converted=np.rint(converted).astype(np.int64),
    )


def combine_segments(parts: list[SegmentPartial | None]) -> SegmentPartial | None:
    """Segments merged by name."""
    parts = [p for p in parts if p is not None]
    if len(parts) <= 1:
        return parts[0] if parts else None
    names, where = np.unique(
        np.concatenate([p.names for p in parts]).astype(str), return_inverse=True
    )
    entries, counts, shift = [], [], 0
    for p in parts:
        keys, n = p.sketch
        entries.append(where[shift + keys // SKETCH_WIDTH] * SKETCH_WIDTH + keys % SKETCH_WIDTH)
        counts.append(n)
        shift += len(p.names)
    return SegmentPartial(
        names=names.astype(object),
        journeys=_sum_by(where, [p.journeys for p in parts], len(names)),
        converted=_sum_by(where, [p.converted for p in parts], len(names)),
        sketch=merge_entries(entries, counts),
        followed=_sum_by(where, [p.followed for p in parts], len(names)),
    )


def sum_arrays(parts: list[np.ndarray | None]) -> np.ndarray | None:
    """Elementwise sum (None: a part without events)."""
    parts = [p for p in parts if p is not None]
    return np.sum(parts, axis=0) if parts else None


def _sum_by(where: np.ndarray, values: list[np.ndarray], n: int) -> np.ndarray:
    total = np.zeros(n, np.int64)
    np.add.at(total, where, np.concatenate(values))
    return total


# -- finalize --------------------------------------------------------------------------------
class MergedJourney:
    """The Journey tables of a log given as parts: built from merged partial results.

    `reduce` runs a kernel on every part and merges the results (see `Reduce`); the
    stage figures are reduced once, segments and the dwell histogram when asked for."""

    def __init__(
        self,
        model: JourneyModel,
        names: np.ndarray,
        log_partial: LogPartial,
        reduce: Reduce,
        *,
        attributes: Sequence[str] = (),
        quantile_cache: QuantileCache | None = None,
        window_end: int | None = None,
    ) -> None:
        self.model = model
        self.attributes = list(attributes)
        #: Exact medians and p90 where feasible (shared with the log's tables).
        self.quantile_cache = (
            quantile_cache if quantile_cache is not None else QuantileCache(reduce)
        )
        self.names = names
        self.log_partial = log_partial
        self._reduce = reduce
        self.unmapped_names = model.unmapped_touchpoints(list(names))
        #: The end of observation: the log's last timestamp, or its parent's for a slice.
        self.window_end = int(log_partial.last_ns if window_end is None else window_end)
        self._partial: JourneyPartial | None = None

    @property
    def n_cases(self) -> int:
        return int(self.log_partial.n_cases)

    @property
    def partial(self) -> JourneyPartial:
        if self._partial is None:
            merged = self._reduce(
                journey_partial, combine_journeys, self.names, self.model, self.window_end
            )
            self._partial = merged if merged is not None else _empty(self.model, self.names)
        return self._partial

    @property
    def quantiles(self) -> dict[str, str]:
        """How each table's medians and p90 were computed so far ("exact" or "sketch")."""
        return dict(self.quantile_cache.methods)

    @cached_property
    def figures(self) -> StageFigures:
        """The stage figures, as Journey.figures; quantiles exact where feasible."""
        p = self.partial
        n_stages = len(self.model.stages)
        keys = np.flatnonzero(p.per_move[MOVE_COUNT])
        source = np.arange(n_stages * n_stages) // n_stages
        by_stage = regroup_moments(p.dwell, source, n_stages)
        model = self.model
        move_exact = self.quantile_cache.get(
            "stage_transitions", p.dwell.sketch, n_stages**2, move_dwells, model
        )
        stage_exact = self.quantile_cache.get(
            "stages", by_stage.sketch, n_stages, stage_dwells, model
        )
        return StageFigures(
            per_stage=p.per_stage,
            keys=keys,
            per_move=p.per_move[:, keys],
            move_stats=moment_stats(p.dwell, keys, move_exact),
            stage_stats=moment_stats(by_stage, np.arange(n_stages), stage_exact),
        )

    def stages(self) -> pd.DataFrame:
        return stage_table(self.model.stages, self.figures)

    def transitions(self) -> pd.DataFrame:
        return transition_table(self.model.stages, self.figures)

    def funnel(self) -> pd.DataFrame:
        return funnel_table(self.model.stages, self.figures, self.n_cases)

    def unmapped(self) -> pd.DataFrame:
        counts = self.log_partial.activities[0]
        return unmapped_table(self.names, counts, self.model.stage_codes(list(self.names)))

    def time_to_convert(self, *, confidence: float = 0.95) -> pd.DataFrame:
        """The Kaplan–Meier table on the sketches' buckets (see the module doc)."""
        p = self.partial
        converted, censored = p.to_convert.sketch, p.censored
        columns = np.union1d(converted[0] % SKETCH_WIDTH, censored[0] % SKETCH_WIDTH)
        events = _counts_at(columns, converted)
        censorings = _counts_at(columns, censored)
        index, at_risk, n_events, n_censored, survival, greenwood = kaplan_meier_counted(
            events, censorings
        )
        return km_frame(
            column_values(columns[index]),
            at_risk,
            n_events,
            n_censored,
            survival,
            greenwood,
            self.n_cases,
            confidence=confidence,
        )

    def conversion_summary(self, *, confidence: float = 0.95) -> dict[str, float]:
        to_convert = self.partial.to_convert
        exact_values = self.quantile_cache.get(
            "conversion_summary",
            to_convert.sketch,
            1,
            convert_times,
            self.model,
            self.window_end,
        )
        stats = moment_stats(to_convert, np.array([0]), exact_values)[:, 0]
        return summary_figures(
            self.n_cases,
            int(self.partial.to_convert.frequency[0]),
            stats[MEAN],
            stats[MEDIAN],
            stats[P90],
            stats[MAX],
            self.time_to_convert(confidence=confidence),
            confidence=confidence,
        )

    def bottlenecks(self, *, min_journeys: int = 30, confidence: float = 0.95) -> pd.DataFrame:
        """As Journey.bottlenecks (without the channel split); the journeys charged to
        each place are counted in a second round over the parts."""
        check_min_journeys(min_journeys)
        figures = self.figures
        stages = self.model.stages
        frame, level = self._touchpoint_steps()
        _, converting_stage = converting_targets(self.model, self.names)
        levels = [level, stage_level(figures, converting_stage, figures.per_stage[STAGE_REACH])]
        n_places = len(frame) + len(figures.keys)

        def charge(candidates: dict) -> np.ndarray:
            counts = self._reduce(
                charge_partial,
                sum_arrays,
                self.names,
                self.model,
                self.window_end,
                candidates,
                n_places,
            )
            return counts if counts is not None else np.zeros(n_places, np.int64)

        return rank_places(
            [frame, stage_steps(stages, figures)],
            levels,
            charge,
            stages,
            stage_table(stages, figures),
            figures.per_stage[STAGE_LAST_ABANDONED],
            self.n_cases,
            min_journeys=min_journeys,
            confidence=confidence,
        )

    def actions(
        self, *, top: int = 10, min_journeys: int = 30, confidence: float = 0.95
    ) -> pd.DataFrame:
        check_top(top)
        table = self.bottlenecks(min_journeys=min_journeys, confidence=confidence)
        return action_table(table, top=top, min_journeys=min_journeys, confidence=confidence)

    def segments(
        self,
        column: str | None = None,
        *,
        period: str | None = None,
        horizon: str | pd.Timedelta | None = "auto",
        confidence: float = 0.95,
        min_journeys: int = 30,
    ) -> pd.DataFrame:
        """As Journey.segments (the median time to convert as `quantiles` says)."""
        if (column is None) == (period is None):
            raise InputError("segments: give a case attribute column, or period='M' (etc.)")
        check_min_journeys(min_journeys)
        horizon_ns = horizon_nanoseconds(horizon, period, self.conversion_summary)
        if column is not None and column not in self.attributes:
            raise InputError(
                f"column '{column}' was not read with the log; pass attributes=['{column}'] "
                "to read_log (--segment does this on the command line)"
            )
        merged = self._reduce(
            segment_partial,
            combine_segments,
            self.model,
            self.window_end,
            column,
            period,
            horizon_ns,
        )
        if merged is None:
            names, none = np.zeros(0, dtype=object), np.zeros(0, np.int64)
            merged = SegmentPartial(names, none, none, _none(), none)
        n = len(merged.names)
        exact_values = self.quantile_cache.get(
            f"segments:{column or period}",
            merged.sketch,
            n,
            segment_times,
            self.model,
            self.window_end,
            column,
            period,
            merged.names,
        )
        medians = (
            exact_values[0] if exact_values is not None else entry_quantiles(*merged.sketch, n, 0.5)
        )
        return segment_frame(
            merged.names,
            merged.journeys,
            merged.converted,
            medians,
            followed=merged.followed,
            horizon_s=np.nan if horizon_ns is None else horizon_ns / 1e9,
            confidence=confidence,
            min_journeys=min_journeys,
        )

    def attribution(self, **options: Any) -> pd.DataFrame:
        """Not on Dask yet: the Markov bootstrap refits the chain per replicate."""
        raise InputError(
            "attribution runs on one machine for now: read the log without backend='dask' "
            "(or leave out --attribution and --channel with --backend dask)"
        )

    def dwell_histogram(self, *, per_decade: int = 4) -> pd.DataFrame:
        """As distributions.dwell_histogram: exact, in a second pass once the longest
        visit (and so the bins) is known."""
        longest = self.partial.dwell.high.max(initial=np.iinfo(np.int64).min)
        edges = dwell_bin_edges(longest / 1e9 if longest >= 0 else 0.0, per_decade=per_decade)
        counts = self._reduce(dwell_partial, sum_arrays, self.model, edges)
        if counts is None:
            counts = np.zeros(len(self.model.stages) * (len(edges) - 1), np.int64)
        return dwell_frame(self.model.stages, edges, counts)

    def variant_outcomes(self, *, top: int | None = None) -> pd.DataFrame:
        """As journey.variants.variant_outcomes."""
        order, _ = variant_order(self.log_partial, top)
        all_hashes = self.log_partial.variants.hashes
        exact_values = self.quantile_cache.get(
            "variants",
            self.log_partial.variants.sketch,
            len(all_hashes),
            variant_durations,
            self.names,
            all_hashes,
            groups=order,
        )
        table = variants_table(self.log_partial, self.names, top=top, exact_values=exact_values)
        hashes = all_hashes[order]
        p = self.partial
        converted = p.variant_converted[np.searchsorted(p.variant_hashes, hashes)]
        table["converted"] = converted
        table["conversion_rate"] = converted / table["frequency"].to_numpy()
        return table[list(JOURNEY_VARIANT_COLUMNS)]

    def _touchpoint_steps(self) -> tuple[pd.DataFrame, StepLevel]:
        edges = self.log_partial.edges
        n_act = len(self.names)
        keys = np.flatnonzero(edges.frequency)
        journeys, converting, abandoned = self.partial.steps[:, keys]
        exact_values = self.quantile_cache.get(
            "edges", edges.sketch, n_act**2, edge_durations, self.names
        )
        converting_act, _ = converting_targets(self.model, self.names)
        level = touchpoint_level(
            keys, n_act, journeys, converting, converting_act, self.partial.reach
        )
        frame = step_frame(
            "touchpoint",
            self.names[keys // n_act],
            self.names[keys % n_act],
            journeys,
            edges.frequency[keys],
            moment_stats(edges, keys, exact_values),
            converting,
            abandoned,
        )
        return frame, level


def _counts_at(columns: np.ndarray, sketch: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """A one-group sketch's counts at the sorted `columns` (0 where it has none)."""
    out = np.zeros(len(columns), np.int64)
    entries, counts = sketch
    out[np.searchsorted(columns, entries % SKETCH_WIDTH)] = counts
    return out


def _none() -> tuple[np.ndarray, np.ndarray]:
    return np.zeros(0, np.int64), np.zeros(0, np.int64)


def _empty(model: JourneyModel, names: np.ndarray) -> JourneyPartial:
    n_stages, n_act = len(model.stages), len(names)
    return JourneyPartial(
        n_cases=0,
        per_stage=np.zeros((8, n_stages), np.int64),
        per_move=np.zeros((5, n_stages * n_stages), np.int64),
        dwell=empty_moments(n_stages * n_stages),
        steps=np.zeros((3, n_act * n_act), np.int64),
        reach=np.zeros((2, n_act), np.int64),
        to_convert=empty_moments(1),
        censored=_none(),
        variant_hashes=np.zeros(0, np.uint64),
        variant_converted=np.zeros(0, np.int64),
    )
