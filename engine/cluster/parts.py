"""One partition of a log on Dask built into its canonical log, on the worker."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from ..io.mapping import ColumnMapping

#: The column numbering the input's rows, so that ties in time keep the input order.
ROW = "__parcours_row"


def build_part(
    part: pd.DataFrame,
    mapping: ColumnMapping,
    parse: dict[str, Any],
    attributes: Sequence[str] = (),
    nullable: Sequence[str] = (),
) -> Any:
    """One partition's canonical log (rows in input order first, so that ties in time
    keep it), or a DroppedRows when it has no usable row. The `nullable` attributes (the
    integers the read made pandas' nullable integers) stay so where the partition has a
    missing value, as an integer column with a null is on one machine, and are NumPy
    integers again where it has none."""
    from ..log.build import DroppedRows, build_canonical
    from ..log.columns import plain_integers
    from ..log.eventlog import EventLog
    from .threads import match_worker_threads

    match_worker_threads()
    keys = [mapping.case, mapping.activity, mapping.timestamp]
    usable = part[keys].notna().all(axis=1)
    if not usable.any():
        missing = part[keys].isna().sum()
        return DroppedRows(
            total=len(part),
            missing_case=int(missing[mapping.case]),
            missing_activity=int(missing[mapping.activity]),
            missing_timestamp=int(missing[mapping.timestamp]),
        )
    part = part.sort_values(ROW, kind="stable").drop(columns=ROW).reset_index(drop=True)
    part = plain_integers(part, nullable)
    canonical = build_canonical(part, mapping, attributes=list(attributes), **parse)
    return EventLog(canonical, columns=mapping, source="partition")
