"""Tree reduction of delayed partial results: results meet in groups of `split_every`,
level by level, on the workers; only the final merged result reaches the client."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

SPLIT_EVERY = 8


def tree_reduce(
    parts: Sequence[Any], combine: Callable[[list[Any]], Any], split_every: int = SPLIT_EVERY
) -> Any:
    """One delayed value: `combine` (which takes a list) applied over a tree of `parts`."""
    import dask

    if not parts:
        raise ValueError("nothing to reduce")
    level = list(parts)
    while len(level) > 1:
        level = [
            dask.delayed(combine, pure=True)(level[i : i + split_every])
            for i in range(0, len(level), split_every)
        ]
    return level[0]


class PresentOnly:
    """A figure's `combine` as the backends call it on a group of results: the parts
    without events (None) left out, a lone result passed on as it is, none as None; the
    figure's combine then only sees two partials or more."""

    def __init__(self, combine: Callable[[list[Any]], Any]) -> None:
        self.combine = combine

    def __call__(self, parts: list[Any]) -> Any:
        present = [p for p in parts if p is not None]
        if len(present) <= 1:
            return present[0] if present else None
        return self.combine(present)
