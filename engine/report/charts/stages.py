"""Charts of the journey's stages: the funnel, the flow from stage to stage, the time spent
in each, and the journey map that puts reach, dwell and satisfaction side by side."""

from __future__ import annotations

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


@from_table
def stage_sankey(table: pd.DataFrame) -> go.Figure | None:
    """Journeys flowing from stage to stage (furthest stage reached), and where they stop."""
    stages = list(table["stage"])
    n = len(stages)
    labels = [safe(s) for s in stages] + [f"stop after {safe(s)}" for s in stages]
    colours = [BLUE] * n + [RED] * n
    source, target, value = [], [], []
    reached = table["reached"].to_numpy()
    drop = table["drop_off"].to_numpy()
    for i in range(n):
        if i + 1 < n and reached[i + 1] > 0:
            source.append(i), target.append(i + 1), value.append(int(reached[i + 1]))
        if drop[i] > 0 and i + 1 < n:
            source.append(i), target.append(n + i), value.append(int(drop[i]))
    if not value:
        return None
    figure = new_figure("Journeys across stages")
    figure.add_trace(
        go.Sankey(
            arrangement="snap",
            node={"label": labels, "color": colours, "pad": 18},
            link={"source": source, "target": target, "value": value},
        )
    )
    return figure


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
