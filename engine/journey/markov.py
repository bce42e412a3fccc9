"""The Markov chain of attribution (engine.figures.attribution): its states capped, the
removal effect of a group of states from the chain's transition counts, and the Poisson
bootstrap over blocks of journeys that gives its intervals. Arrays in, arrays out: the
figure counts the transitions, this shares the conversions out."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Most states a Markov chain keeps (its fundamental matrix is dense).
MAX_STATES = 1_000
#: The bootstrap's blocks of journeys: as many as fit in BLOCK_ENTRIES counts, within
#: [MIN_BLOCKS, MAX_BLOCKS].
BLOCK_ENTRIES = 8_000_000
MIN_BLOCKS, MAX_BLOCKS = 20, 500


@dataclass(frozen=True)
class Chain:
    """The Markov chain's states after capping (capped_chain), and its bootstrap blocks."""

    remap: np.ndarray | None  # per state: its chain state (None: the same)
    group_states: list[np.ndarray]
    n_states: int
    n_blocks: int


def capped_chain(n_states: int, groups: dict[str, np.ndarray], counts: np.ndarray | None) -> Chain:
    """The chain's states: past MAX_STATES, the rarest (by `counts`, events per state)
    merged into one; then as many bootstrap blocks as fit in BLOCK_ENTRIES counts."""
    if n_states <= MAX_STATES:
        remap, group_states = None, list(groups.values())
    else:
        keep = np.argsort(-counts, kind="stable")[: MAX_STATES - 1]
        remap = np.full(n_states, MAX_STATES - 1, np.int32)
        remap[keep] = np.arange(MAX_STATES - 1, dtype=np.int32)
        # A group with a merged state has no removal effect of its own: an empty group (NaN).
        merged = [m if (remap[m] < MAX_STATES - 1).all() else m[:0] for m in groups.values()]
        group_states = [remap[m] for m in merged]
        n_states = MAX_STATES
    cells = (n_states + 1) * (n_states + 2)
    n_blocks = int(np.clip(BLOCK_ENTRIES // cells, MIN_BLOCKS, MAX_BLOCKS))
    return Chain(remap, group_states, n_states, n_blocks)


def removal_effects(counts: np.ndarray, groups: list[np.ndarray]) -> np.ndarray:
    """Per group of states: 1 - P(conversion with the group's states made exits) /
    P(conversion), from transition counts as kernels.attribution.transition_counts
    gives them (NaN when nothing converts). Single states come from one fundamental
    matrix: P(convert avoiding x) = P(convert) - P(reach x) h(x)."""
    n = counts.shape[0] - 1
    out_of = counts[:n].sum(axis=1)
    seen = out_of > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        rows = np.where(seen[:, None], counts[:n] / out_of[:, None], 0.0)
    start = counts[n] / max(counts[n].sum(), 1.0)
    q, to_conversion = rows[:, :n], rows[:, n]
    identity = np.eye(n)
    fundamental = np.linalg.inv(identity - q)
    h = fundamental @ to_conversion
    p_convert = start[:n] @ h + start[n]
    if p_convert <= 0:
        return np.full(len(groups), np.nan)
    visits = start[:n] @ fundamental  # expected visits from the start
    effects = np.full(len(groups), np.nan)
    for g, members in enumerate(groups):
        if len(members) == 0:
            continue
        if len(members) == 1:
            x = members[0]
            reach = visits[x] / fundamental[x, x] if fundamental[x, x] > 0 else 0.0
            effects[g] = reach * h[x] / p_convert
        else:
            keep = np.ones(n, dtype=bool)
            keep[members] = False
            sub = identity[np.ix_(keep, keep)] - q[np.ix_(keep, keep)]
            h_without = np.linalg.solve(sub, to_conversion[keep])
            effects[g] = 1.0 - (start[:n][keep] @ h_without + start[n]) / p_convert
    return effects


def shares(effect: np.ndarray) -> np.ndarray:
    effect = np.nan_to_num(np.maximum(effect, 0.0))
    total = effect.sum()
    return effect / total if total > 0 else np.zeros_like(effect)


def bootstrap(
    blocks: np.ndarray, groups: list[np.ndarray], converted: float, n_boot: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Poisson bootstrap replicates of the removal effects and the credits.

    Journeys fall into random blocks (kernels.attribution.block_of); a replicate weighs
    each block by a Poisson(1) draw and refits the chain from the weighted sum of the
    blocks' transition counts: one pass over the events for any number of replicates.
    The chain's transition probabilities are ratios, whose resampling variance blocks of
    independent journeys reproduce; the count of conversions shared out is a total,
    drawn at the journey level (Poisson of the count)."""
    rng = np.random.default_rng(seed)
    n_blocks = blocks.shape[0]
    flat = blocks.reshape(n_blocks, -1)
    effects = np.full((n_boot, len(groups)), np.nan)
    shared = np.full((n_boot, len(groups)), np.nan)
    for b in range(n_boot):
        weights = rng.poisson(1.0, n_blocks).astype(float)
        effects[b] = removal_effects((weights @ flat).reshape(blocks.shape[1:]), groups)
        shared[b] = shares(effects[b]) * rng.poisson(converted)
    return effects, shared
