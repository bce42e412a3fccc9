"""read_ocel: every OCEL layout flattened on an object type, checked against an oracle
written from the plain description (tests/ocel_files.py), and bad files refused clearly."""

from __future__ import annotations

import json
import sqlite3

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import engine
from engine.datasets import dataset_path
from engine.errors import InputError
from engine.io.ocel import is_ocel, object_types, read_ocel_frame
from engine.journey import JourneyModel
from tests.ocel_files import LAYOUTS, Event, Spec, example, expected, write

SHIPPED = dataset_path("ocel20_example.jsonocel")


def journeys(log: engine.EventLog) -> dict[str, dict]:
    """case -> activities, times (naive ISO text) and journey attributes, from the log."""
    names = log.activity_names
    times = pd.Series(log.timestamp.view("datetime64[ns]")).dt.strftime("%Y-%m-%dT%H:%M:%S")
    result = {}
    for c, case in enumerate(log.case_ids):
        lo, hi = log.case_offsets[c], log.case_offsets[c + 1]
        journey = {
            "activities": [str(a) for a in names[log.activity[lo:hi]]],
            "times": times.iloc[lo:hi].tolist(),
        }
        for column, values in log.attributes.items():
            if column == "channel":
                continue
            seen = values.iloc[lo:hi]
            assert seen.nunique(dropna=False) == 1, f"{column} is not constant in case {case}"
            value = seen.iloc[0]
            journey[column] = None if pd.isna(value) else value
        result[str(case)] = journey
    return result


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("object_type", ["customers", "orders", "items"])
def test_every_layout_matches_the_oracle(tmp_path, layout, object_type):
    spec = example()
    path = write(spec, layout, tmp_path)
    log = engine.read_ocel(path, object_type=object_type)
    assert journeys(log) == expected(spec, object_type)
    assert log.n_events == sum(len(j["activities"]) for j in expected(spec, object_type).values())


def test_an_event_of_two_objects_goes_to_each(tmp_path):
    path = write(example(), "jsonocel", tmp_path)
    log = engine.read_ocel(path, object_type="customers")
    got = journeys(log)
    assert got["c1"]["activities"][0] == got["c2"]["activities"][1] == "newsletter"
    # a tie in time (cart, purchase at 11:00) keeps the file's order
    assert got["c1"]["activities"] == ["newsletter", "visit", "cart", "purchase"]


def test_event_attributes_on_request(tmp_path):
    spec = example()
    for layout in LAYOUTS:
        path = write(spec, layout, tmp_path)
        log = engine.read_ocel(path, object_type="customers", attributes=["channel"])
        rows = log.source_row
        frame = read_ocel_frame(path, object_type="customers").frame
        assert log.attributes["channel"].tolist() == frame["channel"].iloc[rows].tolist()
        first = {
            case: log.attributes["channel"].iloc[log.case_offsets[c]]
            for c, case in enumerate(log.case_ids)
        }
        assert first == {"c1": "email", "c2": "store"}, layout


def test_shipped_example_matches_its_own_json(tmp_path):
    """The shipped OCEL 2.0 example against an oracle read with json alone."""
    document = json.loads(SHIPPED.read_text(encoding="utf-8"))
    objects = {o["id"]: o["type"] for o in document["objects"]}
    events = [
        Event(
            e["id"],
            e["type"],
            pd.Timestamp(e["time"]).tz_convert(None).strftime("%Y-%m-%dT%H:%M:%S"),
            tuple(r["objectId"] for r in e.get("relationships", [])),
        )
        for e in document["events"]
    ]
    spec = Spec(objects, events)
    assert (len(events), len(objects), len(spec.types())) == (13, 9, 4)  # published
    assert object_types(SHIPPED) == {
        t: sum(1 for o, k in objects.items() if k == t) for t in spec.types()
    }
    for object_type in spec.types():
        log = engine.read_ocel(SHIPPED, object_type=object_type)
        assert journeys(log) == expected(spec, object_type), object_type


