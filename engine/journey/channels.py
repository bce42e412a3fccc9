"""Channels: switches between consecutive touchpoints, multichannel journeys, conversion by
number of channels used, and the switches right before journeys are abandoned.

The channel is an event attribute (web, app, store, call centre, ...). Events without a
channel are skipped: they neither count as a switch nor break one. A journey is abandoned
when it has not converted; its last step is its last pair of events with channels.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..kernels.channels import channel_switches
from ..kernels.grouping import chunk_count, tally
from ..schema import BOOL, FLOAT, INT, TEXT, table_schema
from .columns import category_codes
from .conversion import Conversions
from .stats import wilson_interval

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


def channel_tables(
    channel: pd.Series, offsets: np.ndarray, conversions: Conversions, *, confidence: float = 0.95
) -> ChannelTables:
    """`channel`: one value per event, in canonical order."""
    codes, names = category_codes(channel)
    n = len(names)
    abandoned = ~conversions.converted
    transitions, cases, last_step, used = channel_switches(
        codes, offsets, max(n, 1), abandoned, chunk_count(len(offsets) - 1, max(n, 1) ** 2)
    )
    keys = np.flatnonzero(transitions)
    source, target = keys // max(n, 1), keys % max(n, 1)
    n_abandoned = int(abandoned.sum())
    names = np.asarray(names, dtype=object)
    switches = pd.DataFrame(
        {
            "source_channel": pd.Series(names[source], dtype="str"),
            "target_channel": pd.Series(names[target], dtype="str"),
            "switch": source != target,
            "transitions": transitions[keys],
            "cases": cases[keys],
            "last_step_of_abandoned": last_step[keys],
            "share_of_abandoned": last_step[keys] / n_abandoned if n_abandoned else np.nan,
        }
    ).sort_values(
        ["transitions", "source_channel", "target_channel"], ascending=[False, True, True]
    )
    counts, wins = tally(used, conversions.converted, int(used.max()) + 1 if used.size else 0)
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
    share = float((used >= 2).mean()) if used.size else float("nan")
    return ChannelTables(switches.reset_index(drop=True), mix, share)
