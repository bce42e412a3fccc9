"""parcours: process mining for customer journeys.

import engine as pc
log = pc.read_log("touchpoints.parquet", case="customer_id",
                  activity="touchpoint", timestamp="ts")
log.variants().head(20)
log.dfg()
"""

from .errors import InputError, OutputError, ParcoursError
from .journey import Conversion, Journey, JourneyModel
from .log import ColumnMapping, DroppedRows, EventLog, read_log

__version__ = "0.1.0"

__all__ = [
    "ColumnMapping",
    "Conversion",
    "DroppedRows",
    "EventLog",
    "InputError",
    "Journey",
    "JourneyModel",
    "OutputError",
    "ParcoursError",
    "__version__",
    "read_log",
]
