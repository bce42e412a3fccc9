"""The action list: the top ranked places (bottlenecks.py) as plain-language sentences
with the numbers behind them."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..schema import FLOAT, INT, TEXT, table_schema
from .bottlenecks import listed_losses

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

    Listed: places that lose conversions (a loss chance does not explain, after a Holm
    adjustment over every step compared: bottlenecks.listed_losses), then places that
    hold customers waiting, each resting on at least `min_journeys` journeys that had not
    converted when they were there (a step taken only after converting is no place to win
    a conversion)."""
    loses = listed_losses(bottlenecks)
    waits = bottlenecks["total_wait_s"].fillna(0) > 0
    worth = bottlenecks[(loses | waits) & (bottlenecks["journeys"] >= max(min_journeys, 1))]
    worth = worth.head(top)
    listed = loses[worth.index]
    digits = _digits(worth[listed])
    compared = int(bottlenecks["comparable"].fillna(False).astype(bool).sum())
    rows = []
    for (_, row), loss in zip(worth.iterrows(), listed, strict=True):
        rows.append(
            {
                "rank": len(rows) + 1,
                "action": _sentence(row, loss, digits, confidence, compared),
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


def _digits(loss: pd.DataFrame) -> int:
    """Decimals of every percentage in one list: one when whole percents would hide a
    compared gap of the listed losses ('99.6% against 98.9%', not '100% against 99%'),
    else none."""
    alt = np.round(loss["alternative_rate"].to_numpy(float) * 100)
    own = np.round(loss["conversion_rate"].to_numpy(float) * 100)
    return 1 if (np.abs(alt - own) < 3).any() else 0


def _sentence(row: pd.Series, loss: bool, digits: int, confidence: float, compared: int) -> str:
    """The action in words: a loss with its interval, or a wait (with, for a step whose
    gap chance explains, that gap and why it is not counted)."""
    share = f"{_share(row['share_of_journeys'], digits)} of journeys"
    if row["level"] == "stage":
        text = f"stage {row['source']}: {share}, median dwell {human(row['median_s'])}"
        if row["abandoned_after"] > 0:
            text += (
                f", {_count(row['abandoned_after'], 'journey')} "
                f"({_share(row['abandon_share'], digits)}) "
                f"{'ends' if row['abandoned_after'] == 1 else 'end'} there without converting"
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
    level = f"{confidence:.0%}" if round(confidence * 100) == confidence * 100 else confidence
    if loss:
        text += (
            f"; journeys at {row['source']} taking the other steps convert at "
            f"{_share(row['alternative_rate'], digits)} against "
            f"{_share(row['conversion_rate'], digits)}: about "
            f"{_fewer(round(row['lost_conversions']))} than if they had converted as "
            f"those do ({level} CI "
            f"{row['lost_low']:,.0f}-{row['lost_high']:,.0f}{_low_note(row)}), "
            f"{_share(row['share_of_lost'], digits)} of all lost conversions"
        )
        return text
    text += f"; {human(row['total_wait_s'])} of waiting in all"
    gap = row.get("alternative_rate", np.nan) - row.get("conversion_rate", np.nan)
    if bool(row.get("comparable", False)) and gap > 0:
        rates = (
            f"; it converts at {_share(row['conversion_rate'], 1)} against "
            f"{_share(row['alternative_rate'], 1)} for the other steps"
        )
        if bool(row.get("loss_significant", False)):  # its journeys charged elsewhere
            text += rates + ", but its journeys' losses are counted at other steps"
        else:
            text += (
                rates + f", a gap within chance at {level} over the "
                f"{_count(compared, 'step')} compared"
            )
    return text


def _low_note(row: pd.Series) -> str:
    """Why an interval of a listed loss starts at 0 as shown: at most half a conversion
    at its low end. Most often the same journeys took other steps that lose conversions,
    and each journey is counted at one step only; else the gap is small for its journeys."""
    if row["lost_low"] >= 0.5:
        return ""
    if row.get("lost_alone_low", 0) >= 0.5:
        return ": its journeys also took other steps that may account for these losses"
    return ", so it may be none"


def _count(n: int, noun: str) -> str:
    """'1 journey', '2,345 journeys'."""
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


def _fewer(n: int) -> str:
    """'1 fewer conversion', '2,345 fewer conversions'."""
    return f"{n:,} fewer conversion" if n == 1 else f"{n:,} fewer conversions"


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
