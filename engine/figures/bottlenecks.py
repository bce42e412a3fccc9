"""Bottlenecks (journey/bottlenecks.py ranks them; journey/lost.py defines the lost
conversions) as reductions: the touchpoint steps, the stage transitions split by the
channel of the event arrived at, and the journeys charged to each place.

- Touchpoint steps: per directly-follows pair, how often it is taken, by how many
  journeys before converting, how many of those convert, how many journeys end on it
  without converting, and the waits. On one machine with more than DENSE_LIMIT pairs
  the steps come from the DFG's edges instead of a dense table.
- Stage transitions come from the stage figures (figures/stages.py); split by channel,
  from each part's stage visits and moves.
- The journeys' profiles are a second round, given the comparable places: each part's
  journeys grouped by profile, the parts' groups merged (journey/lost.py charges and
  bootstraps from them).
"""

from __future__ import annotations

import hashlib
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..analysis.dfg import Edges, compute_edges, pair_step_counts
from ..analysis.moments import combine_moments
from ..errors import caller_stacklevel
from ..journey.bottlenecks import (
    rank_places,
    stage_level,
    stage_steps,
    step_frame,
    touchpoint_level,
)
from ..journey.lost import Places, Profiles, StepLevel, combine_profiles
from ..kernels.dfg import pair_keys
from ..kernels.filters import kept_offsets
from ..kernels.grouping import chunk_count, group_values
from ..kernels.lost import pair_reach
from ..kernels.profiles import group_profiles, journey_profiles
from ..kernels.stages import STAGE_LAST_ABANDONED, STAGE_REACH, stage_visits, visit_moves
from ..kernels.steps import PAIR_COUNT, PAIR_JOURNEYS, pair_cases, step_outcomes
from .context import (
    JourneySpec,
    Reduce,
    codes_in,
    converting_activities,
    converting_targets,
    distinct_values,
    global_codes,
    kept_columns,
    part_conversions,
    sum_parts,
)
from .edges import edge_durations
from .quantiles import Durations, QuantileSource, durations_of

if TYPE_CHECKING:
    from ..log.eventlog import EventLog
    from .stages import StageFigures


#: Largest number of touchpoint pairs (n_activities**2) counted in dense tables (one per
#: run of cases, see kernels.grouping); past it the steps come from the directly-follows
#: graph's edges.
DENSE_LIMIT = 1 << 20


@dataclass
class StepPartial:
    """Steps by key (source * n + target): `keys` (None: every key 0..n*n-1, dense),
    rows frequency, journeys, converting, abandoned; the reach of each source (as
    kernels.steps.pair_counts); and the waits, or their statistics (`stats`) where one
    machine took them from the DFG's edges."""

    keys: np.ndarray | None
    counts: np.ndarray  # int64 (4, len(keys) or n * n)
    reach: np.ndarray  # int64 (2, n_sources)
    waits: Durations | None
    stats: np.ndarray | None = None


def touchpoint_chunk(part: EventLog, spec: JourneySpec, whole: bool) -> StepPartial:
    """A part's touchpoint steps (every directly-follows edge is a step, also those only
    taken after converting). On one machine the waits' statistics are the DFG's edges'
    (the same durations, kept on the log), so no wait is collected again."""
    at_event = part_conversions(part, spec.model, spec.window_end).at_event
    part, at_event = journey_steps_part(part, spec, at_event)
    if part is None:
        return None  # no event of a mapped touchpoint in this part
    n_act = len(spec.names)
    eligible = ~converting_targets(spec.model, spec.names)[0]
    if whole and n_act * n_act > DENSE_LIMIT:
        return _sparse_steps(part, at_event, eligible)
    act = global_codes(part, spec.names)
    if whole:
        counts, _, _, reach = pair_step_counts(
            part, at_event, act, n_act, eligible, durations=False
        )
        return _steps_with_edge_stats(part, counts, reach)
    counts, durations, offsets, reach = pair_step_counts(part, at_event, act, n_act, eligible)
    # The moments' distinct cases per key are not read here: the journeys stand in.
    return StepPartial(
        None, counts, reach, durations_of(durations, offsets, counts[PAIR_JOURNEYS], whole)
    )


