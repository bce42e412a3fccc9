"""The one place the kernels' compile options are set."""

from __future__ import annotations

import numba

from engine.numba_startup import defer_blas_probe

# Before the first kernel loads: see engine/numba_startup.py.
defer_blas_probe()

#: Compiled once, cached on disk next to the source, and releasing the GIL.
jit = numba.njit(cache=True, nogil=True)
#: As `jit`, for kernels whose outer loop is a ``numba.prange``.
pjit = numba.njit(cache=True, nogil=True, parallel=True)
#: As `jit`, for small helpers called per event or per case: inlined into the caller by
#: numba itself, since a compiled call per case can cost a fifth of a one-pass kernel.
inline = numba.njit(cache=True, nogil=True, inline="always")
