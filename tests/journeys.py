"""What the journey tests share: the column keys, a small two-stage model and random logs."""

from __future__ import annotations

import pandas as pd
from hypothesis import strategies as st

from engine.journey import JourneyModel

KEYS = {"case": "case", "activity": "activity", "timestamp": "ts"}
TOUCHPOINTS = ["view", "search", "cart", "pay"]
MODEL = JourneyModel.from_stages(
    {"look": ["view", "search"], "buy": ["cart", "pay"]}, conversion="activity:pay", strict=False
)


@st.composite
def journeys(draw, max_cases: int = 12, max_events: int = 6) -> pd.DataFrame:
    """Random journeys over TOUCHPOINTS, hourly timestamps with ties, rows shuffled."""
    rows = []
    for c in range(draw(st.integers(1, max_cases))):
        for _ in range(draw(st.integers(1, max_events))):
            rows.append((f"c{c}", draw(st.sampled_from(TOUCHPOINTS)), draw(st.integers(0, 8))))
    order = draw(st.permutations(range(len(rows))))
    frame = pd.DataFrame([rows[i] for i in order], columns=["case", "activity", "ts"])
    frame["ts"] = pd.to_datetime(frame["ts"], unit="h")
    return frame
