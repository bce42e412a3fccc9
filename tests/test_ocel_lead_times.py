"""ocel_lead_times: the time between related objects' anchor events, checked on a log whose
answer is worked out by hand, against a plain-Python oracle on random logs in every OCEL
layout, and against a pandas reference built from pm4py's OCEL relations on real files."""

from __future__ import annotations

import itertools
import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import engine
from engine.datasets import dataset_path
from engine.journey.related import LEAD_TIME_COLUMNS, parse_lead_time
from tests.ocel_files import LAYOUTS, Event, Spec, write
from tests.real_logs import SHARED, require_shared

SHIPPED = dataset_path("ocel20_example.jsonocel")
OCEL = SHARED / "ocel"
HOUR = 3600.0


def shop() -> Spec:
    """Customers, their orders, the packages the orders ship in. c3 orders nothing; p2 is
    'delivered' before its customers' first events (negative lead times); p3 never is."""
    objects = {"c1": "customers", "c2": "customers", "c3": "customers"}
    objects |= {"o1": "orders", "o2": "orders", "o3": "orders"}
    objects |= {"p1": "packages", "p2": "packages", "p3": "packages"}
    events = [
        Event("e1", "visit", "2024-03-01T09:00:00", ("c1",)),
        Event("e2", "visit", "2024-03-01T10:00:00", ("c2",)),
        Event("e3", "place", "2024-03-01T12:00:00", ("c1", "o1")),
        Event("e4", "place", "2024-03-02T08:00:00", ("c2", "o2")),
        Event("e5", "place", "2024-03-02T09:00:00", ("c1", "o3")),
        Event("e6", "ship", "2024-03-03T10:00:00", ("o1", "p1")),
        Event("e7", "ship", "2024-03-03T11:00:00", ("o2", "o3", "p2")),
        Event("e8", "deliver", "2024-03-04T10:00:00", ("p1",)),
        Event("e9", "visit", "2024-03-05T00:00:00", ("c3",)),
        Event("e10", "ship", "2024-03-06T00:00:00", ("o3", "p3")),
        Event("e0", "deliver", "2024-02-29T00:00:00", ("p2",)),
    ]
    return Spec(objects, events)


def measured(result) -> dict[tuple[str, str], float]:
    pairs = result.pairs
    return {
        (f, t): (None if math.isnan(s) else s)
        for f, t, s in zip(pairs["from_id"], pairs["to_id"], pairs["lead_time_s"], strict=True)
    }


@pytest.mark.parametrize("layout", LAYOUTS)
def test_hand_worked_lead_times_in_every_layout(tmp_path, layout):
    path = write(shop(), layout, tmp_path)
    direct = engine.ocel_lead_times(
        path, from_type="customers", to_type="orders", to_activity="place"
    )
    assert measured(direct) == {
        ("c1", "o1"): 3 * HOUR,
        ("c1", "o3"): 24 * HOUR,
        ("c2", "o2"): 22 * HOUR,
    }
    assert direct.unrelated_from == ["c3"]
    chained = engine.ocel_lead_times(
        path, from_type="customers", via=["orders"], to_type="packages", to_activity="deliver"
    )
    assert measured(chained) == {
        ("c1", "p1"): 73 * HOUR,
        ("c1", "p2"): -33 * HOUR,  # kept and flagged, not dropped
        ("c1", "p3"): None,  # p3 is never delivered: no anchor
        ("c2", "p2"): -34 * HOUR,
    }
    assert chained.pairs["negative"].tolist() == [False, True, False, True]
    assert list(chained.pairs.columns) == list(LEAD_TIME_COLUMNS)
    assert str(chained.pairs["from_time"].dtype) == "datetime64[ns, UTC]"
    summary = chained.summary()
    assert summary | {"mean_s": 0, "median_s": 0, "p90_s": 0} == {
        "from": "customers",
        "from_anchor": "first event",
        "via": ["orders"],
        "to": "packages",
        "to_anchor": "deliver",
        "from_objects": 3,
        "to_objects": 3,
        "from_objects_unrelated": 1,
        "from_objects_measured": 2,
        "pairs": 4,
        "measured": 3,
        "missing_from_anchor": 0,
        "missing_to_anchor": 1,
        "negative": 2,
        "mean_s": 0,
        "median_s": 0,
        "p90_s": 0,
        "min_s": -34 * HOUR,
        "max_s": 73 * HOUR,
    }
    values = np.array([73, -33, -34]) * HOUR
    assert summary["median_s"] == float(np.median(values)) == -33 * HOUR
    assert summary["p90_s"] == pytest.approx(float(np.quantile(values, 0.9)), rel=1e-12)
    per = chained.per_object().set_index("from_id")
    assert per.loc["c1", ["pairs", "measured"]].tolist() == [3, 2]
    assert per.loc["c1", "first_s"] == -33 * HOUR and math.isnan(per.loc["c1", "last_s"])
    assert per.loc["c2", "last_s"] == -34 * HOUR


