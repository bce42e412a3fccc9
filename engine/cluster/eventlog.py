"""A log partitioned by case on a Dask cluster, analysed by partial results merged in a
tree: the single-machine tables, medians and p90 exact where feasible (engine.analysis.exact),
else from sketches (within 0.5 %)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import InputError
from ..log.build import ColumnMapping
from .parted import PartedLog


class DaskEventLog(PartedLog):
    """An event log on Dask. The tables match EventLog's: `dfg()`, `variants()`,
    `activities()` and `summary()`; counts, sums, means, extremes and standard deviations
    are exact (up to float rounding); medians and p90 are exact where feasible, else within
    0.5 % (relative): `quantiles` says which."""

    def __init__(
        self,
        partitions: Any,
        columns: ColumnMapping,
        *,
        source: str,
        client: Any,
        parse: dict[str, Any],
        attributes: list[str] | None = None,
        nullable: list[str] | None = None,
        csv_text: list[str] | None = None,
        read: Any = None,
    ) -> None:
        self.columns = columns
        #: The input as read, before the shuffle by case: a value error is counted again
        #: over it, so that its rows and count are the input's (see _built).
        self._read = read
        self.attributes = list(attributes or [])
        #: The attributes the read made nullable integers (see build_part).
        self._nullable = list(nullable or [])
        #: The attributes of a CSV read as their text, typed as one machine types them
        #: once every partition is read (see _built).
        self._csv_text = list(csv_text or [])
        self.source = source
        self.client = client
        self._partitions = partitions
        self._parse = parse
        self._logs: list[Any] | None = None
        self._names: np.ndarray | None = None
        #: The filters that made this log from the one read (see engine.slices).
        self.definition: list[dict[str, Any]] = []
        self._observed_until: int | None = None
        self._read_activities: np.ndarray | None = None

    backend = "dask"

    @property
    def npartitions(self) -> int:
        return int(self._partitions.npartitions)

    # -- the distributed steps -------------------------------------------------------------
    def _built(self) -> list[Any]:
        """Each partition's canonical log, built once and kept in the cluster's memory.
        The attributes of a CSV, read as their text, are then typed as Arrow's CSV reader
        types them on one machine, by every row of the file: each partition says which
        types convert its values (engine.cluster.parts.csv_kinds), the column gets the
        first that converts them all, and every partition is converted to it."""
        if self._logs is None:
            from ..log.timestamps import BadTimestamps, MixedOffsets

            try:
                self._logs = self._build()
            except (BadTimestamps, MixedOffsets, PartsDisagree) as error:  # the input's rows
                if self._read is None:
                    raise
                raise input_timestamp_error(self._read, error, self._parse) from None
        return self._logs

    def _build(self) -> list[Any]:
        """Every partition's log built and persisted, the CSV attributes typed, the
        time span checked (see _built)."""
        import dask

        from .parts import build_part, csv_kind, csv_kinds, typed_csv

        parts = self._partitions.to_delayed()
        logs = [
            dask.delayed(build_part)(p, self.columns, self._parse, self.attributes, self._nullable)
            for p in parts
        ]
        started: list[Any] = []
        try:
            if self._csv_text:  # read once: the kinds and the build share each partition
                found = [dask.delayed(csv_kinds)(p, self._csv_text) for p in parts]
                done = dask.persist(*logs, *found)
                started += done
                logs, found = list(done[: len(logs)]), dask.compute(*done[len(logs) :])
                kinds = {name: csv_kind([f[name] for f in found]) for name in self._csv_text}
                logs = [dask.delayed(typed_csv)(log, kinds) for log in logs]
            logs = list(dask.persist(*logs))
            started += logs
            _check_times(logs, self.columns.timestamp)
        except Exception:
            _cancel(started)  # the other partitions' work stops before the error is shown
            raise
        return logs

    @property
    def activity_names(self) -> np.ndarray:
        """Every activity of the log, in the single-machine path's (alphabetical) order."""
        if self._names is None:
            import dask

            from ..log.activity_codes import sorted_names
            from .tree import tree_reduce

            names = [dask.delayed(_names)(log) for log in self._built()]
            self._names = sorted_names(tree_reduce(names, _union).compute())
        return self._names

    def _dropped_parts(self) -> list[Any]:
        """Each partition's dropped rows (one without a usable row is a DroppedRows)."""
        import dask

        return list(dask.compute(*[dask.delayed(_dropped)(log) for log in self._built()]))

    def _reduce(self, kernel: Any, combine: Any, *args: Any) -> Any:
        """A figure's reduction (engine.figures): `kernel(part_log, *args)` on every
        partition's log (None for a partition without events), the results merged by
        `combine` in a tree on the workers."""
        import dask

        from .tree import PresentOnly, tree_reduce

        parts = [dask.delayed(_on_part)(log, kernel, *args) for log in self._built()]
        return tree_reduce(parts, PresentOnly(combine)).compute()

    @property
    def observed_until(self) -> int:
        """The end of observation (ns): the last timestamp of the log read, which its
        slices keep, as EventLog.observed_until."""
        if self._observed_until is None:
            if self._tables is not None:  # counted: the summary's time span
                from ..figures import summary

                self._observed_until = int(summary.counted(self).last_ns)
            else:  # without a full pass: the latest timestamp of each part
                import dask

                ends = dask.compute(*[dask.delayed(_last_ns)(log) for log in self._built()])
                self._observed_until = max(ends)
        return self._observed_until

    @property
    def read_activities(self) -> np.ndarray:
        """The activities of the log as it was read, which its slices keep, as
        EventLog.read_activities: a journey model is checked against them."""
        if self._read_activities is None:
            return self.activity_names
        return self._read_activities

    @property
    def filter(self) -> Any:
        """The filters of engine.slices.filters, each returning a DaskEventLog whose
        tables are those of the single-machine slice (engine.cluster.slices)."""
        from .slices import DaskLogFilter

        return DaskLogFilter(self)

    def sessions(self, gap: Any = "30min") -> DaskEventLog:
        """As EventLog.sessions: a case per session, the customer as an attribute."""
        from .slices import sessions

        return sessions(self, gap)

    def _derived(
        self,
        kernel: Any,
        args: tuple,
        step: dict[str, Any] | None,
        *,
        attributes: list[str] | None = None,
    ) -> DaskEventLog:
        """The log of `kernel(part_log, *args)` (a part's (slice, step)) on every
        partition, kept on the workers; `step` (default: the parts') ends its definition.
        An InputError (engine.slices.build.EmptySlice) when no journey is left."""
        import operator

        import dask

        from ..slices.build import EmptySlice
        from .slices import part_facts

        pairs = dask.persist(*[dask.delayed(kernel)(log, *args) for log in self._built()])
        first = operator.itemgetter(0)
        logs = list(dask.persist(*[dask.delayed(first)(pair) for pair in pairs]))
        facts = dask.compute(*[dask.delayed(part_facts)(pair) for pair in pairs])
        found = step or next((f[1] for f in facts if f[1] is not None), None)
        if sum(f[0] for f in facts) == 0:
            raise EmptySlice(found or {"filter": "slice"}, self.n_cases)
        derived = DaskEventLog(
            self._partitions,
            self.columns,
            source=self.source,
            client=self.client,
            parse=self._parse,
            attributes=attributes if attributes is not None else self.attributes,
            nullable=self._nullable,
            csv_text=self._csv_text,
        )
        derived._logs = logs
        derived.definition = [*self.definition, *([found] if found else [])]
        derived._observed_until = self.observed_until
        derived._read_activities = self.read_activities
        return derived

    def __repr__(self) -> str:
        return f"<DaskEventLog {self.npartitions} partitions by case from {self.source}>"

    def close(self) -> None:
        """Close the client if this log started a local cluster for itself."""
        from .session import close_local

        close_local(self.client)


