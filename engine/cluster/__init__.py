"""The Dask backend: the same analyses on logs that outgrow one machine.

`engine.read_log(..., backend="dask")` repartitions the log by hashed case id (dask's own
shuffle, P2P on a distributed cluster), builds each partition's canonical log with the
single-machine code, counts it with the same kernels into fixed-layout partial results
(engine.analysis.partials), and merges those in a tree reduction.
"""

from __future__ import annotations

from .eventlog import DaskEventLog
from .read import read_dask_log

__all__ = ["DaskEventLog", "read_dask_log"]
