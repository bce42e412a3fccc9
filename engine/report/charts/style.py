"""What every report chart shares: colours, the page layout, labels from the log shown
literally (`safe`), and the rule that a chart of a table the run did not write is None."""

from __future__ import annotations

import functools
import html
import math
from collections.abc import Callable, Iterable

import pandas as pd
import plotly.graph_objects as go

from ..labels import neutral

BLUE, RED, GREEN, GREY = "#3b6fb6", "#c0392b", "#2e8b57", "#9aa5b1"
LAYOUT = {
    "template": "plotly_white",
    "margin": {"l": 60, "r": 30, "t": 50, "b": 50},
    "font": {"family": "Helvetica, Arial, sans-serif", "size": 12},
}


def from_table(draw: Callable[..., go.Figure | None]) -> Callable[..., go.Figure | None]:
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


def share_text(share: float | None) -> str:
    """A share as a whole percent ("<1%" for a small non-zero one; "" for none)."""
    if share is None or not math.isfinite(share):
        return ""
    if 0 < share < 0.005:
        return "<1%"
    return f"{share:.0%}"


#: Units a chart's times are shown in, each used once the longest time is two of it.
TIME_UNITS = (("seconds", 1.0), ("minutes", 60.0), ("hours", 3_600.0), ("days", 86_400.0))


def time_unit(seconds: Iterable[float]) -> tuple[str, float]:
    """The unit that fits times (seconds): the largest of which the longest is at least
    two, so that 5 minutes read as 5 minutes and 3 days as 3 days; and its length (s)."""
    finite = [float(s) for s in seconds if s is not None and math.isfinite(s)]
    longest = max(finite, default=0.0)
    name, size = TIME_UNITS[0]
    for unit, length in TIME_UNITS:
        if longest >= 2 * length:
            name, size = unit, length
    return name, size


def interval(value: pd.Series, low: pd.Series, high: pd.Series) -> dict:
    """Error bars from a confidence interval around `value`."""
    return {"type": "data", "symmetric": False, "array": high - value, "arrayminus": value - low}


def new_figure(title: str) -> go.Figure:
    figure = go.Figure()
    figure.update_layout(title={"text": title}, **LAYOUT)
    return figure
