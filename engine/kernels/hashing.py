"""64-bit hashes of keys (strings as Arrow byte buffers, or integers), computed in parallel."""

from __future__ import annotations

import numpy as np
from numba import prange

from ._jit import jit, pjit

_SEED = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_FNV_PRIME = np.uint64(0x100000001B3)
_FNV_OFFSET = np.uint64(0xCBF29CE484222325)


@jit
def mix64(x):
    """The package's one bijective 64-bit mixer (SplitMix64's finalizer): spreads the bits
    of a hash being built, a counter or a key."""
    x = (x ^ (x >> np.uint64(30))) * _M1
    x = (x ^ (x >> np.uint64(27))) * _M2
    return x ^ (x >> np.uint64(31))


@jit
def splitmix64(x):
    """SplitMix64: mix64 of x plus the golden-ratio increment (0 does not stay 0)."""
    return mix64((x + _SEED) & np.uint64(0xFFFFFFFFFFFFFFFF))


@pjit
def hash_bytes(offsets, data):
    """Hash of each string given as Arrow offsets (int64, n + 1) and UTF-8 bytes."""
    n = offsets.shape[0] - 1
    out = np.empty(n, np.uint64)
    for i in prange(n):
        h = _FNV_OFFSET
        for j in range(offsets[i], offsets[i + 1]):
            h = (h ^ np.uint64(data[j])) * _FNV_PRIME
        out[i] = splitmix64(h ^ np.uint64(offsets[i + 1] - offsets[i]))
    return out


@pjit
def hash_ints(values):
    """Hash of each int64 key."""
    n = values.shape[0]
    out = np.empty(n, np.uint64)
    for i in prange(n):
        out[i] = splitmix64(np.uint64(values[i]))
    return out


@jit
def bytes_equal(offsets, data, a, b):
    """Whether strings a and b hold the same bytes."""
    la = offsets[a + 1] - offsets[a]
    if la != offsets[b + 1] - offsets[b]:
        return False
    sa = offsets[a]
    sb = offsets[b]
    for k in range(la):
        if data[sa + k] != data[sb + k]:
            return False
    return True
