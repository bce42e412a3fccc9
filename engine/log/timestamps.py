"""Turn a timestamp column of any kind into int64 nanoseconds since the epoch, UTC.

Accepted: datetimes of any resolution, naive (read as UTC) or timezone-aware; dates; text
in ISO 8601 or in a given `timestamp_format`; numbers, when `timestamp_unit` says what they
count. Missing values are reported back to the caller, who drops and counts them;
values that are present but cannot be read are an error naming the rows, and so is a
column that mixes times with a UTC offset and times without one.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..arrowtext import is_text
from ..errors import InputError
from ..io.offsets import has_offset
from ..kernels.timeunits import scale_to_ns
from .columns import null_mask, values_at

UNITS = ("s", "ms", "us", "ns")
_NS_PER = {"s": 10**9, "ms": 10**6, "us": 10**3, "ns": 1}


class BadTimestamps(InputError):
    """Present values of a timestamp column that cannot be used, of one `kind`.

    A column read in batches fails on its first bad batch; `merged` adds the bad rows
    of later batches, so that the message counts them over the whole input.
    """

    def __init__(
        self, name: str, kind: str, rows: np.ndarray, count: int, examples: list, hint: str
    ) -> None:
        self.name, self.kind, self.hint = name, kind, hint
        self.rows, self.count, self.examples = rows[:_ROWS_SHOWN], count, examples
        super().__init__(self._message())

    def merged(self, later: BadTimestamps) -> BadTimestamps:
        rows = np.concatenate([self.rows, later.rows])
        return BadTimestamps(
            self.name, self.kind, rows, self.count + later.count, self.examples, self.hint
        )

    def _message(self) -> str:
        examples = ", ".join(repr(str(v))[:40] for v in self.examples)
        noun = "row" if self.count == 1 else "rows"
        shown = ", ".join(str(int(r)) for r in self.rows)
        more = ", ..." if self.count > len(self.rows) else ""
        rows = f"{self.count:,} {noun} ({noun} {shown}{more})"
        if self.kind == _OUT_OF_RANGE:
            lo, hi = pd.Timestamp.min, pd.Timestamp.max
            return (
                f"column '{self.name}' has timestamps outside {lo.year}-{hi.year} in {rows} "
                f"(e.g. {examples}), which nanosecond times cannot hold; fix or drop those rows"
            )
        return (
            f"column '{self.name}' has {rows} whose values {self.kind} (e.g. {examples}); "
            f"{self.hint}"
        )


_ROWS_SHOWN = 5
_OUT_OF_RANGE = "out of range"


@dataclass(frozen=True)
class ParsedTimestamps:
    ns: np.ndarray  # int64, UTC; 0 where `missing`
    missing: np.ndarray  # bool
    timezone_aware: bool


def parse_timestamps(
    column: pa.ChunkedArray,
    *,
    name: str,
    timestamp_format: str | None = None,
    timestamp_unit: str | None = None,
    first_row: int = 0,
) -> ParsedTimestamps:
    """Parse the column `name` to UTC nanoseconds; see the module doc.

    `first_row` is the input row of the column's first value, for error messages when the
    column is one batch of a larger input.
    """
    if timestamp_unit is not None and timestamp_unit not in UNITS:
        raise InputError(
            f"timestamp_unit must be one of {', '.join(UNITS)}; got {timestamp_unit!r}"
        )
    kind = column.type
    if pa.types.is_dictionary(kind):
        column = column.cast(kind.value_type)
        kind = column.type
    if pa.types.is_timestamp(kind):
        return _from_arrow_timestamps(column, name=name, first_row=first_row)
    if pa.types.is_date(kind):
        return _from_arrow_timestamps(
            column.cast(pa.timestamp("s")), name=name, first_row=first_row
        )
    if pa.types.is_boolean(kind):
        raise InputError(f"column '{name}' holds booleans, not timestamps; map another column")
    if pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind):
        return _from_numbers(column, name=name, unit=timestamp_unit, first_row=first_row)
    if is_text(kind):
        return _from_text(
            column,
            name=name,
            timestamp_format=timestamp_format,
            unit=timestamp_unit,
            first_row=first_row,
        )
    raise InputError(f"column '{name}' holds {kind} values, not timestamps; map another column")


def _from_arrow_timestamps(
    column: pa.ChunkedArray, *, name: str, first_row: int
) -> ParsedTimestamps:
    missing = null_mask(column)
    raw = _int64_values(column)
    factor = _NS_PER[column.type.unit]
    ns = _scale(raw, factor, missing, name=name, column=column, first_row=first_row)
    return ParsedTimestamps(ns, missing, column.type.tz is not None)


def _int64_values(column: pa.ChunkedArray) -> np.ndarray:
    """The column's values as int64 (nulls as 0), without copies where Arrow allows."""
    ints = column.cast(pa.int64())
    if ints.null_count:
        ints = ints.fill_null(0)
    return ints.to_numpy()


