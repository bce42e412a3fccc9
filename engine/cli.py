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
from .errors import InputError, OutputError, UsageError, one_line
from .progress import Progress
from .run import AnalysisOptions, Run, write
from .slices.options import add_arguments as add_slice_arguments

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
        epilog="Exit codes: 0 ok, 2 usage, 3 bad input log, 4 output not writable, 1 bug, "
        "130 interrupted.",
    )
    parser.add_argument("--version", action="version", version=f"parcours {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    analyze = commands.add_parser(
        "analyze",
        help="analyze a log and write Parquet tables and summary.json",
        description="Read LOG (CSV, Parquet or XES[.gz]) and write edges.parquet, "
        "variants.parquet, activities.parquet, summary.json, report.html and the process "
        "map into --out; with --stages, the journey tables too (see the README for every "
        "file and column).",
    )
    analyze.add_argument(
        "log",
        metavar="LOG",
        help="CSV, Parquet (file or folder), XES(.gz), or an object-centric log (OCEL: "
        ".jsonocel, .xmlocel, .sqlite, OCEL 1.0 .csv) with --object-type, or a database: "
        "postgresql://user@host/db or a .duckdb file, with --query",
    )
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
    keys.add_argument(
        "--object-type",
        metavar="TYPE",
        help="OCEL logs only: the object type whose objects are the cases (e.g. orders); the "
        "other types' objects become journey attributes TYPE and n_TYPE",
    )
    keys.add_argument(
        "--lead-time",
        metavar="FROM[:ACT]->[VIA->]TO[:ACT]",
        help="OCEL logs only: write lead_times.parquet, the time from each FROM object's ACT "
        "(default: its first event) to each related TO object's, e.g. 'orders:place order"
        "->items->packages:package delivered' (related: sharing an event, through VIA types)",
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
    _source_flags(parsing)
    journey = analyze.add_argument_group(
        "journey analytics (with --stages: stages, funnel, time to convert, bottlenecks, "
        "actions; segments, channels and satisfaction when their columns are named)"
    )
    journey.add_argument(
        "--stages",
        metavar="TOML",
        help="stage mapping (touchpoint -> stage, conversion): a TOML file, or the name of a "
        "shipped one: " + ", ".join(_shipped_mappings()) + " ('default' fits the logs of "
        "`parcours generate`)",
    )
    journey.add_argument(
        "--conversion",
        metavar="NAME",
        help="what converts: an activity or a stage ('activity:NAME' or 'stage:NAME' to be "
        "explicit); overrides the mapping's",
    )
    journey.add_argument(
        "--conversion-window",
        metavar="DURATION",
        help="a journey converts only if it does so within DURATION of its start ('30D')",
    )
    journey.add_argument(
        "--segment",
        metavar="COL",
        action="append",
        default=[],
        help="case attribute to compare segments by (repeatable); its value at each journey's "
        "first event",
    )
    journey.add_argument("--channel", metavar="COL", help="event column holding the channel")
    journey.add_argument("--score", metavar="COL", help="event column holding a score")
    journey.add_argument(
        "--score-scale",
        choices=("csat", "nps", "sentiment"),
        help="scale of --score (default: read from its range)",
    )
    journey.add_argument(
        "--attribution",
        choices=("touchpoint", "channel"),
        help="write attribution.parquet: conversions credited to touchpoints or to the "
        "channels of --channel (first/last touch, linear, time decay, Markov removal "
        "effect); with --channel it is by channel unless said otherwise",
    )
    journey.add_argument(
        "--top", type=int, default=10, metavar="N", help="actions to list (default 10)"
    )
    journey.add_argument(
        "--min-journeys",
        type=int,
        default=30,
        metavar="N",
        help="journeys a path or segment needs to count as evidence (default 30)",
    )
    add_slice_arguments(analyze)
    discovery = analyze.add_argument_group(
        "report and discovery (report.html and process_map.svg/.png unless --no-report)"
    )
    discovery.add_argument(
        "--map-coverage",
        type=float,
        default=0.9,
        metavar="SHARE",
        help="process map of the most frequent paths covering this share of journeys "
        "(default 0.9; 1 draws every path)",
    )
    discovery.add_argument(
        "--no-report", action="store_true", help="skip report.html and the process map"
    )
    discovery.add_argument(
        "--model",
        choices=("inductive", "heuristics"),
        help="discover a process model with pm4py; writes model.bpmn and model.pnml",
    )
    discovery.add_argument(
        "--expected",
        metavar="MODEL",
        help="check conformance against an expected journey: a .bpmn or .pnml file, "
        "'stages' (forward through the --stages order) or 'model' (the --model one); "
        "writes conformance.parquet",
    )
    discovery.add_argument(
        "--conformance-method",
        choices=("token_replay", "alignments"),
        default="token_replay",
        help="how journeys are replayed (default token_replay)",
    )
    discovery.add_argument(
        "--conformance-coverage",
        type=float,
        metavar="SHARE",
        help="replay only the most frequent variants covering this share of journeys "
        "(default: all; pm4py replays each variant, which takes minutes past ~50,000)",
    )
    running = analyze.add_argument_group("running")
    running.add_argument(
        "--backend",
        choices=("pandas", "dask"),
        default="pandas",
        help="'dask' runs on a Dask cluster, for logs that outgrow one machine (Parquet or "
        "CSV file, folder or glob, or postgresql:// with --partition-on; writes the same "
        "files, journey tables of --stages and "
        "--segment included; not --channel, --score, --model or --expected)",
    )
    running.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="with --backend dask: the scheduler's address, e.g. tcp://10.0.0.5:8786 "
        "(default: the current dask.distributed client, else a new local cluster)",
    )
    running.add_argument(
        "--partitions",
        type=int,
        metavar="N",
        help="with --backend dask: partitions to shuffle the cases into (default: as many "
        "as the input has, and at least two per worker thread)",
    )
    running.add_argument(
        "--partition-on",
        metavar="COL",
        help="with --backend dask and a postgresql:// LOG: the integer column (a bigint case "
        "id, say) whose ranges the query is read by, one range per partition",
    )
    running.add_argument(
        "--threads",
        type=int,
        metavar="N",
        help="threads for the compiled kernels (default: all cores)",
    )
    running.add_argument("--quiet", action="store_true", help="no progress on stderr")
    running.add_argument("--debug", action="store_true", help="show tracebacks on errors")

    report = commands.add_parser(
        "report",
        help="rebuild report.html from the output folder of `parcours analyze`",
        description="Rebuild DIR/report.html (and process_map.svg/.png) from the Parquet "
        "tables and summary.json that `parcours analyze --out DIR` wrote.",
    )
    report.add_argument("folder", metavar="DIR", help="output folder of parcours analyze")
    report.add_argument(
        "--map-coverage", type=float, default=0.9, metavar="SHARE", help="as for analyze"
    )
    report.add_argument("--quiet", action="store_true", help="no progress on stderr")
    report.add_argument("--debug", action="store_true", help="show tracebacks on errors")

    convert = commands.add_parser(
        "convert",
        help="write a log (CSV, Parquet, XES[.gz], an OCEL file) as Parquet, canonical columns",
        description="Read LOG and write its events to OUT.parquet: case, activity, timestamp "
        "(and start time, attributes), grouped by case in time order: the form the Dask "
        "backend and other tools read fastest.",
    )
    convert.add_argument("log", metavar="LOG", help="the log to convert")
    convert.add_argument("out", metavar="OUT", help="Parquet file to write")
    for flag, help_text in (
        ("--case", "case id column"),
        ("--activity", "activity column"),
        ("--timestamp", "timestamp column"),
        ("--start-timestamp", "start time column"),
        ("--timestamp-format", "strftime format of text timestamps"),
        ("--object-type", "for an object-centric log: the type whose objects are the cases"),
    ):
        convert.add_argument(flag, metavar="VALUE", help=help_text)
    convert.add_argument("--timestamp-unit", choices=("s", "ms", "us", "ns"))
    convert.add_argument("--format", choices=("csv", "parquet", "xes"))
    convert.add_argument("--sep", default=",", help="CSV field separator (default ',')")
    _source_flags(convert)
    convert.add_argument(
        "--attribute",
        action="append",
        default=[],
        metavar="COL",
        help="column to keep (repeatable)",
    )
    convert.add_argument("--quiet", action="store_true", help="no progress on stderr")
    convert.add_argument("--debug", action="store_true", help="show tracebacks on errors")

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


