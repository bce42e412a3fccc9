"""Build the canonical log from a DataFrame: validate, code, group by case, sort by time."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import InputError
from ..kernels.ordering import gather, pack, runs_of_packed, sort_cases_by_time, split_runs
from .keys import activity_codes, case_keys
from .timestamps import parse_timestamps


@dataclass(frozen=True)
class ColumnMapping:
    """Which input columns hold the case, the activity and the timestamps."""

    case: str
    activity: str
    timestamp: str
    start_timestamp: str | None = None


@dataclass(frozen=True)
class DroppedRows:
    """Rows left out because a key field was missing (a row may miss several)."""

    total: int
    missing_case: int
    missing_activity: int
    missing_timestamp: int

    def as_dict(self) -> dict[str, int]:
        return {
            "total": self.total,
            "missing_case": self.missing_case,
            "missing_activity": self.missing_activity,
            "missing_timestamp": self.missing_timestamp,
        }


@dataclass(frozen=True)
class Canonical:
    """The arrays of a canonical log, before they are wrapped in an EventLog."""

    activity: np.ndarray
    timestamp: np.ndarray
    start_timestamp: np.ndarray | None
    case_offsets: np.ndarray
    source_row: np.ndarray
    activity_names: np.ndarray
    case_ids: pd.Index
    attributes: dict[str, pd.Series]
    dropped: DroppedRows
    start_missing: int
    timezone_aware: bool


def build_canonical(
    frame: pd.DataFrame,
    mapping: ColumnMapping,
    *,
    attributes: Sequence[str] = (),
    timestamp_format: str | None = None,
    timestamp_unit: str | None = None,
) -> Canonical:
    """Validate `frame` and lay its events out canonically. `frame` is not modified."""
    _check_columns(frame, mapping, attributes)
    n = len(frame)
    if n == 0:
        raise InputError(
            "the log is empty: it has no rows; check the file or the filter that made it"
        )
    ts = parse_timestamps(
        frame[mapping.timestamp], column=mapping.timestamp,
        timestamp_format=timestamp_format, timestamp_unit=timestamp_unit,
    )
    start = None
    if mapping.start_timestamp is not None:
        start = parse_timestamps(
            frame[mapping.start_timestamp], column=mapping.start_timestamp,
            timestamp_format=timestamp_format, timestamp_unit=timestamp_unit,
        )
    keys = case_keys(frame[mapping.case])
    acts = activity_codes(frame[mapping.activity])

    drop = keys.missing | acts.missing | ts.missing
    dropped = DroppedRows(
        total=int(drop.sum()),
        missing_case=int(keys.missing.sum()),
        missing_activity=int(acts.missing.sum()),
        missing_timestamp=int(ts.missing.sum()),
    )
    if dropped.total == n:
        raise InputError(
            f"the log is empty after dropping rows with no case, activity or timestamp: all "
            f"{n:,} rows miss one (case '{mapping.case}': {dropped.missing_case:,}, activity "
            f"'{mapping.activity}': {dropped.missing_activity:,}, timestamp "
            f"'{mapping.timestamp}': {dropped.missing_timestamp:,}); check the column mapping"
        )
    rows = np.flatnonzero(~drop) if dropped.total else np.arange(n, dtype=np.int64)
    compact = (lambda a: a[rows]) if dropped.total else (lambda a: a)
    key_values = compact(keys.values)
    ts_ns = compact(ts.ns)
    act = compact(acts.codes)

    n_kept = len(rows)
    row_bits = max(1, int(n_kept - 1).bit_length())
    exact = keys.exact and int(key_values.max()) < (1 << (64 - row_bits))
    packed = pack(key_values, row_bits, not exact)
    packed.sort()
    positions, offsets = runs_of_packed(packed, row_bits)
    del packed
    if not exact:
        offsets = split_runs(positions, offsets, rows, keys.key_offsets, keys.key_data)
    timestamp = sort_cases_by_time(positions, offsets, ts_ns)
    activity = gather(act, positions)
    source_row = gather(rows, positions)

    start_ns = None
    start_missing = 0
    if start is not None:
        filled = np.where(start.missing, ts.ns, start.ns)
        start_missing = int((start.missing & ~drop).sum())
        start_ns = gather(filled, source_row)

    first_rows = source_row[offsets[:-1]]
    case_ids = pd.Index(frame[mapping.case].iloc[first_rows].to_numpy(), name=mapping.case)
    kept_attributes = {
        name: frame[name].iloc[source_row].reset_index(drop=True) for name in attributes
    }
    return Canonical(
        activity=activity,
        timestamp=timestamp,
        start_timestamp=start_ns,
        case_offsets=offsets,
        source_row=source_row,
        activity_names=acts.names,
        case_ids=case_ids,
        attributes=kept_attributes,
        dropped=dropped,
        start_missing=start_missing,
        timezone_aware=ts.timezone_aware,
    )


def _check_columns(frame: pd.DataFrame, mapping: ColumnMapping, attributes: Sequence[str]) -> None:
    roles = {
        "case": mapping.case,
        "activity": mapping.activity,
        "timestamp": mapping.timestamp,
        "start_timestamp": mapping.start_timestamp,
    }
    for role, column in roles.items():
        if column is not None and column not in frame.columns:
            raise InputError(_missing_column_message(role, column, frame.columns))
    for column in attributes:
        if column not in frame.columns:
            raise InputError(_missing_column_message("attribute", column, frame.columns))
    used = [c for c in (mapping.case, mapping.activity, mapping.timestamp) if c is not None]
    if len(set(used)) < len(used):
        raise InputError(
            f"case, activity and timestamp must be three different columns; got case="
            f"'{mapping.case}', activity='{mapping.activity}', timestamp='{mapping.timestamp}'"
        )


def _missing_column_message(role: str, column: str, available: pd.Index) -> str:
    shown = ", ".join(repr(str(c)) for c in list(available)[:30])
    more = ", ..." if len(available) > 30 else ""
    flag = role.replace("_", "-")
    return (
        f"{role} column '{column}' is not in the log; its columns are: {shown}{more}. "
        f"Pass the right name with {role}= (--{flag})"
    )
