"""XES reader (plain or gzip), safe for files that come from outside.

The parser never resolves entities, never loads a DTD and never touches the network; a file
that declares a DOCTYPE or an ENTITY is refused outright, since XES never needs one.
Only the requested attributes are kept, which makes large logs cheap to read.
Trace attributes appear as ``case:<key>`` columns, as pm4py names them.
"""

from __future__ import annotations

import gzip
import re
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import IO

import pandas as pd
from lxml import etree

from ..errors import InputError, one_line
from ._columns import check_columns

XES_CASE = "case:concept:name"
XES_ACTIVITY = "concept:name"
XES_TIMESTAMP = "time:timestamp"

CASE_PREFIX = "case:"
_PROLOG_PEEK = 1 << 20
_FORBIDDEN = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_ATTRIBUTE_TYPES = {"string", "date", "int", "float", "boolean", "id"}
_MAX_SEEN = 1000  # attribute names remembered for error messages


def read_xes(path: Path, *, columns: Sequence[str] | None) -> pd.DataFrame:
    """Read the events of an XES file; `columns` picks attributes (all when None)."""
    _refuse_doctype(path)
    wanted = None if columns is None else list(dict.fromkeys(columns))
    collector = _Collector(wanted)
    try:
        with _open(path) as stream:
            context = etree.iterparse(
                stream,
                events=("end",),
                tag=("{*}event", "{*}trace"),
                resolve_entities=False,
                load_dtd=False,
                no_network=True,
                remove_comments=True,
                remove_pis=True,
            )
            root = None
            for _, elem in context:
                if root is None:
                    root = elem.getroottree()
                    if root.docinfo.doctype:
                        raise _doctype_error(path)
                if _local(elem.tag) == "event":
                    collector.add_event(elem)
                else:
                    collector.end_trace(elem)
                    _free(elem)
    except InputError:
        raise
    except etree.XMLSyntaxError as exc:
        if "entity" in str(exc).lower():
            raise _doctype_error(path) from None
        raise InputError(
            f"'{path}' is not well-formed XES ({one_line(exc)}); "
            "the file may be truncated or corrupt: re-export it"
        ) from None
    except (EOFError, OSError, zlib.error) as exc:
        raise InputError(
            f"'{path}' could not be decompressed ({one_line(exc)}); "
            "the file is truncated or corrupt: download or export it again"
        ) from None
    frame = collector.frame()
    if wanted is not None:
        present = [c for c in frame.columns if frame[c].notna().any()]
        check_columns(wanted, sorted(set(present) | collector.seen), where=f"the XES file '{path}'")
    return frame


class _Collector:
    """Accumulates attribute values column by column, padding with None where absent."""

    def __init__(self, wanted: list[str] | None) -> None:
        self.wanted = wanted
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

    def _put(self, column: str, kind: str, value: str | None, index: int) -> None:
        values = self.values.get(column)
        if values is None:
            values = self.values[column] = [None] * index
            self.kinds[column] = set()
        elif len(values) < index:
            values.extend([None] * (index - len(values)))
        values.append(value)
        self.kinds[column].add(kind)

    def add_event(self, event: etree._Element) -> None:
        keys = self.event_keys
        index = self.n_events
        values_of = self.values
        for child in event:
            key = child.get("key")
            if key is None or (keys is not None and key not in keys):
                if key is not None and len(self.seen) < _MAX_SEEN:
                    self.seen.add(key)
                continue
            kind = _kind(child.tag)
            if kind is None:
                continue
            values = values_of.get(key)
            if values is not None and len(values) == index:
                values.append(child.get("value"))
                self.kinds[key].add(kind)
            elif values is None or len(values) < index:
                self._put(key, kind, child.get("value"), index)
            # else: a key repeated inside one event; the first one wins
        self.n_events = index + 1
        event.clear()

    def end_trace(self, trace: etree._Element) -> None:
        keys = self.trace_keys
        count = self.n_events - self.trace_start
        if count:
            for child in trace:
                key = child.get("key")
                if key is None or (keys is not None and key not in keys):
                    if key is not None and len(self.seen) < _MAX_SEEN:
                        self.seen.add(CASE_PREFIX + key)
                    continue
                kind = _kind(child.tag)
                if kind is None:
                    continue
                column = CASE_PREFIX + key
                values = self.values.get(column)
                if values is not None and len(values) > self.trace_start:
                    continue
                value = child.get("value")
                self._put(column, kind, value, self.trace_start)
                self.values[column].extend([value] * (count - 1))
        self.trace_start = self.n_events

    def frame(self) -> pd.DataFrame:
        n = self.n_events
        data = {}
        for column, values in self.values.items():
            if len(values) < n:
                values.extend([None] * (n - len(values)))
            data[column] = _convert(values, self.kinds[column])
        return pd.DataFrame(data, index=pd.RangeIndex(n))


def _convert(values: list, kinds: set[str]) -> pd.Series:
    series = pd.Series(values, dtype="object")
    if kinds == {"date"}:
        return pd.to_datetime(series, utc=True, format="ISO8601", errors="coerce")
    if kinds == {"int"}:
        return pd.to_numeric(series, errors="coerce").astype("Int64")
    if kinds <= {"int", "float"}:
        return pd.to_numeric(series, errors="coerce").astype("float64")
    if kinds == {"boolean"}:
        lowered = series.str.lower()
        return lowered.map({"true": True, "false": False}).astype("boolean")
    return series.astype("str")


def _open(path: Path) -> IO[bytes]:
    with open(path, "rb") as probe:
        magic = probe.read(2)
    if magic == b"\x1f\x8b":
        return gzip.open(path, "rb")
    return open(path, "rb")


def _refuse_doctype(path: Path) -> None:
    try:
        with _open(path) as stream:
            head = stream.read(_PROLOG_PEEK)
    except (EOFError, OSError, zlib.error) as exc:
        raise InputError(
            f"'{path}' could not be decompressed ({one_line(exc)}); "
            "the file is truncated or corrupt: download or export it again"
        ) from None
    root_at = head.find(b"<log")
    prolog = head if root_at < 0 else head[:root_at]
    if _FORBIDDEN.search(prolog):
        raise _doctype_error(path)


def _doctype_error(path: Path) -> InputError:
    return InputError(
        f"'{path}' declares a DOCTYPE or ENTITY; XES files never need one and parcours "
        "refuses them so that a log cannot make it read local files or the network: "
        "remove the declaration"
    )


def _free(trace: etree._Element) -> None:
    trace.clear()
    parent = trace.getparent()
    if parent is not None:
        while trace.getprevious() is not None:
            del parent[0]


_KINDS: dict[str, str | None] = {}


def _kind(tag: object) -> str | None:
    """The XES attribute type of an element tag ('string', 'date', ...), None for others."""
    if not isinstance(tag, str):
        return None
    kind = _KINDS.get(tag)
    if kind is None and tag not in _KINDS:
        local = _local(tag)
        kind = _KINDS[tag] = local if local in _ATTRIBUTE_TYPES else None
    return kind


def _local(tag: object) -> str:
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]
