"""Drift: the journey figures period by period, and where they changed beyond chance.

Journeys are grouped by the period they start in. Each period is compared with all the
other periods together (compare_rows: the share of journeys taking each step,
conversion, each stage's dwell): an incident shows as the run of periods that differ
from the rest, from where it begins to where it ends, and the rest gives the baseline
the power of the whole log (a period against the one before would test two small
samples). A period's conversion is counted at a common horizon (converted within it, among journeys
observed that long; the latest periods' are flagged `too_recent` when some of their
journeys are younger), so that recent periods do not look worse only for being recent.
p-values are adjusted by Benjamini–Hochberg within each table over all periods. With
`by`, every flagged share says which segment (the column's value at a journey's first
event) carries the change: the one with the largest part of it in Kitagawa's
decomposition (shift_share): a segment carries a change by growing while it converts
less (a shifting mix) or by its own rate changing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import InputError
from ..schema import BOOL, TEXT, table_schema
from .comparison import COMPARE_SCHEMA, _journeys, adjust, compare_rows

if TYPE_CHECKING:
    from ..journey import Journey, JourneyModel
    from ..log.eventlog import EventLog

#: `a`: all other periods; `b`: the period.
DRIFT_SCHEMA = table_schema(("period", TEXT), COMPARE_SCHEMA, too_recent=BOOL, carried_by=TEXT)
DRIFT_COLUMNS = tuple(DRIFT_SCHEMA.names)
DRIFT_TABLES = ("edge", "conversion", "stage_dwell")


def drift_table(
    journey: Journey,
    *,
    period: str = "W",
    by: str | None = None,
    horizon: Any = "auto",
    confidence: float = 0.95,
    min_journeys: int = 30,
    fdr: float = 0.05,
) -> pd.DataFrame:
    """DRIFT_COLUMNS, a row per compared figure and period (see the module doc)."""
    from ..journey.segments import case_segments, horizon_nanoseconds

    log = journey.log
    codes, names = case_segments(log, None, period)
    horizon_ns = horizon_nanoseconds(horizon, period, journey.conversion_summary)
    sides: dict[str, tuple[EventLog, EventLog]] = {}
    if by is not None:
        journey._event_column(by)  # a clear error when it was not read
    order = np.argsort(names.astype(str))  # periods sort as their text does
    periods = [int(k) for k in order if (codes == k).any()]
    if len(periods) < 2:
        raise InputError(
            f"drift needs journeys starting in at least two periods of {period!r}; "
            f"the log has {len(periods)}: use a shorter period"
        )
    window_end = log.observed_until
    rows = []
    for k in periods:
        inside = codes == k
        this = log.filter._cases(inside, {"filter": "period", "period": str(names[k])})
        rest = log.filter._cases(~inside, {"filter": "period", "not": str(names[k])})
        part = compare_rows(
            rest,
            this,
            journey.model,
            confidence=confidence,
            min_journeys=min_journeys,
            tables=DRIFT_TABLES,
            horizon_ns=horizon_ns,
        )
        part.insert(0, "period", str(names[k]))
        young = False
        if horizon_ns is not None:
            starts = this.timestamp[this.case_offsets[:-1]]
            young = bool((window_end - starts < horizon_ns).any())
        part["too_recent"] = (part["table"] == "conversion") & young
        rows.append(part)
        if by is not None:
            sides[str(names[k])] = (rest, this)
    table = adjust(pd.concat(rows, ignore_index=True), fdr)
    table = table.sort_values(["period", "table", "p_value"], na_position="last", kind="stable")
    table["carried_by"] = None
    if by is not None:
        _carriers(table, sides, by, journey.model)
    return table[list(DRIFT_COLUMNS)].reset_index(drop=True)


def _carriers(
    table: pd.DataFrame, sides: dict[str, tuple[EventLog, EventLog]], by: str, model: JourneyModel
) -> None:
    """Fill `carried_by` for the flagged shares (edges, and conversion on its plain rate)."""
    flagged = table.index[table["significant"] & table["table"].isin(["edge", "conversion"])]
    for i in flagged:
        row = table.loc[i]
        rest, this = sides[row["period"]]
        parts = shift_share(
            _segment_rates(rest, row, by, model), _segment_rates(this, row, by, model)
        )
        if not parts.empty:
            table.at[i, "carried_by"] = str((parts * np.sign(row["difference"])).idxmax())


def shift_share(before: pd.DataFrame, after: pd.DataFrame) -> pd.Series:
    """Each segment's part of the change of a rate (columns `weight`: the segment's share
    of journeys, `rate`: its rate), the parts adding up to the change: the shift of its
    weight times how far its rate lies from the rate before (mix), plus its mean weight
    times the change of its own rate (Kitagawa's decomposition)."""
    both = before.add_suffix("_a").join(after.add_suffix("_b"), how="outer").fillna(0.0)
    overall = float((before["weight"] * before["rate"]).sum())
    w_a, w_b, p_a, p_b = (both[c] for c in ("weight_a", "weight_b", "rate_a", "rate_b"))
    # a segment absent on one side takes its rate from the other
    p_a = p_a.where(w_a > 0, p_b)
    p_b = p_b.where(w_b > 0, p_a)
    mix = (w_b - w_a) * ((p_a + p_b) / 2 - overall)
    rate = (w_a + w_b) / 2 * (p_b - p_a)
    return mix + rate


def _segment_rates(log: EventLog, row: pd.Series, by: str, model: JourneyModel) -> pd.DataFrame:
    """Per segment: its share of the log's journeys (`weight`) and its rate of the row's
    figure (`rate`: taking the step, or converting)."""
    from .filters import _objects

    segment = _objects(log.attributes[by], log.case_offsets[:-1])
    if row["table"] == "conversion":
        hit = _journeys(log, log, model)[0].conversions.converted
    else:
        hit = _took(log, str(row["item"]))
    frame = pd.DataFrame({"segment": pd.Series(segment).fillna("(missing)"), "hit": hit})
    grouped = frame.groupby("segment")["hit"]
    return pd.DataFrame({"weight": grouped.size() / log.n_cases, "rate": grouped.mean()})


def _took(log: EventLog, item: str) -> np.ndarray:
    """Per journey: whether it took the step 'a → b'."""
    from ..kernels.filters import follows_cases

    a, _, b = item.partition(" → ")
    names = log.activity_names
    codes = [int(np.searchsorted(names, n)) for n in (a, b)]
    if any(c >= len(names) or names[c] != n for c, n in zip(codes, (a, b), strict=True)):
        return np.zeros(log.n_cases, dtype=bool)
    ts = log.timestamp
    return follows_cases(log.activity, log.case_offsets, ts, codes[0], codes[1], True, -1)
