"""What report.html says agrees with the output tables it is built from: the figures in
its charts (the plotly data embedded in the page, decoded) and its visible text.

One small shop log serves most tests: converting journeys that go on to a delivery (a step
taken only after converting), two kinds of abandoning journeys, journeys of a touchpoint in
no stage ('newsletter'), a segment too small to compare, and a slice (--where)."""

from __future__ import annotations

import base64
import html
import json
import re
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from engine.cli import main

PATHS = {
    "buy": ["ad_click", "product_page", "add_to_cart", "checkout", "purchase", "delivery"],
    "look": ["search", "product_page"],
    "compare": ["ad_click", "product_page", "compare"],
    "news": ["newsletter"],
}


def shop_log(path: Path) -> Path:
    """100 journeys of each path of PATHS (minutes apart), 3 of them 'vip', 20 'gone'."""
    rng = np.random.default_rng(11)
    start = pd.Timestamp("2026-03-01T00:00:00Z")
    rows = []
    case = 0
    for steps in PATHS.values():
        for _ in range(100):
            segment = "vip" if case < 3 else ("gone" if case % 20 == 7 else "new")
            t = start + pd.Timedelta(minutes=int(rng.integers(0, 60 * 24 * 20)))
            for step in steps:
                rows.append((f"c{case:04d}", step, t, segment))
                t += pd.Timedelta(seconds=int(rng.integers(30, 1_200)))
            case += 1
    frame = pd.DataFrame(rows, columns=["customer_id", "touchpoint", "ts", "segment"])
    frame.to_csv(path, index=False)
    return path


GEN = ["--case", "customer_id", "--activity", "touchpoint", "--timestamp", "ts"]


def analyze(log: Path, out: Path, *flags: str) -> Path:
    args = ["analyze", str(log), *GEN, "--stages", "default", *flags]
    assert main([*args, "--out", str(out), "--quiet"]) == 0
    return out


@pytest.fixture(scope="module")
def shop(tmp_path_factory) -> Path:
    """The shop log less its 'gone' journeys (a slice: 95 of each path, 380 in all),
    compared on its 3 'vip' journeys, its map drawn at 50% of journeys."""
    folder = tmp_path_factory.mktemp("shop")
    log = shop_log(folder / "shop.csv")
    flags = ["--segment", "segment", "--compare", "segment=vip", "--where", "segment != 'gone'"]
    return analyze(log, folder / "out", *flags, "--map-coverage", "0.5")


def decode(value: Any) -> Any:
    """Plotly's JSON with its typed arrays ({"dtype", "bdata"}) read back as lists."""
    if isinstance(value, dict) and "bdata" in value and "dtype" in value:
        array = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
        if "shape" in value:
            array = array.reshape([int(n) for n in str(value["shape"]).split(",")])
        return array.tolist()
    if isinstance(value, dict):
        return {k: decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode(v) for v in value]
    return value


def charts(folder: Path) -> dict[str, Any]:
    page = (folder / "report.html").read_text(encoding="utf-8")
    data = re.search(r'id="chart-data">(.*?)</script>', page, re.S).group(1)
    return decode(json.loads(data))


def visible_text(folder: Path) -> str:
    """The page's text as a reader sees it, one space between words (scripts removed)."""
    page = (folder / "report.html").read_text(encoding="utf-8")
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    page = re.sub(r"<[^>]+>", " ", page)
    return re.sub(r"\s+", " ", html.unescape(page)).strip()


def section(folder: Path, name: str) -> str:
    """The HTML of the page's <section id=name>."""
    page = (folder / "report.html").read_text(encoding="utf-8")
    return re.search(rf'<section id="{name}".*?</section>', page, re.S).group(0)


