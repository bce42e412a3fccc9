"""A slice laid out canonically from its parent's arrays: the kept events, in the same
order, their cases renumbered, their activities recoded to those still present."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import InputError
from ..kernels.filters import case_slice, kept_offsets
from ..log.activity_codes import sorted_names
from ..log.build import Canonical, _activity_dtype

if TYPE_CHECKING:
    from ..log.eventlog import EventLog


class EmptySlice(InputError):
    """A filter kept no journey: an error for a log, an empty part for a log on Dask."""

    def __init__(self, step: dict[str, Any], n_cases: int) -> None:
        super().__init__(
            f"the filter {describe(step)} keeps no journey of the {n_cases:,} it was given; "
            "loosen it"
        )
        self.step = step


def slice_log(
    log: EventLog,
    keep_event: np.ndarray | None,
    step: dict[str, Any],
    *,
    keep_case: np.ndarray | None = None,
    attributes: bool = True,
    alphabet: bool = False,
) -> EventLog:
    """The log of the events `keep_event` flags (a bool per event), or of the cases
    `keep_case` flags (a bool per case); cases left without an event are left out.
    `step` describes the filter, appended to `definition`; without `attributes` the slice
    carries none, with `alphabet` it keeps every activity of the log (an internal view,
    whose codes are the log's). The slice is of the log's own
    class, built without importing it: the log layer sits below its slices."""

    if keep_case is not None:
        offsets, events, kept = case_slice(log.case_offsets, np.asarray(keep_case, dtype=bool))
    else:
        keep_event = np.asarray(keep_event, dtype=bool)
        offsets, kept_case = kept_offsets(log.case_offsets, keep_event)
        events, kept = np.flatnonzero(keep_event), np.flatnonzero(kept_case)
    if offsets[-1] == 0:
        raise EmptySlice(step, log.n_cases)
    codes, timestamp, rows = log.activity[events], log.timestamp[events], log.source_row[events]
    present = np.bincount(codes, minlength=log.n_activities) > 0
    if alphabet:
        present[:] = True
    if present.all():
        activity = codes
    else:
        recode = (np.cumsum(present) - 1).astype(_activity_dtype(int(present.sum())))
        activity = recode[codes]
    start = log.start_timestamp
    canonical = Canonical(
        activity=activity,
        timestamp=timestamp,
        start_timestamp=None if start is None else start[events],
        case_offsets=offsets,
        source_row=rows,
        activity_names=log.activity_names[present],
        case_id_decoder=log._case_id_decoder,
        case_codes=log._case_codes[kept],
        attributes={
            name: take(values, events) for name, values in log.attributes.items() if attributes
        },
        dropped=log.dropped,
        start_missing=log.start_timestamp_missing,
        timezone_aware=log.timezone_aware,
    )
    sliced = type(log)(canonical, columns=log.columns, source=log.source)
    sliced.definition = [*log.definition, step]
    sliced.observed_until = log.observed_until
    sliced.read_activities = log.read_activities
    return sliced


def take(values: pd.Series, rows: np.ndarray) -> pd.Series:
    """values[rows] as a new Series; categorical columns through their codes (a numpy
    gather, not pandas' take)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        codes = values.cat.codes.to_numpy()[rows]
        return pd.Series(pd.Categorical.from_codes(codes, dtype=values.dtype), name=values.name)
    return values.iloc[rows].reset_index(drop=True)


def case_events(log: EventLog, keep_case: np.ndarray) -> np.ndarray:
    """The event mask of the kept cases (a bool per case)."""
    return np.repeat(np.asarray(keep_case, dtype=bool), np.diff(log.case_offsets))


def describe(step: dict[str, Any]) -> str:
    """A filter step in one line: `contains(touchpoints=['call_center'])`."""
    options = ", ".join(f"{k}={v!r}" for k, v in step.items() if k != "filter")
    return f"{step['filter']}({options})"


def widened(log: EventLog, names: np.ndarray) -> EventLog:
    """The log with `names` (sorted, a superset of its own) as its activities, its codes
    renumbered: a part of a log on Dask filtered by the names of the whole log, so that a
    touchpoint absent from the part matches nothing instead of being unknown. Its
    `read_activities` are the log's, widened by `names` where they lack some."""

    own = log.activity_names
    if len(own) == len(names) and (own == names).all():
        return log
    position = np.searchsorted(names, own)
    if (position >= len(names)).any() or (names[np.minimum(position, len(names) - 1)] != own).any():
        raise ValueError("widened: the names must include the log's own")
    activity = position.astype(_activity_dtype(len(names)))[log.activity]
    canonical = Canonical(
        activity=activity,
        timestamp=log.timestamp,
        start_timestamp=log.start_timestamp,
        case_offsets=log.case_offsets,
        source_row=log.source_row,
        activity_names=names,
        case_id_decoder=log._case_id_decoder,
        case_codes=log._case_codes,
        attributes=dict(log.attributes),
        dropped=log.dropped,
        start_missing=log.start_timestamp_missing,
        timezone_aware=log.timezone_aware,
    )
    wide = type(log)(canonical, columns=log.columns, source=log.source)
    wide.definition = list(log.definition)
    wide.observed_until = log.observed_until
    read = log.read_activities
    if not np.isin(names, read).all():  # a part read alone: the whole log's names
        read = sorted_names({*read.tolist(), *names.tolist()})
    wide.read_activities = read
    return wide
