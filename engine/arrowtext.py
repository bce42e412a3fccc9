"""Text columns in Arrow: which types count as text, and a cast of anything else to it.

Reading (case ids, activity names, timestamps written as text) and writing (which
columns get dictionary pages) both ask the same question of a column's type.
"""

from __future__ import annotations

import pyarrow as pa


def is_text(kind: pa.DataType) -> bool:
    """Whether `kind` is Arrow text (string or large_string)."""
    return pa.types.is_string(kind) or pa.types.is_large_string(kind)


def as_text(values: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """`values` as text: unchanged when they are, else cast to large_string."""
    return values if is_text(values.type) else values.cast(pa.large_string())
