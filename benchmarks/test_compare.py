"""The side-by-side script runs end to end and the tools agree on what they counted."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from engine.datasets.synthetic import write_parquet

SCRIPT = Path(__file__).with_name("compare.py")


def _compare(folder: Path, *args: str) -> tuple[subprocess.CompletedProcess, dict]:
    """Run compare.py once per tool in `folder` and return (the process, its JSON report)."""
    report = folder / "report.json"
    command = [sys.executable, str(SCRIPT), *args, "--repeat", "1", "--json", str(report)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=folder, check=False)
    assert done.returncode == 0, done.stderr
    return done, json.loads(report.read_text())


def test_compare_script_reports_agreeing_tools(tmp_path: Path) -> None:
    log = write_parquet(tmp_path / "log.parquet", 20_000, seed=3)
    done, result = _compare(tmp_path, "--log", str(log), "--tools", "parcours,pm4py")
    assert result["disagreements"] == []
    tools = result["tools"]
    assert tools["parcours"]["events"] == tools["pm4py"]["events"] == 20_000
    assert tools["parcours"]["variants"] == tools["pm4py"]["variants"] > 1
    assert tools["parcours"]["peak_rss_mb"] > tools["parcours"]["rss_after_import_mb"] > 0
    assert "| parcours |" in done.stdout and "speed-up vs pm4py" in done.stdout
    kernels = result["kernels_on_built_log"]
    assert kernels["pairs"] == kernels["events"] - kernels["cases"]
    assert kernels["edges"] == tools["parcours"]["edges"]
    passes = kernels["passes"]
    assert passes["roofline"]["share_of_roofline"] == 1.0
    assert 0 < passes["dfg+performance+variants"]["share_of_roofline"] < 1
    kernel_rows = [name for name in passes if name.startswith("kernel ")]
    assert "kernel variants.assign_variants" in kernel_rows and len(kernel_rows) == 4
    assert all(passes[name]["median_seconds"] > 0 for name in kernel_rows)
    assert "| roofline |" in done.stdout


def test_the_expert_peer_queries_compute_the_same_figures(tmp_path: Path) -> None:
    """DuckDB's and Polars' queries (the bench extra) give parcours' edges, frequencies,
    distinct cases and medians and its variant count, on both log shapes."""
    import pytest

    for module in ("duckdb", "polars"):
        pytest.importorskip(module, reason=f"{module} comes with the bench extra")
    for shape in ("generator", "warehouse"):
        _, result = _compare(
            tmp_path, "--events", "30000", "--shape", shape, "--tools", "parcours,duckdb,polars"
        )
        assert result["disagreements"] == []
        tools = result["tools"]
        assert (
            tools["duckdb"]["variants"]
            == tools["polars"]["variants"]
            == tools["parcours"]["variants"]
        )
        assert all(t["fresh_process_seconds"] > 0 for t in tools.values())


def test_the_tools_agree_reading_the_same_log_as_csv(tmp_path: Path) -> None:
    """--format csv: every tool reads the same CSV file with its own reader and they
    agree on edges, frequencies, distinct cases, medians and variants."""
    import pytest

    for module in ("duckdb", "polars"):
        pytest.importorskip(module, reason=f"{module} comes with the bench extra")
    for shape in ("generator", "warehouse"):
        _, result = _compare(
            tmp_path,
            *("--events", "30000", "--shape", shape, "--format", "csv"),
            *("--tools", "parcours,pm4py,duckdb,polars"),
        )
        assert result["log"].endswith(".csv")
        assert result["disagreements"] == []
        tools = result["tools"]
        assert len({t["variants"] for t in tools.values()}) == 1
        assert len({t["events"] for t in tools.values()}) == 1
