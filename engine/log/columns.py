"""Uniform access to the columns of the input: Arrow arrays, whatever the source.

A pandas DataFrame converts column by column (zero-copy for Arrow-backed and numeric
columns); a pyarrow Table, as the file readers return, is used as it is.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa

from ..errors import InputError
from ..kernels.ordering import gather
from ..memory import release_unused_memory

Table = pd.DataFrame | pa.Table

#: Arrow's integer types as pandas' nullable integers of the same width: what an integer
#: attribute with a missing value becomes (float64 would round whole numbers past 2**53).
NULLABLE_INTEGERS: dict[pa.DataType, pd.api.extensions.ExtensionDtype] = {
    pa.int8(): pd.Int8Dtype(),
    pa.int16(): pd.Int16Dtype(),
    pa.int32(): pd.Int32Dtype(),
    pa.int64(): pd.Int64Dtype(),
    pa.uint8(): pd.UInt8Dtype(),
    pa.uint16(): pd.UInt16Dtype(),
    pa.uint32(): pd.UInt32Dtype(),
    pa.uint64(): pd.UInt64Dtype(),
}

#: Their pandas dtype classes (Int64Dtype, ...), for isinstance.
NULLABLE_INTEGER_TYPES = tuple(type(dtype) for dtype in NULLABLE_INTEGERS.values())


def nullable_integers(kind: pa.DataType) -> pd.api.extensions.ExtensionDtype | None:
    """A `types_mapper` for Arrow's to_pandas: integers as pandas' nullable integers,
    every other type as Arrow converts it."""
    return NULLABLE_INTEGERS.get(kind)


def plain_integers(part: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """`part` with those of `columns` that hold nullable integers without a missing value
    as NumPy integers of the same width, as a column without nulls is read on one
    machine; the others as they are. `part` itself is not modified."""
    full = {
        name: part[name].to_numpy(part[name].dtype.numpy_dtype)
        for name in columns
        if isinstance(part[name].dtype, NULLABLE_INTEGER_TYPES) and not part[name].hasnans
    }
    return part.assign(**full) if full else part


def column_names(table: Table) -> list[str]:
    return (
        [str(c) for c in table.columns]
        if isinstance(table, pd.DataFrame)
        else list(table.column_names)
    )


def n_rows(table: Table) -> int:
    return len(table) if isinstance(table, pd.DataFrame) else table.num_rows


def arrow_column(table: Table, name: str, *, role: str | None = None) -> pa.ChunkedArray:
    """The column as a ChunkedArray; pandas object columns of mixed types become text
    (integers beyond 64 bits too), except that keys (`role` 'case' or 'activity') mixing
    text, numbers and booleans are refused (see refuse_mixed_keys)."""
    if isinstance(table, pa.Table):
        return table.column(name)
    series = table[name]
    try:
        array = pa.array(series, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, OverflowError):
        if role is not None:
            refuse_mixed_keys(series, role, name)
        array = pa.array(series.astype("str"), from_pandas=True)
    else:
        if pa.types.is_timestamp(array.type) and _mixes_naive_and_aware(series):
            # Arrow takes the first value's kind for all: as text, the mix is seen and refused.
            array = pa.array(series.astype("str"), from_pandas=True)
    if isinstance(array, pa.ChunkedArray):
        return array
    return pa.chunked_array([array])


def refuse_mixed_keys(series: pd.Series, role: str, name: str) -> None:
    """Refuse an object column of case ids or activities that mixes text, numbers and
    booleans, or holds lists, tuples, sets or dicts. Taken as text, 7 and '7' would be one
    case while 7 and 7.0, equal in pandas, would be two ('7', '7.0'); which are the same
    is the caller's to say."""
    rows: dict[str, int] = {}
    for row, value in enumerate(series.array):
        if value is None or (isinstance(value, float) and value != value) or value is pd.NA:
            continue
        rows.setdefault(_key_kind(value), row)
    nested = rows.get("lists")
    if nested is not None:
        raise InputError(
            f"{role} column '{name}' holds {type(series.iat[nested]).__name__} values "
            f"(row {nested:,}: {_shown(series.iat[nested])}); {role} values must be text or "
            "numbers: join or pick the parts first"
        )
    kinds = [kind for kind in ("text", "numbers", "booleans") if kind in rows]
    if len(kinds) > 1:
        shown = [f"{kind} (row {rows[kind]:,}: {_shown(series.iat[rows[kind]])})" for kind in kinds]
        guess = (
            "7 and '7' would be one value and 7 and 7.0 two"
            if "text" in kinds
            else "True and 1, equal in pandas, would be two values"
        )
        raise InputError(
            f"{role} column '{name}' mixes {', '.join(shown[:-1])} and {shown[-1]}: as text, "
            f"{guess}; convert it to one type first, e.g. df['{name}'] = df['{name}'].astype(str)"
        )