def _source_flags(parser: argparse._ActionsContainer) -> None:
    """--query and --table: what to read from a database LOG."""
    parser.add_argument(
        "--query",
        metavar="SQL",
        help="with a postgresql://user@host/db LOG (or a .duckdb file): the SELECT whose rows "
        "are the events; the password comes from PGPASSWORD or ~/.pgpass, never the URI",
    )
    parser.add_argument("--table", metavar="NAME", help="with a .duckdb LOG: the table to read")


def _shipped_mappings() -> list[str]:
    """The names `templates()` lists, read without importing the journey layer (which
    would load numpy and numba just to print --help)."""
    from pathlib import Path

    folder = Path(__file__).parent / "journey" / "templates"
    return sorted(p.name.removesuffix(".toml") for p in folder.glob("*.toml"))


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "analyze":
            return analyze(args)
        if args.command == "generate":
            return generate(args)
        if args.command == "report":
            return report(args)
        if args.command == "convert":
            return convert(args)
        parser.error(f"unknown command {args.command}")  # pragma: no cover
    except UsageError as exc:
        return _fail(args, exc, EXIT_USAGE)
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
    from .outputs import OutputFolder

    if args.threads is not None:
        _set_threads(args.threads)
    _check_backend_flags(args)
    model = _journey_model(args)
    _check_discovery_flags(args)
    args.lead_time_spec = _lead_time_spec(args)
    from .slices.options import check as check_slice

    args.slice_columns = check_slice(args)
    progress = Progress(enabled=not args.quiet)
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
    if not args.quiet:
        from .report.labels import neutral

        print(
            neutral(_overview(log, run.written["variants.parquet"], run.written["edges.parquet"]))
        )
        actions = summary["journey"]["actions"] if model is not None else []
        if actions:
            print("prioritized actions (actions.parquet):")
            for number, action in enumerate(actions[:5], start=1):
                print(f"  {number}. {neutral(action)}")
    return EXIT_OK


