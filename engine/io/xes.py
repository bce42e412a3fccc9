"""XES reader (plain or gzip), safe for files that come from outside.

The parser never resolves entities, never loads a DTD and never touches the network; a file
that declares a DOCTYPE or an ENTITY is refused outright, since XES never needs one.
The file is streamed into a parser target that sees each element as it starts and ends and
builds no tree, so memory stays flat in the size of the file, whatever it holds besides
events; a gzip that expands like no real log does is refused. Only the requested
attributes are kept, which makes large logs cheap to read. Trace attributes appear as
``case:<key>`` columns, as pm4py names them.

The XES structure is followed: events belong to the trace they are written in, and an
event outside a trace, a trace inside a trace or an event inside an event is refused,
never handed to another case. A typed value that cannot be read (a date, a number, a
boolean) is an error naming its traces, as a bad value in a CSV is, not a missing value.
"""

from __future__ import annotations

import gzip
import os
import zlib
from array import array
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, NoReturn

import numpy as np
import pandas as pd
import pyarrow as pa
from lxml import etree

from ..errors import InputError, one_line
from ._columns import check_columns
from .offsets import has_offset
from .safexml import check_prolog, doctype_error, syntax_error

XES_CASE = "case:concept:name"
XES_ACTIVITY = "concept:name"
XES_TIMESTAMP = "time:timestamp"

CASE_PREFIX = "case:"
_NAME = "concept:name"
_PROLOG_PEEK = 1 << 20
_MAX_SEEN = 1000  # attribute names remembered for error messages
_CHUNK = 1 << 16  # bytes handed to the parser at a time

#: Most bytes of XML per byte of gzip. The real logs we know expand 17 to 50 times (XES
#: repeats its tags); a file that expands further is refused before it is parsed through.
MAX_EXPANSION = 200
#: Bytes any gzip may expand to, whatever its ratio: small logs are never refused.
EXPANSION_FLOOR = 64 << 20


