"""Small real event logs shipped with parcours, for the README demo and the core tests.

See data/SOURCES.md for where each comes from and its licence.
"""

from __future__ import annotations

from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"

#: The shipped logs, all XES with the standard keys.
SHIPPED = ("receipt.xes.gz", "sepsis.xes.gz", "BPIC2013_closed_problems.xes.gz")

#: The shipped object-centric log (OCEL 2.0 JSON), read with read_ocel.
SHIPPED_OCEL = ("ocel20_example.jsonocel",)


def dataset_path(name: str) -> Path:
    """Path of a shipped log, e.g. dataset_path('receipt.xes.gz')."""
    if name not in SHIPPED + SHIPPED_OCEL:
        names = ", ".join(SHIPPED + SHIPPED_OCEL)
        raise ValueError(f"no shipped log named {name!r}; they are: {names}")
    return DATA / name