def test_journey_segments_by_a_count(tmp_path):
    spec = example()
    log = engine.read_ocel(write(spec, "jsonocel", tmp_path), object_type="customers")
    model = JourneyModel.from_stages(
        {"aware": ["newsletter", "visit"], "buy": ["cart", "purchase"]}, conversion="purchase"
    )
    table = log.journey(model).segments("n_orders", min_journeys=1)
    truth = expected(spec, "customers")
    counts = pd.Series([j["n_orders"] for j in truth.values()]).value_counts()
    got = table.set_index("segment")["journeys"]
    assert {str(k): int(v) for k, v in got.items()} == {str(k): int(v) for k, v in counts.items()}


def test_shipped_example_segments(tmp_path):
    log = engine.read_ocel(SHIPPED, object_type="Purchase Order")
    model = JourneyModel.from_stages(
        {"order": ["Create Purchase Order", "Change PO Quantity"], "invoice": ["Insert Invoice"]},
        conversion="Insert Invoice",
    )
    table = log.journey(model).segments("n_Invoice", min_journeys=1)
    assert table["journeys"].sum() == log.n_cases


@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_random_logs_match_the_oracle_in_every_layout(tmp_path_factory, data):
    kinds = {"a": "alpha", "b": "beta", "c": "gamma"}
    names = [f"{k}{i}" for k in kinds for i in range(4)]
    ids = data.draw(st.lists(st.sampled_from(names), min_size=2, unique=True))
    objects = {o: kinds[o[0]] for o in ids}
    n = data.draw(st.integers(1, 12))
    events = []
    for i in range(n):
        related = data.draw(st.lists(st.sampled_from(ids), max_size=4, unique=True))
        hour = data.draw(st.integers(0, 3))  # few distinct times: many ties
        activity = data.draw(st.sampled_from(["x", "y", "z w"]))
        events.append(Event(f"e{i}", activity, f"2024-01-01T0{hour}:00:00", tuple(related)))
    spec = Spec(objects, events)
    related_types = sorted({objects[o] for e in events for o in e.objects})
    folder = tmp_path_factory.mktemp("ocel")
    for layout in LAYOUTS:
        path = write(spec, layout, folder)
        for object_type in related_types:
            log = engine.read_ocel(path, object_type=object_type)
            assert journeys(log) == expected(spec, object_type), (layout, object_type)


# --- what read_ocel refuses, in one line ------------------------------------------------------


def refused(match: str, call, *args, **kwargs) -> str:
    with pytest.raises(InputError, match=match) as info:
        call(*args, **kwargs)
    message = str(info.value)
    assert "\n" not in message
    return message


def test_unknown_object_type_lists_the_types(tmp_path):
    path = write(example(), "jsonocel", tmp_path)
    message = refused("no object type 'clients'", engine.read_ocel, path, object_type="clients")
    assert "'customers', 'items', 'orders'" in message


def test_declared_type_without_events(tmp_path):
    spec = example()
    path = write(spec, "csv", tmp_path)
    text = path.read_text().splitlines()
    text[0] += ",ocel:type:returns"
    path.write_text("\n".join([text[0]] + [line + ", " for line in text[1:]]))
    refused(
        "no event .* relates to an object of type 'returns'",
        engine.read_ocel,
        path,
        object_type="returns",
    )


def test_unknown_format_names_the_endings(tmp_path):
    path = tmp_path / "log.txt"
    path.write_text("{}")
    message = refused("cannot tell the OCEL format", engine.read_ocel, path, object_type="x")
    assert ".jsonocel" in message and ".xmlocel" in message and ".sqlite" in message
    refused("unknown OCEL format 'yaml'", engine.read_ocel, path, object_type="x", format="yaml")


