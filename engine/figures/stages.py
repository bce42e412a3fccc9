"""Stages: dwell per stage, transitions between stages, the stage funnel, as one
reduction (engine.figures). A part's stage visits and moves are counted by one two-pass
kernel over its events (kernels.stages.stage_pass), without a row per visit; the dwell of
each move keeps its durations (one machine) or their moments and sketch (parts), and the
finalize reads the statistics from the quantile source (figures/quantiles.py).

Definitions:

- a visit is a maximal run of a case's consecutive mapped events in one stage; events of
  unmapped touchpoints neither form nor split visits (they are listed in `unmapped()`);
- a visit's dwell runs from its first event to the first event of the next visit; a case's
  last visit is open (censored) and counted apart, never in the dwell statistics;
- the funnel counts, for each stage, the journeys whose furthest stage (in stage order)
  is at least that stage: `reached`, of which `converted` convert. Conversion to the next
  stage is reached[k+1] / reached[k]; the drop-off at a stage is the journeys whose
  furthest stage it is and that never convert: a converted customer who goes no further
  than after-sales has not dropped off. `visited` counts journeys with any visit to the
  stage, in whatever order. Journeys with no mapped event reach no stage.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..analysis.moments import combine_moments
from ..kernels.grouping import chunk_count
from ..kernels.stages import (
    MOVE_CASES,
    MOVE_COUNT,
    STAGE_CASES,
    STAGE_FURTHEST,
    STAGE_FURTHEST_ABANDONED,
    STAGE_OPEN,
    STAGE_VISITS,
    stage_pass,
)
from ..kernels.stats import MAX, MEAN, MEDIAN, P90
from ..schema import BOOL, FLOAT, INT, TEXT, table_schema
from .context import JourneySpec, Reduce, converting_targets, global_codes, part_conversions
from .quantiles import Durations, QuantileSource, durations_of, regroup

if TYPE_CHECKING:
    from ..journey.model import JourneyModel
    from ..log.eventlog import EventLog

STAGE_SCHEMA = table_schema(
    stage=TEXT,
    order=INT,
    visits=INT,
    cases=INT,
    closed_visits=INT,
    mean_s=FLOAT,
    median_s=FLOAT,
    p90_s=FLOAT,
    max_s=FLOAT,
    open_visits=INT,
)
STAGE_COLUMNS = tuple(STAGE_SCHEMA.names)
TRANSITION_SCHEMA = table_schema(
    source=TEXT,
    target=TEXT,
    frequency=INT,
    cases=INT,
    backward=BOOL,
    median_s=FLOAT,
)
TRANSITION_COLUMNS = tuple(TRANSITION_SCHEMA.names)
FUNNEL_SCHEMA = table_schema(
    stage=TEXT,
    order=INT,
    reached=INT,
    share=FLOAT,
    visited=INT,
    conversion_to_next=FLOAT,
    drop_off=INT,
    drop_off_share=FLOAT,
    converted=INT,
)
FUNNEL_COLUMNS = tuple(FUNNEL_SCHEMA.names)


@dataclass(frozen=True)
class StageFigures:
    """What the stage tables and the stage steps need, from one pass over the events
    (kernels.stages.stage_pass)."""

    per_stage: np.ndarray  # int64 (8, n_stages): as kernels.stages.stage_pass
    keys: np.ndarray  # int64 keys (source * n_stages + target) of the moves that occur
    per_move: np.ndarray  # int64 (5, len(keys)): moves, cases, journeys, converting, abandoned
    move_stats: np.ndarray  # float64 (7, len(keys)): dwell statistics (kernels.stats rows)
    stage_stats: np.ndarray  # float64 (7, n_stages): closed-visit dwell, no STDEV


@dataclass
class StagePartial:
    """A part's stage and move counts (kernels.stages.stage_pass rows) and move dwells."""

    per_stage: np.ndarray  # int64 (8, n_stages)
    per_move: np.ndarray  # int64 (5, n_stages**2)
    dwell: Durations  # per move key: the dwell of the visit moved out of


def stage_counts(
    part: EventLog, model: JourneyModel, names: np.ndarray, at_event: np.ndarray
) -> tuple:
    """kernels.stages.stage_pass over a part (`at_event`: each case's converting event,
    -1 for none): (per_stage, per_move, dwells grouped by move key, their offsets)."""
    n_stages = len(model.stages)
    return stage_pass(
        global_codes(part, names),
        part.case_offsets,
        part.timestamp,
        model.stage_codes(list(names)),
        n_stages,
        at_event,
        ~converting_targets(model, names)[1],
        chunk_count(part.n_cases, n_stages * n_stages),
    )


def chunk(part: EventLog, spec: JourneySpec, whole: bool) -> StagePartial:
    """A part's counts; its dwells kept `whole` (one machine) or as moments."""
    at_event = part_conversions(part, spec.model, spec.window_end).at_event
    per_stage, per_move, grouped, offsets = stage_counts(part, spec.model, spec.names, at_event)
    return StagePartial(
        per_stage, per_move, durations_of(grouped, offsets, per_move[MOVE_CASES], whole)
    )


def combine(parts: list[StagePartial | None]) -> StagePartial | None:
    return StagePartial(
        per_stage=np.sum([p.per_stage for p in parts], axis=0),
        per_move=np.sum([p.per_move for p in parts], axis=0),
        dwell=combine_moments([p.dwell for p in parts]),
    )


def move_dwells(part: EventLog, spec: JourneySpec) -> tuple[np.ndarray, np.ndarray]:
    """A part's stage dwells grouped by move key (source * n_stages + target)."""
    no_conversion = np.full(part.n_cases, -1, np.int64)
    _, _, grouped, offsets = stage_counts(part, spec.model, spec.names, no_conversion)
    return grouped, offsets


