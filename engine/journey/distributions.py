"""How long stage visits last, as a histogram per stage on a log time scale.

The stage table gives the quantiles; this gives the shape (a quick stage with a long tail
reads differently from a uniformly slow one), small enough to write to a file and chart.
Closed visits only: a journey's last, open visit has no known length.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..kernels.grouping import chunk_count
from ..kernels.stages import closed_dwell_counts
from ..schema import FLOAT, INT, TEXT, table_schema

DWELL_SCHEMA = table_schema(
    stage=TEXT,
    order=INT,
    bin_start_s=FLOAT,
    bin_end_s=FLOAT,
    visits=INT,
)
DWELL_COLUMNS = tuple(DWELL_SCHEMA.names)


def dwell_bin_edges(longest_s: float, *, per_decade: int = 4) -> np.ndarray:
    """0, then 1 s, and `per_decade` bins per factor of ten up to the longest visit."""
    if not np.isfinite(longest_s) or longest_s < 1:
        return np.array([0.0, 1.0])
    decades = int(np.ceil(np.log10(longest_s) * per_decade + 1e-9)) / per_decade
    top = max(decades, 1 / per_decade)
    steps = np.arange(0, round(top * per_decade) + 1) / per_decade
    return np.concatenate([[0.0], 10.0**steps])


def dwell_counts(
    act: np.ndarray,
    offsets: np.ndarray,
    ts: np.ndarray,
    stage_of_activity: np.ndarray,
    n_stages: int,
    edges: np.ndarray,
) -> np.ndarray:
    """Closed visits per (stage, bin of `edges`), flat: stage * n_bins + bin."""
    n_chunks = chunk_count(len(offsets) - 1, n_stages * (len(edges) - 1))
    return closed_dwell_counts(act, offsets, ts, stage_of_activity, n_stages, edges, n_chunks)


def dwell_table(stages: list[str], edges: np.ndarray, counts: np.ndarray) -> pd.DataFrame:
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
