"""read_ocel(include=...): a journey takes in the events of related objects (an order its
packages' deliveries), checked on a log worked out by hand in every OCEL layout, against
a pandas reference on pm4py's relations for the order simulation, through the command
line, and for its mistakes."""

from __future__ import annotations

import json
import warnings

import pandas as pd
import pytest

import engine
from engine import cli
from tests.ocel_files import LAYOUTS, Event, Spec, write
from tests.real_logs import SHARED, require_shared
from tests.test_ocel_lead_times import pm4py_relations

ORDERS = SHARED / "ocel" / "ocel_order_simulated.csv"


def shop() -> Spec:
    """o1 holds items i1, i2, shipped in p1 and p2; o2 holds i3, in p2 too (p2 ships
    items of both orders); p3 holds nothing of theirs. p2's delivery counts once for o1
    although two of its items are in it."""
    objects = {"o1": "orders", "o2": "orders"}
    objects |= {"i1": "items", "i2": "items", "i3": "items", "i4": "items"}
    objects |= {"p1": "packages", "p2": "packages", "p3": "packages"}
    events = [
        Event("e1", "place", "2024-03-01T09:00:00", ("o1", "i1", "i2")),
        Event("e2", "place", "2024-03-01T10:00:00", ("o2", "i3")),
        Event("e3", "pack", "2024-03-02T08:00:00", ("p1", "i1")),
        Event("e4", "pack", "2024-03-02T09:00:00", ("p2", "i2", "i3")),
        Event("e5", "pack", "2024-03-02T09:30:00", ("p3", "i4")),
        Event("e6", "deliver", "2024-03-04T10:00:00", ("p2",)),
        Event("e7", "deliver", "2024-03-03T10:00:00", ("p1",)),
        Event("e8", "deliver", "2024-03-05T10:00:00", ("p3",)),
        Event("e9", "pay", "2024-03-06T10:00:00", ("o1",)),
    ]
    return Spec(objects, events)


def journeys(log: engine.EventLog) -> dict[str, list[tuple[str, str]]]:
    """Per journey, (activity, the type it came through) in order."""
    names, related = log.activity_names, log.attributes["ocel:related"].astype(str).to_numpy()
    out = {}
    for c, case in enumerate(log.case_ids.astype(str)):
        span = range(log.case_offsets[c], log.case_offsets[c + 1])
        out[case] = [(str(names[log.activity[i]]), related[i]) for i in span]
    return out


@pytest.mark.parametrize("layout", LAYOUTS)
def test_hand_worked_journeys_in_every_layout(tmp_path, layout):
    path = write(shop(), layout, tmp_path)
    log = engine.read_ocel(
        path, object_type="orders", include=["items->packages:deliver"], attributes=["ocel:eid"]
    )
    assert journeys(log) == {
        "o1": [("place", ""), ("deliver", "packages"), ("deliver", "packages"), ("pay", "")],
        "o2": [("place", ""), ("deliver", "packages")],
    }
    eids = log.attributes["ocel:eid"].astype(str).tolist()
    assert eids == ["e1", "e7", "e6", "e9", "e2", "e6"]  # p2's delivery in both journeys
    plain = engine.read_ocel(path, object_type="orders")
    assert plain.n_events == 3 and "ocel:related" not in plain.attributes
    every = engine.read_ocel(path, object_type="orders", include=["items->packages"])
    assert [a for a, _ in journeys(every)["o1"]] == [
        "place",
        "pack",
        "pack",
        "deliver",
        "deliver",
        "pay",
    ]
    # the other types still count the journey's own events' objects
    assert log.attributes["n_items"].tolist()[:4] == [2, 2, 2, 2]
    assert log.attributes["n_packages"].tolist() == [0] * 6  # orders share no event with one


def test_an_order_converts_at_its_first_delivery(tmp_path):
    path = write(shop(), "jsonocel", tmp_path)
    log = engine.read_ocel(path, object_type="orders", include=["items->packages:deliver"])
    model = engine.JourneyModel.from_stages(
        {"order": ["place", "pay"], "delivery": ["deliver"]}, conversion="activity:deliver"
    )
    conversions = log.journey(model).conversions
    assert conversions.converted.tolist() == [True, True]
    summary = log.journey(model).conversion_summary()
    # o1: 2024-03-01 09:00 → p1's delivery 03-03 10:00 (49 h); o2: 10:00 → p2's 03-04 10:00 (72 h)
    assert summary["time_to_convert_max_s"] == 72 * 3600
    assert summary["time_to_convert_mean_s"] == (49 + 72) / 2 * 3600


