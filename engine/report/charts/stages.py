"""Charts of the journey's stages: the funnel, the flow from stage to stage, the time spent
in each, and the journey map that puts reach, dwell and satisfaction side by side."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ...journey.actions import human
from ..labels import counted
from .style import (
    BLUE,
    GREEN,
    GREY,
    LAYOUT,
    ORANGE,
    RED,
    from_table,
    interval,
    log_time_axis,
    new_figure,
    safe,
    share_text,
    time_unit,
)

#: The journey map's margins: room for its title above the first panel's.
MARGIN = {"l": 60, "r": 30, "t": 90, "b": 50}


@from_table
def funnel(table: pd.DataFrame, journeys: int | None = None) -> go.Figure | None:
    """Journeys reaching each stage, as counts and as shares of all `journeys` (funnel's
    `share`: journeys that touch no stage count too), and how many stop there."""
    stages = [safe(s) for s in table["stage"]]
    of_all = f"of all {journeys:,} journeys" if journeys else "of all journeys"
    figure = new_figure(f"Stage funnel: journeys reaching each stage (% {of_all})")
    shares = [share_text(s) for s in table["share"]]
    figure.add_trace(
        go.Funnel(
            y=stages,
            x=table["reached"],
            text=[f"{n:,} ({s})" for n, s in zip(table["reached"], shares, strict=True)],
            textinfo="text",
            customdata=shares,
            hovertemplate=f"%{{y}}: %{{x:,}} journeys reach it (%{{customdata}} {of_all})"
            "<extra></extra>",
            marker={"color": BLUE},
            name=f"reached (% {of_all})",
        )
    )
    stopped = [share_text(s) for s in table["drop_off_share"]]
    figure.add_trace(
        go.Bar(
            y=stages,
            x=table["drop_off"],
            orientation="h",
            marker={"color": RED},
            name="stop after this stage (% of those reaching it)",
            xaxis="x2",
            text=stopped,
            textposition="auto",
            hovertemplate="%{y}: %{x:,} journeys stop after it (%{text} of those reaching it)"
            "<extra></extra>",
        )
    )
    figure.update_layout(
        xaxis={"domain": [0, 0.62], "tickformat": ",d"},
        xaxis2={
            "domain": [0.68, 1],
            "title": "journeys that stop after the stage",
            "tickformat": ",d",
        },
        yaxis={"autorange": "reversed"},
        legend={"orientation": "h", "y": -0.15},
        uniformtext={"minsize": 10, "mode": "show"},  # a narrow bar's count stays legible
    )
    return figure


#: The stage Sankey's link colours: moves forward and backward (to an earlier stage),
#: journeys entering at their first stage visit, and leaving from their last by outcome.
LINK = {
    "forward": "rgba(59,111,182,0.4)",
    "backward": "rgba(230,126,34,0.55)",
    "start": "rgba(154,165,177,0.5)",
    "end": "rgba(154,165,177,0.5)",
    "converted": "rgba(46,139,87,0.5)",
    "not converted": "rgba(192,57,43,0.45)",
}
#: Its outer nodes, by key: colour, and label given their count.
OUTER = {
    "start": (GREY, lambda n: f"start ({counted(n, 'journey')})"),
    "back in": (ORANGE, lambda n: f"back from a later stage ({counted(n, 'move')})"),
    "converted": (GREEN, lambda n: f"end: converted ({counted(n, 'journey')})"),
    "not converted": (RED, lambda n: f"end: not converted ({counted(n, 'journey')})"),
    "end": (GREY, lambda n: f"end ({counted(n, 'journey')})"),
    "back out": (ORANGE, lambda n: f"back to an earlier stage ({counted(n, 'move')})"),
}


@from_table
def stage_sankey(
    transitions: pd.DataFrame,
    stages: pd.DataFrame | None,
    bottlenecks: pd.DataFrame | None = None,
    journeys: int | None = None,
) -> go.Figure | None:
    """The real moves between consecutive stage visits, stages left to right in stage
    order, link widths in moves (stage_transitions' `frequency`; hovers name the journeys,
    `cases`). Journeys enter from "start" into the stage of their first visit (its visits
    less the moves into it) and leave from that of their last (stages' `open_visits`) to
    "converted" or "not converted" (the bottleneck table's stage rows, `abandoned_after`;
    one "end" without that table), so each stage takes in and lets out its visits. A move
    back to an earlier stage, drawn as such, would loop over the whole chart: it leaves its
    stage to "back to an earlier stage" on the right and enters its target from "back from
    a later stage" on the left, both halves orange and hovering its two stages. Stages
    nobody visits are left out; None without a stage move."""
    moves = transitions[transitions["frequency"] > 0]
    if stages is None or stages.empty or moves.empty:
        return None
    stages = stages.sort_values("order")
    stages = stages[stages["visits"] > 0]
    names = list(stages["stage"])
    lost = _not_converted(bottlenecks, names)
    ends = ["end"] if lost is None else ["converted", "not converted"]
    backward = moves["backward"].astype(bool)
    left = ["start"] + (["back in"] if backward.any() else [])
    right = ends + (["back out"] if backward.any() else [])
    # Stages are keyed apart from the outer nodes: a stage may be called "end".
    node = {key: i for i, key in enumerate([*left, *(("stage", s) for s in names), *right])}
    links: list[tuple[Any, Any, int, str, str]] = []  # source, target, width, kind, hover

    def link(source: Any, target: Any, n: int, kind: str, text: str) -> None:
        links.append((source, target, n, kind, text))

    moved_in = moves.groupby("target")["frequency"].sum()
    for stage, visits in zip(names, stages["visits"], strict=True):
        first = int(visits) - int(moved_in.get(stage, 0))
        if first > 0:
            text = f"{counted(first, 'journey')} start at {safe(stage)}"
            link("start", ("stage", stage), first, "start", text)
    for move, back in zip(moves.itertuples(index=False), backward, strict=True):
        n = int(move.frequency)
        text = f"{safe(move.source)} → {safe(move.target)}: {counted(n, 'move')} by " + counted(
            int(move.cases), "journey"
        )
        source, target = ("stage", move.source), ("stage", move.target)
        if back:
            text += ", back to an earlier stage"
            link(source, "back out", n, "backward", text)
            link("back in", target, n, "backward", text)
        else:
            link(source, target, n, "forward", text)
    for stage, last in zip(names, stages["open_visits"], strict=True):
        split = (
            {"end": int(last)}
            if lost is None
            else {"converted": int(last) - lost[stage], "not converted": lost[stage]}
        )
        for end, n in split.items():
            if n > 0:
                outcome = "" if end == "end" else f", {end}"
                text = f"{counted(n, 'journey')} end at {safe(stage)}{outcome}"
                link(("stage", stage), end, n, end, text)

    into = {key: sum(n for _, b, n, *_ in links if b == key) for key in node}
    out_of = {key: sum(n for a, _, n, *_ in links if a == key) for key in node}
    labels = [
        safe(key[1]) if isinstance(key, tuple) else OUTER[key][1](max(into[key], out_of[key]))
        for key in node
    ]
    hover = [
        f"{label}: {counted(into[key], 'visit')}" if isinstance(key, tuple) else label
        for key, label in zip(node, labels, strict=True)
    ]
    colours = [BLUE if isinstance(key, tuple) else OUTER[key][0] for key in node]
    # The stages left to right in stage order, between the two outer columns.
    step = 1 / (len(names) + 1)
    x = [0.001] * len(left) + [step * (i + 1) for i in range(len(names))] + [0.999] * len(right)
    y = _spread(len(left)) + [0.4] * len(names) + _spread(len(right))
    figure = new_figure("Moves between stages, and where journeys end")
    figure.add_trace(
        go.Sankey(
            arrangement="snap",
            node={
                "label": labels,
                "color": colours,
                "pad": 18,
                "x": x,
                "y": y,
                "customdata": hover,
                "hovertemplate": "%{customdata}<extra></extra>",
            },
            link={
                "source": [node[a] for a, *_ in links],
                "target": [node[b] for _, b, *_ in links],
                "value": [n for _, _, n, *_ in links],
                "color": [LINK[kind] for *_, kind, _ in links],
                "customdata": [text for *_, text in links],
                "hovertemplate": "%{customdata}<extra></extra>",
            },
        )
    )
    notes = [
        "link width: moves from one stage visit to the next (a journey repeating a move "
        "counts each time); journeys enter at their first stage and leave from their last"
    ]
    if backward.any():
        back = counted(int(moves.loc[backward, "frequency"].sum()), "move")
        notes.append(
            f"orange: {back} back to an earlier stage, each drawn leaving to the right and "
            "re-entering from the left"
        )
    unseen = (journeys or 0) - out_of["start"]
    if unseen > 0:
        notes.append(f"{counted(unseen, 'journey')} with no stage visit not drawn")
    figure.update_layout(
        title={"subtitle": {"text": "<br>".join(notes)}},
        height=560,
        margin={**LAYOUT["margin"], "t": 110},
    )
    return figure


def _spread(n: int) -> list[float]:
    """The heights of `n` nodes sharing an outer column of the Sankey, top to bottom."""
    return [0.2 + 0.6 * i / max(n - 1, 1) for i in range(n)]


def _not_converted(bottlenecks: pd.DataFrame | None, stages: list[str]) -> dict | None:
    """Per stage, the journeys that never convert whose last visit is there (the stage
    rows' `abandoned_after`); None without the table or a row for every stage."""
    if bottlenecks is None:
        return None
    rows = bottlenecks[bottlenecks["level"] == "stage"]
    lost = dict(zip(rows["source"], rows["abandoned_after"], strict=True))
    if any(stage not in lost for stage in stages):
        return None
    return {stage: int(lost[stage]) for stage in stages}


@from_table
def dwell_distributions(table: pd.DataFrame) -> go.Figure | None:
    """Per stage, how long closed visits last (a histogram on a log time scale); None when
    no stage has a closed visit (every visit is its journey's last, untimed)."""
    drawn = table.groupby("order", sort=True).filter(lambda rows: rows["visits"].sum() > 0)
    if drawn.empty:
        return None
    title = "Time spent in each stage (closed visits)"
    if drawn["order"].nunique() < table["order"].nunique():
        title += "; stages without a closed visit left out"
    figure = new_figure(title)
    for _stage, rows in drawn.groupby("order", sort=True):
        name = safe(rows["stage"].iloc[0])
        middle = np.sqrt(np.maximum(rows["bin_start_s"], 1) * np.maximum(rows["bin_end_s"], 1))
        figure.add_trace(
            go.Scatter(
                x=middle,
                y=rows["visits"],
                mode="lines+markers",
                name=name,
                line={"shape": "spline"},
                hovertext=[
                    f"{name}: {counted(int(v), 'visit')} of {human(a)} to {human(b)}"
                    for v, a, b in zip(
                        rows["visits"], rows["bin_start_s"], rows["bin_end_s"], strict=True
                    )
                ],
                hoverinfo="text",
            )
        )
    figure.update_layout(
        xaxis=log_time_axis(
            "time in the stage (log scale)",
            np.sqrt(np.maximum(drawn["bin_start_s"], 1) * np.maximum(drawn["bin_end_s"], 1)),
        ),
        yaxis={"title": "visits"},
    )
    return figure


def journey_map(
    funnel_table: pd.DataFrame | None,
    stages: pd.DataFrame | None,
    satisfaction: pd.DataFrame | None,
) -> go.Figure | None:
    """Stages across: share reaching each, median dwell, drop-off, and the satisfaction
    curve when a score was given."""
    if funnel_table is None or stages is None or funnel_table.empty:
        return None
    from plotly.subplots import make_subplots

    names = [safe(s) for s in funnel_table["stage"]]
    rows = 3 if satisfaction is not None and not satisfaction.empty else 2
    dwell = stages.set_index("stage").reindex(funnel_table["stage"])["median_s"]
    unit, size = time_unit(dwell)
    figure = make_subplots(
        rows=rows,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.1,
        subplot_titles=[
            "bars: journeys reaching the stage, % of all journeys; "
            "line: journeys stopping after it, % of those reaching it",
            f"median time in the stage ({unit})",
            "satisfaction",
        ][:rows],
    )
    figure.add_trace(
        go.Bar(
            x=names,
            y=funnel_table["share"],
            name="reach the stage (% of all journeys)",
            marker={"color": BLUE},
            text=[share_text(s) for s in funnel_table["share"]],
            textposition="outside",
        ),
        row=1,
        col=1,
    )
    figure.add_trace(
        go.Scatter(
            x=names,
            y=funnel_table["drop_off_share"],
            name="stop after it (% of those reaching it)",
            mode="lines+markers",
            line={"color": RED},
            text=[share_text(s) for s in funnel_table["drop_off_share"]],
            hovertemplate="%{x}: %{text} of the journeys reaching it stop after it<extra></extra>",
        ),
        row=1,
        col=1,
    )
    figure.add_trace(
        go.Bar(
            x=names,
            y=dwell / size,
            name=f"median time in the stage ({unit})",
            marker={"color": GREY},
            text=[human(s) for s in dwell],
            textposition="outside",
        ),
        row=2,
        col=1,
    )
    if rows == 3:
        per_stage = satisfaction[satisfaction["level"] == "stage"].set_index("name")
        per_stage = per_stage.reindex(funnel_table["stage"])
        figure.add_trace(
            go.Scatter(
                x=names,
                y=per_stage["mean_score"],
                error_y=interval(
                    per_stage["mean_score"], per_stage["score_low"], per_stage["score_high"]
                ),
                mode="lines+markers",
                line={"color": GREEN, "width": 3},
                name="mean score (95% CI)",
            ),
            row=3,
            col=1,
        )
    figure.update_layout(
        title={"text": "Journey map"}, height=260 * rows + 40, **{**LAYOUT, "margin": MARGIN}
    )
    figure.update_yaxes(tickformat=".0%", title="share", range=[0, 1.15], row=1, col=1)
    figure.update_yaxes(title=unit, row=2, col=1)
    return figure
