"""Flattening an OCEL log on one object type: a row per (object, event), the objects of
the other types as journey attributes, the events' attributes as typed columns. Split from
the readers because it works the same on whatever file format the events came from."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from ..errors import InputError
from ..log.columns import NULLABLE_INTEGERS
from .ocel_data import OcelData, object_relations
from .ocel_relations import Include, included_events

CASE = "case:concept:name"
ACTIVITY = "concept:name"
TIMESTAMP = "time:timestamp"
EVENT_ID = "ocel:eid"
COUNT_PREFIX = "n_"

#: The column naming, per row, the object type an included event came through ("" for
#: the journey's own events).
RELATED = "ocel:related"

_NUMERIC_TYPES = {"integer", "int", "float", "double"}
_INTEGER_TYPES = {"integer", "int"}
#: A whole number as text: an optional sign and digits, blanks around.
_WHOLE = re.compile(r"\s*[+-]?[0-9]+\s*")


@dataclass(frozen=True)
class Flattened:
    """The flattened events and what read_ocel keeps of them by default."""

    frame: pd.DataFrame
    object_columns: list[str]  # per other type: the objects' ids and their count
    event_attributes: list[str]  # the events' own attributes, as the file names them
    time_field: str  # what the file calls the events' time (OcelData.time_field)


def flatten(
    data: OcelData, object_type: str, path: Path, include: tuple[Include, ...] = ()
) -> Flattened:
    """`data` flattened on `object_type` (see read_ocel_frame for the columns)."""
    if not data.event_ids:
        raise InputError(f"'{path}' has no events; check that it is the whole log")
    relations = object_relations(data, path)
    present = sorted(relations["type"].unique())
    if object_type not in present:
        if object_type in data.declared or object_type in set(data.object_types.values()):
            problem = f"no event in '{path}' relates to an object of type '{object_type}'"
        else:
            problem = f"'{path}' has no object type '{object_type}'"
        raise InputError(
            f"{problem}; choose one of its object types with events: "
            + ", ".join(repr(t) for t in present)
        )
    mine = relations[relations["type"] == object_type]
    own = mine[["event", "object"]].rename(columns={"object": "case"}).assign(related="")
    taken_in = [
        included_events(data.activities, relations, object_type, spec, path).assign(
            related=spec.object_type
        )
        for spec in include
    ]
    if taken_in:  # each event once per journey, its own relation first; the file's order
        rows_of = pd.concat([own, *taken_in], ignore_index=True)
        rows_of = rows_of.drop_duplicates(["event", "case"]).sort_values("event", kind="stable")
    else:
        rows_of = own
    rows = rows_of["event"].to_numpy()
    cases = rows_of["case"].to_numpy()
    frame: dict[str, object] = {
        CASE: pd.Series(cases, dtype="str"),
        ACTIVITY: pd.Series(_take(data.activities, rows), dtype="str"),
        TIMESTAMP: pd.Series(_take(data.times, rows), dtype="str"),
        EVENT_ID: pd.Series(_take(data.event_ids, rows), dtype="str"),
    }
    if include:
        frame[RELATED] = pd.Series(rows_of["related"].to_numpy(), dtype="str")
    object_columns = [RELATED] if include else []
    others = relations[relations["type"] != object_type]
    pairs = (
        own.drop(columns="related")
        .merge(others, on="event")
        .drop_duplicates(["case", "object"])
        .sort_values(["case", "type", "object"])
    )
    case_index = pd.Index(cases)
    for kind in [t for t in present if t != object_type]:
        of_kind = pairs[pairs["type"] == kind].groupby("case", sort=False)["object"]
        listed = of_kind.agg(", ".join)
        counts = of_kind.size()
        frame[kind] = pd.Series(listed.reindex(case_index).to_numpy(), dtype="str")
        count_name = COUNT_PREFIX + kind
        frame[count_name] = counts.reindex(case_index).fillna(0).to_numpy(dtype=np.int64)
        object_columns += [kind, count_name]
    taken = set(frame)
    for name, values in data.attributes.items():
        if name in taken:
            raise InputError(
                f"'{path}': the event attribute '{name}' has the name of a column flattening "
                f"makes ({', '.join(repr(c) for c in frame)}); rename the attribute in the file"
            )
        values.extend([None] * (len(data.event_ids) - len(values)))
        column = _attribute_column(values, data.attribute_types.get(name), name, path)
        frame[name] = column.iloc[rows].reset_index(drop=True)
    result = pd.DataFrame(frame, index=pd.RangeIndex(len(rows)))
    return Flattened(result, object_columns, list(data.attributes), data.time_field)


def _take(values: list, rows: np.ndarray) -> list:
    return [values[i] for i in rows]


def _attribute_column(values: list, declared: str | None, name: str, path: Path) -> pd.Series:
    """An event attribute as a column: numbers when declared or stored as numbers,
    booleans when stored as booleans, text otherwise (never guessed from text). Whole
    numbers declared or stored as integers are int64, Int64 where one is missing (every
    digit kept: float64 would round past 2**53)."""
    series = pd.Series(values, dtype=object)
    present = [v for v in values if v is not None]
    declared_integer = declared is not None and declared.lower() in _INTEGER_TYPES
    stored_integer = bool(present) and all(
        isinstance(v, int) and not isinstance(v, bool) for v in present
    )
    if declared_integer or (declared is None and stored_integer):
        whole = _whole_numbers(values)
        if whole is not None:
            return whole
    if declared is not None and declared.lower() in _NUMERIC_TYPES:
        numbers = pd.to_numeric(series, errors="coerce")
        bad = numbers.isna() & series.notna()
        if bad.any():
            example = series[bad].iloc[0]
            raise InputError(
                f"'{path}': event attribute '{name}' is declared {declared} but holds "
                f"{int(bad.sum()):,} values that are not numbers (e.g. {example!r}); fix the "
                "values or the declared type"
            )
        return numbers
    if present and all(isinstance(v, bool) for v in present):
        return series.astype("boolean")
    if present and all(isinstance(v, int | float) and not isinstance(v, bool) for v in present):
        return pd.to_numeric(series)
    return series.map(lambda v: v if v is None or isinstance(v, str) else str(v)).astype("str")


def _whole_numbers(values: list) -> pd.Series | None:
    """`values` (integers, their text, None where missing) as int64, or as Int64 when one
    is missing; None when one is not a whole number int64 holds (the caller's reading
    then decides)."""
    numbers: list[int | None] = []
    for value in values:
        if value is None or (isinstance(value, int) and not isinstance(value, bool)):
            numbers.append(value)
        elif isinstance(value, str) and _WHOLE.fullmatch(value):
            numbers.append(int(value))
        else:
            return None
    try:
        array = pa.array(numbers, type=pa.int64())
    except (pa.ArrowInvalid, OverflowError):  # beyond int64
        return None
    if array.null_count:
        return array.to_pandas(types_mapper=NULLABLE_INTEGERS.get)
    return pd.Series(array.to_numpy())
