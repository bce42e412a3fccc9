"""OCEL readers: an object-centric event log flattened on one object type.

Reads OCEL 2.0 (JSON, XML, SQLite) and OCEL 1.0 (JSON, flat CSV). Every object of the
chosen type becomes a case and the events related to it its touchpoints; an event related
to several objects of that type goes to each, as pm4py's `ocel_flattening` does. The
objects of the other types related to a journey's events become journey attributes: a text
column per type listing them (sorted ids joined by ', ') and a count column `n_<type>`.

XML is parsed as XES is: streaming, no entities, no DTD, no network, and a file that
declares a DOCTYPE or an ENTITY is refused. JSON is loaded whole (OCEL JSON has no
streaming layout: relations sit inside the events) and CSV is read row by row.
Relations to objects the file does not declare are an error, not skipped.
"""

from __future__ import annotations

import ast
import csv
import json
import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from lxml import etree

from ..errors import InputError, one_line
from .ocel_relations import Include, included_events
from .safexml import check_prolog, doctype_error, syntax_error

CASE = "case:concept:name"
ACTIVITY = "concept:name"
TIMESTAMP = "time:timestamp"
EVENT_ID = "ocel:eid"
COUNT_PREFIX = "n_"

#: format name -> file name endings that select it
OCEL_FORMATS = {
    "jsonocel": (".jsonocel", ".json"),
    "xmlocel": (".xmlocel", ".xml"),
    "sqlite": (".sqlite", ".sqlite3", ".db"),
    "csv": (".csv",),
}
CSV_TYPE_PREFIX = "ocel:type:"
_CSV_KEYS = ("ocel:eid", "ocel:activity", "ocel:timestamp")
_PROLOG_PEEK = 1 << 16
_NUMERIC_TYPES = {"integer", "int", "float", "double"}


@dataclass(frozen=True)
class Flattened:
    """The flattened events and what read_ocel keeps of them by default."""

    frame: pd.DataFrame
    object_columns: list[str]  # per other type: the objects' ids and their count
    event_attributes: list[str]  # the events' own attributes, as the file names them


@dataclass
class _Ocel:
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
    data = _read(Path(path), ocel_format(path, format))
    relations = _relations(data, Path(path))
    counts = relations.drop_duplicates("object")["type"].value_counts()
    return {str(t): int(counts[t]) for t in sorted(counts.index)}


#: The column naming, per row, the object type an included event came through ("" for
#: the journey's own events).
RELATED = "ocel:related"


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
    return _flatten(_read(path, fmt), object_type, path, tuple(include))


def _read(path: Path, fmt: str) -> _Ocel:
    if not path.exists():
        raise InputError(f"log file '{path}' does not exist")
    if fmt == "jsonocel":
        return _read_json(path)
    if fmt == "xmlocel":
        return _read_xml(path)
    if fmt == "sqlite":
        return _read_sqlite(path)
    return _read_csv(path)


def _relations(data: _Ocel, path: Path) -> pd.DataFrame:
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


def _flatten(
    data: _Ocel, object_type: str, path: Path, include: tuple[Include, ...] = ()
) -> Flattened:
    if not data.event_ids:
        raise InputError(f"'{path}' has no events; check that it is the whole log")
    relations = _relations(data, path)
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
    return Flattened(result, object_columns, list(data.attributes))


def _take(values: list, rows: np.ndarray) -> list:
    return [values[i] for i in rows]


def _attribute_column(values: list, declared: str | None, name: str, path: Path) -> pd.Series:
    """An event attribute as a column: numbers when declared or stored as numbers,
    booleans when stored as booleans, text otherwise (never guessed from text)."""
    series = pd.Series(values, dtype=object)
    present = [v for v in values if v is not None]
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


# --- JSON (OCEL 2.0 and 1.0) ---------------------------------------------------------------


