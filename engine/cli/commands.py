"""The commands: analyze (read, slice, engine.run.write), report, convert, generate."""

from __future__ import annotations

import argparse

from ..errors import OutputError, UsageError, one_line
from ..progress import Progress
from ..run import Run, write
from .exits import EXIT_OK
from .flags import (
    _check_backend_flags,
    _check_discovery_flags,
    _check_separator,
    _journey_model,
    _lead_time_spec,
    _options,
    _set_threads,
)
from .reading import _read


def analyze(args: argparse.Namespace) -> int:
    from ..outputs import OutputFolder

    if args.threads is not None:
        _set_threads(args.threads)
    _check_backend_flags(args)
    _check_separator(args)
    model = _journey_model(args)
    _check_discovery_flags(args)
    args.lead_time_spec = _lead_time_spec(args)
    from ..slices.options import check as check_slice

    args.slice_columns = check_slice(args)
    progress = Progress(enabled=not args.quiet, warnings=True)
    if _first_run():
        progress.message(
            "first run after installing: compiling the kernels (once, one to two minutes)"
        )
    out = OutputFolder(args.out)  # writable and ours, before minutes of reading
    try:
        log = _read(args, progress)
    except BaseException:
        out.discard()
        raise
    run = Run(log, _options(args, model), progress)
    with out:
        summary = write(out, run)
    progress.message(f"results in {args.out}")
    if args.backend == "dask":
        log.close()
    # The overview is the command's output, printed with --quiet too: --quiet silences the
    # progress on stderr only, and a batch job that wants no stdout redirects it.
    from ..report.labels import printable

    print(_overview(summary, run.written["variants.parquet"], run.written["edges.parquet"]))
    actions = summary["journey"]["actions"] if model is not None else []
    if actions:
        print("prioritized actions (actions.parquet):")
        for number, action in enumerate(actions[:5], start=1):
            print(f"  {number}. {printable(action)}")
    return EXIT_OK


def report(args: argparse.Namespace) -> int:
    from ..outputs import holding
    from ..report import write_report

    if args.map_coverage is not None and not 0 < args.map_coverage <= 1:
        raise UsageError(f"--map-coverage must be a share in (0, 1]; got {args.map_coverage}")
    progress = Progress(enabled=not args.quiet, warnings=True)
    with progress.step(f"rebuilding the report in {args.folder}"), holding(args.folder):
        written, warnings = write_report(args.folder, map_coverage=args.map_coverage)
    for warning in warnings:
        progress.warning(warning)
    progress.message(f"wrote {', '.join(written)} in {args.folder}")
    return EXIT_OK


def convert(args: argparse.Namespace) -> int:
    from ..convert import write_log

    _check_separator(args)
    _check_parquet_name(args.out)
    progress = Progress(enabled=not args.quiet, warnings=True)
    args.backend, args.scheduler, args.partitions = "pandas", None, None
    args.partition_on = None
    args.segment, args.channel, args.score, args.slice_columns = [], None, None, args.attribute
    args.where = args.between = args.session_gap = args.compare = args.drift = None
    args.contains = []
    log = _read(args, progress)
    with progress.step(f"writing {args.out}") as note:
        write_log(log, args.out)
        note["done"] = f"{log.n_events:,} events, {log.n_cases:,} cases"
    return EXIT_OK


def generate(args: argparse.Namespace) -> int:
    from ..datasets.synthetic import write_parquet

    if args.events < 1 or args.shuffle_within < 1:
        raise UsageError(
            f"--events and --shuffle-within must be positive; got {args.events} and "
            f"{args.shuffle_within}"
        )
    _check_parquet_name(args.out)
    if args.seed < 0:
        raise UsageError(f"--seed must be 0 or more; got {args.seed}")
    progress = Progress(enabled=not args.quiet, warnings=True)
    with progress.step(f"writing {args.events:,} events to {args.out}") as note:
        try:
            write_parquet(
                args.out,
                args.events,
                seed=args.seed,
                chunk_events=args.shuffle_within,
                id_type=args.id_type,
            )
        except OSError as exc:
            raise OutputError(
                f"cannot write '{args.out}' ({one_line(exc)}); choose another path"
            ) from None
        note["done"] = "done"
    return EXIT_OK


def _overview(summary, variants, edges) -> str:
    """A few lines on stdout for a person at a terminal (the counts from summary.json, the
    first variants, the DFG); the files are the contract."""
    from ..journey.actions import human, times
    from ..report.labels import printable

    lines = [
        f"{summary['events']:,} events, {summary['cases']:,} cases, "
        f"{summary['activities']:,} activities, {summary['variants']:,} variants, "
        f"{summary['edges']:,} edges"
    ]
    for _, row in variants.head(3).iterrows():
        steps = list(row["variant"])
        shown = " > ".join(steps[:8]) + (f" > ... ({len(steps)} steps)" if len(steps) > 8 else "")
        lines.append(f"  {row['share']:6.1%} of cases: {shown}")
    if len(edges):
        slowest = edges.assign(total=edges["frequency"] * edges["mean_s"]).nlargest(1, "total")
        edge = slowest.iloc[0]
        lines.append(
            f"  most time spent between: {edge['source']} > {edge['target']} "
            f"({times(edge['frequency'])}, {human(edge['total'])} in all, "
            f"mean {human(edge['mean_s'])}, median {human(edge['median_s'])})"
        )
    return "\n".join(printable(line) for line in lines)


def _first_run() -> bool:
    """Whether numba's on-disk cache holds no compiled kernel of ours yet."""
    import os
    from pathlib import Path

    import numba

    kernels = Path(__file__).parents[1] / "kernels"
    folder = Path(numba.config.CACHE_DIR) if numba.config.CACHE_DIR else kernels / "__pycache__"
    if not numba.config.CACHE_DIR and not os.access(kernels, os.W_OK):
        return False  # numba caches elsewhere then; do not guess
    return not any(folder.rglob("*.nbi"))  # numba writes into a subfolder of CACHE_DIR


def _check_parquet_name(out: str) -> None:
    """The commands that write Parquet refuse another suffix: a file named .csv holding
    Parquet would mislead every tool that opens it."""
    if not str(out).lower().endswith(".parquet"):
        raise UsageError(f"OUT must be a .parquet file (they write Parquet); got '{out}'")
