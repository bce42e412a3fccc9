"""The log's headline figures, as written to summary.json."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from ..log.eventlog import EventLog


def iso_timestamp(ns: int, *, timezone_aware: bool) -> str:
    """ISO 8601 text; with a UTC offset only when the input timestamps carried one."""
    stamp = pd.Timestamp(int(ns), unit="ns")
    return (stamp.tz_localize("UTC") if timezone_aware else stamp).isoformat()


def summary(log: EventLog) -> dict[str, Any]:
    from .. import __version__
    from .dfg import compute_edges
    from .variants import compute_variants

    edges = log._cached("edges", compute_edges)
    variants = log._cached("variants", compute_variants)
    first = int(log.timestamp.min())
    last = int(log.timestamp.max())
    result: dict[str, Any] = {
        "events": log.n_events,
        "cases": log.n_cases,
        "activities": log.n_activities,
        "variants": len(variants.frequency),
        "edges": len(edges.frequency),
        "dropped_rows": log.dropped.total,
        "dropped_rows_by_reason": {k: v for k, v in log.dropped.as_dict().items() if k != "total"},
        "first_timestamp": iso_timestamp(first, timezone_aware=log.timezone_aware),
        "last_timestamp": iso_timestamp(last, timezone_aware=log.timezone_aware),
        "timezone": "UTC" if log.timezone_aware else "naive (as given)",
        "columns": {
            "case": log.columns.case,
            "activity": log.columns.activity,
            "timestamp": log.columns.timestamp,
            "start_timestamp": log.columns.start_timestamp,
        },
        "source": log.source,
        "parcours_version": __version__,
    }
    if log.columns.start_timestamp is not None:
        result["start_timestamp_missing"] = log.start_timestamp_missing
    if log.definition:  # a slice says what it is a slice of
        result["slice"] = [dict(step) for step in log.definition]
    return result
