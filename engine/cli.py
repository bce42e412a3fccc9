"""The `parcours` command line: argument parsing and output files, no analysis logic.

Exit codes: 0 success, 2 usage error, 3 unusable input log, 4 output cannot be written,
1 internal error (a bug: please report it), 130 interrupted.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Sequence

from . import __version__
from .errors import InputError, OutputError, one_line
from .progress import Progress

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_USAGE = 2
EXIT_INPUT = 3
EXIT_OUTPUT = 4
EXIT_INTERRUPTED = 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="parcours",
        description="Process mining for customer journeys.",
        epilog="Exit codes: 0 ok, 2 usage, 3 bad input log, 4 output not writable, 1 bug.",
    )
    parser.add_argument("--version", action="version", version=f"parcours {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    analyze = commands.add_parser(
        "analyze",
        help="analyze a log and write Parquet tables and summary.json",
        description="Read LOG (CSV, Parquet or XES[.gz]) and write edges.parquet, "
        "variants.parquet, activities.parquet and summary.json into --out.",
    )
    analyze.add_argument("log", metavar="LOG", help="CSV, Parquet (file or folder) or XES(.gz)")
    analyze.add_argument("--out", required=True, metavar="DIR", help="output folder")
    keys = analyze.add_argument_group("columns (default to the XES keys for XES files)")
    keys.add_argument("--case", metavar="COL", help="case id column (e.g. customer_id)")
    keys.add_argument("--activity", metavar="COL", help="activity / touchpoint column")
    keys.add_argument("--timestamp", metavar="COL", help="(completion) timestamp column")
    keys.add_argument(
        "--start-timestamp",
        metavar="COL",
        help="start time column; edge durations become waiting times",
    )
    parsing = analyze.add_argument_group("parsing")
    parsing.add_argument(
        "--timestamp-format",
        metavar="FMT",
        help="strftime format of text timestamps (default: ISO 8601)",
    )
    parsing.add_argument(
        "--timestamp-unit",
        choices=("s", "ms", "us", "ns"),
        help="unit of numeric (epoch) timestamps",
    )
    parsing.add_argument(
        "--format",
        choices=("csv", "parquet", "xes"),
        help="file format, when the file name does not tell",
    )
    parsing.add_argument("--sep", default=",", help="CSV field separator (default ',')")
    running = analyze.add_argument_group("running")
    running.add_argument(
        "--threads",
        type=int,
        metavar="N",
        help="threads for the compiled kernels (default: all cores)",
    )
    running.add_argument("--quiet", action="store_true", help="no progress on stderr")
    running.add_argument("--debug", action="store_true", help="show tracebacks on errors")

    generate = commands.add_parser(
        "generate",
        help="write a seeded synthetic customer-journey log to Parquet",
        description="Write a seeded synthetic customer-journey log (columns customer_id, "
        "touchpoint, channel, ts, segment, csat) to a Parquet file, chunk by chunk.",
    )
    generate.add_argument("out", metavar="FILE", help="Parquet file to write")
    generate.add_argument("--events", type=int, required=True, metavar="N", help="rows to write")
    generate.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    generate.add_argument(
        "--shuffle-within",
        type=int,
        default=1_000_000,
        metavar="N",
        help="rows are shuffled within chunks of N (default 1,000,000; "
        "pass --events' value for a fully shuffled log)",
    )
    generate.add_argument(
        "--id-type", choices=("str", "int"), default="str", help="case id type (default str)"
    )
    generate.add_argument("--quiet", action="store_true", help="no progress on stderr")
    generate.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "analyze":
            return analyze(args)
        if args.command == "generate":
            return generate(args)
        parser.error(f"unknown command {args.command}")  # pragma: no cover
    except InputError as exc:
        return _fail(args, exc, EXIT_INPUT)
    except OutputError as exc:
        return _fail(args, exc, EXIT_OUTPUT)
    except KeyboardInterrupt:
        print("parcours: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:  # a bug: say so in one line, traceback on --debug
        if args.debug:
            traceback.print_exc()
        print(
            f"parcours: internal error: {type(exc).__name__}: {exc} "
            "(rerun with --debug for the traceback, and please report it)",
            file=sys.stderr,
        )
        return EXIT_INTERNAL
    return EXIT_OK


def _fail(args: argparse.Namespace, exc: Exception, code: int) -> int:
    if args.debug:
        traceback.print_exc()
    print(f"parcours: error: {exc}", file=sys.stderr)
    return code


def analyze(args: argparse.Namespace) -> int:
    from .log import read_log
    from .outputs import OutputFolder

    if args.threads is not None:
        _set_threads(args.threads)
    progress = Progress(enabled=not args.quiet)
    if _first_run():
        progress.message("first run after installing: compiling the kernels (once, about a minute)")
    with progress.step(f"reading {args.log}") as note:
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
        )
        note["done"] = (
            f"{log.n_events:,} events, {log.n_cases:,} cases, {log.n_activities:,} activities"
        )
        if log.dropped.total:
            note["done"] += f", {log.dropped.total:,} rows dropped (missing values)"
    with OutputFolder(args.out) as out:
        with progress.step("directly-follows graph") as note:
            edges = log.dfg()
            out.table("edges.parquet", edges)
            note["done"] = f"{len(edges):,} edges"
        with progress.step("variants") as note:
            variants = log.variants()
            out.table("variants.parquet", variants)
            note["done"] = f"{len(variants):,} variants"
        with progress.step("activities") as note:
            out.table("activities.parquet", log.activities())
        out.json("summary.json", log.summary())
    progress.message(f"results in {args.out}")
    if not args.quiet:
        print(_overview(log, variants, edges))
    return EXIT_OK


def _overview(log, variants, edges) -> str:
    """A few lines on stdout for a person at a terminal; the files are the contract."""
    lines = [
        f"{log.n_events:,} events, {log.n_cases:,} cases, {log.n_activities:,} activities, "
        f"{len(variants):,} variants, {len(edges):,} edges"
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
            f"({edge['frequency']:,} times, {_human(edge['total'])} in all, "
            f"mean {_human(edge['mean_s'])}, median {_human(edge['median_s'])})"
        )
    return "\n".join(lines)


def _human(seconds: float) -> str:
    for unit, size in (("d", 86_400), ("h", 3_600), ("min", 60)):
        if abs(seconds) >= size:
            return f"{seconds / size:,.1f} {unit}"
    return f"{seconds:,.1f} s"


def generate(args: argparse.Namespace) -> int:
    from .datasets.synthetic import write_parquet

    if args.events < 1 or args.shuffle_within < 1:
        raise InputError(
            f"--events and --shuffle-within must be positive; got {args.events} and "
            f"{args.shuffle_within}"
        )
    progress = Progress(enabled=not args.quiet)
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


def _first_run() -> bool:
    """Whether numba's on-disk cache holds no compiled kernel of ours yet."""
    import os
    from pathlib import Path

    import numba

    kernels = Path(__file__).parent / "kernels"
    folder = Path(numba.config.CACHE_DIR) if numba.config.CACHE_DIR else kernels / "__pycache__"
    if not numba.config.CACHE_DIR and not os.access(kernels, os.W_OK):
        return False  # numba caches elsewhere then; do not guess
    return not any(folder.glob("*.nbi"))


def _set_threads(n: int) -> None:
    import numba

    if not 1 <= n <= numba.config.NUMBA_NUM_THREADS:
        raise InputError(
            f"--threads must be between 1 and {numba.config.NUMBA_NUM_THREADS} on this machine; "
            f"got {n}"
        )
    numba.set_num_threads(n)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