def test_an_activity_anchor_is_its_first_occurrence(tmp_path):
    path = write(shop(), "jsonocel", tmp_path)
    result = engine.ocel_lead_times(
        path, from_type="orders", from_activity="ship", to_type="customers"
    )
    # o3 is shipped twice (e7, e10): its first ship is the anchor; c1's first event is e1
    assert measured(result)[("o3", "c1")] == -(2 * 24 + 2) * HOUR
    assert result.summary()["negative"] == 3


# --- random logs against a plain-Python oracle -------------------------------------------


def oracle(spec: Spec, chain, from_activity, to_activity) -> dict[tuple[str, str], float | None]:
    def related(obj: str, kind: str) -> set[str]:
        return {
            o for e in spec.events if obj in e.objects for o in e.objects if spec.objects[o] == kind
        }

    def anchor(obj: str, activity):
        times = [
            pd.Timestamp(e.time, tz="UTC")
            for e in spec.events
            if obj in e.objects and activity in (None, e.activity)
        ]
        return min(times) if times else None

    starts = sorted({o for e in spec.events for o in e.objects if spec.objects[o] == chain[0]})
    pairs = {}
    for start in starts:
        frontier = {start}
        for kind in chain[1:]:
            frontier = set().union(*[related(o, kind) for o in frontier])
        for end in frontier - {start}:
            a, b = anchor(start, from_activity), anchor(end, to_activity)
            pairs[(start, end)] = None if a is None or b is None else (b - a).total_seconds()
    return pairs


@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_random_logs_match_the_oracle(tmp_path_factory, data):
    kinds = {"a": "alpha", "b": "beta", "c": "gamma"}
    names = [f"{k}{i}" for k in kinds for i in range(4)]
    ids = data.draw(st.lists(st.sampled_from(names), min_size=2, unique=True))
    objects = {o: kinds[o[0]] for o in ids}
    events = []
    for i in range(data.draw(st.integers(1, 12))):
        related = data.draw(st.lists(st.sampled_from(ids), min_size=1, max_size=4, unique=True))
        hour = data.draw(st.integers(0, 9))
        activity = data.draw(st.sampled_from(["x", "y"]))
        events.append(Event(f"e{i}", activity, f"2024-01-01T0{hour}:00:00", tuple(related)))
    spec = Spec(objects, events)
    present = sorted({objects[o] for e in events for o in e.objects})
    chain = data.draw(st.lists(st.sampled_from(present), min_size=2, max_size=3))
    from_activity = data.draw(st.sampled_from([None, "x", "y"]))
    to_activity = data.draw(st.sampled_from([None, "x", "y"]))
    layout = data.draw(st.sampled_from(LAYOUTS))
    path = write(spec, layout, tmp_path_factory.mktemp("ocel"))
    expected = oracle(spec, chain, from_activity, to_activity)

    def has(kind: str, activity) -> bool:
        return any(
            activity in (None, e.activity) and any(objects[o] == kind for o in e.objects)
            for e in events
        )

    call = dict(
        from_type=chain[0],
        via=chain[1:-1],
        to_type=chain[-1],
        from_activity=from_activity,
        to_activity=to_activity,
    )
    if not has(chain[0], from_activity) or not has(chain[-1], to_activity):
        with pytest.raises(engine.InputError, match="no event of activity"):
            engine.ocel_lead_times(path, **call)
        return
    if not expected:
        with pytest.raises(engine.InputError, match="no event relates objects along"):
            engine.ocel_lead_times(path, **call)
        return
    result = engine.ocel_lead_times(path, **call)
    assert measured(result) == expected, (layout, call)
    negative = {k for k, v in expected.items() if v is not None and v < 0}
    flagged = result.pairs[result.pairs["negative"]]
    assert set(zip(flagged["from_id"], flagged["to_id"], strict=True)) == negative


