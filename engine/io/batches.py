"""A table handed over piece by piece, so that a large file never sits whole in memory.

The canonical log needs each row's timestamp, activity and case key, not the text they
were written in: reading a file batch by batch lets those columns be converted and
released as they arrive, which keeps peak memory near the size of the result.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TypeVar

import pyarrow as pa

T = TypeVar("T")
_ITEM, _END, _ERROR = object(), object(), object()


@dataclass(frozen=True)
class TableBatches:
    """`num_rows` rows with `column_names`, yielded as consecutive tables by `batches()`.

    `batches(columns)` may be called again, to read some columns a second time; it
    decodes ahead on a thread of its own. `apart(columns)`, where the source has it (a
    file, not a query's one stream), reads the same batches on the caller's thread and may
    be called for different columns at once, from threads that each code their own.
    """

    num_rows: int
    column_names: list[str]
    batches: Callable[[list[str] | None], Iterator[pa.Table]]
    where: str = "the input"  # the source, as errors name it
    apart: Callable[[list[str]], Iterator[pa.Table]] | None = None


def prefetched(batches: Iterator[T], *, depth: int = 1) -> Iterator[T]:
    """Produce the next items of `batches` in a background thread while the caller works.

    Decoding a file (Arrow, no GIL) then overlaps with converting the previous batch
    (numba, no GIL). Errors of the producer are raised in the caller; a caller that stops
    early stops the producer.
    """
    items: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in batches:
                while not stop.is_set():
                    try:
                        items.put((_ITEM, item), timeout=0.1)
                        break
                    except queue.Full:
                        continue
                del item
                if stop.is_set():
                    return
            items.put((_END, None))
        except BaseException as exc:  # handed to the caller, raised there
            items.put((_ERROR, exc))
        finally:
            close = getattr(batches, "close", None)
            if close is not None:
                close()

    worker = threading.Thread(target=produce, name="parcours-prefetch", daemon=True)
    worker.start()
    try:
        while True:
            kind, value = items.get()
            if kind is _END:
                return
            if kind is _ERROR:
                raise value
            yield value
            del value
    finally:
        stop.set()
        while worker.is_alive():
            with contextlib.suppress(queue.Empty):
                items.get(timeout=0.1)  # unblock a producer waiting to put
