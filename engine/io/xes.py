"""XES reader (plain or gzip), safe for files that come from outside.

The parser never resolves entities, never loads a DTD and never touches the network; a file
that declares a DOCTYPE or an ENTITY is refused outright, since XES never needs one.
The file is streamed into a parser target that sees each element as it starts and ends and
builds no tree, so memory stays flat in the size of the file, whatever it holds besides
events; a gzip that expands like no real log does is refused. Only the requested
attributes are kept, which makes large logs cheap to read. Trace attributes appear as
``case:<key>`` columns, as pm4py names them (winning, as there, over an event's own
``case:<key>``); lists and containers are not read, and asking for one is an error.

This module is the entry: it checks the prolog and feeds the file (opened by xes_gzip) to
the parser, whose target (xes_collector) keeps the values and types them (xes_values).

The XES structure is followed: events belong to the trace they are written in, and an
event outside a trace, a trace inside a trace or an event inside an event is refused,
never handed to another case. A typed value that cannot be read (a date, a number, a
boolean) is an error naming its traces, as a bad value in a CSV is, not a missing value.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd
from lxml import etree

from ..errors import InputError
from ._columns import check_columns
from .safexml import check_prolog, syntax_error
from .xes_collector import XesCollector
from .xes_gzip import open_xes, undecompressable

_PROLOG_PEEK = 1 << 20
_CHUNK = 1 << 16  # bytes handed to the parser at a time


def read_xes(
    path: Path, *, columns: Sequence[str] | None, roles: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """Read the events of an XES file; `columns` picks attributes (all when None)."""
    _refuse_doctype(path)
    wanted = None if columns is None else list(dict.fromkeys(columns))
    collector = XesCollector(wanted, path)
    parser = etree.XMLParser(
        target=collector,
        # 'internal': the predefined entities (&amp;) are text, which a parser target is
        # not given otherwise; no external entity is ever loaded, and no internal one can
        # be defined, since a DOCTYPE is refused (by the target too) before the root.
        resolve_entities="internal",
        load_dtd=False,
        no_network=True,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        with open_xes(path) as stream:
            while chunk := stream.read(_CHUNK):
                parser.feed(chunk)
            parser.close()
    except InputError:
        raise
    except etree.XMLSyntaxError as exc:
        raise syntax_error(exc, path, "XES") from None
    except (EOFError, OSError, zlib.error) as exc:
        raise undecompressable(path, exc) from None
    if collector.n_events == 0:
        traces = collector.n_traces
        raise InputError(
            f"the XES file '{path}' has no events ({traces:,} trace{'' if traces == 1 else 's'}"
            "); check that it is the log you meant, or export it again with its events"
        )
    frame = collector.frame()
    if wanted is not None:
        present = [c for c in frame.columns if frame[c].notna().any()]
        available = sorted(set(present) | collector.seen)
        check_columns(wanted, available, where=f"the XES file '{path}'", roles=roles)
    return frame


def _refuse_doctype(path: Path) -> None:
    try:
        with open_xes(path) as stream:
            head = stream.read(_PROLOG_PEEK)
    except (EOFError, OSError, zlib.error) as exc:
        raise undecompressable(path, exc) from None
    check_prolog(head, path, "XES")