def test_missing_file(tmp_path):
    refused("does not exist", engine.read_ocel, tmp_path / "no.jsonocel", object_type="x")


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ('{"events": [', "not valid JSON"),
        ('{"something": 1}', "JSON but not OCEL"),
        ('{"events": [{"id": "e1", "time": "2024-01-01"}]}', "event 0 has no 'type'"),
        ('{"ocel:events": []}', "must map event ids"),
        ('{"objects": [{"id": "o1"}], "events": []}', "object 'o1' has no 'type'"),
    ],
)
def test_malformed_json(tmp_path, text, match):
    path = tmp_path / "bad.jsonocel"
    path.write_text(text)
    message = refused(match, engine.read_ocel, path, object_type="x")
    assert "bad.jsonocel" in message


def test_relation_to_an_undeclared_object(tmp_path):
    path = write(example(), "jsonocel", tmp_path)
    document = json.loads(path.read_text())
    document["events"][1]["relationships"].append({"objectId": "ghost", "qualifier": "q"})
    path.write_text(json.dumps(document))
    refused("event 'e2' relates to object 'ghost'", engine.read_ocel, path, object_type="customers")


def test_object_with_two_types(tmp_path):
    path = write(example(), "csv", tmp_path)
    rows = pd.read_csv(path, dtype=str, keep_default_na=False)
    rows.loc[0, "ocel:type:items"] = "['c1']"
    rows.to_csv(path, index=False)
    refused(
        "object 'c1' is declared with two types", engine.read_ocel, path, object_type="customers"
    )


@pytest.mark.parametrize(
    ("cell", "match"),
    [("o1", "not a list of object ids"), ("['o1'", "not a list"), ("[{'a': 1}]", "not a list")],
)
def test_bad_csv_object_cell(tmp_path, cell, match):
    path = write(example(), "csv", tmp_path)
    rows = pd.read_csv(path, dtype=str, keep_default_na=False)
    rows.loc[2, "ocel:type:orders"] = cell
    rows.to_csv(path, index=False)
    message = refused(match, engine.read_ocel, path, object_type="customers")
    assert "line 4" in message and "ocel:type:orders" in message


def test_csv_without_ocel_columns(tmp_path):
    path = tmp_path / "plain.csv"
    path.write_text("case,activity,ts\n1,a,2024-01-01\n")
    assert not is_ocel(path)
    refused("not an OCEL 1.0 CSV: it lacks ocel:eid", engine.read_ocel, path, object_type="x")


def test_xml_with_an_entity_is_refused(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    path = write(example(), "xmlocel", tmp_path)
    text = path.read_text().replace(
        "<log>", f'<!DOCTYPE log [<!ENTITY x SYSTEM "file://{secret}">]>\n<log>', 1
    )
    path.write_text(text.replace('type="newsletter"', 'type="&x;"'))
    message = refused(
        "declares a DOCTYPE or ENTITY", engine.read_ocel, path, object_type="customers"
    )
    assert "TOP-SECRET" not in message


def test_truncated_xml(tmp_path):
    path = write(example(), "xmlocel", tmp_path)
    path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])
    refused("is not well-formed OCEL", engine.read_ocel, path, object_type="customers")


def test_ocel1_xml_is_named(tmp_path):
    path = tmp_path / "old.xmlocel"
    path.write_text('<log><global scope="event"><string key="x" value="y"/></global></log>')
    refused("OCEL 1.0 XML", engine.read_ocel, path, object_type="x")


def test_sqlite_errors(tmp_path):
    path = tmp_path / "bad.sqlite"
    path.write_bytes(b"this is not a database at all" * 100)
    refused("bad.sqlite", engine.read_ocel, path, object_type="x")
    other = tmp_path / "other.sqlite"
    connection = sqlite3.connect(other)
    connection.execute("CREATE TABLE t (a)")
    connection.commit()
    connection.close()
    refused("not OCEL 2.0: it lacks the table", engine.read_ocel, other, object_type="x")


