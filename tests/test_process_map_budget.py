"""The tables never depend on the picture: a map within a node and edge budget, `dot`
with a timeout in a process group of its own, and a run that publishes its tables and a
report saying why the map is missing when Graphviz fails."""

from __future__ import annotations

import base64
import itertools
import os
import re
import shutil
import stat
import time

import numpy as np
import pandas as pd
import pytest

from engine import cli
from engine.analysis.coverage import variant_counts
from engine.report import process_map
from engine.report.process_map import (
    MAX_EDGES,
    MAX_NODES,
    MapCounts,
    map_counts,
    within_budget,
)
from tests.real_logs import BY_NAME

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="needs Graphviz's dot")


def _many_activities(path, n_activities=1_000, n_cases=3_000, seed=0):
    """Random walks over `n_activities` touchpoints: a clickstream of many page types."""
    rng = np.random.default_rng(seed)
    rows = []
    for c in range(n_cases):
        for k in range(rng.integers(2, 12)):
            rows.append((f"c{c}", f"page_{rng.zipf(1.3) % n_activities:04d}", c * 100 + k))
    frame = pd.DataFrame(rows, columns=["case", "activity", "ts"])
    frame["ts"] = pd.to_datetime(frame["ts"] * 60, unit="s")
    frame.to_parquet(path)
    return path


def _nodes(svg: str) -> int:
    return svg.count('class="node"')


def test_within_budget_keeps_the_most_frequent_and_says_what_it_left_out():
    acts = pd.DataFrame(
        {
            "activity": [f"a{i}" for i in range(100)],
            "frequency": np.arange(100, 0, -1),
            "start": 1,
            "end": 1,
        }
    )
    pairs = [(f"a{i}", f"a{j}", 1000 - i - j) for i in range(30) for j in range(30)]
    edges = pd.DataFrame(pairs, columns=["source", "target", "frequency"])
    kept, note = within_budget(MapCounts(edges, acts, 1.0))
    assert list(kept.activities["activity"]) == [f"a{i}" for i in range(MAX_NODES)]
    assert len(kept.edges) == MAX_EDGES
    assert kept.edges["frequency"].min() >= edges["frequency"].nlargest(MAX_EDGES).min()
    assert "60 most frequent of 100 touchpoints" in note
    assert "the 150 most frequent of the 900 paths between them" in note
    small = MapCounts(edges.head(5), acts.head(5), 1.0)
    assert within_budget(small) == (small, None)


def test_a_map_cut_to_its_budget_says_how_many_journeys_it_still_draws():
    """Cut to a, b (the two most frequent touchpoints), the map draws whole only the
    journeys a → b (3 of 10), not the 100% of the variants it was made of; and its note
    names the paths it keeps as what they are, the ones between the kept touchpoints."""
    variants = pd.DataFrame(
        {"variant": [["a", "b", "c"], ["a", "b"], ["d"]], "frequency": [5, 3, 2]}
    )
    counts = variant_counts(variants)
    full = map_counts(counts.edges, counts.activities, variants, 1.0)
    kept, note = within_budget(full, max_nodes=2)
    assert list(kept.activities["activity"]) == ["a", "b"]
    assert kept.coverage == pytest.approx(0.3)
    assert note == (
        "the map was cut to fit its budget of 2 touchpoints and 150 paths: it shows the 2 "
        "most frequent of 4 touchpoints and the 1 path between them (of 2 paths in all); "
        "30% of all journeys are drawn whole; the tables have them all"
    )
    half = map_counts(counts.edges, counts.activities, variants, 0.5)  # a → b → c only
    assert half.coverage == pytest.approx(0.5)
    assert within_budget(half, max_nodes=2)[0].coverage == 0


