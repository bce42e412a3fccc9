"""Hypothesis strategies shared by the property tests: small random event logs with
ties, one-event cases, single activities and every kind of case id."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import strategies as st

NAMES = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=6
)


@st.composite
def random_logs(draw, max_cases: int = 12, max_events: int = 8):
    n_cases = draw(st.integers(1, max_cases))
    alphabet = draw(st.lists(NAMES, min_size=1, max_size=4, unique=True))
    id_kind = draw(st.sampled_from(["int", "str", "bigint", "categorical"]))
    rows = []
    for c in range(n_cases):
        n = draw(st.integers(1, max_events))
        for _ in range(n):
            rows.append((c, draw(st.sampled_from(alphabet)), draw(st.integers(0, 5))))
    order = draw(st.permutations(range(len(rows))))
    rows = [rows[i] for i in order]
    cases = np.array([r[0] for r in rows])
    if id_kind == "str":
        case_col = pd.Series([f"c{c:03d}" for c in cases], dtype="str")
    elif id_kind == "bigint":
        case_col = pd.Series(cases.astype(np.int64) * 7_000_000_000_000_000 - 2**62)
    elif id_kind == "categorical":
        case_col = pd.Series([f"k{c}" for c in cases], dtype="category")
    else:
        case_col = pd.Series(cases.astype(np.int64))
    unit = draw(st.sampled_from(["s", "ms", "us", "ns"]))
    seconds = np.array([r[2] for r in rows], dtype=np.int64) * 3_600
    ts = pd.Series(pd.to_datetime(seconds, unit="s")).astype(f"datetime64[{unit}]")
    return pd.DataFrame(
        {
            "case": case_col,
            "activity": pd.Series([r[1] for r in rows], dtype="str"),
            "ts": ts,
        }
    )
