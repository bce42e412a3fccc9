"""A log partitioned by case on a Dask cluster, analysed by partial results merged in a
tree: the single-machine tables, medians and p90 exact where feasible (engine.analysis.exact),
else from sketches (within 0.5 %)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..log.build import ColumnMapping, DroppedRows


class DaskEventLog:
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
    ) -> None:
        self.columns = columns
        self.attributes = list(attributes or [])
        self.source = source
        self.client = client
        self._partitions = partitions
        self._parse = parse
        self._logs: list[Any] | None = None
        self._names: np.ndarray | None = None
        self._partial: Any = None
        self._quantiles: Any = None
        #: The filters that made this log from the one read (see engine.slices).
        self.definition: list[dict[str, Any]] = []
        self._observed_until: int | None = None

    @property
    def npartitions(self) -> int:
        return int(self._partitions.npartitions)

    # -- the distributed steps -------------------------------------------------------------
    def _built(self) -> list[Any]:
        """Each partition's canonical log, built once and kept in the cluster's memory."""
        if self._logs is None:
            import dask

            from .parts import build_part

            parts = self._partitions.to_delayed()
            logs = [
                dask.delayed(build_part)(p, self.columns, self._parse, self.attributes)
                for p in parts
            ]
            self._logs = list(dask.persist(*logs))
        return self._logs

    @property
    def activity_names(self) -> np.ndarray:
        """Every activity of the log, in the single-machine path's (alphabetical) order."""
        if self._names is None:
            import dask

            from .tree import tree_reduce

            names = [dask.delayed(_names)(log) for log in self._built()]
            union = tree_reduce(names, _union).compute()
            names = np.asarray(list(union), dtype=object)
            self._names = names[np.argsort(names.astype(str), kind="stable")]
        return self._names

    def _merged(self) -> Any:
        """The partial results of every partition, merged: computed once."""
        if self._partial is None:
            import dask

            from ..analysis.partials import combine
            from .tree import tree_reduce

            names = self.activity_names
            partials = [dask.delayed(_partial)(log, names) for log in self._built()]
            self._partial = tree_reduce(partials, combine).compute()
        return self._partial

    def _reduce(self, kernel: Any, combine: Any, *args: Any) -> Any:
        """`kernel(part_log, *args)` on every partition's log (None for a partition
        without events), the results merged by `combine` in a tree on the workers."""
        import dask

        from .tree import tree_reduce

        parts = [dask.delayed(_on_part)(log, kernel, *args) for log in self._built()]
        return tree_reduce(parts, combine).compute()

    @property
    def observed_until(self) -> int:
        """The end of observation (ns): the last timestamp of the log read, which its
        slices keep, as EventLog.observed_until."""
        if self._observed_until is None:
            if self._partial is not None:
                self._observed_until = int(self._partial.last_ns)
            else:  # without a full pass: the latest timestamp of each part
                import dask

                ends = dask.compute(*[dask.delayed(_last_ns)(log) for log in self._built()])
                self._observed_until = max(ends)
        return self._observed_until

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
        )
        derived._logs = logs
        derived.definition = [*self.definition, *([found] if found else [])]
        derived._observed_until = self.observed_until
        return derived

    def journey(self, model: Any = None) -> Any:
        """This log seen through a journey model (default: the five-stage template), as
        EventLog.journey: stages, transitions, funnel, time to convert, bottlenecks,
        actions, segments, stage dwell and journey variants from merged partial results
        (engine.journey.partials), medians and p90 as the log's tables have them."""
        from ..journey import JourneyModel
        from ..journey.partials import MergedJourney

        return MergedJourney(
            model if model is not None else JourneyModel.default(),
            self.activity_names,
            self._merged(),
            self._reduce,
            attributes=self.attributes,
            quantile_cache=self.quantile_cache,
            window_end=self.observed_until,
        )

    def compute(self) -> DaskEventLog:
        """Build and count every partition now (analyses then only finalize)."""
        self._merged()
        return self

    def close(self) -> None:
        """Close the client if this log started a local cluster for itself."""
        from .session import close_local

        close_local(self.client)

    # -- sizes and tables --------------------------------------------------------------------
    @property
    def n_events(self) -> int:
        return int(self._merged().n_events)

    @property
    def n_cases(self) -> int:
        return int(self._merged().n_cases)

    @property
    def n_activities(self) -> int:
        return len(self.activity_names)

    @property
    def dropped(self) -> DroppedRows:
        counts = self._merged().dropped
        return DroppedRows(**{k: counts.get(k, 0) for k in DroppedRows.__dataclass_fields__})

    def __repr__(self) -> str:
        return f"<DaskEventLog {self.npartitions} partitions by case from {self.source}>"

    def dfg(self) -> pd.DataFrame:
        """As EventLog.dfg; median_s and p90_s exact where feasible (see `quantiles`),
        else within 0.5 %."""
        from ..analysis.partials import edge_durations, edges_table

        names = self.activity_names
        merged = self._merged()
        exact_values = self.quantile_cache.get(
            "edges", merged.edges.sketch, len(names) ** 2, edge_durations, names
        )
        return edges_table(merged, names, exact_values)

    def variants(self, *, top: int | None = None) -> pd.DataFrame:
        """As EventLog.variants; median_duration_s exact where feasible (see
        `quantiles`), else within 0.5 %. Only the returned variants are decoded."""
        from ..analysis.partials import variant_durations, variant_order, variants_table

        merged = self._merged()
        order, _ = variant_order(merged, top)
        hashes = merged.variants.hashes
        exact_values = self.quantile_cache.get(
            "variants",
            merged.variants.sketch,
            len(hashes),
            variant_durations,
            self.activity_names,
            hashes,
            groups=order,
        )
        return variants_table(merged, self.activity_names, top=top, exact_values=exact_values)

    @property
    def quantile_cache(self) -> Any:
        """The exact quantiles of the tables (engine.analysis.exact.QuantileCache)."""
        if self._quantiles is None:
            from ..analysis.exact import QuantileCache

            self._quantiles = QuantileCache(self._reduce)
        return self._quantiles

    @property
    def quantiles(self) -> dict[str, str]:
        """How each table's medians and p90 were computed so far: "exact", or "sketch"
        (within 0.5 %) where more than engine.analysis.exact.EXACT_LIMIT values would
        have had to travel to the client."""
        return dict(self.quantile_cache.methods)

    def activities(self) -> pd.DataFrame:
        """As EventLog.activities."""
        from ..analysis.partials import activities_table

        return activities_table(self._merged(), self.activity_names)

    @property
    def timezone_aware(self) -> bool:
        return bool(self._merged().timezone_aware)

    def summary(self) -> dict[str, Any]:
        """The figures of summary.json, as EventLog.summary gives them, with the backend,
        the partitions and how the quantiles were computed."""
        from ..analysis.summary import summary_figures

        merged = self._merged()
        return summary_figures(
            self,
            variants=len(merged.variants.hashes),
            edges=int(np.count_nonzero(merged.edges.frequency)),
            first_ns=merged.first_ns,
            last_ns=merged.last_ns,
            backend="dask",
            partitions=self.npartitions,
            quantiles=self.quantiles,
        )


def _names(log: Any) -> set[str]:
    from ..log.eventlog import EventLog

    return set(log.activity_names.tolist()) if isinstance(log, EventLog) else set()


def _union(parts: list[set[str]]) -> set[str]:
    return set().union(*parts)


def _last_ns(log: Any) -> int:
    from ..log.eventlog import EventLog

    return log.observed_until if isinstance(log, EventLog) else np.iinfo(np.int64).min


def _on_part(log: Any, kernel: Any, *args: Any) -> Any:
    from ..log.eventlog import EventLog
    from .threads import match_worker_threads

    match_worker_threads()
    return kernel(log, *args) if isinstance(log, EventLog) else None


def _partial(log: Any, names: np.ndarray) -> Any:
    from ..analysis.partials import empty_partial, log_partial
    from ..log.eventlog import EventLog
    from .threads import match_worker_threads

    match_worker_threads()
    if isinstance(log, EventLog):
        return log_partial(log, names)
    return empty_partial(len(names), log.as_dict())
