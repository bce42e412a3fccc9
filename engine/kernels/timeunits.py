"""Timestamps in a coarser unit to int64 nanoseconds, with overflow detection."""

from __future__ import annotations

import numpy as np

from ._jit import jit


@jit
def scale_to_ns(raw, factor, missing):
    """(raw * factor with 0 where missing, whether any present value overflows int64).

    Serial on purpose: it runs on each batch of a file while the next batch is decoded.
    """
    n = raw.shape[0]
    out = np.empty(n, np.int64)
    limit = np.iinfo(np.int64).max // factor
    overflow = 0
    for i in range(n):
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
