"""The filters of a log, reached as `log.filter`: each returns a slice (an EventLog).

Case filters keep or drop whole journeys; event filters keep or drop events (and the
journeys left without one). Names follow pm4py's `filter_*` functions where one has the
same meaning, and the tests compare with them:

- `where("segment == 'new' and channel in ('web', 'app')")`: the `--where` language
  (engine.slices.expression), each column read at the journey's first event;
- `attribute(column, values, at="first"|"last"|"any")`: journeys whose value of an event
  column is in `values` at their first event, their last, or any event
  (filter_event_attribute_values at case level is at="any");
- `events(column, values)`: the events whose value is in `values` (event level);
- `time_range(start, end, mode=...)`: "starts" (journeys starting in [start, end]),
  "ends", "contained" (every event in it), "intersects" (the journey's span, first to
  last event, overlaps it: it was under way then, even without an event in it), "events"
  (the events in it) (filter_time_range's traces_contained, traces_intersecting, events);
- `contains(*touchpoints, how="any"|"all")`, `absent(*touchpoints)`;
- `follows(a, b, directly=False, within=None)` (filter_directly_follows_relation,
  filter_eventually_follows_relation; `within` bounds the time between them);
- `size(min_events, max_events)` (filter_case_size), `duration(min, max)`
  (filter_case_performance), `variants(top=, coverage=, sequences=)` (filter_variants);
- `touchpoints(keep=... | drop=...)`: events of those touchpoints kept or dropped, the
  directly-follows steps recomputed from what is left, as pm4py does;
- `trim(anchor, until=, before=, after=)`: each journey cut to a window around its
  first `anchor`: N events before or after it, up to a touchpoint or its conversion
  (filter_between keeps every a…b stretch as a case of its own; trim keeps the first);
- `converted(model, converted=True)`: journeys that did (not) convert;
- `cases(ids)`: journeys by id.

Bounds are inclusive. An end that names a whole day (text without a time of day such as
'2026-03-31', a datetime.date, a numpy datetime64 of days) keeps all of that day, as an end
naming a month ('2026-03') or a year keeps all of it (as pandas reads such text in a
slice); an end with a time of day (text, a datetime, a pandas Timestamp) is that instant.
Times without an offset are taken as UTC for a log read with offsets (as read_log takes
them, so a date alone is a UTC day there), and as given otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import InputError
from ..kernels.filters import contains_cases, follows_cases, trim_events
from .build import slice_log
from .values import column_values

if TYPE_CHECKING:
    from ..journey import JourneyModel
    from ..log.eventlog import EventLog

TIME_MODES = ("starts", "ends", "contained", "intersects", "events")
POSITIONS = ("first", "last", "any")


class LogFilter:
    """`log.filter`: the filters of one log (see the module doc)."""

    def __init__(self, log: EventLog) -> None:
        self._log = log

    # -- case filters --------------------------------------------------------------------
    def cases(self, ids: Iterable[Any]) -> EventLog:
        """The journeys whose case id is in `ids`; ids given as text are read as the
        case ids' type ('17' is 17 when the ids are numbers; see engine.slices.values)."""
        if isinstance(ids, str):
            ids = [ids]  # one id, not its characters
        case_ids = self._log.case_ids
        wanted = pd.Index(column_values(pd.Series(case_ids), list(ids), "case", "cases"))
        keep = case_ids.isin(wanted)
        return self._cases(keep, {"filter": "cases", "ids": len(wanted)})

    def attribute(
        self, column: str, values: Iterable[Any], *, at: str = "first", keep: bool = True
    ) -> EventLog:
        """Journeys whose `column` value at their first (last, any) event is in `values`
        (or, with keep=False, is not); values given as text are read as the column's type
        ('559' is 559 in a column of numbers; see engine.slices.values)."""
        _choice("at", at, POSITIONS)
        series = self._column(column)
        values = list(values)
        typed = column_values(series, values, column, "attribute")
        offsets = self._log.case_offsets
        if at == "first":
            per_case = _isin(series, typed, offsets[:-1])
        elif at == "last":
            per_case = _isin(series, typed, offsets[1:] - 1)
        else:
            per_case = np.logical_or.reduceat(_isin(series, typed), offsets[:-1])
        keep_case = per_case if keep else ~per_case
        step = {"filter": "attribute", "column": column, "values": values, "at": at, "keep": keep}
        return self._cases(keep_case, step)

    def where(self, expression: str) -> EventLog:
        """Journeys for which `expression` holds, e.g. "segment == 'new' and channel in
        ('web', 'app')", each column read at the journey's first event (see
        engine.slices.expression for the grammar; nothing is evaluated as Python)."""
        from .expression import parse

        mask_of, _ = parse(expression)
        first = self._log.case_offsets[:-1]
        cache: dict[str, pd.Series] = {}

        def isin(name: str, options: list) -> np.ndarray:
            """A categorical column is answered per category, then by its first-event codes."""
            if name not in cache:
                column = self._column(name)
                if isinstance(column.dtype, pd.CategoricalDtype):
                    codes = column.cat.codes.to_numpy()[first]
                    cache[name] = pd.Series(pd.Categorical.from_codes(codes, dtype=column.dtype))
                else:
                    cache[name] = column.iloc[first].reset_index(drop=True)
            return _isin(cache[name], column_values(cache[name], options, name, "--where"))

        keep = np.asarray(mask_of(isin), dtype=bool)
        return self._cases(keep, {"filter": "where", "expression": expression})

    def time_range(
        self, start: Any = None, end: Any = None, *, mode: str = "intersects"
    ) -> EventLog:
        """Journeys (or, mode="events", events) in the window [start, end], both
        included; an end given as a date alone ('2026-03-31') keeps that whole day (see
        the module doc for the modes and the bounds). With mode="events" the slice is
        observed until `end` at the latest: its journeys' later events are gone, so a
        journey cut there is censored there, not taken as followed without converting."""
        _choice("mode", mode, TIME_MODES)
        log = self._log
        low = time_instant(start, "start") if start is not None else np.iinfo(np.int64).min
        high = time_instant(end, "end", whole=True) if end is not None else np.iinfo(np.int64).max
        if low > high:
            raise InputError(f"time_range: start {start!r} is after end {end!r}; swap them")
        step = {"filter": "time_range", "start": _text(start), "end": _text(end), "mode": mode}
        ts, offsets = log.timestamp, log.case_offsets
        if mode == "events":
            sliced = slice_log(log, (ts >= low) & (ts <= high), step)
            sliced.observed_until = min(log.observed_until, high)
            return sliced
        first, last = ts[offsets[:-1]], ts[offsets[1:] - 1]
        if mode == "starts":
            keep = (first >= low) & (first <= high)
        elif mode == "ends":
            keep = (last >= low) & (last <= high)
        elif mode == "contained":  # events are in time order within a case
            keep = (first >= low) & (last <= high)
        else:  # its span [first, last] overlaps the window, as pm4py's traces_intersecting
            keep = (first <= high) & (last >= low)
        return self._cases(keep, step)

    def contains(self, *touchpoints: str, how: str = "any") -> EventLog:
        """Journeys with an event of any (how="all": every) of the touchpoints."""
        _choice("how", how, ("any", "all"))
        wanted = self._touchpoint_mask(touchpoints, "contains")
        keep = contains_cases(self._log.activity, self._log.case_offsets, wanted, how == "all")
        return self._cases(
            keep, {"filter": "contains", "touchpoints": list(touchpoints), "how": how}
        )

    def absent(self, *touchpoints: str) -> EventLog:
        """Journeys without any event of the touchpoints."""
        wanted = self._touchpoint_mask(touchpoints, "absent")
        hit = contains_cases(self._log.activity, self._log.case_offsets, wanted, False)
        return self._cases(~hit, {"filter": "absent", "touchpoints": list(touchpoints)})

    def follows(self, a: str, b: str, *, directly: bool = False, within: Any = None) -> EventLog:
        """Journeys where `a` is followed by `b`: directly (the next event) or eventually,
        within `within` (a duration such as '2h', or seconds) when given."""
        log = self._log
        codes = [self._code(name, "follows") for name in (a, b)]
        gap = -1 if within is None else _duration_ns(within, "within")
        keep = follows_cases(
            log.activity, log.case_offsets, log.timestamp, codes[0], codes[1], directly, gap
        )
        step = {"filter": "follows", "a": a, "b": b, "directly": directly, "within": _text(within)}
        return self._cases(keep, step)

    def size(self, min_events: int | None = None, max_events: int | None = None) -> EventLog:
        """Journeys of `min_events` to `max_events` events."""
        lengths = np.diff(self._log.case_offsets)
        keep = _between(lengths, min_events, max_events, "size")
        step = {"filter": "size", "min_events": min_events, "max_events": max_events}
        return self._cases(keep, step)

    def duration(self, min: Any = None, max: Any = None) -> EventLog:
        """Journeys lasting `min` to `max` (durations such as '1D', or seconds): last
        timestamp minus first."""
        log = self._log
        offsets = log.case_offsets
        spans = log.timestamp[offsets[1:] - 1] - log.timestamp[offsets[:-1]]
        low = None if min is None else _duration_ns(min, "min")
        high = None if max is None else _duration_ns(max, "max")
        keep = _between(spans, low, high, "duration")
        return self._cases(keep, {"filter": "duration", "min": _text(min), "max": _text(max)})

    def variants(
        self,
        *,
        top: int | None = None,
        coverage: float | None = None,
        sequences: Iterable[Iterable[str]] | None = None,
    ) -> EventLog:
        """Journeys of the `top` most frequent variants, of the fewest most frequent that
        cover `coverage` of journeys, or of the given activity `sequences`."""
        from ..analysis.coverage import keep_variants
        from ..analysis.variants import compute_variants

        log = self._log
        if sum(x is not None for x in (top, coverage, sequences)) != 1:
            raise InputError("variants: give exactly one of top=, coverage= or sequences=")
        found = log.cache("variants", compute_variants)
        if sequences is not None:
            wanted = {tuple(s) for s in sequences}
            table = log.variants()
            chosen = np.array([tuple(v) in wanted for v in table["variant"]], dtype=bool)
            step = {"filter": "variants", "sequences": len(wanted)}
        else:
            table = pd.DataFrame({"frequency": found.frequency})
            n = len(keep_variants(table, top=top, coverage=coverage))
            chosen = np.arange(len(found.frequency)) < n
            step = {"filter": "variants", "top": top, "coverage": coverage}
        return self._cases(chosen[found.variant_of_case], step)

    def converted(self, model: JourneyModel | None = None, *, converted: bool = True) -> EventLog:
        """Journeys that converted (converted=False: that did not), by `model`'s
        conversion (default: the five-stage template's)."""
        journey = self._log.journey(model)
        keep = journey.conversions.converted if converted else ~journey.conversions.converted
        conversion = journey.model.conversion.describe()
        return self._cases(keep, {"filter": "converted", "converted": converted, "by": conversion})

    # -- event filters ---------------------------------------------------------------------
    def events(self, column: str, values: Iterable[Any], *, keep: bool = True) -> EventLog:
        """The events whose `column` value is (keep=False: is not) in `values`."""
        values = list(values)
        series = self._column(column)
        hit = _isin(series, column_values(series, values, column, "events"))
        step = {"filter": "events", "column": column, "values": values, "keep": keep}
        return slice_log(self._log, hit if keep else ~hit, step)

    def touchpoints(
        self, *, keep: Iterable[str] | None = None, drop: Iterable[str] | None = None
    ) -> EventLog:
        """The events of the touchpoints in `keep`, or all but those in `drop`."""
        if (keep is None) == (drop is None):
            raise InputError("touchpoints: give keep=[...] or drop=[...], not both")
        names = list(keep if keep is not None else drop)
        wanted = self._touchpoint_mask(names, "touchpoints")
        hit = wanted[self._log.activity]
        step = {"filter": "touchpoints", "keep" if keep is not None else "drop": names}
        return slice_log(self._log, hit if keep is not None else ~hit, step)

    def trim(
        self,
        anchor: str | None = None,
        *,
        until: str | None = None,
        before: int | None = None,
        after: int | None = None,
        model: JourneyModel | None = None,
    ) -> EventLog:
        """Each journey cut to a window: from its first `anchor` event (default: its
        first event), with `before` events before it, up to its first `until` event
        from there ("conversion": its converting event, by `model`) or `after` events
        after the anchor, whichever comes first. Journeys without the anchor, or without
        the `until` event after it, are left out (as pm4py's filter_between)."""
        log = self._log
        for name, value in (("before", before), ("after", after)):
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int) or value < 0
            ):
                raise InputError(
                    f"trim: {name} must be a whole number of events, 0 or more; got {value!r}"
                )
        if anchor is None and until is None and before is None and after is None:
            raise InputError("trim: give an anchor, until=, before= or after=")
        code = -1 if anchor is None else self._code(anchor, "trim")
        until_code, until_at = -1, np.zeros(0, np.int64)
        if until == "conversion":
            until_at = log.journey(model or _default_model()).conversions.at_event
        elif until is not None:
            until_code = self._code(until, "trim")
        keep, _ = trim_events(
            log.activity,
            log.case_offsets,
            code,
            until_code,
            until_at,
            -1 if before is None else before,
            -1 if after is None else after,
        )
        step = {
            "filter": "trim",
            "anchor": anchor,
            "until": until,
            "before": before,
            "after": after,
        }
        return slice_log(log, keep, step)

    # -- helpers ---------------------------------------------------------------------------
    def _cases(self, keep_case: np.ndarray, step: dict[str, Any]) -> EventLog:
        return slice_log(self._log, None, step, keep_case=keep_case)

    def _column(self, column: str) -> pd.Series:
        attributes = self._log.attributes
        if column not in attributes:
            read = ", ".join(attributes) or "none"
            raise InputError(
                f"column '{column}' was not read with the log (read: {read}); pass "
                f"attributes=['{column}'] to read_log"
            )
        return attributes[column]

    def _touchpoint_mask(self, names: Iterable[str], where: str) -> np.ndarray:
        names = list(names)
        if not names:
            raise InputError(f"{where}: name at least one touchpoint")
        wanted = np.zeros(self._log.n_activities, dtype=bool)
        for name in names:
            wanted[self._code(name, where)] = True
        return wanted

    def _code(self, name: str, where: str) -> int:
        known = self._log.activity_names
        position = int(np.searchsorted(known, name))
        if position < len(known) and known[position] == name:
            return position
        close = [str(k) for k in known if str(name).lower() in str(k).lower()][:3]
        hint = f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""
        raise InputError(f"{where}: the log has no touchpoint {name!r}{hint}")