def words(markup: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", markup))).strip()


def rows(markup: str) -> list[list[str]]:
    """The cells of each table row in `markup`, as text (header rows left out)."""
    return [
        [words(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", markup, re.S)
        if "<td" in row
    ]


def table(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_parquet(folder / f"{name}.parquet")


def summary(folder: Path) -> dict[str, Any]:
    return json.loads((folder / "summary.json").read_text(encoding="utf-8"))


def map_edges(svg: str) -> dict[tuple[str, str], list[str]]:
    """The labels of each path drawn on a process map (SVG), by source and target name."""
    names = {}
    for node in re.findall(r'<g id="node\d+" class="node">(.*?)</g>', svg, re.S):
        title = html.unescape(re.search(r"<title>(.*?)</title>", node).group(1))
        texts = [html.unescape(t) for t in re.findall(r">([^<]*)</text>", node)]
        names[title] = " ".join(texts[:-1]) or texts[0]  # the name, then the count
    edges = {}
    for edge in re.findall(r'<g id="edge\d+" class="edge">(.*?)</g>', svg, re.S):
        source, target = html.unescape(re.search(r"<title>(.*?)</title>", edge).group(1)).split(
            "->"
        )
        texts = [html.unescape(t) for t in re.findall(r">([^<]*)</text>", edge)]
        edges[(names[source], names[target])] = texts
    return edges


def page_maps(folder: Path) -> list[dict[str, Any]]:
    """The process maps of the page's slider: label, note, whether shown, SVG."""
    page = (folder / "report.html").read_text(encoding="utf-8")
    found = re.findall(
        r'<img class="process-map" data-label="([^"]*)" data-left-out="([^"]*)" '
        r'src="data:image/svg\+xml;base64,([^"]*)"[^>]*?(hidden)?>',
        page,
    )
    return [
        {
            "label": html.unescape(label),
            "left_out": html.unescape(left_out),
            "svg": base64.b64decode(data).decode(),
            "shown": not hidden,
        }
        for label, left_out, data, hidden in found
    ]


def test_funnel_percentages_are_of_all_journeys(shop):
    """95 of the 380 journeys touch no stage: 285 reach discovery, 75% of all (funnel's
    share), not the 100% of plotly's 'percent initial'."""
    funnel = table(shop, "funnel")
    assert funnel["reached"].tolist()[:3] == [285, 285, 95]
    assert [f"{s:.0%}" for s in funnel["share"][:3]] == ["75%", "75%", "25%"]
    chart = charts(shop)["funnel"]
    trace = chart["data"][0]
    assert trace["type"] == "funnel" and "percent" not in trace["textinfo"]
    assert trace["text"][:3] == ["285 (75%)", "285 (75%)", "95 (25%)"]
    assert "(% of all 380 journeys)" in chart["layout"]["title"]["text"]
    assert chart["layout"]["xaxis"]["tickformat"] == ",d"  # 11,163, never 11.163k


def test_funnel_counts_are_written_in_one_format():
    from engine.report import charts as report_charts

    funnel = pd.DataFrame(
        {
            "stage": ["a", "b"],
            "reached": [11_163, 8_376],
            "share": [1.0, 0.75],
            "drop_off": [2_787, 8_376],
            "drop_off_share": [0.25, 1.0],
        }
    )
    figure = report_charts.funnel(funnel, 11_163)
    assert list(figure.data[0].text) == ["11,163 (100%)", "8,376 (75%)"]
    assert "%{x:,}" in figure.data[0].hovertemplate and "%{x:,}" in figure.data[1].hovertemplate


def test_the_map_and_the_tables_number_steps_as_the_action_list(shop):
    """The map marks the first touchpoint steps of the action list with their number in
    it (ad_click → product_page is action #4 and bottleneck rank 5; the map once called
    it #1), and the bottleneck table shows both numbers, each named."""
    actions = table(shop, "actions")
    first = actions[actions["level"] == "touchpoint"].head(3)
    expected = {
        (s, t): f"action #{r}"
        for s, t, r in zip(first["source"], first["target"], first["rank"], strict=True)
    }
    assert expected[("ad_click", "product_page")] == "action #4"
    marked = {
        edge: next(t for t in texts if "#" in t)
        for edge, texts in map_edges((shop / "process_map.svg").read_text()).items()
        if any("#" in t for t in texts)
    }
    assert marked == expected
    bottlenecks = table(shop, "bottlenecks").set_index(["source", "target"])
    assert bottlenecks.loc[("ad_click", "product_page"), "rank"] == 5
    listed = {r[2]: (r[0], r[1]) for r in rows(section(shop, "bottlenecks"))}
    assert listed["ad_click → product_page"] == ("5", "#4")
    for row in actions.itertuples():  # every action is in the table by its number
        prefix = "" if row.level == "touchpoint" else row.level.replace("_", " ") + ": "
        step = prefix + (f"{row.source} → {row.target}" if row.target else row.source)
        assert listed[step][1] == f"#{row.rank}"
    head = words(section(shop, "bottlenecks"))
    assert "“action” its number in “What to fix first” and on the process map" in head


def test_a_map_from_a_bottleneck_table_keeps_its_ranks():
    from engine.report.process_map import MapCounts, process_map_source

    activities = pd.DataFrame(
        {"activity": ["a", "b", "c"], "frequency": [9, 9, 9], "start": [9, 0, 0], "end": 0}
    )
    edges = pd.DataFrame({"source": ["a", "b"], "target": ["b", "c"], "frequency": [9, 9]})
    times = edges.assign(median_s=[60.0, 120.0])
    ranked = pd.DataFrame(
        {
            "rank": [1, 2, 3],
            "level": ["stage", "touchpoint", "touchpoint"],
            "source": ["s", "b", "a"],
            "target": [None, "c", "b"],
        }
    )
    source = process_map_source(MapCounts(edges, activities, 1.0), times, bottlenecks=ranked)
    assert "bottleneck #2" in source and "bottleneck #3" in source
    assert "bottleneck #1" not in source
    source = process_map_source(MapCounts(edges, activities, 1.0), times, actions=ranked)
    assert "action #2" in source and "action #3" in source and "bottleneck" not in source


def test_a_rebuilt_report_draws_the_map_at_the_runs_coverage(shop, tmp_path):
    """analyze --map-coverage 0.5 records it in summary.json; `parcours report DIR` then
    draws the same map with the slider at 50%, not at the default 90% (100% here)."""
    assert summary(shop)["map_coverage"] == 0.5
    shown = [m for m in page_maps(shop) if m["shown"]]
    assert [m["label"] for m in shown] == ["50%"]
    copy = tmp_path / "copy"
    shutil.copytree(shop, copy)
    (copy / "report.html").unlink()
    assert main(["report", str(copy), "--quiet"]) == 0
    assert (copy / "process_map.svg").read_bytes() == (shop / "process_map.svg").read_bytes()
    assert [m["label"] for m in page_maps(copy) if m["shown"]] == ["50%"]
    assert summary(copy) == summary(shop)
    # Asked for another coverage, the rebuild records it: the folder stays consistent.
    assert main(["report", str(copy), "--map-coverage", "1", "--quiet"]) == 0
    assert summary(copy)["map_coverage"] == 1.0
    assert [m["label"] for m in page_maps(copy) if m["shown"]] == ["100%"]
    # A folder written before the field: the default, 90% (all 4 paths, 100% of journeys).
    older = {k: v for k, v in summary(shop).items() if k != "map_coverage"}
    (copy / "summary.json").write_text(json.dumps(older), encoding="utf-8")
    assert main(["report", str(copy), "--quiet"]) == 0
    assert [m["label"] for m in page_maps(copy) if m["shown"]] == ["100%"]
    assert summary(copy)["map_coverage"] == 0.9


def test_the_report_says_it_describes_a_slice(shop):
    assert summary(shop)["slice"] == [{"filter": "where", "expression": "segment != 'gone'"}]
    text = visible_text(shop)
    assert "A slice (where segment != 'gone'): 380 journeys and" in text
    assert (
        "This report describes a slice of the log, not all of it: the 380 journeys kept by "
        "where segment != 'gone'." in text
    )


def test_a_comparison_of_groups_too_small_to_test_says_so(shop):
    compare = table(shop, "compare")
    assert len(compare) and compare["too_small"].all()
    text = visible_text(shop)
    assert f"The groups are too small to test: each of the {len(compare)} compared" in text
    assert "differ beyond chance" not in text and "No difference beyond chance" not in text


def test_a_comparison_counts_only_the_tested_figures(shop):
    from engine.report.build import RunOutputs, render_page

    run = RunOutputs.load(shop)
    compare = run["compare"].copy()
    compare.loc[:4, "too_small"] = False
    compare.loc[:4, "p_adjusted"] = [0.01, 0.5, 0.5, 0.5, 0.5]
    compare.loc[:4, "significant"] = [True, False, False, False, False]
    run.tables["compare"] = compare
    page = render_page(run, [], "no map")
    (shop.parent / "mixed").mkdir(exist_ok=True)
    (shop.parent / "mixed" / "report.html").write_text(page, encoding="utf-8")
    text = visible_text(shop.parent / "mixed")
    rest = len(compare) - 5
    assert "1 of 5 tested figures differs beyond chance" in text
    assert f"{rest} other figures rest on too few journeys to be tested" in text
    assert f"of {len(compare)} compared figures differ" not in text


def test_the_bottleneck_table_leaves_out_steps_no_journey_takes_before_converting(shop):
    """purchase → delivery (after converting) and the loyalty stage (nobody) have no
    journey before converting: not in the table as '0 (0%)' with a median wait."""
    bottlenecks = table(shop, "bottlenecks")
    none = bottlenecks[bottlenecks["journeys"] == 0]
    assert {("purchase", "delivery"), ("loyalty", "")} <= set(
        zip(none["source"], none["target"], strict=True)
    )
    markup = section(shop, "bottlenecks")
    shown = rows(markup)
    kept = bottlenecks[bottlenecks["journeys"] > 0].sort_values("rank").head(15)
    assert [int(r[0]) for r in shown] == kept["rank"].tolist()
    assert [r[3] for r in shown] == [
        f"{j:,} ({s:.0%})" for j, s in zip(kept["journeys"], kept["share_of_journeys"], strict=True)
    ]
    assert not any("delivery" in r[2] or "loyalty" in r[2] for r in shown)
    assert "steps no journey takes before converting" in words(markup)


def test_the_journey_map_names_its_two_shares_and_its_time_unit(shop):
    chart = charts(shop)["journey_map"]
    titles = [a["text"] for a in chart["layout"]["annotations"]]
    assert titles[0] == (
        "bars: journeys reaching the stage, % of all journeys; "
        "line: journeys stopping after it, % of those reaching it"
    )
    bars, line, dwell = chart["data"][:3]
    funnel = table(shop, "funnel")
    assert bars["name"] == "reach the stage (% of all journeys)"
    assert bars["y"] == pytest.approx(funnel["share"].tolist())
    assert line["name"] == "stop after it (% of those reaching it)"
    assert np.allclose(line["y"], funnel["drop_off_share"], equal_nan=True)
    stages = table(shop, "stages").set_index("stage").reindex(funnel["stage"])
    assert stages["median_s"].max() < 3_600  # minutes, not days
    assert titles[1] == "median time in the stage (minutes)"
    assert chart["layout"]["yaxis2"]["title"]["text"] == "minutes"
    assert np.allclose(dwell["y"], stages["median_s"] / 60, equal_nan=True)
    text = visible_text(shop)
    assert "journeys whose last visit it is (not timed)" in text
    assert "still there at the end" not in text


def test_the_time_to_convert_and_dwell_charts_read_in_time_units(shop):
    from engine.report.charts.style import TIME_TICKS

    km = table(shop, "time_to_convert")
    assert km["time_s"].median() < 3_600  # minutes: a day axis drew a line at zero
    chart = charts(shop)["time_to_convert"]
    axis = chart["layout"]["xaxis"]
    assert axis["type"] == "log" and "days" not in axis["title"]["text"]
    curve = chart["data"][2]
    assert curve["x"] == pytest.approx(np.maximum(km["time_s"], 1).tolist())
    assert set(axis["ticktext"]) <= {"1 min", "5 min", "10 min", "30 min", "1 h", "3 h"}
    assert len(axis["ticktext"]) >= 2
    dwell = charts(shop)["dwell"]["layout"]["xaxis"]
    assert dwell["type"] == "log" and "seconds" not in dwell["title"]["text"]
    ticks = dict(zip(dwell["ticktext"], dwell["tickvals"], strict=True))
    assert ticks["1 min"] == 60 and ticks == {t: v for v, t in TIME_TICKS if t in ticks}


def test_no_dwell_chart_without_closed_visits(shop):
    from engine.report.build import RunOutputs, render_page

    run = RunOutputs.load(shop)
    run.tables["stage_dwell"] = run["stage_dwell"].assign(visits=0)
    page = render_page(run, [], "no map")
    folder = shop.parent / "open"
    folder.mkdir(exist_ok=True)
    (folder / "report.html").write_text(page, encoding="utf-8")
    assert "dwell" not in charts(folder)
    assert "No chart of the time spent in each stage: no stage visit is closed" in visible_text(
        folder
    )


def test_channel_switches_leave_out_staying_on_a_channel():
    from engine.report import charts as report_charts

    channels = pd.DataFrame(
        {
            "source_channel": ["web", "web", "app", "app"],
            "target_channel": ["web", "app", "web", "app"],
            "switch": [False, True, True, False],
            "transitions": [90_000, 12, 30, 500],
        }
    )
    figure = report_charts.channel_switches(channels)
    assert list(figure.data[0].y) == ["app", "web"] and list(figure.data[0].x) == ["app", "web"]
    assert [list(row) for row in figure.data[0].z] == [[None, 30], [12, None]]
    assert "staying on a channel left out" in figure.layout.title.text
    assert report_charts.channel_switches(channels[~channels["switch"]]) is None


def test_counts_read_in_the_singular_and_missing_intervals_read_as_missing(shop):
    from engine.report import charts as report_charts
    from engine.report.build import RunOutputs, _interval, render_page
    from engine.report.process_map import MapCounts, within_budget

    variants = pd.DataFrame(
        {"variant": [["a"], ["a", "b"]], "frequency": [1, 2], "share": [1 / 3, 2 / 3]}
    ).assign(median_duration_s=0.0, conversion_rate=[0.0, 1.0])
    figure = report_charts.variant_explorer(variants)
    assert list(figure.data[0].y) == ["#1 (1 step)", "#2 (2 steps)"]
    assert figure.data[0].hovertext[0].startswith("#1: 1 journey (33.3%)")
    segments = table(shop, "segments")
    hover = [t for trace in report_charts.segments(segments).data for t in trace.hovertext]
    assert not any("nan" in t for t in hover)
    assert any(t.startswith("3 journeys; too small to test") for t in hover)
    assert _interval(float("nan"), float("nan")) == "" and _interval(0.0, 11.4) == " (0–11)"

    run = RunOutputs.load(shop)
    run.summary = {**run.summary, "dropped_rows": 1}
    actions = run["actions"].copy()
    actions.loc[0, ["lost_conversions", "lost_low", "lost_high"]] = [1.2, 0.0, 3.0]
    run.tables["actions"] = actions
    page = render_page(run, [], "no map")
    folder = shop.parent / "singular"
    folder.mkdir(exist_ok=True)
    (folder / "report.html").write_text(page, encoding="utf-8")
    text = visible_text(folder)
    assert "≈ 1 conversion (0–3)" in text and "1 conversions" not in text
    assert "1 input row was left out" in text
    assert "(–––)" not in text and "– (–" not in text

    acts = pd.DataFrame({"activity": list("abc"), "frequency": [3, 2, 1], "start": 1, "end": 1})
    edges = pd.DataFrame({"source": list("aab"), "target": list("bca"), "frequency": [3, 2, 1]})
    _, note = within_budget(MapCounts(edges, acts, 1.0), max_edges=2)
    assert "all 3 touchpoints" in note and "most frequent of 3 touchpoints" not in note


#: Paths of the Sankey log (default stages: discovery, evaluation, purchase, after_sales,
#: loyalty; conversion: the purchase touchpoint), with how many journeys take each.
SANKEY_PATHS = {
    # discovery → purchase: never visits evaluation, which the funnel counts as reached
    "skip": (["ad_click", "purchase"], 30),
    # discovery → evaluation → discovery → evaluation → purchase: a move back, repeated moves
    "back": (["ad_click", "product_page", "ad_click", "product_page", "checkout", "purchase"], 20),
    # discovery → evaluation, never converting
    "look": (["search", "product_page"], 25),
    # discovery → evaluation → purchase → after_sales: converted, ends after purchase
    "after": (["ad_click", "product_page", "purchase", "delivery"], 15),
    # starts at evaluation, goes back to discovery, never converts
    "late": (["product_page", "ad_click"], 10),
    # no stage at all
    "none": (["newsletter"], 5),
}


@pytest.fixture(scope="module")
def sankey_run(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("sankey")
    start = pd.Timestamp("2026-03-01T00:00:00Z")
    rows = []
    case = 0
    for steps, n in SANKEY_PATHS.values():
        for _ in range(n):
            t = start + pd.Timedelta(hours=case)
            for i, step in enumerate(steps):
                rows.append((f"c{case:04d}", step, t + pd.Timedelta(minutes=5 * i)))
            case += 1
    log = folder / "sankey.csv"
    pd.DataFrame(rows, columns=["customer_id", "touchpoint", "ts"]).to_csv(log, index=False)
    return analyze(log, folder / "out")


def sankey_links(chart: dict[str, Any]) -> dict[tuple[str, str], int]:
    """The Sankey's links, by the labels of their two nodes (stage names bare, the outer
    nodes' labels without their count); the halves of several backward moves from or to
    one stage added up."""
    trace = chart["data"][0]
    names = [label.split(" (")[0] for label in trace["node"]["label"]]
    link = trace["link"]
    links: dict[tuple[str, str], int] = {}
    for a, b, n in zip(link["source"], link["target"], link["value"], strict=True):
        links[(names[a], names[b])] = links.get((names[a], names[b]), 0) + n
    return links


def test_the_sankey_draws_the_moves_journeys_make(sankey_run):
    """From stage_transitions, not the funnel: the 30 journeys buying from discovery flow
    discovery → purchase (the funnel has them reach evaluation, and the Sankey once drew
    discovery → evaluation 100, evaluation → purchase 65); the 65 converted journeys end
    'converted' (they once vanished at the last stage they reached); a move back leaves to
    the right and re-enters from the left; each stage takes in and lets out its visits."""
    funnel = table(sankey_run, "funnel").set_index("stage")
    assert funnel.loc["evaluation", ["reached", "visited"]].tolist() == [100, 70]
    chart = charts(sankey_run)["sankey"]
    trace = chart["data"][0]
    back_out, back_in = "back to an earlier stage", "back from a later stage"
    assert sankey_links(chart) == {
        ("start", "discovery"): 90,
        ("start", "evaluation"): 10,
        ("discovery", "evaluation"): 80,  # 40 moves of 20 'back' journeys, 25 + 15
        ("discovery", "purchase"): 30,
        ("evaluation", "purchase"): 35,
        ("purchase", "after_sales"): 15,
        ("evaluation", back_out): 30,
        (back_in, "discovery"): 30,
        ("discovery", "end: not converted"): 10,
        ("evaluation", "end: not converted"): 25,
        ("purchase", "end: converted"): 50,
        ("after_sales", "end: converted"): 15,
    }
    assert trace["node"]["label"] == [
        "start (100 journeys)",
        "back from a later stage (30 moves)",
        "discovery",
        "evaluation",
        "purchase",
        "after_sales",  # loyalty: nobody visits it, left out
        "end: converted (65 journeys)",
        "end: not converted (35 journeys)",
        "back to an earlier stage (30 moves)",
    ]
    # The same numbers as the tables: moves are stage_transitions' frequency, and each
    # stage's links in and out add up to its visits.
    links = sankey_links(chart)
    moves = table(sankey_run, "stage_transitions")
    for move in moves.itertuples():
        if move.backward:
            assert links[(move.source, back_out)] == links[(back_in, move.target)]
            assert links[(move.source, back_out)] == move.frequency
        else:
            assert links[(move.source, move.target)] == move.frequency
    for stage, visits in table(sankey_run, "stages").set_index("stage")["visits"].items():
        into = sum(n for (_, b), n in links.items() if b == stage)
        out = sum(n for (a, _), n in links.items() if a == stage)
        assert into == out == visits, stage
    colours = dict(zip(trace["link"]["customdata"], trace["link"]["color"], strict=False))
    backward = "evaluation → discovery: 30 moves by 30 journeys, back to an earlier stage"
    assert colours[backward] != colours["discovery → evaluation: 80 moves by 60 journeys"]
    assert trace["link"]["customdata"].count(backward) == 2  # both halves say what they are
    subtitle = chart["layout"]["title"]["subtitle"]["text"]
    assert subtitle.startswith("link width: moves from one stage visit to the next")
    assert "orange: 30 moves back to an earlier stage" in subtitle
    assert "5 journeys with no stage visit not drawn" in subtitle
    assert "draws what journeys really do" in visible_text(sankey_run)


def test_a_rebuilt_report_draws_the_same_sankey(sankey_run, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(sankey_run, copy)
    (copy / "report.html").unlink()
    assert main(["report", str(copy), "--quiet"]) == 0
    assert charts(copy)["sankey"] == charts(sankey_run)["sankey"]


def test_no_sankey_without_stage_moves(sankey_run):
    """Journeys that never change stage: the page says why there is no Sankey; a folder
    without the bottleneck table ends journeys in one node, counted as in stages."""
    from engine.report import charts as report_charts
    from engine.report.build import RunOutputs, render_page

    run = RunOutputs.load(sankey_run)
    figure = report_charts.stage_sankey(run["stage_transitions"], run["stages"])
    assert list(figure.data[0].node.label)[-2:] == [
        "end (100 journeys)",
        "back to an earlier stage (30 moves)",
    ]
    run.tables["stage_transitions"] = run["stage_transitions"].iloc[:0]
    page = render_page(run, [], "no map")
    folder = sankey_run.parent / "still"
    folder.mkdir(exist_ok=True)
    (folder / "report.html").write_text(page, encoding="utf-8")
    assert "sankey" not in charts(folder)
    text = visible_text(folder)
    assert "No Sankey of the moves between stages: no journey moves from one stage" in text
    assert "draws what journeys really do" not in text


def test_sankey_stages_named_as_its_outer_nodes_stay_apart():
    """Stages called "start" and "end": their own nodes, not the start and end columns."""
    from engine.report import charts as report_charts

    stages = pd.DataFrame(
        {"stage": ["start", "end"], "order": [0, 1], "visits": [10, 6], "open_visits": [4, 6]}
    )
    moves = pd.DataFrame(
        {"source": ["start"], "target": ["end"], "frequency": [6], "cases": [6], "backward": False}
    )
    lost = pd.DataFrame(
        {"level": "stage", "source": ["start", "end"], "abandoned_after": [4, 1], "target": ""}
    )
    figure = report_charts.stage_sankey(moves, stages, lost, 10)
    chart = decode(json.loads(figure.to_json()))
    assert chart["data"][0]["node"]["label"] == [
        "start (10 journeys)",
        "start",
        "end",
        "end: converted (5 journeys)",
        "end: not converted (5 journeys)",
    ]
    assert sankey_links(chart) == {
        ("start", "start"): 10,
        ("start", "end"): 6,
        ("start", "end: not converted"): 4,
        ("end", "end: converted"): 5,
        ("end", "end: not converted"): 1,
    }
