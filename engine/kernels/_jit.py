"""The one place the kernels' compile options are set."""

from __future__ import annotations

import numba

#: Compiled once, cached on disk next to the source, and releasing the GIL.
jit = numba.njit(cache=True, nogil=True)
#: As `jit`, for kernels whose outer loop is a ``numba.prange``.
pjit = numba.njit(cache=True, nogil=True, parallel=True)
