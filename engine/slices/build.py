"""A slice laid out canonically from its parent's arrays: the kept events, in the same
order, their cases renumbered, their activities recoded to those still present."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import InputError
from ..kernels.filters import kept_offsets
from ..log.build import Canonical, _activity_dtype

if TYPE_CHECKING:
    from ..log.eventlog import EventLog


def slice_log(log: EventLog, keep_event: np.ndarray, step: dict[str, Any]) -> EventLog:
    """The log of the events `keep_event` flags (a bool per event); cases left without
    an event are left out. `step` describes the filter, appended to `definition`."""
    from ..log.eventlog import EventLog

    keep_event = np.asarray(keep_event, dtype=bool)
    offsets, kept_case = kept_offsets(log.case_offsets, keep_event)
    if offsets[-1] == 0:
        raise InputError(
            f"the filter {describe(step)} keeps no journey of the {log.n_cases:,} in the log; "
            "loosen it"
        )
    events = np.flatnonzero(keep_event)
    codes = log.activity[events]
    present = np.bincount(codes, minlength=log.n_activities) > 0
    recode = (np.cumsum(present) - 1).astype(_activity_dtype(int(present.sum())))
    start = log.start_timestamp
    canonical = Canonical(
        activity=recode[codes],
        timestamp=log.timestamp[events],
        start_timestamp=None if start is None else start[events],
        case_offsets=offsets,
        source_row=log.source_row[events],
        activity_names=log.activity_names[present],
        case_id_decoder=log._case_id_decoder,
        case_codes=log._case_codes[kept_case],
        attributes={
            name: values.iloc[events].reset_index(drop=True)
            for name, values in log.attributes.items()
        },
        dropped=log.dropped,
        start_missing=log.start_timestamp_missing,
        timezone_aware=log.timezone_aware,
    )
    sliced = EventLog(canonical, columns=log.columns, source=log.source)
    sliced.definition = [*log.definition, step]
    return sliced


def case_events(log: EventLog, keep_case: np.ndarray) -> np.ndarray:
    """The event mask of the kept cases (a bool per case)."""
    return np.repeat(np.asarray(keep_case, dtype=bool), np.diff(log.case_offsets))


def describe(step: dict[str, Any]) -> str:
    """A filter step in one line: `contains(touchpoints=['call_center'])`."""
    options = ", ".join(f"{k}={v!r}" for k, v in step.items() if k != "filter")
    return f"{step['filter']}({options})"
