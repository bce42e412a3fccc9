"""How long stage visits last, as a histogram per stage on a log time scale.

The stage table gives the quantiles; this gives the shape (a quick stage with a long tail
reads differently from a uniformly slow one), small enough to write to a file and chart.
Closed visits only: a journey's last, open visit has no known length.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from .stages import Journey, Visits

DWELL_COLUMNS = ("stage", "order", "bin_start_s", "bin_end_s", "visits")


def dwell_bin_edges(longest_s: float, *, per_decade: int = 4) -> np.ndarray:
    """0, then 1 s, and `per_decade` bins per factor of ten up to the longest visit."""
    if not np.isfinite(longest_s) or longest_s < 1:
        return np.array([0.0, 1.0])
    decades = int(np.ceil(np.log10(longest_s) * per_decade + 1e-9)) / per_decade
    top = max(decades, 1 / per_decade)
    steps = np.arange(0, round(top * per_decade) + 1) / per_decade
    return np.concatenate([[0.0], 10.0**steps])


def dwell_histogram(journey: Journey, *, per_decade: int = 4) -> pd.DataFrame:
    """Per stage (in stage order) and bin: closed visits whose dwell falls in
    [bin_start_s, bin_end_s); the last bin also holds the longest visit."""
    seconds, stage = closed_dwells(journey.visits)
    edges = dwell_bin_edges(float(seconds.max()) if seconds.size else 0.0, per_decade=per_decade)
    counts = dwell_counts(seconds, stage, edges, len(journey.model.stages))
    return dwell_frame(journey.model.stages, edges, counts)


def closed_dwells(visits: Visits) -> tuple[np.ndarray, np.ndarray]:
    """(dwell in seconds, stage) of every closed visit."""
    closed = ~visits.open
    seconds = (visits.end[closed] - visits.start[closed]) / 1e9
    return seconds, visits.stage[closed].astype(np.int64)


def dwell_counts(
    seconds: np.ndarray, stage: np.ndarray, edges: np.ndarray, n_stages: int
) -> np.ndarray:
    """Visits per (stage, bin), flat: stage * n_bins + bin."""
    n_bins = len(edges) - 1
    where = np.clip(np.searchsorted(edges, seconds, side="right") - 1, 0, n_bins - 1)
    return np.bincount(stage * n_bins + where, minlength=n_stages * n_bins).astype(np.int64)


def dwell_frame(stages: list[str], edges: np.ndarray, counts: np.ndarray) -> pd.DataFrame:
    """DWELL_COLUMNS from `dwell_counts`."""
    n_stages, n_bins = len(stages), len(edges) - 1
    return pd.DataFrame(
        {
            "stage": pd.Series(np.repeat(stages, n_bins), dtype="str"),
            "order": np.repeat(np.arange(n_stages, dtype=np.int64), n_bins),
            "bin_start_s": np.tile(edges[:-1], n_stages),
            "bin_end_s": np.tile(edges[1:], n_stages),
            "visits": counts,
        }
    )
