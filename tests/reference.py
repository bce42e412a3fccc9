"""Plain pandas/numpy reference implementations of every figure the engine computes.

Deliberately naive and readable: a stable sort, a shift, groupbys. The engine's numba
kernels must agree with these on every input.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def to_ns(values: pd.Series) -> np.ndarray:
    """Datetimes (naive read as UTC) to int64 ns; NaT becomes 0 (the row is dropped anyway)."""
    if not pd.api.types.is_datetime64_any_dtype(values):
        values = pd.to_datetime(values, utc=True, format="ISO8601")
    if getattr(values.dt, "tz", None) is None:
        values = values.dt.tz_localize("UTC")
    naive = values.dt.tz_convert("UTC").dt.tz_localize(None).astype("datetime64[ns]")
    return np.where(naive.isna(), 0, naive.to_numpy().view("int64")).astype(np.int64)


def canonical_frame(
    df: pd.DataFrame, case: str, activity: str, timestamp: str, start: str | None = None
) -> pd.DataFrame:
    """Rows with a case, activity and timestamp, sorted by (case, timestamp, input row).

    Columns: _case, _act, _ts (int64 ns, UTC), _start (start time, or _ts), _row.
    """
    ok = df[case].notna() & df[activity].notna() & df[timestamp].notna()
    ok &= (df[case].astype(str) != "") & (df[activity].astype(str) != "")
    out = pd.DataFrame(
        {
            "_case": df[case].to_numpy(),
            "_act": df[activity].astype(object).to_numpy(),
            "_ts": to_ns(df[timestamp]),
            "_row": np.arange(len(df)),
        }
    )
    if start is None:
        out["_start"] = out["_ts"]
    else:
        out["_start"] = np.where(df[start].isna(), out["_ts"], to_ns(df[start]))
    out = out[ok.to_numpy()]
    return out.sort_values(["_case", "_ts", "_row"], kind="stable").reset_index(drop=True)


def seconds(ns) -> np.ndarray:
    return np.asarray(ns, dtype=np.int64) / 1e9


def describe(values_s: np.ndarray) -> dict[str, float]:
    v = np.asarray(values_s, dtype=float)
    return {
        "mean_s": float(np.mean(v)),
        "median_s": float(np.median(v)),
        "p90_s": float(np.quantile(v, 0.9)),
        "min_s": float(np.min(v)),
        "max_s": float(np.max(v)),
        "stdev_s": float(np.std(v, ddof=1)) if len(v) > 1 else float("nan"),
    }


def dfg(c: pd.DataFrame) -> pd.DataFrame:
    """Edges with frequency, cases and duration statistics, from a canonical frame."""
    nxt = c.shift(-1)
    same = (c["_case"] == nxt["_case"]).to_numpy()
    pairs = pd.DataFrame(
        {
            "source": c["_act"][same].to_numpy(),
            "target": nxt["_act"][same].to_numpy(),
            "case": c["_case"][same].to_numpy(),
            "dur": nxt["_start"][same].to_numpy().astype(np.int64) - c["_ts"][same].to_numpy(),
        }
    )
    rows = []
    for (s, t), g in pairs.groupby(["source", "target"], sort=False):
        row = {"source": s, "target": t, "frequency": len(g), "cases": g["case"].nunique()}
        row.update(describe(seconds(g["dur"])))
        rows.append(row)
    cols = [
        "source",
        "target",
        "frequency",
        "cases",
        "mean_s",
        "median_s",
        "p90_s",
        "min_s",
        "max_s",
        "stdev_s",
    ]
    return pd.DataFrame(rows, columns=cols)


def variants(c: pd.DataFrame) -> pd.DataFrame:
    """variant tuple, frequency, median case duration; most frequent first, then by tuple."""
    per_case = c.groupby("_case", sort=False).agg(
        variant=("_act", tuple), first=("_ts", "min"), last=("_ts", "max")
    )
    per_case["duration"] = seconds(per_case["last"] - per_case["first"])
    rows = [
        {"variant": v, "frequency": len(g), "median_duration_s": float(np.median(g["duration"]))}
        for v, g in per_case.groupby("variant", sort=False)
    ]
    rows.sort(key=lambda r: (-r["frequency"], r["variant"]))
    return pd.DataFrame(rows, columns=["variant", "frequency", "median_duration_s"])


def activities(c: pd.DataFrame) -> pd.DataFrame:
    g = c.groupby("_case", sort=False)["_act"]
    starts = g.first().value_counts()
    ends = g.last().value_counts()
    out = pd.DataFrame(
        {
            "frequency": c["_act"].value_counts(),
            "cases": c.groupby("_act")["_case"].nunique(),
        }
    )
    out["start"] = starts.reindex(out.index).fillna(0).astype(int)
    out["end"] = ends.reindex(out.index).fillna(0).astype(int)
    return out.rename_axis("activity").reset_index()


def case_durations(c: pd.DataFrame) -> pd.Series:
    g = c.groupby("_case")["_ts"]
    span = g.max() - g.min()
    return pd.Series(seconds(span.to_numpy()), index=span.index)