def test_sqlite_file_is_not_changed(tmp_path):
    path = write(example(), "sqlite", tmp_path)
    before = path.read_bytes()
    engine.read_ocel(path, object_type="customers")
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sqlite.sqlite"]


def test_options_read_ocel_sets_itself(tmp_path):
    path = write(example(), "jsonocel", tmp_path)
    refused("does not take case", engine.read_ocel, path, object_type="customers", case="x")
    refused(
        "does not take backend", engine.read_ocel, path, object_type="customers", backend="dask"
    )
    refused("needs object_type", engine.read_ocel, path, object_type="")


def test_event_attribute_named_like_a_type(tmp_path):
    spec = example()
    renamed = [Event(e.id, e.activity, e.time, e.objects, {"orders": "x"}) for e in spec.events]
    path = write(Spec(spec.objects, renamed), "jsonocel", tmp_path)
    refused(
        "event attribute 'orders' has the name", engine.read_ocel, path, object_type="customers"
    )


def test_numbers_declared_in_json_become_numbers(tmp_path):
    path = write(example(), "jsonocel", tmp_path)
    document = json.loads(path.read_text())
    for event_type in document["eventTypes"]:
        event_type["attributes"].append({"name": "amount", "type": "float"})
    for i, event in enumerate(document["events"]):
        event["attributes"].append({"name": "amount", "value": str(i * 1.5)})
    path.write_text(json.dumps(document))
    frame = read_ocel_frame(path, object_type="customers").frame
    assert frame["amount"].dtype == np.float64
    document["events"][0]["attributes"][-1]["value"] = "lots"
    path.write_text(json.dumps(document))
    refused(
        "'amount' is declared float but holds 1 values",
        read_ocel_frame,
        path,
        object_type="customers",
    )


@pytest.mark.parametrize("written", ["text", "number"])
def test_integers_declared_in_json_with_a_missing_value_keep_every_digit(tmp_path, written):
    """An event attribute declared integer that some events lack is Int64, every digit
    kept (float64 read 9007199254740993 as 9007199254740992), whether the file writes
    its values as text or as JSON numbers; declared on every event, int64."""
    path = write(example(), "jsonocel", tmp_path)
    document = json.loads(path.read_text())
    for event_type in document["eventTypes"]:
        event_type["attributes"].append({"name": "order_id", "type": "integer"})
    ids = {}
    for i, event in enumerate(document["events"]):
        if i % 3 != 1:  # the others lack it
            ids[event["id"]] = 2**53 + 1 + i
            value = str(ids[event["id"]]) if written == "text" else ids[event["id"]]
            event["attributes"].append({"name": "order_id", "value": value})
    path.write_text(json.dumps(document))
    frame = read_ocel_frame(path, object_type="customers").frame
    assert frame["order_id"].dtype == "Int64"
    got = [None if pd.isna(v) else int(v) for v in frame["order_id"]]
    assert got == [ids.get(e) for e in frame["ocel:eid"]]
    assert frame["order_id"].isna().any()
    log = engine.read_ocel(path, object_type="customers", attributes=["order_id"])
    assert log.attributes["order_id"].dtype == "Int64"
    for event in document["events"]:
        event["attributes"] = [a for a in event["attributes"] if a["name"] != "order_id"]
        event["attributes"].append({"name": "order_id", "value": 2**53 + 1})
    path.write_text(json.dumps(document))
    frame = read_ocel_frame(path, object_type="customers").frame
    assert frame["order_id"].dtype == np.int64 and set(frame["order_id"]) == {2**53 + 1}


def test_is_ocel(tmp_path):
    assert is_ocel(SHIPPED)
    assert is_ocel(write(example(), "csv", tmp_path))
    assert not is_ocel(dataset_path("receipt.xes.gz"))


def _with_repeated_ids(spec: Spec, repeats: dict[str, str]) -> Spec:
    """`spec` with the events named in `repeats` given the id of another event."""
    events = [
        Event(repeats.get(e.id, e.id), e.activity, e.time, e.objects, e.attributes)
        for e in spec.events
    ]
    return Spec(spec.objects, events)


