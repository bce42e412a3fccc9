"""read_ocel: an object-centric log flattened on one object type, as a canonical journey log."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from ..errors import InputError
from ..io.ocel import ACTIVITY, CASE, TIMESTAMP, Include, read_ocel_frame
from .eventlog import EventLog
from .read import read_eventlog

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
    log = read_eventlog(
        flattened.frame,
        case=CASE,
        activity=ACTIVITY,
        timestamp=TIMESTAMP,
        attributes=keep,
        **read_log_options,
    )
    taken_in = "".join(f", with {spec.describe()!r} events" for spec in specs)
    log.source = f"{os.fspath(path)} (object type '{object_type}'{taken_in})"
    return log
