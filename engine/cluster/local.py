"""A log split into parts of whole cases held in this process: the Dask backend's merge
path (every chunk, combine and finalize) without a cluster. The tests use it to check
that every table is the same on 1, 2 and 4 parts, and in any merge order; it also shows
what a log costs as parts before a cluster is set up."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..log.activity_codes import sorted_names
from .parted import PartedLog

if TYPE_CHECKING:
    from ..log.eventlog import EventLog


class LocalParts(PartedLog):
    """Parts (EventLogs of disjoint cases) merged in a binary tree ("pairs"), or all at
    once, last part first ("flat")."""

    def __init__(
        self,
        parts: Sequence[EventLog],
        *,
        shape: str = "pairs",
        observed_until: int | None = None,
        read_activities: np.ndarray | None = None,
    ) -> None:
        if shape not in ("pairs", "flat"):
            raise ValueError(f"shape must be 'pairs' or 'flat'; got {shape!r}")
        if not parts:
            raise ValueError("LocalParts needs at least one part")
        self.parts = list(parts)
        self.shape = shape
        first = self.parts[0]
        self.columns = first.columns
        self.attributes = list(first.attributes)
        self.source = first.source
        self.definition: list[dict[str, Any]] = []
        self.activity_names = sorted_names(
            set().union(*(p.activity_names.tolist() for p in self.parts))
        )
        ends = [p.observed_until for p in self.parts if p.n_events]
        self.observed_until = int(observed_until if observed_until is not None else max(ends))
        #: the activities of the log read (default: those the parts were read or cut with)
        if read_activities is None:
            read_activities = sorted_names(
                set().union(*(p.read_activities.tolist() for p in self.parts))
            )
        self.read_activities = read_activities

    @property
    def npartitions(self) -> int:
        return len(self.parts)

    def _reduce(self, chunk: Any, combine: Any, *args: Any) -> Any:
        """`chunk(part, *args)` on every part, merged by `combine` as `shape` says."""
        from .tree import PresentOnly

        combine = PresentOnly(combine)
        results = [chunk(part, *args) for part in self.parts]
        if self.shape == "flat":
            return combine(results[::-1])
        while len(results) > 1:
            results = [combine(results[i : i + 2]) for i in range(0, len(results), 2)]
        return results[0]

    def _dropped_parts(self) -> list[Any]:
        return [part.dropped for part in self.parts]

    def __repr__(self) -> str:
        return f"<LocalParts {len(self.parts)} parts by case from {self.source}>"
