"""Case codes filled batch by batch, for a file read in batches: no case id column stays
whole as text. The first batch fixes the case ids' shape (common prefix, digits or short
bytes) and later batches are checked against it; the codes come out exactly as
case_codes.case_keys gives them for the whole column. When a batch does not fit,
CaseKeyStream says so and the whole column is coded. (Activities are coded batch by batch
by activity_codes.ActivityStream, the one path of every source.)
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from ..arrowtext import is_text
from ..kernels.keycodes import (
    MAX_DIGITS,
    MAX_PACKED_BYTES,
    common_prefix_length,
    decode_bytes,
    decode_digits,
    encode_conforming,
    suffix_shape,
)
from .case_codes import CaseKeys, integer_decoder, present_keys, text_decoder, utf8_boundary
from .columns import null_mask, string_buffers

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