def test_order_simulation_matches_pandas_on_pm4py_relations():
    require_shared(ORDERS)
    log = engine.read_ocel(
        ORDERS, object_type="orders", include=["items->packages:package delivered"]
    )
    rel = pm4py_relations(ORDERS, "read_ocel")
    order_items = rel[rel["ocel:type"] == "orders"].merge(
        rel[rel["ocel:type"] == "items"], on="ocel:eid", suffixes=("", "_item")
    )[["ocel:oid", "ocel:oid_item"]]
    item_packages = rel[rel["ocel:type"] == "items"].merge(
        rel[rel["ocel:type"] == "packages"], on="ocel:eid", suffixes=("_item", "_package")
    )[["ocel:oid_item", "ocel:oid_package"]]
    packages = order_items.merge(item_packages, on="ocel:oid_item")[
        ["ocel:oid", "ocel:oid_package"]
    ].drop_duplicates()
    delivered = rel[
        (rel["ocel:type"] == "packages") & (rel["ocel:activity"] == "package delivered")
    ]
    taken = packages.merge(delivered, left_on="ocel:oid_package", right_on="ocel:oid")
    taken = taken[["ocel:oid_x", "ocel:eid", "ts"]].drop_duplicates(["ocel:oid_x", "ocel:eid"])
    want = taken.groupby("ocel:oid_x").agg(deliveries=("ocel:eid", "size"), first=("ts", "min"))
    related = log.attributes["ocel:related"].astype(str).to_numpy() == "packages"
    case_of_event = (
        log.case_ids.astype(str)
        .to_numpy()
        .repeat(pd.Series(log.case_offsets).diff().dropna().astype(int).to_numpy())
    )
    got = (
        pd.DataFrame(
            {
                "case": case_of_event[related],
                "ts": pd.to_datetime(log.timestamp[related], utc=True),
            }
        )
        .groupby("case")
        .agg(deliveries=("ts", "size"), first=("ts", "min"))
    )
    assert len(got) == len(want) == 2_000
    pd.testing.assert_series_equal(
        got["deliveries"], want["deliveries"].rename_axis("case"), check_names=False
    )
    assert (got["first"] == want["first"].rename_axis("case")).all()
    plain = engine.read_ocel(ORDERS, object_type="orders")
    assert log.n_events == plain.n_events + int(want["deliveries"].sum())


def test_the_command_line_and_its_mistakes(tmp_path, capsys):
    path = write(shop(), "jsonocel", tmp_path)
    stages = tmp_path / "orders.toml"
    stages.write_text(
        '[[stages]]\nname = "order"\ntouchpoints = ["place", "pay"]\n'
        '[[stages]]\nname = "delivery"\ntouchpoints = ["deliver"]\n'
        '[conversion]\nactivity = "deliver"\n'
    )
    out = tmp_path / "out"
    argv = ["analyze", str(path), "--object-type", "orders", "--out", str(out), "--quiet"]
    argv += ["--no-report", "--stages", str(stages)]
    assert cli.main([*argv, "--include-related", "items->packages:deliver"]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["journey"]["converted"] == 2 and summary["events"] == 6
    assert "with 'items->packages:deliver' events" in summary["source"]
    capsys.readouterr()
    bad = [
        (["--include-related", "items->packages:unload"], 3, "no event of type 'packages'"),
        (["--include-related", "trucks:deliver"], 3, "has no object type 'trucks'"),
        (["--include-related=->packages"], 2, "--include-related: a related-events spec"),
    ]
    for flags, code, message in bad:
        assert cli.main([*argv, *flags]) == code
        err = capsys.readouterr().err
        assert message in err and err.count("\n") == 1, err
    csv = tmp_path / "plain.csv"
    csv.write_text("case,activity,ts\na,x,2024-01-01\n")
    plain = ["analyze", str(csv), "--case", "case", "--activity", "activity", "--timestamp", "ts"]
    assert cli.main([*plain, "--out", str(tmp_path / "p"), "--include-related", "x"]) == 2
    assert "--include-related goes with an object-centric log" in capsys.readouterr().err


def test_a_related_type_reached_without_via_is_refused_with_the_bridge(tmp_path):
    path = write(shop(), "jsonocel", tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(engine.InputError, match="through a type that shares events with both"):
            engine.read_ocel(path, object_type="orders", include=["packages:deliver"])
