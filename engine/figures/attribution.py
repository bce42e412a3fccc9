"""Attribution: which touchpoints or channels earn the conversions.

A converted journey's *path* is its events before its converting event. Five models
share the conversions out over the paths:

- `first_touch`, `last_touch`: each conversion to the path's first (last) event;
- `linear`: equal shares to every event of the path;
- `time_decay`: shares weighing each event by 2 ** (-(time to the conversion) /
  half-life), 7 days by default;
- `markov`: the removal effect of a first-order Markov chain fitted to all journeys
  (start → states → conversion, or → no conversion for journeys that did not convert):
  the share of conversions the chain loses when a state becomes an exit, the
  conversions shared in proportion to it. Its intervals come from a Poisson bootstrap
  over random blocks of journeys (journey/markov.py), the chain refitted per replicate:
  percentile intervals for the removal effect and the credit.

By touchpoint, the states are the touchpoints. By channel, they are the (touchpoint,
channel) pairs the events have, and removing a channel removes all of its states, so
that a channel is not credited for what the touchpoints around it do; the rule-based
models credit the channel of each event. Journeys converting at their first event have
no path; their conversions go to "(no touchpoint)". The chain keeps at most
`journey.markov.MAX_STATES` states, the rarest merged into "(other)".

A reduction (engine.figures): every count is a sum over journeys, so `chunk` counts a
part and `combine` adds parts up; the bootstrap blocks are drawn per part.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..errors import InputError
from ..journey import markov
from ..journey.markov import Chain, bootstrap, capped_chain, removal_effects, shares
from ..kernels.attribution import (
    DECAY,
    FIRST,
    LAST,
    LINEAR,
    block_transition_counts,
    heuristic_credits,
)
from ..kernels.grouping import chunk_count, relabel
from ..kernels.keycodes import count_codes
from ..schema import FLOAT, TEXT, table_schema
from .context import (
    JourneySpec,
    Reduce,
    codes_in,
    distinct_values,
    global_codes,
    kept_columns,
    part_conversions,
    sum_parts,
)

if TYPE_CHECKING:
    from ..log.eventlog import EventLog

ATTRIBUTION_SCHEMA = table_schema(
    by=TEXT,
    model=TEXT,
    name=TEXT,
    conversions=FLOAT,
    share=FLOAT,
    conversions_low=FLOAT,
    conversions_high=FLOAT,
    removal_effect=FLOAT,
    removal_effect_low=FLOAT,
    removal_effect_high=FLOAT,
)
ATTRIBUTION_COLUMNS = tuple(ATTRIBUTION_SCHEMA.names)
MODELS = ("first_touch", "last_touch", "linear", "time_decay", "markov")
NO_TOUCHPOINT = "(no touchpoint)"
OTHER = "(other)"
N_BOOT = 200
SEED = 20261205


def attribution_table(
    reduce: Reduce,
    spec: JourneySpec,
    *,
    by: str = "touchpoint",
    channel: str | None = None,
    half_life: str | pd.Timedelta = "7D",
    confidence: float = 0.95,
    n_boot: int = N_BOOT,
    seed: int = SEED,
) -> pd.DataFrame:
    """ATTRIBUTION_COLUMNS of the log whose parts `reduce` runs over: one row per model
    and touchpoint (or channel), the models in MODELS order, names by conversions
    credited. By channel, a first round finds the (touchpoint, channel) states; with more
    than markov.MAX_STATES states, one more counts them (for capped_chain)."""
    with kept_columns(reduce, channel if by == "channel" else None):
        return _attribution(reduce, spec, by, channel, half_life, confidence, n_boot, seed)


def _attribution(
    reduce: Reduce,
    spec: JourneySpec,
    by: str,
    channel: str | None,
    half_life: str | pd.Timedelta,
    confidence: float,
    n_boot: int,
    seed: int,
) -> pd.DataFrame:
    half_life_ns = _half_life(half_life)
    if by == "touchpoint":
        states = States(np.asarray(spec.names, dtype=object), None, None)
        groups = {str(n): np.array([i]) for i, n in enumerate(states.names)}
    elif by == "channel":
        if channel is None:
            raise InputError("attribution by channel needs the channel column: channel='...'")
        states, groups = _channel_states(reduce, spec, channel)
    else:
        raise InputError(f"by must be 'touchpoint' or 'channel'; got {by!r}")
    n_names = len(states.names)
    counts = None
    if n_names > markov.MAX_STATES:
        counts = reduce(state_counts, sum_parts, spec, states)
    chain = capped_chain(n_names, groups, counts)
    found = reduce(chunk, combine, spec, states, chain, half_life_ns, seed)
    if found is None:
        found = (
            np.zeros((4, n_names + 1)),
            np.zeros((chain.n_blocks, chain.n_states + 1, chain.n_states + 2)),
        )
    credits, blocks = found
    frames = []
    for model, row in zip(MODELS[:4], (FIRST, LAST, LINEAR, DECAY), strict=True):
        by_group = np.array([credits[row, members].sum() for members in groups.values()])
        frames.append(_model_rows(by, model, list(groups), by_group, credits[row, -1]))
    frames.append(_markov(by, groups, chain, blocks, credits, confidence, n_boot, seed))
    return pd.concat(frames, ignore_index=True)[list(ATTRIBUTION_COLUMNS)]


@dataclass(frozen=True)
class States:
    """The chain's states: touchpoints, or the (touchpoint, channel) pairs present, keyed
    touchpoint * len(labels) + channel code + 1 (0: no channel), sorted."""

    names: np.ndarray  # object: one name per state
    keys: np.ndarray | None  # int64 pair keys (by channel)
    labels: np.ndarray | None  # "(no channel)" then the sorted channels (by channel)
    column: str | None = None


def part_states(part: EventLog, spec: JourneySpec, states: States) -> np.ndarray:
    """The part's state per event (int32)."""
    activity = global_codes(part, spec.names)
    if states.keys is None:
        return activity
    pair = _pair_keys(part, spec, states.column, states.labels)
    n_keys = len(spec.names) * len(states.labels)
    if n_keys <= DENSE_PAIRS:
        rank = np.full(n_keys, -1, np.int32)
        rank[states.keys] = np.arange(len(states.keys), dtype=np.int32)
        relabel(pair, rank)  # in place: the keys' array becomes the states' (int32)
        return pair
    return np.searchsorted(states.keys, pair).astype(np.int32)