def _read_json(path: Path) -> _Ocel:
    """Both JSON layouts, loaded whole; they differ in every key, so the top level tells."""
    try:
        with open(path, "rb") as stream:
            document = json.load(stream)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"'{path}' is not valid JSON ({one_line(exc)}); the file may be truncated: "
            "export it again"
        ) from None
    except UnicodeDecodeError as exc:
        raise InputError(
            f"'{path}' is not UTF-8 text ({one_line(exc)}): is it OCEL JSON?"
        ) from None
    if isinstance(document, dict) and "ocel:events" in document:
        return _json_v1(document, path)
    if isinstance(document, dict) and "events" in document:
        return _json_v2(document, path)
    raise InputError(
        f"'{path}' is JSON but not OCEL: it has no 'events' (OCEL 2.0) or 'ocel:events' "
        "(OCEL 1.0) at the top level"
    )


def _json_v2(document: dict, path: Path) -> _Ocel:
    data = _Ocel()
    where = "OCEL 2.0 JSON"
    types: dict[str, dict[str, str]] = {}
    for entry in _list(document.get("eventTypes", []), "eventTypes", path):
        types[entry.get("name")] = {
            a.get("name"): a.get("type") for a in entry.get("attributes") or []
        }
    data.declared = [t.get("name") for t in document.get("objectTypes") or []]
    for number, obj in enumerate(_list(document.get("objects", []), "objects", path)):
        _set_type(data, _key(obj, "id", f"object {number}", where, path), obj, "type", path)
    for number, event in enumerate(_list(document["events"], "events", path)):
        label = f"event {number}"
        activity = _key(event, "type", label, where, path)
        attributes = {}
        for attribute in event.get("attributes") or []:
            name = _key(attribute, "name", label, where, path)
            attributes[name] = attribute.get("value")
            declared = types.get(activity, {}).get(name)
            if declared is not None:
                data.attribute_types.setdefault(name, declared)
        index = data.add_event(
            _key(event, "id", label, where, path), activity, event.get("time"), attributes
        )
        for relation in event.get("relationships") or []:
            data.relate(index, _key(relation, "objectId", label, where, path))
    return data


def _json_v1(document: dict, path: Path) -> _Ocel:
    data = _Ocel()
    where = "OCEL 1.0 JSON"
    log = document.get("ocel:global-log") or {}
    data.declared = list(log.get("ocel:object-types") or [])
    objects = document.get("ocel:objects") or {}
    if not isinstance(objects, dict):
        raise InputError(f"'{path}': 'ocel:objects' must map object ids to objects ({where})")
    for object_id, obj in objects.items():
        _set_type(data, object_id, obj, "ocel:type", path)
    events = document["ocel:events"]
    if not isinstance(events, dict):
        raise InputError(f"'{path}': 'ocel:events' must map event ids to events ({where})")
    for event_id, event in events.items():
        label = f"event '{event_id}'"
        activity = _key(event, "ocel:activity", label, where, path)
        vmap = event.get("ocel:vmap") or {}
        index = data.add_event(event_id, activity, event.get("ocel:timestamp"), vmap)
        for object_id in event.get("ocel:omap") or []:
            data.relate(index, object_id)
    return data


def _list(value: object, key: str, path: Path) -> list:
    if not isinstance(value, list):
        raise InputError(f"'{path}': '{key}' must be a list (OCEL 2.0 JSON)")
    return value


def _key(entry: object, key: str, label: str, where: str, path: Path) -> object:
    if not isinstance(entry, dict) or entry.get(key) is None:
        raise InputError(f"'{path}': {label} has no '{key}'; it is not valid {where}")
    return entry[key]


def _set_type(data: _Ocel, object_id: object, obj: object, key: str, path: Path) -> None:
    kind = _key(obj, key, f"object '{object_id}'", "OCEL", path)
    object_id = str(object_id)
    known = data.object_types.setdefault(object_id, str(kind))
    if known != str(kind):
        raise InputError(
            f"'{path}': object '{object_id}' is declared with two types, '{known}' and "
            f"'{kind}'; give each object one type"
        )


# --- XML (OCEL 2.0) ------------------------------------------------------------------------