def _names(log: Any) -> set[str]:
    from ..log.eventlog import EventLog

    return set(log.activity_names.tolist()) if isinstance(log, EventLog) else set()


def _union(parts: list[set[str]]) -> set[str]:
    return set().union(*parts)


def _cancel(started: list[Any]) -> None:
    """Cancel the cluster's work behind `started` (persisted results). Left running, it
    outlives the error: the caller closes its local cluster while tasks still arrive at
    workers, whose logs then print tracebacks after the one-line error."""
    try:
        from distributed import futures_of
    except ImportError:
        return
    futures = futures_of(started)
    if futures:
        futures[0].client.cancel(futures, force=True)


def input_timestamp_error(read: Any, error: Any, parse: dict[str, Any]) -> Any:
    """`error` (a BadTimestamps or MixedOffsets one partition's build raised, naming that
    partition's rows after the shuffle, or partitions that disagree) found again over the
    input as read, as one machine names it: 0-based input rows, counted over the whole
    input (timestamps.whole_column_error)."""
    import dask

    from ..log.timestamps import whole_column_error

    checks = [dask.delayed(_part_kinds)(p, error.name, parse) for p in read.to_delayed()]
    try:
        return whole_column_error(error.name, dask.compute(*checks)) or error
    except Exception:  # another problem of the column, or of the cluster: the first error
        return error


