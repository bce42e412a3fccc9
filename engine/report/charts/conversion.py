"""Charts of conversion: the time to convert (Kaplan–Meier), conversion by segment, and
the most frequent variants coloured by their conversion rate."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import sample_colorscale

from ...journey.actions import human
from ..labels import counted
from .style import BLUE, GREY, from_table, interval, log_time_axis, new_figure, safe


@from_table
def time_to_convert(table: pd.DataFrame) -> go.Figure | None:
    """The Kaplan–Meier curve: share of journeys converted by each time, with its band, on
    a log time axis (conversions take seconds to months; a day axis drew minutes as a
    vertical line at zero). Conversions in under a second are drawn at one second."""
    table = thin_steps(table)
    seconds = table["time_s"].to_numpy(dtype=float)
    x = np.maximum(seconds, 1.0)
    title = "Time to convert (Kaplan–Meier; open journeys censored)"
    if (seconds < 1).any():
        title += "; conversions in under a second drawn at 1 s"
    figure = new_figure(title)
    figure.add_trace(
        go.Scatter(
            x=x,
            y=table["conversion_high"],
            line={"width": 0},
            showlegend=False,
            hoverinfo="skip",
            line_shape="hv",
        )
    )
    figure.add_trace(
        go.Scatter(
            x=x,
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
            x=x,
            y=table["conversion"],
            line={"color": BLUE, "width": 2},
            line_shape="hv",
            name="converted by then",
            text=[human(s) for s in seconds],
            hovertemplate="%{y:.1%} converted by %{text}<extra></extra>",
        )
    )
    figure.update_layout(
        xaxis=log_time_axis("time since the journey's first touchpoint (log scale)", x),
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


@from_table
def variant_explorer(table: pd.DataFrame, top: int = 25) -> go.Figure | None:
    """The most frequent variants: share of journeys, with conversion and duration."""
    shown = table.head(top)
    labels = [f"#{i + 1} ({counted(len(v), 'step')})" for i, v in enumerate(shown["variant"])]
    hover = []
    for i, row in enumerate(shown.itertuples(index=False)):
        steps = " → ".join(safe(a) for a in list(row.variant)[:15])
        more = f" … ({counted(len(row.variant), 'step')})" if len(row.variant) > 15 else ""
        rate = getattr(row, "conversion_rate", float("nan"))
        hover.append(
            f"#{i + 1}: {counted(int(row.frequency), 'journey')} ({row.share:.1%})<br>"
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
    figure = new_figure(title)
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


@from_table
def segments(table: pd.DataFrame) -> go.Figure | None:
    """Conversion rate of each segment with its Wilson interval, against the rest."""
    figure = new_figure("Conversion by segment (95% Wilson intervals)")
    for attribute, rows in table.groupby("attribute", sort=False):
        labels = [f"{safe(attribute)} = {safe(s)}" for s in rows["segment"]]
        figure.add_trace(
            go.Scatter(
                x=rows["conversion_rate"],
                y=labels,
                mode="markers",
                marker={"size": 10, "color": [GREY if t else BLUE for t in rows["too_small"]]},
                error_x=interval(rows["conversion_rate"], rows["rate_low"], rows["rate_high"]),
                name=safe(attribute),
                hovertext=[
                    f"{counted(int(j), 'journey')}; "
                    + (
                        "too small to test"
                        if t or not np.isfinite(p)
                        else f"{'significant' if s else 'not significant'} (adjusted p = {p:.3g})"
                    )
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
