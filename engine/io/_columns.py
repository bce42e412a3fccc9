"""Shared check that requested columns exist, with an error that lists what does."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ..errors import InputError


def check_columns(requested: Sequence[str] | None, available: Iterable[str], *, where: str) -> None:
    available = list(available)
    if requested is None:
        return
    missing = [c for c in requested if c not in available]
    if missing:
        names = ", ".join(repr(c) for c in missing)
        shown = ", ".join(repr(c) for c in available[:30])
        more = ", ..." if len(available) > 30 else ""
        noun = "column" if len(missing) == 1 else "columns"
        raise InputError(
            f"{noun} {names} not found in {where}; its columns are: {shown}{more}; pass the "
            "right names with case=, activity=, timestamp= (--case, --activity, --timestamp)"
        )
