"""Bottlenecks: the places of a journey ranked by the conversions they lose, then by the
time customers spend there.

Three kinds of places are ranked: touchpoint transitions (a → b, the directly-follows
edges), stage transitions (stage s → stage t; with a channel column also split by the
channel of the event arrived at, "evaluation → purchase via phone") and stages (the dwell
in a stage). Each carries (a) the total time customers spend there (frequency × mean),
(b) its slowness (median and p90), and (c) for transitions, the conversions it loses,
as journey/lost.py defines them: a counterfactual against the other, non-converting
steps out of the same place, each journey that did not convert charged to one place, so
that the losses add up, with bootstrap intervals.

A stage's lost conversions are not estimated (the journeys that stop there and those
that go on are not comparable): its row counts the journeys that end there without
converting and names the best-converting way out; stages rank by their total dwell,
after the transitions that lose conversions. `actions.py` turns the top rows into
sentences.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..analysis.dfg import compute_edges, pair_step_counts
from ..kernels.dfg import number_edges, pair_keys
from ..kernels.grouping import chunk_count, group_values
from ..kernels.lost import pair_reach
from ..kernels.stages import MOVE_CONVERTING, MOVE_JOURNEYS, STAGE_LAST_ABANDONED, STAGE_REACH
from ..kernels.stats import MEAN, MEDIAN, P90, SUM, group_order_stats
from ..kernels.steps import PAIR_COUNT, pair_cases, step_outcomes
from ..schema import FLOAT, INT, TEXT, table_schema, without
from .lost import LOST_COLUMNS, LOST_SCHEMA, Charge, StepLevel, charge_journeys, lost_columns

if TYPE_CHECKING:
    from .model import JourneyModel
    from .stages import Journey, StageFigures

BOTTLENECK_SCHEMA = table_schema(
    ("rank", INT),
    ("level", TEXT),
    ("source", TEXT),
    ("target", TEXT),
    ("journeys", INT),
    ("share_of_journeys", FLOAT),
    ("frequency", INT),
    ("total_wait_s", FLOAT),
    ("mean_s", FLOAT),
    ("median_s", FLOAT),
    ("p90_s", FLOAT),
    ("conversion_rate", FLOAT),
    ("abandoned_after", INT),
    ("abandon_share", FLOAT),
    ("best_alternative", TEXT),
    ("best_alternative_rate", FLOAT),
    ("lost_conversions", FLOAT),
    ("lost_low", FLOAT),
    ("lost_high", FLOAT),
    without(LOST_SCHEMA, "lost_conversions", "lost_low", "lost_high"),
)
BOTTLENECK_COLUMNS = tuple(BOTTLENECK_SCHEMA.names)


def bottleneck_table(
    journey: Journey,
    *,
    min_journeys: int = 30,
    confidence: float = 0.95,
    channel: np.ndarray | None = None,
    channel_names: np.ndarray | None = None,
) -> pd.DataFrame:
    """All ranked places (BOTTLENECK_COLUMNS); see the module doc. `channel`: a code per
    event (-1: none) naming `channel_names`, to split stage transitions by channel."""
    log, model = journey.log, journey.model
    at_event = journey.conversions.at_event
    converting_act, converting_stage = converting_targets(model, log.activity_names)
    tp_frame, tp_level = _touchpoint_steps(journey, at_event, converting_act)
    stage_reach = journey.figures.per_stage[STAGE_REACH]
    frames = [tp_frame, stage_steps(model.stages, journey.figures)]
    levels = [tp_level, stage_level(journey.figures, converting_stage, stage_reach)]
    n_channels = 1
    if channel is not None:
        n_channels = len(channel_names) + 1
        frame, level = _stage_channel_steps(
            journey, at_event, channel, channel_names, converting_stage, stage_reach
        )
        frames.append(frame)
        levels.append(level)

    def charge(candidates: dict) -> np.ndarray:
        return charge_journeys(
            log.activity,
            log.case_offsets,
            at_event,
            log.n_activities,
            journey.stage_of_activity,
            len(model.stages),
            channel,
            n_channels,
            candidates,
            sum(len(level.keys) for level in levels),
        )

    return rank_places(
        frames,
        levels,
        charge,
        model.stages,
        journey.stages(),
        journey.figures.per_stage[STAGE_LAST_ABANDONED],
        log.n_cases,
        min_journeys=min_journeys,
        confidence=confidence,
    )


def converting_targets(
    model: JourneyModel, activity_names: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(per activity, per stage): whether a step into it is a converting step, one into a
    conversion event or the conversion stage (the stage named as the conversion, or the
    stage of the conversion activity)."""
    stage_of = model.stage_codes(list(activity_names))
    conversion = model.conversion
    if conversion.activity is not None:
        is_event = np.asarray(activity_names == conversion.activity, dtype=bool)
        mapped = model.touchpoints.get(conversion.activity)
        stage = model.stage_order(mapped) if mapped is not None else -1
    else:
        stage = model.stage_order(conversion.stage)
        is_event = stage_of == stage
    by_stage = np.arange(len(model.stages)) == stage
    return is_event | ((stage_of == stage) & (stage >= 0)), by_stage


