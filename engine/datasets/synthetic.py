"""A seeded generator of synthetic customer-journey logs, any size, written in chunks.

Customers move through touchpoints (ad click, product page, comparison, store visit,
call centre, purchase, delivery, support ticket, review, repurchase, ...) following a
Markov chain whose rows also give the chance of leaving. Each touchpoint belongs to a
channel; waiting times are log-normal with a Pareto tail, so a few waits are very long.
Each customer has a segment, and some touchpoints carry a satisfaction score (CSAT 1-5).

The same seed gives the same log. Rows are shuffled within each chunk by default, as
exports from several systems often are.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

# touchpoint: (channel, median wait before it in hours, CSAT recorded?)
TOUCHPOINTS: dict[str, tuple[str, float, bool]] = {
    "ad_click": ("web", 0.0, False),
    "social_post": ("social", 0.0, False),
    "email_open": ("email", 0.0, False),
    "search": ("web", 2.0, False),
    "product_page": ("web", 0.2, False),
    "app_product_view": ("app", 0.5, False),
    "compare": ("web", 0.3, False),
    "read_reviews": ("web", 0.5, False),
    "store_visit": ("store", 48.0, True),
    "chat": ("web", 0.3, True),
    "call_center": ("phone", 24.0, True),
    "add_to_cart": ("web", 0.2, False),
    "checkout": ("web", 0.1, False),
    "payment": ("web", 0.05, False),
    "purchase": ("web", 0.01, False),
    "delivery": ("logistics", 60.0, True),
    "support_ticket": ("email", 72.0, True),
    "return": ("logistics", 120.0, True),
    "review_written": ("web", 96.0, False),
    "repurchase": ("web", 700.0, False),
}
NAMES = list(TOUCHPOINTS)
#: The key columns of the generated logs, as `read_log` takes them.
KEYS = {"case": "customer_id", "activity": "touchpoint", "timestamp": "ts"}
_INDEX = {name: i for i, name in enumerate(NAMES)}
ENTRY = {
    "ad_click": 0.35,
    "social_post": 0.15,
    "email_open": 0.15,
    "search": 0.25,
    "store_visit": 0.10,
}

# Next-touchpoint weights; what is left up to 1.0 is the chance of leaving.
FLOW: dict[str, dict[str, float]] = {
    "ad_click": {"product_page": 0.55, "search": 0.15, "app_product_view": 0.1},
    "social_post": {"product_page": 0.35, "app_product_view": 0.2, "search": 0.1},
    "email_open": {"product_page": 0.45, "app_product_view": 0.15},
    "search": {"product_page": 0.6, "compare": 0.15, "store_visit": 0.05},
    "product_page": {
        "compare": 0.2,
        "read_reviews": 0.15,
        "add_to_cart": 0.25,
        "chat": 0.05,
        "call_center": 0.04,
        "store_visit": 0.04,
        "product_page": 0.1,
    },
    "app_product_view": {
        "add_to_cart": 0.35,
        "product_page": 0.15,
        "read_reviews": 0.1,
        "app_product_view": 0.1,
    },
    "compare": {
        "product_page": 0.3,
        "read_reviews": 0.2,
        "add_to_cart": 0.2,
        "call_center": 0.08,
        "store_visit": 0.07,
    },
    "read_reviews": {"add_to_cart": 0.35, "product_page": 0.2, "compare": 0.15},
    "store_visit": {"purchase": 0.45, "product_page": 0.15, "call_center": 0.1},
    "chat": {"add_to_cart": 0.4, "call_center": 0.15, "product_page": 0.2},
    "call_center": {
        "add_to_cart": 0.3,
        "purchase": 0.15,
        "store_visit": 0.1,
        "support_ticket": 0.05,
    },
    "add_to_cart": {"checkout": 0.65, "product_page": 0.1, "compare": 0.05},
    "checkout": {"payment": 0.8, "call_center": 0.05, "chat": 0.05},
    "payment": {"purchase": 0.9, "call_center": 0.04},
    "purchase": {"delivery": 0.97},
    "delivery": {"review_written": 0.25, "support_ticket": 0.15, "return": 0.05, "repurchase": 0.2},
    "support_ticket": {
        "call_center": 0.25,
        "return": 0.15,
        "review_written": 0.15,
        "repurchase": 0.1,
    },
    "return": {"support_ticket": 0.2, "review_written": 0.2},
    "review_written": {"repurchase": 0.3},
    "repurchase": {"delivery": 0.95},
}
SEGMENTS = np.array(["new", "returning", "business"])
SEGMENT_WEIGHTS = np.array([0.55, 0.35, 0.10])
MAX_STEPS = 64
EPOCH = np.datetime64("2026-01-01T00:00:00", "us")
WINDOW_DAYS = 180
MAX_WAIT_DAYS = 120


@dataclass(frozen=True)
class Chain:
    """The Markov chain as arrays: cumulative next-step weights, leaving last."""

    cumulative: np.ndarray  # (n_touchpoints, n_touchpoints + 1)
    entry: np.ndarray  # cumulative entry weights
    median_wait_s: np.ndarray
    scored: np.ndarray


@dataclass(frozen=True)
class Bottleneck:
    """A planted bottleneck: `weight` of the customers at `source` go to `target`, wait about
    `wait_hours` there (median), and `abandon` of them leave right after it."""

    source: str
    target: str
    weight: float = 0.35
    wait_hours: float = 96.0
    abandon: float = 0.8

    def __post_init__(self) -> None:
        for name in (self.source, self.target):
            if name not in TOUCHPOINTS:
                raise ValueError(f"unknown touchpoint {name!r}; choose from {', '.join(NAMES)}")
        if not (0 < self.weight < 1 and 0 <= self.abandon <= 1 and self.wait_hours >= 0):
            raise ValueError("weight must be in (0, 1), abandon in [0, 1], wait_hours >= 0")


def _chain(bottleneck: Bottleneck | None = None) -> Chain:
    n = len(NAMES)
    weights = np.zeros((n, n + 1))
    for source, targets in FLOW.items():
        row = weights[_INDEX[source]]
        for target, w in targets.items():
            row[_INDEX[target]] = w
        row[n] = max(0.0, 1.0 - row[:n].sum())
    if bottleneck is not None:
        row = weights[_INDEX[bottleneck.source]]
        row /= row.sum()
        row[_INDEX[bottleneck.target]] = 0.0
        row *= (1.0 - bottleneck.weight) / row.sum()
        row[_INDEX[bottleneck.target]] = bottleneck.weight
    weights /= weights.sum(axis=1, keepdims=True)
    entry = np.zeros(n)
    for name, w in ENTRY.items():
        entry[_INDEX[name]] = w
    return Chain(
        cumulative=np.cumsum(weights, axis=1),
        entry=np.cumsum(entry / entry.sum()),
        median_wait_s=np.array([TOUCHPOINTS[t][1] * 3600.0 for t in NAMES]),
        scored=np.array([TOUCHPOINTS[t][2] for t in NAMES]),
    )


def journeys(
    n_customers: int,
    rng: np.random.Generator,
    first_id: int = 0,
    bottleneck: Bottleneck | None = None,
) -> pd.DataFrame:
    """Simulate `n_customers` journeys; rows grouped by customer, in time order."""
    chain = _chain(bottleneck)
    planted = np.zeros(n_customers, dtype=bool)  # just took the planted transition
    state = np.searchsorted(chain.entry, rng.random(n_customers), side="right")
    clock = EPOCH + (rng.random(n_customers) * WINDOW_DAYS * 86_400e6).astype("timedelta64[us]")
    customer = np.arange(n_customers)
    columns: dict[str, list[np.ndarray]] = {"customer": [], "step": [], "touchpoint": [], "ts": []}
    alive = np.ones(n_customers, dtype=bool)
    n = len(NAMES)
    for step in range(MAX_STEPS):
        idx = np.flatnonzero(alive)
        if idx.size == 0:
            break
        columns["customer"].append(customer[idx])
        columns["step"].append(np.full(idx.size, step, dtype=np.int16))
        columns["touchpoint"].append(state[idx].astype(np.int8))
        columns["ts"].append(clock[idx])
        u = rng.random(idx.size)
        nxt = (u[:, None] > chain.cumulative[state[idx]]).sum(axis=1)
        leaving = nxt >= n
        if bottleneck is not None:
            leaving |= planted[idx] & (rng.random(idx.size) < bottleneck.abandon)
        alive[idx[leaving]] = False
        moving = idx[~leaving]
        target = nxt[~leaving]
        median = chain.median_wait_s[target]
        if bottleneck is not None:
            via = (state[moving] == _INDEX[bottleneck.source]) & (
                target == _INDEX[bottleneck.target]
            )
            planted[:] = False
            planted[moving[via]] = True
            median = np.where(via, bottleneck.wait_hours * 3600.0, median)
        state[moving] = target
        clock[moving] += _waits(median, rng).astype("timedelta64[us]")
    frame = pd.DataFrame({key: np.concatenate(parts) for key, parts in columns.items()})
    frame = frame.sort_values(["customer", "step"], kind="stable", ignore_index=True)
    frame["customer"] += first_id
    return frame


def _waits(median_s: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Log-normal waits around the median, one in twenty drawn from a Pareto tail,
    capped at `MAX_WAIT_DAYS`."""
    base = np.maximum(median_s, 5.0) * rng.lognormal(0.0, 1.0, median_s.size)
    tail = rng.random(median_s.size) < 0.05
    base[tail] *= 1.0 + rng.pareto(1.5, tail.sum()) * 5.0
    return np.minimum(base, MAX_WAIT_DAYS * 86_400.0) * 1e6


