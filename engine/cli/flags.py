"""The flags of `parcours analyze` checked, and turned into engine.run's options."""

from __future__ import annotations

import argparse

from ..errors import InputError, UsageError
from ..run import AnalysisOptions


def _check_backend_flags(args: argparse.Namespace) -> None:
    if args.backend != "dask":
        if args.scheduler or args.partitions or args.partition_on:
            raise UsageError("--scheduler, --partitions and --partition-on go with --backend dask")
        return
    import importlib.util

    if importlib.util.find_spec("dask") is None or importlib.util.find_spec("distributed") is None:
        raise UsageError(
            "--backend dask needs Dask, which is not installed: pip install 'parcours[dask]'"
        )
    pandas_only = {"--model": args.model, "--expected": args.expected}
    given = [flag for flag, value in pandas_only.items() if value]
    if given:
        raise UsageError(
            f"{', '.join(given)} runs on one machine for now: drop it, or leave out "
            "--backend dask (the dask backend writes the DFG, variants, activities, every "
            "journey table, the summary and the report; model discovery runs on one machine)"
        )
    if args.partitions is not None and args.partitions < 1:
        raise UsageError(f"--partitions must be at least 1; got {args.partitions}")


def _check_separator(args: argparse.Namespace) -> None:
    """--sep as the one character the CSV readers take ('\\t' and 'tab' give a tab)."""
    from ..io import csv_separator

    try:
        args.sep = csv_separator(args.sep)
    except InputError as exc:
        raise UsageError(str(exc)) from None


def _check_discovery_flags(args: argparse.Namespace) -> None:
    if not 0 < args.map_coverage <= 1:
        raise UsageError(f"--map-coverage must be a share in (0, 1]; got {args.map_coverage}")
    if args.expected == "stages" and args.stages is None:
        raise UsageError("--expected stages needs a stage mapping: add --stages FILE.toml")
    coverage = args.conformance_coverage
    if coverage is not None and not 0 < coverage <= 1:
        raise UsageError(f"--conformance-coverage must be a share in (0, 1]; got {coverage}")
    if args.expected == "model" and args.model is None:
        raise UsageError("--expected model needs --model inductive or --model heuristics")
    if args.expected is None:
        given = [
            flag
            for flag, value in (
                ("--conformance-method", args.conformance_method),
                ("--conformance-coverage", coverage),
            )
            if value is not None
        ]
        if given:
            raise UsageError(
                f"{' and '.join(given)} set how conformance is checked, which only "
                "--expected asks for: add --expected MODEL, or leave them out"
            )


def _lead_time_spec(args: argparse.Namespace) -> dict | None:
    """--lead-time as ocel_lead_times keywords; a usage error off an OCEL log."""
    if args.lead_time is None:
        return None
    if len(args.lead_time) > 1:
        raise UsageError(
            f"--lead-time is given {len(args.lead_time)} times; lead_times.parquet holds one "
            "relation: give it once (run parcours again for another)"
        )
    (spec,) = args.lead_time
    from ..io.ocel import is_ocel
    from ..journey.related import parse_lead_time

    if not is_ocel(args.log):
        raise UsageError(
            f"--lead-time relates objects of an object-centric log (.jsonocel, .xmlocel, "
            f".sqlite, OCEL 1.0 .csv); '{args.log}' is not one: leave it out"
        )
    try:
        return parse_lead_time(spec)
    except InputError as exc:
        raise UsageError(f"--lead-time: {exc}") from None


def _journey_model(args: argparse.Namespace):
    """The journey model the flags ask for, or None when no journey analytics is wanted."""
    from ..journey import JourneyModel

    wants = (
        args.segment
        or args.channel
        or args.score
        or args.conversion
        or args.attribution
        or args.conversion_window
    )
    if args.top < 0:
        raise UsageError(f"--top must be 0 or more; got {args.top}")
    if args.min_journeys < 1:
        raise UsageError(f"--min-journeys must be at least 1; got {args.min_journeys}")
    if args.attribution == "channel" and not args.channel:
        raise UsageError("--attribution channel needs --channel COL, the channel column")
    if args.stages is None:
        if wants:
            raise UsageError(
                "--conversion, --conversion-window, --segment, --channel, --score and "
                "--attribution need a stage mapping: add --stages FILE.toml (or --stages default)"
            )
        return None
    from pathlib import Path

    from ..journey.model import templates

    if args.stages in templates() and not Path(args.stages).exists():
        model = JourneyModel.template(args.stages, conversion=args.conversion)
    elif not Path(args.stages).exists():
        raise UsageError(
            f"--stages '{args.stages}' is neither a file nor a shipped mapping; the shipped "
            f"ones are: {', '.join(templates())}"
        )
    else:
        model = JourneyModel.from_toml(
            args.stages, conversion=args.conversion, object_type=args.object_type
        )
    if args.conversion_window is not None:
        try:
            model = model.within(args.conversion_window)
        except InputError as exc:
            raise UsageError(f"--conversion-window: {exc}") from None
    return model


def _options(args: argparse.Namespace, model) -> AnalysisOptions:
    """The flags as engine.run's options."""
    return AnalysisOptions(
        model=model,
        segments=tuple(args.segment),
        channel=args.channel,
        score=args.score,
        score_scale=args.score_scale,
        attribution=args.attribution,
        top=args.top,
        min_journeys=args.min_journeys,
        compare=args.compare,
        drift=args.drift,
        drift_by=args.drift_by,
        lead_time=args.lead_time_spec,
        ocel_path=args.log if args.lead_time_spec is not None else None,
        timestamp_format=args.timestamp_format,
        discover=args.model,
        expected=args.expected,
        conformance_method=args.conformance_method or "token_replay",
        conformance_coverage=args.conformance_coverage,
        report=not args.no_report,
        map_coverage=args.map_coverage,
    )


def _set_threads(n: int) -> None:
    import numba

    if not 1 <= n <= numba.config.NUMBA_NUM_THREADS:
        raise UsageError(
            f"--threads must be between 1 and {numba.config.NUMBA_NUM_THREADS} on this machine; "
            f"got {n}"
        )
    numba.set_num_threads(n)
