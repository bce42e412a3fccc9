"""Lost conversions: the counterfactual behind the ranked places and the action list.

A *place* is a touchpoint or a stage; a *step* leaves it for a target (touchpoint
a → b, stage s → t, or s → t split by the channel of the event arrived at). Only steps
taken before a journey converts count. For a step p out of place s:

- *converting steps* (into a conversion event, or into the conversion stage: the stage
  named as the conversion, or the stage of the conversion activity) are neither ranked
  nor used as alternatives: a comparison with them would call every journey that did not
  convert "lost";
- T: the journeys that took p; C: the journeys that took another, non-converting step
  out of s and never took p. The groups are disjoint. r_T, r_C: their conversion rates;
- the place is *comparable* when p is not a converting step and both groups have at
  least `min_journeys` journeys;
- `lost_alone` = |T| × max(r_C − r_T, 0): how many more journeys would have converted
  had those taking p converted as journeys at s do when they take the alternatives
  (pooled, so weighted by use);
- each journey of T that did not convert would have converted with chance
  q = max(r_C − r_T, 0) / (1 − r_T). A journey that did not convert is *charged* to one
  place: among the comparable steps it took, the one with the largest q (ties: the
  first row). `lost_conversions` = q × the journeys charged to the place. A journey is
  thus counted once, with at most the chance of one step, and the listed losses add up
  to at most the journeys that did not convert; `share_of_lost` is each place's part of
  their sum;
- a loss is *significant* when "T converts less than C" holds at the chosen confidence
  after a Holm adjustment over every comparable step (`loss_tests`); only significant
  losses rank as losses and enter the action list as such: with a dozen steps compared
  and none worse than its alternatives, one would otherwise show a loss by chance;
- intervals: a Poisson bootstrap over journeys (kernels.lost.bootstrap_losses), which
  keeps overlapping groups right because it resamples journeys, not groups. The charges
  are held at the point estimate's.

Journeys not converted by the end of the log are counted as not converted (a
conversion window, not a censoring model, is the way to compare journeys of unequal
age).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..kernels.grouping import chunk_count
from ..kernels.lost import (
    ALT_CONVERTED,
    ALT_LOST,
    STEP_CHARGED,
    STEP_CONVERTED,
    STEP_OTHER,
    bootstrap_losses,
    charge_moves,
    charge_pairs,
    point_estimates,
)
from ..schema import BOOL, FLOAT, INT, table_schema
from .stats import holm, one_sided_p

#: Bootstrap replicates of the intervals, and the seed that makes them reproducible.
N_BOOT = 1000
SEED = 20261205

LOST_SCHEMA = table_schema(
    comparable=BOOL,
    alternative_journeys=INT,
    alternative_rate=FLOAT,
    lost_alone=FLOAT,
    lost_alone_low=FLOAT,
    lost_alone_high=FLOAT,
    lost_conversions=FLOAT,
    lost_low=FLOAT,
    lost_high=FLOAT,
    share_of_lost=FLOAT,
    loss_p_value=FLOAT,
    loss_p_adjusted=FLOAT,
    loss_significant=BOOL,
)
LOST_COLUMNS = tuple(LOST_SCHEMA.names)


@dataclass(frozen=True)
class StepLevel:
    """The steps of one level, in key order, with the journeys at their sources."""

    name: str  # "touchpoint", "stage_transition", "stage_transition_channel"
    keys: np.ndarray  # int64 step keys, sorted (as the charging kernels read them)
    source: np.ndarray  # int64 source index per step (activity or stage)
    converting: np.ndarray  # bool: a converting step
    journeys: np.ndarray  # int64 |T|
    converted: np.ndarray  # int64 journeys of T that convert
    reach: np.ndarray  # int64 (2, n_sources): journeys taking a non-converting step, converted


#: charge(candidates) → journeys charged per place id: `candidates` has, per level name,
#: (sorted keys, q, place ids) of the steps with a chance > 0.
Charge = Callable[[dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]], np.ndarray]


def lost_columns(
    levels: list[StepLevel],
    charge: Charge,
    *,
    min_journeys: int,
    confidence: float,
    n_boot: int = N_BOOT,
    seed: int = SEED,
) -> pd.DataFrame:
    """LOST_COLUMNS for the steps of `levels`, one row per step in level then key order."""
    comparable, n_alt, k_alt, alternatives = [], [], [], []
    for level in levels:
        n_a = level.reach[0][level.source] - level.journeys
        k_a = level.reach[1][level.source] - level.converted
        ok = ~level.converting & (level.journeys >= min_journeys) & (n_a >= min_journeys)
        comparable.append(ok)
        n_alt.append(np.where(ok, n_a, 0))
        k_alt.append(np.where(ok, k_a, 0))
        # |C| of every step compared or comparable in kind (not converting, taken before)
        alternatives.append(np.where(level.converting | (level.journeys == 0), 0, n_a))
    ok = np.concatenate(comparable)
    took = np.concatenate([level.journeys for level in levels])
    won = np.concatenate([level.converted for level in levels])
    n_a, k_a = np.concatenate(n_alt), np.concatenate(k_alt)
    cells = np.zeros((len(ok), 5), np.int64)
    cells[:, STEP_CONVERTED] = np.where(ok, won, 0)
    cells[:, STEP_OTHER] = np.where(ok, took - won, 0)
    cells[:, ALT_CONVERTED] = k_a
    cells[:, ALT_LOST] = n_a - k_a
    # q = (r_C - r_T) / (1 - r_T) as one ratio of integer counts, so that places whose q is
    # the same fraction get the same float and the charge's tie-break is the documented one
    # (exact while the products stay below 2**53: up to ~67 million journeys at a place).
    gain = k_a * took - won * n_a
    room = n_a * (took - won)
    with np.errstate(divide="ignore", invalid="ignore"):
        q = np.where(ok & (gain > 0), gain / np.where(room > 0, room, 1), 0.0)
    charged = charge(_candidates(levels, q)) if (q > 0).any() else np.zeros(len(ok), np.int64)
    cells[:, STEP_CHARGED] = charged
    cells[:, STEP_OTHER] -= charged
    estimates = point_estimates(cells)
    intervals = np.zeros((len(ok), 4))
    rows = np.flatnonzero(ok)
    if rows.size:
        alpha = 1.0 - confidence
        intervals[rows] = bootstrap_losses(np.ascontiguousarray(cells[rows]), n_boot, alpha, seed)
    lost = estimates[:, 1]
    total = lost.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        alt_rate = np.where(ok, k_a / n_a, np.nan)
    nan = np.where(ok, 0.0, np.nan)
    p_value, p_adjusted = loss_tests(ok, won, took, k_a, n_a)
    return pd.DataFrame(
        {
            "comparable": ok,
            "alternative_journeys": np.concatenate(alternatives).astype(np.int64),
            "alternative_rate": alt_rate,
            "lost_alone": estimates[:, 0] + nan,
            "lost_alone_low": intervals[:, 0] + nan,
            "lost_alone_high": intervals[:, 1] + nan,
            "lost_conversions": lost + nan,
            "lost_low": intervals[:, 2] + nan,
            "lost_high": intervals[:, 3] + nan,
            "share_of_lost": (lost / total if total > 0 else np.zeros(len(ok))) + nan,
            "loss_p_value": p_value,
            "loss_p_adjusted": p_adjusted,
            "loss_significant": ok & (p_adjusted <= 1.0 - confidence),
        }
    )


def loss_tests(
    comparable: np.ndarray,
    converted: np.ndarray,
    journeys: np.ndarray,
    alt_converted: np.ndarray,
    alternatives: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Per step: the one-sided p-value of "T converts less than C" (pooled two-proportion
    z test; T and C are disjoint sets of journeys), and that p-value Holm-adjusted over
    every comparable step, so that a log compared at many places does not find a loss by
    chance somewhere (family-wise error). NaN where the step is not comparable."""
    p = np.full(len(comparable), np.nan)
    rows = np.flatnonzero(comparable)
    if rows.size:
        p[rows] = one_sided_p(
            alt_converted[rows], alternatives[rows], converted[rows], journeys[rows]
        )
    return p, holm(p)


