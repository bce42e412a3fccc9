"""The Dask backend: the same analyses on logs that outgrow one machine.

`engine.read_log(..., backend="dask")` repartitions the log by hashed case id (dask's own
shuffle, P2P on a distributed cluster), builds each partition's canonical log with the
single-machine code, and runs every figure's chunk on it (engine.figures), the partial
results merged in a tree reduction.
"""

from __future__ import annotations

from .eventlog import DaskEventLog
from .read import read_dask_log

__all__ = ["DaskEventLog", "read_dask_log"]
