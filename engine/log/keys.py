"""Turn the case and activity columns into arrays the kernels can group and count.

Case keys: an exact uint64 per row (categorical codes, or integers in a small range), or a
64-bit hash plus the key bytes to check it against. Activity codes: int32 per row, in the
alphabetical order of the activity names (so that sorting codes sorts names).
Empty or missing values are flagged, never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..kernels.hashing import hash_bytes, hash_ints


@dataclass(frozen=True)
class CaseKeys:
    values: np.ndarray  # uint64 per row: the exact key, or its hash when `exact` is False
    exact: bool
    key_offsets: np.ndarray | None  # Arrow offsets of the key bytes (hashed keys only)
    key_data: np.ndarray | None  # UTF-8 (or raw int64) bytes of the keys
    missing: np.ndarray  # bool per row


@dataclass(frozen=True)
class ActivityCodes:
    codes: np.ndarray  # int32 per row, -1 where missing
    names: np.ndarray  # object array of str, sorted
    missing: np.ndarray


def case_keys(series: pd.Series) -> CaseKeys:
    """Case keys of a column of any dtype (strings, integers, categoricals, ...)."""
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        codes = series.cat.codes.to_numpy()
        missing = codes < 0
        return CaseKeys(np.where(missing, 0, codes).astype(np.uint64), True, None, None, missing)
    if pd.api.types.is_bool_dtype(dtype):
        return case_keys(series.astype("str"))
    if pd.api.types.is_integer_dtype(dtype):
        missing = series.isna().to_numpy()
        ints = series.to_numpy(dtype="int64", na_value=0)
        return _integer_keys(ints, missing)
    if pd.api.types.is_float_dtype(dtype):
        values = series.to_numpy(dtype="float64", na_value=np.nan)
        missing = np.isnan(values)
        present = values[~missing]
        if np.all(np.isfinite(present)) and np.all(present == np.round(present)) and (
            present.size == 0 or np.abs(present).max() < 2.0**62
        ):
            return _integer_keys(np.where(missing, 0, values).astype(np.int64), missing)
    return _text_keys(series)


def _integer_keys(ints: np.ndarray, missing: np.ndarray) -> CaseKeys:
    present = ints[~missing]
    if present.size:
        low = int(present.min())
        span = int(present.max()) - low
        if span < 2**40:
            shifted = (ints - low).astype(np.uint64)
            shifted[missing] = 0
            return CaseKeys(shifted, True, None, None, missing)
    raw = np.ascontiguousarray(ints, dtype=np.int64)
    offsets = np.arange(0, 8 * (len(raw) + 1), 8, dtype=np.int64)
    return CaseKeys(hash_ints(raw), False, offsets, raw.view(np.uint8), missing)


def _text_keys(series: pd.Series) -> CaseKeys:
    array = _large_strings(series)
    missing = _missing_text(array)
    offsets, data = _buffers(array)
    return CaseKeys(hash_bytes(offsets, data), False, offsets, data, missing)


def activity_codes(series: pd.Series) -> ActivityCodes:
    """Activity codes ordered by name; names are always text."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        codes = series.cat.codes.to_numpy().astype(np.int32)
        names = np.asarray([str(c) for c in series.cat.categories], dtype=object)
    else:
        array = _large_strings(series)
        encoded = pc.dictionary_encode(array)
        codes = encoded.indices.to_numpy(zero_copy_only=False)
        codes = np.where(np.isnan(codes), -1, codes) if codes.dtype.kind == "f" else codes
        codes = codes.astype(np.int32)
        names = np.asarray(encoded.dictionary.to_pylist(), dtype=object)
    empty = np.array([name == "" for name in names], dtype=bool)
    if len(names) and empty.any():
        codes = np.where((codes >= 0) & empty[np.maximum(codes, 0)], -1, codes).astype(np.int32)
    missing = codes < 0
    return _sorted_codes(codes, names, missing)


def _sorted_codes(codes: np.ndarray, names: np.ndarray, missing: np.ndarray) -> ActivityCodes:
    """Drop names no kept row uses and renumber codes in name order."""
    if len(names) == 0:
        return ActivityCodes(codes, names, missing)
    used = np.bincount(codes[~missing], minlength=len(names)) > 0
    kept_names = names[used]
    order = np.argsort(kept_names.astype(str), kind="stable")
    new_code = np.full(len(names), -1, dtype=np.int32)
    new_code[np.flatnonzero(used)[order]] = np.arange(len(order), dtype=np.int32)
    remapped = np.where(missing, -1, new_code[np.maximum(codes, 0)]).astype(np.int32)
    return ActivityCodes(remapped, kept_names[order], missing)


def _large_strings(series: pd.Series) -> pa.LargeStringArray:
    if not (pd.api.types.is_string_dtype(series.dtype) and series.dtype != object):
        series = series.astype("str")
    array = pa.array(series, from_pandas=True)
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if array.type != pa.large_string():
        array = array.cast(pa.large_string())
    return array


def _missing_text(array: pa.LargeStringArray) -> np.ndarray:
    missing = array.is_null().to_numpy(zero_copy_only=False)
    empty = pc.equal(pc.binary_length(array), 0).fill_null(False).to_numpy(zero_copy_only=False)
    return missing | empty


def _buffers(array: pa.LargeStringArray) -> tuple[np.ndarray, np.ndarray]:
    _, offsets_buffer, data_buffer = array.buffers()
    start = array.offset
    offsets = np.frombuffer(offsets_buffer, dtype=np.int64)[start : start + len(array) + 1]
    data = (
        np.frombuffer(data_buffer, dtype=np.uint8)
        if data_buffer is not None
        else np.zeros(0, dtype=np.uint8)
    )
    return offsets, data
