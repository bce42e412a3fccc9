"""The report's interactive charts, drawn by plotly from the output tables.

Each function takes the tables a batch run writes (so `parcours report DIR` can rebuild
the charts from the Parquet files alone) and returns a plotly Figure, or None when the
table it needs was not written. Text that comes from the log goes through `safe()`: plotly
reads a few HTML-like tags in labels, and a touchpoint called "<b>" must show as such.
"""

from __future__ import annotations

import functools
import html
from collections.abc import Callable

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import sample_colorscale

from ..journey.actions import human
from .labels import neutral

BLUE, RED, GREEN, GREY = "#3b6fb6", "#c0392b", "#2e8b57", "#9aa5b1"
LAYOUT = {
    "template": "plotly_white",
    "margin": {"l": 60, "r": 30, "t": 50, "b": 50},
    "font": {"family": "Helvetica, Arial, sans-serif", "size": 12},
}


def _from_table(draw: Callable[..., go.Figure | None]) -> Callable[..., go.Figure | None]:
    """A chart of a table the run may not have written: None when it is absent or empty."""

    @functools.wraps(draw)
    def chart(table: pd.DataFrame | None, *args, **kwargs) -> go.Figure | None:
        if table is None or table.empty:
            return None
        return draw(table, *args, **kwargs)

    return chart


def safe(value: object) -> str:
    """A label from the log, shown literally by plotly, bidirectional controls shown."""
    return html.escape(neutral(str(value)), quote=False)


def _interval(value: pd.Series, low: pd.Series, high: pd.Series) -> dict:
    """Error bars from a confidence interval around `value`."""
    return {"type": "data", "symmetric": False, "array": high - value, "arrayminus": value - low}


def _figure(title: str) -> go.Figure:
    figure = go.Figure()
    figure.update_layout(title={"text": title}, **LAYOUT)
    return figure


@_from_table
def funnel(table: pd.DataFrame) -> go.Figure | None:
    """Journeys reaching each stage, and how many stop there."""
    stages = [safe(s) for s in table["stage"]]
    figure = _figure("Stage funnel: journeys reaching each stage")
    figure.add_trace(
        go.Funnel(
            y=stages,
            x=table["reached"],
            textinfo="value+percent initial",
            marker={"color": BLUE},
            name="reached",
        )
    )
    figure.add_trace(
        go.Bar(
            y=stages,
            x=table["drop_off"],
            orientation="h",
            marker={"color": RED},
            name="stop after this stage",
            xaxis="x2",
            text=[f"{s:.0%}" if np.isfinite(s) else "" for s in table["drop_off_share"]],
            textposition="auto",
        )
    )
    figure.update_layout(
        xaxis={"domain": [0, 0.62]},
        xaxis2={"domain": [0.68, 1], "title": "journeys that stop after the stage"},
        yaxis={"autorange": "reversed"},
        legend={"orientation": "h", "y": -0.15},
    )
    return figure


@_from_table
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
    figure = _figure("Journeys across stages")
    figure.add_trace(
        go.Sankey(
            arrangement="snap",
            node={"label": labels, "color": colours, "pad": 18},
            link={"source": source, "target": target, "value": value},
        )
    )
    return figure


@_from_table
def dwell_distributions(table: pd.DataFrame) -> go.Figure | None:
    """Per stage, how long closed visits last (a histogram on a log time scale)."""
    figure = _figure("Time spent in each stage (closed visits)")
    for _stage, rows in table.groupby("order", sort=True):
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
                    f"{name}: {v:,} visits of {human(a)} to {human(b)}"
                    for v, a, b in zip(
                        rows["visits"], rows["bin_start_s"], rows["bin_end_s"], strict=True
                    )
                ],
                hoverinfo="text",
            )
        )
    figure.update_layout(
        xaxis={"type": "log", "title": "time in the stage (seconds, log scale)"},
        yaxis={"title": "visits"},
    )
    return figure


