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


# -- journey stages --------------------------------------------------------------------
def stage_visits(canon: pd.DataFrame, stage_of: dict, order: list[str]) -> pd.DataFrame:
    """Visits by a plain loop: _case, stage, start, end (next visit's start), open."""
    rows = []
    for case_id, g in canon.groupby("_case", sort=False):
        mapped = [
            (stage_of[a], t) for a, t in zip(g["_act"], g["_ts"], strict=True) if a in stage_of
        ]
        visits = []
        for stage, t in mapped:
            if not visits or visits[-1][0] != stage:
                visits.append([stage, t])
        for k, (stage, t) in enumerate(visits):
            last = k == len(visits) - 1
            rows.append(
                {
                    "_case": case_id,
                    "stage": stage,
                    "start": t,
                    "end": -1 if last else visits[k + 1][1],  # ints: floats lose ns
                    "open": last,
                }
            )
    return pd.DataFrame(rows, columns=["_case", "stage", "start", "end", "open"])


def stage_table(visits: pd.DataFrame, order: list[str]) -> pd.DataFrame:
    out = []
    for stage in order:
        v = visits[visits["stage"] == stage]
        closed = v[~v["open"].astype(bool)]
        dwell = seconds(
            (closed["end"].astype("int64") - closed["start"].astype("int64")).to_numpy()
        )
        stats = (
            describe(dwell)
            if len(dwell)
            else {k: float("nan") for k in ("mean_s", "median_s", "p90_s", "max_s")}
        )
        out.append(
            {
                "stage": stage,
                "visits": len(v),
                "cases": v["_case"].nunique(),
                "closed_visits": len(closed),
                "mean_s": stats["mean_s"],
                "median_s": stats["median_s"],
                "p90_s": stats["p90_s"],
                "max_s": stats["max_s"],
                "open_visits": int(v["open"].astype(bool).sum()),
            }
        )
    return pd.DataFrame(out)


def stage_transitions(visits: pd.DataFrame, order: list[str]) -> pd.DataFrame:
    rows = []
    for case_id, g in visits.groupby("_case", sort=False):
        stages = list(g["stage"])
        for k in range(len(stages) - 1):
            rows.append(
                {
                    "_case": case_id,
                    "source": stages[k],
                    "target": stages[k + 1],
                    "dwell": (int(g["end"].iloc[k]) - int(g["start"].iloc[k])) / 1e9,
                }
            )
    moves = pd.DataFrame(rows, columns=["_case", "source", "target", "dwell"])
    table = moves.groupby(["source", "target"]).agg(
        frequency=("dwell", "size"), cases=("_case", "nunique"), median_s=("dwell", "median")
    )
    table = table.reset_index()
    table["backward"] = [
        order.index(t) < order.index(s)
        for s, t in zip(table["source"], table["target"], strict=True)
    ]
    return table


def funnel(
    visits: pd.DataFrame, order: list[str], n_cases: int, converted: set | None = None
) -> pd.DataFrame:
    """The funnel; a journey in `converted` never drops off."""
    rank = {s: i for i, s in enumerate(order)}
    furthest = visits.assign(r=visits["stage"].map(rank)).groupby("_case")["r"].max()
    won = furthest.index.isin(list(converted or ()))
    out = []
    for i, stage in enumerate(order):
        reached = int((furthest >= i).sum())
        nxt = int((furthest >= i + 1).sum())
        last = i == len(order) - 1
        out.append(
            {
                "stage": stage,
                "reached": reached,
                "share": reached / n_cases,
                "visited": visits.loc[visits["stage"] == stage, "_case"].nunique(),
                "conversion_to_next": float("nan") if last or reached == 0 else nxt / reached,
                "drop_off": int(((furthest == i) & ~won).sum()),
                "drop_off_share": float("nan")
                if reached == 0
                else int(((furthest == i) & ~won).sum()) / reached,
                "converted": int(((furthest >= i) & won).sum()),
            }
        )
    return pd.DataFrame(out)


# -- conversion ------------------------------------------------------------------------
def conversion_per_case(canon: pd.DataFrame, converts) -> pd.DataFrame:
    """_case, converted, elapsed (ns from the first event to the first converting one)."""
    rows = []
    for case_id, g in canon.groupby("_case", sort=False):
        hits = g[g["_act"].map(converts)]
        first = int(g["_ts"].iloc[0])
        rows.append(
            {
                "_case": case_id,
                "converted": len(hits) > 0,
                "elapsed": int(hits["_ts"].iloc[0]) - first if len(hits) else 0,
                "start": first,
            }
        )
    return pd.DataFrame(rows)


def kaplan_meier(durations: np.ndarray, events: np.ndarray) -> pd.DataFrame:
    """The textbook product-limit estimate, one row per distinct time."""
    rows = []
    survival = 1.0
    for t in sorted(set(durations.tolist())):
        at_risk = int((durations >= t).sum())
        d = int(((durations == t) & events).sum())
        c = int(((durations == t) & ~events).sum())
        survival *= 1 - d / at_risk
        rows.append(
            {"time": t, "at_risk": at_risk, "converted": d, "censored": c, "survival": survival}
        )
    return pd.DataFrame(rows)
