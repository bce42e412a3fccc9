"""The process map: the directly-follows graph laid out by Graphviz `dot`.

Edge width shows how often a step is taken, edge colour its median time, and the top
bottlenecks are marked. A map can be simplified to the journeys of the most frequent
variants that cover a share of all journeys (see analysis.coverage); its times are always
those of the whole log. Every label is escaped for Graphviz, so a touchpoint name cannot
be read as markup or as one of dot's escape sequences.
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..analysis.coverage import journeys_within, keep_variants, variant_counts
from ..journey.actions import human as human_duration
from .labels import counted, neutral

START, END = "__start__", "__end__"
#: Times are coloured on this plotly scale, short (light) to long (dark red).
COLOUR_SCALE = "YlOrRd"


#: The map's budget: past it a layout is slow (dot took over 20 minutes on 398
#: touchpoints and 4,000 paths) and no reader can follow it. The most frequent
#: touchpoints and paths are drawn; the report says what was left out.
MAX_NODES = 60
MAX_EDGES = 150
#: Longest label drawn, in characters (longer names end in "…").
MAX_LABEL = 60
#: Longest time `dot` may take for one map, in seconds.
DOT_TIMEOUT_S = 60.0


class MapFailed(RuntimeError):
    """Graphviz could not lay out the map; the tables do not depend on it."""


class GraphvizMissing(MapFailed):
    """Graphviz's `dot` program is not installed."""


@dataclass(frozen=True)
class MapCounts:
    """What one process map shows: edges (source, target, frequency), activities
    (activity, frequency, start, end) and the share of all journeys it draws whole;
    `variants`, when known, are the variants of the journeys counted (for within_budget
    to tell which of them a map cut to its budget still draws whole)."""

    edges: pd.DataFrame
    activities: pd.DataFrame
    coverage: float
    variants: pd.DataFrame | None = None


def map_counts(
    edges: pd.DataFrame,
    activities: pd.DataFrame,
    variants: pd.DataFrame | None,
    coverage: float = 1.0,
) -> MapCounts:
    """The full map's counts, or those of the journeys of the most frequent variants
    covering `coverage` of journeys (from the variants table)."""
    if coverage >= 1 or variants is None or variants.empty:
        return MapCounts(edges, activities, 1.0, variants)
    kept = keep_variants(variants, coverage=coverage)
    counts = variant_counts(kept)
    share = counts.journeys / variants["frequency"].sum()
    return MapCounts(counts.edges, counts.activities, share, kept)


def within_budget(
    counts: MapCounts, *, max_nodes: int = MAX_NODES, max_edges: int = MAX_EDGES
) -> tuple[MapCounts, str | None]:
    """The map's counts cut to the most frequent `max_nodes` touchpoints and, among the
    paths between them, the most frequent `max_edges`; and a note of what was left out
    (None when nothing was). A cut map draws fewer journeys whole: its coverage becomes
    the share of all journeys whose every touchpoint and step it still draws (when the
    counts know their variants)."""
    acts, edges = counts.activities, counts.edges
    n_nodes, n_edges = len(acts), len(edges)
    if n_nodes > max_nodes:
        acts = acts.sort_values(["frequency", "activity"], ascending=[False, True]).head(max_nodes)
        kept = set(acts["activity"])
        edges = edges[edges["source"].isin(kept) & edges["target"].isin(kept)]
    between = len(edges)
    if between > max_edges:
        edges = edges.sort_values(
            ["frequency", "source", "target"], ascending=[False, True, True]
        ).head(max_edges)
    if len(acts) == n_nodes and len(edges) == n_edges:
        return counts, None
    coverage = counts.coverage
    drawn = ""
    if counts.variants is not None and len(counts.variants):
        whole = journeys_within(counts.variants, acts["activity"], edges)
        coverage *= whole / counts.variants["frequency"].sum()
        drawn = f"; {_share(coverage)} of all journeys are drawn whole"
    if len(acts) < n_nodes:
        shown = f"the {len(acts):,} most frequent of {counted(n_nodes, 'touchpoint')}"
    else:
        shown = f"all {counted(n_nodes, 'touchpoint')}"
    if len(edges) < between:
        paths = f"the {len(edges):,} most frequent of the {between:,} paths between them"
    else:
        paths = f"the {counted(len(edges), 'path')} between them"
    if between < n_edges:
        paths += f" (of {counted(n_edges, 'path')} in all)"
    note = (
        f"the map was cut to fit its budget of {max_nodes:,} touchpoints and {max_edges:,} "
        f"paths: it shows {shown} and {paths}{drawn}; the tables have them all"
    )
    return MapCounts(edges, acts, coverage, counts.variants), note