def left_out(spec: JourneySpec) -> np.ndarray:
    """Per touchpoint (code of `spec.names`): whether the touchpoint steps skip its events,
    because the model maps it to no stage and it is not the conversion activity. Such
    events neither form nor split steps, as they neither form nor split stage visits:
    a → lost ends the journey at a, a → noise → b is the step a → b. A step into an
    outcome label left unmapped ('lost', in every journey that did not convert and no
    other) would otherwise lose every conversion by construction."""
    return (spec.stage_of_activity() < 0) & ~converting_targets(spec.model, spec.names)[0]


def _kept_events(part: EventLog, spec: JourneySpec) -> np.ndarray | None:
    """Per event of the part: kept by the touchpoint steps (None: every event)."""
    skipped = left_out(spec)
    if not skipped.any():
        return None
    keep = ~skipped[global_codes(part, spec.names)]
    return None if keep.all() else keep


def _at_kept(at_event: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """Each case's converting event (-1: none) as an index among the kept events; the
    converting event itself is always kept."""
    position = np.cumsum(keep) - 1
    return np.where(at_event >= 0, position[np.maximum(at_event, 0)], -1)


def journey_steps_part(
    part: EventLog, spec: JourneySpec, at_event: np.ndarray
) -> tuple[EventLog | None, np.ndarray]:
    """The part as its touchpoint steps see it (see left_out), with each of its cases'
    converting event; (None, ...) when no event is kept. Conversions are found on the
    whole part first, so that a journey's start, and with it its conversion window, is
    that of its first event, mapped or not."""
    keep = _kept_events(part, spec)
    if keep is None:
        return part, at_event
    from ..slices.build import slice_log

    if not keep.any():
        return None, at_event[:0]
    _, has_events = kept_offsets(part.case_offsets, keep)
    steps = {"filter": "touchpoint steps"}
    view = slice_log(part, keep, steps, attributes=False, alphabet=True)
    return view, _at_kept(at_event, keep)[has_events]


def journey_edge_durations(part: EventLog, spec: JourneySpec) -> tuple[np.ndarray, np.ndarray]:
    """edge_durations of the part as its touchpoint steps see it (the exact round)."""
    never = np.full(part.n_cases, -1, np.int64)
    steps, _ = journey_steps_part(part, spec, never)
    if steps is None:
        n = len(spec.names)
        return np.zeros(0), np.zeros(n * n + 1, np.int64)
    return edge_durations(steps, spec.names)


def _edges_by_key(part: EventLog) -> tuple[Edges, np.ndarray, np.ndarray]:
    """The whole log's DFG edges (kept on the log), their keys (source * n + target)
    sorted, and the order that sorts the edges so."""
    edges = part.cache("edges", compute_edges)
    keys = edges.source.astype(np.int64) * part.n_activities + edges.target
    order = np.argsort(keys)
    return edges, keys[order], order


def _steps_with_edge_stats(part: EventLog, counts: np.ndarray, reach: np.ndarray) -> StepPartial:
    """Dense step counts of a whole log, kept for the keys taken, with the statistics of
    the DFG's edges (the same keys: every step taken is an edge)."""
    edges, keys, order = _edges_by_key(part)
    return StepPartial(keys, counts[:, keys], reach, None, edges.stats[:, order])


def _sparse_steps(part: EventLog, at_event: np.ndarray, eligible: np.ndarray) -> StepPartial:
    """The steps of a log with too many activities for a dense table: the DFG's edges."""
    n_act = part.n_activities
    edges, edge_keys, order = _edges_by_key(part)
    keys = pair_keys(part.activity, part.case_offsets, n_act, np.empty(0, np.int64))
    ids = np.searchsorted(edge_keys, keys)  # edge_keys: every pair's key, sorted
    case, target = pair_cases(part.case_offsets)
    journeys, converting, abandoned = step_outcomes(ids, case, target, len(edge_keys), at_event)
    chunks = chunk_count(part.n_cases, n_act)
    reach = pair_reach(part.activity, part.case_offsets, at_event, eligible, chunks)
    counts = np.stack([edges.frequency[order], journeys, converting, abandoned])
    return StepPartial(edge_keys, counts, reach, None, edges.stats[:, order])


def combine_steps(parts: list[StepPartial | None]) -> StepPartial | None:
    """Dense step tables of parts added up."""
    return StepPartial(
        keys=None,
        counts=np.sum([p.counts for p in parts], axis=0),
        reach=np.sum([p.reach for p in parts], axis=0),
        waits=combine_moments([p.waits for p in parts]),
    )


def touchpoint_steps(
    partial: StepPartial, spec: JourneySpec, source: QuantileSource
) -> tuple[pd.DataFrame, StepLevel]:
    """The touchpoint steps' rows and their level (as lost.py reads it)."""
    n_act = len(spec.names)
    if partial.keys is None:
        keys = np.flatnonzero(partial.counts[PAIR_COUNT])
        counts = partial.counts[:, keys]
        skipped = left_out(spec)
        if skipped.any():
            table = "touchpoint_steps:" + hashlib.sha1(skipped.tobytes()).hexdigest()
            stats = source.stats(table, partial.waits, keys, journey_edge_durations, spec)
        else:  # the steps are the DFG's edges
            stats = source.stats("edges", partial.waits, keys, edge_durations, spec.names)
    else:
        keys, counts, stats = partial.keys, partial.counts, partial.stats
    frequency, journeys, converting, abandoned = counts
    converting_act, _ = converting_targets(spec.model, spec.names)
    names = spec.names
    frame = step_frame(
        "touchpoint",
        names[keys // n_act],
        names[keys % n_act],
        journeys,
        frequency,
        stats,
        converting,
        abandoned,
    )
    level = touchpoint_level(keys, n_act, journeys, converting, converting_act, partial.reach)
    return frame, level


@dataclass
class MovePartial:
    """Stage moves split by the channel of the event arrived at, keyed (source stage *
    n_stages + target stage) * n_channels + channel code + 1 (0: no channel)."""

    counts: np.ndarray  # int64 (4, n_keys): frequency, journeys, converting, abandoned
    waits: Durations  # the dwell of the visit moved out of


def channel_chunk(
    part: EventLog, spec: JourneySpec, column: str, channel_names: np.ndarray, whole: bool
) -> MovePartial:
    at_event = part_conversions(part, spec.model, spec.window_end).at_event
    act = global_codes(part, spec.names)
    case, stage, first, start, end, _ = stage_visits(
        act, part.case_offsets, part.timestamp, spec.stage_of_activity()
    )
    key, case, arrival, dwell = visit_moves(case, stage, first, start, end, spec.n_stages)
    n_channels = len(channel_names) + 1
    channel = codes_in(part, column, channel_names)
    ids = key * n_channels + (channel[arrival].astype(np.int64) + 1)
    n_keys = spec.n_stages**2 * n_channels
    journeys, converting, abandoned = step_outcomes(ids, case, arrival, n_keys, at_event)
    grouped, offsets = group_values(dwell, ids, n_keys)
    counts = np.stack([np.diff(offsets), journeys, converting, abandoned])
    return MovePartial(counts, durations_of(grouped, offsets, journeys, whole))


def combine_moves(parts: list[MovePartial | None]) -> MovePartial | None:
    return MovePartial(
        counts=np.sum([p.counts for p in parts], axis=0),
        waits=combine_moments([p.waits for p in parts]),
    )


def move_waits(
    part: EventLog, spec: JourneySpec, column: str, channel_names: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """A part's stage dwells grouped by channel move key (the exact round)."""
    waits = channel_chunk(part, spec, column, channel_names, True).waits
    return waits.values, waits.offsets


def channel_steps(
    reduce: Reduce,
    spec: JourneySpec,
    source: QuantileSource,
    column: str,
    channel_names: np.ndarray,
    reach: np.ndarray,
) -> tuple[pd.DataFrame, StepLevel]:
    """Stage transitions split by the channel of the event they arrive at: rows, level."""
    partial = reduce(channel_chunk, combine_moves, spec, column, channel_names, source.whole)
    n_stages, n_channels = spec.n_stages, len(channel_names) + 1
    if partial is None:
        none = np.zeros(0, np.int64)
        n_keys = n_stages**2 * n_channels
        waits = durations_of(none, np.zeros(n_keys + 1, np.int64), none, source.whole)
        partial = MovePartial(np.zeros((4, n_keys), np.int64), waits)
    step_keys = np.flatnonzero(partial.counts[PAIR_COUNT])
    frequency, journeys, converting, abandoned = partial.counts[:, step_keys]
    table = f"stage_transitions_by:{column}"
    stats = source.stats(table, partial.waits, step_keys, move_waits, spec, column, channel_names)
    stages = np.asarray(spec.model.stages, dtype=object)
    labels = np.append(np.asarray(["(no channel)"], dtype=object), channel_names)
    pair, via = step_keys // n_channels, step_keys % n_channels
    target = [f"{t} via {c}" for t, c in zip(stages[pair % n_stages], labels[via], strict=True)]
    columns = (journeys, frequency, stats, converting, abandoned)
    frame = step_frame("stage_transition_channel", stages[pair // n_stages], target, *columns)
    _, converting_stage = converting_targets(spec.model, spec.names)
    level = StepLevel(
        "stage_transition_channel",
        step_keys,
        pair // n_stages,
        converting_stage[pair % n_stages],
        journeys,
        converting,
        reach,
    )
    return frame, level


def profile_chunk(
    part: EventLog,
    spec: JourneySpec,
    column: str | None,
    channel_names: np.ndarray | None,
    places: Places,
) -> Profiles:
    """The grouped profiles of one part's journeys (journey/lost.py, kernels/profiles.py)."""
    at_event = part_conversions(part, spec.model, spec.window_end).at_event
    n_act, n_stages = len(spec.names), spec.n_stages
    channel, n_channels = np.zeros(1, np.int32), 1
    if column is not None:
        channel, n_channels = codes_in(part, column, channel_names), len(channel_names) + 1
    act, offsets = global_codes(part, spec.names), part.case_offsets
    keep = _kept_events(part, spec)
    if keep is not None:  # the events the touchpoint steps skip (stage moves skip them too)
        offsets, has_events = kept_offsets(offsets, keep)
        at_event = _at_kept(at_event, keep)[has_events]
        act = act[keep]
        channel = channel if column is None else channel[keep]
    converting_act, converting_stage = converting_targets(spec.model, spec.names)
    pairs = (
        n_act,
        ~converting_act,
        _source_slots(places, "activity", n_act),
        *_step_table(places, "touchpoint", n_act * n_act),
    )
    moves = (
        spec.stage_of_activity(),
        n_stages,
        ~converting_stage,
        _source_slots(places, "stage", n_stages),
        *_step_table(places, "stage_transition", n_stages * n_stages),
    )
    n_split = n_stages * n_stages * n_channels
    splits = (channel, n_channels, *_step_table(places, "stage_transition_channel", n_split))
    tables = (pairs, moves, splits, places.n_places, places.n_sources)
    n_cases = len(offsets) - 1
    blocks = []
    for lo in range(0, max(n_cases, 1), PROFILE_BLOCK):  # a block at a time: bounded memory
        hi = min(lo + PROFILE_BLOCK, n_cases)
        chunks = chunk_count(hi - lo, places.n_places + places.n_sources)
        args = (act, offsets[lo : hi + 1], at_event[lo:hi])
        converted, block_offsets, items = journey_profiles(*args, *tables, chunks)
        ones = np.ones(hi - lo, np.int64)
        blocks.append(Profiles(*group_profiles(ones, converted, block_offsets, items)))
    return blocks[0] if len(blocks) == 1 else combine_profiles(blocks)


#: Journeys whose profiles are built and grouped at once (the rest wait their turn).
PROFILE_BLOCK = 1 << 21


#: Largest key space looked up through a table of positions rather than by binary search.
SLOT_LIMIT = 1 << 22


def _step_table(places: Places, level: str, n_keys: int) -> tuple[np.ndarray, ...]:
    """A level's comparable step keys (sorted), the position of each possible key in them
    (-1: none; empty when the key space is too large for a table: the kernel then
    searches), and each key's place number."""
    keys, numbers = places.steps.get(level, (np.zeros(0, np.int64), np.zeros(0, np.int64)))
    if n_keys > SLOT_LIMIT:
        return keys, np.zeros(0, np.int64), numbers
    slots = np.full(n_keys, -1, np.int64)
    slots[keys] = np.arange(len(keys))
    return keys, slots, numbers


def _source_slots(places: Places, kind: str, n: int) -> np.ndarray:
    """Per activity or stage: its source slot (-1: no comparable step leaves it)."""
    slots = np.full(n, -1, np.int64)
    indexes, numbers = places.sources.get(kind, (np.zeros(0, np.int64), np.zeros(0, np.int64)))
    slots[indexes] = numbers
    return slots


def bottleneck_table(
    reduce: Reduce,
    spec: JourneySpec,
    source: QuantileSource,
    figures: StageFigures,
    stage_table: pd.DataFrame,
    n_cases: int,
    *,
    channel: str | None = None,
    min_journeys: int = 30,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """All ranked places (BOTTLENECK_COLUMNS) of the log whose parts `reduce` runs over;
    with `channel`, stage transitions are also split by the channel arrived at."""
    _warn_late_conversions(reduce, spec)
    with kept_columns(reduce, channel):
        return _ranked(
            reduce,
            spec,
            source,
            figures,
            stage_table,
            n_cases,
            channel,
            min_journeys,
            confidence,
        )


def _warn_late_conversions(reduce: Reduce, spec: JourneySpec) -> None:
    """With a conversion window, say how many journeys converted after theirs: they count
    as not converted, and their steps after the window, those after their late conversion
    too, count as steps before converting (README, "with a conversion window"): a step
    taken only after buying can then show a loss that is not there."""
    window = spec.model.conversion.window
    if window is None:
        return
    late = reduce(late_chunk, sum_parts, spec)
    if late is None or not late[0]:
        return
    from ..journey.actions import human

    warnings.warn(
        f"{int(late[0]):,} journeys converted later than the conversion window "
        f"({human(window / 1e9)}): they count as not converted, and their steps after the "
        "window, those after their late conversion too, count as steps before converting, "
        "so a step taken only after converting can show a loss that is not there; read the "
        "bottleneck table without the window too",
        UserWarning,
        stacklevel=caller_stacklevel(),
    )


def late_chunk(part: EventLog, spec: JourneySpec) -> np.ndarray:
    """A part's journeys that converted, but after the conversion window: int64 (1,)."""
    from ..journey.conversion import case_conversions, late_conversions

    # Not part_conversions: it keeps one definition per part, the windowed one the table's
    # chunks need next.
    converts = converting_activities(spec.model, part.activity_names)
    found = case_conversions(
        part.activity, part.case_offsets, part.timestamp, converts, window_end=spec.window_end
    )
    late = late_conversions(found, spec.model.conversion.window)
    return np.array([int(late.sum())], np.int64)


def _ranked(
    reduce: Reduce,
    spec: JourneySpec,
    source: QuantileSource,
    figures: StageFigures,
    stage_table: pd.DataFrame,
    n_cases: int,
    channel: str | None,
    min_journeys: int,
    confidence: float,
) -> pd.DataFrame:
    steps = reduce(touchpoint_chunk, combine_steps, spec, source.whole)
    if steps is None:
        n = len(spec.names)
        none = np.zeros(0, np.int64)
        waits = durations_of(none, np.zeros(n * n + 1, np.int64), none, source.whole)
        steps = StepPartial(None, np.zeros((4, n * n), np.int64), np.zeros((2, n), np.int64), waits)
    tp_frame, tp_level = touchpoint_steps(steps, spec, source)
    _, converting_stage = converting_targets(spec.model, spec.names)
    stage_reach = figures.per_stage[STAGE_REACH]
    frames = [tp_frame, stage_steps(spec.model.stages, figures)]
    levels = [tp_level, stage_level(figures, converting_stage, stage_reach)]
    channel_names = None
    if channel is not None:
        channel_names = distinct_values(reduce, channel)
        frame, level = channel_steps(reduce, spec, source, channel, channel_names, stage_reach)
        frames.append(frame)
        levels.append(level)

    def profile(places: Places) -> Profiles:
        profiles = reduce(profile_chunk, combine_profiles, spec, channel, channel_names, places)
        if profiles is None:  # no part has events
            none = np.zeros(0, np.int64)
            return Profiles(none, none.astype(bool), np.zeros(1, np.int64), none.astype(np.int32))
        return profiles

    return rank_places(
        frames,
        levels,
        profile,
        spec.model.stages,
        stage_table,
        figures.per_stage[STAGE_LAST_ABANDONED],
        n_cases,
        min_journeys=min_journeys,
        confidence=confidence,
    )
