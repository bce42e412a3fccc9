"""Journeys with effects of known size planted in them: the truths that the estimators of
the journey layer are validated against.

A small chain of touchpoints, one channel each: customers arrive by an ad or a search,
land on a product page, and from it take one of four evaluation steps (compare offers,
read reviews, chat, schedule a callback) that lead on alike (back to the product page,
to the cart, or away), or go to the cart directly; the cart leads to checkout and the
purchase (the conversion), then delivery and a review. Effects are planted on steps:

- `Abandon(target, source, extra)`: after the step source → target (any source when
  None), `extra` of the journeys leave on top of the usual leaving;
- `Delay(target, source, hours)`: that step's median wait becomes `hours`.

Because the chain is known, so is every truth, exactly and without simulation
(`truth`): the share of journeys that convert with and without each effect (the lost
conversions an effect causes) and the Markov removal effect of each touchpoint and
channel. The evaluation steps are alike by construction, so "journeys that took the
callback, had they converted as those who took another evaluation step" and "had the
callback not lost them" are the same number: the pooled comparison of journey/lost.py
is unbiased here, and the best-converting single alternative is not.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

#: touchpoint: (stage, channel, median wait before it in hours)
TOUCHPOINTS: dict[str, tuple[str, str, float]] = {
    "ad_click": ("discovery", "social", 0.0),
    "search": ("discovery", "web", 0.0),
    "product_page": ("evaluation", "web", 0.5),
    "compare_offers": ("evaluation", "web", 1.0),
    "read_reviews": ("evaluation", "web", 1.0),
    "chat": ("evaluation", "chat", 1.0),
    "callback_scheduled": ("evaluation", "phone", 1.0),
    "add_to_cart": ("purchase", "web", 0.5),
    "checkout": ("purchase", "web", 0.2),
    "purchase": ("purchase", "web", 0.1),
    "delivery": ("after_sales", "logistics", 48.0),
    "review": ("loyalty", "email", 96.0),
}
NAMES = list(TOUCHPOINTS)
CONVERSION = "purchase"
ENTRY = {"ad_click": 0.6, "search": 0.4}
_EVALUATE = {"product_page": 0.3, "add_to_cart": 0.35}  # the rest leaves
FLOW: dict[str, dict[str, float]] = {
    "ad_click": {"product_page": 0.85},
    "search": {"product_page": 0.9},
    "product_page": {
        "compare_offers": 0.25,
        "read_reviews": 0.2,
        "chat": 0.15,
        "callback_scheduled": 0.15,
        "add_to_cart": 0.15,
    },
    "compare_offers": _EVALUATE,
    "read_reviews": _EVALUATE,
    "chat": _EVALUATE,
    "callback_scheduled": _EVALUATE,
    "add_to_cart": {"checkout": 0.7, "product_page": 0.1},
    "checkout": {"purchase": 0.85},
    "purchase": {"delivery": 0.95},
    "delivery": {"review": 0.3},
    "review": {},
}
#: The journey model of these logs, as JourneyModel.from_stages takes it.
STAGES = {
    stage: [t for t, (s, _, _) in TOUCHPOINTS.items() if s == stage]
    for stage in ("discovery", "evaluation", "purchase", "after_sales", "loyalty")
}
KEYS = {"case": "customer_id", "activity": "touchpoint", "timestamp": "ts"}
MAX_STEPS = 64
EPOCH = np.datetime64("2026-01-01T00:00:00", "us")
_INDEX = {name: i for i, name in enumerate(NAMES)}
_N = len(NAMES)


@dataclass(frozen=True)
class Abandon:
    """After the step source → target (any source when None), `extra` of the journeys
    leave, on top of the usual leaving."""

    target: str
    source: str | None = None
    extra: float = 0.5


@dataclass(frozen=True)
class Redirect:
    """At `source`, `share` of the journeys that move on go to `target` instead (a bug
    that sends customers back a step). No truth is computed for it."""

    source: str
    target: str
    share: float = 0.3


@dataclass(frozen=True)
class Delay:
    """The step source → target (any source when None) takes `hours` (median)."""

    target: str
    source: str | None = None
    hours: float = 72.0


Effect = Abandon | Delay | Redirect


def _matrix() -> np.ndarray:
    """Next-touchpoint probabilities (n, n + 1), leaving last."""
    weights = np.zeros((_N, _N + 1))
    for source, targets in FLOW.items():
        for target, w in targets.items():
            weights[_INDEX[source], _INDEX[target]] = w
        weights[_INDEX[source], _N] = 1.0 - sum(targets.values())
    return weights


def _on_step(effect: Effect, previous: np.ndarray, current: np.ndarray) -> np.ndarray:
    hit = current == _INDEX[effect.target]
    if effect.source is not None:
        hit &= previous == _INDEX[effect.source]
    return hit


def simulate(
    n_journeys: int,
    *,
    seed: int = 0,
    effects: tuple[Effect, ...] = (),
    start_days: tuple[float, float] = (0.0, 90.0),
    prefix: str = "cust",
) -> pd.DataFrame:
    """`n_journeys` journeys (columns customer_id, touchpoint, channel, ts), rows in a
    seeded random order, starting uniformly between `start_days` days after EPOCH; ids
    are `prefix`-NNNNNNN, so that logs of different windows or effects can be joined."""
    for effect in effects:
        for name in (effect.target, effect.source):
            if name is not None and name not in TOUCHPOINTS:
                raise ValueError(f"unknown touchpoint {name!r}; choose from {', '.join(NAMES)}")
    rng = np.random.default_rng(seed)
    cumulative = np.cumsum(_matrix(), axis=1)
    entry = np.cumsum([ENTRY.get(name, 0.0) for name in NAMES])
    median = np.array([TOUCHPOINTS[t][2] for t in NAMES]) * 3600.0
    state = np.searchsorted(entry, rng.random(n_journeys), side="right")
    previous = np.full(n_journeys, -1)
    low, high = start_days
    offsets_us = (low + rng.random(n_journeys) * (high - low)) * 86_400e6
    clock = EPOCH + offsets_us.astype("timedelta64[us]")
    alive = np.ones(n_journeys, dtype=bool)
    parts: dict[str, list[np.ndarray]] = {"case": [], "state": [], "ts": []}
    for _ in range(MAX_STEPS):
        idx = np.flatnonzero(alive)
        if idx.size == 0:
            break
        parts["case"].append(idx)
        parts["state"].append(state[idx])
        parts["ts"].append(clock[idx])
        here, came_from = state[idx], previous[idx]
        nxt = (rng.random(idx.size)[:, None] > cumulative[here]).sum(axis=1)
        leaving = nxt >= _N
        for effect in effects:
            if isinstance(effect, Redirect):
                sent = (here == _INDEX[effect.source]) & ~leaving
                sent &= rng.random(idx.size) < effect.share
                nxt = np.where(sent, _INDEX[effect.target], nxt)
            if isinstance(effect, Abandon):
                hit = _on_step(effect, came_from, here)
                leaving |= hit & (rng.random(idx.size) < effect.extra)
        alive[idx[leaving]] = False
        moving, target = idx[~leaving], nxt[~leaving]
        wait = median[target]
        for effect in effects:
            if isinstance(effect, Delay):
                wait = np.where(
                    _on_step(effect, state[moving], target), effect.hours * 3600.0, wait
                )
        previous[moving] = state[moving]
        state[moving] = target
        waits = np.maximum(wait, 5.0) * rng.lognormal(0.0, 0.8, moving.size)
        clock[moving] += (waits * 1e6).astype("timedelta64[us]")
    case = np.concatenate(parts["case"])
    codes = np.concatenate(parts["state"])
    channels = np.array([TOUCHPOINTS[t][1] for t in NAMES], dtype=object)
    frame = pd.DataFrame(
        {
            "customer_id": pd.Series(case).map((prefix + "-{:07d}").format),
            "touchpoint": np.array(NAMES, dtype=object)[codes],
            "channel": channels[codes],
            "ts": pd.to_datetime(np.concatenate(parts["ts"])).tz_localize("UTC"),
        }
    )
    return frame.iloc[rng.permutation(len(frame))].reset_index(drop=True)


def conversion_share(effects: tuple[Effect, ...] = (), *, removed: tuple[str, ...] = ()) -> float:
    """The exact share of journeys that convert (reach the purchase within MAX_STEPS
    events), with `effects` planted and the touchpoints `removed` turned into exits (the
    Markov removal of those states), by a forward pass over (previous, current)."""
    weights = _matrix()
    gone = np.array([name in removed for name in NAMES])
    # mass[p, c]: journeys whose current event is c, arrived from p (p = _N: entry)
    mass = np.zeros((_N + 1, _N))
    for name, w in ENTRY.items():
        mass[_N, _INDEX[name]] = w
    converted = 0.0
    conversion = _INDEX[CONVERSION]
    previous_of = np.repeat(np.arange(_N + 1), _N).reshape(_N + 1, _N)
    current_of = np.tile(np.arange(_N), (_N + 1, 1))
    previous_of = np.where(previous_of == _N, -1, previous_of)
    for _ in range(MAX_STEPS):
        mass[:, gone] = 0.0  # a removed touchpoint is an exit
        converted += mass[:, conversion].sum()
        mass[:, conversion] = 0.0  # converted journeys are counted once
        stay = np.ones_like(mass)
        for effect in effects:
            if isinstance(effect, Abandon):
                stay = np.where(
                    _on_step(effect, previous_of, current_of), stay * (1 - effect.extra), stay
                )
        moving = mass * stay
        following = np.zeros_like(mass)
        for c in range(_N):
            following[c, :] = moving[:, c].sum() * weights[c, :_N]
        mass = following
    return float(converted)


def lost_conversions(n_journeys: int, effect: Effect, effects: tuple[Effect, ...]) -> float:
    """The conversions `effect` costs among `n_journeys` journeys where `effects` (it
    among them) are planted: how many more would convert without it."""
    others = tuple(e for e in effects if e != effect)
    return n_journeys * (conversion_share(others) - conversion_share(effects))


def removal_effects(effects: tuple[Effect, ...] = (), *, by: str = "touchpoint") -> pd.Series:
    """The exact Markov removal effect of each touchpoint (or channel): the share of
    conversions lost when its states become exits, relative to all conversions."""
    base = conversion_share(effects)
    if by == "touchpoint":
        groups = {name: (name,) for name in NAMES}
    else:
        channels = sorted({c for _, c, _ in TOUCHPOINTS.values()})
        groups = {c: tuple(t for t in NAMES if TOUCHPOINTS[t][1] == c) for c in channels}
    return pd.Series(
        {
            name: 1.0 - conversion_share(effects, removed=states) / base
            for name, states in groups.items()
        }
    )