def _read_xml(path: Path) -> _Ocel:
    """Streamed: each object and event is handled at its end tag, then freed."""
    _refuse_doctype(path)
    data = _Ocel()
    types: dict[str, dict[str, str]] = {}
    try:
        with open(path, "rb") as stream:
            context = etree.iterparse(
                stream,
                events=("end",),
                tag=("{*}object-type", "{*}event-type", "{*}object", "{*}event", "{*}global"),
                resolve_entities=False,
                load_dtd=False,
                no_network=True,
                huge_tree=False,
                remove_comments=True,
                remove_pis=True,
            )
            checked = False
            for _, elem in context:
                if not checked:
                    if elem.getroottree().docinfo.doctype:
                        raise doctype_error(path, "OCEL")
                    checked = True
                tag = _local(elem.tag)
                if tag == "global":
                    raise InputError(
                        f"'{path}' is OCEL 1.0 XML, which parcours does not read; convert "
                        "it to OCEL 2.0 or JSON (e.g. pm4py.read_ocel then write_ocel2_json)"
                    )
                if tag == "object-type":
                    data.declared.append(elem.get("name"))
                elif tag == "event-type":
                    types[elem.get("name")] = {
                        a.get("name"): a.get("type") for a in elem.iter("{*}attribute")
                    }
                elif tag == "object":
                    object_id = elem.get("id")
                    if object_id is None:
                        raise InputError(
                            f"'{path}': an <object> has no id (line {elem.sourceline})"
                        )
                    _set_type(data, object_id, dict(elem.attrib), "type", path)
                else:
                    _xml_event(data, elem, types, path)
                _free(elem)
    except InputError:
        raise
    except etree.XMLSyntaxError as exc:
        raise syntax_error(exc, path, "OCEL") from None
    return data


def _xml_event(data: _Ocel, elem: etree._Element, types: dict, path: Path) -> None:
    activity = elem.get("type")
    if elem.get("id") is None or activity is None:
        raise InputError(
            f"'{path}': the <event> at line {elem.sourceline} has no id or no type; "
            "it is not valid OCEL 2.0 XML"
        )
    attributes = {}
    relations = []
    for child in elem:
        tag = _local(child.tag)
        if tag == "attributes":
            for attribute in child:
                name = attribute.get("name")
                if name is not None:
                    attributes[name] = attribute.text
                    declared = types.get(activity, {}).get(name)
                    if declared is not None:
                        data.attribute_types.setdefault(name, declared)
        elif tag == "objects":
            relations += [r.get("object-id") for r in child if r.get("object-id") is not None]
    index = data.add_event(elem.get("id"), activity, elem.get("time"), attributes)
    for object_id in relations:
        data.relate(index, object_id)


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _refuse_doctype(path: Path) -> None:
    with open(path, "rb") as stream:
        head = stream.read(_PROLOG_PEEK)
    check_prolog(head, path, "OCEL")


def _free(elem: etree._Element) -> None:
    elem.clear()
    parent = elem.getparent()
    if parent is not None:
        while elem.getprevious() is not None:
            del parent[0]


# --- SQLite (OCEL 2.0) ---------------------------------------------------------------------

_SQLITE_TABLES = ("event", "object", "event_object", "event_map_type")


def _read_sqlite(path: Path) -> _Ocel:
    """Opened read-only; events in the order of the `event` table."""
    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise InputError(f"'{path}' could not be opened as SQLite ({one_line(exc)})") from None
    try:
        return _sqlite_tables(connection, path)
    except sqlite3.DatabaseError as exc:
        raise InputError(
            f"'{path}' is not a readable OCEL 2.0 SQLite database ({one_line(exc)})"
        ) from None
    finally:
        connection.close()


