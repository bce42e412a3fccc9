"""read_ocel: an object-centric log flattened on one object type, as a canonical journey log."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import InputError
from ..io.ocel import ACTIVITY, CASE, EVENT_ID, TIMESTAMP, Flattened, Include, read_ocel_frame
from .columns import arrow_column
from .eventlog import EventLog
from .read import read_eventlog
from .timestamps import BadTimestamps, MixedOffsets, TooLongSpan, parse_timestamps

# What read_ocel decides itself, or what only applies to reading other files.
_NOT_OPTIONS = ("case", "activity", "timestamp", "start_timestamp", "sep")


def read_ocel(
    path: str | os.PathLike,
    *,
    object_type: str,
    format: str | None = None,
    attributes: Sequence[str] = (),
    include: Sequence[str | Include] = (),
    **read_log_options: Any,
) -> EventLog:
    """Read an OCEL 2.0 (.jsonocel, .xmlocel, .sqlite) or OCEL 1.0 (.jsonocel, .csv) file
    as journeys of the objects of `object_type`: each object is a case, its related
    events its touchpoints (an event related to several such objects goes to each).

    Per other object type the log carries two attributes, constant over a journey: the
    type's name (the ids of the journey's objects of that type, sorted, joined by ', ')
    and `n_<type>` (how many), e.g. `orders` and `n_orders`, for segments and filters.
    `attributes` adds event attributes of the file, or 'ocel:eid' (the event id).
    include: events of related objects each journey takes in, as
    '[VIA->...]TYPE[:ACTIVITY]' specs: 'items->packages:package delivered' brings each
    order the `package delivered` events of the packages holding its items, so that an
    order can convert at its delivery; the `ocel:related` attribute names the type an
    event came through ('' for the journey's own).
    format: 'jsonocel', 'xmlocel', 'sqlite' or 'csv' when the file name does not tell.
    Further options (timestamp_format, ...) go to read_log; events are ordered by time,
    ties in the file's order. Raises InputError naming the problem and its fix.
    """
    if object_type is None or not str(object_type):
        raise InputError("read_ocel needs object_type=, the object type whose objects are cases")
    refused = [k for k in _NOT_OPTIONS if k in read_log_options]
    if refused or read_log_options.get("backend", "pandas") != "pandas":
        named = ", ".join(refused) or "backend"
        raise InputError(
            f"read_ocel does not take {named}: the object type gives the case, the file "
            "the activity and timestamp, and it reads with pandas; leave it out"
        )
    specs = tuple(spec if isinstance(spec, Include) else Include.parse(spec) for spec in include)
    read_log_options.pop("backend", None)  # "pandas", the only one it reads with
    flattened = read_ocel_frame(path, object_type=object_type, format=format, include=specs)
    keep = list(dict.fromkeys([*flattened.object_columns, *attributes]))
    try:
        log = read_eventlog(
            flattened.frame,
            case=CASE,
            activity=ACTIVITY,
            timestamp=TIMESTAMP,
            attributes=keep,
            **read_log_options,
        )
    except (BadTimestamps, MixedOffsets, TooLongSpan) as error:
        raise _naming_events(error, flattened, path, read_log_options) from None
    taken_in = "".join(f", with {spec.describe()!r} events" for spec in specs)
    log.source = f"{os.fspath(path)} (object type '{object_type}'{taken_in})"
    return log


def _naming_events(
    error: BadTimestamps | MixedOffsets | TooLongSpan,
    flattened: Flattened,
    path: str | os.PathLike,
    options: dict[str, Any],
) -> InputError:
    """`error`, about rows of the flattened frame (an event once per journey it is in),
    told of the file's events instead: their ids, how many events, and the time field as
    the file names it (not the flattened column). The events' times are parsed again,
    once each, only now that the read has failed; `error` stands as it is when they do
    not fail alike."""
    frame = flattened.frame
    ids = frame[EVENT_ID]
    if isinstance(error, TooLongSpan):
        field = flattened.time_field
        ends = [(ns, field, row) for ns, _, row in (error.earliest, error.latest)]
        told = TooLongSpan(*ends).message(lambda row: f"event {ids.iat[row]!r}")
        return InputError(f"'{path}': " + told)
    events = frame.loc[~ids.duplicated() | ids.isna(), [EVENT_ID, TIMESTAMP]]
    event_ids = events[EVENT_ID].to_numpy()
    try:
        parse_timestamps(
            arrow_column(events, TIMESTAMP),
            name=flattened.time_field,
            timestamp_format=options.get("timestamp_format"),
            timestamp_unit=options.get("timestamp_unit"),
        )
    except (BadTimestamps, MixedOffsets) as at_events:
        if type(at_events) is not type(error):
            return error

        def named(rows: np.ndarray, count: int) -> str:
            noun = "event" if count == 1 else "events"
            shown = ", ".join(repr(str(event_ids[r])) for r in rows[:5])
            more = ", ..." if count > len(rows[:5]) else ""
            return f"{count:,} {noun} ({noun} {shown}{more})"

        return InputError(f"'{path}': " + at_events.message(named))
    return error
