"""Parquet reader (a file or a folder of files), reading only the requested columns.

A single file is handed over in batches (see batches.py); a folder, whose files may add
partition columns, is read as one table.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import InputError, one_line
from ..memory import release_unused_memory
from ._columns import check_columns
from .batches import TableBatches, prefetched

#: Rows per batch when streaming a file: large enough for vectorized work, small enough
#: that one batch of text columns stays in the tens of megabytes.
BATCH_ROWS = 1 << 17
#: Bytes read from the file at a time: without it a column's whole chunk of a row group
#: (often tens of megabytes) is read into memory before its first page is decoded.
READ_BUFFER = 1 << 20
#: Fewest batches between two releases of freed memory. A release lowers the read's peak
#: by the decoder's retained blocks (tens of megabytes), but the next batches fault those
#: pages back in: about 25 MB, 30 ms, each time.
RELEASE_EVERY = 4
#: Releases over a whole file at most. The retained blocks do not grow with the file while
#: the log's own arrays do, so a large file is released less often: at 100M rows, every
#: fourth batch cost 4 s of page faults and lowered no peak.
RELEASES_PER_FILE = 10


def parquet_columns(path: Path) -> list[str]:
    try:
        schema = pq.read_schema(path) if path.is_file() else pq.ParquetDataset(path).schema
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise _unreadable(path, exc) from None
    return list(schema.names)


def read_parquet(path: Path, *, columns: Sequence[str] | None) -> pa.Table | TableBatches:
    check_columns(columns, parquet_columns(path), where=f"'{path}'")
    wanted = list(columns) if columns is not None else None
    try:
        if path.is_file():
            return _file_batches(path, wanted)
        return pq.read_table(path, columns=wanted)
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise _unreadable(path, exc) from None


def _file_batches(path: Path, columns: list[str] | None) -> TableBatches:
    file = pq.ParquetFile(path)
    names = columns if columns is not None else list(file.schema_arrow.names)

    def batches(only: list[str] | None = None) -> Iterator[pa.Table]:
        return prefetched(_read_batches(path, only or names))

    return TableBatches(file.metadata.num_rows, names, batches)


def _read_batches(path: Path, names: list[str]) -> Iterator[pa.Table]:
    """Consecutive tables of `BATCH_ROWS` rows, releasing each one's buffers after use."""
    reader = pq.ParquetFile(path, pre_buffer=False, buffer_size=READ_BUFFER)
    every = release_interval(reader.metadata.num_rows)
    try:
        for number, batch in enumerate(
            reader.iter_batches(batch_size=BATCH_ROWS, columns=names), start=1
        ):
            yield pa.Table.from_batches([batch])
            del batch
            if number % every == 0:
                release_unused_memory()  # the decoder's buffers of the last batches
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise _unreadable(path, exc) from None
    finally:
        reader.close()


def release_interval(num_rows: int) -> int:
    """Batches between two releases of freed memory while a file of `num_rows` is read."""
    batches = -(-num_rows // BATCH_ROWS)
    return max(RELEASE_EVERY, -(-batches // RELEASES_PER_FILE))


def _unreadable(path: Path, exc: BaseException) -> InputError:
    return InputError(
        f"'{path}' is not a readable Parquet file ({one_line(exc)}); "
        "it may be truncated or corrupt: re-export it"
    )
