"""Bottlenecks ranked into prioritized actions.

Three kinds of places are ranked: touchpoint transitions (a → b, the directly-follows
edges), stage transitions (stage s → stage t; with a channel column also split by the
channel of the event arrived at, "evaluation → purchase via phone") and stages (the dwell
in a stage). Each
carries (a) the total time customers spend there (frequency × mean), (b) its slowness
(median and p90), and (c) the conversions it loses:

- for a transition s → t, the journeys taking it before converting convert afterwards at
  some rate (steps taken after converting do not count); the best comparable path is
  the transition from the same s with the highest conversion rate (among those taken by
  at least `min_journeys` journeys). Lost conversions =
  journeys × (best rate − rate), when positive, with a confidence interval from the
  difference of the two proportions (normal approximation);
- for a stage, the journeys that abandon after it (their last visit is there and they
  never convert) are counted, and the best-converting way out of it is named; its lost
  conversions are not estimated (the journeys that stop and those that go on are not
  comparable), so stages rank by their total dwell, after the transitions that lose
  conversions.

Rows are ranked by lost conversions, then by total time. `actions` turns the top rows
into plain-language lines with the numbers behind them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..analysis.dfg import compute_edges, pair_step_counts
from ..kernels.dfg import number_edges, pair_keys
from ..kernels.grouping import group_values
from ..kernels.stats import MEAN, MEDIAN, P90, SUM, group_order_stats
from ..kernels.steps import pair_cases, step_outcomes
from .stats import z_value

if TYPE_CHECKING:
    from .stages import Journey, StageFigures

BOTTLENECK_COLUMNS = (
    "rank",
    "level",
    "source",
    "target",
    "journeys",
    "share_of_journeys",
    "frequency",
    "total_wait_s",
    "mean_s",
    "median_s",
    "p90_s",
    "conversion_rate",
    "abandoned_after",
    "abandon_share",
    "best_alternative",
    "best_alternative_rate",
    "lost_conversions",
    "lost_low",
    "lost_high",
)
ACTION_COLUMNS = (
    "rank",
    "action",
    "level",
    "source",
    "target",
    "lost_conversions",
    "lost_low",
    "lost_high",
    "journeys",
    "share_of_journeys",
    "median_wait_s",
    "abandon_share",
    "total_wait_s",
)


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
    at_event = journey.conversions.at_event
    stages = journey.model.stages
    parts = [_touchpoint_steps(journey, at_event), stage_steps(stages, journey.figures)]
    if channel is not None:
        parts.append(_stage_channel_steps(journey, at_event, channel, channel_names))
    return rank_places(
        parts,
        stages,
        journey.stages(),
        journey.figures.per_stage[4],
        journey.log.n_cases,
        min_journeys=min_journeys,
        confidence=confidence,
    )


def rank_places(
    step_frames: list[pd.DataFrame],
    stages: list[str],
    stage_table: pd.DataFrame,
    abandoned: np.ndarray,
    n_cases: int,
    *,
    min_journeys: int = 30,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """BOTTLENECK_COLUMNS from the steps (`step_frame`s of each level), the stage table
    and, per stage, the never-converting journeys whose last visit is there."""
    steps = pd.concat(step_frames, ignore_index=True)
    steps = _compare_alternatives(steps, min_journeys=min_journeys, confidence=confidence)
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


def _touchpoint_steps(journey: Journey, at_event: np.ndarray) -> pd.DataFrame:
    log = journey.log
    n_act = log.n_activities
    names = log.activity_names
    # Every directly-follows edge is a step, also those only taken after converting.
    if n_act * n_act <= DENSE_LIMIT:
        counts, durations, offsets = pair_step_counts(log, at_event)
        edge_keys = np.flatnonzero(counts[0])
        frequency, journeys, converting, abandoned = counts[:, edge_keys]
        stats = group_order_stats(durations, offsets)[:, edge_keys]
    else:
        edges = log._cached("edges", compute_edges)
        dfg_keys = edges.source.astype(np.int64) * n_act + edges.target
        order = np.argsort(dfg_keys)
        edge_keys = dfg_keys[order]
        frequency, stats = edges.frequency[order], edges.stats[:, order]
        keys = pair_keys(log.activity, log.case_offsets, n_act, np.empty(0, np.int64))
        ids = np.searchsorted(edge_keys, keys)  # edge_keys: every pair's key, sorted
        case, target = pair_cases(log.case_offsets)
        journeys, converting, abandoned = step_outcomes(ids, case, target, len(edge_keys), at_event)
    return step_frame(
        "touchpoint",
        names[edge_keys // n_act],
        names[edge_keys % n_act],
        journeys,
        frequency,
        stats,
        converting,
        abandoned,
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
    journey: Journey, at_event: np.ndarray, channel: np.ndarray, channel_names: np.ndarray
) -> pd.DataFrame:
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
    return step_frame("stage_transition_channel", stages[pair // n_stages], target, *columns)


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
            "converting": converting,
            "abandoned_after": abandoned,
        }
    )


def _compare_alternatives(
    steps: pd.DataFrame, *, min_journeys: int, confidence: float
) -> pd.DataFrame:
    z = z_value(confidence)
    steps = steps.copy()
    journeys = steps["journeys"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        steps["conversion_rate"] = steps["converting"] / steps["journeys"]
        steps["abandon_share"] = steps["abandoned_after"] / steps["journeys"]
    rate, n = steps["conversion_rate"].to_numpy(), journeys.astype(float)
    places = list(zip(steps["level"], steps["source"], strict=True))
    targets = steps["target"].tolist()
    # The best step out of each place: the highest rate among the eligible ones, ties to
    # the first target alphabetically (undefined rates last).
    best_of: dict[tuple[str, str], int] = {}
    for i in sorted(
        np.flatnonzero(journeys >= min_journeys),
        key=lambda i: (np.isnan(rate[i]), -rate[i] if rate[i] == rate[i] else 0.0, targets[i]),
    ):
        best_of.setdefault(places[i], i)
    best = [best_of.get(place, -1) for place in places]
    best_target = [targets[b] if b >= 0 else None for b in best]
    best_rate = np.array([rate[b] if b >= 0 else np.nan for b in best])
    best_n = np.array([n[b] if b >= 0 else np.nan for b in best])
    is_best = np.array([b == i for i, b in enumerate(best)], dtype=bool)
    gap = np.where(is_best | np.isnan(best_rate), 0.0, np.maximum(best_rate - rate, 0.0))
    se = np.sqrt(best_rate * (1 - best_rate) / best_n + rate * (1 - rate) / n)
    steps["best_alternative"] = [
        None if b else t for t, b in zip(best_target, is_best, strict=True)
    ]
    steps["best_alternative_rate"] = np.where(is_best, np.nan, best_rate)
    steps["lost_conversions"] = n * gap
    steps["lost_low"] = np.where(gap > 0, n * np.maximum(gap - z * se, 0.0), 0.0)
    steps["lost_high"] = np.where(gap > 0, n * (gap + z * se), 0.0)
    return steps.drop(columns="converting")


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
    return pd.DataFrame(
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
            "lost_conversions": np.nan,
            "lost_low": np.nan,
            "lost_high": np.nan,
        }
    )


def action_table(bottlenecks: pd.DataFrame, *, top: int = 10) -> pd.DataFrame:
    """The `top` places worth acting on, as sentences with their numbers (ACTION_COLUMNS).

    Only places that lose conversions or hold customers waiting are listed."""
    worth = bottlenecks[
        (bottlenecks["lost_conversions"].fillna(0) > 0) | (bottlenecks["total_wait_s"] > 0)
    ]
    rows = []
    for _, row in worth.head(top).iterrows():
        rows.append(
            {
                "rank": len(rows) + 1,
                "action": _sentence(row),
                "level": row["level"],
                "source": row["source"],
                "target": row["target"],
                "lost_conversions": row["lost_conversions"],
                "lost_low": row["lost_low"],
                "lost_high": row["lost_high"],
                "journeys": row["journeys"],
                "share_of_journeys": row["share_of_journeys"],
                "median_wait_s": row["median_s"],
                "abandon_share": row["abandon_share"],
                "total_wait_s": row["total_wait_s"],
            }
        )
    frame = pd.DataFrame(rows, columns=list(ACTION_COLUMNS))
    return frame.astype({"rank": np.int64, "journeys": np.int64}) if len(frame) else frame


def _sentence(row: pd.Series) -> str:
    share = f"{_share(row['share_of_journeys'])} of journeys"
    if row["level"] == "stage":
        text = (
            f"stage {row['source']}: {share}, median dwell {human(row['median_s'])}, "
            f"{row['abandoned_after']:,} journeys ({_share(row['abandon_share'])}) end there "
            "without converting"
        )
        if row["best_alternative"] is not None and np.isfinite(row["best_alternative_rate"]):
            text += (
                f"; journeys moving on to {row['best_alternative']} convert at "
                f"{row['best_alternative_rate']:.0%}; {human(row['total_wait_s'])} of dwell in all"
            )
        return text
    arrow = f"{row['source']} → {row['target']}"
    kind = "stage " if row["level"].startswith("stage_transition") else ""
    if row["journeys"] == 0:  # only ever taken after converting: a wait, not a loss
        return (
            f"{kind}{arrow}: taken {row['frequency']:,} times after converting, median wait "
            f"{human(row['median_s'])}; {human(row['total_wait_s'])} of waiting in all"
        )
    text = (
        f"{kind}{arrow}: {share}, median wait {human(row['median_s'])}, "
        f"{_share(row['abandon_share'])} abandon after it"
    )
    if row["lost_conversions"] > 0:
        text += (
            f"; journeys going {row['source']} → {row['best_alternative']} convert at "
            f"{_rates(row['best_alternative_rate'], row['conversion_rate'])}: about "
            f"{row['lost_conversions']:,.0f} conversions to win "
            f"(95% CI {row['lost_low']:,.0f}-{row['lost_high']:,.0f})"
        )
    else:
        text += f"; {human(row['total_wait_s'])} of waiting in all"
    return text


def _rates(best: float, rate: float) -> str:
    """'56% against 36%'; one decimal when whole percents would hide the gap
    ('99.6% against 98.9%', not '100% against 99%')."""
    digits = 0 if abs(round(best * 100) - round(rate * 100)) >= 3 else 1
    return f"{best:.{digits}%} against {rate:.{digits}%}"


def _share(value: float) -> str:
    """A share for a sentence: '41%', '<1%' for a few, never 'nan%'."""
    if value is None or not np.isfinite(value):
        return "n/a"
    if 0 < value < 0.005:
        return "<1%"
    return f"{value:.0%}"


def human(seconds: float) -> str:
    """A duration for a sentence: '3.2 days', '4.0 h', '12 min', '8 s'."""
    if seconds is None or not np.isfinite(seconds):
        return "n/a"
    for unit, size in (("days", 86_400), ("h", 3_600), ("min", 60)):
        if abs(seconds) >= size:
            return f"{seconds / size:,.1f} {unit}"
    return f"{seconds:,.0f} s"
