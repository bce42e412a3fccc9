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
- intervals: a Poisson bootstrap over journeys (kernels.lost.bootstrap_profiles), which
  keeps overlapping groups right because it resamples journeys, not groups, and redoes
  the groups, the chances and the charges in every replicate, so that the doubt about
  which step a journey is charged to is in the interval. It runs over the journeys'
  profiles (kernels/profiles.py), equal ones grouped: a replicate costs the distinct
  profiles, not the events.

Journeys not converted by the end of the log are counted as not converted (a
conversion window, not a censoring model, is the way to compare journeys of unequal
age).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numba
import numpy as np
import pandas as pd

from ..kernels.lost import (
    bootstrap_profiles,
    chances,
    charge_profiles,
    tally_profiles,
)
from ..kernels.profiles import group_profiles
from ..schema import BOOL, FLOAT, INT, table_schema
from .poisson import poisson_alias
from .stats import holm, one_sided_p

#: Bootstrap replicates of the intervals, and the seed that makes them reproducible.
N_BOOT = 1000
SEED = 20261205
#: Replicate values kept at once (two per place and replicate): a log with more comparable
#: places than this allows runs the replicates again for the next places.
REPLICATES_KEPT = 4_000_000
#: Replicates drawn and counted together at most (kernels.lost.tally_profiles), and the
#: memory their weights and tallies may take per thread.
REPLICATE_BLOCK = 32
BLOCK_BYTES = 64 << 20

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
    keys: np.ndarray  # int64 step keys, sorted (as the profile kernel reads them)
    source: np.ndarray  # int64 source index per step (activity or stage)
    converting: np.ndarray  # bool: a converting step
    journeys: np.ndarray  # int64 |T|
    converted: np.ndarray  # int64 journeys of T that convert
    reach: np.ndarray  # int64 (2, n_sources): journeys taking a non-converting step, converted

    @property
    def source_kind(self) -> str:
        """What the steps leave: an activity (touchpoint steps) or a stage."""
        return "activity" if self.name == "touchpoint" else "stage"


@dataclass(frozen=True)
class Places:
    """The comparable steps, numbered 0..n_places-1 in row order, and the places they
    leave, numbered 0..n_sources-1 (slots), as journey profiles name them
    (kernels/profiles.py)."""

    steps: dict[str, tuple[np.ndarray, np.ndarray]]  # level name: sorted keys, numbers
    sources: dict[str, tuple[np.ndarray, np.ndarray]]  # "activity"/"stage": indexes, slots
    n_places: int
    n_sources: int


@dataclass(frozen=True)
class Profiles:
    """Equal journey profiles grouped (kernels.profiles.group_profiles)."""

    counts: np.ndarray  # int64 journeys per profile
    converted: np.ndarray  # bool
    offsets: np.ndarray  # int64 CSR into items
    items: np.ndarray  # int32: place numbers, then -(source slot + 1)

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        return self.counts, self.converted, self.offsets, self.items


def combine_profiles(parts: list[Profiles]) -> Profiles:
    """The profiles of parts (disjoint journeys) grouped as one."""
    offsets = [parts[0].offsets]
    for part in parts[1:]:
        offsets.append(part.offsets[1:] + offsets[-1][-1])
    return Profiles(
        *group_profiles(
            np.concatenate([p.counts for p in parts]),
            np.concatenate([p.converted for p in parts]),
            np.concatenate(offsets),
            np.concatenate([p.items for p in parts]),
        )
    )


#: profile(places) → the grouped profiles of every journey of the log (see Places).
Profile = Callable[[Places], Profiles]


