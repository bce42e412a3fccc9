"""Timestamps in a coarser unit to int64 nanoseconds, with overflow detection."""

from __future__ import annotations

import numpy as np
from numba import prange

from ._jit import pjit


@pjit
def scale_to_ns(raw, factor, missing):
    """(raw * factor with 0 where missing, whether any present value overflows int64)."""
    n = raw.shape[0]
    out = np.empty(n, np.int64)
    limit = np.iinfo(np.int64).max // factor
    overflow = 0
    for i in prange(n):
        if missing[i]:
            out[i] = 0
        else:
            v = raw[i]
            if v > limit or v < -limit:
                overflow += 1
                out[i] = 0
            else:
                out[i] = v * factor
    return out, overflow > 0