def time_instant(value: Any, name: str, *, whole: bool = False) -> int:
    """`value` in the log's int64 ns; with `whole`, the last nanosecond of the day
    (month, year) it names when it names one (see the module doc)."""
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError):
        raise InputError(
            f"time_range: {name} {value!r} is not a date or time; write e.g. '2026-03-01'"
        ) from None
    if pd.isna(stamp):
        raise InputError(f"time_range: {name} {value!r} is not a date or time")
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert("UTC").tz_localize(None)
    if whole:
        after = _period_after(value, stamp)
        if after is not None:
            return after - 1
    return int(stamp.as_unit("ns").value)


#: The periods a date given without a time of day names (pandas' Period frequencies).
_WHOLE_PERIODS = ("D", "M", "Y")


def _period_after(value: Any, stamp: pd.Timestamp) -> int | None:
    """The first nanosecond after the whole day, month or year that `value`
    names (text without a time of day, a datetime.date, a numpy datetime64 of days or
    coarser), whose first instant is `stamp`; None when `value` is an instant."""
    if isinstance(value, str):
        try:
            period = pd.Period(value.strip())
        except (TypeError, ValueError):
            return None
        if period.freqstr.split("-")[0] not in _WHOLE_PERIODS or period.start_time != stamp:
            return None
        following = period + 1
    elif isinstance(value, date) and not isinstance(value, datetime):
        following = pd.Period(stamp, freq="D") + 1
    elif isinstance(value, np.datetime64) and np.datetime_data(value.dtype)[0] in _WHOLE_PERIODS:
        following = pd.Period(stamp, freq=np.datetime_data(value.dtype)[0]) + 1
    else:
        return None
    try:
        return int(following.start_time.as_unit("ns").value)
    except (OverflowError, ValueError):  # the period ends after the last time pandas holds
        return int(np.iinfo(np.int64).max)


