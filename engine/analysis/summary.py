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
    """summary.json's figures of a log on one machine."""
    from .dfg import compute_edges
    from .variants import compute_variants

    edges = log.cache("edges", compute_edges)
    variants = log.cache("variants", compute_variants)
    more = {}
    if log.columns.start_timestamp is not None:
        more["start_timestamp_missing"] = log.start_timestamp_missing
    return summary_figures(
        log,
        variants=len(variants.frequency),
        edges=len(edges.frequency),
        first_ns=int(log.timestamp.min()),
        last_ns=int(log.timestamp.max()),
        **more,
    )


def summary_figures(
    log: Any, *, variants: int, edges: int, first_ns: int, last_ns: int, **more: Any
) -> dict[str, Any]:
    """summary.json's figures, in their order, for a log on either backend (an EventLog or
    a DaskEventLog: sizes, columns, source, dropped rows, the slice's definition), with
    the counts and the time span it was measured to have; `more` goes before `slice`."""
    from .. import __version__

    aware = bool(log.timezone_aware)
    dropped = log.dropped.as_dict()
    result: dict[str, Any] = {
        "events": int(log.n_events),
        "cases": int(log.n_cases),
        "activities": int(log.n_activities),
        "variants": int(variants),
        "edges": int(edges),
        "dropped_rows": dropped.pop("total"),
        "dropped_rows_by_reason": dropped,
        "first_timestamp": iso_timestamp(first_ns, timezone_aware=aware),
        "last_timestamp": iso_timestamp(last_ns, timezone_aware=aware),
        "timezone": "UTC" if aware else "naive (as given)",
        "columns": {
            "case": log.columns.case,
            "activity": log.columns.activity,
            "timestamp": log.columns.timestamp,
            "start_timestamp": log.columns.start_timestamp,
        },
        "source": log.source,
        "parcours_version": __version__,
        **more,
    }
    if log.definition:  # a slice says what it is a slice of
        result["slice"] = [dict(step) for step in log.definition]
    return result