def _share(share: float) -> str:
    return "<1%" if 0 < share < 0.005 else f"{share:.0%}"


def process_map_source(
    counts: MapCounts,
    times: pd.DataFrame,
    *,
    bottlenecks: pd.DataFrame | None = None,
    actions: pd.DataFrame | None = None,
    marked: int = 3,
) -> str:
    """DOT source of the map. `times` is edges.parquet (median_s per source, target).
    The first `marked` touchpoint steps of `actions` (actions.parquet) are drawn in red
    as "action #N", N their rank in that list; without `actions`, those of `bottlenecks`
    (bottlenecks.parquet) as "bottleneck #N", N their rank in that table. Either way the
    number is the table's own, never a renumbering of the marked steps."""
    import graphviz
    from plotly.colors import sample_colorscale

    graph = graphviz.Digraph(
        "process_map",
        graph_attr={"rankdir": "TB", "bgcolor": "white", "nodesep": "0.35", "ranksep": "0.45"},
        node_attr={
            "shape": "box",
            "style": "rounded,filled",
            "fillcolor": "#eef3fb",
            "color": "#5b7db1",
            "fontname": "Helvetica",
            "fontsize": "11",
        },
        edge_attr={"fontname": "Helvetica", "fontsize": "9", "arrowsize": "0.7"},
    )
    acts = counts.activities
    ids = {name: f"a{i}" for i, name in enumerate(acts["activity"])}
    graph.node(START, label="start", shape="circle", fillcolor="#d9f2d9", color="#4a9a4a")
    graph.node(END, label="end", shape="doublecircle", fillcolor="#f6d8d8", color="#b05050")
    for name, frequency in zip(acts["activity"], acts["frequency"], strict=True):
        graph.node(ids[name], label=_label(f"{name}\n{int(frequency):,}"))
    top = max(int(acts["frequency"].max()) if len(acts) else 1, 1)
    for name, n in zip(acts["activity"], acts["start"], strict=True):
        if n:
            graph.edge(START, ids[name], label=f"{int(n):,}", **_width(n, top), color="#8fbf8f")
    for name, n in zip(acts["activity"], acts["end"], strict=True):
        if n:
            graph.edge(ids[name], END, label=f"{int(n):,}", **_width(n, top), color="#d09a9a")

    median = {
        (s, t): m
        for s, t, m in zip(times["source"], times["target"], times["median_s"], strict=True)
    }
    if actions is not None:
        marks, prefix = _ranks(actions, marked), "action"
    else:
        marks, prefix = _ranks(bottlenecks, marked), "bottleneck"
    known = [m for m in median.values() if np.isfinite(m)]
    low, high = (min(known), max(known)) if known else (0.0, 0.0)
    edges = counts.edges
    pairs = zip(edges["source"], edges["target"], strict=True)
    waits = [median.get(pair, float("nan")) for pair in pairs]
    # One call for every edge: plotly looks the named scale up on each call (about 1 ms,
    # which a map of a thousand edges paid a thousand times, for each of its cut levels).
    positions = [0.25 + 0.75 * _log_position(seconds, low, high) for seconds in waits]
    colours = sample_colorscale(COLOUR_SCALE, positions) if positions else []
    for source, target, frequency, seconds, colour in zip(
        edges["source"], edges["target"], edges["frequency"], waits, colours, strict=True
    ):
        colour = _hex(colour)
        label = f"{int(frequency):,}\n{human_duration(seconds)}"
        attrs = {"color": colour, **_width(frequency, top)}
        rank = marks.get((source, target))
        if rank is not None:
            label = f"{prefix} #{rank}\n{label}"
            attrs.update(
                fontcolor="#c00000", style="bold", penwidth=str(float(attrs["penwidth"]) + 2)
            )
        graph.edge(ids[source], ids[target], label=_label(label), **attrs)
    return graph.source


