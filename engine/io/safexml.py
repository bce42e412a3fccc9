"""What the XML readers (XES, OCEL XML) share to stay safe: a log that declares a DOCTYPE
or an entity is refused before parsing, so that it cannot make the parser read local
files or the network, and a parse error becomes one line naming the file."""

from __future__ import annotations

import re
from pathlib import Path

from lxml import etree

from ..errors import InputError, one_line

#: A DOCTYPE or ENTITY declaration, in the bytes before the root element.
FORBIDDEN = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


def check_prolog(head: bytes, path: Path, kind: str) -> None:
    """Refuse `head` (the file's first bytes) if its prolog declares a DOCTYPE or an
    entity; `kind` names the format in the message ('XES', 'OCEL')."""
    root_at = head.find(b"<log")
    if FORBIDDEN.search(head if root_at < 0 else head[:root_at]):
        raise doctype_error(path, kind)


def doctype_error(path: Path, kind: str) -> InputError:
    return InputError(
        f"'{path}' declares a DOCTYPE or ENTITY; {kind} files never need one and parcours "
        "refuses them so that a log cannot make it read local files or the network: "
        "remove the declaration"
    )


def syntax_error(exc: etree.XMLSyntaxError, path: Path, kind: str) -> InputError:
    """A parse error in one line: an entity the prolog check missed, or broken XML."""
    if "entity" in str(exc).lower():
        return doctype_error(path, kind)
    return InputError(
        f"'{path}' is not well-formed {kind} ({one_line(exc)}); the file may be truncated "
        "or corrupt: export it again"
    )