def _part_kinds(part: Any, name: str, parse: dict[str, Any]) -> Any:
    """timestamps.part_kinds of the column `name` in this partition."""
    from functools import partial

    from ..log.columns import arrow_column
    from ..log.timestamps import parse_timestamps, part_kinds

    return part_kinds(arrow_column(part, name), name=name, parse=partial(parse_timestamps, **parse))


class PartsDisagree(InputError):
    """Partitions whose timestamps agree within themselves but not with each other: some
    with a UTC offset, some without."""

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(
            f"column '{name}' has times with a UTC offset in some parts of the log and "
            "times without one in others; naive times would be taken as UTC: give every "
            "value its offset, or none"
        )

    def __reduce__(self) -> tuple:
        return PartsDisagree, (self.name,)


def _check_times(logs: list[Any], name: str) -> None:
    """Over all the partitions (each was checked alone as it was built): the single
    machine's limit on the log's time span, and one kind of timestamps, all with a UTC
    offset or none (partitions whose times agree within themselves may not agree with
    each other; the caller names the input's rows)."""
    import dask

    from ..log.timestamps import check_span

    found = [b for b in dask.compute(*[dask.delayed(_time_bounds)(log) for log in logs]) if b]
    if found:
        earliest = min((b[0] for b in found), key=lambda time: time[0])
        latest = max((b[1] for b in found), key=lambda time: time[0])
        check_span(earliest, latest)
        if len({b[2] for b in found}) > 1:
            raise PartsDisagree(name)


def _time_bounds(log: Any) -> Any:
    """A partition's earliest and latest time, with their columns (its rows are not the
    input's: left out), and whether its times carry a UTC offset."""
    from ..log.build import time_bounds
    from ..log.eventlog import EventLog

    if not isinstance(log, EventLog):
        return None
    ends = time_bounds(log.timestamp, log.start_timestamp, log.columns)
    return (*((*end, None) for end in ends), bool(log.timezone_aware))


def _last_ns(log: Any) -> int:
    from ..log.eventlog import EventLog

    return log.observed_until if isinstance(log, EventLog) else np.iinfo(np.int64).min


def _on_part(log: Any, kernel: Any, *args: Any) -> Any:
    from ..log.eventlog import EventLog
    from .threads import match_worker_threads

    match_worker_threads()
    return kernel(log, *args) if isinstance(log, EventLog) else None


def _dropped(log: Any) -> Any:
    from ..log.eventlog import EventLog

    return log.dropped if isinstance(log, EventLog) else log
