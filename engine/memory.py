"""Give memory that large temporary buffers used back to the operating system.

Arrow's allocator and the C library's keep freed blocks for reuse; after reading a big
file batch by batch those blocks add up to hundreds of megabytes that the rest of the
run never needs. Releasing them between batches keeps the peak close to what is live.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
from functools import cache

import pyarrow as pa


def release_unused_memory() -> None:
    """Return freed Arrow and malloc memory to the system (best effort, never fails)."""
    pa.default_memory_pool().release_unused()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@cache
def _malloc_trim():
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc.malloc_trim
    except (OSError, AttributeError):
        return None
