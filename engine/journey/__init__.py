"""Customer-journey analytics on top of the canonical log: the journey model (stages and
conversion) and the stage tables (dwell, transitions, funnel)."""

from .model import Conversion, JourneyModel, parse_conversion, templates
from .stages import Journey

__all__ = ["Conversion", "Journey", "JourneyModel", "parse_conversion", "templates"]
