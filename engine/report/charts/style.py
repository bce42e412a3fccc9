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
ORANGE = "#e67e22"
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
#: Candidate ticks of a log time axis (seconds), labelled in words.
TIME_TICKS = (
    (1, "1 s"),
    (10, "10 s"),
    (30, "30 s"),
    (60, "1 min"),
    (5 * 60, "5 min"),
    (10 * 60, "10 min"),
    (30 * 60, "30 min"),
    (3_600, "1 h"),
    (3 * 3_600, "3 h"),
    (6 * 3_600, "6 h"),
    (12 * 3_600, "12 h"),
    (86_400, "1 day"),
    (2 * 86_400, "2 days"),
    (7 * 86_400, "1 week"),
    (14 * 86_400, "2 weeks"),
    (30 * 86_400, "30 days"),
    (91 * 86_400, "3 months"),
    (182 * 86_400, "6 months"),
    (365 * 86_400, "1 year"),
    (2 * 365 * 86_400, "2 years"),
    (5 * 365 * 86_400, "5 years"),
    (10 * 365 * 86_400, "10 years"),
)
#: At most this many ticks on a log time axis.
MAX_TIME_TICKS = 9


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


def log_time_axis(title: str, seconds: Iterable[float]) -> dict:
    """A log axis of the times `seconds` whose ticks read as times (1 min, 1 h, 1 day),
    at most MAX_TIME_TICKS of them, spread over the times' range."""
    finite = [float(t) for t in seconds if t is not None and math.isfinite(t) and t > 0]
    low, high = (min(finite), max(finite)) if finite else (1.0, 86_400.0)
    inside = [(t, label) for t, label in TIME_TICKS if low / 1.5 <= t <= high * 1.5]
    if len(inside) < 2:  # a narrow range: the nearest tick on each side
        below = [tick for tick in TIME_TICKS if tick[0] <= low] or [TIME_TICKS[0]]
        above = [tick for tick in TIME_TICKS if tick[0] >= high] or [TIME_TICKS[-1]]
        inside = sorted({below[-1], *inside, above[0]})
    step = math.ceil(len(inside) / MAX_TIME_TICKS)
    ticks = inside[::step]
    return {
        "type": "log",
        "title": title,
        "tickvals": [t for t, _ in ticks],
        "ticktext": [label for _, label in ticks],
    }


def interval(value: pd.Series, low: pd.Series, high: pd.Series) -> dict:
    """Error bars from a confidence interval around `value`."""
    return {"type": "data", "symmetric": False, "array": high - value, "arrayminus": value - low}


def new_figure(title: str) -> go.Figure:
    figure = go.Figure()
    figure.update_layout(title={"text": title}, **LAYOUT)
    return figure