def _candidates(
    levels: list[StepLevel], q: np.ndarray
) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    out, first = {}, 0
    for level in levels:
        part = q[first : first + len(level.keys)]
        keep = np.flatnonzero(part > 0)
        if keep.size:
            out[level.name] = (level.keys[keep], part[keep], (first + keep).astype(np.int64))
        first += len(level.keys)
    return out


def charge_journeys(
    act: np.ndarray,
    offsets: np.ndarray,
    converted_at: np.ndarray,
    n_act: int,
    stage_of_activity: np.ndarray,
    n_stages: int,
    channel: np.ndarray | None,
    n_channels: int,
    candidates: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]],
    n_places: int,
) -> np.ndarray:
    """Journeys charged to each place id (see the module doc), over the cases of
    `offsets`: the whole log, or one part of it (counts of parts add up)."""
    n_cases = offsets.shape[0] - 1
    best_q = np.zeros(n_cases)
    best_place = np.full(n_cases, -1, np.int64)
    best_at = np.zeros(n_cases, np.int64)
    chunks = chunk_count(n_cases, 1)
    if "touchpoint" in candidates:
        keys, q, place = candidates["touchpoint"]
        slots = _slots(keys, n_act * n_act)
        charge_pairs(
            act,
            offsets,
            converted_at,
            n_act,
            keys,
            slots,
            q,
            place,
            best_q,
            best_place,
            best_at,
            chunks,
        )
    no_channel = np.zeros(1, np.int32)
    for name, split in (("stage_transition", 1), ("stage_transition_channel", n_channels)):
        if name in candidates:
            keys, q, place = candidates[name]
            codes = channel if channel is not None and split > 1 else no_channel
            charge_moves(
                act,
                offsets,
                stage_of_activity,
                n_stages,
                codes,
                split,
                converted_at,
                keys,
                _slots(keys, n_stages * n_stages * split),
                q,
                place,
                best_q,
                best_place,
                best_at,
                chunks,
            )
    charged = best_place[best_place >= 0]
    return np.bincount(charged, minlength=n_places).astype(np.int64)


#: Largest key space looked up through a table of positions rather than by binary search.
SLOT_LIMIT = 1 << 22


def _slots(keys: np.ndarray, n_keys: int) -> np.ndarray:
    """Position of each possible key in `keys` (-1: none), or an empty table when the key
    space is too large for one (the kernels then search)."""
    if n_keys > SLOT_LIMIT:
        return np.zeros(0, np.int64)
    slots = np.full(n_keys, -1, np.int64)
    slots[keys] = np.arange(len(keys))
    return slots
