"""Customer-journey analytics on top of the canonical log: the journey model (stages and
conversion) and the stage tables (dwell, transitions, funnel).

`Journey` loads on first use, so that the figures (engine.figures), which read the
journey model and the conversions from here, can be imported before it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .model import Conversion, JourneyModel, parse_conversion, templates

if TYPE_CHECKING:
    from .journey import Journey

__all__ = ["Conversion", "Journey", "JourneyModel", "parse_conversion", "templates"]


def __getattr__(name: str) -> Any:
    if name == "Journey":
        from .journey import Journey

        return Journey
    raise AttributeError(f"module 'engine.journey' has no attribute {name!r}")
