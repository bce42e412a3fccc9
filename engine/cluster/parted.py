"""A log given as parts of whole cases, analysed by partial results merged: the verbs of
EventLog (engine.figures.verbs) run each figure's chunk on every part and merge them,
medians and p90 exact where feasible (engine.analysis.exact), else from sketches (within
0.5 %).

A backend says how to reduce over its parts (`_reduce`), what its activities are, where
observation ends and what rows its parts dropped; everything else is here, once: the
Dask backend (cluster/eventlog.py) and the in-memory parts (cluster/local.py) share it."""

from __future__ import annotations

from typing import Any

from ..figures import log_tables, summary
from ..figures.verbs import LogVerbs
from ..log.build import DroppedRows, all_rows_dropped


class PartedLog(LogVerbs):
    """The tables of a log given as parts. Subclasses give `_reduce(chunk, combine,
    *args)`, `_dropped_parts()`, `activity_names`, `read_activities` (those of the log
    read, which a journey model is checked against), `observed_until`, `npartitions`, and
    the attributes `columns`, `attributes`, `source`, `definition`."""

    backend = "parts"
    _quantiles: Any = None
    _tables: tuple[Any, ...] | None = None
    _dropped: DroppedRows | None = None

    def _reduce(self, chunk: Any, combine: Any, *args: Any) -> Any:
        raise NotImplementedError

    def _dropped_parts(self) -> list[DroppedRows]:
        raise NotImplementedError

    def reduce(self, chunk: Any, combine: Any, *args: Any) -> Any:
        """A figure's reduction (engine.figures): `chunk(part, *args)` on every part, the
        results merged by `combine` (None: no part has events). The log's own tables
        (figures/log_tables.py) are counted together, in one pass, and kept; a log whose
        every row misses a key is refused there, as on one machine."""
        if chunk in log_tables.CHUNKS and args[0] is self.activity_names and not args[1]:
            if self._tables is None:
                self._tables = self._reduce(log_tables.chunk, log_tables.combine, *args)
            if self._tables is None:  # every part without a usable row
                raise all_rows_dropped(self.dropped, self.columns)
            return self._tables[log_tables.CHUNKS.index(chunk)]
        return self._reduce(chunk, combine, *args)

    def journey(self, model: Any = None) -> Any:
        """This log seen through a journey model (default: the five-stage template), as
        EventLog.journey: stages, transitions, funnel, time to convert, bottlenecks,
        actions, segments, stage dwell, journey variants, channels, satisfaction and
        attribution from the figures' reductions over the parts (engine.figures),
        medians and p90 as the log's tables have them."""
        from ..journey import Journey, JourneyModel

        return Journey(self, model if model is not None else JourneyModel.default())

    def compute(self) -> PartedLog:
        """Build and count every part now (the log's tables then only finalize)."""
        summary.counted(self)
        return self

    # -- sizes -------------------------------------------------------------------------
    @property
    def n_events(self) -> int:
        return int(summary.counted(self).n_events)

    @property
    def n_cases(self) -> int:
        return int(summary.counted(self).n_cases)

    @property
    def start_timestamp_missing(self) -> int:
        """Events without a start time (0 when no start timestamp is mapped)."""
        return int(summary.counted(self).start_missing)

    @property
    def n_activities(self) -> int:
        return len(self.activity_names)

    @property
    def timezone_aware(self) -> bool:
        return bool(summary.counted(self).timezone_aware)

    @property
    def dropped(self) -> DroppedRows:
        """Rows left out, summed over the parts (a part without a usable row included);
        asked of the parts once."""
        if self._dropped is None:
            parts = self._dropped_parts()
            fields = DroppedRows.__dataclass_fields__
            self._dropped = DroppedRows(**{k: sum(getattr(p, k) for p in parts) for k in fields})
        return self._dropped

    # -- quantiles ---------------------------------------------------------------------
    @property
    def quantile_cache(self) -> Any:
        """The exact quantiles of the tables (engine.analysis.exact.QuantileCache)."""
        if self._quantiles is None:
            from ..analysis.exact import QuantileCache

            self._quantiles = QuantileCache(self.reduce)
        return self._quantiles

    @property
    def quantiles(self) -> dict[str, str]:
        """How each table's medians and p90 were computed so far: "exact", or "sketch"
        (within 0.5 %) where more than engine.analysis.exact.EXACT_LIMIT values would
        have had to travel to the client."""
        return dict(self.quantile_cache.methods)
