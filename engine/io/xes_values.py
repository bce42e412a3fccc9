"""XES attribute values to typed columns: dates, numbers and booleans as their XES type
says, text otherwise. What cannot be read as its type is reported (BadValues), never
turned into a missing value. Whole numbers are read exactly: an <int> column is int64
(never through float64, which rounds past 2**53), and a whole number that int64, or the
float64 of a column with fractions, cannot hold exactly is reported, not rounded."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .offsets import has_offset

#: A whole number as xs:long writes it: an optional sign, digits, blanks around.
_WHOLE = r"^[ \t\n\r\f]*[+-]?[0-9]+[ \t\n\r\f]*$"
_BLANKS = " \t\n\r\f"
_INT64 = (-(2**63), 2**63 - 1)
#: Whole numbers from this on may not be exact in a float64.
_FLOAT_EXACT = 2**53


@dataclass(frozen=True)
class BadValues:
    """Values of one column that cannot be used: unreadable ones (`bad`), or dates with
    and without an offset (`mixed`: the events of each). `reason` says why `bad` cannot
    be used when they are readable: 'int64' (whole numbers beyond int64) or 'float64'
    (whole numbers a float64 column cannot hold exactly)."""

    bad: np.ndarray
    mixed: tuple[np.ndarray, np.ndarray] | None = None
    reason: str | None = None


def convert_values(values: list, kinds: set[str]) -> tuple[pd.Series, BadValues | None]:
    """The column in its XES type, and the values that cannot be read as that type."""
    series = pd.Series(values, dtype="object")
    if kinds == {"date"}:
        parsed = pd.to_datetime(series, utc=True, format="ISO8601", errors="coerce")
        problem = _unreadable(series, parsed)
        if problem is None:
            problem = _mixed_offsets(series)
        return parsed, problem
    if kinds <= {"int", "float"}:
        return _numbers(series, kinds)
    if kinds == {"boolean"}:
        lowered = series.str.strip().str.lower()
        flags = lowered.map({"true": True, "false": False, "1": True, "0": False})
        return flags.astype("boolean"), _unreadable(series, flags)
    return series.astype("str"), None


def _numbers(series: pd.Series, kinds: set[str]) -> tuple[pd.Series, BadValues | None]:
    """<int> and <float> values: Int64 when every value is an <int> that is whole, exact;
    float64 otherwise (fractions, or a <float> among them)."""
    numbers = pd.to_numeric(series, errors="coerce")
    if kinds == {"int"}:
        readable = numbers.astype("float64")  # xs:long has no NaN or infinity
        readable = readable.where(np.isfinite(readable))
    else:
        text = series.str.strip().str.lower()
        not_a_number = text.isin(["nan", "inf", "-inf", "+inf"])  # xs:float allows these
        readable = numbers.where(~not_a_number, 0)
    problem = _unreadable(series, readable)
    floats = numbers.astype("float64")
    if problem is not None or kinds == {"float"}:  # a <float> is read as a float64
        return floats, problem
    text = pa.array(series, type=pa.large_string(), from_pandas=True)
    whole = pc.match_substring_regex(text, _WHOLE).fill_null(False).to_numpy(zero_copy_only=False)
    present = series.notna().to_numpy()
    if kinds == {"int"} and np.array_equal(whole, present):
        return _whole_numbers(series, text, present)
    problem = _inexact(series, floats, whole)  # an <int> beside fractions stays exact
    if kinds == {"int"} and problem is None:
        try:
            return floats.astype("Int64"), None  # whole numbers written as '1.0' or '1e3'
        except (TypeError, ValueError, OverflowError):
            pass  # fractions: kept as floats
    return floats, problem


def _whole_numbers(
    series: pd.Series, text: pa.Array, present: np.ndarray
) -> tuple[pd.Series, BadValues | None]:
    """Whole numbers as Int64, exactly; those beyond int64 reported."""
    digits = pc.utf8_ltrim(pc.utf8_trim(text, characters=_BLANKS), characters="+")
    try:
        ints = pc.cast(digits, pa.int64())
    except pa.ArrowInvalid:  # a value beyond int64 (the text is whole, so only that)
        low, high = _INT64
        beyond = [i for i in np.flatnonzero(present) if not low <= int(series.iat[i]) <= high]
        return series, BadValues(np.asarray(beyond, dtype=np.int64), reason="int64")
    data = ints.fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64, copy=False)
    return pd.Series(pd.arrays.IntegerArray(data, ~present)), None


def _inexact(series: pd.Series, floats: pd.Series, whole: np.ndarray) -> BadValues | None:
    """Whole numbers written as such that the float64 column would round."""
    large = whole & (np.abs(floats.to_numpy()) >= _FLOAT_EXACT)
    rounded = [i for i in np.flatnonzero(large) if not _exact(series.iat[i], floats.iat[i])]
    return BadValues(np.asarray(rounded, dtype=np.int64), reason="float64") if rounded else None


def _exact(text: str, number: float) -> bool:
    return bool(np.isfinite(number)) and int(text) == int(number)


def _unreadable(raw: pd.Series, parsed: pd.Series) -> BadValues | None:
    bad = np.flatnonzero(raw.notna().to_numpy() & parsed.isna().to_numpy())
    return BadValues(bad) if len(bad) else None


def _mixed_offsets(raw: pd.Series) -> BadValues | None:
    present = raw.notna().to_numpy()
    offset = has_offset(pa.array(raw, type=pa.large_string(), from_pandas=True))
    with_offset = np.flatnonzero(offset)
    without = np.flatnonzero(present & ~offset)
    if len(with_offset) and len(without):
        return BadValues(np.zeros(0, np.int64), (with_offset, without))
    return None
