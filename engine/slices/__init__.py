"""Slices of a log: case and event filters, sessions, and comparisons between logs.

A slice is an EventLog like any other, laid out from its parent's arrays without reading
or sorting again, so every analysis works on it unchanged; `log.definition` lists the
filters that made it (summary.json records it as `slice`). The names load on first use,
so that the command line's flags (options.py) come without numpy."""

from __future__ import annotations

from importlib import import_module
from typing import Any

_LAZY = {
    "COMPARE_COLUMNS": "engine.slices.comparison",
    "compare": "engine.slices.comparison",
    "compare_logs": "engine.slices.comparison",
    "LogFilter": "engine.slices.filters",
    "slice_log": "engine.slices.build",
}
__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'engine.slices' has no attribute {name!r}")