@pytest.mark.parametrize("layout", ["jsonocel", "xmlocel", "csv"])
def test_a_repeated_event_id_is_refused_naming_it(tmp_path, layout):
    """Two events of one id were both counted (pm4py keeps the last): neither is chosen."""
    path = write(_with_repeated_ids(example(), {"e5": "e2"}), layout, tmp_path)
    message = refused(
        "event id 'e2' appears 2 times; give each event its own id",
        engine.read_ocel,
        path,
        object_type="customers",
    )
    assert path.name in message
    repeats = {"e5": "e2", "e6": "e3", "e7": "e2"}
    path = write(_with_repeated_ids(example(), repeats), layout, tmp_path)
    refused(
        "2 event ids appear more than once: 'e2' \\(3 times\\), 'e3' \\(2 times\\);",
        object_types,
        path,
    )


def test_a_repeated_key_in_ocel1_json_is_refused_not_kept_last(tmp_path):
    """JSON keeps the last value of a repeated key: an OCEL 1.0 event (or object) whose id
    is repeated in its map would silently be lost, and so would any repeated key."""
    path = write(example(), "json1", tmp_path)
    text = path.read_text()
    path.write_text(text.replace('"e5":', '"e2":'))
    message = refused(
        "event id 'e2' appears 2 times in 'ocel:events', of which JSON keeps only the last",
        engine.read_ocel,
        path,
        object_type="customers",
    )
    assert "json1.jsonocel" in message
    path.write_text(text.replace('"i2":', '"i1":'))
    refused("object id 'i1' appears 2 times in 'ocel:objects'", object_types, path)
    document = write(example(), "jsonocel", tmp_path)
    twice = '"time": "2024-03-01T10:00:00", "time": "2024-03-09T10:00:00"'
    document.write_text(document.read_text().replace('"time": "2024-03-01T10:00:00"', twice))
    refused("the key 'time' appears twice in one JSON object", object_types, document)


def _sqlite_run(path, *statements: str) -> None:
    connection = sqlite3.connect(path)
    with connection:
        for statement in statements:
            connection.execute(statement)
    connection.close()


def test_a_repeated_event_in_sqlite_is_refused_naming_it(tmp_path):
    """Twice in the event table, or twice in its type table with two times (the last row
    was silently taken)."""
    path = write(example(), "sqlite", tmp_path)
    _sqlite_run(path, "INSERT INTO event_visit VALUES ('e2', '2024-03-09T10:00:00', 'web')")
    message = refused(
        "event id 'e2' appears 2 times in table 'event_visit', which holds one row",
        engine.read_ocel,
        path,
        object_type="customers",
    )
    assert "sqlite.sqlite" in message and "keep one row per event" in message
    path = write(example(), "sqlite", tmp_path)
    _sqlite_run(
        path,
        "CREATE TABLE copy (ocel_id TEXT, ocel_type TEXT)",
        "INSERT INTO copy SELECT * FROM event ORDER BY rowid",
        "INSERT INTO copy VALUES ('e2', 'visit')",
        "DROP TABLE event",
        "ALTER TABLE copy RENAME TO event",
    )
    refused("event id 'e2' appears 2 times; ", engine.read_ocel, path, object_type="customers")