@_from_table
def time_to_convert(table: pd.DataFrame) -> go.Figure | None:
    """The Kaplan–Meier curve: share of journeys converted by each time, with its band."""
    table = thin_steps(table)
    days = table["time_s"] / 86_400
    figure = _figure("Time to convert (Kaplan–Meier; open journeys censored)")
    figure.add_trace(
        go.Scatter(
            x=days,
            y=table["conversion_high"],
            line={"width": 0},
            showlegend=False,
            hoverinfo="skip",
            line_shape="hv",
        )
    )
    figure.add_trace(
        go.Scatter(
            x=days,
            y=table["conversion_low"],
            fill="tonexty",
            fillcolor="rgba(59,111,182,0.18)",
            line={"width": 0},
            line_shape="hv",
            name="95% confidence band",
            hoverinfo="skip",
        )
    )
    figure.add_trace(
        go.Scatter(
            x=days,
            y=table["conversion"],
            line={"color": BLUE, "width": 2},
            line_shape="hv",
            name="converted by then",
        )
    )
    figure.update_layout(
        xaxis={"title": "days since the journey's first touchpoint"},
        yaxis={"title": "share of journeys converted", "tickformat": ".0%"},
    )
    return figure


def thin_steps(table: pd.DataFrame, points: int = 1_000) -> pd.DataFrame:
    """At most about 2 * `points` rows of a Kaplan–Meier table, for drawing: the first row
    at each 1/points step of the estimate and of the time range, and the last row. The
    curve drawn differs from the full one by less than 1/points (the table file keeps every
    row; a million journeys give a row per distinct conversion time)."""
    if len(table) <= 2 * points:
        return table
    conversion = table["conversion"].to_numpy()
    time = table["time_s"].to_numpy()
    levels = np.linspace(conversion[0], conversion[-1], points)
    moments = np.linspace(time[0], time[-1], points)
    keep = np.unique(
        np.concatenate(
            [
                np.searchsorted(conversion, levels, side="left"),
                np.searchsorted(time, moments, side="left"),
                [0, len(table) - 1],
            ]
        ).clip(0, len(table) - 1)
    )
    return table.iloc[keep]


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
    figure = make_subplots(
        rows=rows,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.08,
        subplot_titles=["reach and drop-off", "median time in the stage", "satisfaction"][:rows],
    )
    figure.add_trace(
        go.Bar(
            x=names,
            y=funnel_table["share"],
            name="journeys reaching",
            marker={"color": BLUE},
            text=[f"{s:.0%}" for s in funnel_table["share"]],
            textposition="outside",
        ),
        row=1,
        col=1,
    )
    figure.add_trace(
        go.Scatter(
            x=names,
            y=funnel_table["drop_off_share"],
            name="stop after it",
            mode="lines+markers",
            line={"color": RED},
        ),
        row=1,
        col=1,
    )
    dwell_days = stages.set_index("stage").reindex(funnel_table["stage"])["median_s"] / 86_400
    figure.add_trace(
        go.Bar(
            x=names,
            y=dwell_days,
            name="median dwell (days)",
            marker={"color": GREY},
            text=[human(s * 86_400) for s in dwell_days],
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
                error_y=_interval(
                    per_stage["mean_score"], per_stage["score_low"], per_stage["score_high"]
                ),
                mode="lines+markers",
                line={"color": GREEN, "width": 3},
                name="mean score (95% CI)",
            ),
            row=3,
            col=1,
        )
    figure.update_layout(title={"text": "Journey map"}, height=260 * rows, **LAYOUT)
    figure.update_yaxes(tickformat=".0%", row=1, col=1)
    return figure