@needs_dot
def test_a_log_of_a_thousand_page_types_gets_a_readable_map(tmp_path):
    log = _many_activities(tmp_path / "clicks.parquet")
    out = tmp_path / "out"
    args = ["analyze", str(log), "--case", "case", "--activity", "activity", "--timestamp", "ts"]
    assert cli.main([*args, "--out", str(out), "--quiet"]) == 0
    svg = (out / "process_map.svg").read_text()
    assert _nodes(svg) <= MAX_NODES + 2  # start and end
    assert (out / "process_map.png").stat().st_size > 0
    page = (out / "report.html").read_text()
    assert "most frequent of" in page and "touchpoints" in page
    # The slider's label is the share of journeys the map draws whole (every touchpoint
    # and step of theirs drawn), as counted from the log; not the 100% it was asked for.
    label, data = re.findall(
        r'<img class="process-map" data-label="([^"]*)"[^>]*base64,([^"]*)"', page
    )[-1]
    svg = base64.b64decode(data).decode()
    names = {
        title: texts[0]
        for title, texts in (
            (re.search(r"<title>(.*?)</title>", g).group(1), re.findall(r">([^<]*)</text>", g))
            for g in re.findall(r'<g id="node\d+" class="node">(.*?)</g>', svg, re.S)
        )
    }
    steps = re.findall(r"<title>(a\d+)&#45;&gt;(a\d+)</title>", svg)
    drawn = {(names[source], names[target]) for source, target in steps}
    paths = pd.read_parquet(log).groupby("case", sort=False)["activity"].agg(list)
    kept = set(names.values())
    whole = paths.map(lambda p: set(p) <= kept and set(itertools.pairwise(p)) <= drawn)
    assert label == f"{whole.mean():.0%} (cut to fit: see the note below the map)"
    assert whole.mean() < 0.9


@needs_dot
def test_megabyte_names_are_cut_in_the_map(tmp_path):
    long = "x" * 1_000_000
    frame = pd.DataFrame(
        {"case": ["a", "a", "b"], "activity": [long, "y", long], "ts": pd.to_datetime([1, 2, 3])}
    )
    frame.to_parquet(tmp_path / "long.parquet")
    out = tmp_path / "out"
    args = ["analyze", str(tmp_path / "long.parquet"), "--case", "case", "--activity", "activity"]
    assert cli.main([*args, "--timestamp", "ts", "--out", str(out), "--quiet"]) == 0
    svg = (out / "process_map.svg").read_text()
    assert len(svg) < 200_000 and "…" in svg


def _fake_dot(folder, body: str):
    """A `dot` on PATH that runs `body` (a shell script), writing its PID first."""
    folder.mkdir()
    script = folder / "dot"
    script.write_text(f"#!/bin/sh\necho $$ >> {folder}/pids\n{body}\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return folder


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ("exec sleep 600", "took longer than 1 s"),
        ("kill -SEGV $$", "died of SIGSEGV"),
        ("echo 'Error: syntax error in line 1' >&2; exit 1", "dot failed: Error: syntax error"),
    ],
)
def test_a_failing_layout_still_publishes_the_tables_and_a_report(
    tmp_path, monkeypatch, capsys, body, says
):
    fake = _fake_dot(tmp_path / "bin", body)
    monkeypatch.setenv("PATH", f"{fake}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setattr(process_map, "DOT_TIMEOUT_S", 1.0)
    monkeypatch.setattr(process_map.render, "__kwdefaults__", {"timeout": 1.0})
    out = tmp_path / "out"
    started = time.monotonic()
    code = cli.main(["analyze", str(BY_NAME["sepsis.xes.gz"].path), "--out", str(out)])
    assert code == 0 and time.monotonic() - started < 120
    err = capsys.readouterr().err
    assert "warning:" in err and says in err
    assert (out / "summary.json").exists() and (out / "edges.parquet").exists()
    assert not (out / "process_map.svg").exists()
    page = (out / "report.html").read_text()
    assert "The process map could not be drawn" in page and says in page
    for pid in (tmp_path / "bin" / "pids").read_text().split():
        assert not os.path.exists(f"/proc/{pid}") or _zombie(pid), f"dot {pid} left running"


def _zombie(pid: str) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().split(")")[-1].split()[0] == "Z"
    except OSError:
        return True


@needs_dot
@pytest.mark.shared_data
@pytest.mark.parametrize(
    "name",
    ["BPIC2020_PermitLog_one_trace_per_variant.xes.gz", "BPIC2019_one_trace_per_variant.xes.gz"],
)
def test_the_default_run_on_the_most_varied_real_logs_draws_a_map(tmp_path, name):
    """The high-variety public logs (51 and 42 activities, thousands of paths)."""
    path = BY_NAME[name].require()
    out = tmp_path / "out"
    started = time.monotonic()
    assert cli.main(["analyze", str(path), "--out", str(out), "--quiet"]) == 0
    assert time.monotonic() - started < 120
    svg = (out / "process_map.svg").read_text()
    assert 0 < _nodes(svg) <= MAX_NODES + 2
    assert svg.count('class="edge"') <= MAX_EDGES + 2 * MAX_NODES  # paths, starts, ends