def test_sqlite_tables_without_rowid_are_read_in_primary_key_order(tmp_path):
    """A WITHOUT ROWID table has no rowid ('no such column: rowid'): it stores its rows
    in the order of its primary key, which then is the file's order of the events."""
    spec = example()
    e0 = spec.events[-1]  # last in the file, first by id: now tied with e7 (customer c2)
    tied = Event(e0.id, e0.activity, spec.events[-2].time, e0.objects, e0.attributes)
    spec = Spec(spec.objects, [*spec.events[:-1], tied])
    path = write(spec, "sqlite", tmp_path)
    _sqlite_run(
        path,
        "ALTER TABLE event RENAME TO old_event",
        "CREATE TABLE event (ocel_id TEXT PRIMARY KEY, ocel_type TEXT) WITHOUT ROWID",
        "INSERT INTO event SELECT * FROM old_event",
        "DROP TABLE old_event",
        "ALTER TABLE event_object RENAME TO old_relations",
        "CREATE TABLE event_object (ocel_event_id TEXT, ocel_object_id TEXT, "
        "ocel_qualifier TEXT, PRIMARY KEY (ocel_event_id, ocel_object_id)) WITHOUT ROWID",
        "INSERT INTO event_object SELECT * FROM old_relations",
        "DROP TABLE old_relations",
    )
    by_id = Spec(spec.objects, sorted(spec.events, key=lambda e: e.id))
    assert expected(by_id, "customers") != expected(spec, "customers")
    for object_type in ("customers", "orders", "items"):
        log = engine.read_ocel(path, object_type=object_type)
        assert journeys(log) == expected(by_id, object_type)
    frame = read_ocel_frame(path, object_type="items").frame
    assert frame["ocel:eid"].tolist() == ["e3", "e3", "e6", "e6", "e6", "e7"]


TIME_FIELDS = {
    "jsonocel": "time",
    "xmlocel": "time",
    "sqlite": "ocel_time",
    "json1": "ocel:timestamp",
    "csv": "ocel:timestamp",
}


@pytest.mark.parametrize("layout", LAYOUTS)
def test_timestamp_errors_name_the_time_field_as_the_file_does(layout, tmp_path):
    """Not the flattened log's 'time:timestamp', which the user never wrote: the
    file's own name for the events' time, in every layout."""
    spec = example()
    bad = Event("e1", "newsletter", "not a time", ("c1", "c2"), {"channel": "email"})
    path = write(Spec(spec.objects, [bad, *spec.events[1:]]), layout, tmp_path)
    message = refused(
        rf"column '{TIME_FIELDS[layout]}' has 1 event \(event 'e1'\) whose values are not "
        r"timestamps \(e.g. 'not a time'\)",
        engine.read_ocel,
        path,
        object_type="customers",
    )
    assert "time:timestamp" not in message


def test_timestamp_errors_name_the_events_not_the_flattened_rows(tmp_path):
    """e1 concerns both customers: it is two rows of the flattened log, one event (e6
    concerns none: not in the log, not named)."""
    path = write(example(), "jsonocel", tmp_path)
    document = json.loads(path.read_text())
    document["events"][0]["time"] = 1709283600
    path.write_text(json.dumps(document))
    refused(
        r"'.*jsonocel\.jsonocel': column 'time' has 1 event \(event 'e1'\) whose "
        r"values are not timestamps \(e.g. '1709283600'\); if they are epoch times",
        engine.read_ocel,
        path,
        object_type="customers",
    )
    document["events"][0]["time"] = "2024-03-01T09:00:00+01:00"
    document["events"][4]["time"] = "2024-03-02T08:00:00Z"
    path.write_text(json.dumps(document))
    refused(
        r"mixes times with a UTC offset, in 2 events \(events 'e1', 'e5'\) \(e.g. "
        r"'2024-03-01T09:00:00\+01:00', '2024-03-02T08:00:00Z'\), and times without one, in "
        r"5 events \(events 'e2', 'e3', 'e4', 'e7', 'e0'\) \(e.g.",
        engine.read_ocel,
        path,
        object_type="customers",
    )
    document["events"][0]["time"] = "1690-03-01T09:00:00"
    document["events"][4]["time"] = "2040-03-02T08:00:00"
    path.write_text(json.dumps(document))
    refused(
        r"run from 1690-03-01 09:00:00 \(column 'time', event 'e1'\) to "
        r"2040-03-02 08:00:00 \(column 'time', event 'e5'\), more than the 292 years",
        engine.read_ocel,
        path,
        object_type="customers",
    )