def _read(args: argparse.Namespace, progress: Progress):
    """The log the flags ask for: read (an OCEL log flattened), then sliced."""
    from .slices.options import apply

    log = _read_ocel(args, progress) if _ocel_input(args) else _read_log(args, progress)
    sliced = apply(log, args)
    if sliced is not log:
        progress.message(
            f"slice: {sliced.n_events:,} events, {sliced.n_cases:,} journeys "
            f"({sliced.n_cases / max(log.n_cases, 1):.1%} of {log.n_cases:,})"
        )
    return sliced


def _read_log(args: argparse.Namespace, progress: Progress):
    from .io.sql import checked_uri, is_sql_uri
    from .log import read_log

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
            note["done"] += f", {log.dropped.total:,} rows dropped (missing values)"
        if args.backend == "dask":
            note["done"] += f", {log.npartitions} partitions on dask"
    return log


def _ocel_input(args: argparse.Namespace) -> bool:
    """Whether LOG is object-centric; --object-type on any other log is a usage error."""
    from .io.ocel import is_ocel

    ocel = is_ocel(args.log)
    if args.object_type is not None and not ocel:
        raise UsageError(
            f"--object-type goes with an object-centric log (.jsonocel, .xmlocel, .sqlite, or "
            f"a CSV with ocel:type:... columns); '{args.log}' is not one: leave it out"
        )
    return ocel


