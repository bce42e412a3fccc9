"""Slices of a log: case and event filters, sessions, and comparisons between logs.

A slice is an EventLog like any other, laid out from its parent's arrays without reading
or sorting again, so every analysis works on it unchanged; `log.definition` lists the
filters that made it (summary.json records it as `slice`)."""

from .build import slice_log
from .compare import COMPARE_COLUMNS, compare, compare_logs
from .filters import LogFilter

__all__ = ["COMPARE_COLUMNS", "LogFilter", "compare", "compare_logs", "slice_log"]
