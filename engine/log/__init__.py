"""The canonical log: validation, integer coding, grouping by case, time order, read on one
machine (engine.read.read_log sends a source here or to the Dask backend)."""

from .build import ColumnMapping, DroppedRows
from .eventlog import EventLog
from .ocel import read_ocel
from .read import read_eventlog

__all__ = ["ColumnMapping", "DroppedRows", "EventLog", "read_eventlog", "read_ocel"]
