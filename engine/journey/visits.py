"""Stage visits and the moves between them, one row each, for when they are wanted one by
one (Journey.visits, Journey.moves); the figures count them without these rows
(kernels.stages.stage_pass)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Visits:
    """One row per stage visit, in case order then time order."""

    case: np.ndarray  # int64 case index
    stage: np.ndarray  # int32 stage index
    first_event: np.ndarray  # int64 index of the visit's first event in the log
    start: np.ndarray  # int64 ns
    end: np.ndarray  # int64 ns: next visit's start (closed) or last mapped event (open)
    open: np.ndarray  # bool: the case's last visit


@dataclass(frozen=True)
class Moves:
    """One row per move from a visit to the next visit of the same case."""

    key: np.ndarray  # int64 source stage * n_stages + target stage
    case: np.ndarray  # int64 case index
    arrival: np.ndarray  # int64 index of the event the move arrives at
    dwell: np.ndarray  # int64 ns spent in the source visit