def _sqlite_tables(connection: sqlite3.Connection, path: Path) -> _Ocel:
    tables = {r[0] for r in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    missing = [t for t in _SQLITE_TABLES if t not in tables]
    if missing:
        raise InputError(
            f"'{path}' is SQLite but not OCEL 2.0: it lacks the table(s) "
            f"{', '.join(missing)}; export the log with an OCEL 2.0 tool"
        )
    data = _Ocel()
    for object_id, kind in connection.execute("SELECT ocel_id, ocel_type FROM object"):
        _set_type(data, object_id, {"type": kind}, "type", path)
    if "object_map_type" in tables:
        data.declared = [r[0] for r in connection.execute("SELECT ocel_type FROM object_map_type")]
    suffix = dict(connection.execute("SELECT ocel_type, ocel_type_map FROM event_map_type"))
    events = connection.execute("SELECT ocel_id, ocel_type FROM event ORDER BY rowid").fetchall()
    details: dict[str, tuple] = {}
    for activity in sorted({kind for _, kind in events}):
        table = f"event_{suffix.get(activity, activity)}"
        if table not in tables:
            raise InputError(
                f"'{path}': events of type '{activity}' have no table '{table}'; it is not "
                "valid OCEL 2.0 SQLite"
            )
        cursor = connection.execute(f"SELECT * FROM {_quote(table)}")
        names = [d[0] for d in cursor.description]
        if "ocel_id" not in names or "ocel_time" not in names:
            raise InputError(f"'{path}': table '{table}' lacks ocel_id or ocel_time")
        for row in cursor:
            values = dict(zip(names, row, strict=True))
            details[str(values.pop("ocel_id"))] = (values.pop("ocel_time"), values)
    index_of: dict[str, int] = {}
    for event_id, activity in events:
        time, attributes = details.get(str(event_id), (None, {}))
        index_of[str(event_id)] = data.add_event(event_id, activity, time, attributes)
    relations = connection.execute(
        "SELECT ocel_event_id, ocel_object_id FROM event_object ORDER BY rowid"
    )
    for event_id, object_id in relations:
        index = index_of.get(str(event_id))
        if index is None:
            raise InputError(
                f"'{path}': table event_object relates event '{event_id}', which table "
                "event does not have; it is not valid OCEL 2.0 SQLite"
            )
        data.relate(index, object_id)
    return data


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


# --- CSV (OCEL 1.0 flat table) -------------------------------------------------------------


def _read_csv(path: Path) -> _Ocel:
    """Read row by row. Object columns (ocel:type:TYPE) hold Python-style lists of ids,
    e.g. ['o1', 'o2'], as pm4py writes them; an empty or blank cell is no object."""
    data = _Ocel()
    try:
        with open(path, newline="", encoding="utf-8-sig") as stream:
            reader = csv.reader(stream)
            header = next(reader, None)
            if header is None:
                raise InputError(f"'{path}' is empty")
            missing = [c for c in _CSV_KEYS if c not in header]
            kinds = {i: c[len(CSV_TYPE_PREFIX) :] for i, c in enumerate(header)}
            kinds = {i: k for i, k in kinds.items() if header[i].startswith(CSV_TYPE_PREFIX)}
            if missing or not kinds:
                lacking = missing + ([] if kinds else ["ocel:type:<type> columns"])
                raise InputError(
                    f"'{path}' is not an OCEL 1.0 CSV: it lacks {', '.join(lacking)}; "
                    "read a plain CSV with read_log instead"
                )
            data.declared = list(kinds.values())
            keys = [header.index(c) for c in _CSV_KEYS]
            plain = [i for i, c in enumerate(header) if i not in kinds and i not in keys]
            for line, row in enumerate(reader, start=2):
                if len(row) != len(header):
                    raise InputError(
                        f"'{path}' line {line} has {len(row)} fields, the header "
                        f"{len(header)}; fix the quoting or the separator"
                    )
                values = [row[i] or None for i in keys]
                attributes = {header[i]: row[i] for i in plain if row[i] != ""}
                index = data.add_event(*values, attributes)
                for i, kind in kinds.items():
                    for object_id in _csv_objects(row[i], header[i], line, path):
                        _set_type(data, object_id, {"type": kind}, "type", path)
                        data.relate(index, object_id)
    except UnicodeDecodeError as exc:
        raise InputError(f"'{path}' is not UTF-8 text ({one_line(exc)})") from None
    except csv.Error as exc:
        raise InputError(f"'{path}' is not a readable CSV ({one_line(exc)})") from None
    return data


def _csv_objects(cell: str, column: str, line: int, path: Path) -> list:
    text = cell.strip()
    if not text:
        return []
    try:
        parsed = ast.literal_eval(text) if text.startswith("[") else None
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        parsed = None
    if not isinstance(parsed, list) or any(
        not isinstance(v, str | int) or isinstance(v, bool) for v in parsed
    ):
        raise InputError(
            f"'{path}' line {line}, column '{column}' holds {cell[:60]!r}, not a list of "
            "object ids such as ['o1', 'o2']; fix the cell or leave it empty"
        )
    return [str(v) for v in parsed]
