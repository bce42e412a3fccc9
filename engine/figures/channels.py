"""Channels: switches between consecutive touchpoints, multichannel journeys, conversion by
number of channels used, and the switches right before journeys are abandoned.

The channel is an event attribute (web, app, store, call centre, ...). Events without a
channel are skipped: they neither count as a switch nor break one. A journey is abandoned
when it has not converted; its last step is its last pair of events with channels.

A reduction (engine.figures): `chunk` counts one part against the whole log's channels,
`combine` adds parts up, `finalize` builds the tables. Every figure is a count, so the
result does not depend on how the log is split.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..journey.stats import wilson_interval
from ..kernels.channels import channel_switches
from ..kernels.grouping import chunk_count, tally
from ..schema import BOOL, FLOAT, INT, TEXT, table_schema
from .context import (
    JourneySpec,
    Reduce,
    codes_in,
    distinct_values,
    kept_columns,
    part_conversions,
)

if TYPE_CHECKING:
    from ..log.eventlog import EventLog

SWITCH_SCHEMA = table_schema(
    source_channel=TEXT,
    target_channel=TEXT,
    switch=BOOL,
    transitions=INT,
    cases=INT,
    last_step_of_abandoned=INT,
    share_of_abandoned=FLOAT,
)
SWITCH_COLUMNS = tuple(SWITCH_SCHEMA.names)
MIX_SCHEMA = table_schema(
    channels_used=INT,
    journeys=INT,
    converted=INT,
    conversion_rate=FLOAT,
    rate_low=FLOAT,
    rate_high=FLOAT,
)
MIX_COLUMNS = tuple(MIX_SCHEMA.names)


@dataclass(frozen=True)
class ChannelTables:
    switches: pd.DataFrame  # SWITCH_COLUMNS, most transitions first
    mix: pd.DataFrame  # MIX_COLUMNS, by number of channels used
    multichannel_share: float  # journeys using two channels or more, of all journeys


@dataclass
class ChannelPartial:
    """Per (from, to) channel pair (keyed from * n + to, n = max(channels, 1)):
    transitions, distinct cases, abandoned cases ending on it; per number of channels
    used: journeys and conversions; and the journey totals."""

    transitions: np.ndarray  # int64 (n * n)
    cases: np.ndarray  # int64 (n * n)
    last_step: np.ndarray  # int64 (n * n)
    journeys_by_used: np.ndarray  # int64, index: channels used
    converted_by_used: np.ndarray  # int64
    journeys: int
    abandoned: int
    multichannel: int  # journeys using two channels or more


def chunk(part: EventLog, spec: JourneySpec, column: str, names: np.ndarray) -> ChannelPartial:
    """One part counted against the whole log's sorted channel `names`."""
    codes = codes_in(part, column, names)
    conversions = part_conversions(part, spec.model, spec.window_end)
    n = max(len(names), 1)
    abandoned = ~conversions.converted
    # The channels used are counted up to the converting event: a delivery or a review
    # by e-mail after the purchase is no channel used on the way to it, and counting it
    # would make conversion rise with the channels used by construction.
    transitions, cases, last_step, used = channel_switches(
        codes, part.case_offsets, n, conversions.at_event, chunk_count(part.n_cases, n**2)
    )
    counts, wins = tally(used, conversions.converted, int(used.max()) + 1 if used.size else 0)
    return ChannelPartial(
        transitions=transitions,
        cases=cases,
        last_step=last_step,
        journeys_by_used=counts,
        converted_by_used=wins,
        journeys=len(used),
        abandoned=int(abandoned.sum()),
        multichannel=int((used >= 2).sum()),
    )


def combine(parts: list[ChannelPartial | None]) -> ChannelPartial | None:
    """Parts of disjoint journeys added up."""
    longest = max(len(p.journeys_by_used) for p in parts)

    def padded(values: np.ndarray) -> np.ndarray:
        return np.pad(values, (0, longest - len(values)))

    return ChannelPartial(
        transitions=np.sum([p.transitions for p in parts], axis=0),
        cases=np.sum([p.cases for p in parts], axis=0),
        last_step=np.sum([p.last_step for p in parts], axis=0),
        journeys_by_used=np.sum([padded(p.journeys_by_used) for p in parts], axis=0),
        converted_by_used=np.sum([padded(p.converted_by_used) for p in parts], axis=0),
        journeys=sum(p.journeys for p in parts),
        abandoned=sum(p.abandoned for p in parts),
        multichannel=sum(p.multichannel for p in parts),
    )


def finalize(
    partial: ChannelPartial, names: np.ndarray, *, confidence: float = 0.95
) -> ChannelTables:
    """The switch table, the channel mix and the multichannel share."""
    n = max(len(names), 1)
    keys = np.flatnonzero(partial.transitions)
    source, target = keys // n, keys % n
    n_abandoned = partial.abandoned
    names = np.asarray(names, dtype=object)
    last_step = partial.last_step[keys]
    switches = pd.DataFrame(
        {
            "source_channel": pd.Series(names[source], dtype="str"),
            "target_channel": pd.Series(names[target], dtype="str"),
            "switch": source != target,
            "transitions": partial.transitions[keys],
            "cases": partial.cases[keys],
            "last_step_of_abandoned": last_step,
            "share_of_abandoned": last_step / n_abandoned if n_abandoned else np.nan,
        }
    ).sort_values(
        ["transitions", "source_channel", "target_channel"], ascending=[False, True, True]
    )
    counts, wins = partial.journeys_by_used, partial.converted_by_used
    present = np.flatnonzero(counts)
    low, high = wilson_interval(wins[present], counts[present], confidence=confidence)
    mix = pd.DataFrame(
        {
            "channels_used": present.astype(np.int64),
            "journeys": counts[present].astype(np.int64),
            "converted": wins[present],
            "conversion_rate": wins[present] / counts[present],
            "rate_low": low,
            "rate_high": high,
        }
    )
    share = partial.multichannel / partial.journeys if partial.journeys else float("nan")
    return ChannelTables(switches.reset_index(drop=True), mix, float(share))


def channel_tables(
    reduce: Reduce, spec: JourneySpec, column: str, *, confidence: float = 0.95
) -> ChannelTables:
    """The channel tables of the log whose parts `reduce` runs over."""
    with kept_columns(reduce, column):
        names = distinct_values(reduce, column)
        partial = reduce(chunk, combine, spec, column, names)
    if partial is None:
        partial = chunk_of_nothing(len(names))
    return finalize(partial, names, confidence=confidence)


def chunk_of_nothing(n_names: int) -> ChannelPartial:
    """The partial of a log without journeys."""
    size = max(n_names, 1) ** 2
    none = np.zeros(size, np.int64)
    return ChannelPartial(none, none, none, np.zeros(0, np.int64), np.zeros(0, np.int64), 0, 0, 0)
