"""Property tests: on random logs, every figure equals the pandas reference.

Logs are drawn with timestamp ties, single-event cases, one-activity alphabets, several
case-id types and arbitrary row order.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import engine
from tests import reference
from tests.helpers import assert_all_match

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


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_logs())
def test_every_figure_matches_reference(df):
    log = engine.read_log(df, case="case", activity="activity", timestamp="ts")
    canon = reference.canonical_frame(df, "case", "activity", "ts")
    assert_all_match(log, canon)


@settings(max_examples=60, deadline=None)
@given(random_logs(), st.randoms(use_true_random=False))
def test_shuffling_rows_changes_nothing_but_tie_order(df, rnd):
    """With distinct timestamps inside each case, row order cannot matter at all."""
    df = df.assign(ts=df["ts"] + pd.to_timedelta(np.arange(len(df)), unit="s"))
    shuffled = df.sample(frac=1.0, random_state=rnd.randint(0, 2**31 - 1))
    a = engine.read_log(df, case="case", activity="activity", timestamp="ts")
    b = engine.read_log(shuffled, case="case", activity="activity", timestamp="ts")
    pd.testing.assert_frame_equal(a.dfg(), b.dfg())
    pd.testing.assert_frame_equal(a.variants(), b.variants())
    pd.testing.assert_frame_equal(a.activities(), b.activities())
    pd.testing.assert_frame_equal(a.cases(), b.cases())


@settings(max_examples=60, deadline=None)
@given(random_logs(max_cases=6, max_events=5))
def test_start_timestamps_give_waiting_times(df):
    """With a start column, an edge lasts from the end of one event to the start of the next."""
    df = df.assign(start=df["ts"] - pd.to_timedelta(np.arange(len(df)) % 3, unit="min"))
    log = engine.read_log(
        df, case="case", activity="activity", timestamp="ts", start_timestamp="start"
    )
    canon = reference.canonical_frame(df, "case", "activity", "ts", start="start")
    from tests.helpers import assert_dfg_matches

    assert_dfg_matches(log, canon)
