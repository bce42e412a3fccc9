"""The log's headline figures, as written to summary.json, as a reduction: each part
counts its events and cases and gives its time span; the variants and edges are counted
by their own figures (engine.figures.variants, .edges)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import InputError
from . import edges, variants
from .context import table_reduce
from .quantiles import quantile_source

if TYPE_CHECKING:
    from ..log.eventlog import EventLog


@dataclass
class SummaryPartial:
    """A part's sizes and time span."""

    n_events: int
    n_cases: int
    first_ns: int
    last_ns: int
    timezone_aware: bool
    start_missing: int  # events without a start timestamp (when one is mapped)


def chunk(part: EventLog, names: np.ndarray, whole: bool) -> SummaryPartial:
    """The part's sizes and time span (`names` and `whole`: as the other tables' chunks,
    so that parts count them together, figures/log_tables.py)."""
    return SummaryPartial(
        n_events=part.n_events,
        n_cases=part.n_cases,
        first_ns=int(part.timestamp.min()),
        last_ns=int(part.timestamp.max()),
        timezone_aware=bool(part.timezone_aware),
        start_missing=int(part.start_timestamp_missing),
    )


def combine(parts: list[SummaryPartial]) -> SummaryPartial:
    aware = {p.timezone_aware for p in parts}
    if len(aware) > 1:
        raise InputError(
            "some parts of the log have timezone-aware timestamps and others naive ones; "
            "give every file the same timestamp type"
        )
    return SummaryPartial(
        n_events=sum(p.n_events for p in parts),
        n_cases=sum(p.n_cases for p in parts),
        first_ns=min(p.first_ns for p in parts),
        last_ns=max(p.last_ns for p in parts),
        timezone_aware=aware.pop(),
        start_missing=sum(p.start_missing for p in parts),
    )


def counted(log: Any) -> SummaryPartial:
    """The log's merged sizes and time span, on either backend (a log given as parts
    without any event is refused by its reduce)."""
    return table_reduce(log, chunk, combine)


def summary(log: EventLog) -> dict[str, Any]:
    """The figures of summary.json: counts, dropped rows and the time span; on a log given
    as parts also the backend, the partitions and how the quantiles were computed."""
    merged = counted(log)
    found_edges = edges.counted(log)
    found_variants = variants.counted(log)
    n_edges = (
        len(found_edges.frequency)
        if isinstance(found_edges, edges.Edges)
        else int(np.count_nonzero(found_edges.frequency))
    )
    n_variants = (
        len(found_variants.frequency)
        if isinstance(found_variants, variants.Variants)
        else len(found_variants.hashes)
    )
    more: dict[str, Any] = {}
    if log.columns.start_timestamp is not None:
        more["start_timestamp_missing"] = merged.start_missing
    source = quantile_source(log)
    if not source.whole:
        more.update(backend=log.backend, partitions=log.npartitions, quantiles=source.methods)
    return summary_figures(
        log,
        variants=n_variants,
        edges=n_edges,
        first_ns=merged.first_ns,
        last_ns=merged.last_ns,
        **more,
    )


def iso_timestamp(ns: int, *, timezone_aware: bool) -> str:
    """ISO 8601 text; with a UTC offset only when the input timestamps carried one."""
    stamp = pd.Timestamp(int(ns), unit="ns")
    return (stamp.tz_localize("UTC") if timezone_aware else stamp).isoformat()


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
