"""`parcours analyze LOG --object-type TYPE` on object-centric logs, and its usage errors."""

from __future__ import annotations

import json

import pandas as pd
import pyarrow.parquet as pq
import pytest

import engine
from engine import cli
from engine.datasets import dataset_path
from tests.ocel_files import example, write
from tests.real_logs import SHARED

ORDERS = SHARED / "ocel" / "ocel_order_simulated.csv"
SHIPPED = dataset_path("ocel20_example.jsonocel")

# In this log 'package delivered' relates to packages and items only, never to an order, so
# an order journey cannot reach it: orders convert when paid.
ORDER_STAGES = """
conversion = { activity = "pay order" }

[[stages]]
name = "order"
touchpoints = ["place order", "confirm order"]

[[stages]]
name = "payment"
touchpoints = ["payment reminder", "pay order"]
"""


def analyze(capsys, *args: str) -> tuple[int, str]:
    code = cli.main(["analyze", *args, "--quiet", "--no-report"])
    return code, capsys.readouterr().err


@pytest.mark.shared_data
def test_orders_journeys_from_the_ocel_csv(tmp_path, capsys):
    if not ORDERS.exists():
        pytest.skip(f"{ORDERS.name} is not in {ORDERS.parent} (PARCOURS_SHARED_DATA)")
    stages = tmp_path / "orders.toml"
    stages.write_text(ORDER_STAGES)
    out = tmp_path / "out"
    code, err = analyze(
        capsys,
        str(ORDERS),
        "--object-type",
        "orders",
        "--stages",
        str(stages),
        "--segment",
        "n_items",
        "--out",
        str(out),
    )
    assert code == 0, err
    summary = json.loads((out / "summary.json").read_text())
    log = engine.read_ocel(ORDERS, object_type="orders")
    assert (summary["events"], summary["cases"]) == (log.n_events, log.n_cases)
    paid = sum(
        "pay order" in {str(a) for a in log.activity_names[log.activity[lo:hi]]}
        for lo, hi in zip(log.case_offsets[:-1], log.case_offsets[1:], strict=True)
    )
    assert summary["journey"]["converted"] == paid
    segments = pq.read_table(out / "segments.parquet").to_pandas()
    first = log.case_offsets[:-1]
    n_items = pd.Series(log.attributes["n_items"].to_numpy()[first]).value_counts()
    counted = segments.set_index("segment")["journeys"]
    assert {str(k): int(v) for k, v in counted.items()} == {
        str(k): int(v) for k, v in n_items.items()
    }


def test_shipped_example_through_the_cli(tmp_path, capsys):
    out = tmp_path / "out"
    code, err = analyze(capsys, str(SHIPPED), "--object-type", "Invoice", "--out", str(out))
    assert code == 0, err
    summary = json.loads((out / "summary.json").read_text())
    log = engine.read_ocel(SHIPPED, object_type="Invoice")
    assert (summary["events"], summary["cases"], summary["activities"]) == (
        log.n_events,
        log.n_cases,
        log.n_activities,
    )


def test_ocel_without_object_type_names_the_types(tmp_path, capsys):
    code, err = analyze(capsys, str(SHIPPED), "--out", str(tmp_path / "out"))
    assert code == 2
    assert "--object-type" in err
    for kind in ("Invoice", "Payment", "Purchase Order", "Purchase Requisition"):
        assert repr(kind) in err
    assert err.count("\n") == 1
    assert not (tmp_path / "out").exists()


def test_object_type_on_a_plain_log_is_a_usage_error(tmp_path, capsys):
    code, err = analyze(
        capsys,
        str(dataset_path("receipt.xes.gz")),
        "--object-type",
        "orders",
        "--out",
        str(tmp_path / "out"),
    )
    assert code == 2
    assert "--object-type goes with an object-centric log" in err


def test_column_flags_do_not_apply_to_ocel(tmp_path, capsys):
    path = write(example(), "csv", tmp_path)
    code, err = analyze(
        capsys, str(path), "--object-type", "customers", "--case", "x", "--out", str(tmp_path / "o")
    )
    assert code == 2
    assert "--case do not apply to an OCEL log" in err


def test_unknown_object_type_is_bad_input(tmp_path, capsys):
    path = write(example(), "xmlocel", tmp_path)
    code, err = analyze(capsys, str(path), "--object-type", "clients", "--out", str(tmp_path / "o"))
    assert code == 3
    assert "no object type 'clients'" in err and "'customers'" in err
