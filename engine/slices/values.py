"""Values given for a column, as values of the column's type: the text of `--compare
tier=1,2`, of `--where "tier in ('1')"` or of `log.filter.attribute("tier", ["1"])` is
read as the column holds its values, so that it matches as written.

- whole numbers (int64, Int64 as an integer column with blanks is read, ...): '559' and
  '559.0' are 559; '559.5' is not one;
- numbers (float64): '559' is 559.0;
- true/false (bool, boolean): 'true'/'false' in any case, '1'/'0';
- dates and times: as pandas reads them (a date alone is midnight), in the column's zone;
- text: as written; a number given for a text column is an error (quote it);
- a categorical column: as its categories' type; a column of mixed Python objects: as
  given, a text also matching the values written the same.

A value that cannot be of the column's type is a one-line InputError naming the column,
its type and the value; a missing value (None, NaN) is kept as given.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError

#: What each kind of column holds, in an error's words.
KINDS = {
    "integer": "whole numbers",
    "float": "numbers",
    "bool": "true/false",
    "datetime": "dates and times",
    "text": "text",
}
TRUE, FALSE = ("true", "1", "1.0"), ("false", "0", "0.0")


def column_values(series: pd.Series, values: Iterable[Any], column: str, where: str) -> list[Any]:
    """`values` as values of `series`' type (see the module doc); `where` names the
    caller in errors ('--compare', 'attribute')."""
    dtype = series.dtype
    present = series
    if isinstance(dtype, pd.CategoricalDtype):
        present = pd.Series(dtype.categories)
        dtype = dtype.categories.dtype
    kind = _kind(dtype)
    out: list[Any] = []
    for value in values:
        if _missing(value) or kind is None:
            out.append(value)
            if kind is None and isinstance(value, str):
                out.extend(_written_as(present, value))
            continue
        converted = _convert(value, kind, dtype)
        if converted is None:
            raise _error(value, kind, dtype, present, column, where)
        out.append(converted)
    return out


def _kind(dtype: Any) -> str | None:
    if pd.api.types.is_bool_dtype(dtype):
        return "bool"
    if pd.api.types.is_integer_dtype(dtype):
        return "integer"
    if pd.api.types.is_float_dtype(dtype):
        return "float"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    if isinstance(dtype, pd.StringDtype) or (
        isinstance(dtype, pd.ArrowDtype) and pd.api.types.is_string_dtype(dtype)
    ):
        return "text"
    return None  # object and other columns: values as given


def _missing(value: Any) -> bool:
    try:
        return value is None or bool(pd.isna(value))
    except (TypeError, ValueError):  # a list or array: not one missing value
        return False


def _convert(value: Any, kind: str, dtype: Any) -> Any:
    """`value` as a value of `kind`, or None when it cannot be one."""
    if kind == "text":
        return value if isinstance(value, str) else None
    if kind == "datetime":
        return _instant(value, dtype)
    if isinstance(value, str):
        text = value.strip()
        if kind == "bool":
            lower = text.lower()
            return True if lower in TRUE else False if lower in FALSE else None
        try:
            number = float(text)
        except ValueError:
            return None
    elif isinstance(value, bool | np.bool_):
        return bool(value) if kind == "bool" else None
    elif isinstance(value, int | float | np.integer | np.floating):
        number = float(value)
        if kind == "integer" and isinstance(value, int | np.integer):
            return int(value)  # beyond a float's exact whole numbers too
    else:
        return None
    if kind == "bool":
        return bool(number) if number in (0.0, 1.0) else None
    if kind == "integer":
        if not (math.isfinite(number) and number.is_integer()):
            return None
        text = value.strip() if isinstance(value, str) else ""
        return int(text) if text.lstrip("+-").isdigit() else int(number)
    return number


def _instant(value: Any, dtype: Any) -> pd.Timestamp | None:
    try:
        stamp = pd.Timestamp(value.strip() if isinstance(value, str) else value)
    except (TypeError, ValueError):
        return None
    if pd.isna(stamp):
        return None
    zone = getattr(dtype, "tz", None)
    if zone is not None and stamp.tzinfo is None:
        return stamp.tz_localize(zone)
    if zone is None and stamp.tzinfo is not None:
        return stamp.tz_convert("UTC").tz_localize(None)
    return stamp


def _written_as(present: pd.Series, text: str) -> list[Any]:
    """The values of a column of mixed objects that are not text but are written as
    `text` (an integer 1 for '1')."""
    distinct = pd.unique(present.dropna())
    return [v for v in distinct if not isinstance(v, str) and str(v) == text]


def _error(
    value: Any, kind: str, dtype: Any, present: pd.Series, column: str, where: str
) -> InputError:
    what = KINDS[kind]
    shown = value if not isinstance(value, str) else value.strip()
    if kind == "text":
        return InputError(
            f"{where}: column '{column}' holds {what} ({dtype}); {value!r} is not text: "
            f"give it as text, '{shown}'"
        )
    example = present.dropna()
    hint = f", such as {_plain(example.iloc[0])!r}" if len(example) else ""
    if kind == "bool":
        hint = ": give true or false"
    elif kind == "datetime":
        hint = ": give a date or time such as '2026-03-01'"
    else:
        hint = f": give a value of the column{hint}"
    return InputError(
        f"{where}: column '{column}' holds {what} ({dtype}); {value!r} is not one{hint}"
    )


def _plain(value: Any) -> Any:
    """A numpy scalar as the Python value it holds (for a readable repr)."""
    return value.item() if isinstance(value, np.generic) else value
