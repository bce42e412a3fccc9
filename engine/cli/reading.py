"""The log the flags name: read from a file, a database or an OCEL log, then sliced."""

from __future__ import annotations

import argparse

from ..errors import UsageError
from ..progress import Progress


def _read(args: argparse.Namespace, progress: Progress):
    """The log the flags ask for: read (an OCEL log flattened), then sliced."""
    from ..slices.options import apply

    log = _read_ocel(args, progress) if _ocel_input(args) else _read_log(args, progress)
    sliced = apply(log, args)
    if sliced is not log:
        progress.message(
            f"slice: {sliced.n_events:,} events, {sliced.n_cases:,} journeys "
            f"({sliced.n_cases / max(log.n_cases, 1):.1%} of {log.n_cases:,})"
        )
    return sliced


def _read_log(args: argparse.Namespace, progress: Progress):
    from ..io.sql import checked_uri, is_sql_uri
    from ..read import read_log

    if is_sql_uri(args.log):
        checked_uri(args.log)  # before the URI is shown in a progress line
    with progress.step(f"reading {args.log}") as note:
        dask_options = {}
        if args.backend == "dask":
            dask_options = {
                "backend": "dask",
                "scheduler": args.scheduler,
                "npartitions": args.partitions,
                "partition_on": args.partition_on,
            }
        log = read_log(
            args.log,
            case=args.case,
            activity=args.activity,
            timestamp=args.timestamp,
            start_timestamp=args.start_timestamp,
            timestamp_format=args.timestamp_format,
            timestamp_unit=args.timestamp_unit,
            format=args.format,
            sep=args.sep,
            attributes=_journey_columns(args),
            table=args.table,
            query=args.query,
            **dask_options,
        )
        if args.backend == "dask":
            log.compute()  # every partition built and counted, partials merged
        note["done"] = (
            f"{log.n_events:,} events, {log.n_cases:,} cases, {log.n_activities:,} activities"
        )
        if log.dropped.total:
            note["done"] += f", {_rows_dropped(log.dropped.total)} (missing values)"
        if args.backend == "dask":
            note["done"] += f", {log.npartitions} partitions on dask"
    return log


def _ocel_input(args: argparse.Namespace) -> bool:
    """Whether LOG is object-centric; --object-type on any other log is a usage error."""
    from ..io.ocel import is_ocel

    ocel = is_ocel(args.log)
    for flag, value in (
        ("--object-type", args.object_type),
        ("--include-related", getattr(args, "include_related", None)),
    ):
        if value and not ocel:
            raise UsageError(
                f"{flag} goes with an object-centric log (.jsonocel, .xmlocel, .sqlite, or "
                f"a CSV with ocel:type:... columns); '{args.log}' is not one: leave it out"
            )
    return ocel


def _read_ocel(args: argparse.Namespace, progress: Progress):
    """An OCEL log flattened on --object-type (read_ocel); the column flags do not apply."""
    from ..io.ocel import object_types
    from ..log import read_ocel

    given = {
        "--case": args.case,
        "--activity": args.activity,
        "--timestamp": args.timestamp,
        "--start-timestamp": args.start_timestamp,
        "--format": args.format,
        "--sep": args.sep != ",",  # an OCEL 1.0 CSV is comma-separated
        "--table": getattr(args, "table", None),
        "--query": getattr(args, "query", None),
        "--backend dask": args.backend == "dask",
    }
    flags = [flag for flag, value in given.items() if value]
    if flags:
        raise UsageError(
            f"{', '.join(flags)} {'does' if len(flags) == 1 else 'do'} not apply to an OCEL "
            "log, whose --object-type gives the cases and whose file gives activities and "
            f"times: leave {'it' if len(flags) == 1 else 'them'} out"
        )
    if args.object_type is None:
        types = ", ".join(repr(t) for t in object_types(args.log))
        raise UsageError(
            f"'{args.log}' is an object-centric log: pass --object-type, the type whose "
            f"objects are the journeys; its types with events: {types}"
        )
    from ..errors import InputError
    from ..io.ocel import Include

    try:
        include = [Include.parse(spec) for spec in getattr(args, "include_related", [])]
    except InputError as exc:
        raise UsageError(f"--include-related: {exc}") from None
    with progress.step(f"reading {args.log} (object type '{args.object_type}')") as note:
        log = read_ocel(
            args.log,
            object_type=args.object_type,
            include=include,
            attributes=_journey_columns(args),
            timestamp_format=args.timestamp_format,
            timestamp_unit=args.timestamp_unit,
        )
        note["done"] = (
            f"{log.n_events:,} events, {log.n_cases:,} cases, {log.n_activities:,} activities"
        )
        if log.dropped.total:
            note["done"] += f", {_rows_dropped(log.dropped.total)} (missing values)"
    return log


def _journey_columns(args: argparse.Namespace) -> list[str]:
    columns = [*args.segment, args.channel, args.score, *getattr(args, "slice_columns", [])]
    return list(dict.fromkeys(c for c in columns if c))


def _rows_dropped(n: int) -> str:
    return f"{n:,} {'row' if n == 1 else 'rows'} dropped"
