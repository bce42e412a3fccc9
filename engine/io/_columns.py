"""Shared checks that requested columns exist, with an error that lists what does and
names the argument that asked for each missing one, and that each names one column."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from ..errors import InputError
from .mapping import ColumnMapping, separator_hint

#: How a caller names each role's column, in Python and on the command line.
ARGUMENTS = {
    "case": "case= (--case)",
    "activity": "activity= (--activity)",
    "timestamp": "timestamp= (--timestamp)",
    "start_timestamp": "start_timestamp= (--start-timestamp)",
    "attributes": "attributes= (--segment, --channel, --score; --attribute in convert)",
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
            f"right names with {', '.join(arguments)}{separator_hint(available)}"
        )


def column_roles(mapping: ColumnMapping, attributes: Iterable[str]) -> dict[str, str]:
    """Each column a read uses -> its role ('case', ..., 'attributes'), keys first."""
    roles = {column: role for role, column in vars(mapping).items() if column is not None}
    for column in attributes:
        roles.setdefault(column, "attributes")
    return roles


def check_unique(used: Mapping[str, str], available: Sequence[str], *, where: str) -> None:
    """Raise an InputError when a column the read uses (`used`: name -> role) appears
    more than once among `available`, a header or a table's names: which one is meant
    cannot be told. Repeated names the read does not use are left alone."""
    for name, role in used.items():
        places = [number for number, column in enumerate(available, start=1) if column == name]
        if len(places) > 1:
            listed = ", ".join(str(p) for p in places[:-1]) + f" and {places[-1]}"
            fix = "rename one of them" if len(places) == 2 else "rename all but one of them"
            raise InputError(
                f"the column name {name!r} appears {len(places)} times in {where} (columns "
                f"{listed}, counting from 1), so {ARGUMENTS[role]} cannot tell which one to "
                f"read; {fix}"
            )
