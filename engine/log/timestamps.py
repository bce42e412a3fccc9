"""Turn a timestamp column of any kind into int64 nanoseconds since the epoch, UTC.

Accepted: datetimes of any resolution, naive (read as UTC) or timezone-aware; dates; text
in ISO 8601 or in a given `timestamp_format`; numbers, when `timestamp_unit` says what they
count. Missing values are reported back to the caller, who drops and counts them;
values that are present but cannot be read are an error naming the rows, and so is a
column that mixes times with a UTC offset and times without one.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

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


#: How an error names the rows it is about: (the first rows, how many in all) -> text.
#: Errors name input rows; a reader whose rows are something else (OCEL: events) can
#: have the same error name its own.
RowsText = Callable[[np.ndarray, int], str]


def input_rows(rows: np.ndarray, count: int) -> str:
    """'3 rows (rows 3, 17, 902)', or '1,204 rows (rows 3, 17, 902, 1200, 1201, ...)'."""
    noun = "row" if count == 1 else "rows"
    shown = ", ".join(str(int(r)) for r in rows[:_ROWS_SHOWN])
    more = ", ..." if count > len(rows[:_ROWS_SHOWN]) else ""
    return f"{count:,} {noun} ({noun} {shown}{more})"


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
        super().__init__(self.message())

    def __reduce__(self) -> tuple:  # pickled by its fields (dask sends it between machines)
        fields = (self.name, self.kind, self.rows, self.count, self.examples, self.hint)
        return BadTimestamps, fields

    def shifted(self, first_row: int) -> BadTimestamps:
        """The same error for a column whose first value is input row `first_row`."""
        rows = self.rows + first_row
        return BadTimestamps(self.name, self.kind, rows, self.count, self.examples, self.hint)

    def merged(self, later: BadTimestamps) -> BadTimestamps:
        """The rows, count and first values of both, as one read of both would name them."""
        rows = np.concatenate([self.rows, later.rows])
        examples = [*self.examples, *later.examples][:_EXAMPLES]
        count = self.count + later.count
        return BadTimestamps(self.name, self.kind, rows, count, examples, self.hint)

    def message(self, rows_text: RowsText = input_rows) -> str:
        """The message, its rows named by `rows_text`."""
        examples = ", ".join(repr(str(v))[:40] for v in self.examples)
        rows = rows_text(self.rows, self.count)
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


#: The first rows of one kind of value, how many rows in all, and a few of the values.
ValuesOfAKind = tuple[np.ndarray, int, list]


class MixedOffsets(InputError):
    """A column whose present values are some times with a UTC offset, some without:
    the first rows of each kind, how many, and a few of their values."""

    def __init__(self, name: str, with_offset: ValuesOfAKind, without: ValuesOfAKind) -> None:
        self.name, self.with_offset, self.without = name, with_offset, without
        super().__init__(self.message())

    def __reduce__(self) -> tuple:  # pickled by its fields (dask sends it between machines)
        return MixedOffsets, (self.name, self.with_offset, self.without)

    def message(self, rows_text: RowsText = input_rows) -> str:
        """The message, its rows named by `rows_text`."""

        def shown(kind: ValuesOfAKind) -> str:
            rows, count, values = kind
            examples = ", ".join(repr(str(v))[:40] for v in values)
            return f"{rows_text(rows, count)} (e.g. {examples})"

        return (
            f"column '{self.name}' mixes times with a UTC offset, in {shown(self.with_offset)}, "
            f"and times without one, in {shown(self.without)}; naive times would be taken as "
            "UTC: give every value its offset, or none"
        )


_ROWS_SHOWN = 5
_EXAMPLES = 3  # as columns.values_at shows them
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
    numbers = np.where(missing, 0.0, numbers)
    factor = _NS_PER[unit]
    bad = np.flatnonzero(np.abs(numbers * factor) >= 2.0**63)
    if len(bad):
        raise _out_of_range(column, name, bad, first_row)
    # The whole units and the fraction scaled apart, as pandas does: 1577876400.25 s times
    # 1e9 in one float rounds to ...400.249999872 (a float64 holds 16 digits, the product
    # 19); the whole part is exact in int64 and the fraction, below one unit, to a
    # fraction of a nanosecond.
    whole = np.trunc(numbers)
    ns = whole.astype(np.int64) * factor + np.round((numbers - whole) * factor).astype(np.int64)
    return ParsedTimestamps(ns, missing, True)


#: Epoch times written as text: a decimal number, with an optional fraction and exponent.
_DECIMAL = r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$"


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
        # Decimal numbers only, spaces around them allowed (as around ISO times): the rows
        # named bad are exactly those not read (Arrow's cast alone took '0x10' as 16 and
        # refused ' 17', which pandas' check then found nothing wrong with).
        present = pc.utf8_trim_whitespace(present)
        decimal = pc.match_substring_regex(present, _DECIMAL).fill_null(True)
        bad = np.flatnonzero(~decimal.to_numpy(zero_copy_only=False))
        if bad.size:
            raise _bad_values(
                column, name, bad, first_row, f"are not numbers (timestamp_unit={unit!r})"
            )
        try:  # integers first: epoch nanoseconds need all 64 bits
            numbers = present.cast(pa.int64())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            numbers = present.cast(pa.float64())
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
        # Not ISO 8601 at all: one format inferred from the data, if the order of day and
        # month in it is certain.
        inferred = _inferred(text, missing, column, name=name, first_row=first_row)
        if inferred is not None:
            parsed = inferred
            bad = np.flatnonzero(~missing & parsed.isna().to_numpy())
    if len(bad):
        if timestamp_format is not None:
            hint = f"they do not match timestamp_format {timestamp_format!r}; fix it or the rows"
        elif _all_numbers(text.iloc[bad]):
            hint = (
                "if they are epoch times, pass timestamp_unit='s', 'ms', 'us' or 'ns' "
                "(--timestamp-unit)"
            )
        else:
            hint = "pass timestamp_format=... (--timestamp-format) or clean them"
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


def _inferred(
    text: pd.Series, missing: np.ndarray, column: pa.ChunkedArray, *, name: str, first_row: int
) -> pd.Series | None:
    """The text read in the one format pandas infers from it, or None when pandas cannot
    read it at all. Refused when a value puts a numeric day and month in an order it does
    not settle itself: read month first by default, 01/02/2024 would silently become
    2 January for a European file, and every duration would be wrong. Each value is
    judged on its own (both orders read it, differently), so that neither the rows' order
    nor a Dask partition's share of the rows changes what is read or refused; the error
    names the format that reads every value, where one does."""
    sample = text[~missing].iloc[0]
    found = _guess(sample, dayfirst=False) or _guess(sample, dayfirst=True)
    if found is None or found.startswith("%Y") or not {"%d", "%m"} <= set(_codes(found)):
        # No numeric day and month, or the ISO order, used everywhere: pandas' reading.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            try:
                return pd.to_datetime(text, utc=True, errors="coerce")
            except (ValueError, TypeError):
                return None
    # The sample's format and its twin with day and month swapped: the two readings.
    twin = _swapped(found)
    first_day = found.index("%d") < found.index("%m")
    readings = {
        "day": found if first_day else twin,
        "month": twin if first_day else found,
    }
    parsed = {
        which: pd.to_datetime(text, format=fmt, utc=True, errors="coerce")
        for which, fmt in readings.items()
    }
    a, b = (parsed[w].dt.tz_localize(None).to_numpy() for w in ("day", "month"))
    both = ~missing & ~np.isnat(a) & ~np.isnat(b)
    differ = np.flatnonzero(both & (a != b))
    if not len(differ):
        takes_all = [w for w in ("day", "month") if not parsed[w].isna()[~missing].any()]
        return parsed[takes_all[0]] if takes_all else parsed["day" if first_day else "month"]
    raise InputError(
        _day_month_message(
            text, missing, parsed, readings, differ, column, name=name, first_row=first_row
        )
    )


def _codes(fmt: str) -> list[str]:
    """The strftime codes of a format ('%d', '%m', ...)."""
    return [fmt[i : i + 2] for i in range(len(fmt) - 1) if fmt[i] == "%"]


def _swapped(fmt: str) -> str:
    """The format with its day and month codes swapped."""
    return fmt.replace("%d", "\0").replace("%m", "%d").replace("\0", "%m")


def _day_month_message(
    text: pd.Series,
    missing: np.ndarray,
    parsed: dict[str, pd.Series],
    readings: dict[str, str],
    differ: np.ndarray,
    column: pa.ChunkedArray,
    *,
    name: str,
    first_row: int,
) -> str:
    row = int(differ[0])
    fits = [w for w in ("day", "month") if not parsed[w].isna()[~missing].any()]
    if len(fits) == 1:
        advice = (
            f"every value fits {fits[0]} first: pass timestamp_format="
            f"{readings[fits[0]]!r} (--timestamp-format)"
        )
    else:
        options = " or ".join(f"{readings[w]!r} if the {w} comes first" for w in ("day", "month"))
        advice = f"pass timestamp_format={options} (--timestamp-format)"
    return (
        f"column '{name}' has timestamps that are not ISO 8601 and whose order of day and "
        f"month is not certain: {_shown_rows(column, differ, first_row)} read differently "
        f"day first and month first (row {row + first_row}: {_day(parsed['day'].iloc[row])} "
        f"or {_day(parsed['month'].iloc[row])}); {advice}"
    )


def _day(value: pd.Timestamp) -> str:
    return "no date" if pd.isna(value) else f"{value:%Y-%m-%d}"


def _guess(value: str, *, dayfirst: bool) -> str | None:
    from pandas.tseries.api import guess_datetime_format

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return guess_datetime_format(value, dayfirst=dayfirst)


def _all_numbers(values: pd.Series) -> bool:
    """Whether every one of `values` is a number written as text (epoch times, say)."""
    return bool(pd.to_numeric(values, errors="coerce").notna().all())


def _offsets_agree(
    column: pa.ChunkedArray, missing: np.ndarray, *, name: str, first_row: int
) -> bool:
    """Whether the present values carry a UTC offset: all of them, or none, else an error
    naming the rows of each kind (naive ones would silently be taken as UTC)."""
    offset = has_offset(column)
    with_offset = np.flatnonzero(offset)
    without = np.flatnonzero(~offset & ~missing)
    if len(with_offset) and len(without):
        raise MixedOffsets(
            name, _kind(column, with_offset, first_row), _kind(column, without, first_row)
        )
    return bool(len(with_offset))


#: What one part of a column says about its timestamps' errors: its rows, its
#: BadTimestamps (or None), its values with a UTC offset and those without (each None
#: where there is none; rows counted from the part's first).
PartKinds = tuple[int, "BadTimestamps | None", "ValuesOfAKind | None", "ValuesOfAKind | None"]


def part_kinds(column: pa.ChunkedArray, *, name: str, parse: Callable[..., Any]) -> PartKinds:
    """PartKinds of one part of a timestamp column, `parse` as parse_timestamps (with the
    read's format and unit): what a column read in parts needs to name its errors as the
    whole column would, a mix of kinds the parts do not show alone included."""
    try:
        parsed = parse(column, name=name)
    except BadTimestamps as bad:
        return len(column), bad, None, None
    except MixedOffsets as mixed:
        return len(column), None, mixed.with_offset, mixed.without
    present = np.flatnonzero(~parsed.missing)
    if not len(present):
        return len(column), None, None, None
    kind = _kind(column, present, 0)
    return (
        (len(column), None, kind, None)
        if parsed.timezone_aware
        else (len(column), None, None, kind)
    )


def whole_column_error(name: str, parts: Iterable[PartKinds]) -> InputError | None:
    """The error of a timestamp column read in consecutive parts (PartKinds), as one
    read of the whole column raises it: bad values first (the first part with some
    deciding their kind, as the first bad batch does), counted over every part, else a
    mix of times with and without a UTC offset; None when there is neither."""
    found, first, with_offset, without = None, 0, [], []
    for n_rows, bad, offset, naive in parts:
        if bad is not None and (found is None or bad.kind == found.kind):
            bad = bad.shifted(first)
            found = bad if found is None else found.merged(bad)
        with_offset.append((first, offset))
        without.append((first, naive))
        first += n_rows
    if found is not None:
        return found
    offset, naive = _joined(with_offset), _joined(without)
    if offset is not None and naive is not None:
        return MixedOffsets(name, offset, naive)
    return None


def _joined(kinds: list[tuple[int, ValuesOfAKind | None]]) -> ValuesOfAKind | None:
    """One kind of value over consecutive parts, each given with its first input row:
    the first rows shown, the count over all, the first values (as values_at picks)."""
    present = [(first, kind) for first, kind in kinds if kind is not None]
    if not present:
        return None
    rows = np.concatenate([kind[0] + first for first, kind in present])[:_ROWS_SHOWN]
    values = [value for _, kind in present for value in kind[2]][:_EXAMPLES]
    return rows, sum(kind[1] for _, kind in present), values


class OffsetsDisagree(InputError):
    """Batches of one column that disagree, each of one kind: some with a UTC offset,
    some without (the read names the rows of each from the whole column)."""

    def __init__(self, name: str, with_offset: int, without: int) -> None:
        self.name = name
        super().__init__(
            f"column '{name}' mixes times with a UTC offset (from row {with_offset:,} on) "
            f"and times without one (from row {without:,} on); naive times would be taken "
            "as UTC: give every value its offset, or none"
        )


def _shown_rows(column: pa.ChunkedArray, rows: np.ndarray, first_row: int) -> str:
    shown, count, values = _kind(column, rows, first_row)
    examples = ", ".join(repr(str(v))[:40] for v in values)
    return f"{input_rows(shown, count)} (e.g. {examples})"


def _kind(column: pa.ChunkedArray, rows: np.ndarray, first_row: int) -> ValuesOfAKind:
    """The first rows of one kind of value (as input rows), how many, and a few values."""
    return rows[:_ROWS_SHOWN] + first_row, len(rows), values_at(column, rows)


def _looks_aware(text: pd.Series, timestamp_format: str | None) -> bool:
    first = text.dropna()
    if first.empty:
        return False
    try:
        sample = pd.to_datetime(first.iloc[:1], format=timestamp_format or "ISO8601")
    except (ValueError, TypeError):
        return False
    return isinstance(sample.dtype, pd.DatetimeTZDtype)


#: The longest time between two events that int64 nanoseconds can hold: about 292 years.
LONGEST_SPAN_NS = int(np.iinfo(np.int64).max)


#: An end of a log's times: (ns, column, input row or None when unknown).
TimeEnd = tuple[int, str, int | None]


def check_span(earliest: TimeEnd, latest: TimeEnd) -> None:
    """Refuse a log whose earliest and latest times lie further apart than
    LONGEST_SPAN_NS: every duration is a difference of two times, and one over that span
    would wrap around to a negative number of seconds."""
    if latest[0] - earliest[0] > LONGEST_SPAN_NS:  # Python integers: no overflow here
        raise TooLongSpan(earliest, latest)


class TooLongSpan(InputError):
    """A log whose times span more than int64 nanoseconds hold (see check_span)."""

    def __init__(self, earliest: TimeEnd, latest: TimeEnd) -> None:
        self.earliest, self.latest = earliest, latest
        super().__init__(self.message())

    def message(self, row_text: Callable[[int], str] = lambda row: f"row {row:,}") -> str:
        """The message, the input row of each end named by `row_text`."""

        def shown(time: TimeEnd) -> str:
            ns, name, row = time
            where = f"column '{name}'" + ("" if row is None else f", {row_text(row)}")
            return f"{pd.Timestamp(ns)} ({where})"

        return (
            f"the log's times run from {shown(self.earliest)} to {shown(self.latest)}, more "
            f"than the {LONGEST_SPAN_NS / 1e9 / 86400 / 365.2425:.0f} years a duration in "
            "nanoseconds can hold, so durations would overflow; a date that far off is "
            "usually a placeholder: fix or drop those rows"
        )


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
