"""The log's own tables (activities, edges, variants, summary) and the counts of tied
events (order) counted together: on a log given as parts, the first of them asked for
runs one pass over the parts that gives all five partials, and the others are then served
from it (cluster/parted.py), instead of a pass each. On one machine each is counted, and
kept, when first asked for."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import activities, edges, order, summary, variants

if TYPE_CHECKING:
    import numpy as np

    from ..log.eventlog import EventLog

FIGURES = (activities, edges, variants, summary, order)
#: The chunks counted together; each takes (part, names, whole).
CHUNKS = tuple(figure.chunk for figure in FIGURES)


def chunk(part: EventLog, names: np.ndarray, whole: bool) -> tuple[Any, ...]:
    """The five chunks of one part, in FIGURES' order."""
    return tuple(figure.chunk(part, names, whole) for figure in FIGURES)


def combine(parts: list[tuple[Any, ...]]) -> tuple[Any, ...]:
    return tuple(figure.combine([p[k] for p in parts]) for k, figure in enumerate(FIGURES))
