"""What a batch run writes: the output folder, published whole and at once (folder.py),
and the registry of its files, their schemas and what makes them (registry.py, loaded on
first use: it names every figure module)."""

from __future__ import annotations

from importlib import import_module
from typing import Any

from ..files import write_atomically
from .folder import SUMMARY, OutputFolder, holding

_LAZY = {name: "engine.outputs.registry" for name in ("OUTPUTS", "SCHEMAS", "Output")}
__all__ = ["SUMMARY", "OutputFolder", "holding", "write_atomically", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'engine.outputs' has no attribute {name!r}")
