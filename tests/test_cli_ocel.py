"""`parcours analyze LOG --object-type TYPE` on object-centric logs, and its usage errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import engine
from engine import cli
from engine.datasets import dataset_path
from tests.ocel_files import example, write
from tests.real_logs import SHARED, require_shared

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
    require_shared(ORDERS)
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
    assert "--case does not apply to an OCEL log" in err


def test_a_separator_does_not_apply_to_ocel(tmp_path, capsys):
    """An OCEL 1.0 CSV is comma-separated: --sep is refused rather than ignored."""
    path = write(example(), "csv", tmp_path)
    args = [str(path), "--object-type", "customers", "--sep", ";", "--out", str(tmp_path / "o")]
    code, err = analyze(capsys, *args)
    assert code == 2
    assert "--sep does not apply to an OCEL log" in err


def test_unknown_object_type_is_bad_input(tmp_path, capsys):
    path = write(example(), "xmlocel", tmp_path)
    code, err = analyze(capsys, str(path), "--object-type", "clients", "--out", str(tmp_path / "o"))
    assert code == 3
    assert "no object type 'clients'" in err and "'customers'" in err


# --- one stage mapping per object type, and --lead-time -----------------------------------

PER_TYPE = """
[orders]
conversion = { activity = "pay order" }

[[orders.stages]]
name = "order"
touchpoints = ["place order", "confirm order"]

[[orders.stages]]
name = "payment"
touchpoints = ["payment reminder", "pay order"]

[packages]
conversion = { activity = "package delivered" }

[[packages.stages]]
name = "packing"
touchpoints = ["create package"]

[[packages.stages]]
name = "shipping"
touchpoints = ["send package", "failed delivery"]

[[packages.stages]]
name = "delivered"
touchpoints = ["package delivered"]
"""

LEAD = "orders:place order->items->packages:package delivered"


def flattened_by_pm4py(object_type: str) -> pd.DataFrame:
    """pm4py's flattening of the order log on `object_type`: case, activity, UTC time."""
    pm4py = pytest.importorskip("pm4py")
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        flat = pm4py.ocel_flattening(pm4py.read_ocel(str(ORDERS)), object_type)
    return pd.DataFrame(
        {
            "case": flat["case:concept:name"].astype(str),
            "activity": flat["concept:name"].astype(str),
            "ts": pd.to_datetime(flat["time:timestamp"], utc=True),
        }
    )


def conversion_reference(flat: pd.DataFrame, activity: str, window_s: float | None) -> dict:
    """Journeys, converted ones and the median time to convert, by plain pandas."""
    start = flat.groupby("case")["ts"].min()
    hit = flat[flat["activity"] == activity].groupby("case")["ts"].min()
    elapsed = (hit - start.reindex(hit.index)).dt.total_seconds()
    if window_s is not None:
        elapsed = elapsed[elapsed <= window_s]
    return {
        "journeys": len(start),
        "converted": len(elapsed),
        "conversion_rate": len(elapsed) / len(start),
        "time_to_convert_median_s": float(np.median(elapsed)),
    }


@pytest.mark.shared_data
@pytest.mark.parametrize(
    ("object_type", "extra", "activity", "window_s"),
    [
        ("orders", [], "pay order", None),
        ("orders", ["--conversion-window", "7D"], "pay order", 7 * 86400.0),
        ("packages", ["--conversion-window", "2D"], "package delivered", 2 * 86400.0),
        ("packages", ["--conversion", "activity:failed delivery"], "failed delivery", None),
    ],
)
def test_one_mapping_file_per_object_type(tmp_path, capsys, object_type, extra, activity, window_s):
    require_shared(ORDERS)
    stages = tmp_path / "ocel.toml"
    stages.write_text(PER_TYPE)
    before = stages.read_bytes()
    out = tmp_path / "out"
    args = [str(ORDERS), "--object-type", object_type, "--stages", str(stages), *extra]
    code, err = analyze(capsys, *args, "--lead-time", LEAD, "--out", str(out))
    assert code == 0, err
    assert stages.read_bytes() == before
    summary = json.loads((out / "summary.json").read_text())
    journey = summary["journey"]
    expected = conversion_reference(flattened_by_pm4py(object_type), activity, window_s)
    assert {k: journey[k] for k in expected} == expected
    assert journey["conversion"]["activity"] == activity
    for name in ("funnel", "bottlenecks", "actions", "lead_times"):
        assert (out / f"{name}.parquet").stat().st_size > 0
    funnel = pq.read_table(out / "funnel.parquet").to_pandas()
    assert funnel["reached"].iloc[0] == expected["journeys"]
    table = pq.read_table(out / "lead_times.parquet")
    assert table.schema.field("from_time").type == pa.timestamp("ns", tz="UTC")
    api = engine.ocel_lead_times(
        ORDERS,
        from_type="orders",
        from_activity="place order",
        via=["items"],
        to_type="packages",
        to_activity="package delivered",
    )
    pd.testing.assert_frame_equal(table.to_pandas(), api.pairs)
    assert summary["lead_time"] == json.loads(json.dumps(api.summary()))
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    documented = next(line for line in readme.splitlines() if "| `lead_times.parquet`" in line)
    for key in [*table.schema.names, *summary["lead_time"]]:
        assert f"`{key}`" in documented, key


