"""How far a log's order of events rests on its rows' order (kernels.steps.tied_steps),
counted on each part of whole cases and added up: the figure behind the warning that
tied times were put in order by rows that were not in time order."""

from __future__ import annotations

import warnings
import weakref
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import caller_stacklevel
from ..kernels.grouping import chunk_count
from ..kernels.steps import REVERSED, SUCCESSIVE, TIED, tied_steps
from .context import sum_parts, table_reduce

if TYPE_CHECKING:
    from ..log.eventlog import EventLog

#: The logs already checked (warn_about_the_log), held weakly: a log is checked once.
_CHECKED: weakref.WeakSet = weakref.WeakSet()

#: Warn when at least this share of successive events share their time ...
TIED_SHARE = 0.05
#: ... and at least this share of the others came in the reverse order of their times.
REVERSED_SHARE = 0.01


def tie_chunk(part: EventLog) -> np.ndarray:
    """A part's counts (kernels.steps.tied_steps rows)."""
    chunks = chunk_count(part.n_cases, 3)
    return tied_steps(part.case_offsets, part.timestamp, part.source_row, chunks)


def chunk(part: EventLog, names: np.ndarray, whole: bool) -> np.ndarray:
    """As the log's own tables take it (figures/log_tables.py): on a log given as parts,
    counted in the same pass as the DFG and the variants."""
    return part.cache("tied_steps", tie_chunk)


#: The parts' counts added up.
combine = sum_parts


def warn_about_the_log(log: Any) -> None:
    """Warn, once per log, of what the tables resting on the order of events and on their
    times should be read with (the variants, the directly-follows graph, the start and end
    activities and every journey figure call it): tied events put in order by rows not in
    time order (tied_order_warning), and start times missing from some events but not
    all (their steps are then measured end to end, the others end to start)."""
    if log in _CHECKED:
        return
    _CHECKED.add(log)
    counts = table_reduce(log, chunk, combine)
    text = tied_order_warning(counts) if counts is not None else None
    if text is not None:
        warnings.warn(text, UserWarning, stacklevel=caller_stacklevel())
    if log.columns.start_timestamp is not None and 0 < log.start_timestamp_missing < log.n_events:
        missing = log.start_timestamp_missing
        warnings.warn(
            f"{missing:,} of {log.n_events:,} events have no start time "
            f"('{log.columns.start_timestamp}'): the steps into them are measured from the "
            "end of one event to the end of the next, the others from an end to the next "
            "start (a wait), and the directly-follows durations mix the two",
            UserWarning,
            stacklevel=caller_stacklevel(),
        )


def tied_order_warning(counts: np.ndarray) -> str | None:
    """The warning the counts call for, or None: many tied times, put in order by rows
    that are not in time order (shuffled, or sorted by something else), so that the
    order of tied events, and every step between them, may not be the journeys'."""
    successive, tied, reversed_ = (int(counts[k]) for k in (SUCCESSIVE, TIED, REVERSED))
    untied = successive - tied
    if tied < TIED_SHARE * successive or reversed_ == 0 or reversed_ < REVERSED_SHARE * untied:
        return None
    return (
        f"{tied / successive:.0%} of successive events share their timestamp, and the rows "
        f"are not in time order ({reversed_:,} of the other {untied:,} successive events "
        "came in reverse): tied events keep their rows' order, which may not be the "
        "journeys', so the variants, the steps between tied events and what rests on them "
        "(lost conversions among it) may be wrong; give timestamps as fine as the source "
        "has, or the rows in time order"
    )
