"""Errors raised at the public boundary.

Every message is one line that names what is wrong (column, rows, file) and how to fix it,
so that the command line can print it as is, without a traceback.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np


class ParcoursError(Exception):
    """Base class of the errors parcours raises on purpose."""


class InputError(ParcoursError, ValueError):
    """The input log or an argument cannot be used as given."""


class OutputError(ParcoursError, OSError):
    """An output file or folder cannot be written."""


class UsageError(Exception):
    """Command-line flags that do not fit together or cannot be read (exit code 2)."""


def describe_rows(positions: np.ndarray, *, limit: int = 5) -> str:
    """'3 rows (rows 3, 17, 902)' or '1,204 rows (rows 3, 17, 902, 1200, 1201, ...)'."""
    import numpy as np  # here, so that importing the errors stays cheap

    positions = np.asarray(positions)
    n = len(positions)
    shown = ", ".join(str(int(p)) for p in positions[:limit])
    more = ", ..." if n > limit else ""
    noun = "row" if n == 1 else "rows"
    return f"{n:,} {noun} ({noun} {shown}{more})"


def one_line(exc: BaseException, *, limit: int = 300) -> str:
    """The message of a library exception, collapsed to one line for our own messages."""
    return " ".join(str(exc).split())[:limit]


def caller_stacklevel() -> int:
    """The `stacklevel` for warnings.warn, called from the function that warns, that
    names the first frame outside this package: the user's line, however deep the call."""
    import os
    import sys

    package = os.path.dirname(os.path.abspath(__file__))
    frame = sys._getframe(1)  # the function that warns: stacklevel 1
    level = 1
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(package):
        frame = frame.f_back
        level += 1
    return level
