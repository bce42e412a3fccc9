"""Build the canonical log from a table: validate, code, group by case, sort by time."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import InputError
from ..kernels.ordering import (
    VERIFY_BYTES,
    VERIFY_NONE,
    gather,
    order_runs,
    pack,
    run_offsets,
    split_collisions,
)
from .columns import Table, arrow_column, column_names, n_rows, take_column
from .keys import Decoder, activity_codes, case_keys
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
    case_id_decoder: Decoder
    case_codes: np.ndarray  # code of each case (for the decoder)
    attributes: dict[str, pd.Series]
    dropped: DroppedRows
    start_missing: int
    timezone_aware: bool


def build_canonical(
    table: Table,
    mapping: ColumnMapping,
    *,
    attributes: Sequence[str] = (),
    timestamp_format: str | None = None,
    timestamp_unit: str | None = None,
) -> Canonical:
    """Validate `table` and lay its events out canonically. `table` is not modified."""
    _check_columns(column_names(table), mapping, attributes)
    n = n_rows(table)
    if n == 0:
        raise InputError(
            "the log is empty: it has no rows; check the file or the filter that made it"
        )
    ts = parse_timestamps(
        arrow_column(table, mapping.timestamp),
        name=mapping.timestamp,
        timestamp_format=timestamp_format,
        timestamp_unit=timestamp_unit,
    )
    start = None
    if mapping.start_timestamp is not None:
        start = parse_timestamps(
            arrow_column(table, mapping.start_timestamp),
            name=mapping.start_timestamp,
            timestamp_format=timestamp_format,
            timestamp_unit=timestamp_unit,
        )
    keys = case_keys(arrow_column(table, mapping.case))
    acts = activity_codes(arrow_column(table, mapping.activity))

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

    row_bits = max(1, int(n - 1).bit_length())
    hashed = keys.hashed or int(keys.codes.max()) >= (1 << (64 - row_bits))
    packed = pack(keys.codes, ~drop, row_bits, hashed)
    packed.sort()
    runs = run_offsets(packed, row_bits)
    verify = VERIFY_BYTES if keys.hashed else VERIFY_NONE
    key_offsets, key_data = keys.key_bytes or (np.zeros(1, np.int64), np.zeros(0, np.uint8))
    if hashed and not keys.hashed:
        # Exact codes too wide to pack: confirm equality on the codes themselves.
        verify = VERIFY_BYTES
        key_offsets = np.arange(0, 8 * (n + 1), 8, dtype=np.int64)
        key_data = keys.codes.view(np.uint8)
    activity = acts.codes.astype(_activity_dtype(len(acts.names)))
    rows, timestamp, activity, collided = order_runs(
        packed, runs, row_bits, ts.ns, activity, verify, key_offsets, key_data
    )
    del packed
    if collided.any():
        offsets = split_collisions(rows, timestamp, activity, runs, collided, key_offsets, key_data)
    else:
        offsets = runs

    start_ns = None
    start_missing = 0
    if start is not None:
        filled = np.where(start.missing, ts.ns, start.ns)
        start_missing = int((start.missing & ~drop).sum())
        start_ns = gather(filled, rows)

    first_rows = rows[offsets[:-1]]
    kept_attributes = {name: take_column(table, name, rows) for name in attributes}
    return Canonical(
        activity=activity.astype(np.int32, copy=False),
        timestamp=timestamp,
        start_timestamp=start_ns,
        case_offsets=offsets,
        source_row=rows,
        activity_names=acts.names,
        case_id_decoder=keys.decode,
        case_codes=keys.codes[first_rows],
        attributes=kept_attributes,
        dropped=dropped,
        start_missing=start_missing,
        timezone_aware=ts.timezone_aware,
    )


def _activity_dtype(n_activities: int) -> type:
    """The narrowest integer for activity codes: less memory to move while ordering."""
    if n_activities <= np.iinfo(np.int8).max:
        return np.int8
    if n_activities <= np.iinfo(np.int16).max:
        return np.int16
    return np.int32


def _check_columns(available: list[str], mapping: ColumnMapping, attributes: Sequence[str]) -> None:
    roles = {
        "case": mapping.case,
        "activity": mapping.activity,
        "timestamp": mapping.timestamp,
        "start_timestamp": mapping.start_timestamp,
    }
    for role, column in roles.items():
        if column is not None and column not in available:
            raise InputError(_missing_column_message(role, column, available))
    for column in attributes:
        if column not in available:
            raise InputError(_missing_column_message("attribute", column, available))
    used = [mapping.case, mapping.activity, mapping.timestamp]
    if len(set(used)) < len(used):
        raise InputError(
            f"case, activity and timestamp must be three different columns; got case="
            f"'{mapping.case}', activity='{mapping.activity}', timestamp='{mapping.timestamp}'"
        )


def _missing_column_message(role: str, column: str, available: list[str]) -> str:
    shown = ", ".join(repr(c) for c in available[:30])
    more = ", ..." if len(available) > 30 else ""
    flag = role.replace("_", "-")
    return (
        f"{role} column '{column}' is not in the log; its columns are: {shown}{more}. "
        f"Pass the right name with {role}= (--{flag})"
    )
