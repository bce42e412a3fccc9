"""The discovery notebook runs top to bottom (on the shop log when ../shared/data has it,
else on the shipped receipt log), and shows what each step promises."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.real_logs import SHARED

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "journey_discovery.ipynb"


def test_discovery_notebook_runs_top_to_bottom(tmp_path, monkeypatch):
    monkeypatch.setenv("PARCOURS_SHARED_DATA", str(SHARED))
    outputs, text = _execute(NOTEBOOK, tmp_path, monkeypatch)
    assert "stages:" in text and "fitness" in text
    mimes = {m for o in outputs for m in o.get("data", {})}
    assert "image/svg+xml" in mimes  # the process map and the BPMN model drew
    assert "application/vnd.plotly.v1+json" in mimes  # the funnel and segment charts
    assert (tmp_path / "journey_model.bpmn").stat().st_size > 0
    shop = (SHARED / "journey_retentioneering_simple_shop.csv").exists()
    assert ("payment_done" in text) == shop  # the shop log when present, else the fallback
    assert os.environ["PARCOURS_SHARED_DATA"] == str(SHARED)


ORDERS_NOTEBOOK = NOTEBOOK.parent / "ocel_orders.ipynb"


@pytest.mark.parametrize("data", ["shared", "absent"])
def test_ocel_orders_notebook_runs_top_to_bottom(tmp_path, monkeypatch, data):
    """On the order simulation when ../shared/data has it, else on the shipped OCEL 2.0
    example, saying so; the kernel imports this checkout's engine."""
    folder = SHARED if data == "shared" else tmp_path / "no-shared-data"
    monkeypatch.setenv("PARCOURS_SHARED_DATA", str(folder))
    _, text = _execute(ORDERS_NOTEBOOK, tmp_path, monkeypatch)
    assert "stages:" in text and "fully delivered within 14 days" in text
    assert "related events taken in" in text  # journeys that convert at their delivery
    orders = (folder / "ocel" / "ocel_order_simulated.csv").exists()
    if orders:
        assert "'pairs': 4396" in text and "'from': 'orders'" in text
    else:
        assert "running on the shipped ocel20_example.jsonocel instead" in text
        assert "'from': 'Purchase Order'" in text


def _execute(path: Path, folder: Path, monkeypatch) -> tuple[list, str]:
    """Run the notebook top to bottom in `folder`, its kernel importing this checkout (a
    new process: this checkout first on its import path, not an installed copy); its
    outputs, none of them an error, and their text."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    repo = str(NOTEBOOK.parents[1])
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join(filter(None, [repo, os.environ.get("PYTHONPATH")]))
    )
    notebook = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": folder}}
    )
    client.execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    text = "\n".join(
        str(o.get("text", "")) + str(o.get("data", {}).get("text/plain", "")) for o in outputs
    )
    return outputs, text
