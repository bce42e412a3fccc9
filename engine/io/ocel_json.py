"""OCEL JSON, both layouts (2.0 and 1.0), into OcelData. Loaded whole: OCEL JSON has no
streaming layout, since relations sit inside the events."""

from __future__ import annotations

import json
from pathlib import Path

from ..errors import InputError, one_line
from .ocel_data import OcelData, repeated_ids, require_key, set_object_type


def read_json(path: Path) -> OcelData:
    """Both JSON layouts, loaded whole; they differ in every key, so the top level tells."""
    keys = _RepeatedKeys()
    try:
        with open(path, "rb") as stream:
            document = json.load(stream, object_pairs_hook=keys)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"'{path}' is not valid JSON ({one_line(exc)}); the file may be truncated: "
            "export it again"
        ) from None
    except UnicodeDecodeError as exc:
        raise InputError(
            f"'{path}' is not UTF-8 text ({one_line(exc)}): is it OCEL JSON?"
        ) from None
    keys.check(document, path)
    if isinstance(document, dict) and "ocel:events" in document:
        return _json_v1(document, path)
    if isinstance(document, dict) and "events" in document:
        return _json_v2(document, path)
    raise InputError(
        f"'{path}' is JSON but not OCEL: it has no 'events' (OCEL 2.0) or 'ocel:events' "
        "(OCEL 1.0) at the top level"
    )


class _RepeatedKeys:
    """json.load's object_pairs_hook: the objects made, noting keys given twice in one
    object, of which JSON keeps only the last value (OCEL 1.0 maps event ids to events,
    so a repeated id would silently lose an event)."""

    def __init__(self) -> None:
        self.repeated: list[tuple[str, dict]] = []  # (key, the object it repeats in)

    def __call__(self, pairs: list[tuple[str, object]]) -> dict:
        made = dict(pairs)
        if len(made) != len(pairs):
            seen: set[str] = set()
            for key, _ in pairs:
                if key in seen:
                    self.repeated.append((key, made))
                seen.add(key)
        return made

    def check(self, document: object, path: Path) -> None:
        """Refuse the repeated keys, naming the event or object ids among them."""
        if not self.repeated:
            return
        for top, noun in (("ocel:events", "event"), ("ocel:objects", "object")):
            mapping = document.get(top) if isinstance(document, dict) else None
            ids = [key for key, made in self.repeated if made is mapping]
            if ids:
                listed = [*dict.fromkeys(ids), *ids]  # the first of each, then its repeats
                raise InputError(
                    f"'{path}': {repeated_ids(listed, noun)} in '{top}', of which JSON keeps "
                    f"only the last; give each {noun} its own id, or remove the repeated ones"
                )
        key, n = self.repeated[0][0], len(self.repeated)
        more = f" ({n:,} repeated keys in all)" if n > 1 else ""
        raise InputError(
            f"'{path}': the key {key!r} appears twice in one JSON object{more}, of which JSON "
            "keeps only the last value; remove the repeated keys"
        )


def _json_v2(document: dict, path: Path) -> OcelData:
    data = OcelData()
    where = "OCEL 2.0 JSON"
    types: dict[str, dict[str, str]] = {}
    for entry in _list(document.get("eventTypes", []), "eventTypes", path):
        types[entry.get("name")] = {
            a.get("name"): a.get("type") for a in entry.get("attributes") or []
        }
    data.declared = [t.get("name") for t in document.get("objectTypes") or []]
    for number, obj in enumerate(_list(document.get("objects", []), "objects", path)):
        set_object_type(
            data, require_key(obj, "id", f"object {number}", where, path), obj, "type", path
        )
    for number, event in enumerate(_list(document["events"], "events", path)):
        label = f"event {number}"
        activity = require_key(event, "type", label, where, path)
        attributes = {}
        for attribute in event.get("attributes") or []:
            name = require_key(attribute, "name", label, where, path)
            attributes[name] = attribute.get("value")
            declared = types.get(activity, {}).get(name)
            if declared is not None:
                data.attribute_types.setdefault(name, declared)
        index = data.add_event(
            require_key(event, "id", label, where, path), activity, event.get("time"), attributes
        )
        for relation in event.get("relationships") or []:
            data.relate(index, require_key(relation, "objectId", label, where, path))
    return data


def _json_v1(document: dict, path: Path) -> OcelData:
    data = OcelData(time_field="ocel:timestamp")
    where = "OCEL 1.0 JSON"
    log = document.get("ocel:global-log") or {}
    data.declared = list(log.get("ocel:object-types") or [])
    objects = document.get("ocel:objects") or {}
    if not isinstance(objects, dict):
        raise InputError(f"'{path}': 'ocel:objects' must map object ids to objects ({where})")
    for object_id, obj in objects.items():
        set_object_type(data, object_id, obj, "ocel:type", path)
    events = document["ocel:events"]
    if not isinstance(events, dict):
        raise InputError(f"'{path}': 'ocel:events' must map event ids to events ({where})")
    for event_id, event in events.items():
        label = f"event '{event_id}'"
        activity = require_key(event, "ocel:activity", label, where, path)
        vmap = event.get("ocel:vmap") or {}
        index = data.add_event(event_id, activity, event.get("ocel:timestamp"), vmap)
        for object_id in event.get("ocel:omap") or []:
            data.relate(index, object_id)
    return data


def _list(value: object, key: str, path: Path) -> list:
    if not isinstance(value, list):
        raise InputError(f"'{path}': '{key}' must be a list (OCEL 2.0 JSON)")
    return value