def _scale(
    raw: np.ndarray,
    factor: int,
    missing: np.ndarray,
    *,
    name: str,
    column: pa.ChunkedArray,
    first_row: int,
) -> np.ndarray:
    """raw * factor in int64, or an error naming the rows that would overflow."""
    if factor == 1:  # already nanoseconds, missing values already 0 (_int64_values)
        return raw if raw.flags.writeable else raw.copy()
    ns, overflow = scale_to_ns(raw, factor, missing)
    if overflow:
        bad = np.flatnonzero(~missing & (np.abs(raw) > np.iinfo(np.int64).max // factor))
        raise _out_of_range(column, name, bad, first_row)
    return ns


def _from_numbers(
    column: pa.ChunkedArray, *, name: str, unit: str | None, first_row: int
) -> ParsedTimestamps:
    if unit is None:
        raise InputError(
            f"column '{name}' holds numbers, not timestamps; if they are epoch times, "
            "pass timestamp_unit='s', 'ms', 'us' or 'ns' (--timestamp-unit)"
        )
    missing = null_mask(column)
    if pa.types.is_integer(column.type):
        raw = _int64_values(column)
        return ParsedTimestamps(
            _scale(raw, _NS_PER[unit], missing, name=name, column=column, first_row=first_row),
            missing,
            True,
        )
    numbers = column.cast(pa.float64()).fill_null(np.nan).to_numpy()
    bad = np.flatnonzero(~missing & ~np.isfinite(numbers))
    if len(bad):
        raise _bad_values(column, name, bad, first_row, "are not finite numbers")
    scaled = np.where(missing, 0.0, numbers) * _NS_PER[unit]
    bad = np.flatnonzero(np.abs(scaled) >= 2.0**63)
    if len(bad):
        raise _out_of_range(column, name, bad, first_row)
    return ParsedTimestamps(np.round(scaled).astype(np.int64), missing, True)


def _from_text(
    column: pa.ChunkedArray,
    *,
    name: str,
    timestamp_format: str | None,
    unit: str | None,
    first_row: int,
) -> ParsedTimestamps:
    if unit is None and timestamp_format is None:
        parsed = _iso_without_blanks(column)
        if parsed is not None:
            return parsed
    blank = pc.equal(pc.utf8_trim_whitespace(column), "").fill_null(True)
    missing = blank.to_numpy(zero_copy_only=False) | null_mask(column)
    present = pc.if_else(blank, pa.scalar(None, column.type), column)
    if unit is not None:
        try:
            try:  # integers first: epoch nanoseconds need all 64 bits
                numbers = present.cast(pa.int64())
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                numbers = present.cast(pa.float64())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            as_float = pd.to_numeric(present.to_pandas(), errors="coerce").to_numpy()
            bad = np.flatnonzero(~missing & np.isnan(as_float))
            raise _bad_values(
                column, name, bad, first_row, f"are not numbers (timestamp_unit={unit!r})"
            ) from None
        parsed = _from_numbers(numbers, name=name, unit=unit, first_row=first_row)
        return ParsedTimestamps(parsed.ns, missing, True)
    if timestamp_format is None:
        found = _iso_cast(present)
        if found is not None:
            return ParsedTimestamps(found[0], missing, found[1])
    return _from_text_with_pandas(
        column,
        present.to_pandas(),
        missing,
        name=name,
        timestamp_format=timestamp_format,
        first_row=first_row,
    )


def _iso_without_blanks(column: pa.ChunkedArray) -> ParsedTimestamps | None:
    """The common case first: every value an ISO 8601 timestamp, all naive or all with an
    offset, none blank. Arrow's cast of the whole column gives what the general path below
    gives then, without its three passes over the text to find blanks; None (the cast
    stops at its first failure) sends the column down that path."""
    found = _iso_cast(column)
    return None if found is None else ParsedTimestamps(found[0], null_mask(column), found[1])


def _iso_cast(text: pa.ChunkedArray) -> tuple[np.ndarray, bool] | None:
    """(int64 ns with nulls as 0, timezone-aware) when Arrow parses every value as ISO
    8601, all naive or all with an offset; else None."""
    for target, aware in ((pa.timestamp("ns"), False), (pa.timestamp("ns", tz="UTC"), True)):
        try:
            cast = text.cast(target)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            continue
        return cast.cast(pa.int64()).fill_null(0).to_numpy(), aware
    return None


def _from_text_with_pandas(
    column: pa.ChunkedArray,
    text: pd.Series,
    missing: np.ndarray,
    *,
    name: str,
    timestamp_format: str | None,
    first_row: int,
) -> ParsedTimestamps:
    """Slow path: formats Arrow's ISO 8601 parser does not take, with row-level errors."""
    fmt = timestamp_format or "ISO8601"
    try:
        parsed = pd.to_datetime(text, format=fmt, utc=True, errors="coerce")
    except ValueError as exc:
        raise InputError(
            f"timestamp_format {timestamp_format!r} cannot be used for column '{name}' "
            f"({exc}); use strftime codes such as '%d/%m/%Y %H:%M'"
        ) from None
    bad = np.flatnonzero(~missing & parsed.isna().to_numpy())
    if len(bad) and timestamp_format is None and len(bad) == int((~missing).sum()):
        # Not ISO 8601 at all: let pandas infer one consistent format from the data,
        # without its warning that it could not (the error below says what to do).
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                parsed = pd.to_datetime(text, utc=True, errors="coerce")
            bad = np.flatnonzero(~missing & parsed.isna().to_numpy())
        except (ValueError, TypeError):
            pass
    if len(bad):
        hint = (
            "pass timestamp_format=... (--timestamp-format) or clean them"
            if timestamp_format is None
            else f"they do not match timestamp_format {timestamp_format!r}; fix it or the rows"
        )
        raise _bad_values(column, name, bad, first_row, "are not timestamps", hint=hint)
    if timestamp_format is None:
        aware = _offsets_agree(column, missing, name=name, first_row=first_row)
    else:
        aware = _looks_aware(text, timestamp_format)
    naive = parsed.dt.tz_localize(None)
    lo, hi = pd.Timestamp.min, pd.Timestamp.max
    outside = np.flatnonzero(((naive < lo) | (naive > hi)).to_numpy())
    if len(outside):
        raise _out_of_range(column, name, outside, first_row)
    ns = naive.astype("datetime64[ns]").to_numpy().view(np.int64).copy()
    ns[missing] = 0
    return ParsedTimestamps(ns, missing, aware)


def _offsets_agree(
    column: pa.ChunkedArray, missing: np.ndarray, *, name: str, first_row: int
) -> bool:
    """Whether the present values carry a UTC offset: all of them, or none, else an error
    naming the rows of each kind (naive ones would silently be taken as UTC)."""
    offset = has_offset(column)
    with_offset = np.flatnonzero(offset)
    without = np.flatnonzero(~offset & ~missing)
    if len(with_offset) and len(without):
        raise InputError(
            f"column '{name}' mixes times with a UTC offset, in "
            f"{_shown_rows(column, with_offset, first_row)}, and times without one, in "
            f"{_shown_rows(column, without, first_row)}; naive times would be taken as UTC: "
            "give every value its offset, or none"
        )
    return bool(len(with_offset))


def mixed_offsets_error(name: str, with_offset: int, without: int) -> InputError:
    """Batches of one column that disagree: the first row of each kind."""
    return InputError(
        f"column '{name}' mixes times with a UTC offset (from row {with_offset:,} on) and "
        f"times without one (from row {without:,} on); naive times would be taken as "
        "UTC: give every value its offset, or none"
    )


def _shown_rows(column: pa.ChunkedArray, rows: np.ndarray, first_row: int) -> str:
    examples = ", ".join(repr(str(v))[:40] for v in values_at(column, rows))
    noun = "row" if len(rows) == 1 else "rows"
    shown = ", ".join(str(int(r) + first_row) for r in rows[:_ROWS_SHOWN])
    more = ", ..." if len(rows) > _ROWS_SHOWN else ""
    return f"{len(rows):,} {noun} ({noun} {shown}{more}) (e.g. {examples})"


def _looks_aware(text: pd.Series, timestamp_format: str | None) -> bool:
    first = text.dropna()
    if first.empty:
        return False
    try:
        sample = pd.to_datetime(first.iloc[:1], format=timestamp_format or "ISO8601")
    except (ValueError, TypeError):
        return False
    return isinstance(sample.dtype, pd.DatetimeTZDtype)


def _out_of_range(
    column: pa.ChunkedArray, name: str, bad: np.ndarray, first_row: int
) -> BadTimestamps:
    examples = values_at(column, bad)
    return BadTimestamps(name, _OUT_OF_RANGE, bad + first_row, len(bad), examples, "")


def _bad_values(
    column: pa.ChunkedArray,
    name: str,
    bad: np.ndarray,
    first_row: int,
    what: str,
    *,
    hint: str = "clean them",
) -> BadTimestamps:
    return BadTimestamps(name, what, bad + first_row, len(bad), values_at(column, bad), hint)
