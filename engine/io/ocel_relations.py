"""Objects of an object-centric log related through shared events: the pairs along a chain
of object types (orders → items → packages), for lead times and for the related events a
journey may take in (read_ocel's `include`)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..errors import InputError

ARROW = "->"
_VIA = "via=, or FROM->VIA->TO in --lead-time and --include-related"


def related_pairs(relations: pd.DataFrame, chain: tuple[str, ...], path: Path) -> pd.DataFrame:
    """(from_id, to_id) once per pair linked along `chain` by shared events."""
    pairs = links(relations, chain[0], chain[1]).rename(columns={"a": "from_id", "b": "at"})
    for step, kind in enumerate(chain[2:], start=2):
        if pairs.empty:
            break
        nxt = links(relations, chain[step - 1], kind).rename(columns={"a": "at"})
        pairs = pairs.merge(nxt, on="at")[["from_id", "b"]].rename(columns={"b": "at"})
        pairs = pairs.drop_duplicates()
    pairs = pairs[pairs["from_id"] != pairs["at"]]  # an object is not its own pair
    if pairs.empty:
        hops = f" {ARROW} ".join(repr(t) for t in chain)
        raise InputError(
            f"'{path}': no event relates objects along {hops}; "
            f"{bridges(relations, chain[0], chain[-1])}"
        )
    return pairs.rename(columns={"at": "to_id"}).reset_index(drop=True)


def links(relations: pd.DataFrame, a: str, b: str) -> pd.DataFrame:
    """(a, b) once per pair of objects of types a and b named by the same event."""
    left = relations.loc[relations["type"] == a, ["event", "object"]].rename(
        columns={"object": "a"}
    )
    right = relations.loc[relations["type"] == b, ["event", "object"]].rename(
        columns={"object": "b"}
    )
    return left.merge(right, on="event")[["a", "b"]].drop_duplicates()


def bridges(relations: pd.DataFrame, a: str, b: str) -> str:
    """The fix: object types that share events with both ends, to pass as via."""
    types_with = relations.groupby("event")["type"].agg(frozenset)
    touching_a = set().union(*[s for s in types_with if a in s] or [set()])
    touching_b = set().union(*[s for s in types_with if b in s] or [set()])
    shared = sorted((touching_a & touching_b) - {a, b})
    if shared:
        named = ", ".join(repr(t) for t in shared)
        return f"relate them through a type that shares events with both ({_VIA}): {named}"
    return f"choose object types that share events, or chain them through others ({_VIA})"
