"""Comparisons between the engine's results and the reference implementations, and the
sources a read test takes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

import engine
from tests import reference

STAT_COLUMNS = ["mean_s", "median_s", "p90_s", "min_s", "max_s", "stdev_s"]


def assert_dfg_matches(log: engine.EventLog, canon: pd.DataFrame) -> None:
    got = log.dfg()
    want = reference.dfg(canon)
    assert len(got) == len(want)
    merged = want.merge(got, on=["source", "target"], suffixes=("_want", "_got"), how="left")
    assert merged["frequency_got"].notna().all(), "an edge is missing"
    np.testing.assert_array_equal(merged["frequency_got"], merged["frequency_want"])
    np.testing.assert_array_equal(merged["cases_got"], merged["cases_want"])
    for col in STAT_COLUMNS:
        np.testing.assert_allclose(
            merged[f"{col}_got"].to_numpy(float),
            merged[f"{col}_want"].to_numpy(float),
            rtol=1e-9,
            atol=1e-9,
            equal_nan=True,
            err_msg=col,
        )
    # reporting order: frequency descending, then source, target
    keys = list(zip(-got["frequency"], got["source"], got["target"], strict=True))
    assert keys == sorted(keys)


def assert_variants_match(log: engine.EventLog, canon: pd.DataFrame) -> None:
    got = log.variants()
    want = reference.variants(canon)
    assert [tuple(v) for v in got["variant"]] == list(want["variant"])
    np.testing.assert_array_equal(got["frequency"], want["frequency"])
    np.testing.assert_allclose(got["median_duration_s"], want["median_duration_s"], rtol=1e-12)
    np.testing.assert_allclose(got["share"], want["frequency"] / canon["_case"].nunique())


def assert_activities_match(log: engine.EventLog, canon: pd.DataFrame) -> None:
    got = log.activities().sort_values("activity").reset_index(drop=True)
    want = reference.activities(canon).sort_values("activity").reset_index(drop=True)
    assert list(got["activity"]) == list(want["activity"])
    for col in ["frequency", "cases", "start", "end"]:
        np.testing.assert_array_equal(got[col], want[col], err_msg=col)


def assert_cases_match(log: engine.EventLog, canon: pd.DataFrame) -> None:
    want = reference.case_durations(canon)
    got = log.case_durations()
    assert len(got) == len(want)
    lookup = dict(zip(got.index, got.to_numpy(), strict=True))
    np.testing.assert_allclose([lookup[k] for k in want.index], want.to_numpy(), rtol=1e-12)


def assert_order_matches(log: engine.EventLog, canon: pd.DataFrame) -> None:
    """Each case's events, in order, are the reference's (rows, activities, timestamps)."""
    offsets = log.case_offsets
    by_case = {k: g for k, g in canon.groupby("_case", sort=False)}
    assert len(by_case) == log.n_cases
    for c, case_id in enumerate(log.case_ids):
        g = by_case[case_id]
        span = slice(offsets[c], offsets[c + 1])
        np.testing.assert_array_equal(log.source_row[span], g["_row"].to_numpy())
        np.testing.assert_array_equal(log.timestamp[span], g["_ts"].to_numpy())
        assert list(log.activity_names[log.activity[span]]) == list(g["_act"])


def assert_all_match(log: engine.EventLog, canon: pd.DataFrame) -> None:
    assert log.n_events == len(canon)
    assert_order_matches(log, canon)
    assert_dfg_matches(log, canon)
    assert_variants_match(log, canon)
    assert_activities_match(log, canon)
    assert_cases_match(log, canon)


def split_by_case(df: pd.DataFrame, case: str, n_parts: int, seed: int) -> list[pd.DataFrame]:
    """`df` in `n_parts` frames of whole cases drawn at random (some may be empty)."""
    cases = df[case].drop_duplicates().to_numpy()
    draw = np.random.default_rng(seed).integers(0, n_parts, len(cases))
    labels = df[case].map(dict(zip(cases, draw, strict=True)))
    return [df[labels == k] for k in range(n_parts)]


def as_parts(
    frames: list[pd.DataFrame], keys: dict, attributes=(), shape: str = "pairs"
) -> tuple[engine.EventLog, object]:
    """(the whole log read at once, its parts read apart as engine.cluster.local.LocalParts)."""
    from engine.cluster.local import LocalParts

    read = {**keys, "attributes": list(attributes)}
    whole = engine.read_log(pd.concat(frames), **read)
    parts = LocalParts([engine.read_log(f, **read) for f in frames if len(f)], shape=shape)
    return whole, parts


def written_as(df: pd.DataFrame, source: str, folder: Path) -> pd.DataFrame | Path:
    """`df` as the source a read test takes: the frame itself, or a CSV or Parquet file of
    it in `folder`."""
    if source == "frame":
        return df
    path = folder / f"log.{source}"
    if source == "csv":
        df.to_csv(path, index=False)
    else:
        df.to_parquet(path)
    return path