def pair_keys(part: EventLog, spec: JourneySpec, column: str, labels: np.ndarray) -> np.ndarray:
    """The chunk of the states' round: the (touchpoint, channel) keys present, sorted;
    counted in a table of every key where it is small (no sort of every event's key)."""
    pair = _pair_keys(part, spec, column, labels)
    n_keys = len(spec.names) * len(labels)
    if n_keys <= DENSE_PAIRS:
        return np.flatnonzero(count_codes(pair, n_keys))  # no int64 copy, as bincount
    return np.unique(pair)


#: Largest table of (touchpoint, channel) keys counted densely, and indexed by int32.
DENSE_PAIRS = 1 << 24


def _pair_keys(part: EventLog, spec: JourneySpec, column: str, labels: np.ndarray) -> np.ndarray:
    """touchpoint * len(labels) + channel code + 1 per event: int32 where every key fits
    (4 bytes an event instead of 8), else int64."""
    codes = codes_in(part, column, labels[1:])
    wide = len(spec.names) * len(labels) > DENSE_PAIRS
    kind = np.int64 if wide else np.int32
    pair = global_codes(part, spec.names).astype(kind)
    pair *= len(labels)
    pair += codes
    pair += 1
    return pair


def union_keys(parts: list[np.ndarray]) -> np.ndarray:
    return np.unique(np.concatenate(parts))


def state_counts(part: EventLog, spec: JourneySpec, states: States) -> np.ndarray:
    """Events per state (for capping the chain)."""
    return count_codes(part_states(part, spec, states), len(states.names))


