"""Shared check that requested columns exist, with an error that lists what does and
names the argument that asked for each missing one."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from ..errors import InputError

#: How a caller names each role's column, in Python and on the command line.
ARGUMENTS = {
    "case": "case= (--case)",
    "activity": "activity= (--activity)",
    "timestamp": "timestamp= (--timestamp)",
    "start_timestamp": "start_timestamp= (--start-timestamp)",
    "attributes": "attributes= (--segment, --channel, --score)",
}
_KEYS = ("case", "activity", "timestamp")


def check_columns(
    requested: Sequence[str] | None,
    available: Iterable[str],
    *,
    where: str,
    roles: Mapping[str, str] | None = None,
) -> None:
    """Raise an InputError naming the `requested` columns not in `available`.

    `roles` gives the role ('case', 'attributes', ...) of each requested column, so that
    the message points at the argument to fix; without it the key arguments are named.
    """
    available = list(available)
    if requested is None:
        return
    missing = [c for c in requested if c not in available]
    if missing:
        names = ", ".join(repr(c) for c in missing)
        shown = ", ".join(repr(c) for c in available[:30])
        more = ", ..." if len(available) > 30 else ""
        noun = "column" if len(missing) == 1 else "columns"
        asked = [roles.get(c) for c in missing] if roles else list(_KEYS)
        arguments = [ARGUMENTS[r] for r in dict.fromkeys(asked) if r in ARGUMENTS]
        if not arguments:
            arguments = [ARGUMENTS[r] for r in _KEYS]
        raise InputError(
            f"{noun} {names} not found in {where}; its columns are: {shown}{more}; pass the "
            f"right names with {', '.join(arguments)}"
        )
