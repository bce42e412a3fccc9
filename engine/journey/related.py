"""Lead times between related objects' journeys in an object-centric log.

Flattening on one object type loses what links the types: the customer of an order, the
packages an order's items ship in. `ocel_lead_times` keeps it: for every pair of related
objects (A of one type, B of another) it measures the time from A's anchor event to B's,
e.g. from an order's `place order` to the `package delivered` of each of its packages.

Related means sharing an event: A and B are both named by at least one event (the
event-to-object relations every OCEL version has). With `via`, the relation is a chain
through objects of the intermediate types: orders -> items -> packages pairs an order with
the packages that hold one of its items. OCEL 2.0's object-to-object relations are not
used: OCEL 1.0 files do not have them, and a flattened journey is made of events.

An anchor is an object's first event, or its first event of an activity (earliest time,
ties in the file's order). Events without a time are left out, as read_ocel drops them.
A pair whose object lacks its anchor activity is kept with no lead time and counted;
a negative lead time (B's anchor before A's) is kept and flagged, never dropped.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from ..errors import InputError
from ..io.ocel_relations import ARROW, related_pairs
from ..schema import BOOL, FLOAT, TEXT, UTC_TIME, table_schema

#: The columns of `LeadTimes.pairs` (and of lead_times.parquet), in order.
LEAD_TIME_SCHEMA = table_schema(
    from_id=TEXT,
    to_id=TEXT,
    from_time=UTC_TIME,
    to_time=UTC_TIME,
    lead_time_s=FLOAT,
    negative=BOOL,
)
LEAD_TIME_COLUMNS = tuple(LEAD_TIME_SCHEMA.names)


@dataclass(frozen=True)
class LeadTimes:
    """One row per related pair (`pairs`), and what the anchors and relation were."""

    pairs: pd.DataFrame
    from_type: str
    to_type: str
    from_activity: str | None
    to_activity: str | None
    via: tuple[str, ...]
    from_objects: int  # objects of from_type that some event names
    to_objects: int
    unrelated_from: list[str] = field(repr=False)  # from objects without a related to object

    def summary(self) -> dict[str, Any]:
        """Counts and seconds for summary.json: pairs, measured ones, missing anchors,
        negatives, and the median / p90 (linear interpolation) of the measured lead times."""
        pairs = self.pairs
        measured = pairs["lead_time_s"].dropna().to_numpy(dtype=np.float64)
        reached = pairs.loc[pairs["lead_time_s"].notna(), "from_id"].nunique()

        def stat(fn) -> float | None:
            return float(fn(measured)) if len(measured) else None

        return {
            "from": self.from_type,
            "from_anchor": self.from_activity or "first event",
            "via": list(self.via),
            "to": self.to_type,
            "to_anchor": self.to_activity or "first event",
            "from_objects": self.from_objects,
            "to_objects": self.to_objects,
            "from_objects_unrelated": len(self.unrelated_from),
            "from_objects_measured": int(reached),
            "pairs": len(pairs),
            "measured": len(measured),
            "missing_from_anchor": int(pairs["from_time"].isna().sum()),
            "missing_to_anchor": int(pairs["to_time"].isna().sum()),
            "negative": int(pairs["negative"].sum()),
            "mean_s": stat(np.mean),
            "median_s": stat(np.median),
            "p90_s": stat(lambda v: np.quantile(v, 0.9)),
            "min_s": stat(np.min),
            "max_s": stat(np.max),
        }

    def per_object(self) -> pd.DataFrame:
        """One row per related object of from_type: its pairs, how many are measured, and
        the lead times to the first and to the last of them (`last_s` only when every pair
        is measured: an order is delivered when its last package is)."""
        pairs = self.pairs
        grouped = pairs.groupby("from_id", sort=True)["lead_time_s"]
        table = pd.DataFrame(
            {
                "pairs": grouped.size(),
                "measured": grouped.count(),
                "first_s": grouped.min(),
                "last_s": grouped.max(),
            }
        )
        table.loc[table["measured"] < table["pairs"], "last_s"] = np.nan
        return table.rename_axis("from_id").reset_index()


def ocel_lead_times(
    path: str | os.PathLike,
    *,
    from_type: str,
    to_type: str,
    from_activity: str | None = None,
    to_activity: str | None = None,
    via: Sequence[str] = (),
    format: str | None = None,
    timestamp_format: str | None = None,
) -> LeadTimes:
    """Time from each object of `from_type` to each related object of `to_type`, from the
    first `from_activity` event of the one to the first `to_activity` event of the other
    (None: the object's first event). Related: the two share an event, or with
    `via=('items',)` a chain of shared events through objects of those types. Why: the
    customer-to-delivery time spans journeys that flattening puts in separate logs.

    Returns LeadTimes: `pairs` (from_id, to_id, from_time, to_time, lead_time_s,
    negative), one row per pair sorted by ids, and `summary()`. Raises InputError naming
    the object type or activity that does not fit, with the fix.
    """
    from ..io.ocel import object_relations, ocel_format, read_ocel_data

    source = Path(path)
    data = read_ocel_data(source, ocel_format(source, format))
    if not data.event_ids:
        raise InputError(f"'{source}' has no events; check that it is the whole log")
    relations = object_relations(data, source)
    via = tuple(via)
    chain = (from_type, *via, to_type)
    present = sorted(relations["type"].unique())
    for kind in dict.fromkeys(chain):
        if kind not in present:
            raise InputError(
                f"'{source}' has no object type '{kind}' with events; choose one of "
                + ", ".join(repr(t) for t in present)
            )
    times = _event_times(data.times, timestamp_format)
    events = pd.DataFrame(
        {"activity": pd.Series(data.activities, dtype=object), "time": times}
    ).rename_axis("event")
    anchors = {
        side: _anchors(relations, events, kind, activity, source)
        for side, kind, activity in (
            ("from", from_type, from_activity),
            ("to", to_type, to_activity),
        )
    }
    pairs = related_pairs(relations, chain, source)
    pairs = pairs.sort_values(["from_id", "to_id"], kind="stable").reset_index(drop=True)
    pairs = pairs.astype({"from_id": "str", "to_id": "str"})
    pairs["from_time"] = pairs["from_id"].map(anchors["from"]).astype("datetime64[ns, UTC]")
    pairs["to_time"] = pairs["to_id"].map(anchors["to"]).astype("datetime64[ns, UTC]")
    delta = (pairs["to_time"] - pairs["from_time"]).to_numpy()
    seconds = delta.astype("timedelta64[ns]").astype(np.int64) / 1e9
    seconds[np.isnat(delta)] = np.nan
    pairs["lead_time_s"] = seconds
    pairs["negative"] = pairs["lead_time_s"] < 0
    mine = relations.loc[relations["type"] == from_type, "object"].unique()
    unrelated = sorted(set(mine) - set(pairs["from_id"]))
    to_count = relations.loc[relations["type"] == to_type, "object"].nunique()
    return LeadTimes(
        pairs[list(LEAD_TIME_COLUMNS)],
        from_type,
        to_type,
        from_activity,
        to_activity,
        via,
        len(mine),
        int(to_count),
        unrelated,
    )


def parse_lead_time(text: str) -> dict[str, Any]:
    """'FROM[:ACTIVITY]->[VIA->...]TO[:ACTIVITY]' as ocel_lead_times keywords, e.g.
    'orders:place order->items->packages:package delivered'."""
    parts = [p.strip() for p in text.split(ARROW)]
    if len(parts) < 2 or not all(parts):
        raise InputError(
            f"lead time {text!r} is not FROM_TYPE[:ACTIVITY]->TO_TYPE[:ACTIVITY] (with "
            "optional ->VIA_TYPE-> in between), e.g. 'orders:place order->items->packages:"
            "package delivered'"
        )
    first, *middle, last = parts
    from_type, _, from_activity = (s.strip() for s in first.partition(":"))
    to_type, _, to_activity = (s.strip() for s in last.partition(":"))
    odd = [p for p in middle if ":" in p]
    if odd or not from_type or not to_type:
        raise InputError(
            f"lead time {text!r}: only the first and last object types take an activity "
            "(TYPE:ACTIVITY), and every type needs a name"
        )
    return {
        "from_type": from_type,
        "from_activity": from_activity or None,
        "via": tuple(middle),
        "to_type": to_type,
        "to_activity": to_activity or None,
    }


def _event_times(times: list, timestamp_format: str | None) -> pd.Series:
    """Every event's time in UTC as read_log parses it; NaT where the file has none."""
    from ..log.timestamps import parse_timestamps

    column = pa.chunked_array([pa.array(times, type=pa.string())])
    parsed = parse_timestamps(column, name="time", timestamp_format=timestamp_format)
    values = pd.Series(pd.to_datetime(parsed.ns, unit="ns", utc=True))
    values[parsed.missing] = pd.NaT
    return values


def _anchors(
    relations: pd.DataFrame, events: pd.DataFrame, kind: str, activity: str | None, path: Path
) -> pd.Series:
    """object id -> time of its anchor event (objects without it are absent)."""
    mine = relations.loc[relations["type"] == kind, ["event", "object"]]
    mine = mine.join(events, on="event")
    if activity is not None:
        if not (mine["activity"] == activity).any():
            _no_activity(relations, events, kind, activity, path)
        mine = mine[mine["activity"] == activity]
    mine = mine[mine["time"].notna()].sort_values(["time", "event"], kind="stable")
    return mine.drop_duplicates("object").set_index("object")["time"]


def _no_activity(relations, events, kind: str, activity: str, path: Path) -> None:
    on = relations.join(events, on="event")
    carriers = sorted(on.loc[on["activity"] == activity, "type"].unique())
    own = sorted(on.loc[on["type"] == kind, "activity"].dropna().unique())
    if carriers:
        where = f"it relates to objects of type {', '.join(repr(t) for t in carriers)} only"
        fix = "anchor it on one of those types (via= reaches them), or "
    else:
        where = f"'{path}' has no such activity"
        fix = ""
    raise InputError(
        f"no event of activity '{activity}' relates to an object of type '{kind}' ({where}); "
        f"{fix}choose one of its activities: " + ", ".join(repr(a) for a in own[:20])
    )
