"""The XES parser's target: it follows the open log, trace and event as elements start and
end, and accumulates the wanted attribute values column by column, building no tree. It
enforces the XES structure (an event belongs to the trace it is written in) and names the
traces of any value it cannot read.

Trace attributes become ``case:<key>`` columns. An event may carry a ``case:<key>`` of its
own; the trace's attribute wins where the trace has one (as in pm4py), so that no event
leaves its trace or loses its trace's values, and the event's own value stands where the
trace has none. A key the read uses that is repeated inside one event or trace with another
value, or that is a list or container, is refused naming the trace: there is no one value to
read."""

from __future__ import annotations

from array import array
from pathlib import Path
from typing import NoReturn

import numpy as np
import pandas as pd

from ..errors import InputError
from .safexml import doctype_error
from .xes_values import BadValues, convert_values

CASE_PREFIX = "case:"
_NAME = "concept:name"
_MAX_SEEN = 1000  # attribute names remembered for error messages
_CONTAINERS = ("list", "container")  # attributes of attributes, never read as a value


class XesCollector:
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
        self.values: dict[str, list] = {}  # event attributes, by key
        self.kinds: dict[str, set[str]] = {}
        self.case_values: dict[str, list] = {}  # trace attributes, by column ('case:' + key)
        self.case_kinds: dict[str, set[str]] = {}
        self.columns: dict[str, None] = {}  # every column, in the order first met
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
                if local in _CONTAINERS:
                    self._container(local, attrib.get("key"), self.event_keys, "")
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
                if local in _CONTAINERS:
                    self._container(local, attrib.get("key"), self.trace_keys, CASE_PREFIX)
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
        event = self.event
        read = (kind, attrib.get("value"))
        if key in event and event[key] != read:
            self._repeated(key, event[key][1], read[1], trace=False)
        event[key] = read

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
        trace = self.trace
        read = (kind, attrib.get("value"))
        if key in trace and trace[key] != read:
            self._repeated(key, trace[key][1], read[1], trace=True)
        trace[key] = read

    def _repeated(
        self, key: str, first: str | None, second: str | None, *, trace: bool
    ) -> NoReturn:
        """A key the read uses, twice in the open event (or trace: a 'case:' column) and
        not as the same value (a repeat of the same kind and value is the one value)."""
        where, read = ("", f", read as {CASE_PREFIX + key!r}") if trace else ("an event of ", "")
        raise InputError(
            f"'{self.path}' has the key {key!r} twice in {where}{self._trace_label()} "
            f"({_shown(first)} and {_shown(second)}){read}: parcours reads one value per key "
            "and will not pick one; remove or rename one of them in the file, or export the "
            "log again"
        )

    def _container(self, local: str, key: str | None, keys: set[str] | None, prefix: str) -> None:
        """A <list> or <container>: refused when the read asks for its key."""
        if key is None or keys is None or key not in keys:
            return
        where = "" if prefix else "an event of "
        column = prefix + key
        raise InputError(
            f"'{self.path}' has {column!r} as a <{local}> in {where}{self._trace_label()}; "
            "parcours reads plain attributes (string, date, int, float, boolean, id), not "
            f"lists or containers: leave {column!r} out of the attributes, or write what it "
            "holds as plain attributes of their own"
        )

    def _put(
        self,
        column: str,
        kind: str,
        value: str | None,
        index: int,
        values_of: dict[str, list],
        kinds_of: dict[str, set[str]],
    ) -> list:
        values = values_of.get(column)
        if values is None:
            values = values_of[column] = [None] * index
            kinds_of[column] = set()
            self.columns[column] = None
        elif len(values) < index:
            values.extend([None] * (index - len(values)))
        values.append(value)
        kinds_of[column].add(kind)
        return values

    def _end_event(self) -> None:
        index = self.n_events
        values_of = self.values
        for key, (kind, value) in self.event.items():
            values = values_of.get(key)
            if values is not None and len(values) == index:
                values.append(value)
                self.kinds[key].add(kind)
            else:
                self._put(key, kind, value, index, values_of, self.kinds)
        self.event.clear()
        self.trace_of_event.append(len(self.trace_names))
        self.n_events = index + 1

    def _end_trace(self) -> None:
        count = self.n_events - self.trace_start
        if count:
            for key, (kind, value) in self.trace.items():
                column = CASE_PREFIX + key
                values = self._put(
                    column, kind, value, self.trace_start, self.case_values, self.case_kinds
                )
                values.extend([value] * (count - 1))
        self.trace.clear()
        self.trace_names.append(self.trace_name)
        self.trace_name = None
        self.trace_start = self.n_events

    def frame(self) -> pd.DataFrame:
        data = {}
        for column in self.columns:
            values, kinds = self._column(column)
            series, problem = convert_values(values, kinds)
            if problem is not None:
                raise self._value_error(column, values, kinds, problem)
            data[column] = series
        return pd.DataFrame(data, index=pd.RangeIndex(self.n_events))

    def _column(self, column: str) -> tuple[list, set[str]]:
        """A column's values, one per event, and their kinds. A 'case:' column given by
        traces and by events too takes the trace's value wherever the trace has one."""
        n = self.n_events
        events, traces = self.values.get(column), self.case_values.get(column)
        for values in (events, traces):
            if values is not None and len(values) < n:
                values.extend([None] * (n - len(values)))
        if traces is None:
            return events, self.kinds[column]
        if events is None:
            return traces, self.case_kinds[column]
        merged = [e if t is None else t for t, e in zip(traces, events, strict=True)]
        kinds = set(self.case_kinds[column])
        if any(t is None and e is not None for t, e in zip(traces, events, strict=True)):
            kinds |= self.kinds[column]  # some events keep their own value
        return merged, kinds

    def _traces_of(self, events: np.ndarray, *, limit: int = 3) -> str:
        traces = np.frombuffer(self.trace_of_event, dtype=np.int64)[events]
        unique = list(dict.fromkeys(int(t) for t in traces))
        shown = ", ".join(self._trace_label(t) for t in unique[:limit])
        return shown + (", ..." if len(unique) > limit else "")

    def _value_error(
        self, column: str, values: list, kinds: set[str], problem: BadValues
    ) -> InputError:
        kind = "/".join(sorted(kinds))
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
        where = f"(in {self._traces_of(bad)}; e.g. {examples})"
        if problem.reason == "int64":
            return InputError(
                f"'{self.path}' has {len(bad):,} event{_s(bad)} whose {column!r} is a whole "
                f"number beyond int64 {where}, which parcours will not round: write it as a "
                "<string> (an identifier) or a <float> (an amount that may be rounded)"
            )
        if problem.reason == "float64":
            return InputError(
                f"'{self.path}' has {len(bad):,} event{_s(bad)} whose {column!r} is a whole "
                f"number that the column's float64 (it holds {kind} values, fractions among "
                f"them) would round {where}: write the whole numbers of {column!r} as "
                "<string>, or every value as a whole <int>"
            )
        return InputError(
            f"'{self.path}' has {len(bad):,} event{_s(bad)} whose {column!r} is no readable "
            f"{kind} {where}; {_FIXES.get(kind, _FIX)}"
        )


_FIX = "fix them or export the log again"
_FIXES = {
    "date": "XES dates are xs:dateTime values such as '2024-01-31T09:30:00.000+01:00': " + _FIX,
}


def _s(items: np.ndarray) -> str:
    return "" if len(items) == 1 else "s"


def _shown(value: str | None) -> str:
    if value is None:
        return "no value"
    return repr(value if len(value) <= 40 else value[:37] + "...")


#: The attribute elements by tag name without its namespace, and their XES type.
_KINDS = {kind: kind for kind in ("string", "date", "int", "float", "boolean", "id")}
_LOCALS: dict[object, str] = {}


def _local(tag: object) -> str:
    """The tag without its namespace ('event' for '{http://...}event')."""
    local = _LOCALS.get(tag)
    if local is None:
        local = _LOCALS[tag] = tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""
    return local
