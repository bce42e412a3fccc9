"""The canonical log: validation, integer coding, grouping by case, time order, read on one
machine (engine.read.read_log sends a source here or to the Dask backend).

`read_ocel` loads with its first use: the object-centric readers (SQLite, XML) are not
imported by a process that reads a flat log."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .build import ColumnMapping, DroppedRows
from .eventlog import EventLog
from .read import read_eventlog

if TYPE_CHECKING:
    from .ocel import read_ocel

__all__ = ["ColumnMapping", "DroppedRows", "EventLog", "read_eventlog", "read_ocel"]


def __getattr__(name: str) -> Any:
    if name == "read_ocel":
        from .ocel import read_ocel

        return read_ocel
    raise AttributeError(f"module 'engine.log' has no attribute {name!r}")