def to_table(frame: pd.DataFrame, rng: np.random.Generator, *, id_type: str) -> pa.Table:
    """Columns customer_id, touchpoint, channel, ts (UTC), segment, csat."""
    channels = np.array([TOUCHPOINTS[t][0] for t in NAMES])
    scored = _chain().scored
    customers = frame["customer"].to_numpy()
    tp = frame["touchpoint"].to_numpy()
    segment_of = rng.choice(len(SEGMENTS), size=customers.max() + 1, p=SEGMENT_WEIGHTS)
    csat = np.where(scored[tp], rng.integers(1, 6, size=len(tp)).astype(float), np.nan)
    if id_type == "int":
        ids = pa.array(customers.astype(np.int64) + 10_000_000)
    else:
        unique = np.unique(customers)
        text = pa.array([f"cust-{c:09d}" for c in unique])
        ids = text.take(pa.array(np.searchsorted(unique, customers)))
    return pa.table(
        {
            "customer_id": ids,
            "touchpoint": pa.DictionaryArray.from_arrays(
                pa.array(tp.astype(np.int32)), pa.array(NAMES)
            ),
            "channel": pa.DictionaryArray.from_arrays(
                pa.array(np.searchsorted(np.unique(channels), channels[tp]).astype(np.int32)),
                pa.array(np.unique(channels).tolist()),
            ),
            "ts": pa.array(frame["ts"].to_numpy(), type=pa.timestamp("us", tz="UTC")),
            "segment": pa.DictionaryArray.from_arrays(
                pa.array(segment_of[customers].astype(np.int32)), pa.array(SEGMENTS.tolist())
            ),
            "csat": pa.array(csat, mask=np.isnan(csat)),
        }
    )


