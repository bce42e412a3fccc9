"""Numba kernels: pure functions over contiguous arrays.

Conventions: arrays in, arrays out; no pandas, no validation (the caller validates);
each kernel's plain numpy reference and input generator are registered in
tests/kernel_references.py, which tests/test_kernel_references.py and
benchmarks/test_kernels.py both read (a public kernel missing there fails the tests).

The canonical layout every kernel reads: events sorted by (case, timestamp, input row);
``act`` holds int32 activity codes, ``ts`` int64 nanoseconds, and ``offsets`` (int64,
n_cases + 1) bounds case ``c`` to ``offsets[c]:offsets[c + 1]``.
"""