def render(source: str, fmt: str, *, timeout: float = DOT_TIMEOUT_S) -> bytes:
    """Lay the map out with dot; `fmt` is 'svg' or 'png'. dot runs in a process group of
    its own, killed whole at the timeout or when this process stops (and, on Linux, when
    it is killed), so that no dot outlives the run; any failure is a MapFailed."""
    import shutil
    import signal
    import subprocess

    dot = shutil.which("dot")
    if dot is None:
        raise GraphvizMissing(
            "Graphviz's 'dot' program is not installed (Debian: apt-get install graphviz)"
        )
    process = subprocess.Popen(
        [dot, f"-T{fmt}"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        preexec_fn=_die_with_parent,
    )
    try:
        out, err = process.communicate(source.encode("utf-8"), timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(process)
        raise MapFailed(f"Graphviz took longer than {timeout:,.0f} s to lay it out") from None
    except BaseException:
        _kill_group(process)
        raise
    if process.returncode != 0:
        if process.returncode < 0:
            reason = f"dot died of {signal.Signals(-process.returncode).name}"
        else:
            first = err.decode("utf-8", "replace").strip().splitlines()[:1]
            reason = f"dot failed: {first[0][:200]}" if first else "dot failed"
        raise MapFailed(f"Graphviz could not lay it out ({reason})")
    return out


def _kill_group(process) -> None:
    import contextlib
    import os
    import signal

    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    process.communicate()


def _die_with_parent() -> None:
    """In the child before exec: ask Linux to kill it when its parent dies."""
    import ctypes
    import signal
    import sys

    if sys.platform.startswith("linux"):
        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _label(text: str) -> str:
    """Escaped for dot, long names wrapped; never read as an HTML-like label."""
    import graphviz

    text = "\n".join(
        line if len(line) <= MAX_LABEL else line[: MAX_LABEL - 1] + "…"
        for line in neutral(text).split("\n")
    )
    lines = [w for line in text.split("\n") for w in (textwrap.wrap(line, 28) or [""])]
    return graphviz.nohtml("\\n".join(graphviz.escape(line) for line in lines))


def _width(frequency: float, top: float) -> dict[str, str]:
    return {"penwidth": f"{1 + 7 * math.sqrt(max(float(frequency), 0) / top):.2f}"}


def _log_position(seconds: float, low: float, high: float) -> float:
    """Where a time lies between the shortest and longest, on a log scale (0..1)."""
    if not np.isfinite(seconds) or high <= low:
        return 0.0
    floor = max(low, 1.0)
    return float(np.clip(np.log1p(seconds - floor + 1) / np.log1p(high - floor + 1), 0, 1))


def _hex(colour: str) -> str:
    from plotly.colors import unlabel_rgb

    r, g, b = (round(c) for c in unlabel_rgb(colour))
    return f"#{r:02x}{g:02x}{b:02x}"


def _ranks(ranked: pd.DataFrame | None, marked: int) -> dict[tuple[str, str], int]:
    """The first `marked` touchpoint steps of a ranked table (actions or bottlenecks), by
    (source, target), with their rank in that table."""
    if ranked is None or ranked.empty or marked <= 0:
        return {}
    steps = ranked[ranked["level"] == "touchpoint"].sort_values("rank").head(marked)
    return {
        (s, t): int(r)
        for s, t, r in zip(steps["source"], steps["target"], steps["rank"], strict=True)
    }
