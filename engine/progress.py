"""Progress of long runs, on stderr: a live spinner on a terminal, plain lines in batch logs."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO


class Progress:
    """Reports named steps and their duration. Disabled, it prints nothing."""

    def __init__(
        self, *, enabled: bool = True, stream: TextIO | None = None, warnings: bool | None = None
    ) -> None:
        self.enabled = enabled
        #: Print warnings even when progress is off (the command line's --quiet silences
        #: progress only); default: as progress.
        self.show_warnings = enabled if warnings is None else warnings
        self.stream = stream if stream is not None else sys.stderr
        self.started = time.perf_counter()
        self._live = enabled and self.stream.isatty()
        self._console = None
        if self._live:
            from rich.console import Console

            self._console = Console(file=self.stream)

    def _line(self, text: str) -> None:
        if not self.enabled:
            return
        stamp = f"[{time.perf_counter() - self.started:7.2f}s]"
        if self._console is not None:
            self._console.print(f"[dim]{stamp}[/dim] {text}", highlight=False, markup=True)
        else:
            print(f"parcours {stamp} {text}", file=self.stream, flush=True)

    @contextmanager
    def step(self, label: str) -> Iterator[dict[str, str]]:
        """Time a step; set `note['done']` inside the block to say what it produced."""
        note: dict[str, str] = {}
        began = time.perf_counter()
        if self._console is not None:
            with self._console.status(f"{label} ...", spinner="dots"):
                yield note
        else:
            if self.enabled:
                self._line(f"{label} ...")
            yield note
        took = time.perf_counter() - began
        done = note.get("done", "done")
        self._line(f"{label}: {done} ({took:.2f} s)")

    def message(self, text: str) -> None:
        self._line(text)

    def warning(self, text: str) -> None:
        """A warning on the stream, whether progress is shown or not (see show_warnings)."""
        if not self.show_warnings:
            return
        from .report.labels import printable

        text = printable(text)
        if self.enabled:
            self._line(f"warning: {text}")
        else:
            print(f"parcours: warning: {text}", file=self.stream, flush=True)
