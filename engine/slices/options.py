"""The slice and compare flags of `parcours analyze`: parsed and checked before the log
is read, applied to the log once read, so that the usual output folder describes the
slice (and summary.json says which)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from ..errors import InputError, UsageError

if TYPE_CHECKING:
    import pandas as pd

    from ..journey import JourneyModel
    from ..log.eventlog import EventLog


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "slices and comparisons (the output folder then describes the slice)"
    )
    group.add_argument(
        "--where",
        metavar="EXPR",
        help="keep journeys for which EXPR holds, columns read at each journey's first "
        "event: \"segment == 'new' and channel in ('web', 'app')\" (==, !=, in, not in, "
        "and, or, not, parentheses)",
    )
    group.add_argument(
        "--contains",
        metavar="TOUCHPOINT",
        action="append",
        default=[],
        help="keep journeys with this touchpoint (repeatable: all of them)",
    )
    group.add_argument(
        "--between",
        nargs=2,
        metavar=("START", "END"),
        help="keep journeys that start between two dates or times, both included; an END "
        "given as a date alone keeps that whole day (2026-03-01 2026-03-31: all of March)",
    )
    group.add_argument(
        "--session-gap",
        metavar="DURATION",
        help="split each journey into sessions at gaps longer than DURATION ('30min'); "
        "the sessions become the journeys, the customer an attribute",
    )
    group.add_argument(
        "--drift",
        metavar="PERIOD",
        help="also write drift.parquet: each period's journeys (D, W, M, Q, Y: the period they "
        "start in) against all the others (needs --stages)",
    )
    group.add_argument(
        "--drift-by",
        metavar="COLUMN",
        help="with --drift: name the segment (COLUMN at each journey's first event) that "
        "carries each change",
    )
    group.add_argument(
        "--compare",
        metavar="COLUMN=A[,B]",
        help="also write compare.parquet: journeys whose COLUMN (at their first event) is A "
        "against those where it is B, or all the others; A and B are read as the column's "
        "type (tier=1 matches the number 1, flag=true a boolean)",
    )


def check(args: argparse.Namespace) -> list[str]:
    """Check the flags before the log is read; return the columns they need read."""
    import pandas as pd

    columns: list[str] = []
    if args.where is not None:
        from .expression import parse

        try:
            _, used = parse(args.where)
        except InputError as exc:
            raise UsageError(str(exc)) from None
        columns += used
    if args.between is not None:
        for value in args.between:
            try:
                pd.Timestamp(value)
            except (TypeError, ValueError):
                raise UsageError(f"--between: {value!r} is not a date or time") from None
    if args.session_gap is not None:
        try:
            if pd.Timedelta(args.session_gap) <= pd.Timedelta(0):
                raise ValueError
        except (TypeError, ValueError):
            raise UsageError(
                f"--session-gap must be a positive duration such as '30min'; got "
                f"{args.session_gap!r}"
            ) from None
    if args.compare is not None:
        columns.append(compare_sides(args.compare)[0])
    if args.drift_by is not None:
        if args.drift is None:
            raise UsageError("--drift-by goes with --drift PERIOD")
        columns.append(args.drift_by)
    if args.drift is not None and args.drift not in ("D", "W", "M", "Q", "Y"):
        raise UsageError(f"--drift takes D, W, M, Q or Y; got {args.drift!r}")
    if args.drift is not None and getattr(args, "stages", None) is None:
        raise UsageError("--drift needs a stage mapping: add --stages FILE.toml")
    if getattr(args, "backend", "pandas") == "dask" and (args.compare or args.drift):
        raise UsageError(
            "--compare and --drift run on one machine for now: leave out --backend dask "
            "(--where, --contains, --between and --session-gap work on dask)"
        )
    return columns


def compare_sides(text: str) -> tuple[str, str, str | None]:
    """COLUMN=A[,B] → (column, a, b or None)."""
    column, _, values = text.partition("=")
    sides = [v.strip() for v in values.split(",")] if values else []
    if not column.strip() or not 1 <= len(sides) <= 2 or not all(sides):
        raise UsageError(f"--compare takes COLUMN=A or COLUMN=A,B; got {text!r}")
    return column.strip(), sides[0], sides[1] if len(sides) == 2 else None


def apply(log: EventLog, args: argparse.Namespace) -> EventLog:
    """The slice the flags ask for: sessions first, then the filters."""
    if args.session_gap is not None:
        log = log.sessions(args.session_gap)
    if args.where is not None:
        log = log.filter.where(args.where)
    if args.contains:
        log = log.filter.contains(*args.contains, how="all")
    if args.between is not None:
        log = log.filter.time_range(*args.between, mode="starts")
    if args.compare is not None:
        compare_values(log, args.compare)  # a value not of the column's type: an error now
    return log


def compare_values(log: EventLog, compare: str) -> tuple[str, Any, Any]:
    """--compare COLUMN=A[,B] → (column, A, B or None), A and B read as values of the
    column's type ('1' is 1 in a column of integers; see engine.slices.values)."""
    from .values import column_values

    column, a, b = compare_sides(compare)
    series = log.filter._column(column)
    typed = column_values(series, [a] if b is None else [a, b], column, "--compare")
    return column, typed[0], typed[1] if b is not None else None


def comparison(
    log: EventLog, model: JourneyModel | None, compare: str, min_journeys: int
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """compare.parquet's table for --compare COLUMN=A[,B], and what summary.json says."""
    from .build import EmptySlice
    from .comparison import compare_logs

    column, a, b = compare_sides(compare)
    _, typed_a, typed_b = compare_values(log, compare)
    try:
        side_a = log.filter.attribute(column, [typed_a])
        other = log.filter.attribute(column, [typed_a], keep=False) if b is None else None
        side_b = other if other is not None else log.filter.attribute(column, [typed_b])
    except EmptySlice as empty:
        raise _empty_side(log, compare, column, empty) from None
    table = compare_logs(side_a, side_b, model, min_journeys=min_journeys)
    flagged = table[table["significant"]]
    return table, {
        "column": column,
        "a": a,
        "b": b if b is not None else "(all others)",
        "a_journeys": side_a.n_cases,
        "b_journeys": side_b.n_cases,
        "rows": len(table),
        "significant": len(flagged),
        "significant_by_table": flagged["table"].value_counts().to_dict(),
    }


def _empty_side(log: EventLog, compare: str, column: str, empty: Exception) -> InputError:
    """--compare with a side no journey is on: say so in its own words, with the values
    the journeys analysed do have (at their first event, as --compare reads them)."""
    first = log.attributes[column].iloc[log.case_offsets[:-1]]
    values = first.value_counts(dropna=False).head(5)
    shown = ", ".join(f"{v!r} ({n:,})" for v, n in values.items())
    step = getattr(empty, "step", {})
    value = step.get("values", ["?"])[0]
    side = f"other than {value!r}" if not step.get("keep", True) else f"= {value!r}"
    return InputError(
        f"--compare {compare}: no journey of the {log.n_cases:,} analysed has {column} "
        f"{side} at its first event; the values there are {shown}"
    )
