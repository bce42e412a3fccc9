"""Writing one file so that a reader never sees it half written."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from .errors import OutputError, one_line


def write_atomically(path: str | os.PathLike, write: Callable[[Path], None]) -> Path:
    """`write(partial)` to a temporary name beside `path` (same suffix, which some writers
    check), then rename: a reader never sees a half-written file under the final name."""
    path = Path(path)
    partial = path.with_name(f".partial-{path.name}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write(partial)
        os.replace(partial, path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise OutputError(f"cannot write '{path}' ({one_line(exc)})") from None
    return path
