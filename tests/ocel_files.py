"""Small object-centric logs written in every OCEL layout, and the flattening they should give.

The oracle flattens from the plain description, independently of engine.io.ocel: a case per
object of the chosen type, its events ordered by time then file order, and per other type
the sorted ids of the objects its events relate to.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import quoteattr

LAYOUTS = ("jsonocel", "xmlocel", "sqlite", "json1", "csv")


@dataclass(frozen=True)
class Event:
    id: str
    activity: str
    time: str  # ISO 8601, naive: every layout stores it the same way
    objects: tuple[str, ...]
    attributes: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Spec:
    objects: dict[str, str]  # object id -> type
    events: list[Event]

    def types(self) -> list[str]:
        return sorted(set(self.objects.values()))


def example() -> Spec:
    """Two customers share a newsletter event, a tie in time keeps file order, one event
    relates to no customer, one order belongs to both customers."""
    objects = {"c1": "customers", "c2": "customers", "o1": "orders", "o2": "orders"}
    objects |= {"i1": "items", "i2": "items", "i3": "items"}
    t = "2024-03-0{}T{}:00:00"
    events = [
        Event("e1", "newsletter", t.format(1, "09"), ("c1", "c2"), {"channel": "email"}),
        Event("e2", "visit", t.format(1, 10), ("c1",), {"channel": "web"}),
        Event("e3", "cart", t.format(1, 11), ("c1", "o1", "i1", "i2"), {"channel": "web"}),
        Event("e4", "purchase", t.format(1, 11), ("c1", "o1"), {"channel": "web"}),
        Event("e5", "visit", t.format(2, "08"), ("c2",), {"channel": "app"}),
        Event("e6", "pick", t.format(2, "09"), ("i1", "i2", "i3")),
        Event("e7", "purchase", t.format(2, 12), ("c2", "o2", "o1", "i3"), {"channel": "app"}),
        Event("e0", "visit", t.format(1, "07"), ("c2",), {"channel": "store"}),
    ]
    return Spec(objects, events)


def expected(spec: Spec, object_type: str) -> dict[str, dict]:
    """case -> {'activities': [...], 'times': [...], type: 'a, b', 'n_' + type: 2, ...}."""
    cases: dict[str, dict] = {}
    order = sorted(range(len(spec.events)), key=lambda i: (spec.events[i].time, i))
    for i in order:
        event = spec.events[i]
        for case in dict.fromkeys(o for o in event.objects if spec.objects[o] == object_type):
            journey = cases.setdefault(case, {"activities": [], "times": [], "related": set()})
            journey["activities"].append(event.activity)
            journey["times"].append(event.time)
            journey["related"] |= {o for o in event.objects if spec.objects[o] != object_type}
    related_types = {spec.objects[o] for e in spec.events for o in e.objects}
    others = sorted(related_types - {object_type})
    for journey in cases.values():
        related = journey.pop("related")
        for kind in others:
            ids = sorted(o for o in related if spec.objects[o] == kind)
            journey[kind] = ", ".join(ids) if ids else None
            journey["n_" + kind] = len(ids)
    return cases


def write(spec: Spec, layout: str, folder: Path) -> Path:
    """Write `spec` in `layout` (one of LAYOUTS) into `folder`; return the file."""
    writer = {
        "jsonocel": _json2,
        "xmlocel": _xml2,
        "sqlite": _sqlite2,
        "json1": _json1,
        "csv": _csv1,
    }[layout]
    suffix = {"json1": ".jsonocel", "jsonocel": ".jsonocel"}.get(layout, "." + layout)
    path = folder / f"{layout}{suffix}"
    path.unlink(missing_ok=True)
    writer(spec, path)
    return path


def _attribute_names(spec: Spec) -> list[str]:
    return sorted({name for e in spec.events for name in e.attributes})


def _json2(spec: Spec, path: Path) -> None:
    activities = sorted({e.activity for e in spec.events})
    declared = [{"name": n, "type": "string"} for n in _attribute_names(spec)]
    document = {
        "objectTypes": [{"name": t, "attributes": []} for t in spec.types()],
        "eventTypes": [{"name": a, "attributes": declared} for a in activities],
        "objects": [{"id": o, "type": t} for o, t in spec.objects.items()],
        "events": [
            {
                "id": e.id,
                "type": e.activity,
                "time": e.time,
                "attributes": [{"name": n, "value": v} for n, v in e.attributes.items()],
                "relationships": [{"objectId": o, "qualifier": "q"} for o in e.objects],
            }
            for e in spec.events
        ],
    }
    path.write_text(json.dumps(document, indent=1), encoding="utf-8")


def _json1(spec: Spec, path: Path) -> None:
    document = {
        "ocel:global-event": {"ocel:activity": "__INVALID__"},
        "ocel:global-object": {"ocel:type": "__INVALID__"},
        "ocel:global-log": {"ocel:attribute-names": [], "ocel:object-types": spec.types()},
        "ocel:objects": {o: {"ocel:type": t, "ocel:ovmap": {}} for o, t in spec.objects.items()},
        "ocel:events": {
            e.id: {
                "ocel:activity": e.activity,
                "ocel:timestamp": e.time,
                "ocel:vmap": dict(e.attributes),
                "ocel:omap": list(e.objects),
            }
            for e in spec.events
        },
    }
    path.write_text(json.dumps(document), encoding="utf-8")


def _xml2(spec: Spec, path: Path) -> None:
    lines = ["<?xml version='1.0' encoding='UTF-8'?>", "<log>", "  <object-types>"]
    lines += [
        f"    <object-type name={quoteattr(t)}><attributes/></object-type>" for t in spec.types()
    ]
    lines += ["  </object-types>", "  <event-types>"]
    for activity in sorted({e.activity for e in spec.events}):
        lines.append(f"    <event-type name={quoteattr(activity)}><attributes>")
        lines += [
            f"      <attribute name={quoteattr(n)} type='string'/>" for n in _attribute_names(spec)
        ]
        lines.append("    </attributes></event-type>")
    lines += ["  </event-types>", "  <objects>"]
    lines += [
        f"    <object id={quoteattr(o)} type={quoteattr(t)}><attributes/><objects/></object>"
        for o, t in spec.objects.items()
    ]
    lines += ["  </objects>", "  <events>"]
    for e in spec.events:
        names = f"id={quoteattr(e.id)} type={quoteattr(e.activity)}"
        lines.append(f"    <event {names} time={quoteattr(e.time)}>")
        lines.append("      <attributes>")
        lines += [
            f"        <attribute name={quoteattr(n)}>{v}</attribute>"
            for n, v in e.attributes.items()
        ]
        lines.append("      </attributes>")
        lines.append("      <objects>")
        lines += [
            f"        <relationship object-id={quoteattr(o)} qualifier='q'/>" for o in e.objects
        ]
        lines += ["      </objects>", "    </event>"]
    lines += ["  </events>", "</log>"]
    path.write_text("\n".join(lines), encoding="utf-8")


def _sqlite2(spec: Spec, path: Path) -> None:
    """The OCEL 2.0 relational layout; the event table lists events in file order."""
    names = _attribute_names(spec)
    connection = sqlite3.connect(path)
    with connection:
        run = connection.execute
        run("CREATE TABLE event (ocel_id TEXT PRIMARY KEY, ocel_type TEXT)")
        run("CREATE TABLE object (ocel_id TEXT PRIMARY KEY, ocel_type TEXT)")
        run("CREATE TABLE event_object (ocel_event_id, ocel_object_id, ocel_qualifier TEXT)")
        run("CREATE TABLE event_map_type (ocel_type TEXT PRIMARY KEY, ocel_type_map TEXT)")
        run("CREATE TABLE object_map_type (ocel_type TEXT PRIMARY KEY, ocel_type_map TEXT)")
        for t in spec.types():
            run("INSERT INTO object_map_type VALUES (?, ?)", (t, t.replace(" ", "")))
        activities = sorted({e.activity for e in spec.events})
        columns = "".join(f', "{n}" TEXT' for n in names)
        for activity in activities:
            suffix = activity.replace(" ", "")
            run("INSERT INTO event_map_type VALUES (?, ?)", (activity, suffix))
            run(f'CREATE TABLE "event_{suffix}" (ocel_id TEXT, ocel_time TIMESTAMP{columns})')
        for o, t in spec.objects.items():
            run("INSERT INTO object VALUES (?, ?)", (o, t))
        # attribute tables filled in reverse: the event table's order must decide ties
        for e in reversed(spec.events):
            values = [e.id, e.time] + [e.attributes.get(n) for n in names]
            marks = ", ".join("?" * len(values))
            run(f'INSERT INTO "event_{e.activity.replace(" ", "")}" VALUES ({marks})', values)
        for e in spec.events:
            run("INSERT INTO event VALUES (?, ?)", (e.id, e.activity))
            for o in e.objects:
                run("INSERT INTO event_object VALUES (?, ?, 'q')", (e.id, o))
    connection.close()


def _csv1(spec: Spec, path: Path) -> None:
    import csv

    types = spec.types()
    names = _attribute_names(spec)
    with open(path, "w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(
            ["ocel:eid", "ocel:activity", "ocel:timestamp"]
            + [f"ocel:type:{t}" for t in types]
            + names
        )
        for e in spec.events:
            cells = []
            for t in types:
                ids = [o for o in e.objects if spec.objects[o] == t]
                cells.append(repr(ids) if ids else " ")
            writer.writerow(
                [e.id, e.activity, e.time, *cells, *(e.attributes.get(n, "") for n in names)]
            )