def _default_model() -> JourneyModel:
    from ..journey.model import JourneyModel

    return JourneyModel.default()


def _isin(series: pd.Series, values: list[Any], rows: np.ndarray | None = None) -> np.ndarray:
    """Whether each value (of `rows` only, when given) is in `values`; a categorical
    column is answered per category, then looked up by code."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        codes = series.cat.codes.to_numpy()
        if rows is not None:
            codes = codes[rows]
        per_category = np.append(series.cat.categories.isin(values), False)  # code -1: none
        return per_category[codes]
    part = series if rows is None else series.iloc[rows]
    return part.isin(values).to_numpy()


def _objects(series: pd.Series, rows: np.ndarray) -> np.ndarray:
    """The values at `rows` as a numpy object array (None where missing)."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        categories = np.append(np.asarray(series.cat.categories, dtype=object), None)
        return categories[series.cat.codes.to_numpy()[rows]]
    return series.iloc[rows].astype(object).to_numpy()


def _choice(name: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise InputError(f"{name} must be one of {', '.join(allowed)}; got {value!r}")


def _between(values: np.ndarray, low: Any, high: Any, where: str) -> np.ndarray:
    if low is not None and high is not None and low > high:
        raise InputError(f"{where}: the minimum {low} is above the maximum {high}")
    keep = np.ones(len(values), dtype=bool)
    if low is not None:
        keep &= values >= low
    if high is not None:
        keep &= values <= high
    return keep


def _duration_ns(value: Any, name: str) -> int:
    """A duration ('2h', '30min', a Timedelta, or seconds) in ns; zero allowed."""
    from ..durations import duration_ns

    return duration_ns(value, name, positive=False)


def _text(value: Any) -> Any:
    """A filter option as summary.json can hold it."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)