@_from_table
def variant_explorer(table: pd.DataFrame, top: int = 25) -> go.Figure | None:
    """The most frequent variants: share of journeys, with conversion and duration."""
    shown = table.head(top)
    labels = [f"#{i + 1} ({len(v)} steps)" for i, v in enumerate(shown["variant"])]
    hover = []
    for i, row in enumerate(shown.itertuples(index=False)):
        steps = " → ".join(safe(a) for a in list(row.variant)[:15])
        more = f" … ({len(row.variant)} steps)" if len(row.variant) > 15 else ""
        rate = getattr(row, "conversion_rate", float("nan"))
        hover.append(
            f"#{i + 1}: {row.frequency:,} journeys ({row.share:.1%})<br>"
            f"median duration {human(row.median_duration_s)}"
            + (f"<br>conversion {rate:.0%}" if np.isfinite(rate) else "")
            + f"<br>{steps}{more}"
        )
    colour = (
        shown["conversion_rate"]
        if "conversion_rate" in shown and shown["conversion_rate"].notna().any()
        else None
    )
    title = f"Top {len(shown)} variants by journeys"
    if colour is not None:
        title += " (colour: conversion rate, red 0% to green 100%)"
    figure = _figure(title)
    # Colours as names, sampled here: given numbers and a scale, plotly.js also reads each
    # number as a colour name and warns once per bar ("Invalid color specifier").
    marker = (
        {"color": sample_colorscale("RdYlGn", np.nan_to_num(colour.to_numpy(float)).tolist())}
        if colour is not None
        else {"color": BLUE}
    )
    figure.add_trace(
        go.Bar(
            y=labels,
            x=shown["share"],
            orientation="h",
            marker=marker,
            hovertext=hover,
            hoverinfo="text",
        )
    )
    figure.update_layout(
        yaxis={"autorange": "reversed"},
        xaxis={"title": "share of journeys", "tickformat": ".0%"},
        height=max(320, 24 * len(shown) + 120),
    )
    return figure


@_from_table
def segments(table: pd.DataFrame) -> go.Figure | None:
    """Conversion rate of each segment with its Wilson interval, against the rest."""
    figure = _figure("Conversion by segment (95% Wilson intervals)")
    for attribute, rows in table.groupby("attribute", sort=False):
        labels = [f"{safe(attribute)} = {safe(s)}" for s in rows["segment"]]
        figure.add_trace(
            go.Scatter(
                x=rows["conversion_rate"],
                y=labels,
                mode="markers",
                marker={"size": 10, "color": [GREY if t else BLUE for t in rows["too_small"]]},
                error_x=_interval(rows["conversion_rate"], rows["rate_low"], rows["rate_high"]),
                name=safe(attribute),
                hovertext=[
                    f"{j:,} journeys; {'significant' if s else 'not significant'} "
                    f"(adjusted p = {p:.3g}){'; too small' if t else ''}"
                    for j, s, p, t in zip(
                        rows["journeys"],
                        rows["significant"],
                        rows["p_adjusted"],
                        rows["too_small"],
                        strict=True,
                    )
                ],
            )
        )
    figure.update_layout(
        xaxis={"title": "conversion rate", "tickformat": ".0%"},
        height=max(320, 26 * len(table) + 140),
    )
    return figure


@_from_table
def channel_switches(table: pd.DataFrame) -> go.Figure | None:
    """From channel to channel between consecutive touchpoints."""
    matrix = table.pivot_table(
        index="source_channel",
        columns="target_channel",
        values="transitions",
        aggfunc="sum",
        fill_value=0,
    )
    figure = _figure("Channel switches between consecutive touchpoints")
    figure.add_trace(
        go.Heatmap(
            z=matrix.to_numpy(),
            x=[safe(c) for c in matrix.columns],
            y=[safe(c) for c in matrix.index],
            colorscale="Blues",
            texttemplate="%{z:,}",
            hovertemplate="from %{y} to %{x}: %{z:,}<extra></extra>",
        )
    )
    figure.update_layout(xaxis={"title": "to"}, yaxis={"title": "from"})
    return figure


@_from_table
def channel_mix(table: pd.DataFrame) -> go.Figure | None:
    """Conversion by the number of channels a journey used."""
    figure = _figure("Conversion by number of channels used")
    figure.add_trace(
        go.Bar(
            x=[str(c) for c in table["channels_used"]],
            y=table["conversion_rate"],
            error_y=_interval(table["conversion_rate"], table["rate_low"], table["rate_high"]),
            marker={"color": BLUE},
            hovertext=[f"{j:,} journeys" for j in table["journeys"]],
        )
    )
    figure.update_layout(
        xaxis={"title": "channels used"}, yaxis={"title": "conversion rate", "tickformat": ".0%"}
    )
    return figure
