"""report.html: built from the output files, self-contained, opened in headless Chromium.

The browser tests need Debian's `chromium` and `chromium-driver` (the README's test command
installs them); without them they skip and say so. Screenshots are kept under
test-artifacts/ (or $PARCOURS_ARTIFACTS) for a person to look at.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from engine.cli import main

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = Path(os.environ.get("PARCOURS_ARTIFACTS", REPO / "test-artifacts"))
HOSTILE = [
    "<script>window.__xss = 1</script>",
    '<img src=x onerror="window.__xss = 2">',
    '"><svg onload="window.__xss = 3">',
    "</script><script>window.__xss = 4</script>",
    "\\N\\G <b>bold</b> & &amp; {{ x }}",
]


def chromium_driver():
    """A headless Chromium that records JavaScript errors from the first line on."""
    chromium, driver_path = shutil.which("chromium"), shutil.which("chromedriver")
    if not chromium or not driver_path:
        pytest.skip(
            "needs Debian's chromium and chromium-driver "
            "(apt-get install -y chromium chromium-driver)"
        )
    webdriver = pytest.importorskip("selenium.webdriver")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1300,900"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=webdriver.ChromeService(driver_path), options=options)
    driver.execute_cdp_cmd(
        "Page.addScriptToEvaluateOnNewDocument",
        {
            "source": "window.__errors = []; window.addEventListener('error', function (e) {"
            " window.__errors.push(String(e.message)); });"
            " window.__warnings = []; var warn = console.warn; console.warn = function () {"
            " window.__warnings.push(Array.from(arguments).join(' '));"
            " warn.apply(console, arguments); };"
        },
    )
    return driver


def open_report(path: Path, screenshot: str) -> dict:
    """Load the page, wait for the charts, screenshot it; return what the page holds."""
    driver = chromium_driver()
    try:
        driver.get(path.resolve().as_uri())
        driver.set_script_timeout(30)
        state = driver.execute_async_script(
            """
            var done = arguments[arguments.length - 1];
            var data = document.getElementById('chart-data').textContent;
            var expected = Object.keys(JSON.parse(data)).length;
            var tries = 0;
            (function wait() {
              var drawn = document.querySelectorAll('.js-plotly-plot .main-svg').length;
              var plots = document.querySelectorAll('.js-plotly-plot').length;
              if ((plots >= expected && drawn > 0) || tries++ > 100) {
                var maps = Array.from(document.querySelectorAll('img.process-map'));
                done({
                  errors: window.__errors, warnings: window.__warnings,
                  xss: window.__xss === undefined ? null : window.__xss,
                  expected: expected, plots: plots, drawn: drawn,
                  maps: maps.map(function (m) { return m.complete && m.naturalWidth > 0; }),
                  text: document.body.innerText,
                  resources: performance.getEntriesByType('resource').map(
                    function (r) { return r.name; })
                });
              } else { setTimeout(wait, 100); }
            })();
            """
        )
        height = driver.execute_script("return document.body.scrollHeight")
        driver.set_window_size(1300, min(int(height) + 100, 16000))
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(ARTIFACTS / screenshot))
        state["console"] = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
        return state
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def journey_run(tmp_path_factory):
    """A full run on the shipped synthetic-like real log with every journey option."""
    out = tmp_path_factory.mktemp("report") / "out"
    data = tmp_path_factory.mktemp("data") / "journeys.parquet"
    assert main(["generate", str(data), "--events", "20000", "--seed", "3", "--quiet"]) == 0
    code = main(
        [
            "analyze",
            str(data),
            "--case",
            "customer_id",
            "--activity",
            "touchpoint",
            "--timestamp",
            "ts",
            "--stages",
            "default",
            "--segment",
            "segment",
            "--channel",
            "channel",
            "--score",
            "csat",
            "--model",
            "inductive",
            "--expected",
            "stages",
            "--conformance-coverage",
            "0.9",
            "--out",
            str(out),
            "--quiet",
        ]
    )
    assert code == 0
    return out


def test_analyze_writes_every_file(journey_run):
    names = {p.name for p in journey_run.iterdir()}
    expected = {
        "edges.parquet",
        "variants.parquet",
        "activities.parquet",
        "summary.json",
        "stages.parquet",
        "stage_transitions.parquet",
        "stage_dwell.parquet",
        "funnel.parquet",
        "time_to_convert.parquet",
        "bottlenecks.parquet",
        "actions.parquet",
        "segments.parquet",
        "channels.parquet",
        "channel_mix.parquet",
        "satisfaction.parquet",
        "journey_variants.parquet",
        "attribution.parquet",
        "model.bpmn",
        "model.pnml",
        "conformance.parquet",
        "report.html",
        "process_map.svg",
        "process_map.png",
    }
    assert names == expected, names ^ expected
    summary = json.loads((journey_run / "summary.json").read_text())
    assert 0 <= summary["conformance"]["fitness"] <= 1
    assert 0.9 <= summary["conformance"]["replayed_share"] < 1
    assert summary["journey"]["touchpoints"]["checkout"] == "purchase"
    assert (journey_run / "process_map.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert b"<svg" in (journey_run / "process_map.svg").read_bytes()


def test_report_is_self_contained_and_small(journey_run):
    page = (journey_run / "report.html").read_text(encoding="utf-8")
    assert len(page.encode()) < 10_000_000
    # Nothing is fetched: no external script, stylesheet, image or font.
    assert not re.search(r"<(script|link|img|iframe)[^>]+(src|href)=[\"']?(https?:)?//", page)
    assert "data:image/svg+xml;base64," in page
    for heading in (
        "Summary",
        "What to fix first",
        "Process map",
        "Stage funnel",
        "Journey map",
        "Bottlenecks",
        "Segments",
        "Channels",
        "Variant explorer",
    ):
        assert f"<h2>{heading}</h2>" in page, heading


def test_report_rebuilds_from_the_parquet_files(journey_run, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(journey_run, copy)
    for name in ("report.html", "process_map.svg", "process_map.png"):
        (copy / name).unlink()
    assert main(["report", str(copy), "--quiet"]) == 0
    assert (copy / "report.html").stat().st_size > 1_000_000
    assert (copy / "process_map.svg").exists() and (copy / "process_map.png").exists()


@pytest.mark.parametrize("table", ["edges", "activities", "variants", "stages", "actions"])
def test_a_folder_missing_a_table_its_run_wrote_is_refused(journey_run, tmp_path, capsys, table):
    """A missing process table was an internal error (exit 1), a missing journey table a
    report silently without its section: both are a folder no run wrote."""
    copy = tmp_path / "copy"
    shutil.copytree(journey_run, copy)
    (copy / f"{table}.parquet").unlink()
    (copy / "report.html").unlink()
    assert main(["report", str(copy), "--quiet"]) == 3
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert last.startswith("parcours: error:") and f"lacks {table}.parquet" in last
    assert not (copy / "report.html").exists()


def test_report_command_errors(tmp_path, capsys):
    assert main(["report", str(tmp_path)]) == 3
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert last.startswith("parcours: error:") and "no summary.json" in last
    assert main(["report", str(tmp_path), "--map-coverage", "0"]) == 2


def test_report_opens_cleanly_in_chromium(journey_run):
    state = open_report(journey_run / "report.html", "report.png")
    assert state["errors"] == [] and state["console"] == [], (state["errors"], state["console"])
    assert state["warnings"] == [], state["warnings"][:3]  # e.g. "Invalid color specifier"
    assert state["expected"] >= 8
    assert state["plots"] == state["expected"] and state["drawn"] >= state["expected"]
    assert state["maps"] and all(state["maps"])
    assert state["resources"] == []  # opened offline: nothing fetched
    assert "What to fix first" in state["text"]


def test_labels_from_the_log_never_run(tmp_path):
    """Activity names, case ids and segment values carrying HTML and script stay text."""
    rows = []
    for case in range(40):
        steps = [HOSTILE[0], HOSTILE[1 + case % 3], HOSTILE[4]]
        if case % 2:
            steps.append(HOSTILE[3])
        for i, step in enumerate(steps):
            rows.append(
                {
                    "case": f"<i>case {case}</i>",
                    "activity": step,
                    "ts": pd.Timestamp("2026-01-01") + pd.Timedelta(hours=case * 10 + i),
                    "segment": HOSTILE[case % 2],
                    "channel": HOSTILE[2 + case % 2],
                }
            )
    log = tmp_path / "hostile.csv"
    pd.DataFrame(rows).to_csv(log, index=False)
    stages = tmp_path / "stages.toml"
    stages.write_text(
        "conversion = { activity = " + json.dumps(HOSTILE[3]) + " }\n"
        "[[stages]]\nname = " + json.dumps(HOSTILE[1]) + "\n"
        "touchpoints = " + json.dumps(HOSTILE[:3]) + "\n"
        "[[stages]]\nname = " + json.dumps(HOSTILE[2]) + "\n"
        "touchpoints = " + json.dumps(HOSTILE[3:]) + "\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    args = [
        "analyze",
        str(log),
        "--case",
        "case",
        "--activity",
        "activity",
        "--timestamp",
        "ts",
        "--stages",
        str(stages),
        "--segment",
        "segment",
        "--channel",
        "channel",
        "--min-journeys",
        "5",
        "--out",
        str(out),
        "--quiet",
    ]
    assert main(args) == 0
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "<script>window.__xss" not in page
    assert 'onerror="window' not in page
    state = open_report(out / "report.html", "report_hostile.png")
    assert state["xss"] is None
    assert state["errors"] == [] and state["console"] == []
    assert HOSTILE[0] in state["text"]  # shown as text, literally
    assert state["plots"] == state["expected"]


def test_kaplan_meier_curve_is_thinned_for_drawing_within_its_tolerance():
    """A million journeys give a Kaplan–Meier row per distinct time; the chart keeps about
    two thousand, and the drawn step curve stays within 1/1000 of the full one."""
    import numpy as np

    from engine.report.charts import thin_steps

    rng = np.random.default_rng(5)
    time = np.sort(rng.exponential(86_400 * 30, 200_000))
    conversion = np.cumsum(rng.random(200_000))
    conversion = 0.6 * conversion / conversion[-1]
    table = pd.DataFrame({"time_s": time, "conversion": conversion})
    thin = thin_steps(table, points=1_000)
    assert len(thin) <= 2_002 and thin.index[0] == 0 and thin.index[-1] == len(table) - 1
    drawn = thin["conversion"].to_numpy()[
        np.searchsorted(thin["time_s"].to_numpy(), time, side="right") - 1
    ]
    assert np.max(np.abs(drawn - conversion)) <= 0.6 / 999 + 1e-12
    small = table.head(50)
    assert thin_steps(small) is small


def test_without_graphviz_the_report_is_written_and_says_how_to_add_the_map(
    journey_run, tmp_path, monkeypatch
):
    from engine.report import build

    def missing(source, fmt):
        raise build.GraphvizMissing("Graphviz's 'dot' program is not installed (apt-get ...)")

    monkeypatch.setattr(build, "render", missing)
    copy = tmp_path / "copy"
    shutil.copytree(journey_run, copy)
    for name in ("report.html", "process_map.svg", "process_map.png"):
        (copy / name).unlink()
    written, warnings = build.write_report(copy)
    assert written == ["report.html"] and "not installed" in warnings[0]
    page = (copy / "report.html").read_text(encoding="utf-8")
    assert "The process map could not be drawn" in page and "parcours report DIR" in page
    assert not (copy / "process_map.svg").exists()


BIDI = "\u202eabc\u2066x\u2069"


def test_bidirectional_controls_are_shown_not_obeyed(tmp_path, capsys):
    """A label carrying U+202E (right-to-left override) would read backwards or hide
    text; every label shows the control as a visible mark instead."""
    rows = [
        {"case": f"c{c}", "activity": a, "ts": pd.Timestamp("2026-01-01") + pd.Timedelta(hours=i)}
        for c in range(40)
        for i, a in enumerate(["start", f"pay{BIDI}", "end"][: 2 + c % 2])
    ]
    log = tmp_path / "bidi.csv"
    pd.DataFrame(rows).to_csv(log, index=False)
    out = tmp_path / "out"
    args = ["analyze", str(log), "--case", "case", "--activity", "activity", "--timestamp", "ts"]
    assert main([*args, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    files = [(out / "report.html").read_text(encoding="utf-8"), printed]
    if (out / "process_map.svg").exists():
        files.append((out / "process_map.svg").read_text(encoding="utf-8"))
    for text in files:
        assert not re.search("[\u202a-\u202e\u2066-\u2069]", text)
    data = re.search(r'id="chart-data">(.*?)</script>', files[0], re.S).group(1)
    assert "\\u202e" not in data.lower()  # nor escaped in the chart data
    assert "⟦U+202E⟧" in files[0] and "⟦U+202E⟧" in printed
