"""Activities to small integer codes numbered in the alphabetical order of their names,
so that comparing codes compares names. Empty or missing names are flagged, never guessed.

One path for every source: `ActivityStream` codes a column chunk by chunk (a file's
batches as they are read, or a whole column), plain text straight from Arrow's buffers
through `NameCodes` (kernels.text.code_text), a dictionary chunk through its few values.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from ..arrowtext import as_text
from ..errors import InputError, one_line
from ..kernels.keycodes import count_codes, remap_codes
from ..kernels.text import LENGTH, START, code_text, place_entries
from .columns import dictionary_indices, string_buffers


@dataclass(frozen=True)
class ActivityCodes:
    codes: np.ndarray  # int8, int16 or int32 per row, -1 where missing
    names: np.ndarray  # object array of str, sorted
    missing: np.ndarray


def activity_codes(column: pa.ChunkedArray, *, name: str = "activity") -> ActivityCodes:
    """Activity codes of a whole column, ordered by name; names are always text."""
    stream = ActivityStream(len(column), name=name)
    stream.add(0, column)
    return stream.finish()


class ActivityStream:
    """Activity codes for `n` rows, added chunk by chunk from any row, numbered by name
    at the end. The names' UTF-8 is checked once per distinct name, at the end, so a
    plain text column needs no check of its own (`where` names the input then)."""

    def __init__(self, n: int, *, name: str = "activity", where: str = "the log") -> None:
        self.codes = np.full(n, -1, np.int8)  # widened if the names outgrow it
        self.names = NameCodes()
        self.name, self.where = name, where

    def add(self, first: int, column: pa.ChunkedArray | pa.Array) -> None:
        """Code the rows of `column` from row `first` on."""
        chunks = column.chunks if isinstance(column, pa.ChunkedArray) else [column]
        for chunk in chunks:
            if pa.types.is_dictionary(chunk.type):
                self._add_dictionary(first, chunk)
            else:
                self._add_text(first, as_text(chunk))
            first += len(chunk)

    def _add_dictionary(self, first: int, chunk: pa.DictionaryArray) -> None:
        """Rows through their dictionary: its values coded, then remapped (as int32: a
        narrow index type, int8 in files from pandas, holds this chunk's positions, not
        the codes of names grown past it)."""
        ids = np.empty(len(chunk.dictionary), np.int32)
        self.names.code(as_text(chunk.dictionary), ids)  # int32 holds any count of names
        self._widen(self.names.count - 1)
        indices = dictionary_indices(chunk).astype(np.int32, copy=False)
        self.codes[first : first + len(chunk)] = remap_codes(indices, ids)

    def _add_text(self, first: int, chunk: pa.Array) -> None:
        done, n = 0, len(chunk)
        while done < n:
            done += self.names.code(chunk, self.codes[first + done : first + n], skip=done)
            if done < n:
                self._widen(self.names.count)  # the next new name's code

    def _widen(self, code: int) -> None:
        """Codes in a wider type when `code` does not fit the current one."""
        while code > np.iinfo(self.codes.dtype).max:
            self.codes = self.codes.astype(np.int16 if self.codes.dtype == np.int8 else np.int32)

    def finish(self) -> ActivityCodes:
        names = self.names.strings(self.name, self.where)
        codes = self.codes
        empty = np.flatnonzero(names == "")
        if empty.size:  # an empty name is a missing activity
            table = np.arange(len(names), dtype=np.int32)
            table[empty] = -1
            codes = remap_codes(codes, table)
        return sorted_codes(codes, names, codes < 0)


class NameCodes:
    """The distinct names of a text column in first-seen order, in kernels.text.code_text's
    hash table, kept across chunks: each row's code comes straight from Arrow's offsets and
    bytes."""

    def __init__(self) -> None:
        self.table = np.full(256, -1, np.int32)
        self.entries = np.zeros((64, 4), np.uint64)
        self.bytes = np.zeros(4096, np.uint8)
        self.state = np.zeros(2, np.int64)  # names, bytes used

    @property
    def count(self) -> int:
        return int(self.state[0])

    def code(self, chunk: pa.Array, out: np.ndarray, *, skip: int = 0) -> int:
        """Code the rows of the text `chunk` from `skip` on into `out`; how many were coded:
        all, or fewer once a new name would not fit `out`'s type (the caller widens it)."""
        offsets, data = string_buffers(chunk)
        validity = (
            chunk.is_valid().to_numpy(zero_copy_only=False)[skip:]
            if chunk.null_count
            else np.zeros(0, np.bool_)
        )
        offsets = offsets[skip:]
        limit = np.iinfo(out.dtype).max + 1
        done = 0
        while True:
            done += code_text(
                offsets[done:],
                data,
                validity[done:] if validity.size else validity,
                out[done:],
                limit,
                self.table,
                self.entries,
                self.bytes,
                self.state,
            )
            if done == len(out) or self.count >= limit:
                return done
            self._grow(int(offsets[done + 1] - offsets[done]))

    def _grow(self, length: int) -> None:
        """Room for one more name of `length` bytes."""
        count, used = self.count, int(self.state[1])
        if count >= len(self.entries):
            self.entries = np.concatenate([self.entries, np.zeros_like(self.entries)])
        if 2 * (count + 1) > len(self.table):
            self.table = np.full(2 * len(self.table), -1, np.int32)
            place_entries(self.table, self.entries, count)
        if used + length > len(self.bytes):
            grown = np.zeros(max(2 * len(self.bytes), used + length), np.uint8)
            grown[:used] = self.bytes[:used]
            self.bytes = grown

    def strings(self, name: str, where: str) -> np.ndarray:
        """The names as an object array of str, in code order; text that is not UTF-8 is
        refused, naming the column."""
        out = np.empty(self.count, dtype=object)
        for code in range(self.count):
            start, length = int(self.entries[code, START]), int(self.entries[code, LENGTH])
            try:
                out[code] = bytes(self.bytes[start : start + length]).decode("utf-8")
            except UnicodeDecodeError as exc:
                raise InputError(
                    f"{where} has text in column '{name}' that is not valid UTF-8 "
                    f"({one_line(exc)}); the file is corrupt or was written in another "
                    "encoding: re-export it"
                ) from None
        return out


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