def test_lead_time_on_the_shipped_example(tmp_path, capsys):
    out = tmp_path / "out"
    code, err = analyze(
        capsys,
        str(SHIPPED),
        "--object-type",
        "Purchase Order",
        "--stages",
        str(write_mapping(tmp_path)),
        "--lead-time",
        "Purchase Order:Create Purchase Order->Invoice:Insert Invoice",
        "--out",
        str(out),
    )
    assert code == 0, err
    lead = json.loads((out / "summary.json").read_text())["lead_time"]
    # PO1 (created Jan 10, 08:15) -> R1 (Jan 14, 11:00), R2 (Jan 16, 10:00); PO2 is
    # created Feb 2, 16:00, eight hours after its invoice R3 (08:00): negative
    hours = sorted([98.75, 145.75, -8.0])
    assert (lead["pairs"], lead["measured"], lead["negative"]) == (3, 3, 1)
    assert lead["median_s"] == hours[1] * 3600 and lead["min_s"] == -8 * 3600
    journey = json.loads((out / "summary.json").read_text())["journey"]
    assert (journey["journeys"], journey["converted"]) == (2, 1)  # PO2 has no invoice event


def write_mapping(folder):
    path = folder / "p2p.toml"
    path.write_text(
        """
[Invoice]
conversion = { activity = "Insert Payment" }
[[Invoice.stages]]
name = "invoice"
touchpoints = ["Insert Invoice", "Set Payment Block", "Remove Payment Block"]
[[Invoice.stages]]
name = "payment"
touchpoints = ["Insert Payment"]

["Purchase Order"]
conversion = { activity = "Insert Invoice" }
[["Purchase Order".stages]]
name = "order"
touchpoints = ["Create Purchase Order", "Change PO Quantity"]
[["Purchase Order".stages]]
name = "invoiced"
touchpoints = ["Insert Invoice"]
"""
    )
    return path


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--object-type", "Payment"], 3, "has no model for object type 'Payment'"),
        (["--lead-time", "Invoice"], 2, "--lead-time: lead time 'Invoice' is not FROM_TYPE"),
        (
            ["--lead-time", "Invoice->Payment", "--lead-time", "Payment->Invoice"],
            2,
            "--lead-time is given 2 times",
        ),
        (["--lead-time", "Invoice->Clients"], 3, "no object type 'Clients' with events"),
        (
            ["--lead-time", "Invoice->Payment:Insert Invoice"],
            3,
            "no event of activity 'Insert Invoice' relates to an object of type 'Payment'",
        ),
        (
            ["--lead-time", "Purchase Order->Payment"],
            3,
            "relate them through a type that shares events with both (via=, or "
            "FROM->VIA->TO in --lead-time and --include-related): 'Invoice'",
        ),
    ],
)
def test_per_type_mapping_and_lead_time_errors(tmp_path, capsys, args, code, message):
    if "--object-type" not in args:
        args = ["--object-type", "Invoice", *args]
    out = tmp_path / "out"
    got, err = analyze(
        capsys, str(SHIPPED), "--stages", str(write_mapping(tmp_path)), *args, "--out", str(out)
    )
    assert got == code, err
    assert message in err and err.count("\n") == 1
    assert not out.exists()


def test_lead_time_on_a_plain_log_is_a_usage_error(tmp_path, capsys):
    code, err = analyze(
        capsys,
        str(dataset_path("receipt.xes.gz")),
        "--lead-time",
        "a->b",
        "--out",
        str(tmp_path / "out"),
    )
    assert code == 2
    assert "--lead-time relates objects of an object-centric log" in err


def test_a_per_type_file_needs_an_object_type(tmp_path):
    path = write_mapping(tmp_path)
    with pytest.raises(engine.InputError, match="one model per object type"):
        engine.JourneyModel.from_toml(path)
    model = engine.JourneyModel.from_toml(path, object_type="Purchase Order")
    assert model.stages == ("order", "invoiced")
    assert model.conversion.activity == "Insert Invoice"


def test_a_table_or_query_does_not_apply_to_ocel(tmp_path, capsys):
    """They name a table of a DuckDB file; on an OCEL log they were silently ignored."""
    path = write(example(), "csv", tmp_path)
    args = [str(path), "--object-type", "customers", "--table", "t", "--query", "SELECT 1"]
    code, err = analyze(capsys, *args, "--out", str(tmp_path / "o"))
    assert code == 2
    assert "--table, --query do not apply to an OCEL log" in err and "leave them out" in err
