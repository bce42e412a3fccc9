"""The canonical log: validation, integer coding, grouping by case, time order."""

from .build import ColumnMapping, DroppedRows
from .eventlog import EventLog
from .ocel import read_ocel
from .read import read_log

__all__ = ["ColumnMapping", "DroppedRows", "EventLog", "read_log", "read_ocel"]
