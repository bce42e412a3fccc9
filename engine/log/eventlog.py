"""The canonical event log: built once, then every analysis is a pass over its arrays."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..figures.verbs import LogVerbs
from ..memory import release_unused_memory
from .build import Canonical, ColumnMapping, DroppedRows

if TYPE_CHECKING:
    from ..discovery import Conformance, ProcessModel
    from ..discovery.bridge import Pm4pyAccessor
    from ..journey import Journey, JourneyModel
    from ..slices import LogFilter


class EventLog(LogVerbs):
    """An event log in canonical form.

    Events are grouped by case and sorted by timestamp within a case, ties kept in input
    order. The order of the cases themselves is an internal detail; every per-case table
    is returned sorted by case id.

    Attributes (read-only arrays):
        activity: activity code per event (index into `activity_names`), in the narrowest
            signed integer type that holds them (int8 up to 127 activities).
        timestamp: int64 nanoseconds since the epoch, UTC, per event.
        start_timestamp: int64 start time per event, or None when none was mapped.
        case_offsets: int64, n_cases + 1; case c owns events case_offsets[c]:case_offsets[c+1].
        source_row: input row of each event (0-based, counting all input rows); int32, or
            int64 for inputs of 2**31 rows or more.
        activity_names: activity names, alphabetical; codes index into it.
        read_activities: the activity names of the log as read, before any filter (a
            slice's parent's); a journey model's mapping is checked against them.
        case_ids: the case id of each case, as given in the input.
        attributes: extra event columns that were asked for, in canonical order.
        dropped: rows left out because their case, activity or timestamp was missing.
    """

    def __init__(self, canonical: Canonical, *, columns: ColumnMapping, source: str) -> None:
        for array in (
            canonical.activity,
            canonical.timestamp,
            canonical.start_timestamp,
            canonical.case_offsets,
            canonical.source_row,
            canonical.activity_names,
        ):
            if array is not None:
                array.setflags(write=False)
        self.activity = canonical.activity
        self.timestamp = canonical.timestamp
        self.start_timestamp = canonical.start_timestamp
        self.case_offsets = canonical.case_offsets
        self.source_row = canonical.source_row
        self.activity_names = canonical.activity_names
        self._case_id_decoder = canonical.case_id_decoder
        self._case_codes = canonical.case_codes
        self._case_ids: pd.Index | None = None
        self.attributes = canonical.attributes
        self.dropped: DroppedRows = canonical.dropped
        self.start_timestamp_missing = canonical.start_missing
        self.timezone_aware = canonical.timezone_aware
        self.columns = columns
        self.source = source
        #: the filters that made this log from the one read (engine.slices); [] if none
        self.definition: list[dict[str, Any]] = []
        self._observed_until: int | None = None
        self._read_activities: np.ndarray | None = None
        self._cache: dict[str, Any] = {}

    @property
    def observed_until(self) -> int:
        """The end of observation (ns): the log's last timestamp, or for a slice its
        parent's, so that a slice's journeys are censored where the data ends."""
        if self._observed_until is None:
            self._observed_until = int(self.timestamp.max()) if self.timestamp.size else 0
        return self._observed_until

    @observed_until.setter
    def observed_until(self, ns: int) -> None:
        self._observed_until = int(ns)

    @property
    def read_activities(self) -> np.ndarray:
        """The activities of the log as it was read, before any filter (alphabetical): the
        log's own, or for a slice its parent's, so that a journey model is checked against
        the log read (a misspelt touchpoint) and not the slice (a touchpoint it lacks)."""
        if self._read_activities is None:
            return self.activity_names
        return self._read_activities

    @read_activities.setter
    def read_activities(self, names: np.ndarray) -> None:
        self._read_activities = names

    @property
    def case_ids(self) -> pd.Index:
        """The id of each case, as given in the input (decoded on first use)."""
        if self._case_ids is None:
            first_rows = self.source_row[self.case_offsets[:-1]]
            codes = self._case_codes.astype(np.uint64)  # narrowed to uint32 when they fit
            self._case_ids = self._case_id_decoder(codes, first_rows).rename(self.columns.case)
        return self._case_ids

    # -- sizes ---------------------------------------------------------------------------
    @property
    def n_events(self) -> int:
        return int(self.activity.shape[0])

    @property
    def n_cases(self) -> int:
        return int(self.case_offsets.shape[0] - 1)

    @property
    def n_activities(self) -> int:
        return int(self.activity_names.shape[0])

    def __len__(self) -> int:
        return self.n_events

    def __repr__(self) -> str:
        return (
            f"<EventLog {self.n_events:,} events, {self.n_cases:,} cases, "
            f"{self.n_activities:,} activities from {self.source}>"
        )

    # -- the figures' cache ------------------------------------------------------------
    def cache(self, key: str, compute: Callable[[EventLog], Any]) -> Any:
        """`compute(log)`, computed once per log and kept under `key`: the figures share
        their arrays through it (the DFG's edges, the variants, the activity counts)."""
        if key not in self._cache:
            self._cache[key] = compute(self)
            release_unused_memory()  # its temporary arrays, before the next analysis
        return self._cache[key]

    def forget(self, key: str) -> None:
        """Drop what `cache` kept under `key` (nothing if it kept nothing)."""
        self._cache.pop(key, None)

    def reduce(self, chunk: Callable[..., Any], combine: Callable[..., Any], *args: Any) -> Any:
        """A figure's reduction (engine.figures) over this log's one part: `chunk(self,
        *args)`; `combine` merges parts, and one machine has only one. The Dask backend
        runs the same chunks on its partitions and merges them with `combine`."""
        return chunk(self, *args)

    def decode_timestamps(self, ns: np.ndarray) -> pd.Series:
        """int64 nanoseconds -> datetimes, timezone-aware (UTC) if the input was."""
        values = pd.Series(np.asarray(ns, dtype="int64").view("datetime64[ns]"))
        return values.dt.tz_localize("UTC") if self.timezone_aware else values

    # -- analyses ------------------------------------------------------------------------
    # dfg(), variants(top=), activities(), start_activities(), end_activities() and
    # summary() are engine.figures' functions bound to the log (figures/verbs.py).

    def cases(self) -> pd.DataFrame:
        """One row per case, by case id: case, events, first_timestamp, last_timestamp,
        duration_s (last minus first timestamp)."""
        from ..analysis.activities import log_cases

        return log_cases(self)

    def case_durations(self) -> pd.Series:
        """Case duration in seconds, indexed by case id (sorted)."""
        frame = self.cases()
        return pd.Series(
            frame["duration_s"].to_numpy(),
            index=pd.Index(frame["case"], name="case"),
            name="duration_s",
        )

    # -- slices (engine.slices) ---------------------------------------------------------
    @property
    def filter(self) -> LogFilter:
        """The filters of this log, each returning a slice: `log.filter.contains("call")`,
        `.attribute("segment", ["new"])`, `.time_range("2026-03-01", "2026-03-31")`,
        `.follows("a", "b")`, `.touchpoints(drop=[...])`, ... (see engine.slices.filters)."""
        from ..slices import LogFilter

        return LogFilter(self)

    def sessions(self, gap: Any = "30min") -> EventLog:
        """This log with a case per session: journeys split at gaps of inactivity longer
        than `gap`, the customer kept as the `customer` attribute (engine.slices.sessions)."""
        from ..slices.sessions import sessions

        return sessions(self, gap)

    def journey(self, model: JourneyModel | None = None) -> Journey:
        """This log seen through a journey model (default: the five-stage template):
        `.stages()`, `.transitions()`, `.funnel()`, `.unmapped()`."""
        from ..journey import Journey, JourneyModel

        return Journey(self, model if model is not None else JourneyModel.default())

    def bottlenecks(
        self,
        model: JourneyModel | None = None,
        *,
        channel: str | None = None,
        min_journeys: int = 30,
        confidence: float = 0.95,
    ) -> pd.DataFrame:
        """Ranked bottlenecks of the journeys (see `Journey.bottlenecks`)."""
        return self.journey(model).bottlenecks(
            channel=channel, min_journeys=min_journeys, confidence=confidence
        )

    def actions(
        self,
        model: JourneyModel | None = None,
        *,
        top: int = 10,
        channel: str | None = None,
        min_journeys: int = 30,
        confidence: float = 0.95,
    ) -> pd.DataFrame:
        """Prioritized actions, in plain language (see `Journey.actions`)."""
        return self.journey(model).actions(
            top=top, channel=channel, min_journeys=min_journeys, confidence=confidence
        )

    def process_map(self, *, coverage: float = 1.0, bottlenecks: pd.DataFrame | None = None) -> Any:
        """The process map as a graphviz.Source (shown as SVG in a notebook; `.pipe("png")`
        for bytes): the paths of the most frequent variants covering `coverage` of journeys,
        edge width by frequency, colour by median time, `bottlenecks` (a
        `Journey.bottlenecks()` table) marked. Needs Graphviz's `dot` to render."""
        import graphviz

        from ..report.process_map import map_counts, process_map_source, within_budget

        edges = self.dfg()
        counts = map_counts(edges, self.activities(), self.variants(), coverage)
        counts, _ = within_budget(counts)  # the most frequent touchpoints and paths
        return graphviz.Source(process_map_source(counts, edges, bottlenecks=bottlenecks))

    # -- discovery (pm4py) -----------------------------------------------------------------
    def discover_model(
        self,
        *,
        miner: str = "inductive",
        top_variants: int | None = None,
        coverage: float | None = None,
        noise_threshold: float = 0.0,
        dependency_threshold: float = 0.5,
        and_threshold: float = 0.65,
        loop_two_threshold: float = 0.5,
    ) -> ProcessModel:
        """A process model (inductive or heuristics miner, fed the engine's counts), with
        optional simplification (see `engine.discovery.discover_model`)."""
        from ..discovery import discover_model

        return discover_model(
            self,
            miner=miner,
            top_variants=top_variants,
            coverage=coverage,
            noise_threshold=noise_threshold,
            dependency_threshold=dependency_threshold,
            and_threshold=and_threshold,
            loop_two_threshold=loop_two_threshold,
        )

    def conformance(
        self,
        expected: Any,
        *,
        method: str = "token_replay",
        journey_model: JourneyModel | None = None,
        coverage: float | None = None,
        progress: bool = True,
    ) -> Conformance:
        """Fitness and deviating variants against an expected journey: a ProcessModel, a
        .bpmn or .pnml file, or a JourneyModel (see `engine.discovery.check_conformance`)."""
        from ..discovery import check_conformance

        return check_conformance(
            self,
            expected,
            method=method,
            journey_model=journey_model,
            coverage=coverage,
            progress=progress,
        )

    # -- pm4py ------------------------------------------------------------------------
    @property
    def pm4py(self) -> Pm4pyAccessor:
        """The log and its figures in pm4py's shapes: `log.pm4py.frame()`, `.dfg()`,
        `.dfg_object()`, `.performance_dfg()`, `.variants()` (engine.discovery.bridge)."""
        from ..discovery.bridge import Pm4pyAccessor

        return Pm4pyAccessor(self)

    def to_pm4py(self) -> pd.DataFrame:
        """The log as pm4py's format_dataframe would produce it (`log.pm4py.frame()`)."""
        return self.pm4py.frame()

    def to_pm4py_dfg(self) -> tuple[dict[tuple[str, str], int], dict[str, int], dict[str, int]]:
        """Deprecated: `log.pm4py.dfg()`."""
        _deprecated("to_pm4py_dfg", "pm4py.dfg()")
        return self.pm4py.dfg()

    def to_pm4py_dfg_object(self) -> Any:
        """Deprecated: `log.pm4py.dfg_object()`."""
        _deprecated("to_pm4py_dfg_object", "pm4py.dfg_object()")
        return self.pm4py.dfg_object()

    def to_pm4py_performance_dfg(self) -> dict[tuple[str, str], dict[str, float]]:
        """Deprecated: `log.pm4py.performance_dfg()[0]` (this name keeps its former
        result, the performance dfg alone)."""
        _deprecated("to_pm4py_performance_dfg", "pm4py.performance_dfg()[0]")
        return self.pm4py.performance_dfg()[0]

    def to_pm4py_variants(self) -> dict[tuple[str, ...], int]:
        """Deprecated: `log.pm4py.variants()`."""
        _deprecated("to_pm4py_variants", "pm4py.variants()")
        return self.pm4py.variants()


def _deprecated(old: str, new: str) -> None:
    import warnings

    from ..errors import caller_stacklevel

    warnings.warn(
        f"log.{old}() is deprecated; use log.{new}",
        DeprecationWarning,
        stacklevel=caller_stacklevel(),
    )
