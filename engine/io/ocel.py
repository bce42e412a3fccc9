"""OCEL readers: an object-centric event log flattened on one object type.

Reads OCEL 2.0 (JSON, XML, SQLite) and OCEL 1.0 (JSON, flat CSV). Every object of the
chosen type becomes a case and the events related to it its touchpoints; an event related
to several objects of that type goes to each, as pm4py's `ocel_flattening` does. The
objects of the other types related to a journey's events become journey attributes: a text
column per type listing them (sorted ids joined by ', ') and a count column `n_<type>`.

This module is the entry: it tells the format, hands the file to its reader (ocel_json,
ocel_xml, ocel_sqlite, ocel_csv), each of which fills an OcelData (ocel_data), and
flattens that (ocel_flatten). XML is parsed as XES is: streaming, no entities, no DTD, no
network, and a file that declares a DOCTYPE or an ENTITY is refused. JSON is loaded whole
(OCEL JSON has no streaming layout: relations sit inside the events) and CSV is read row
by row. Relations to objects the file does not declare are an error, not skipped.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

from ..errors import InputError
from .ocel_csv import CSV_TYPE_PREFIX, read_csv
from .ocel_data import OcelData, check_unique_events, object_relations
from .ocel_flatten import (
    ACTIVITY,
    CASE,
    COUNT_PREFIX,
    EVENT_ID,
    RELATED,
    TIMESTAMP,
    Flattened,
    flatten,
)
from .ocel_json import read_json
from .ocel_relations import Include
from .ocel_sqlite import read_sqlite
from .ocel_xml import read_xml

__all__ = [
    "ACTIVITY",
    "CASE",
    "COUNT_PREFIX",
    "CSV_TYPE_PREFIX",
    "EVENT_ID",
    "OCEL_FORMATS",
    "RELATED",
    "TIMESTAMP",
    "Flattened",
    "Include",
    "is_ocel",
    "object_relations",
    "object_types",
    "ocel_format",
    "read_ocel_data",
    "read_ocel_frame",
]

#: format name -> file name endings that select it
OCEL_FORMATS = {
    "jsonocel": (".jsonocel", ".json"),
    "xmlocel": (".xmlocel", ".xml"),
    "sqlite": (".sqlite", ".sqlite3", ".db"),
    "csv": (".csv",),
}


def ocel_format(path: str | os.PathLike, format: str | None = None) -> str:
    """The OCEL format of `path`: `format` when given, else told by the file name."""
    if format is not None:
        if format not in OCEL_FORMATS:
            raise InputError(
                f"unknown OCEL format {format!r}; choose one of {', '.join(OCEL_FORMATS)}"
            )
        return format
    name = Path(path).name.lower()
    for fmt, endings in OCEL_FORMATS.items():
        if name.endswith(endings):
            return fmt
    endings = ", ".join(e for ends in OCEL_FORMATS.values() for e in ends)
    raise InputError(
        f"cannot tell the OCEL format of '{path}' from its name; name it with one of "
        f"{endings}, or pass format= one of {', '.join(OCEL_FORMATS)}"
    )


def is_ocel(path: str | os.PathLike) -> bool:
    """Whether `path` is an object-centric log: an OCEL file name, or a CSV whose header
    has OCEL 1.0 columns (ocel:type:...). Plain CSV, Parquet and XES are not."""
    name = Path(path).name.lower()
    if name.endswith(OCEL_FORMATS["csv"]):
        try:
            with open(path, newline="", encoding="utf-8-sig") as stream:
                header = next(csv.reader(stream), [])
        except (OSError, UnicodeDecodeError, csv.Error):
            return False
        return any(c.startswith(CSV_TYPE_PREFIX) for c in header)
    return any(name.endswith(e) for fmt, ends in OCEL_FORMATS.items() if fmt != "csv" for e in ends)


def object_types(path: str | os.PathLike, *, format: str | None = None) -> dict[str, int]:
    """Object types of an OCEL file -> how many objects of each some event relates to
    (the cases flattening on that type gives); types without such objects are left out."""
    data = read_ocel_data(Path(path), ocel_format(path, format))
    relations = object_relations(data, Path(path))
    counts = relations.drop_duplicates("object")["type"].value_counts()
    return {str(t): int(counts[t]) for t in sorted(counts.index)}


def read_ocel_frame(
    path: str | os.PathLike,
    *,
    object_type: str,
    format: str | None = None,
    include: tuple[Include, ...] = (),
) -> Flattened:
    """Flatten the OCEL file `path` on `object_type` into one row per (object, event).

    Rows keep the file's event order (ties in time keep it in the canonical log). Columns:
    case:concept:name (the object), concept:name, time:timestamp (text, as in the file),
    ocel:eid, the events' attributes, and per other object type a column of the journey's
    objects of that type and `n_<type>` counting them. With `include`, each journey also
    takes in the events of related objects that the specs name (an event once per journey
    however many related objects name it), `ocel:related` naming the type they came
    through; the object columns still count the journey's own events' objects.
    """
    path = Path(path)
    fmt = ocel_format(path, format)
    if not path.exists():
        raise InputError(f"log file '{path}' does not exist")
    return flatten(read_ocel_data(path, fmt), object_type, path, tuple(include))


def read_ocel_data(path: Path, fmt: str) -> OcelData:
    """The events, relations and object types of the OCEL file `path` in format `fmt`."""
    if not path.exists():
        raise InputError(f"log file '{path}' does not exist")
    if fmt == "jsonocel":
        data = read_json(path)
    elif fmt == "xmlocel":
        data = read_xml(path)
    elif fmt == "sqlite":
        data = read_sqlite(path)
    else:
        data = read_csv(path)
    check_unique_events(data, path)
    return data