def stage_dwells(part: EventLog, spec: JourneySpec) -> tuple[np.ndarray, np.ndarray]:
    """A part's closed-visit dwells grouped by stage (the moves out of it)."""
    grouped, offsets = move_dwells(part, spec)
    return grouped, np.ascontiguousarray(offsets[:: spec.n_stages])


def finalize(partial: StagePartial, spec: JourneySpec, source: QuantileSource) -> StageFigures:
    n_stages = spec.n_stages
    keys = np.flatnonzero(partial.per_move[MOVE_COUNT])
    by_stage = regroup(partial.dwell, np.arange(n_stages * n_stages) // n_stages, n_stages)
    return StageFigures(
        per_stage=partial.per_stage,
        keys=keys,
        per_move=partial.per_move[:, keys],
        move_stats=source.stats("stage_transitions", partial.dwell, keys, move_dwells, spec),
        stage_stats=source.stats("stages", by_stage, None, stage_dwells, spec),
    )


def stage_figures(reduce: Reduce, spec: JourneySpec, source: QuantileSource) -> StageFigures:
    """The stage figures of the log whose parts `reduce` runs over."""
    partial = reduce(chunk, combine, spec, source.whole)
    if partial is None:
        n_stages = spec.n_stages
        none = np.zeros(0, np.int64)
        partial = StagePartial(
            np.zeros((8, n_stages), np.int64),
            np.zeros((5, n_stages * n_stages), np.int64),
            durations_of(none, np.zeros(n_stages**2 + 1, np.int64), none, source.whole),
        )
    return finalize(partial, spec, source)


def unmapped_table(
    activity_names: np.ndarray, counts: np.ndarray, stage_of_activity: np.ndarray
) -> pd.DataFrame:
    """`touchpoint`, `events` of the activities mapped to no stage, most events first."""
    codes = np.flatnonzero((stage_of_activity < 0) & (counts > 0))
    frame = pd.DataFrame(
        {
            "touchpoint": pd.Series(activity_names[codes], dtype="str"),
            "events": counts[codes].astype(np.int64),
        }
    )
    return frame.sort_values(["events", "touchpoint"], ascending=[False, True]).reset_index(
        drop=True
    )


def stage_table(stages: list[str], f: StageFigures) -> pd.DataFrame:
    """Per stage, in stage order: STAGE_COLUMNS."""
    n_stages = len(stages)
    visits, open_visits, cases = f.per_stage[[STAGE_VISITS, STAGE_OPEN, STAGE_CASES]]
    closed = np.bincount(f.keys // n_stages, weights=f.per_move[MOVE_COUNT], minlength=n_stages)
    return pd.DataFrame(
        {
            "stage": pd.Series(stages, dtype="str"),
            "order": np.arange(n_stages, dtype=np.int64),
            "visits": visits.copy(),
            "cases": cases.copy(),
            "closed_visits": closed.astype(np.int64),
            "mean_s": f.stage_stats[MEAN],
            "median_s": f.stage_stats[MEDIAN],
            "p90_s": f.stage_stats[P90],
            "max_s": f.stage_stats[MAX],
            "open_visits": open_visits.copy(),
        }
    )


def transition_table(stages: list[str], f: StageFigures) -> pd.DataFrame:
    """TRANSITION_COLUMNS, most frequent first."""
    n_stages = len(stages)
    if f.keys.size == 0:
        return pd.DataFrame({c: [] for c in TRANSITION_COLUMNS}).astype(
            {
                "source": "str",
                "target": "str",
                "frequency": np.int64,
                "cases": np.int64,
                "backward": bool,
                "median_s": float,
            }
        )
    keys, frequency, cases, stats = f.keys, *f.per_move[[MOVE_COUNT, MOVE_CASES]], f.move_stats
    names = np.asarray(stages, dtype=object)
    frame = pd.DataFrame(
        {
            "source": pd.Series(names[keys // n_stages], dtype="str"),
            "target": pd.Series(names[keys % n_stages], dtype="str"),
            "frequency": frequency.astype(np.int64),
            "cases": cases.astype(np.int64),
            "backward": (keys % n_stages) < (keys // n_stages),
            "median_s": stats[MEDIAN],
        }
    )
    return frame.sort_values(
        ["frequency", "source", "target"], ascending=[False, True, True]
    ).reset_index(drop=True)


def funnel_table(stages: list[str], f: StageFigures, n_cases: int) -> pd.DataFrame:
    """FUNNEL_COLUMNS in stage order (see the module doc)."""
    n_stages = len(stages)
    at_most = f.per_stage[STAGE_FURTHEST]
    reached = at_most[::-1].cumsum()[::-1]
    dropped = f.per_stage[STAGE_FURTHEST_ABANDONED].copy()  # furthest there, never converting
    converted = (at_most - dropped)[::-1].cumsum()[::-1]
    visited = f.per_stage[STAGE_CASES].copy()
    following = np.append(reached[1:], np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        conversion = np.where(reached > 0, following / reached, np.nan)
        drop_share = np.where(reached > 0, dropped / reached, np.nan)
    conversion[-1] = np.nan
    return pd.DataFrame(
        {
            "stage": pd.Series(stages, dtype="str"),
            "order": np.arange(n_stages, dtype=np.int64),
            "reached": reached.astype(np.int64),
            "share": reached / n_cases,
            "visited": visited,
            "conversion_to_next": conversion,
            "drop_off": dropped.astype(np.int64),
            "drop_off_share": drop_share,
            "converted": converted.astype(np.int64),
        }
    )