# --- parity with a pandas reference on pm4py's relations ----------------------------------


def pm4py_relations(path, reader: str) -> pd.DataFrame:
    pm4py = pytest.importorskip("pm4py")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ocel = getattr(pm4py, reader)(str(path))
    rel = ocel.relations[["ocel:eid", "ocel:oid", "ocel:type", "ocel:activity", "ocel:timestamp"]]
    rel = rel.drop_duplicates(["ocel:eid", "ocel:oid"]).copy()
    times = pd.to_datetime(rel["ocel:timestamp"])
    rel["ts"] = (times.dt.tz_localize("UTC") if times.dt.tz is None else times).astype(
        "datetime64[ns, UTC]"
    )
    return rel


def reference(rel: pd.DataFrame, chain, from_activity, to_activity) -> pd.DataFrame:
    """Pairs by merging the relations on the event id, anchors by groupby-min."""

    def links(a: str, b: str) -> pd.DataFrame:
        left = rel.loc[rel["ocel:type"] == a, ["ocel:eid", "ocel:oid"]]
        right = rel.loc[rel["ocel:type"] == b, ["ocel:eid", "ocel:oid"]]
        both = left.merge(right, on="ocel:eid", suffixes=("_a", "_b"))
        return both[["ocel:oid_a", "ocel:oid_b"]].drop_duplicates()

    pairs = links(chain[0], chain[1]).set_axis(["from_id", "to_id"], axis=1)
    for a, b in itertools.pairwise(chain[1:]):
        step = links(a, b).set_axis(["to_id", "next"], axis=1)
        pairs = pairs.merge(step, on="to_id")[["from_id", "next"]].drop_duplicates()
        pairs.columns = ["from_id", "to_id"]
    pairs = pairs[pairs["from_id"] != pairs["to_id"]]

    def anchor(kind: str, activity) -> pd.Series:
        own = rel[rel["ocel:type"] == kind]
        if activity is not None:
            own = own[own["ocel:activity"] == activity]
        return own.groupby("ocel:oid")["ts"].min()

    pairs = pairs.assign(
        from_time=pairs["from_id"].map(anchor(chain[0], from_activity)),
        to_time=pairs["to_id"].map(anchor(chain[-1], to_activity)),
    )
    pairs["lead_time_s"] = (pairs["to_time"] - pairs["from_time"]).dt.total_seconds()
    return pairs.sort_values(["from_id", "to_id"]).reset_index(drop=True)


def assert_same(result, expected: pd.DataFrame) -> None:
    got = result.pairs
    assert got["from_id"].tolist() == expected["from_id"].tolist()
    assert got["to_id"].tolist() == expected["to_id"].tolist()
    pd.testing.assert_series_equal(got["from_time"], expected["from_time"], check_names=False)
    pd.testing.assert_series_equal(got["to_time"], expected["to_time"], check_names=False)
    assert np.array_equal(
        got["lead_time_s"].to_numpy(), expected["lead_time_s"].to_numpy(), equal_nan=True
    )
    values = expected["lead_time_s"].dropna().to_numpy()
    summary = result.summary()
    assert summary["measured"] == len(values)
    assert summary["median_s"] == float(np.median(values))
    assert summary["p90_s"] == float(np.quantile(values, 0.9))
    assert summary["negative"] == int((values < 0).sum())


