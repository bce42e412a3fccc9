"""Code the key columns: case ids to uint64 codes, activities to small integer codes,
timestamps to int64 nanoseconds. The read's one coding step: the input's columns come in
(Arrow, whole or batch by batch), arrays of numbers go out, to be ordered (order.py).

Case keys become one uint64 code per row. The code is exact (one code, one key) for
integers, categoricals and the usual shapes of text ids (see kernels.keycodes); only other
text falls back to a 64-bit hash, which ordering then checks byte by byte. Each kind knows
how to turn codes back into case ids, so the key column need not be kept.

Activities become integer codes numbered in the alphabetical order of their names, so that
comparing codes compares names. Empty or missing values are flagged, never guessed.

A file read in batches is coded batch by batch (`code_batches`), so that no key column
stays whole as text: the first batch fixes the case ids' shape (common prefix, digits or
short bytes) and later batches are checked against it; the codes come out exactly as
`case_keys` gives them for the whole column. When a batch does not fit (or the ids are of
a kind only the whole column can code), the whole column is coded at once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..arrowtext import as_text, is_text
from ..errors import InputError
from ..io.batches import TableBatches
from ..kernels.hashing import hash_bytes
from ..kernels.keycodes import (
    MAX_DIGITS,
    MAX_PACKED_BYTES,
    common_prefix_length,
    count_codes,
    decode_bytes,
    decode_digits,
    encode_bytes,
    encode_bytes_into,
    encode_conforming,
    encode_digits,
    encode_digits_into,
    remap_codes,
    suffix_shape,
)
from ..memory import release_unused_memory
from .columns import (
    Table,
    arrow_column,
    chunk_slices,
    dictionary_indices,
    null_mask,
    string_buffers,
    unified_dictionaries,
)
from .timestamps import BadTimestamps, ParsedTimestamps, mixed_offsets_error

if TYPE_CHECKING:
    from .build import ColumnMapping

#: Chunks of at least this many rows are coded on every thread; smaller ones (a CSV file
#: comes in thousands of chunks) serially, since starting the threads would cost more.
PARALLEL_CHUNK = 1 << 20

#: Codes per row -> case ids (given the codes and input rows of one event per case).
Decoder = Callable[[np.ndarray, np.ndarray], pd.Index]


@dataclass(frozen=True)
class CaseKeys:
    codes: np.ndarray  # uint64 per row: an exact code, or a hash when `hashed`
    missing: np.ndarray  # bool per row
    hashed: bool  # codes are hashes: equal codes must be confirmed on the key bytes
    decode: Decoder
    key_bytes: tuple[np.ndarray, np.ndarray] | None = None  # offsets, data (hashed only)


@dataclass(frozen=True)
class ActivityCodes:
    codes: np.ndarray  # int32 per row, -1 where missing
    names: np.ndarray  # object array of str, sorted
    missing: np.ndarray


def case_keys(column: pa.ChunkedArray) -> CaseKeys:
    """Case keys of a column of any type (text, integers, categoricals, ...)."""
    kind = column.type
    if pa.types.is_dictionary(kind):
        return _dictionary_keys(column)
    if pa.types.is_integer(kind):
        return _integer_keys(column)
    if pa.types.is_floating(kind):
        values = column.to_numpy(zero_copy_only=False)
        present = values[~np.isnan(values)]
        if np.all(present == np.round(present)) and (
            present.size == 0 or np.abs(present).max() < 2.0**62
        ):
            return _integer_keys(column.cast(pa.int64(), safe=False))
    return _text_keys(as_text(column))


def _dictionary_keys(column: pa.ChunkedArray) -> CaseKeys:
    column = unified_dictionaries(column)
    categories = column.chunk(0).dictionary if column.num_chunks else pa.array([])
    indices = pa.chunked_array([c.indices for c in column.chunks], type=column.type.index_type)
    codes = indices.fill_null(0).to_numpy().astype(np.uint64)
    missing = null_mask(column)

    def decode(rep_codes: np.ndarray, rep_rows: np.ndarray) -> pd.Index:
        return pd.Index(categories.take(pa.array(rep_codes.astype(np.int64))).to_pandas())

    return CaseKeys(codes, missing, False, decode)


def _integer_keys(column: pa.ChunkedArray) -> CaseKeys:
    missing = null_mask(column)
    values = column.fill_null(0).to_numpy().astype(np.int64, copy=False)
    present = values[~missing]
    low = int(present.min()) if present.size else 0
    codes = (values - np.int64(low)).astype(np.uint64) if present.size else values.astype(np.uint64)
    return CaseKeys(codes, missing, False, integer_decoder(low, column.type.to_pandas_dtype()))


def integer_decoder(low: int, dtype) -> Decoder:
    """Codes that are integer ids minus `low` back to ids of `dtype`."""

    def decode(rep_codes: np.ndarray, rep_rows: np.ndarray) -> pd.Index:
        ids = rep_codes.astype(np.int64) + np.int64(low)
        return pd.Index(ids.astype(dtype, copy=False))

    return decode


def _text_keys(column: pa.ChunkedArray) -> CaseKeys:
    chunks = [(s, e, *string_buffers(c), present_keys(c)) for s, e, c in chunk_slices(column)]
    n = len(column)
    missing = np.ones(n, dtype=bool)
    for s, e, _, _, valid in chunks:
        missing[s:e] = ~valid
    reference = _first_key(chunks)
    if reference is None:  # no usable key at all
        return CaseKeys(
            np.zeros(n, np.uint64), missing, False, lambda c, r: pd.Index([], dtype="str")
        )
    prefix = utf8_boundary(
        reference, min(common_prefix_length(o, d, v, reference) for _, _, o, d, v in chunks)
    )
    digits, shortest, longest = True, 1 << 62, 0
    for _, _, o, d, v in chunks:
        dg, lo, hi = suffix_shape(o, d, v, prefix)
        digits &= bool(dg)
        shortest, longest = min(shortest, int(lo)), max(longest, int(hi))
    head = bytes(reference[:prefix]).decode("utf-8")
    codes = np.zeros(n, dtype=np.uint64)
    if digits and longest <= MAX_DIGITS and longest > 0:
        with_length = shortest != longest
        for s, e, o, d, v in chunks:
            if e - s >= PARALLEL_CHUNK:
                codes[s:e] = encode_digits(o, d, v, prefix, with_length)
            else:
                encode_digits_into(o, d, v, prefix, with_length, codes[s:e])
        return CaseKeys(
            codes,
            missing,
            False,
            text_decoder(head, lambda c: decode_digits(c, with_length, longest)),
        )
    if longest <= MAX_PACKED_BYTES:
        for s, e, o, d, v in chunks:
            if e - s >= PARALLEL_CHUNK:
                codes[s:e] = encode_bytes(o, d, v, prefix)
            else:
                encode_bytes_into(o, d, v, prefix, codes[s:e])
        return CaseKeys(codes, missing, False, text_decoder(head, decode_bytes))
    # Free-form text: hash it, keep the bytes to confirm matches.
    if column.type == pa.string() and column.nbytes >= 2**31:
        column = column.cast(pa.large_string())  # int32 offsets cannot span the whole column
    combined = column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
    offsets, data = string_buffers(combined)
    offsets = offsets.astype(np.int64, copy=False)  # one compiled variant of the ordering
    codes = hash_bytes(offsets, data)

    def decode(rep_codes: np.ndarray, rep_rows: np.ndarray) -> pd.Index:
        return pd.Index(combined.take(pa.array(rep_rows)).to_pandas())

    return CaseKeys(codes, missing, True, decode, (offsets, data))


def present_keys(chunk: pa.Array) -> np.ndarray:
    """Rows with a non-empty key."""
    valid = chunk.is_valid().to_numpy(zero_copy_only=False)
    nonempty = pc.greater(pc.binary_length(chunk), 0).fill_null(False)
    return valid & nonempty.to_numpy(zero_copy_only=False)


def _first_key(chunks) -> np.ndarray | None:
    for _, _, offsets, data, valid in chunks:
        where = np.flatnonzero(valid)
        if where.size:
            i = where[0]
            return data[offsets[i] : offsets[i + 1]].copy()
    return None


def utf8_boundary(text: np.ndarray, length: int) -> int:
    """`length` moved back so that a prefix of `text` (UTF-8 bytes) ends between characters."""
    while 0 < length < len(text) and (text[length] & 0xC0) == 0x80:
        length -= 1
    return int(length)


def text_decoder(head: str, decode: Callable) -> Decoder:
    """Codes of suffixes back to `head` + suffix text, with `decode` giving the suffixes."""

    def decoder(rep_codes: np.ndarray, rep_rows: np.ndarray) -> pd.Index:
        offsets, data = decode(rep_codes)
        tails = pa.LargeStringArray.from_buffers(
            len(rep_codes), pa.py_buffer(offsets), pa.py_buffer(data)
        )
        if head:
            text = pc.binary_join_element_wise(
                pa.scalar(head, pa.large_string()), tails, pa.scalar("", pa.large_string())
            )
        else:
            text = tails
        return pd.Index(text.to_pandas())

    return decoder


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
    order = np.argsort(kept_names.astype(str), kind="stable")
    new_code = np.full(len(names), -1, dtype=np.int32)
    new_code[np.flatnonzero(used)[order]] = np.arange(len(order), dtype=np.int32)
    if not np.array_equal(new_code, np.arange(len(names), dtype=np.int32)):
        codes = remap_codes(codes, new_code)
    return ActivityCodes(codes, kept_names[order], missing)


_LENGTH_BITS = np.uint64(5)  # digit codes carry their length in 5 bits (see encode_digits)


class CaseKeyStream:
    """Exact case codes for `n` rows, filled batch by batch (text and integer ids)."""

    def __init__(self, n: int) -> None:
        self.codes = np.zeros(n, np.uint64)
        # Flags are set only where a key is missing: the zeroed pages of a log with none
        # missing are never written, so they take no memory while the file is read.
        self.missing = np.zeros(n, np.bool_)
        self.kind: str | None = None  # 'int', 'digits', 'bytes' or 'other' once known
        self.prefix: np.ndarray | None = None
        self.shortest, self.longest = 1 << 62, 0
        self.dtype = None
        self.low: int | None = None  # smallest integer id so far

    def add(self, first: int, column: pa.ChunkedArray) -> bool:
        """Code the rows from `first`; False when the whole column must be coded at once."""
        kind = column.type
        if pa.types.is_integer(kind):
            return self._add_integers(first, column)
        if is_text(kind):
            for chunk in column.chunks:
                if not self._add_text(first, chunk):
                    return False
                first += len(chunk)
            return True
        return False

    def _add_integers(self, first: int, column: pa.ChunkedArray) -> bool:
        if self.kind not in (None, "int"):
            return False
        self.kind, self.dtype = "int", column.type.to_pandas_dtype()
        end = first + len(column)
        values = column.fill_null(0).to_numpy().astype(np.int64, copy=False)
        present = values
        if column.null_count:
            missing = null_mask(column)
            self.missing[first:end] = missing
            present = values[~missing]
        if present.size:
            low = int(present.min())
            self.low = low if self.low is None else min(self.low, low)
        self.codes[first:end] = values.view(np.uint64)
        return True

    def _add_text(self, first: int, chunk: pa.Array) -> bool:
        end = first + len(chunk)
        offsets, data = string_buffers(chunk)
        if self.prefix is None and not self._choose_shape(offsets, data, present_keys(chunk)):
            self.missing[first:end] = True  # no usable key yet: nothing to code
            return True
        if self.kind not in ("digits", "bytes"):
            return False
        validity = (
            chunk.is_valid().to_numpy(zero_copy_only=False)
            if chunk.null_count
            else np.zeros(0, np.bool_)
        )
        fits, shortest, longest = encode_conforming(
            offsets,
            data,
            validity,
            self.prefix,
            self.kind == "digits",
            self.codes[first:end],
            self.missing[first:end],
        )
        if not fits:
            return False
        self.shortest = min(self.shortest, int(shortest))
        self.longest = max(self.longest, int(longest))
        return True

    def _choose_shape(self, offsets: np.ndarray, data: np.ndarray, valid: np.ndarray) -> bool:
        """Fix the prefix and kind from the first keys; False when there are none yet."""
        where = np.flatnonzero(valid)
        if where.size == 0:
            return False
        reference = data[offsets[where[0]] : offsets[where[0] + 1]].copy()
        length = utf8_boundary(reference, common_prefix_length(offsets, data, valid, reference))
        while length > 0 and 48 <= reference[length - 1] <= 57:
            length -= 1  # leading digits of numbers ('cust-000' of 'cust-000123') vary later
        self.prefix = reference[:length]
        digits, _, longest = suffix_shape(offsets, data, valid, length)
        # As case_keys decides for a whole column; anything else is left to it.
        if digits and 0 < longest <= MAX_DIGITS:
            self.kind = "digits"
        elif longest <= MAX_PACKED_BYTES:
            self.kind = "bytes"
        else:
            self.kind = "other"
        return True

    def finish(self) -> CaseKeys:
        """The codes and their decoder, as `case_keys` gives them for the whole column."""
        codes, missing = self.codes, self.missing
        if self.kind == "int":
            # In place: the smallest id was tracked batch by batch, so no copy of the codes.
            low = self.low if self.low is not None else 0
            codes -= np.uint64(low & 0xFFFFFFFFFFFFFFFF)  # wraps exactly as int64 - low
            if self.low is not None:
                codes[missing] = 0
            return CaseKeys(codes, missing, False, integer_decoder(low, self.dtype))
        if self.prefix is None:  # no usable key at all
            return CaseKeys(codes, missing, False, text_decoder("", decode_bytes))
        head = bytes(self.prefix).decode("utf-8")
        if self.kind == "digits":
            with_length = self.shortest != self.longest
            if not with_length:
                codes >>= _LENGTH_BITS
            width = self.longest
            return CaseKeys(
                codes,
                missing,
                False,
                text_decoder(head, lambda c: decode_digits(c, with_length, width)),
            )
        return CaseKeys(codes, missing, False, text_decoder(head, decode_bytes))


class ActivityStream:
    """Activity codes for `n` rows, batch by batch, numbered by name at the end."""

    def __init__(self, n: int) -> None:
        self.codes = np.full(n, -1, np.int8)  # widened if the names outgrow it
        self.vocabulary: dict[str, int] = {}

    def add(self, first: int, column: pa.ChunkedArray) -> None:
        """Code one batch: names map to the vocabulary, rows through their dictionary."""
        if not pa.types.is_dictionary(column.type):
            column = as_text(column).dictionary_encode()
        for chunk in column.chunks:
            dictionary = as_text(chunk.dictionary)
            ids = np.array(
                [
                    -1 if not name else self.vocabulary.setdefault(name, len(self.vocabulary))
                    for name in dictionary.to_pylist()
                ],
                dtype=np.int32,
            )
            while len(self.vocabulary) > np.iinfo(self.codes.dtype).max:
                wider = np.int16 if self.codes.dtype == np.int8 else np.int32
                self.codes = self.codes.astype(wider)
            # Remapped as int32: a narrow index type (int8 in files from pandas) holds
            # this batch's positions, not the ids of a vocabulary grown past it.
            indices = dictionary_indices(chunk).astype(np.int32, copy=False)
            self.codes[first : first + len(chunk)] = remap_codes(indices, ids)  # ids fit
            first += len(chunk)

    def finish(self) -> ActivityCodes:
        names = np.array(list(self.vocabulary), dtype=object)
        return sorted_codes(self.codes, names, self.codes < 0)


@dataclass
class Coded:
    """The key columns of the input coded: timestamps parsed; case and activity codes
    (still as text while a table is being coded batch by batch)."""

    ts: ParsedTimestamps
    start: ParsedTimestamps | None
    case: pa.ChunkedArray | CaseKeys | None
    activity: pa.ChunkedArray | ActivityCodes
    attributes: Table


def code_columns(
    table: Table | TableBatches,
    mapping: ColumnMapping,
    attributes: Sequence[str],
    parse: Callable[..., ParsedTimestamps],
) -> tuple[ParsedTimestamps, ParsedTimestamps | None, CaseKeys, ActivityCodes, Table]:
    """The timestamps, start times, case keys and activity codes of every input row,
    and the table that holds the attribute columns."""
    if isinstance(table, TableBatches):
        coded = code_batches(table, mapping, attributes, parse)
    else:
        start = mapping.start_timestamp
        coded = Coded(
            ts=parse(arrow_column(table, mapping.timestamp), name=mapping.timestamp),
            start=None if start is None else parse(arrow_column(table, start), name=start),
            case=arrow_column(table, mapping.case),
            activity=arrow_column(table, mapping.activity),
            attributes=table,
        )
    ts, start = coded.ts, coded.start
    if start is not None and not start.missing.all() and start.timezone_aware != ts.timezone_aware:
        raise _start_offset_error(mapping, ts.timezone_aware)
    keys = coded.case if isinstance(coded.case, CaseKeys) else case_keys(coded.case)
    coded.case = None  # the case ids' text is no longer needed (hashed keys keep their own)
    release_unused_memory()
    activity = coded.activity
    acts = activity if isinstance(activity, ActivityCodes) else activity_codes(activity)
    return ts, start, keys, acts, coded.attributes


def code_batches(
    source: TableBatches,
    mapping: ColumnMapping,
    attributes: Sequence[str],
    parse: Callable[..., ParsedTimestamps],
) -> Coded:
    """Code each batch as it arrives, so that no key column stays whole as text.

    Bad timestamps stop the work at their batch, but the later batches are still read
    for that column alone, so that the error counts them over the whole input.
    """
    n = source.num_rows
    ts = _Filling(n, mapping.timestamp)
    start = _Filling(n, mapping.start_timestamp) if mapping.start_timestamp is not None else None
    cases: CaseKeyStream | None = CaseKeyStream(n)
    activities = ActivityStream(n)
    attribute_parts: list[pa.Table] = []
    error: BadTimestamps | None = None
    first = 0
    for batch in source.batches(None):
        if first + batch.num_rows > n:
            break
        if error is not None:
            error = _count_more(error, batch, parse, first)
            first += batch.num_rows
            continue
        try:
            ts.put(first, parse(batch.column(mapping.timestamp), name=ts.name, first_row=first))
            if start is not None:
                stamps = batch.column(start.name)
                start.put(first, parse(stamps, name=start.name, first_row=first))
        except BadTimestamps as exc:
            error = exc
            first += batch.num_rows
            continue
        if cases is not None and not cases.add(first, batch.column(mapping.case)):
            cases = None  # ids of another shape: coded from the whole column below
        activities.add(first, batch.column(mapping.activity))
        if attributes:
            attribute_parts.append(batch.select(list(attributes)))
        first += batch.num_rows
        del batch  # so that the reader can release this batch before the next
    if error is not None:
        raise error
    if first != n:
        raise InputError(
            f"the input announced {n:,} rows but gave {first:,}; it may be truncated or "
            "changing while it is read: re-export it"
        )
    if cases is None:
        whole = [b.column(mapping.case) for b in source.batches([mapping.case])]
        case_column = pa.chunked_array([c for column in whole for c in column.chunks])
    return Coded(
        ts=ts.parsed(),
        start=start.parsed() if start is not None else None,
        case=cases.finish() if cases is not None else case_column,
        activity=activities.finish(),
        attributes=pa.concat_tables(attribute_parts) if attributes else pa.table({}),
    )


def _count_more(
    error: BadTimestamps, batch: pa.Table, parse: Callable[..., ParsedTimestamps], first: int
) -> BadTimestamps:
    """`error` with the bad values of its kind in this later batch added."""
    try:
        parse(batch.column(error.name), name=error.name, first_row=first)
    except BadTimestamps as more:
        if more.kind == error.kind:
            return error.merged(more)
    except InputError:
        pass  # another problem: the first one is reported
    return error


class _Filling:
    """Parsed timestamps of a whole input, filled batch by batch."""

    def __init__(self, n: int, name: str) -> None:
        self.name = name
        self.ns = np.empty(n, np.int64)
        self.missing = np.zeros(n, np.bool_)  # written only where missing (see CaseKeyStream)
        self.timezone_aware: bool | None = None  # decided by the first present value
        self.first_present = 0  # its row

    def put(self, first: int, part: ParsedTimestamps) -> None:
        self.ns[first : first + len(part.ns)] = part.ns
        if part.missing.any():
            self.missing[first : first + len(part.ns)] = part.missing
            if part.missing.all():
                return  # no value: nothing to say about offsets
        row = first + int(np.argmin(part.missing))  # its first present value
        if self.timezone_aware is None:
            self.timezone_aware, self.first_present = part.timezone_aware, row
        elif part.timezone_aware != self.timezone_aware:
            aware, naive = (row, self.first_present)
            if self.timezone_aware:
                aware, naive = naive, aware
            raise mixed_offsets_error(self.name, aware, naive)

    def parsed(self) -> ParsedTimestamps:
        return ParsedTimestamps(self.ns, self.missing, bool(self.timezone_aware))


def _start_offset_error(mapping: ColumnMapping, timestamp_aware: bool) -> InputError:
    aware, naive = mapping.timestamp, mapping.start_timestamp
    if not timestamp_aware:
        aware, naive = naive, aware
    return InputError(
        f"start timestamp column '{mapping.start_timestamp}' and timestamp column "
        f"'{mapping.timestamp}' disagree: '{aware}' holds instants (a UTC offset or epoch "
        f"numbers), '{naive}' naive times, which would be taken as UTC: give both columns "
        "offsets, or neither"
    )
