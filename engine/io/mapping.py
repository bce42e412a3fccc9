"""Which input columns hold the case, the activity and the timestamps: the mapping every
reader and both backends resolve the same way."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..errors import InputError

#: The XES standard's keys: an XES file's columns, and the default mapping of any log
#: that has them.
XES_CASE = "case:concept:name"
XES_ACTIVITY = "concept:name"
XES_TIMESTAMP = "time:timestamp"


@dataclass(frozen=True)
class ColumnMapping:
    """Which input columns hold the case, the activity and the timestamps."""

    case: str
    activity: str
    timestamp: str
    start_timestamp: str | None = None

    def __post_init__(self) -> None:
        """Each role its own column: one column read as two roles is refused here, where
        every mapping is made, rather than failing later inside a reader."""
        named = [(role, column) for role, column in vars(self).items() if column is not None]
        for i, (role, column) in enumerate(named):
            for other, same in named[i + 1 :]:
                if same == column:
                    raise InputError(
                        f"{role} and {other} are both column '{column}': each role needs a "
                        f"column of its own; pass another {other}= "
                        f"(--{other.replace('_', '-')})"
                    )


def separator_hint(available: Sequence[str]) -> str:
    """'; ...' advice when a header came out as one column holding a separator (a file
    of ';' or tab separated values read with ','), else ''."""
    if len(available) != 1:
        return ""
    for sep, spelled in ((";", "';'"), ("\t", "tab"), ("|", "'|'"), (",", "','")):
        if sep in str(available[0]):
            return (
                f"; the header reads as one column: if its fields are separated by {spelled}, "
                f"pass sep={spelled if sep != chr(9) else repr(chr(9))} (--sep {spelled})"
            )
    return ""


def resolve_mapping(
    available: list[str] | None,
    case: str | None,
    activity: str | None,
    timestamp: str | None,
    start_timestamp: str | None,
    *,
    where: str,
) -> ColumnMapping:
    """The mapping the caller named, unset keys filled with the XES names when the log has
    them (`available` None: an XES file, which always does); a one-line error naming the
    columns there are otherwise."""
    defaults = {"case": XES_CASE, "activity": XES_ACTIVITY, "timestamp": XES_TIMESTAMP}
    given = {"case": case, "activity": activity, "timestamp": timestamp}
    resolved = {}
    for role, value in given.items():
        if value is not None:
            resolved[role] = value
        elif available is None or defaults[role] in available:
            resolved[role] = defaults[role]
        else:
            shown = ", ".join(repr(str(c)) for c in available[:30])
            raise InputError(
                f"which column holds the {role}? {where} has no '{defaults[role]}' column; "
                f"pass {role}= (--{role}) naming one of: {shown}{separator_hint(available)}"
            )
    return ColumnMapping(start_timestamp=start_timestamp, **resolved)
