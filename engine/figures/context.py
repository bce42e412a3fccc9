"""What every journey figure's chunk needs from one part of a log (whole cases), in the
whole log's terms: the activity codes of the whole log's alphabet, the conversions
censored at the whole log's end of observation, and attribute columns coded against the
whole log's distinct values. On one machine the log is its only part, and these are the
log's own arrays; the results are kept on the part (`log.cache`) so that the figures
share them."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import InputError
from .quantiles import quantile_source

if TYPE_CHECKING:
    from ..journey.conversion import Conversions
    from ..journey.model import JourneyModel
    from ..log.eventlog import EventLog

#: reduce(chunk, combine, *args): `chunk(part, *args)` on every part of a log, the results
#: merged by `combine` (two or more results in, one out; the backends leave out parts
#: without events and pass a lone result on, cluster/tree.py:PresentOnly). One machine:
#: the log is its one part. Dask: the partitions, merged in a tree. None: no events.
Reduce = Callable[..., Any]


@dataclass(frozen=True)
class JourneySpec:
    """The whole log's terms a part is counted in."""

    model: JourneyModel
    names: np.ndarray  # the whole log's activities, sorted: a part's codes index it
    window_end: int  # the end of observation (ns): a journey unconverted by then is censored

    @property
    def n_stages(self) -> int:
        return len(self.model.stages)

    def stage_of_activity(self) -> np.ndarray:
        """Per code of `names`: its stage (-1: unmapped)."""
        return self.model.stage_codes(list(self.names))


def global_codes(part: EventLog, names: np.ndarray) -> np.ndarray:
    """The part's activity per event as a code into the whole log's sorted `names`: the
    part's own codes, no copy, when its alphabet is the whole log's (one machine), else
    int32 codes."""
    local = part.activity_names
    if len(local) == len(names) and (local == names).all():
        return part.activity
    codes = np.searchsorted(names, local)
    if len(codes) and (codes.max() >= len(names) or (names[codes] != local).any()):
        raise InputError("a part of the log has activities outside the log's alphabet")
    return codes.astype(np.int32)[part.activity]


def table_reduce(log: Any, chunk: Callable[..., Any], combine: Callable[..., Any]) -> Any:
    """One of the log's own tables (figures/log_tables.py) reduced over the log, on either
    backend: `chunk(part, names, whole)` over the whole log's activity names, whole on one
    machine. A log given as parts recognizes these arguments and counts the four tables in
    one pass."""
    return log.reduce(chunk, combine, log.activity_names, quantile_source(log).whole)


def converting_activities(model: JourneyModel, activity_names: np.ndarray) -> np.ndarray:
    """Per activity code: whether an event of it converts the journey."""
    conversion = model.conversion
    if conversion.activity is not None:
        return np.asarray(activity_names == conversion.activity)
    stage = model.stage_order(conversion.stage)
    return model.stage_codes(list(activity_names)) == stage


