"""Opening an XES file, plain or gzip (told by its first bytes). A gzip is read through a
stream that refuses to expand beyond what any real log does, so that a decompression bomb
is stopped before it is parsed through."""

from __future__ import annotations

import gzip
import os
from pathlib import Path
from typing import IO

from ..errors import InputError, one_line

#: Most bytes of XML per byte of gzip. The real logs we know expand 17 to 50 times (XES
#: repeats its tags); a file that expands further is refused before it is parsed through.
MAX_EXPANSION = 200
#: Bytes any gzip may expand to, whatever its ratio: small logs are never refused.
EXPANSION_FLOOR = 64 << 20


class BoundedStream:
    """A decompressed stream that refuses to grow beyond `limit` bytes."""

    def __init__(self, stream: IO[bytes], limit: int, path: Path, size: int) -> None:
        self.stream, self.limit, self.path, self.size = stream, limit, path, size
        self.total = 0

    def read(self, n: int = -1) -> bytes:
        data = self.stream.read(n)
        self.total += len(data)
        if self.total > self.limit:
            raise InputError(
                f"'{self.path}' expands more than {MAX_EXPANSION} times (past "
                f"{_megabytes(self.total)} of XML from {_megabytes(self.size)} of gzip), "
                "which no real event log does: it looks like a decompression bomb; if it is "
                "genuine, decompress it yourself and read the .xes"
            )
        return data

    def __enter__(self) -> BoundedStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stream.close()


def _megabytes(n: int) -> str:
    return f"{n / 1e6:,.0f} MB" if n >= 10**7 else f"{n / 1e6:,.2f} MB"


def open_xes(path: Path) -> IO[bytes] | BoundedStream:
    """The file's XML bytes: a gzip (told by its magic bytes) through a BoundedStream."""
    with open(path, "rb") as probe:
        magic = probe.read(2)
    if magic == b"\x1f\x8b":
        size = os.path.getsize(path)
        limit = max(EXPANSION_FLOOR, MAX_EXPANSION * size)
        return BoundedStream(gzip.open(path, "rb"), limit, path, size)
    return open(path, "rb")


def undecompressable(path: Path, exc: BaseException) -> InputError:
    """The error for a gzip that cannot be decompressed."""
    return InputError(
        f"'{path}' could not be decompressed ({one_line(exc)}); "
        "the file is truncated or corrupt: download or export it again"
    )
