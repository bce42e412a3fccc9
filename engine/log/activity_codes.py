"""Activities to small integer codes numbered in the alphabetical order of their names,
so that comparing codes compares names. Empty or missing names are flagged, never guessed.
batch_codes.ActivityStream gives the same codes batch by batch."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from ..arrowtext import as_text
from ..kernels.keycodes import count_codes, remap_codes
from .columns import dictionary_indices, unified_dictionaries


@dataclass(frozen=True)
class ActivityCodes:
    codes: np.ndarray  # int32 per row, -1 where missing
    names: np.ndarray  # object array of str, sorted
    missing: np.ndarray


def activity_codes(column: pa.ChunkedArray) -> ActivityCodes:
    """Activity codes ordered by name; names are always text."""
    if not pa.types.is_dictionary(column.type):
        column = as_text(column).dictionary_encode()
    column = unified_dictionaries(column)
    if column.num_chunks == 0:
        return ActivityCodes(
            np.zeros(0, np.int32), np.array([], dtype=object), np.zeros(0, dtype=bool)
        )
    dictionary = as_text(column.chunk(0).dictionary)
    names = np.asarray(dictionary.to_pylist(), dtype=object)
    codes = np.concatenate(
        [dictionary_indices(c).astype(np.int32, copy=False) for c in column.chunks]
    )
    empty = np.array([name == "" or name is None for name in names], dtype=bool)
    if len(names) and empty.any():
        codes = np.where((codes >= 0) & empty[np.maximum(codes, 0)], -1, codes).astype(np.int32)
    missing = codes < 0
    return sorted_codes(codes, names, missing)


def sorted_codes(codes: np.ndarray, names: np.ndarray, missing: np.ndarray) -> ActivityCodes:
    """Drop names no kept row uses and renumber codes in name order."""
    if len(names) == 0:
        return ActivityCodes(codes, names, missing)
    used = count_codes(codes, len(names)) > 0
    kept_names = names[used]
    order = name_order(kept_names)
    new_code = np.full(len(names), -1, dtype=np.int32)
    new_code[np.flatnonzero(used)[order]] = np.arange(len(order), dtype=np.int32)
    if not np.array_equal(new_code, np.arange(len(names), dtype=np.int32)):
        codes = remap_codes(codes, new_code)
    return ActivityCodes(codes, kept_names[order], missing)


def name_order(names: np.ndarray) -> np.ndarray:
    """The order that sorts activity names as Python compares strings (numpy's own text
    type would drop a trailing NUL, and "a" and "a\x00" would compare equal): the one
    order of every alphabet, a log's and the union of its parts'."""
    return np.argsort(np.asarray(names, dtype=object), kind="stable")


def sorted_names(names: Iterable[str]) -> np.ndarray:
    """`names` (distinct: the union of a log's parts' alphabets) as an object array in
    name_order."""
    array = np.array(list(names), dtype=object)
    return array[name_order(array)]