def converting_targets(
    model: JourneyModel, activity_names: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(per activity, per stage): whether a step into it is a converting step, one into a
    conversion event or the conversion stage (the stage named as the conversion, or the
    stage of the conversion activity)."""
    stage_of = model.stage_codes(list(activity_names))
    conversion = model.conversion
    if conversion.activity is not None:
        is_event = np.asarray(activity_names == conversion.activity, dtype=bool)
        mapped = model.touchpoints.get(conversion.activity)
        stage = model.stage_order(mapped) if mapped is not None else -1
    else:
        stage = model.stage_order(conversion.stage)
        is_event = stage_of == stage
    by_stage = np.arange(len(model.stages)) == stage
    return is_event | ((stage_of == stage) & (stage >= 0)), by_stage


def part_conversions(part: EventLog, model: JourneyModel, window_end: int) -> Conversions:
    """Per case of the part: converted, time to convert, time observed to `window_end`,
    the converting event (journey/conversion.py); computed once per part and conversion
    definition, the last one kept."""
    # Imported here: the log's own tables (DFG, variants) need no journey code.
    from ..journey.conversion import case_conversions, within_window

    converts = converting_activities(model, part.activity_names)
    key = hashlib.sha1(
        repr((model.conversion, int(window_end))).encode() + converts.tobytes()
    ).hexdigest()

    # One conversion definition kept at a time: 25 bytes a journey (560 MB at 22M).
    kept = part.cache("conversions", lambda log: {})
    if key not in kept:
        kept.clear()
        found = case_conversions(
            part.activity, part.case_offsets, part.timestamp, converts, window_end=window_end
        )
        kept[key] = within_window(found, model.conversion.window)
    return kept[key]


def check_column(attributes: Any, name: str) -> None:
    """One message for a journey attribute that was not read with the log."""
    if name not in attributes:
        raise InputError(
            f"column '{name}' was not read with the log; pass attributes=['{name}'] to "
            "read_log (--segment, --channel and --score do this on the command line)"
        )


@contextmanager
def kept_columns(reduce: Reduce, *columns: str | None) -> Iterator[None]:
    """The parts keep the codes and scores of `columns` for the rounds of one figure, then
    drop them: at 100M events one column's codes take 400 MB, its scores 800 MB."""
    try:
        yield
    finally:
        keys = [f"{kind}:{c}" for c in columns if c is not None for kind in ("codes", "scores")]
        if keys:
            reduce(_forget, _nothing, keys)


def _forget(part: EventLog, keys: list[str]) -> None:
    for key in keys:
        part.forget(key)


def _nothing(parts: list) -> None:
    return None


def column_codes(part: EventLog, column: str) -> tuple[np.ndarray, np.ndarray]:
    """The part's `column` per event as (code, -1 where missing; its sorted distinct values
    as text): journey/columns.category_codes, once per part."""
    from ..journey.columns import category_codes

    return part.cache(f"codes:{column}", lambda log: category_codes(log.attributes[column]))


def column_values(part: EventLog, column: str) -> np.ndarray:
    """The chunk of the round that finds a column's distinct values."""
    return column_codes(part, column)[1]


def union_values(parts: list[np.ndarray]) -> np.ndarray:
    """The combine of that round: the sorted union (as text)."""
    return np.unique(np.concatenate(parts).astype(object))  # as Python orders text


def distinct_values(reduce: Reduce, column: str) -> np.ndarray:
    """The whole log's distinct values of `column`, sorted as text."""
    found = reduce(column_values, union_values, column)
    return found if found is not None else np.zeros(0, dtype=object)


def codes_in(part: EventLog, column: str, names: np.ndarray) -> np.ndarray:
    """The part's `column` per event as a code into the whole log's sorted `names` (-1:
    missing); the part's own codes when its values are all of them."""
    codes, local = column_codes(part, column)
    if len(local) == len(names) and (local == names).all():
        return codes
    where = np.searchsorted(names, local).astype(np.int32)  # both sorted as Python does
    return np.where(codes >= 0, where[np.maximum(codes, 0)], -1).astype(np.int32)


def event_scores(part: EventLog, column: str) -> np.ndarray:
    """The part's `column` as float64 per event (NaN: no answer); an InputError naming the
    values that are not numbers. No copy of a float64 column."""

    def compute(log: EventLog) -> np.ndarray:
        raw = log.attributes[column]
        if pd.api.types.is_float_dtype(raw.dtype) or pd.api.types.is_integer_dtype(raw.dtype):
            return raw.to_numpy(dtype=float, na_value=np.nan)
        values = pd.to_numeric(raw, errors="coerce")
        unreadable = values.isna() & raw.notna()
        if unreadable.any():
            rows = np.flatnonzero(unreadable.to_numpy())
            raise InputError(
                f"score column '{column}' has {len(rows):,} values that are not numbers "
                f"(e.g. {raw.iloc[rows[0]]!r}); clean them or map another column"
            )
        return values.to_numpy(dtype=float, na_value=np.nan)

    return part.cache(f"scores:{column}", compute)


def sum_parts(parts: list[Any]) -> Any:
    """Elementwise sum of arrays, or of tuples of arrays."""
    if isinstance(parts[0], tuple):
        return tuple(np.sum(column, axis=0) for column in zip(*parts, strict=True))
    return np.sum(parts, axis=0)
