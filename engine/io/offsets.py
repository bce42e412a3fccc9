"""Which text timestamps carry a UTC offset.

A column that mixes times with an offset and times without one cannot be read as one
kind of instant: the naive ones would silently be taken as UTC. Readers ask this per
value, so that they can name the rows (or traces) of each kind.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..arrowtext import as_text

#: A clock time followed by an offset: 'Z', '+01:00', '-0530', '+01', or a UTC/GMT name.
#: The clock time is required, so that the day of a date ('2024-01-31') is no offset.
OFFSET = r"\d:\d\d(:\d\d([.,]\d*)?)?\s*([zZ]|[+-]\d\d(:?\d\d)?|UTC|GMT|utc|gmt)\s*$"


def has_offset(values: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """Per value, whether it ends in a UTC offset (False where null)."""
    matched = pc.match_substring_regex(as_text(values), OFFSET)
    return matched.fill_null(False).to_numpy(zero_copy_only=False)
