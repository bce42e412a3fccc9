"""Durations given by a user ('30min', '7D', a pandas Timedelta, or seconds as a number),
read once here, with one message for what cannot be one."""

from __future__ import annotations

from typing import Any

from .errors import InputError


def duration_ns(value: Any, name: str, *, positive: bool = True, seconds: bool = True) -> int:
    """`value` in nanoseconds; `name` is how the message calls it. Zero is allowed when
    not `positive`; numbers are seconds when `seconds`."""
    import pandas as pd

    try:
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if number and not seconds:
            raise ValueError
        delta = pd.Timedelta(value, unit="s") if number else pd.Timedelta(value)
    except (TypeError, ValueError):
        delta = None
    too_small = delta is not None and (
        delta <= pd.Timedelta(0) if positive else delta < pd.Timedelta(0)
    )
    if delta is None or pd.isna(delta) or too_small:
        kind = "a positive duration" if positive else "a duration"
        example = "'30min', '7D'" + (" or a number of seconds" if seconds else "")
        raise InputError(f"{name} must be {kind} such as {example}; got {value!r}")
    return int(delta.value)
