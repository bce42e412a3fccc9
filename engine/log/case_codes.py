"""Case keys to uint64 codes, one per row, for a whole column at once.

The code is exact (one code, one key) for integers, categoricals and the usual shapes of
text ids (see kernels.keycodes); only other text falls back to a 64-bit hash, which
ordering then checks byte by byte. Each kind knows how to turn codes back into case ids
(its Decoder), so the key column need not be kept. batch_codes.CaseKeyStream gives the
same codes batch by batch.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..arrowtext import as_text, is_text
from ..kernels.hashing import hash_bytes
from ..kernels.keycodes import (
    MAX_DIGITS,
    MAX_PACKED_BYTES,
    common_prefix_length,
    decode_bytes,
    decode_digits,
    encode_bytes,
    encode_bytes_into,
    encode_digits,
    encode_digits_into,
    suffix_shape,
)
from ..threads import map_in_threads
from .columns import chunk_slices, null_mask, string_buffers, unified_dictionaries

#: Chunks of at least this many rows are coded on every thread, one after the other;
#: smaller ones (a CSV file comes in hundreds of chunks) side by side, a chunk per thread.
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
    empty = empty_entries(categories)
    if empty.any():  # an empty text id is missing, as in a plain text column
        missing |= empty[codes]

    def decode(rep_codes: np.ndarray, rep_rows: np.ndarray) -> pd.Index:
        return pd.Index(categories.take(pa.array(rep_codes.astype(np.int64))).to_pandas())

    return CaseKeys(codes, missing, False, decode)


def empty_entries(dictionary: pa.Array) -> np.ndarray:
    """Which entries of a dictionary are empty text (checked once per entry, not per
    row); none for a dictionary of numbers or dates."""
    kind = dictionary.type
    if not (is_text(kind) or pa.types.is_string_view(kind)):
        return np.zeros(len(dictionary), np.bool_)
    lengths = pc.binary_length(as_text(dictionary)).fill_null(1)
    return pc.equal(lengths, 0).to_numpy(zero_copy_only=False)


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
    chunks = map_in_threads(
        lambda piece: (piece[0], piece[1], *string_buffers(piece[2]), present_keys(piece[2])),
        list(chunk_slices(column)),
    )
    n = len(column)
    missing = np.ones(n, dtype=bool)
    for s, e, _, _, valid in chunks:
        missing[s:e] = ~valid
    reference = _first_key(chunks)
    if reference is None:  # no usable key at all
        return CaseKeys(
            np.zeros(n, np.uint64), missing, False, lambda c, r: pd.Index([], dtype="str")
        )
    common = map_in_threads(lambda c: common_prefix_length(c[2], c[3], c[4], reference), chunks)
    prefix = utf8_boundary(reference, min(common))
    digits, shortest, longest = True, 1 << 62, 0
    for dg, lo, hi in map_in_threads(lambda c: suffix_shape(c[2], c[3], c[4], prefix), chunks):
        digits &= bool(dg)
        shortest, longest = min(shortest, int(lo)), max(longest, int(hi))
    head = bytes(reference[:prefix]).decode("utf-8")
    codes = np.zeros(n, dtype=np.uint64)
    if digits and longest <= MAX_DIGITS and longest > 0:
        with_length = shortest != longest
        _each_chunk(
            codes,
            chunks,
            lambda o, d, v: encode_digits(o, d, v, prefix, with_length),
            lambda o, d, v, out: encode_digits_into(o, d, v, prefix, with_length, out),
        )
        return CaseKeys(
            codes,
            missing,
            False,
            text_decoder(head, lambda c: decode_digits(c, with_length, longest)),
        )
    if longest <= MAX_PACKED_BYTES:
        _each_chunk(
            codes,
            chunks,
            lambda o, d, v: encode_bytes(o, d, v, prefix),
            lambda o, d, v, out: encode_bytes_into(o, d, v, prefix, out),
        )
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


def _each_chunk(
    codes: np.ndarray,
    chunks: list[tuple],
    whole: Callable[..., np.ndarray],
    into: Callable[..., None],
) -> None:
    """Write each chunk's codes to its rows of `codes`: a large chunk by `whole` (a kernel
    on every thread), one after the other; the small ones (a CSV file's blocks) by `into`,
    side by side, a chunk per thread."""
    small = []
    for s, e, offsets, data, valid in chunks:
        if e - s >= PARALLEL_CHUNK:
            codes[s:e] = whole(offsets, data, valid)
        else:
            small.append((s, e, offsets, data, valid))

    def encode(chunk: tuple) -> None:
        s, e, offsets, data, valid = chunk
        into(offsets, data, valid, codes[s:e])

    map_in_threads(encode, small)


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
