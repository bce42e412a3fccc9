"""Start numba's CPU target without importing scipy.linalg, which no parcours kernel uses.

The first compiled function a process loads makes numba import ``numba.np.arraymath``,
whose module body asks whether BLAS is there by importing ``scipy.linalg.cython_blas``.
That imports all of ``scipy.linalg`` and, through SciPy's array-API layer, ``numpy.f2py``
and ``numpy.testing``: 0.14-0.17 s and 15-29 MB of every fresh parcours process on a
2-core machine (about a tenth of a batch job's read + DFG + variants, and of its peak
memory), for an answer used only when a jitted function calls ``np.dot``-style BLAS
routines.

Here that one question is answered from the file system (is SciPy's compiled
``cython_blas`` there?). Nothing else changes: the first jitted BLAS call, the caller's,
still imports ``scipy.linalg`` through numba's own ``ensure_blas``, with numba's check of
the BLAS integer width. When numba's internals are not the ones expected, or the process
already started the target or imported ``scipy.linalg``, numba starts as it always does.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import os
import sys


def cython_blas_present() -> bool:
    """Whether SciPy's compiled ``scipy.linalg.cython_blas`` is installed, without
    importing ``scipy.linalg``."""
    spec = importlib.util.find_spec("scipy")
    if spec is None or not spec.submodule_search_locations:
        return False
    names = ["cython_blas" + suffix for suffix in importlib.machinery.EXTENSION_SUFFIXES]
    return any(
        os.path.isfile(os.path.join(folder, "linalg", name))
        for folder in spec.submodule_search_locations
        for name in names
    )


def _probe() -> None:
    """Stands in for numba's ensure_blas while numba.np.arraymath is first imported."""
    if not cython_blas_present():
        raise ImportError("scipy.linalg.cython_blas is not installed")


def defer_blas_probe() -> bool:
    """Import numba.np.arraymath with its BLAS probe answered by `cython_blas_present`.

    True when this process's numba started that way; False when it could not (already
    started, scipy.linalg already imported, or numba's layout differs), which leaves numba
    exactly as it would have been."""
    if "numba.np.arraymath" in sys.modules or "scipy.linalg" in sys.modules:
        return False
    try:
        from numba.np import linalg
    except ImportError:
        return False
    real = getattr(linalg, "ensure_blas", None)
    if real is None:
        return False
    linalg.ensure_blas = _probe
    try:
        from numba.np import arraymath
    finally:
        linalg.ensure_blas = real
    if getattr(arraymath, "ensure_blas", None) is not _probe:
        return False
    arraymath.ensure_blas = real
    return True
