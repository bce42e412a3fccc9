"""Parity with pm4py's ocel_flattening on every OCEL file in ../shared/data/ocel, on every
object type: events, cases, activities, each case's activities and times, and variants.

pm4py is the oracle after format_dataframe (ordered by case, time, row) on plain-string
columns and nanosecond times; its durations are not compared (pm4py is off on some
microsecond timestamps).
"""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

import engine
from engine.datasets import dataset_path
from engine.io.ocel import object_types
from tests.real_logs import SHARED, require_shared

pm4py = pytest.importorskip("pm4py")

OCEL = SHARED / "ocel"
#: Shipped with the package (engine/datasets/data), so their parity runs in any clone.
SHIPPED = {"ocel20_example.jsonocel"}
#: file -> (pm4py reader, published events and objects)
FILES = {
    "ocel20_example.jsonocel": ("read_ocel2_json", 13, 9),
    "ocel20_example.xmlocel": ("read_ocel2_xml", 13, 9),
    "ocel20_example.sqlite": ("read_ocel2_sqlite", 13, 9),
    "ocel_order_simulated.csv": ("read_ocel", 22_367, None),
    "recruiting-red.jsonocel": ("read_ocel", 6_607, 1_051),
}

pytestmark = pytest.mark.shared_data


def require(name: str):
    path = OCEL / name
    shipped = dataset_path(name) if name in SHIPPED else None
    if not path.exists() and shipped is not None:
        return shipped  # the example ships with the package: parity runs in any clone
    return require_shared(path)


def pm4py_log(name: str):
    reader, _, _ = FILES[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return getattr(pm4py, reader)(str(require(name)))


def formatted(ocel, object_type: str) -> pd.DataFrame:
    flat = pm4py.ocel_flattening(ocel, object_type)
    frame = pd.DataFrame(
        {
            "case": flat["case:concept:name"].astype(str).astype(object),
            "activity": flat["concept:name"].astype(str).astype(object),
            "ts": pd.to_datetime(flat["time:timestamp"], utc=True).astype("datetime64[ns, UTC]"),
        }
    )
    return pm4py.format_dataframe(
        frame, case_id="case", activity_key="activity", timestamp_key="ts"
    )


def sequences(log: engine.EventLog) -> dict[str, tuple[list[str], list[int]]]:
    names = log.activity_names
    result = {}
    for c, case in enumerate(log.case_ids):
        lo, hi = log.case_offsets[c], log.case_offsets[c + 1]
        result[str(case)] = (
            [str(a) for a in names[log.activity[lo:hi]]],
            log.timestamp[lo:hi].tolist(),
        )
    return result


def oracle_sequences(frame: pd.DataFrame) -> dict[str, tuple[list[str], list[int]]]:
    ns = pd.DatetimeIndex(frame["time:timestamp"]).as_unit("ns").asi8
    result = {}
    for case, rows in frame.groupby("case:concept:name", sort=False).indices.items():
        result[str(case)] = (
            frame["concept:name"].to_numpy()[rows].astype(str).tolist(),
            ns[rows].tolist(),
        )
    return result


@pytest.mark.parametrize("name", list(FILES))
def test_flattening_matches_pm4py(name):
    ocel = pm4py_log(name)
    _, events, objects = FILES[name]
    assert len(ocel.events) == events  # published
    if objects is not None:
        assert len(ocel.objects) == objects
    types = sorted(set(ocel.relations["ocel:type"].astype(str)))
    path = require(name)
    assert sorted(object_types(path)) == types
    for object_type in types:
        oracle = formatted(ocel, object_type)
        log = engine.read_ocel(path, object_type=object_type)
        assert log.dropped.total == 0
        assert (log.n_events, log.n_cases, log.n_activities) == (
            len(oracle),
            oracle["case:concept:name"].nunique(),
            oracle["concept:name"].nunique(),
        ), object_type
        assert sequences(log) == oracle_sequences(oracle), object_type
        variants = log.variants()
        ours = dict(zip(map(tuple, variants["variant"]), variants["frequency"], strict=True))
        theirs = {
            tuple(v): (len(c) if isinstance(c, list) else int(c))
            for v, c in pm4py.get_variants(oracle).items()
        }
        assert ours == theirs, object_type


def test_orders_journeys_carry_their_items():
    """n_items of an order counts the distinct items its events name (pm4py's relations)."""
    ocel = pm4py_log("ocel_order_simulated.csv")
    relations = ocel.relations[["ocel:eid", "ocel:oid", "ocel:type"]].astype(str)
    orders = relations[relations["ocel:type"] == "orders"]
    items = relations[relations["ocel:type"] == "items"]
    truth = orders.merge(items, on="ocel:eid").groupby("ocel:oid_x")["ocel:oid_y"].nunique()
    log = engine.read_ocel(OCEL / "ocel_order_simulated.csv", object_type="orders")
    first = log.case_offsets[:-1]
    got = pd.Series(log.attributes["n_items"].to_numpy()[first], index=log.case_ids.astype(str))
    assert got.reindex(truth.index).tolist() == truth.tolist()
    assert (got.drop(truth.index) == 0).all()
