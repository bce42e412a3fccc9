"""Numba kernels: pure functions over contiguous arrays.

Conventions: arrays in, arrays out; no pandas, no validation (the caller validates);
every kernel has a plain numpy/pandas reference in the tests.

The canonical layout every kernel reads: events sorted by (case, timestamp, input row);
``act`` holds int32 activity codes, ``ts`` int64 nanoseconds, and ``offsets`` (int64,
n_cases + 1) bounds case ``c`` to ``offsets[c]:offsets[c + 1]``.
"""
