"""The `parcours` command line: the parser (parser.py), the exit-code wrapper (main.py),
and the commands (commands.py), which read the log the flags name (reading.py), check
the flags (flags.py) and hand the analysis to engine.run. No analysis logic lives here."""

from __future__ import annotations

from .exits import (
    EXIT_INPUT,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_OUTPUT,
    EXIT_USAGE,
)
from .main import main
from .parser import _shipped_mappings, build_parser

__all__ = [
    "EXIT_INPUT",
    "EXIT_INTERNAL",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_OUTPUT",
    "EXIT_USAGE",
    "_shipped_mappings",
    "build_parser",
    "main",
]
