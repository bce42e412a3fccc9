"""Arrow string buffers of repeated names, written straight from their codes.

Taking names by code through Arrow builds the strings with a growing buffer; writing the
offsets and bytes into arrays of the exact size keeps a column of many repeated names
(the activities of every variant) at its own size.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from ._jit import pjit
from .grouping import MAX_CHUNKS, case_chunks


@pjit
def names_by_code(name_offsets, name_bytes, codes, offset_type):
    """Offsets and UTF-8 bytes of the strings name[codes[i]], end to end; the offsets
    have the dtype of the (empty) array `offset_type` (int32 for an Arrow string array,
    when the total fits). The bytes are written by runs of names in parallel."""
    n = codes.shape[0]
    offsets = np.empty(n + 1, offset_type.dtype)
    offsets[0] = 0
    for i in range(n):
        c = codes[i]
        offsets[i + 1] = offsets[i] + name_offsets[c + 1] - name_offsets[c]
    data = np.empty(offsets[n], np.uint8)
    n_runs = max(1, min(MAX_CHUNKS, n))
    bounds = case_chunks(n, n_runs)
    for r in prange(n_runs):
        for i in range(bounds[r], bounds[r + 1]):
            c = codes[i]
            start = name_offsets[c]
            at = offsets[i]
            for k in range(name_offsets[c + 1] - start):
                data[at + k] = name_bytes[start + k]
    return offsets, data