def read_xes(
    path: Path, *, columns: Sequence[str] | None, roles: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """Read the events of an XES file; `columns` picks attributes (all when None)."""
    _refuse_doctype(path)
    wanted = None if columns is None else list(dict.fromkeys(columns))
    collector = _Collector(wanted, path)
    parser = etree.XMLParser(
        target=collector,
        # 'internal': the predefined entities (&amp;) are text, which a parser target is
        # not given otherwise; no external entity is ever loaded, and no internal one can
        # be defined, since a DOCTYPE is refused (by the target too) before the root.
        resolve_entities="internal",
        load_dtd=False,
        no_network=True,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        with _open(path) as stream:
            while chunk := stream.read(_CHUNK):
                parser.feed(chunk)
            parser.close()
    except InputError:
        raise
    except etree.XMLSyntaxError as exc:
        raise syntax_error(exc, path, "XES") from None
    except (EOFError, OSError, zlib.error) as exc:
        raise _undecompressable(path, exc) from None
    if collector.n_events == 0:
        traces = collector.n_traces
        raise InputError(
            f"the XES file '{path}' has no events ({traces:,} trace{'' if traces == 1 else 's'}"
            "); check that it is the log you meant, or export it again with its events"
        )
    frame = collector.frame()
    if wanted is not None:
        present = [c for c in frame.columns if frame[c].notna().any()]
        available = sorted(set(present) | collector.seen)
        check_columns(wanted, available, where=f"the XES file '{path}'", roles=roles)
    return frame


class _Collector:
    """The parser's target: follows the open log, trace and event, and accumulates the
    wanted attribute values column by column, padding with None where absent."""

    def __init__(self, wanted: list[str] | None, path: Path) -> None:
        self.path = path
        self.event_keys = (
            None if wanted is None else {k for k in wanted if not k.startswith(CASE_PREFIX)}
        )
        self.trace_keys = (
            None
            if wanted is None
            else {k[len(CASE_PREFIX) :] for k in wanted if k.startswith(CASE_PREFIX)}
        )
        # Keys such as 'case:x' that are plain event attributes in some files.
        if wanted is not None:
            self.event_keys |= {k for k in wanted if k.startswith(CASE_PREFIX)}
        self.values: dict[str, list] = {}
        self.kinds: dict[str, set[str]] = {}
        self.n_events = 0
        self.trace_start = 0
        self.seen: set[str] = set()
        self.depth = 0
        self.trace_depth = 0  # depth of the open trace, 0 when none
        self.event_depth = 0  # depth of the open event, 0 when none
        self.event: dict[str, tuple[str, str | None]] = {}  # the open event's attributes
        self.trace: dict[str, tuple[str, str | None]] = {}  # the open trace's attributes
        self.trace_of_event = array("q")  # trace number of each event, for error messages
        self.trace_names: list[str | None] = []  # concept:name of each finished trace
        self.trace_name: str | None = None  # of the open trace

    # -- the parser target ----------------------------------------------------------------
    def start(self, tag: str, attrib: dict[str, str]) -> None:
        self.depth = depth = self.depth + 1
        local = _LOCALS.get(tag)
        if local is None:
            local = _local(tag)
        if self.event_depth:
            if depth == self.event_depth + 1:
                kind = _KINDS.get(local)
                if kind is not None:
                    self._event_attribute(kind, attrib)
                    return
            if local == "event":
                self._refuse("an <event> inside an event")
            if local == "trace":
                self._refuse(f"a <trace> inside an event of {self._trace_label()}")
            return
        if self.trace_depth:
            if depth == self.trace_depth + 1:
                kind = _KINDS.get(local)
                if kind is not None:
                    self._trace_attribute(kind, attrib)
                    return
                if local == "event":
                    self.event_depth = depth
                    return
            if local == "trace":
                self._refuse(f"a <trace> inside {self._trace_label()}")
            if local == "event":
                self._refuse(f"an <event> nested below {self._trace_label()}")
            return
        if depth == 1:
            if local != "log":
                self._refuse(f"the root element <{local}> where <log> belongs")
        elif local == "trace":
            if depth != 2:
                self._refuse("a <trace> not directly inside <log>")
            self.trace_depth = depth
        elif local == "event":
            self._refuse(f"an <event> outside a trace ({self._after()})")

    def end(self, tag: str) -> None:
        depth = self.depth
        if depth == self.event_depth:
            self._end_event()
            self.event_depth = 0
        elif depth == self.trace_depth:
            self._end_trace()
            self.trace_depth = 0
        self.depth = depth - 1

    def doctype(self, *declaration: object) -> None:
        raise doctype_error(self.path, "XES")

    def close(self) -> None:
        return None

    # -- values ---------------------------------------------------------------------------
    @property
    def n_traces(self) -> int:
        return len(self.trace_names)

    def _trace_label(self, trace: int | None = None) -> str:
        """'trace 'T12'' by its concept:name, or by its position when it has none."""
        if trace is None or trace == len(self.trace_names):
            trace, name = len(self.trace_names), self.trace_name
        else:
            name = self.trace_names[trace]
        return f"trace {name!r}" if name is not None else f"trace #{trace + 1}"

    def _after(self) -> str:
        if not self.trace_names:
            return "before the first trace"
        return f"after {self._trace_label(len(self.trace_names) - 1)}"

    def _refuse(self, what: str) -> NoReturn:
        raise InputError(
            f"'{self.path}' has {what}; an XES log holds traces and each trace its events, "
            "so parcours will not guess which case it belongs to: fix the file or export it "
            "again"
        )

    def _event_attribute(self, kind: str, attrib: dict[str, str]) -> None:
        key = attrib.get("key")
        if key is None:
            return
        keys = self.event_keys
        if keys is not None and key not in keys:
            if len(self.seen) < _MAX_SEEN:
                self.seen.add(key)
            return
        if key not in self.event:  # a key repeated inside one event: the first one wins
            self.event[key] = (kind, attrib.get("value"))

    def _trace_attribute(self, kind: str, attrib: dict[str, str]) -> None:
        key = attrib.get("key")
        if key is None:
            return
        if key == _NAME and self.trace_name is None:
            self.trace_name = attrib.get("value")
        keys = self.trace_keys
        if keys is not None and key not in keys:
            if len(self.seen) < _MAX_SEEN:
                self.seen.add(CASE_PREFIX + key)
            return
        if key not in self.trace:
            self.trace[key] = (kind, attrib.get("value"))

    def _put(self, column: str, kind: str, value: str | None, index: int) -> None:
        values = self.values.get(column)
        if values is None:
            values = self.values[column] = [None] * index
            self.kinds[column] = set()
        elif len(values) < index:
            values.extend([None] * (index - len(values)))
        values.append(value)
        self.kinds[column].add(kind)

    def _end_event(self) -> None:
        index = self.n_events
        values_of = self.values
        for key, (kind, value) in self.event.items():
            values = values_of.get(key)
            if values is not None and len(values) == index:
                values.append(value)
                self.kinds[key].add(kind)
            else:
                self._put(key, kind, value, index)
        self.event.clear()
        self.trace_of_event.append(len(self.trace_names))
        self.n_events = index + 1

    def _end_trace(self) -> None:
        count = self.n_events - self.trace_start
        if count:
            for key, (kind, value) in self.trace.items():
                column = CASE_PREFIX + key
                values = self.values.get(column)
                if values is not None and len(values) > self.trace_start:
                    continue  # given by the events themselves
                self._put(column, kind, value, self.trace_start)
                self.values[column].extend([value] * (count - 1))
        self.trace.clear()
        self.trace_names.append(self.trace_name)
        self.trace_name = None
        self.trace_start = self.n_events

    def frame(self) -> pd.DataFrame:
        n = self.n_events
        data = {}
        for column, values in self.values.items():
            if len(values) < n:
                values.extend([None] * (n - len(values)))
            series, problem = _convert(values, self.kinds[column])
            if problem is not None:
                raise self._value_error(column, values, problem)
            data[column] = series
        return pd.DataFrame(data, index=pd.RangeIndex(n))

    def _traces_of(self, events: np.ndarray, *, limit: int = 3) -> str:
        traces = np.frombuffer(self.trace_of_event, dtype=np.int64)[events]
        unique = list(dict.fromkeys(int(t) for t in traces))
        shown = ", ".join(self._trace_label(t) for t in unique[:limit])
        return shown + (", ..." if len(unique) > limit else "")

    def _value_error(self, column: str, values: list, problem: _Problem) -> InputError:
        kind = "/".join(sorted(self.kinds[column]))
        if problem.mixed is not None:
            with_offset, without = problem.mixed
            return InputError(
                f"'{self.path}' mixes dates with a UTC offset and without one in {column!r}: "
                f"{len(with_offset):,} event{_s(with_offset)} with one "
                f"(in {self._traces_of(with_offset)}) and {len(without):,} without "
                f"(in {self._traces_of(without)}); naive dates would be taken as UTC: give "
                "every date its offset (as XES dates normally have), or none"
            )
        bad = problem.bad
        examples = ", ".join(repr(str(values[i]))[:40] for i in bad[:3])
        return InputError(
            f"'{self.path}' has {len(bad):,} event{_s(bad)} whose {column!r} is no readable "
            f"{kind} (in {self._traces_of(bad)}; e.g. {examples}); {_FIXES.get(kind, _FIX)}"
        )


_FIX = "fix them or export the log again"
_FIXES = {
    "date": "XES dates are xs:dateTime values such as '2024-01-31T09:30:00.000+01:00': " + _FIX,
}


def _s(items: np.ndarray) -> str:
    return "" if len(items) == 1 else "s"


@dataclass(frozen=True)
class _Problem:
    """Values of one column that cannot be used: unreadable ones (`bad`), or dates with
    and without an offset (`mixed`: the events of each)."""

    bad: np.ndarray
    mixed: tuple[np.ndarray, np.ndarray] | None = None


def _convert(values: list, kinds: set[str]) -> tuple[pd.Series, _Problem | None]:
    """The column in its XES type, and the values that cannot be read as that type."""
    series = pd.Series(values, dtype="object")
    if kinds == {"date"}:
        parsed = pd.to_datetime(series, utc=True, format="ISO8601", errors="coerce")
        problem = _unreadable(series, parsed)
        if problem is None:
            problem = _mixed_offsets(series)
        return parsed, problem
    if kinds <= {"int", "float"}:
        numbers = pd.to_numeric(series, errors="coerce")
        text = series.str.strip().str.lower()
        not_a_number = text.isin(["nan", "inf", "-inf", "+inf"])  # xs:float allows these
        problem = _unreadable(series, numbers.where(~not_a_number, 0))
        numbers = numbers.astype("float64")
        if kinds == {"int"}:
            try:
                return numbers.astype("Int64"), problem
            except (TypeError, ValueError, OverflowError):
                pass  # fractions or values beyond int64: kept as floats
        return numbers, problem
    if kinds == {"boolean"}:
        lowered = series.str.strip().str.lower()
        flags = lowered.map({"true": True, "false": False, "1": True, "0": False})
        return flags.astype("boolean"), _unreadable(series, flags)
    return series.astype("str"), None


def _unreadable(raw: pd.Series, parsed: pd.Series) -> _Problem | None:
    bad = np.flatnonzero(raw.notna().to_numpy() & parsed.isna().to_numpy())
    return _Problem(bad) if len(bad) else None


def _mixed_offsets(raw: pd.Series) -> _Problem | None:
    present = raw.notna().to_numpy()
    offset = has_offset(pa.array(raw, type=pa.large_string(), from_pandas=True))
    with_offset = np.flatnonzero(offset)
    without = np.flatnonzero(present & ~offset)
    if len(with_offset) and len(without):
        return _Problem(np.zeros(0, np.int64), (with_offset, without))
    return None


class _Bounded:
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

    def __enter__(self) -> _Bounded:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stream.close()


def _megabytes(n: int) -> str:
    return f"{n / 1e6:,.0f} MB" if n >= 10**7 else f"{n / 1e6:,.2f} MB"


def _open(path: Path) -> IO[bytes] | _Bounded:
    with open(path, "rb") as probe:
        magic = probe.read(2)
    if magic == b"\x1f\x8b":
        size = os.path.getsize(path)
        limit = max(EXPANSION_FLOOR, MAX_EXPANSION * size)
        return _Bounded(gzip.open(path, "rb"), limit, path, size)
    return open(path, "rb")


def _refuse_doctype(path: Path) -> None:
    try:
        with _open(path) as stream:
            head = stream.read(_PROLOG_PEEK)
    except (EOFError, OSError, zlib.error) as exc:
        raise _undecompressable(path, exc) from None
    check_prolog(head, path, "XES")


def _undecompressable(path: Path, exc: BaseException) -> InputError:
    return InputError(
        f"'{path}' could not be decompressed ({one_line(exc)}); "
        "the file is truncated or corrupt: download or export it again"
    )


#: The attribute elements by tag name without its namespace, and their XES type.
_KINDS = {kind: kind for kind in ("string", "date", "int", "float", "boolean", "id")}
_LOCALS: dict[object, str] = {}


def _local(tag: object) -> str:
    """The tag without its namespace ('event' for '{http://...}event')."""
    local = _LOCALS.get(tag)
    if local is None:
        local = _LOCALS[tag] = tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""
    return local