def _read_ocel(args: argparse.Namespace, progress: Progress):
    """An OCEL log flattened on --object-type (read_ocel); the column flags do not apply."""
    from .io.ocel import object_types
    from .log import read_ocel

    given = {
        "--case": args.case,
        "--activity": args.activity,
        "--timestamp": args.timestamp,
        "--start-timestamp": args.start_timestamp,
        "--format": args.format,
        "--backend dask": args.backend == "dask",
    }
    flags = [flag for flag, value in given.items() if value]
    if flags:
        raise UsageError(
            f"{', '.join(flags)} do not apply to an OCEL log, whose --object-type gives the "
            "cases and whose file gives activities and times: leave them out"
        )
    if args.object_type is None:
        types = ", ".join(repr(t) for t in object_types(args.log))
        raise UsageError(
            f"'{args.log}' is an object-centric log: pass --object-type, the type whose "
            f"objects are the journeys; its types with events: {types}"
        )
    with progress.step(f"reading {args.log} (object type '{args.object_type}')") as note:
        log = read_ocel(
            args.log,
            object_type=args.object_type,
            attributes=_journey_columns(args),
            timestamp_format=args.timestamp_format,
            timestamp_unit=args.timestamp_unit,
        )
        note["done"] = (
            f"{log.n_events:,} events, {log.n_cases:,} cases, {log.n_activities:,} activities"
        )
        if log.dropped.total:
            note["done"] += f", {log.dropped.total:,} rows dropped (missing values)"
    return log


def _lead_time_spec(args: argparse.Namespace) -> dict | None:
    """--lead-time as ocel_lead_times keywords; a usage error off an OCEL log."""
    if args.lead_time is None:
        return None
    from .io.ocel import is_ocel
    from .journey.related import parse_lead_time

    if not is_ocel(args.log):
        raise UsageError(
            f"--lead-time relates objects of an object-centric log (.jsonocel, .xmlocel, "
            f".sqlite, OCEL 1.0 .csv); '{args.log}' is not one: leave it out"
        )
    try:
        return parse_lead_time(args.lead_time)
    except InputError as exc:
        raise UsageError(f"--lead-time: {exc}") from None


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
    pandas_only = {
        "--channel": args.channel,
        "--score": args.score,
        "--attribution": args.attribution,
        "--model": args.model,
        "--expected": args.expected,
    }
    given = [flag for flag, value in pandas_only.items() if value]
    if given:
        raise UsageError(
            f"{', '.join(given)} runs on one machine for now: drop it, or leave out "
            "--backend dask (the dask backend writes the DFG, variants, activities, the "
            "journey tables of --stages and --segment, the summary and the report)"
        )
    if args.partitions is not None and args.partitions < 1:
        raise UsageError(f"--partitions must be at least 1; got {args.partitions}")


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


def report(args: argparse.Namespace) -> int:
    from .outputs import holding
    from .report import write_report

    if not 0 < args.map_coverage <= 1:
        raise UsageError(f"--map-coverage must be a share in (0, 1]; got {args.map_coverage}")
    progress = Progress(enabled=not args.quiet)
    with progress.step(f"rebuilding the report in {args.folder}"), holding(args.folder):
        written, warnings = write_report(args.folder, map_coverage=args.map_coverage)
    for warning in warnings:
        progress.message(f"warning: {warning}")
    progress.message(f"wrote {', '.join(written)} in {args.folder}")
    return EXIT_OK


def _journey_model(args: argparse.Namespace):
    """The journey model the flags ask for, or None when no journey analytics is wanted."""
    from .journey import JourneyModel

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

    from .journey.model import templates

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
        conformance_method=args.conformance_method,
        conformance_coverage=args.conformance_coverage,
        report=not args.no_report,
        map_coverage=args.map_coverage,
    )


def _journey_columns(args: argparse.Namespace) -> list[str]:
    columns = [*args.segment, args.channel, args.score, *getattr(args, "slice_columns", [])]
    return list(dict.fromkeys(c for c in columns if c))


def _overview(log, variants, edges) -> str:
    """A few lines on stdout for a person at a terminal; the files are the contract."""
    from .journey.actions import human, times

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
            f"({times(edge['frequency'])}, {human(edge['total'])} in all, "
            f"mean {human(edge['mean_s'])}, median {human(edge['median_s'])})"
        )
    return "\n".join(lines)


def convert(args: argparse.Namespace) -> int:
    from .convert import write_log

    progress = Progress(enabled=not args.quiet)
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
    return not any(folder.rglob("*.nbi"))  # numba writes into a subfolder of CACHE_DIR


def _set_threads(n: int) -> None:
    import numba

    if not 1 <= n <= numba.config.NUMBA_NUM_THREADS:
        raise UsageError(
            f"--threads must be between 1 and {numba.config.NUMBA_NUM_THREADS} on this machine; "
            f"got {n}"
        )
    numba.set_num_threads(n)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
