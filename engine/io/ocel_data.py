"""What every OCEL reader fills in and flattening reads: the events, their attributes,
their relations to objects and the objects' types, kept as the file lists them. Lives apart
so that the readers (ocel_json, ocel_xml, ocel_sqlite, ocel_csv) and flattening share it
without importing each other."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError


@dataclass
class OcelData:
    """What flattening needs of any OCEL file: events, their relations, object types."""

    event_ids: list = field(default_factory=list)
    activities: list = field(default_factory=list)
    times: list = field(default_factory=list)
    attributes: dict[str, list] = field(default_factory=dict)
    attribute_types: dict[str, str] = field(default_factory=dict)
    rel_event: list[int] = field(default_factory=list)
    rel_object: list[str] = field(default_factory=list)
    object_types: dict[str, str] = field(default_factory=dict)
    declared: list[str] = field(default_factory=list)
    #: What the file calls the events' time, for errors about it ('time' in OCEL 2.0 JSON
    #: and XML, 'ocel_time' in SQLite, 'ocel:timestamp' in OCEL 1.0).
    time_field: str = "time"

    def add_event(self, event_id, activity, time, attributes: dict) -> int:
        index = len(self.event_ids)
        self.event_ids.append(None if event_id is None else str(event_id))
        self.activities.append(None if activity is None else str(activity))
        self.times.append(None if time is None else str(time))
        for name, value in attributes.items():
            values = self.attributes.setdefault(name, [])
            values.extend([None] * (index - len(values)))
            values.append(value)
        return index

    def relate(self, index: int, object_id: object) -> None:
        self.rel_event.append(index)
        self.rel_object.append(str(object_id))


def check_unique_events(data: OcelData, path: Path) -> None:
    """Refuse event ids given to more than one event: which one an id names is not
    the reader's to choose (pm4py keeps the last), nor is counting it twice."""
    ids = pd.Series(data.event_ids, dtype=object)
    repeated = ids[ids.duplicated(keep=False) & ids.notna()]
    if repeated.empty:
        return
    raise InputError(
        f"'{path}': {repeated_ids(repeated.tolist(), 'event')}; give each event its own id, "
        "or remove the repeated events"
    )


def repeated_ids(ids: list, noun: str, *, limit: int = 5) -> str:
    """'2 event ids appear more than once: 'e1' (2 times), 'e7' (3 times)', the ids in
    the order the file first gives them, the first `limit` of them."""
    counts = pd.Series(ids, dtype=object).value_counts(sort=False)
    shown = ", ".join(f"{i!r} ({n} times)" for i, n in counts.iloc[:limit].items())
    more = ", ..." if len(counts) > limit else ""
    if len(counts) == 1:
        return f"{noun} id {counts.index[0]!r} appears {counts.iloc[0]} times"
    return f"{len(counts):,} {noun} ids appear more than once: {shown}{more}"


def require_key(entry: object, key: str, label: str, where: str, path: Path) -> object:
    """`entry[key]`, or an error naming `label` when `entry` lacks it."""
    if not isinstance(entry, dict) or entry.get(key) is None:
        raise InputError(f"'{path}': {label} has no '{key}'; it is not valid {where}")
    return entry[key]


def set_object_type(data: OcelData, object_id: object, obj: object, key: str, path: Path) -> None:
    """Record the type (`obj[key]`) of an object; an object given two types is an error."""
    kind = require_key(obj, key, f"object '{object_id}'", "OCEL", path)
    object_id = str(object_id)
    known = data.object_types.setdefault(object_id, str(kind))
    if known != str(kind):
        raise InputError(
            f"'{path}': object '{object_id}' is declared with two types, '{known}' and "
            f"'{kind}'; give each object one type"
        )


def object_relations(data: OcelData, path: Path) -> pd.DataFrame:
    """(event, object, type) once per related pair, in the file's event order."""
    relations = pd.DataFrame(
        {
            "event": np.asarray(data.rel_event, dtype=np.int64),
            "object": pd.Series(data.rel_object, dtype=object),
        }
    )
    relations["type"] = relations["object"].map(data.object_types)
    unknown = relations["type"].isna()
    if unknown.any():
        first = int(np.flatnonzero(unknown.to_numpy())[0])
        event = data.event_ids[relations["event"].iat[first]]
        raise InputError(
            f"'{path}': event '{event}' relates to object '{relations['object'].iat[first]}', "
            f"which the file does not declare ({int(unknown.sum()):,} such relations); add "
            "the objects with their types, or remove the relations"
        )
    relations = relations.drop_duplicates(["event", "object"])
    return relations.sort_values("event", kind="stable").reset_index(drop=True)
