"""parcours: process mining for customer journeys.

import engine as pc
log = pc.read_log("touchpoints.parquet", case="customer_id",
                  activity="touchpoint", timestamp="ts")
log.variants().head(20)
log.dfg()

The public names load on first use, so `import engine` (and `parcours --help`) stays fast;
numpy, pandas and numba come in with the first log read.
"""

from __future__ import annotations

import os
from importlib import import_module
from typing import TYPE_CHECKING, Any

from .errors import InputError, OutputError, ParcoursError
from .gc_pause import gc_paused

# Arrow's default allocator (mimalloc) keeps the memory of freed Parquet batches mapped; the
# system allocator hands it back (memory.release_unused_memory trims it), which lowers the
# peak of a large read by about 15 MB. Arrow reads this when it first allocates, so it only
# applies if nothing used Arrow yet; an ARROW_DEFAULT_MEMORY_POOL the user set wins.
os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")

__version__ = "0.1.0"

#: public name -> module that defines it
_LAZY = {
    "ColumnMapping": "engine.log",
    "DaskEventLog": "engine.cluster",
    "DroppedRows": "engine.log",
    "EventLog": "engine.log",
    "read_log": "engine.read",
    "read_ocel": "engine.log.ocel",
    "compare": "engine.slices.comparison",
    "Conversion": "engine.journey",
    "Journey": "engine.journey",
    "JourneyModel": "engine.journey",
    "LeadTimes": "engine.journey.related",
    "ocel_lead_times": "engine.journey.related",
    "analyze": "engine.run",
    "AnalysisOptions": "engine.run",
}

__all__ = [
    "AnalysisOptions",
    "ColumnMapping",
    "Conversion",
    "DaskEventLog",
    "DroppedRows",
    "EventLog",
    "InputError",
    "Journey",
    "JourneyModel",
    "LeadTimes",
    "OutputError",
    "ParcoursError",
    "__version__",
    "analyze",
    "compare",
    "ocel_lead_times",
    "read_log",
    "read_ocel",
]

if TYPE_CHECKING:
    from .cluster import DaskEventLog
    from .journey import Conversion, Journey, JourneyModel
    from .journey.related import LeadTimes, ocel_lead_times
    from .log import ColumnMapping, DroppedRows, EventLog
    from .log.ocel import read_ocel
    from .read import read_log
    from .run import AnalysisOptions, analyze
    from .slices.comparison import compare


#: subpackages reachable as attributes, e.g. engine.datasets.dataset_path
_SUBPACKAGES = {
    "analysis",
    "cluster",
    "datasets",
    "discovery",
    "journey",
    "log",
    "report",
    "slices",
}


def __getattr__(name: str) -> Any:
    if name in _SUBPACKAGES:
        return import_module(f"engine.{name}")
    if name in _LAZY:
        with gc_paused():  # the first use imports pandas, numba and pyarrow
            value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'engine' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
