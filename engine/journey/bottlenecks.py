"""Bottlenecks: the places of a journey ranked by the conversions they lose, then by the
time customers spend there.

Three kinds of places are ranked: touchpoint transitions (a → b, the directly-follows
edges), stage transitions (stage s → stage t; with a channel column also split by the
channel of the event arrived at, "evaluation → purchase via phone") and stages (the dwell
in a stage). Each carries (a) the total time customers spend there (frequency × mean),
(b) its slowness (median and p90), and (c) for transitions, the conversions it loses,
as journey/lost.py defines them: a counterfactual against the other, non-converting
steps out of the same place, each journey that did not convert charged to one place, so
that the losses add up, with bootstrap intervals; only losses that hold after a Holm
adjustment over every step compared rank as losses.

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

from ..kernels.stages import MOVE_CONVERTING, MOVE_JOURNEYS
from ..kernels.stats import MEAN, MEDIAN, P90, SUM
from ..schema import FLOAT, INT, TEXT, table_schema, without
from .lost import LOST_COLUMNS, LOST_SCHEMA, Profile, StepLevel, lost_columns

if TYPE_CHECKING:
    from ..figures.stages import StageFigures

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


def rank_places(
    step_frames: list[pd.DataFrame],
    levels: list[StepLevel],
    profile: Profile,
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
    whose last visit is there; `profile` as lost.lost_columns takes it."""
    steps = pd.concat(step_frames, ignore_index=True)
    lost = lost_columns(levels, profile, min_journeys=min_journeys, confidence=confidence)
    steps = pd.concat([steps, lost], axis=1)
    steps = _best_alternatives(steps)
    converting = np.concatenate([level.converting for level in levels])
    rows = _stage_rows(stages, stage_table, abandoned, steps, converting)
    table = pd.concat([steps, rows], ignore_index=True)
    table["share_of_journeys"] = table["journeys"] / n_cases
    table["_has_loss"] = listed_losses(table)
    # Losses by size; every other place by the time spent there, whatever its estimate.
    table["_loss"] = np.where(table["_has_loss"], table["lost_conversions"], 0.0)
    table = table.sort_values(
        ["_has_loss", "_loss", "total_wait_s", "level", "source", "target"],
        ascending=[False, False, False, True, True, True],
        na_position="last",
    ).reset_index(drop=True)
    table["rank"] = np.arange(1, len(table) + 1, dtype=np.int64)
    return table[list(BOTTLENECK_COLUMNS)]  # drops the sort helpers


def listed_losses(table: pd.DataFrame) -> pd.Series:
    """The rows that rank, and are listed, as losing conversions: a loss chance does not
    explain (lost.loss_tests, Holm-adjusted over every step compared) of at least half a
    conversion, so that no action promises "about 0 conversions"."""
    return table["loss_significant"].astype(bool) & (table["lost_conversions"].fillna(0) >= 0.5)


def outcome_touchpoints(table: pd.DataFrame, min_journeys: int) -> pd.Series:
    """Touchpoints (with the journeys that stepped into them before converting) that no
    journey converts after, over at least `min_journeys` journeys: an outcome recorded
    as an event ('declined', 'cancelled') more often than a step a customer chose. Every
    step into one converts at 0 % by construction, so it tops the losses unless the
    mapping leaves it out (see the README's "Lost conversions")."""
    steps = table[(table["level"] == "touchpoint") & (table["journeys"] > 0)]
    if not (steps["conversion_rate"] > 0).any():  # nobody converts: nothing stands out
        return pd.Series(dtype=np.int64)
    into = steps.groupby("target", sort=True).agg(
        journeys=("journeys", "sum"), best=("conversion_rate", "max")
    )
    found = into[(into["best"] == 0) & (into["journeys"] >= max(min_journeys, 1))]
    return found["journeys"]


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
    stages: list[str],
    table: pd.DataFrame,
    abandoned: np.ndarray,
    steps: pd.DataFrame,
    converting: np.ndarray,
) -> pd.DataFrame:
    is_move = (steps["level"] == "stage_transition").to_numpy()
    moves = steps[is_move]
    sources, targets = moves["source"].tolist(), moves["target"].tolist()
    rates = moves["conversion_rate"].to_numpy()
    into_conversion = converting[is_move]
    # The best way out of each stage: the highest conversion rate, ties to the first
    # target alphabetically (undefined rates last). Moves into the conversion stage
    # convert by definition, and a way out where nobody converts is no way to point to.
    best_of: dict[str, int] = {}
    for i in sorted(
        (
            i
            for i in range(len(sources))
            if sources[i] != targets[i] and not into_conversion[i] and rates[i] > 0
        ),
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
    frame["loss_significant"] = False
    return frame
