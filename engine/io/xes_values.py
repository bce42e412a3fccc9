"""XES attribute values to typed columns: dates, numbers and booleans as their XES type
says, text otherwise. What cannot be read as its type is reported (BadValues), never
turned into a missing value."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from .offsets import has_offset


@dataclass(frozen=True)
class BadValues:
    """Values of one column that cannot be used: unreadable ones (`bad`), or dates with
    and without an offset (`mixed`: the events of each)."""

    bad: np.ndarray
    mixed: tuple[np.ndarray, np.ndarray] | None = None


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
        numbers = pd.to_numeric(series, errors="coerce")
        text = series.str.strip().str.lower()
        not_a_number = text.isin(["nan", "inf", "-inf", "+inf"])  # xs:float allows these
        problem = _unreadable(series, numbers.where(~not_a_number, 0))
        numbers = numbers.astype("float64")
        if kinds == {"int"}:
            try:
                return numbers.astype("Int64"), problem
            except (TypeError, ValueError, OverflowError):
                pass  # fractions or values beyond int64: kept as floats
        return numbers, problem
    if kinds == {"boolean"}:
        lowered = series.str.strip().str.lower()
        flags = lowered.map({"true": True, "false": False, "1": True, "0": False})
        return flags.astype("boolean"), _unreadable(series, flags)
    return series.astype("str"), None


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