def rank_places(
    step_frames: list[pd.DataFrame],
    levels: list[StepLevel],
    charge: Charge,
    stages: list[str],
    stage_table: pd.DataFrame,
    abandoned: np.ndarray,
    n_cases: int,
    *,
    min_journeys: int = 30,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """BOTTLENECK_COLUMNS from the steps (`step_frame`s of each level, rows in the order
    of `levels`' keys), the stage table and, per stage, the never-converting journeys
    whose last visit is there; `charge` as lost.lost_columns takes it."""
    steps = pd.concat(step_frames, ignore_index=True)
    lost = lost_columns(levels, charge, min_journeys=min_journeys, confidence=confidence)
    steps = pd.concat([steps, lost], axis=1)
    steps = _best_alternatives(steps)
    rows = _stage_rows(stages, stage_table, abandoned, steps)
    table = pd.concat([steps, rows], ignore_index=True)
    table["share_of_journeys"] = table["journeys"] / n_cases
    table["_has_loss"] = table["lost_conversions"].fillna(0) > 0
    table = table.sort_values(
        ["_has_loss", "lost_conversions", "total_wait_s", "level", "source", "target"],
        ascending=[False, False, False, True, True, True],
        na_position="last",
    ).reset_index(drop=True)
    table["rank"] = np.arange(1, len(table) + 1, dtype=np.int64)
    return table[list(BOTTLENECK_COLUMNS)]  # drops the sort helper


#: Largest number of touchpoint pairs (n_activities**2) counted in dense tables (one per
#: run of cases, see kernels.grouping); past it the steps come from the directly-follows
#: graph's edges.
DENSE_LIMIT = 1 << 20


def _touchpoint_steps(
    journey: Journey, at_event: np.ndarray, converting_act: np.ndarray
) -> tuple[pd.DataFrame, StepLevel]:
    log = journey.log
    n_act = log.n_activities
    names = log.activity_names
    # Every directly-follows edge is a step, also those only taken after converting.
    if n_act * n_act <= DENSE_LIMIT:
        counts, durations, offsets, reach = pair_step_counts(
            log, at_event, eligible=~converting_act
        )
        edge_keys = np.flatnonzero(counts[PAIR_COUNT])
        frequency, journeys, converting, abandoned = counts[:, edge_keys]
        stats = group_order_stats(durations, offsets)[:, edge_keys]
    else:
        edges = log.cache("edges", compute_edges)
        dfg_keys = edges.source.astype(np.int64) * n_act + edges.target
        order = np.argsort(dfg_keys)
        edge_keys = dfg_keys[order]
        frequency, stats = edges.frequency[order], edges.stats[:, order]
        keys = pair_keys(log.activity, log.case_offsets, n_act, np.empty(0, np.int64))
        ids = np.searchsorted(edge_keys, keys)  # edge_keys: every pair's key, sorted
        case, target = pair_cases(log.case_offsets)
        journeys, converting, abandoned = step_outcomes(ids, case, target, len(edge_keys), at_event)
        chunks = chunk_count(log.n_cases, n_act)
        reach = pair_reach(log.activity, log.case_offsets, at_event, ~converting_act, chunks)
    frame = step_frame(
        "touchpoint",
        names[edge_keys // n_act],
        names[edge_keys % n_act],
        journeys,
        frequency,
        stats,
        converting,
        abandoned,
    )
    return frame, touchpoint_level(edge_keys, n_act, journeys, converting, converting_act, reach)


def touchpoint_level(
    keys: np.ndarray,
    n_act: int,
    journeys: np.ndarray,
    converted: np.ndarray,
    converting_act: np.ndarray,
    reach: np.ndarray,
) -> StepLevel:
    """The touchpoint steps of sorted `keys` (a * n_act + b) as lost.py reads them."""
    keys = np.asarray(keys, np.int64)
    return StepLevel(
        "touchpoint",
        keys,
        keys // n_act,
        converting_act[keys % n_act],
        np.asarray(journeys, np.int64),
        np.asarray(converted, np.int64),
        reach,
    )


def stage_level(f: StageFigures, converting_stage: np.ndarray, reach: np.ndarray) -> StepLevel:
    """The stage transitions as lost.py reads them."""
    n_stages = len(converting_stage)
    return StepLevel(
        "stage_transition",
        f.keys,
        f.keys // n_stages,
        converting_stage[f.keys % n_stages],
        f.per_move[MOVE_JOURNEYS],
        f.per_move[MOVE_CONVERTING],
        reach,
    )


def stage_steps(stages: list[str], f: StageFigures) -> pd.DataFrame:
    """The stage transitions as steps, counted from the events, conversions included."""
    n_stages = len(stages)
    names = np.asarray(stages, dtype=object)
    moves, _, journeys, converting, abandoned = f.per_move
    return step_frame(
        "stage_transition",
        names[f.keys // n_stages],
        names[f.keys % n_stages],
        journeys,
        moves,
        f.move_stats,
        converting,
        abandoned,
    )


def _stage_channel_steps(
    journey: Journey,
    at_event: np.ndarray,
    channel: np.ndarray,
    channel_names: np.ndarray,
    converting_stage: np.ndarray,
    reach: np.ndarray,
) -> tuple[pd.DataFrame, StepLevel]:
    """Stage transitions split by the channel of the event they arrive at."""
    moves = journey.moves
    n_stages = len(journey.model.stages)
    n_channels = len(channel_names) + 1  # code 0: no channel
    ids = moves.key * n_channels + (channel[moves.arrival].astype(np.int64) + 1)
    step_keys, columns = _move_steps(journey, at_event, ids, n_stages * n_stages * n_channels)
    stages = np.asarray(journey.model.stages, dtype=object)
    labels = np.append(np.asarray(["(no channel)"], dtype=object), channel_names)
    pair, via = step_keys // n_channels, step_keys % n_channels
    target = [f"{t} via {c}" for t, c in zip(stages[pair % n_stages], labels[via], strict=True)]
    frame = step_frame("stage_transition_channel", stages[pair // n_stages], target, *columns)
    journeys, _, _, converted, _ = columns
    level = StepLevel(
        "stage_transition_channel",
        step_keys,
        pair // n_stages,
        converting_stage[pair % n_stages],
        journeys,
        converted,
        reach,
    )
    return frame, level


def _move_steps(
    journey: Journey, at_event: np.ndarray, move_keys: np.ndarray, n_keys: int
) -> tuple[np.ndarray, tuple]:
    """Steps made of moves between stage visits, one per distinct key below `n_keys`:
    (the keys, in order; journeys, frequency, dwell statistics, converting, abandoned)."""
    moves = journey.moves
    ids = move_keys.copy()
    step_keys = number_edges(ids, n_keys)  # ids now dense, in key order
    journeys, converting, abandoned = step_outcomes(
        ids, moves.case, moves.arrival, len(step_keys), at_event
    )
    grouped, offsets = group_values(moves.dwell, ids, len(step_keys))
    stats = group_order_stats(grouped, offsets)
    return step_keys, (journeys, np.diff(offsets), stats, converting, abandoned)


def step_frame(
    level: str,
    source: np.ndarray,
    target: np.ndarray | list,
    journeys: np.ndarray,
    frequency: np.ndarray,
    stats: np.ndarray,
    converting: np.ndarray,
    abandoned: np.ndarray,
) -> pd.DataFrame:
    """The rows of one level of steps; `stats` has the rows of kernels.stats."""
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.asarray(converting) / np.asarray(journeys)
        abandon_share = np.asarray(abandoned) / np.asarray(journeys)
    return pd.DataFrame(
        {
            "level": level,
            "source": source,
            "target": target,
            "journeys": journeys,
            "frequency": frequency,
            "total_wait_s": stats[SUM],
            "mean_s": stats[MEAN],
            "median_s": stats[MEDIAN],
            "p90_s": stats[P90],
            "conversion_rate": rate,
            "abandoned_after": abandoned,
            "abandon_share": abandon_share,
        }
    )


def _best_alternatives(steps: pd.DataFrame) -> pd.DataFrame:
    """`best_alternative(_rate)`: the best-converting other comparable step out of the
    same place, for the reader; the estimates pool all alternatives (lost.py)."""
    rate = steps["conversion_rate"].to_numpy()
    eligible = steps["comparable"].to_numpy()
    places = list(zip(steps["level"], steps["source"], strict=True))
    targets = steps["target"].tolist()
    ranked: dict[tuple[str, str], list[int]] = {}
    for i in sorted(np.flatnonzero(eligible), key=lambda i: (-rate[i], targets[i])):
        ranked.setdefault(places[i], []).append(i)
    best_target, best_rate = [], []
    for i, place in enumerate(places):
        others = [j for j in ranked.get(place, [])[:2] if j != i][:1]
        best_target.append(targets[others[0]] if others else None)
        best_rate.append(rate[others[0]] if others else np.nan)
    steps = steps.copy()
    steps["best_alternative"] = best_target
    steps["best_alternative_rate"] = np.asarray(best_rate, dtype=float)
    return steps


def _stage_rows(
    stages: list[str], table: pd.DataFrame, abandoned: np.ndarray, steps: pd.DataFrame
) -> pd.DataFrame:
    moves = steps[steps["level"] == "stage_transition"]
    sources, targets = moves["source"].tolist(), moves["target"].tolist()
    rates = moves["conversion_rate"].to_numpy()
    # The best way out of each stage: the highest conversion rate, ties to the first
    # target alphabetically (undefined rates last).
    best_of: dict[str, int] = {}
    for i in sorted(
        (i for i in range(len(sources)) if sources[i] != targets[i]),
        key=lambda i: (np.isnan(rates[i]), -rates[i] if rates[i] == rates[i] else 0.0, targets[i]),
    ):
        best_of.setdefault(sources[i], i)
    cases = table["cases"].to_numpy()
    closed = table["closed_visits"].to_numpy()
    mean = table["mean_s"].to_numpy()
    best = [best_of.get(stage, -1) for stage in stages]
    with np.errstate(divide="ignore", invalid="ignore"):
        abandon_share = np.where(cases > 0, abandoned / cases, np.nan)
    frame = pd.DataFrame(
        {
            "level": "stage",
            "source": list(stages),
            "target": "",
            "journeys": cases.astype(np.int64),
            "frequency": table["visits"].to_numpy(np.int64),
            "total_wait_s": np.where(closed > 0, mean * closed, 0.0),
            "mean_s": mean,
            "median_s": table["median_s"].to_numpy(),
            "p90_s": table["p90_s"].to_numpy(),
            "conversion_rate": np.nan,
            "abandoned_after": abandoned.astype(np.int64),
            "abandon_share": abandon_share,
            "best_alternative": [targets[b] if b >= 0 else None for b in best],
            "best_alternative_rate": np.array([rates[b] if b >= 0 else np.nan for b in best]),
            "comparable": False,
            "alternative_journeys": np.zeros(len(stages), np.int64),
        }
    )
    for column in LOST_COLUMNS[2:]:
        frame[column] = np.nan
    return frame
