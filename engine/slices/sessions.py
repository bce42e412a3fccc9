"""Sessions: each customer's journey split at gaps of inactivity, the sessions becoming
the cases, the customer kept as an attribute, so both levels can be analysed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..kernels.filters import session_starts
from ..log.build import Canonical
from .filters import _duration_ns, _text

if TYPE_CHECKING:
    from ..log.eventlog import EventLog

#: The attribute holding each session's customer (the case id of the log split).
CUSTOMER = "customer"


def sessions(log: EventLog, gap: Any = "30min") -> EventLog:
    """The log with a case per session: a new session starts at a customer's first event
    and after every gap longer than `gap` (a duration such as '30min', or seconds). A
    session's id is the customer's id, '#', and its number from 1; the customer's id is
    the `customer` attribute of every event."""

    gap_ns = _duration_ns(gap, "gap")
    starts = session_starts(log.case_offsets, log.timestamp, gap_ns)
    first = np.flatnonzero(starts)
    offsets = np.append(first, log.n_events).astype(np.int64)
    customer_of_event = np.repeat(
        np.arange(log.n_cases, dtype=np.int32 if log.n_cases < 2**31 else np.int64),
        np.diff(log.case_offsets),
    )
    customers = log.case_ids
    attributes = dict(log.attributes)
    attributes[CUSTOMER] = pd.Series(
        pd.Categorical.from_codes(customer_of_event, categories=customers), name=CUSTOMER
    )

    def session_ids(codes: np.ndarray, rows: np.ndarray) -> pd.Index:
        """Built when first asked for: millions of strings that most analyses never need."""
        sessions = codes.astype(np.int64)
        customer = customer_of_event[first[sessions]]
        number = sessions - np.searchsorted(first, log.case_offsets[customer]) + 1
        text = customers.astype(str).to_numpy()[customer]
        return pd.Index(np.char.add(np.char.add(text.astype(str), "#"), number.astype(str)))

    canonical = Canonical(
        activity=log.activity,
        timestamp=log.timestamp,
        start_timestamp=log.start_timestamp,
        case_offsets=offsets,
        source_row=log.source_row,
        activity_names=log.activity_names,
        case_id_decoder=session_ids,
        case_codes=np.arange(len(first), dtype=np.uint32 if len(first) < 2**32 else np.uint64),
        attributes=attributes,
        dropped=log.dropped,
        start_missing=log.start_timestamp_missing,
        timezone_aware=log.timezone_aware,
    )
    split = type(log)(canonical, columns=log.columns, source=log.source)
    split.definition = [*log.definition, {"filter": "sessions", "gap": _text(gap)}]
    split.observed_until = log.observed_until
    split.read_activities = log.read_activities
    return split
