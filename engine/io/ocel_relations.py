"""Objects of an object-centric log related through shared events: the pairs along a chain
of object types (orders → items → packages), for lead times and for the related events a
journey may take in (read_ocel's `include`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
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


@dataclass(frozen=True)
class Include:
    """Events of related objects a journey takes in: those of `activity` (None: every
    one) of the objects of `object_type` related to the journey's object through `via`."""

    object_type: str
    activity: str | None = None
    via: tuple[str, ...] = ()

    @classmethod
    def parse(cls, text: str) -> Include:
        """'[VIA->...]TYPE[:ACTIVITY]', e.g. 'items->packages:package delivered'."""
        *via, last = [part.strip() for part in str(text).split(ARROW)]
        kind, _, activity = last.partition(":")
        if not kind.strip() or not all(via):
            raise InputError(
                f"a related-events spec is [VIA->...]TYPE[:ACTIVITY], e.g. "
                f"'items->packages:package delivered'; got {text!r}"
            )
        return cls(kind.strip(), activity.strip() or None, tuple(via))

    def describe(self) -> str:
        last = self.object_type + (f":{self.activity}" if self.activity else "")
        return ARROW.join([*self.via, last])


def included_events(
    activities: list, relations: pd.DataFrame, object_type: str, spec: Include, path: Path
) -> pd.DataFrame:
    """(event, case) of the events `spec` brings into the journeys of `object_type`."""
    present = set(relations["type"])
    for kind in (*spec.via, spec.object_type):
        if kind not in present:
            raise InputError(
                f"related events {spec.describe()!r}: '{path}' has no object type '{kind}' "
                "with events; choose one of " + ", ".join(repr(t) for t in sorted(present))
            )
    pairs = related_pairs(relations, (object_type, *spec.via, spec.object_type), path)
    theirs = relations.loc[relations["type"] == spec.object_type, ["event", "object"]]
    if spec.activity is not None:
        activity = np.asarray(activities, dtype=object)[theirs["event"].to_numpy()]
        if not (activity == spec.activity).any():
            raise InputError(
                f"related events {spec.describe()!r}: no event of type '{spec.object_type}' "
                f"objects has the activity '{spec.activity}' in '{path}'"
            )
        theirs = theirs[activity == spec.activity]
    rows = pairs.merge(theirs, left_on="to_id", right_on="object")
    return rows.rename(columns={"from_id": "case"})[["event", "case"]]
