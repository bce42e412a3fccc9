"""The action list: the top ranked places (bottlenecks.py) as plain-language sentences
with the numbers behind them."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..schema import FLOAT, INT, TEXT, table_schema

ACTION_SCHEMA = table_schema(
    rank=INT,
    action=TEXT,
    level=TEXT,
    source=TEXT,
    target=TEXT,
    lost_conversions=FLOAT,
    lost_low=FLOAT,
    lost_high=FLOAT,
    journeys=INT,
    share_of_journeys=FLOAT,
    median_wait_s=FLOAT,
    abandon_share=FLOAT,
    total_wait_s=FLOAT,
    share_of_lost=FLOAT,
)
ACTION_COLUMNS = tuple(ACTION_SCHEMA.names)


def action_table(
    bottlenecks: pd.DataFrame, *, top: int = 10, min_journeys: int = 30, confidence: float = 0.95
) -> pd.DataFrame:
    """The `top` places worth acting on, as sentences with their numbers (ACTION_COLUMNS).

    Listed: places that lose conversions, then places that hold customers waiting, each
    resting on at least `min_journeys` journeys that had not converted when they were
    there (a step taken only after converting is no place to win a conversion)."""
    loses = bottlenecks["lost_conversions"].fillna(0) > 0
    waits = bottlenecks["total_wait_s"].fillna(0) > 0
    worth = bottlenecks[(loses | waits) & (bottlenecks["journeys"] >= max(min_journeys, 1))]
    worth = worth.head(top)
    digits = _digits(worth)
    rows = []
    for _, row in worth.iterrows():
        rows.append(
            {
                "rank": len(rows) + 1,
                "action": _sentence(row, digits, confidence),
                "level": row["level"],
                "source": row["source"],
                "target": row["target"],
                "lost_conversions": row["lost_conversions"],
                "lost_low": row["lost_low"],
                "lost_high": row["lost_high"],
                "journeys": row["journeys"],
                "share_of_journeys": row["share_of_journeys"],
                "median_wait_s": row["median_s"],
                "abandon_share": row["abandon_share"],
                "total_wait_s": row["total_wait_s"],
                "share_of_lost": row["share_of_lost"],
            }
        )
    frame = pd.DataFrame(rows, columns=list(ACTION_COLUMNS))
    return frame.astype({"rank": np.int64, "journeys": np.int64}) if len(frame) else frame


def _digits(rows: pd.DataFrame) -> int:
    """Decimals of every percentage in one list: one when whole percents would hide a
    compared gap ('99.6% against 98.9%', not '100% against 99%'), else none."""
    loss = rows[rows["lost_conversions"].fillna(0) > 0]
    alt = np.round(loss["alternative_rate"].to_numpy(float) * 100)
    own = np.round(loss["conversion_rate"].to_numpy(float) * 100)
    return 1 if (np.abs(alt - own) < 3).any() else 0


def _sentence(row: pd.Series, digits: int, confidence: float) -> str:
    share = f"{_share(row['share_of_journeys'], digits)} of journeys"
    if row["level"] == "stage":
        text = f"stage {row['source']}: {share}, median dwell {human(row['median_s'])}"
        if row["abandoned_after"] > 0:
            text += (
                f", {_count(row['abandoned_after'], 'journey')} "
                f"({_share(row['abandon_share'], digits)}) end there without converting"
            )
        if row["best_alternative"] is not None and np.isfinite(row["best_alternative_rate"]):
            text += (
                f"; journeys moving on to {row['best_alternative']} convert at "
                f"{_share(row['best_alternative_rate'], digits)}"
            )
        return text + f"; {human(row['total_wait_s'])} of dwell in all"
    arrow = f"{row['source']} → {row['target']}"
    kind = "stage " if row["level"].startswith("stage_transition") else ""
    text = (
        f"{kind}{arrow}: {share}, median wait {human(row['median_s'])}, "
        f"{_share(row['abandon_share'], digits)} abandon after it"
    )
    if row["lost_conversions"] > 0:
        level = f"{confidence:.0%}" if round(confidence * 100) == confidence * 100 else confidence
        text += (
            f"; journeys at {row['source']} taking the other steps convert at "
            f"{_share(row['alternative_rate'], digits)} against "
            f"{_share(row['conversion_rate'], digits)}: about "
            f"{_count(round(row['lost_conversions']), 'conversion')} to win ({level} CI "
            f"{row['lost_low']:,.0f}-{row['lost_high']:,.0f}"
            f"{', which does not rule out none' if round(row['lost_low']) <= 0 else ''}), "
            f"{_share(row['share_of_lost'], digits)} of all lost conversions"
        )
    else:
        text += f"; {human(row['total_wait_s'])} of waiting in all"
    return text


def _count(n: int, noun: str) -> str:
    """'1 journey', '2,345 journeys'."""
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


def times(n: int) -> str:
    """'once', '2 times', '1,234 times'."""
    return "once" if n == 1 else f"{n:,} times"


def _share(value: float, digits: int = 0) -> str:
    """A share for a sentence: '41%', '<1%' for a few, never 'nan%'."""
    if value is None or not np.isfinite(value):
        return "n/a"
    if 0 < value < 0.005 and digits == 0:
        return "<1%"
    if 0 < value < 0.0005:
        return "<0.1%"
    return f"{value:.{digits}%}"


def human(seconds: float) -> str:
    """A duration for a sentence: '3.2 days', '4.0 h', '12 min', '8 s'."""
    if seconds is None or not np.isfinite(seconds):
        return "n/a"
    for unit, size in (("days", 86_400), ("h", 3_600), ("min", 60)):
        if abs(seconds) >= size:
            return f"{seconds / size:,.1f} {unit}"
    return f"{seconds:,.0f} s"
