"""OCEL 2.0 SQLite into OcelData: the database is opened read-only and its event, object
and relation tables are read in the order they hold them."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from ..errors import InputError, one_line
from .ocel_data import OcelData, repeated_ids, set_object_type

_SQLITE_TABLES = ("event", "object", "event_object", "event_map_type")


def read_sqlite(path: Path) -> OcelData:
    """Opened read-only; events in the order of the `event` table (by rowid, or by its
    primary key when it is WITHOUT ROWID)."""
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


def _sqlite_tables(connection: sqlite3.Connection, path: Path) -> OcelData:
    tables = {r[0] for r in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    missing = [t for t in _SQLITE_TABLES if t not in tables]
    if missing:
        raise InputError(
            f"'{path}' is SQLite but not OCEL 2.0: it lacks the table(s) "
            f"{', '.join(missing)}; export the log with an OCEL 2.0 tool"
        )
    data = OcelData(time_field="ocel_time")
    for object_id, kind in connection.execute("SELECT ocel_id, ocel_type FROM object"):
        set_object_type(data, object_id, {"type": kind}, "type", path)
    if "object_map_type" in tables:
        data.declared = [r[0] for r in connection.execute("SELECT ocel_type FROM object_map_type")]
    suffix = dict(connection.execute("SELECT ocel_type, ocel_type_map FROM event_map_type"))
    events = connection.execute(_in_stored_order(connection, "event", "ocel_id, ocel_type"))
    events = events.fetchall()
    table_of = {}
    for activity in sorted({kind for _, kind in events}):
        table = f"event_{suffix.get(activity, activity)}"
        if table not in tables:
            raise InputError(
                f"'{path}': events of type '{activity}' have no table '{table}'; it is not "
                "valid OCEL 2.0 SQLite"
            )
        table_of[activity] = table
    details = {table: _event_details(connection, table, path) for table in set(table_of.values())}
    index_of: dict[str, int] = {}
    for event_id, activity in events:
        time, attributes = details[table_of[activity]].get(str(event_id), (None, {}))
        index_of[str(event_id)] = data.add_event(event_id, activity, time, attributes)
    relations = connection.execute(
        _in_stored_order(connection, "event_object", "ocel_event_id, ocel_object_id")
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


def _event_details(
    connection: sqlite3.Connection, table: str, path: Path
) -> dict[str, tuple[object, dict]]:
    """Event id -> (time, attributes) from the type table `table`; an id with two rows
    is refused (which row holds the event's time is not the reader's to choose)."""
    cursor = connection.execute(f"SELECT * FROM {_quote(table)}")
    names = [d[0] for d in cursor.description]
    if "ocel_id" not in names or "ocel_time" not in names:
        raise InputError(f"'{path}': table '{table}' lacks ocel_id or ocel_time")
    details: dict[str, tuple[object, dict]] = {}
    repeated: list[str] = []
    for row in cursor:
        values = dict(zip(names, row, strict=True))
        event_id = str(values.pop("ocel_id"))
        if event_id in details:
            repeated.append(event_id)
        details[event_id] = (values.pop("ocel_time"), values)
    if repeated:
        listed = [*dict.fromkeys(repeated), *repeated]  # the first of each, then its repeats
        raise InputError(
            f"'{path}': {repeated_ids(listed, 'event')} in table '{table}', which holds one "
            "row of time and attributes per event; keep one row per event"
        )
    return details


def _in_stored_order(connection: sqlite3.Connection, table: str, columns: str) -> str:
    """The SELECT of `columns` from `table` in the order the table holds its rows: by
    rowid, or, in a table WITHOUT ROWID, by its primary key (the order it stores them)."""
    try:
        connection.execute(f"SELECT rowid FROM {_quote(table)} LIMIT 0")
    except sqlite3.OperationalError:  # no rowid: a primary key, which such a table must have
        info = connection.execute(f"PRAGMA table_info({_quote(table)})").fetchall()
        key = [_quote(row[1]) for row in sorted(info, key=lambda row: row[5]) if row[5] > 0]
        return f"SELECT {columns} FROM {_quote(table)} ORDER BY {', '.join(key)}"
    return f"SELECT {columns} FROM {_quote(table)} ORDER BY rowid"


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'