def _shown(value: object, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _key_kind(value: object) -> str:
    if isinstance(value, str):
        return "text"
    if isinstance(value, bool | np.bool_):
        return "booleans"
    if isinstance(value, int | float | np.number):
        return "numbers"
    if isinstance(value, list | tuple | set | frozenset | dict | np.ndarray):
        return "lists"
    return type(value).__name__


def refuse_nested(kind: pa.DataType, role: str, name: str) -> None:
    """Refuse a key column of Arrow lists, structs, maps or unions (of a dictionary's
    values too): its values are neither text nor numbers, and Arrow cannot cast them."""
    values = kind.value_type if pa.types.is_dictionary(kind) else kind
    if pa.types.is_nested(values) or pa.types.is_union(values):
        raise InputError(
            f"{role} column '{name}' holds {values} values; {role} values must be text or "
            f"numbers: map another column, or flatten this one first"
        )


def _mixes_naive_and_aware(series: pd.Series) -> bool:
    """Whether Python datetimes in an object column are some naive, some aware."""
    if series.dtype != object:
        return False
    kinds = {v.tzinfo is None for v in series if hasattr(v, "tzinfo") and not pd.isna(v)}
    return len(kinds) > 1


def pandas_column(table: Table, name: str) -> pd.Series:
    """The column as pandas, an integer column with nulls as nullable integers."""
    if isinstance(table, pd.DataFrame):
        return table[name]
    column = table.column(name)
    nullable = pa.types.is_integer(column.type) and column.null_count
    return column.to_pandas(types_mapper=nullable_integers if nullable else None)


def take_column(table: Table, name: str, rows: np.ndarray) -> pd.Series:
    """Values of `name` at input rows `rows`, as a pandas Series with a fresh index.

    The Series is the one `column.take(rows).to_pandas()` gives, but for an integer
    column with nulls: pandas' nullable integers of its width (Int64), every value exact,
    where Arrow's conversion gives float64 (NULLABLE_INTEGERS). Arrow's take on a column
    of many chunks (a file read in batches) costs about 80 ns a row at 100M rows, so
    category codes and numbers are gathered as NumPy arrays, in parallel, instead.
    """
    if isinstance(table, pd.DataFrame):
        return table[name].iloc[rows].reset_index(drop=True)
    return take_owned([table.column(name)], rows)


def take_owned(holder: list[pa.ChunkedArray], rows: np.ndarray) -> pd.Series:
    """As `take_column`, for the one Arrow column in `holder`, which it empties: a column
    of numbers of many chunks is first made one NumPy array, and when the caller holds
    the column nowhere else its Arrow buffers are given back before the gather (at 100M
    float64 values, 800 MB less at the read's peak, and 800 MB more without the
    concatenated copy); so is an integer column with nulls, with its missing flags."""
    column = holder.pop()
    kind = column.type
    if column.num_chunks and pa.types.is_dictionary(kind):
        return _take_categories(column, rows)
    if column.num_chunks and pa.types.is_integer(kind) and column.null_count:
        values, missing = _integers(column)
        del column
        release_unused_memory()
        return pd.Series(pd.arrays.IntegerArray(gather(values, rows), gather(missing, rows)))
    if column.num_chunks and (
        pa.types.is_floating(kind)
        or (column.null_count == 0 and (pa.types.is_integer(kind) or pa.types.is_boolean(kind)))
    ):
        values = _numbers(column)
        del column
        release_unused_memory()  # the Arrow chunks, before the gather's output is made
        return pd.Series(gather(values, rows))
    return column.take(pa.array(rows)).to_pandas()


def _numbers(column: pa.ChunkedArray) -> np.ndarray:
    """`column.to_numpy()` (float nulls as NaN), filled chunk by chunk into one array:
    Arrow's own conversion of a chunked column with nulls goes through a second,
    concatenated copy."""
    values = np.empty(len(column), column.type.to_pandas_dtype())
    first = 0
    for chunk in column.chunks:
        values[first : first + len(chunk)] = chunk.to_numpy(zero_copy_only=False)
        first += len(chunk)
    return values


def _integers(column: pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """An integer column with nulls as (values, missing flags), one NumPy array each, for
    a pandas nullable integer column of the same width (Int64 for int64, UInt64 for
    uint64): Arrow's own conversion makes it float64, which holds whole numbers exactly
    only up to 2**53 (9007199254740993 would read as 9007199254740992). The value under
    a null is 0, whatever the chunk's buffer holds there."""
    dtype = np.dtype(column.type.to_pandas_dtype())
    values = np.empty(len(column), dtype)
    missing = np.empty(len(column), np.bool_)
    first = 0
    for chunk in column.chunks:
        n = len(chunk)
        data = chunk.buffers()[1]
        if data is not None and n:
            values[first : first + n] = np.frombuffer(data, dtype, n, chunk.offset * dtype.itemsize)
        else:  # every value null (Arrow may leave the buffer out)
            values[first : first + n] = 0
        if chunk.null_count:
            flags = missing[first : first + n]
            flags[:] = chunk.is_null().to_numpy(zero_copy_only=False)
            values[first : first + n][flags] = 0
        else:
            missing[first : first + n] = False
        first += n
    return values, missing


def _take_categories(column: pa.ChunkedArray, rows: np.ndarray) -> pd.Series:
    """A dictionary column as a Categorical: codes gathered, the one dictionary shared."""
    unified = unified_dictionaries(column)
    categories = unified.chunk(0).dictionary
    if categories.null_count:  # nulls among the values: Arrow's conversion decides
        return unified.take(pa.array(rows)).to_pandas()
    code_type = np.int8 if len(categories) <= np.iinfo(np.int8).max else np.int32
    codes = np.empty(len(column), code_type)  # narrow codes: less memory to gather from
    first = 0
    for chunk in unified.chunks:
        codes[first : first + len(chunk)] = dictionary_indices(chunk)
        first += len(chunk)
    dtype = pd.CategoricalDtype(categories.to_pandas(), ordered=column.type.ordered)
    return pd.Series(pd.Categorical.from_codes(gather(codes, rows), dtype=dtype, validate=False))


def unified_dictionaries(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """A dictionary column whose chunks share one dictionary.

    Row groups written one by one (from pandas: int8 codes for up to 127 categories)
    each bring their own dictionary; when the union outgrows their index type, Arrow
    refuses to unify them, so the codes are widened to int32 first. The column is only
    copied then.
    """
    try:
        return column.unify_dictionaries()
    except pa.ArrowInvalid:
        kind = column.type
        wide = pa.dictionary(pa.int32(), kind.value_type, kind.ordered)
        return column.cast(wide).unify_dictionaries()


def dictionary_indices(chunk: pa.DictionaryArray) -> np.ndarray:
    """A dictionary chunk's codes as NumPy integers, -1 where the value is null.

    Unsigned codes (Arrow writes uint8 and other unsigned indices) are widened to
    int64 first when there are nulls, since -1 does not fit them.
    """
    indices = chunk.indices
    if indices.null_count:
        if pa.types.is_unsigned_integer(indices.type):
            indices = indices.cast(pa.int64())
        indices = indices.fill_null(-1)
    return indices.to_numpy(zero_copy_only=False)


def values_at(column: pa.ChunkedArray, rows: Sequence[int] | np.ndarray) -> list:
    """A few values for error messages; a time Python cannot hold (past year 9999, as a
    corrupt file may have) as its raw number and unit, so that the message cannot fail."""
    picked = column.take(pa.array(np.asarray(rows[:3], dtype=np.int64)))
    try:
        return picked.to_pylist()
    except (OverflowError, ValueError, pa.ArrowException):
        if not pa.types.is_timestamp(picked.type):
            raise
        unit = picked.type.unit
        return [f"{value} {unit} since 1970" for value in picked.cast(pa.int64()).to_pylist()]


def chunk_slices(column: pa.ChunkedArray) -> list[tuple[int, int, pa.Array]]:
    """(start row, end row, chunk) for each chunk."""
    out = []
    start = 0
    for chunk in column.chunks:
        out.append((start, start + len(chunk), chunk))
        start += len(chunk)
    return out


def null_mask(column: pa.ChunkedArray) -> np.ndarray:
    return column.is_null().to_numpy(zero_copy_only=False)


def string_buffers(chunk: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Arrow offsets (n + 1) and UTF-8 bytes of a text chunk, without copying.

    Offsets are int32 for `string` and int64 for `large_string`; other types are cast to
    `large_string` first.
    """
    if chunk.type == pa.string():
        offset_type = np.int32
    else:
        offset_type = np.int64
        if chunk.type != pa.large_string():
            chunk = chunk.cast(pa.large_string())
    _, offsets_buffer, data_buffer = chunk.buffers()
    start = chunk.offset
    offsets = np.frombuffer(offsets_buffer, dtype=offset_type)[start : start + len(chunk) + 1]
    data = (
        np.frombuffer(data_buffer, dtype=np.uint8)
        if data_buffer is not None
        else np.zeros(0, dtype=np.uint8)
    )
    return offsets, data
