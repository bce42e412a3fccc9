"""Charts of channels: the switches between consecutive touchpoints' channels, and
conversion by how many channels a journey used."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from ..labels import counted
from .style import BLUE, from_table, interval, new_figure, safe


@from_table
def channel_switches(table: pd.DataFrame) -> go.Figure | None:
    """From channel to channel between consecutive touchpoints. Staying on one channel
    (web to web) is no switch: the diagonal is left out, else it sets the colour scale
    and the switches all look alike. None when no journey switches."""
    switches = table[table["switch"]]
    if switches.empty or switches["transitions"].sum() == 0:
        return None
    matrix = switches.pivot_table(
        index="source_channel",
        columns="target_channel",
        values="transitions",
        aggfunc="sum",
        fill_value=0,
    )
    z = [
        [
            None if source == target else int(n)
            for target, n in zip(matrix.columns, row, strict=True)
        ]
        for source, row in zip(matrix.index, matrix.to_numpy(), strict=True)
    ]
    figure = new_figure(
        "Channel switches between consecutive touchpoints (staying on a channel left out)"
    )
    figure.add_trace(
        go.Heatmap(
            z=z,
            x=[safe(c) for c in matrix.columns],
            y=[safe(c) for c in matrix.index],
            colorscale="Blues",
            texttemplate="%{z:,}",
            hovertemplate="from %{y} to %{x}: %{z:,}<extra></extra>",
        )
    )
    figure.update_layout(xaxis={"title": "to"}, yaxis={"title": "from", "autorange": "reversed"})
    return figure


@from_table
def channel_mix(table: pd.DataFrame) -> go.Figure | None:
    """Conversion by the number of channels a journey used."""
    figure = new_figure("Conversion by number of channels used")
    figure.add_trace(
        go.Bar(
            x=[str(c) for c in table["channels_used"]],
            y=table["conversion_rate"],
            error_y=interval(table["conversion_rate"], table["rate_low"], table["rate_high"]),
            marker={"color": BLUE},
            hovertext=[counted(int(j), "journey") for j in table["journeys"]],
        )
    )
    figure.update_layout(
        xaxis={"title": "channels used"}, yaxis={"title": "conversion rate", "tickformat": ".0%"}
    )
    return figure
