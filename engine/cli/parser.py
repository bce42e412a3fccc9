"""The `parcours` command line's parser: its commands, flags and help, loaded without
numpy or numba so that --help answers at once."""

from __future__ import annotations

import argparse
from typing import NoReturn

from .. import __version__
from ..slices.options import add_arguments as add_slice_arguments

SEP_HELP = "CSV field separator, one character (default ','); a tab: --sep tab or '\\t'"


class OneLineParser(argparse.ArgumentParser):
    """A usage error in one line, as every other error of the program, with where the
    flags are listed, instead of argparse's whole usage block before it."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
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
    _include_related(
        keys,
        "OCEL logs only (repeatable): each journey also takes in the ACT events (default: "
        "all) of its related TYPE objects, e.g. 'items->packages:package delivered', so that "
        "an order can convert at its delivery; the attribute ocel:related names their type",
    )
    keys.add_argument(
        "--lead-time",
        action="append",
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
    parsing.add_argument("--sep", default=",", help=SEP_HELP)
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
        help="how journeys are replayed (default token_replay; with --expected)",
    )
    discovery.add_argument(
        "--conformance-coverage",
        type=float,
        metavar="SHARE",
        help="replay only the most frequent variants covering this share of journeys "
        "(default: all; pm4py replays each variant, which takes minutes past ~50,000; "
        "with --expected)",
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
    _run_flags(
        running,
        quiet="no progress on stderr (warnings and the overview on stdout stay: redirect "
        "stdout to drop it)",
    )

    report = commands.add_parser(
        "report",
        help="rebuild report.html from the output folder of `parcours analyze`",
        description="Rebuild DIR/report.html (and process_map.svg/.png) from the Parquet "
        "tables and summary.json that `parcours analyze --out DIR` wrote.",
    )
    report.add_argument("folder", metavar="DIR", help="output folder of parcours analyze")
    report.add_argument(
        "--map-coverage",
        type=float,
        default=None,
        metavar="SHARE",
        help="as for analyze (default: the run's, from summary.json's map_coverage; 0.9 "
        "for a folder without it)",
    )
    _run_flags(report)

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
    _include_related(
        convert, "for an object-centric log: related objects' events each journey takes in"
    )
    convert.add_argument("--timestamp-unit", choices=("s", "ms", "us", "ns"))
    convert.add_argument("--format", choices=("csv", "parquet", "xes"))
    convert.add_argument("--sep", default=",", help=SEP_HELP)
    _source_flags(convert)
    convert.add_argument(
        "--attribute",
        action="append",
        default=[],
        metavar="COL",
        help="column to keep (repeatable)",
    )
    _run_flags(convert)

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
    _run_flags(generate)
    return parser


def _run_flags(parser: argparse._ActionsContainer, quiet: str = "no progress on stderr") -> None:
    """--quiet and --debug, which every command takes."""
    parser.add_argument("--quiet", action="store_true", help=quiet)
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")


def _include_related(parser: argparse._ActionsContainer, help_text: str) -> None:
    """--include-related (repeatable), for analyze and convert."""
    parser.add_argument(
        "--include-related",
        action="append",
        default=[],
        metavar="[VIA->]TYPE[:ACT]",
        help=help_text,
    )


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

    folder = Path(__file__).parents[1] / "journey" / "templates"
    return sorted(p.name.removesuffix(".toml") for p in folder.glob("*.toml"))