def lost_columns(
    levels: list[StepLevel],
    profile: Profile,
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
    rows = np.flatnonzero(ok)
    places, place_source, reached = comparable_places(levels, comparable)
    # q as one ratio of integer counts (kernels.lost.chances): equal fractions, equal floats,
    # so the charge's tie-break is the documented one (exact while the products stay below
    # 2**53: up to ~67 million journeys at a place).
    point = (took[rows, None], won[rows, None], reached[0][:, None], reached[1][:, None])
    q, alone = (column[:, 0] for column in chances(*point, place_source))
    lost_alone, lost = np.zeros(len(ok)), np.zeros(len(ok))
    lost_alone[rows] = alone
    intervals = np.zeros((len(ok), 4))
    if rows.size:
        profiles = profile(places)
        _check_profiles(profiles, places, point)
        counts = profiles.counts[:, None]
        charged = charge_profiles(counts, *profiles.arrays()[1:], q[:, None])[:, 0]
        lost[rows] = charged * q
        alpha = 1.0 - confidence
        arrays = (*profiles.arrays(), place_source, places.n_sources, n_boot, alpha, seed)
        step = max(1, REPLICATES_KEPT // max(n_boot, 1))  # places per pass
        block = replicate_block(len(profiles.counts), len(rows))
        for lo in range(0, len(rows), step):
            hi = min(lo + step, len(rows))
            found = bootstrap_profiles(
                *arrays, poisson_alias(), lo, hi, block, numba.get_num_threads()
            )
            intervals[rows[lo:hi]] = found
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
            "lost_alone": lost_alone + nan,
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


def comparable_places(
    levels: list[StepLevel], comparable: list[np.ndarray]
) -> tuple[Places, np.ndarray, np.ndarray]:
    """The comparable steps of `levels` (a mask per level) as Places, the source slot of
    each, and per slot the journeys that left it by an alternative step and of those the
    converting ones (int64 (2, n_sources))."""
    steps: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    slot_of: dict[tuple[str, int], int] = {}
    reach: list[np.ndarray] = []
    place_source: list[int] = []
    n_places = 0
    for level, ok in zip(levels, comparable, strict=True):
        picked = np.flatnonzero(ok)
        if not picked.size:
            continue
        numbers = np.arange(n_places, n_places + len(picked), dtype=np.int64)
        steps[level.name] = (level.keys[picked].astype(np.int64), numbers)
        n_places += len(picked)
        for source in level.source[picked].tolist():
            slot = slot_of.setdefault((level.source_kind, source), len(slot_of))
            if slot == len(reach):
                reach.append(level.reach[:, source])
            place_source.append(slot)
    sources = {}
    for kind in ("activity", "stage"):
        pairs = [(index, slot) for (k, index), slot in slot_of.items() if k == kind]
        indexes, slots = np.asarray(pairs, np.int64).reshape(-1, 2).T
        sources[kind] = (indexes.copy(), slots.copy())
    reached = np.asarray(reach, np.int64).reshape(-1, 2).T
    places = Places(steps, sources, n_places, len(slot_of))
    return places, np.asarray(place_source, np.int64), np.ascontiguousarray(reached)


def _check_profiles(profiles: Profiles, places: Places, point: tuple[np.ndarray, ...]) -> None:
    """The profiles must count what the step tables count (`point`: took, won, reached,
    reached and converting, as chances takes them), or the bootstrap would not be that
    of the estimate: a mismatch is a defect of the engine, never of the log."""
    counts = profiles.counts[:, None]
    counted = tally_profiles(counts, *profiles.arrays()[1:], places.n_places, places.n_sources)
    if not all(np.array_equal(a, b) for a, b in zip(counted, point, strict=True)):
        raise RuntimeError(
            "internal error: the journey profiles of the lost-conversion bootstrap do not "
            "count the journeys the step tables count; please report this with the log"
        )


def replicate_block(n_groups: int, n_places: int) -> int:
    """Replicates per block: side by side they make one pass over the profiles serve
    them all, but each adds a weight per group and a few tallies per place."""
    per_replicate = 8 * (n_groups + 8 * n_places)
    return max(1, min(REPLICATE_BLOCK, BLOCK_BYTES // max(per_replicate, 1)))


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
