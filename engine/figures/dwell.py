"""The stage dwell histogram (journey/distributions.py defines it) as a reduction: the
bins come from the longest closed visit (the stage figures' maximum, exact on either
backend), then each part counts its closed visits per (stage, bin) and the counts add up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..journey.distributions import dwell_bin_edges, dwell_counts, dwell_table
from ..kernels.stats import MAX
from .context import JourneySpec, Reduce, global_codes, sum_parts

if TYPE_CHECKING:
    import pandas as pd

    from ..log.eventlog import EventLog
    from .stages import StageFigures


def chunk(part: EventLog, spec: JourneySpec, edges: np.ndarray) -> np.ndarray:
    """Closed visits per (stage, bin of `edges`) of one part, flat."""
    events = (global_codes(part, spec.names), part.case_offsets, part.timestamp)
    return dwell_counts(*events, spec.stage_of_activity(), spec.n_stages, edges)


def dwell_histogram(
    reduce: Reduce, spec: JourneySpec, figures: StageFigures, *, per_decade: int = 4
) -> pd.DataFrame:
    """DWELL_COLUMNS: per stage (in stage order) and bin, the closed visits whose dwell
    falls in [bin_start_s, bin_end_s); the last bin also holds the longest visit."""
    longest = figures.stage_stats[MAX]  # per stage, seconds; NaN: none closed
    longest_s = float(np.nanmax(longest)) if np.isfinite(longest).any() else 0.0
    edges = dwell_bin_edges(longest_s, per_decade=per_decade)
    counts = reduce(chunk, sum_parts, spec, edges)
    if counts is None:
        counts = np.zeros(spec.n_stages * (len(edges) - 1), np.int64)
    return dwell_table(spec.model.stages, edges, counts)