def chunk(
    part: EventLog,
    spec: JourneySpec,
    states: States,
    chain: Chain,
    half_life_ns: float,
    seed: int,
) -> tuple[np.ndarray, np.ndarray]:
    """One part's rule-based credits (kernels.attribution.heuristic_credits) and the
    chain's transition counts per bootstrap block (block_transition_counts). The blocks
    are drawn from the case's position in its part: on one machine, in the log."""
    at = part_conversions(part, spec.model, spec.window_end).at_event
    offsets = part.case_offsets
    state = part_states(part, spec, states)
    n_names = len(states.names)
    chunks = chunk_count(part.n_cases, n_names * 4)
    credits = heuristic_credits(state, offsets, part.timestamp, at, n_names, half_life_ns, chunks)
    in_chain = chain.remap[state] if chain.remap is not None else state
    cells = (chain.n_states + 1) * (chain.n_states + 2)
    chunks = chunk_count(part.n_cases, chain.n_blocks * cells)
    blocks = block_transition_counts(
        in_chain, offsets, at, chain.n_states, chain.n_blocks, seed, chunks
    )
    return credits, blocks


def combine(parts: list[tuple | None]) -> tuple | None:
    """Parts of disjoint journeys added up (float sums up to rounding)."""
    return sum_parts(parts)


def _half_life(half_life: str | pd.Timedelta) -> float:
    from ..durations import duration_ns

    return float(duration_ns(half_life, "half_life", seconds=False))


def _channel_states(
    reduce: Reduce, spec: JourneySpec, channel: str
) -> tuple[States, dict[str, np.ndarray]]:
    """States = (touchpoint, channel) pairs present; groups: channel name → its states."""
    channel_names = distinct_values(reduce, channel)
    labels = np.append(np.asarray(["(no channel)"], dtype=object), channel_names)
    present = reduce(pair_keys, union_keys, spec, channel, labels)
    if present is None:
        present = np.zeros(0, np.int64)
    state_channel = present % len(labels)
    names = np.array(
        [f"{spec.names[p // len(labels)]} ({labels[p % len(labels)]})" for p in present],
        dtype=object,
    )
    groups = {str(labels[c]): np.flatnonzero(state_channel == c) for c in np.unique(state_channel)}
    return States(names, present, labels, channel), groups


def _model_rows(
    by: str,
    model: str,
    names: list[str],
    credited: np.ndarray,
    unattributed: float,
    *,
    low: np.ndarray | None = None,
    high: np.ndarray | None = None,
    effect: np.ndarray | None = None,
    effect_low: np.ndarray | None = None,
    effect_high: np.ndarray | None = None,
) -> pd.DataFrame:
    names = [*names, NO_TOUCHPOINT] if unattributed > 0 else list(names)
    credited = np.append(credited, unattributed) if unattributed > 0 else credited
    n = len(names)

    def column(values: np.ndarray | None) -> np.ndarray:
        if values is None:
            return np.full(n, np.nan)
        return np.append(values, np.nan) if len(values) < n else values

    total = credited.sum()
    frame = pd.DataFrame(
        {
            "by": by,
            "model": model,
            "name": pd.Series(names, dtype="str"),
            "conversions": credited,
            "share": credited / total if total > 0 else np.zeros(n),
            "conversions_low": column(low),
            "conversions_high": column(high),
            "removal_effect": column(effect),
            "removal_effect_low": column(effect_low),
            "removal_effect_high": column(effect_high),
        }
    )
    return frame.sort_values(["conversions", "name"], ascending=[False, True], kind="stable")


def _markov(
    by: str,
    groups: dict[str, np.ndarray],
    chain: Chain,
    blocks: np.ndarray,
    credits: np.ndarray,
    confidence: float,
    n_boot: int,
    seed: int,
) -> pd.DataFrame:
    """The markov model's rows, with its bootstrap intervals (journey.markov.bootstrap)."""
    counts = blocks.sum(axis=0)
    effect = removal_effects(counts, chain.group_states)
    unattributed = credits[0, -1]
    converted = counts[:, chain.n_states].sum() - unattributed  # conversions with a path
    credited = shares(effect) * converted
    draws_effect, draws_credit = bootstrap(blocks, chain.group_states, converted, n_boot, seed)
    alpha = 1.0 - confidence
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a group without draws stays NaN
        e_low, e_high = np.nanquantile(draws_effect, [alpha / 2, 1 - alpha / 2], axis=0)
        c_low, c_high = np.nanquantile(draws_credit, [alpha / 2, 1 - alpha / 2], axis=0)
    return _model_rows(
        by,
        "markov",
        list(groups),
        credited,
        unattributed,
        low=c_low,
        high=c_high,
        effect=effect,
        effect_low=e_low,
        effect_high=e_high,
    )