def chunks(
    n_events: int,
    *,
    seed: int = 0,
    chunk_events: int = 1_000_000,
    id_type: str = "str",
    shuffle: bool = True,
    bottleneck: Bottleneck | None = None,
) -> Iterator[pa.Table]:
    """Yield tables of about `chunk_events` rows, `n_events` rows in all."""
    if id_type not in ("str", "int"):
        raise ValueError(f"id_type must be 'str' or 'int'; got {id_type!r}")
    rng = np.random.default_rng(seed)
    produced = 0
    next_id = 0
    per_customer = 8.0  # refined from what is produced
    while produced < n_events:
        want = min(chunk_events, n_events - produced)
        n_customers = max(1, int(want / per_customer * 1.05) + 1)
        frame = journeys(n_customers, rng, first_id=next_id, bottleneck=bottleneck)
        per_customer = len(frame) / n_customers
        next_id += n_customers
        frame = frame.iloc[:want]
        table = to_table(frame, rng, id_type=id_type)
        if shuffle:
            table = table.take(pa.array(rng.permutation(len(table))))
        produced += len(table)
        yield table


def write_parquet(
    path: str | os.PathLike,
    n_events: int,
    *,
    seed: int = 0,
    chunk_events: int = 1_000_000,
    id_type: str = "str",
    shuffle: bool = True,
    row_group_events: int = 1_000_000,
    bottleneck: Bottleneck | None = None,
) -> Path:
    """Write a synthetic journey log of `n_events` rows to one Parquet file, chunk by chunk.

    Rows are shuffled within each chunk of `chunk_events` (pass `chunk_events=n_events` for a
    fully shuffled log); the file has row groups of at most `row_group_events` rows, as
    most writers produce, so readers can stream it.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".partial")
    writer = None
    try:
        for table in chunks(
            n_events,
            seed=seed,
            chunk_events=chunk_events,
            id_type=id_type,
            shuffle=shuffle,
            bottleneck=bottleneck,
        ):
            if writer is None:
                writer = pq.ParquetWriter(tmp, table.schema)
            writer.write_table(table, row_group_size=row_group_events)
    finally:
        if writer is not None:
            writer.close()
    os.replace(tmp, path)
    return path


def generate(
    n_events: int,
    *,
    seed: int = 0,
    id_type: str = "str",
    shuffle: bool = True,
    bottleneck: Bottleneck | None = None,
) -> pd.DataFrame:
    """An in-memory synthetic journey log (see `write_parquet` for large ones)."""
    tables = list(
        chunks(
            n_events,
            seed=seed,
            chunk_events=max(n_events, 1),
            id_type=id_type,
            shuffle=shuffle,
            bottleneck=bottleneck,
        )
    )
    return pa.concat_tables(tables).to_pandas()
