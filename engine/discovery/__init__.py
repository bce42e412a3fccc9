"""The pm4py bridge: process models discovered from the engine's counts, and conformance of
the journeys, checked once per variant. pm4py is imported in this layer only, lazily."""

from .conformance import CONFORMANCE_COLUMNS, Conformance, check_conformance
from .expected import expected_journey
from .models import ProcessModel, discover_model, read_model

__all__ = [
    "CONFORMANCE_COLUMNS",
    "Conformance",
    "ProcessModel",
    "check_conformance",
    "discover_model",
    "expected_journey",
    "read_model",
]
