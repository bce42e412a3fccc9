"""engine.run.analyze: the command line's output folder, from Python."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import engine
from engine import cli
from engine.datasets import dataset_path
from engine.journey import JourneyModel
from engine.run import AnalysisOptions, analyze


def test_analyze_from_python_writes_the_command_lines_folder(tmp_path):
    path = dataset_path("sepsis.xes.gz")
    flags = ["--stages", "sepsis", "--segment", "org:group", "--min-journeys", "20", "--top", "3"]
    assert cli.main(["analyze", str(path), "--out", str(tmp_path / "cli"), "--quiet",
                     "--no-report", *flags]) == 0  # fmt: skip
    log = engine.read_log(path, attributes=["org:group"])
    model = JourneyModel.template("sepsis")
    summary = analyze(
        log,
        tmp_path / "py",
        model=model,
        segments=("org:group",),
        min_journeys=20,
        top=3,
        report=False,
    )
    files = sorted(p.name for p in (tmp_path / "cli").iterdir())
    assert files == sorted(p.name for p in (tmp_path / "py").iterdir())
    assert "segments.parquet" in files and "actions.parquet" in files
    for name in files:
        if name.endswith(".parquet"):
            pd.testing.assert_frame_equal(
                pd.read_parquet(tmp_path / "py" / name), pd.read_parquet(tmp_path / "cli" / name)
            )
    written = json.loads((tmp_path / "cli" / "summary.json").read_text())
    assert json.loads((tmp_path / "py" / "summary.json").read_text()) == written
    assert summary["journey"]["actions"] == written["journey"]["actions"]
    assert len(summary["journey"]["actions"]) <= 3


def test_options_come_one_way():
    log = engine.read_log(dataset_path("receipt.xes.gz"))
    with pytest.raises(engine.InputError, match="not both"):
        analyze(log, "unused", AnalysisOptions(), top=3)
    with pytest.raises(TypeError):
        analyze(log, "unused", tops=3)