EXAMPLES = [
    ("Purchase Requisition", None, ("Purchase Order", "Invoice"), "Payment", "Insert Payment"),
    ("Purchase Order", "Create Purchase Order", (), "Invoice", "Insert Invoice"),
    ("Invoice", None, (), "Purchase Order", None),  # backwards: R1, R2 come after their PO
]


@pytest.mark.parametrize(
    ("name", "reader"),
    [
        ("ocel20_example.jsonocel", "read_ocel2_json"),
        ("ocel20_example.xmlocel", "read_ocel2_xml"),
        ("ocel20_example.sqlite", "read_ocel2_sqlite"),
    ],
)
@pytest.mark.parametrize("case", EXAMPLES, ids=lambda c: f"{c[0]}->{c[3]}")
def test_ocel20_example_matches_pm4py_relations(name, reader, case):
    path = OCEL / name
    if not path.exists():
        if name != SHIPPED.name:
            require_shared(path)
        path = SHIPPED  # ships with the package: this parity runs in any clone
    from_type, from_activity, via, to_type, to_activity = case
    result = engine.ocel_lead_times(
        path,
        from_type=from_type,
        from_activity=from_activity,
        via=via,
        to_type=to_type,
        to_activity=to_activity,
    )
    rel = pm4py_relations(path, reader)
    assert_same(result, reference(rel, (from_type, *via, to_type), from_activity, to_activity))
    if from_type == "Invoice":
        # R1 and R2 follow PO1's creation: negative, kept and flagged; R3 (maverick
        # buying) precedes PO2
        assert result.pairs["negative"].tolist() == [True, True, False]


@pytest.mark.shared_data
@pytest.mark.parametrize(
    "case",
    [
        ("orders", "place order", ("items",), "packages", "package delivered"),
        ("orders", None, (), "items", "pick item"),
        ("items", "pick item", (), "packages", "package delivered"),
    ],
    ids=lambda c: f"{c[0]}->{c[3]}",
)
def test_order_simulated_matches_pm4py_relations(case):
    path = require_shared(OCEL / "ocel_order_simulated.csv")
    from_type, from_activity, via, to_type, to_activity = case
    result = engine.ocel_lead_times(
        path,
        from_type=from_type,
        from_activity=from_activity,
        via=via,
        to_type=to_type,
        to_activity=to_activity,
    )
    rel = pm4py_relations(path, "read_ocel")
    expected = reference(rel, (from_type, *via, to_type), from_activity, to_activity)
    assert_same(result, expected)
    if from_type == "orders" and via:
        assert result.summary()["pairs"] == 4_396 and result.summary()["from_objects"] == 2_000


# --- what it refuses, in one line ------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (dict(from_type="clients", to_type="orders"), "no object type 'clients' with events"),
        (
            dict(from_type="orders", to_type="packages", to_activity="place"),
            "no event of activity 'place' relates to an object of type 'packages' (it relates "
            "to objects of type 'customers', 'orders' only)",
        ),
        (
            dict(from_type="orders", to_type="packages", to_activity="refund"),
            "has no such activity",
        ),
        (
            dict(from_type="customers", to_type="packages"),
            "no event relates objects along 'customers' -> 'packages'",
        ),
    ],
)
def test_refusals_name_the_problem_and_the_fix(tmp_path, call, message):
    path = write(shop(), "jsonocel", tmp_path)
    with pytest.raises(engine.InputError) as caught:
        engine.ocel_lead_times(path, **call)
    text = str(caught.value)
    assert message in text and "\n" not in text
    if "along" in text:
        assert "--include-related): 'orders'" in text  # the type that bridges them


def test_the_spec_text_of_the_command_line():
    assert parse_lead_time("orders:place order->items->packages:package delivered") == {
        "from_type": "orders",
        "from_activity": "place order",
        "via": ("items",),
        "to_type": "packages",
        "to_activity": "package delivered",
    }
    assert parse_lead_time("customers -> orders")["from_activity"] is None
    for bad in ("orders", "orders->", "a->b:x->c", ":x->b"):
        with pytest.raises(engine.InputError):
            parse_lead_time(bad)
