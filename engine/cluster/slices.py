"""Slices of a log on Dask: every filter of engine.slices.filters and the sessions, run
on each partition's canonical log where it lies (a journey never spans two partitions),
so that a slice is again a DaskEventLog, and every analysis of it gives the single-machine
slice's tables.

Two things need the whole log, and are settled on the client first: the touchpoint names
(each part is filtered with the whole log's, so a touchpoint one part lacks matches
nothing there instead of being unknown), and the variants a `top=` or `coverage=` keeps
(taken from the whole log's variant table, then kept by sequence in every part)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from .eventlog import DaskEventLog


class DaskLogFilter:
    """`log.filter` of a DaskEventLog: the methods of engine.slices.filters.LogFilter,
    with the same arguments, each returning a DaskEventLog."""

    def __init__(self, log: DaskEventLog) -> None:
        self._log = log

    def __getattr__(self, name: str) -> Any:
        from ..slices.filters import LogFilter

        method = getattr(LogFilter, name, None)
        if name.startswith("_") or not callable(method):
            raise AttributeError(f"log.filter has no filter {name!r}")

        def run(*args: Any, **kwargs: Any) -> DaskEventLog:
            return self._run(name, args, kwargs)

        run.__doc__ = method.__doc__
        run.__name__ = name
        return run

    def variants(
        self,
        *,
        top: int | None = None,
        coverage: float | None = None,
        sequences: Any = None,
    ) -> DaskEventLog:
        """As LogFilter.variants; `top` and `coverage` count the variants of the whole log."""
        from ..analysis.coverage import keep_variants
        from ..errors import InputError

        if sum(x is not None for x in (top, coverage, sequences)) != 1:
            raise InputError("variants: give exactly one of top=, coverage= or sequences=")
        if sequences is not None:
            return self._run("variants", (), {"sequences": sequences})
        table = self._log.variants()
        kept = keep_variants(table, top=top, coverage=coverage)
        chosen = [tuple(v) for v in table["variant"].iloc[: len(kept)]]
        step = {"filter": "variants", "top": top, "coverage": coverage}
        return self._run("variants", (), {"sequences": chosen}, step=step)

    def time_range(
        self, start: Any = None, end: Any = None, *, mode: str = "intersects"
    ) -> DaskEventLog:
        """As LogFilter.time_range; with mode="events" observed until `end` at the latest."""
        from ..slices.filters import time_instant

        sliced = self._run("time_range", (start, end), {"mode": mode})
        if mode == "events" and end is not None:
            until = time_instant(end, "end", whole=True)
            sliced._observed_until = min(sliced.observed_until, until)
        return sliced

    def _run(
        self, name: str, args: tuple, kwargs: dict[str, Any], *, step: dict | None = None
    ) -> DaskEventLog:
        log = self._log
        ends = (log.activity_names, log.read_activities, log.observed_until)
        return log._derived(_filter_part, (*ends, name, args, kwargs), step)


def sessions(log: DaskEventLog, gap: Any) -> DaskEventLog:
    """As EventLog.sessions, on every partition (a customer's events lie in one)."""
    from ..slices.filters import _duration_ns
    from ..slices.sessions import CUSTOMER

    _duration_ns(gap, "gap")  # a bad gap is an error here, not on a worker
    attributes = [*log.attributes, *([CUSTOMER] if CUSTOMER not in log.attributes else [])]
    return log._derived(_sessions_part, (log.read_activities, gap), None, attributes=attributes)


def part_facts(pair: tuple[Any, dict | None]) -> tuple[int, dict | None]:
    """(journeys, the filter step) of a partition's (slice, step)."""
    from ..log.eventlog import EventLog

    part, step = pair
    return (part.n_cases if isinstance(part, EventLog) else 0), step


def _filter_part(
    log: Any,
    names: np.ndarray,
    read_activities: np.ndarray,
    observed_until: int,
    name: str,
    args: tuple,
    kwargs: dict[str, Any],
) -> tuple[Any, dict | None]:
    """(one partition's slice, its step); the part's dropped-row counts in place of the
    slice when the filter keeps none of it."""
    from ..log.eventlog import EventLog
    from ..slices.build import EmptySlice, widened
    from .threads import match_worker_threads

    if not isinstance(log, EventLog):
        return log, None
    match_worker_threads()
    part = widened(log, names)
    part.observed_until = observed_until
    part.read_activities = read_activities  # a journey model is checked against the log read
    try:
        sliced = getattr(part.filter, name)(*args, **kwargs)
    except EmptySlice as empty:
        return log.dropped, empty.step
    return sliced, sliced.definition[-1]


def _sessions_part(log: Any, read_activities: np.ndarray, gap: Any) -> tuple[Any, dict | None]:
    from ..log.eventlog import EventLog
    from .threads import match_worker_threads

    if not isinstance(log, EventLog):
        return log, None
    match_worker_threads()
    split = log.sessions(gap)
    split.read_activities = read_activities
    return split, split.definition[-1]
